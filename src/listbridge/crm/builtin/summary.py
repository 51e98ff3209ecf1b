"""What a CRM holds, in the counts an administrator checks first."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from listbridge.core.accounts import Account, CustomFieldDef
from listbridge.core.emails import is_role_address, match_key
from listbridge.crm.builtin.export import iter_accounts
from listbridge.crm.builtin.fields import list_fields
from listbridge.store.db import Store

_FLAGS = ("email_opt_out", "deceased", "do_not_contact")


@dataclass(frozen=True)
class CrmSummary:
    by_type: dict[str, int]
    email_opted_out: int
    deceased: int
    do_not_contact: int
    role_addresses: int
    shared_emails: int
    accounts_sharing: int
    custom_fields: list[CustomFieldDef]

    @property
    def total(self) -> int:
        return sum(self.by_type.values())


def summarize(store: Store, connection_id: int) -> CrmSummary:
    return summarize_accounts(
        iter_accounts(store, connection_id), list_fields(store, connection_id)
    )


def summarize_accounts(accounts: Iterable[Account], fields: list[CustomFieldDef]) -> CrmSummary:
    types: Counter[str] = Counter()
    flags: Counter[str] = Counter()
    owners: Counter[str] = Counter()
    for account in accounts:
        types[str(account.type)] += 1
        flags.update(
            f for f in ("email_opt_out", "deceased", "do_not_contact") if getattr(account, f)
        )
        flags["role"] += any(is_role_address(e) for e in account.emails)
        owners.update({match_key(e) for e in account.emails})
    shared = [count for count in owners.values() if count > 1]
    return CrmSummary(
        dict(sorted(types.items())),
        flags["email_opt_out"],
        flags["deceased"],
        flags["do_not_contact"],
        flags["role"],
        len(shared),
        sum(shared),
        fields,
    )
