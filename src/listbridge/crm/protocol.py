"""The port every CRM plugs into. tests/contract/test_crm_adapter.py is its contract.

Writes made through an adapter are journaled (side `crm`) by the adapter in the
same transaction as the write, with the reason and run the caller gives, so
"who changed this and why" always has an answer.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Protocol, runtime_checkable

from listbridge.core.accounts import Account, CustomFieldDef, CustomValue

#: What `update_fields` accepts per column: text for text columns, bool for the
#: boolean ones, a typed custom value (or None to clear it) for `custom.<Name>`.
FieldValue = str | bool | CustomValue | None


@runtime_checkable
class CrmAdapter(Protocol):
    def changed_since(self, since: datetime | None) -> Iterator[Account]:
        """Accounts created or updated at or after `since` (all when None), oldest first."""
        ...

    def get(self, account_id: str) -> Account | None: ...

    def find_by_email(self, email: str) -> list[Account]:
        """Accounts with this address in email, email2 or email3, ignoring case and spaces."""
        ...

    def create(self, account: Account, *, reason: str, run_id: int | None = None) -> Account:
        """Store a new account (its id must be free) and return it with its timestamps."""
        ...

    def update_fields(
        self,
        account_id: str,
        changes: Mapping[str, FieldValue],
        *,
        reason: str,
        run_id: int | None = None,
    ) -> Account:
        """Change the named columns (file column names); unchanged values are not journaled."""
        ...

    def set_email_opt_out(
        self, account_id: str, opted_out: bool, *, reason: str, run_id: int | None = None
    ) -> Account: ...

    def custom_fields(self) -> list[CustomFieldDef]: ...


@runtime_checkable
class CrmWithLists(CrmAdapter, Protocol):
    """A CRM that has its own lists or groups (the builtin CRM does not, yet)."""

    def lists(self) -> list[str]: ...

    def list_members(self, name: str) -> Iterator[str]:
        """The account ids in the CRM list `name`."""
        ...
