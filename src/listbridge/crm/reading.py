"""Every account of any CRM, read through the protocol with its link: what `crm export`,
`crm show` and `crm duplicates` read of a CRM held elsewhere.

Accounts come a page at a time (`changed_since(None)`, oldest change first), each page
with the Constant Contact contact its accounts are linked to (a CRM held elsewhere
keeps no copy of the link: store/link_ids.py), so memory stays flat.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from itertools import islice

from listbridge.core.accounts import Account, AccountType
from listbridge.core.duplicates import AccountClues, DuplicateGroup, find_duplicates
from listbridge.crm.protocol import CrmAdapter
from listbridge.store.db import Store
from listbridge.store.link_ids import linked_contact_ids

PAGE = 1000


def linked_accounts(crm: CrmAdapter, store: Store, connection_id: int) -> Iterator[Account]:
    """Every account of the CRM, with its `cc_contact_id` from the links."""
    accounts = crm.changed_since(None)
    while page := list(islice(accounts, PAGE)):
        yield from with_links(store, connection_id, page)


def with_links(store: Store, connection_id: int, accounts: Sequence[Account]) -> list[Account]:
    linked = linked_contact_ids(store, connection_id, [a.id for a in accounts])
    return [replace(a, cc_contact_id=linked[a.id]) if a.id in linked else a for a in accounts]


def duplicate_groups(crm: CrmAdapter, store: Store, connection_id: int) -> list[DuplicateGroup]:
    """`crm duplicates` of any CRM (the builtin CRM has a faster one of its own)."""
    return find_duplicates(clues(a) for a in linked_accounts(crm, store, connection_id))


def clues(account: Account) -> AccountClues:
    return AccountClues(
        account_id=account.id,
        individual=account.type is AccountType.INDIVIDUAL,
        first_name=account.first_name,
        last_name=account.last_name,
        emails=(account.email, account.email2, account.email3),
        phones=(account.phone1, account.phone2, account.phone3),
        street=account.address_line1,
        postal_code=account.zip,
        linked=bool(account.cc_contact_id),
    )
