"""The port every CRM plugs into. tests/contract/test_crm_adapter.py is its contract.

Writes made through an adapter are journaled (side `crm`) by the adapter in the
same transaction as the write, with the reason and run the caller gives, so
"who changed this and why" always has an answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar, runtime_checkable

from sqlalchemy.orm import Session

from listbridge.core.accounts import Account, CustomFieldDef, CustomValue
from listbridge.core.filters import Segment
from listbridge.core.journal import Change
from listbridge.core.matching import AccountKeys

#: What `update_fields` accepts per column: text for text columns, bool for the
#: boolean ones, a typed custom value (or None to clear it) for `custom.<Name>`.
FieldValue = str | bool | CustomValue | None
T = TypeVar("T")
#: what a batch's writer calls with the state store's session and the created ids
Batched = Callable[[Session, Mapping[str, str]], T]


@dataclass(frozen=True)
class AccountBatch:
    """Accounts a job writes as one step, with their journal (see `write_batch`)."""

    run_id: int | None
    #: when the batch is written: a custom field it brings in is defined then
    at: datetime
    #: new accounts with their timestamps set; their ids are proposals (see `create`)
    creates: tuple[Account, ...] = ()
    #: each account as it should be (updated_at set), with the columns that changed
    #: (file column names, `custom.<Name>` too); the other columns are not written
    updates: tuple[tuple[Account, tuple[str, ...]], ...] = ()
    #: journaled with the writes, in this order: a change per written column, and those
    #: the caller's bookkeeping makes to these accounts (an import's new links), so that
    #: an account's history reads in the order things happened
    changes: tuple[Change, ...] = ()


@runtime_checkable
class CrmAdapter(Protocol):
    #: True when listbridge may not write to this CRM (a mapping's `read_only = true`):
    #: an import then reports whom it would have created, an unsubscribe what it would
    #: have opted out, and every write method refuses with a UserError saying so
    read_only: bool

    def changed_since(self, since: datetime | None) -> Iterator[Account]:
        """Accounts created or updated at or after `since` (all when None), oldest first."""
        ...

    def get(self, account_id: str) -> Account | None: ...

    def get_many(
        self, account_ids: Iterable[str], *, include_deleted: bool = False
    ) -> dict[str, Account]:
        """The accounts among these ids, by id (a list job's few, without reading all).

        A CRM that keeps deleted accounts leaves them out unless `include_deleted`: a
        writer reads them too, so that consent reaches an account deleted since it was
        linked, and is there when it is restored.
        """
        ...

    def match_keys(self) -> Iterator[AccountKeys]:
        """What matching needs of every account, streamed; a deleted account (where the
        CRM keeps them) comes with no e-mails: its id stays taken, it matches nothing."""
        ...

    def opted_out_ids(self) -> frozenset[str]:
        """The ids of the accounts whose email opt-out is set."""
        ...

    def find_by_email(self, email: str) -> list[Account]:
        """Accounts with this address in email, email2 or email3, ignoring case and spaces."""
        ...

    def with_primary_emails(self, emails: Iterable[str]) -> list[Account]:
        """Accounts whose first e-mail is one of these, ignoring case and spaces (the
        others of a household, when a job pushes some accounts only)."""
        ...

    def create(self, account: Account, *, reason: str, run_id: int | None = None) -> Account:
        """Store a new account and return it as stored, with its timestamps and its id.

        A CRM that numbers its own records (CiviCRM, Vtiger) gives the account its own id
        and ignores the one passed; the builtin CRM keeps the id passed, which must be free.
        """
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

    def write_batch(self, batch: AccountBatch, then: Batched[T]) -> T:
        """Write the batch and journal its changes, then call `then` with a session of
        the state store and the ids of the created accounts (the id each was given, by
        the id the batch proposed: see `create`), and return what it returns, so that
        the caller's bookkeeping (links, checkpoints) commits with the writes where the
        CRM can. A change journaled under a proposed id is journaled under the given one.

        The builtin CRM does it all in one transaction: when `then` raises, nothing of
        the batch is stored. A CRM held elsewhere cannot join the state store's
        transaction: it commits its writes and their journal first, and they stand
        when `then` fails, so the caller's re-run must find them (an import's must
        match the accounts it created by their address, not create them again).
        """
        ...


@runtime_checkable
class CrmWithLists(CrmAdapter, Protocol):
    """A CRM that has its own lists or groups, as the builtin CRM does.

    Names are exact (case counts); an unknown list is a UserError. Writes are
    journaled like field changes: a membership on the account (field
    `list:<name>`, old/new "member" or None), a list's create, rename or delete
    on the record `list:<name>` (its old name for a rename), field `name`.
    """

    def lists(self) -> list[str]:
        """The list names, sorted ignoring case."""
        ...

    def list_keys(self) -> dict[str, str]:
        """Each list's name by a key of its own that a rename keeps (the CRM's id of it),
        so that a CC list stays paired with it whatever either side renames."""
        ...

    def list_members(self, name: str) -> Iterator[str]:
        """The account ids in the CRM list `name`."""
        ...

    def create_list(self, name: str, *, reason: str, run_id: int | None = None) -> None:
        """A new, empty list; refused when the name is taken."""
        ...

    def rename_list(self, old: str, new: str, *, reason: str, run_id: int | None = None) -> None:
        """Renamed, members kept; refused when `new` is taken."""
        ...

    def delete_list(self, name: str, *, reason: str, run_id: int | None = None) -> None:
        """The list and its memberships go; the accounts stay."""
        ...

    def add_to_list(
        self, name: str, account_ids: Sequence[str], *, reason: str, run_id: int | None = None
    ) -> int:
        """How many were newly added; unknown account ids refuse the whole call."""
        ...

    def remove_from_list(
        self, name: str, account_ids: Sequence[str], *, reason: str, run_id: int | None = None
    ) -> int:
        """How many were removed; ids not on the list are ignored."""
        ...

    def account_lists(self, account_id: str) -> list[str]:
        """The names of the lists the account is on, sorted ignoring case."""
        ...


@runtime_checkable
class CrmWithDeletion(Protocol):
    """A CRM listbridge may delete accounts of (`runs undo` of an import takes back the
    accounts it created). The builtin CRM marks them deleted, as `crm delete` does: the row,
    its journal and its opt-out are kept, and every read leaves it out. A CRM held elsewhere
    has its own trash and rules for deleting, so it does not offer this: its accounts are
    deleted in its own screens."""

    def delete(self, account_ids: Iterable[str], *, reason: str, run_id: int | None = None) -> int:
        """Mark these accounts deleted (journaled: field `deleted`); how many were not
        deleted already. An unknown id refuses the whole call."""
        ...


@runtime_checkable
class CrmWithSegments(Protocol):
    """A CRM that runs a segment filter (`--where`) in its own database, instead of
    listbridge reading every account to test it in Python (docs/filters.md says which
    do). The answer must be exactly the Python predicate's (core/filters.py)."""

    def select_account_ids(self, segment: Segment | None, *, defaults: bool = True) -> list[str]:
        """The ids, sorted, of the live accounts `segment` selects (`defaults`: the default
        exclusions apply too, as `Segment.selects`; else as `Segment.matches`). None: every
        live account (that meets the defaults, with `defaults`)."""
        ...
