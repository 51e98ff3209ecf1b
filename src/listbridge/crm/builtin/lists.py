"""The builtin CRM's lists: the `CrmWithLists` half of `BuiltinCrm`.

Every write is journaled (side `crm`) in the transaction that makes it. A
membership is journaled on the account (field `list:<name>`, "member" or None);
a list's own creation, rename and deletion on the record `list:<name>`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import Table
from sqlalchemy.orm import Session

from listbridge.core.errors import UserError
from listbridge.core.journal import Side
from listbridge.crm.builtin import deletion
from listbridge.crm.builtin.bulk import bulk_insert
from listbridge.crm.builtin.records import Clock
from listbridge.crm.list_rules import MEMBER, check_list_name, list_named, refuse_unknown
from listbridge.store import crm_lists
from listbridge.store.db import Store
from listbridge.store.journal import record_changes
from listbridge.store.list_sync_state import unpair_crm_list
from listbridge.store.models import JournalEntry

JOURNAL: Table = JournalEntry.__table__  # type: ignore[assignment]
_JOURNAL_COLUMNS = (
    "connection_id", "run_id", "at", "side", "record_id",
    "field", "old_value", "new_value", "reason",
)  # fmt: skip
_MEMBER_COLUMNS = ("list_id", "account_id", "connection_id", "added_at")


class BuiltinLists:
    """Lists of one connection's builtin CRM; `BuiltinCrm` gets them by inheriting."""

    store: Store
    connection_id: int
    clock: Clock

    def lists(self) -> list[str]:
        with self.store.session() as session:
            return crm_lists.list_names(session, self.connection_id)

    def list_keys(self) -> dict[str, str]:
        with self.store.session() as session:
            return {str(i): name for i, name in crm_lists.lists_by_id(session, self.connection_id)}

    def list_members(self, name: str) -> Iterator[str]:
        """The live members: a deleted account keeps its memberships (a load restores them)
        but no job reads it as on the list."""
        with self.store.session() as session:
            ids = crm_lists.member_ids(session, self._list_id(session, name))
            deleted = deletion.deleted_ids(session, self.connection_id)
        yield from (i for i in ids if i not in deleted)

    def create_list(self, name: str, *, reason: str, run_id: int | None = None) -> None:
        check_list_name(name)
        with self.store.session() as session:
            self._refuse_taken(session, name)
            at = self.clock()
            crm_lists.insert_list(session, self.connection_id, name, at)
            self._journal_list(session, run_id, name, None, name, reason, at)

    def rename_list(self, old: str, new: str, *, reason: str, run_id: int | None = None) -> None:
        check_list_name(new)
        with self.store.session() as session:
            list_id = self._list_id(session, old)
            if new == old:
                return
            self._refuse_taken(session, new)
            at = self.clock()
            crm_lists.rename_list(session, list_id, new, at)
            self._journal_list(session, run_id, old, old, new, reason, at)

    def delete_list(self, name: str, *, reason: str, run_id: int | None = None) -> None:
        with self.store.session() as session:
            list_id = self._list_id(session, name)
            crm_lists.delete_list(session, list_id)
            # SQLite gives a deleted last row's id to the next list: unpair it now.
            unpair_crm_list(session, self.connection_id, str(list_id))
            self._journal_list(session, run_id, name, name, None, reason, self.clock())

    def add_to_list(
        self, name: str, account_ids: Sequence[str], *, reason: str, run_id: int | None = None
    ) -> int:
        """Put the accounts on the list; returns how many were not on it already."""
        wanted = list(dict.fromkeys(account_ids))
        with self.store.session() as session:
            list_id = self._list_id(session, name)
            refuse_unknown(crm_lists.unknown_accounts(session, self.connection_id, wanted))
            present = crm_lists.members_among(session, list_id, wanted)
            added = [i for i in wanted if i not in present]
            if added:
                at = self.clock()
                rows = [[list_id, i, self.connection_id, at] for i in added]
                bulk_insert(session, crm_lists.MEMBERS, _MEMBER_COLUMNS, rows)
                self._journal_members(session, run_id, name, added, True, reason, at)
                crm_lists.touch_list(session, list_id, at)
        return len(added)

    def remove_from_list(
        self, name: str, account_ids: Sequence[str], *, reason: str, run_id: int | None = None
    ) -> int:
        """Take the accounts off the list; returns how many were on it (others are ignored)."""
        given = list(dict.fromkeys(account_ids))
        with self.store.session() as session:
            list_id = self._list_id(session, name)
            present = crm_lists.members_among(session, list_id, given)
            removed = [i for i in given if i in present]
            if removed:
                at = self.clock()
                crm_lists.delete_members(session, list_id, removed)
                self._journal_members(session, run_id, name, removed, False, reason, at)
                crm_lists.touch_list(session, list_id, at)
        return len(removed)

    def account_lists(self, account_id: str) -> list[str]:
        with self.store.session() as session:
            return crm_lists.lists_of_account(session, self.connection_id, account_id)

    def _list_id(self, session: Session, name: str) -> int:
        found = crm_lists.list_id(session, self.connection_id, name)
        if found is None:
            raise UserError(f"no CRM list named {name!r}")
        return found

    def _refuse_taken(self, session: Session, name: str) -> None:
        if crm_lists.list_id(session, self.connection_id, name) is not None:
            raise UserError(f"a CRM list named {name!r} already exists")

    def _journal_list(
        self,
        session: Session,
        run_id: int | None,
        name: str,
        old: str | None,
        new: str | None,
        reason: str,
        at: datetime,
    ) -> None:
        changes = [list_named(name, old, new, reason, at)]
        record_changes(session, self.connection_id, run_id, changes)

    def _journal_members(
        self,
        session: Session,
        run_id: int | None,
        name: str,
        ids: Sequence[str],
        added: bool,
        reason: str,
        at: datetime,
    ) -> None:
        """One entry per account, as record_changes would write it, but through
        bulk_insert: at 50,000 accounts the ORM path of record_changes costs
        several times the membership writes themselves."""
        old, new = (None, MEMBER) if added else (MEMBER, None)
        common = [self.connection_id, run_id, at, Side.CRM.value]
        rows = [[*common, i, f"list:{name}", old, new, reason] for i in ids]
        bulk_insert(session, JOURNAL, _JOURNAL_COLUMNS, rows)
