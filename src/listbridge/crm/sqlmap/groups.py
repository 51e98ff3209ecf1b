"""A mapped CRM's lists: the `[groups]` table (one row per list) and the `[members]`
table (one row per account on a list), the `CrmWithLists` half of `SqlCrm`.

With a status column, a member is a row with `member_value`; taking an account off a
list sets `removed_value` and putting it back sets `member_value` again (the row is
kept, as CRMs that keep a membership history do). Without one, a row is a membership
and a removal deletes it. Names are unique ignoring case. A mapping without groups has
no lists: reading finds none, and creating one is refused, saying why.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, delete, insert, select, update

from listbridge.core.errors import UserError
from listbridge.crm.list_rules import (
    check_list_name,
    list_named,
    memberships,
    refuse_unknown,
)
from listbridge.crm.sql_session import CrmTransactions
from listbridge.crm.sqlmap import reads
from listbridge.crm.sqlmap.model import Groups, Members
from listbridge.crm.sqlmap.parse import MappingFile
from listbridge.crm.sqlmap.rows import account_id, is_deleted
from listbridge.crm.sqlmap.schema import Shape, reflect
from listbridge.crm.sqlmap.values import text

PAGE = 1000


@dataclass(frozen=True)
class ListTables:
    """The two tables of the lists and what the mapping says of each."""

    groups: Table
    g: Groups
    members: Table
    m: Members

    def key(self) -> Any:
        return self.groups.c[self.g.key]

    def name(self) -> Any:
        return self.groups.c[self.g.name]

    def account(self) -> Any:
        return self.members.c[self.m.account]

    def group(self) -> Any:
        return self.members.c[self.m.group]

    def is_member(self) -> list[ColumnElement[bool]]:
        """Rows that are memberships: all of them, or those with `member_value`."""
        if self.m.status is None:
            return []
        return [self.members.c[self.m.status] == self.m.member_value]


class SqlGroups(CrmTransactions):
    """Lists of a mapped CRM; `SqlCrm` gets them by inheriting (and gives `file`)."""

    _shape: Shape | None = None
    file: MappingFile

    def shape(self) -> Shape:
        """The mapping's tables, reflected once per adapter."""
        if self._shape is None:
            with self.reading() as conn:
                self._shape = reflect(conn, self.file)
        return self._shape

    def refuse_write(self, what: str) -> None:
        if self.file.mapping.read_only:
            raise UserError(
                f"{self.file.where('read_only')}: the CRM is read-only for listbridge; "
                f"it did not {what}"
            )

    def lists(self) -> list[str]:
        return sorted(self.list_keys().values(), key=lambda name: (name.casefold(), name))

    def list_keys(self) -> dict[str, str]:
        t = self._maybe_lists()
        if t is None:
            return {}
        with self.reading() as conn:
            rows = conn.execute(select(t.key(), t.name()))
            return {text(key): text(name) for key, name in rows if text(name)}

    def list_members(self, name: str) -> Iterator[str]:
        shape, t = self.shape(), self._lists()
        with self.reading() as conn:
            group = self._group_key(conn, t, name)
        after: Any = None
        while True:
            query = (
                select(shape.accounts)
                .join(t.members, t.account() == reads.key_column(shape))
                .where(t.group() == group, *t.is_member())
                .order_by(t.account())
                .limit(PAGE)
            )
            if after is not None:
                query = query.where(t.account() > after)
            with self.reading() as conn:
                rows = list(conn.execute(query).mappings())
            yield from (account_id(r, shape) for r in rows if not is_deleted(r, shape))
            if len(rows) < PAGE:
                return
            after = rows[-1][shape.mapping.accounts.key]

    def create_list(self, name: str, *, reason: str, run_id: int | None = None) -> None:
        check_list_name(name)
        self.refuse_write(f"create the list {name!r}")
        t = self._lists()
        with self.writing() as (conn, session):
            self._refuse_taken(conn, t, name)
            values: dict[str, Any] = dict(t.g.defaults) | {t.g.name: name}
            if t.g.new_keys == "uuid":
                values[t.g.key] = str(uuid.uuid4())
            conn.execute(insert(t.groups).values(values))
            self.journal(session, run_id, [list_named(name, None, name, reason, self.clock())])

    def rename_list(self, old: str, new: str, *, reason: str, run_id: int | None = None) -> None:
        check_list_name(new)
        self.refuse_write(f"rename the list {old!r}")
        t = self._lists()
        with self.writing() as (conn, session):
            group = self._group_key(conn, t, old)
            if new == old:
                return
            self._refuse_taken(conn, t, new, but=group)
            conn.execute(update(t.groups).where(t.key() == group).values({t.g.name: new}))
            self.journal(session, run_id, [list_named(old, old, new, reason, self.clock())])

    def delete_list(self, name: str, *, reason: str, run_id: int | None = None) -> None:
        self.refuse_write(f"delete the list {name!r}")
        t = self._lists()
        with self.writing() as (conn, session):
            group = self._group_key(conn, t, name)
            conn.execute(delete(t.members).where(t.group() == group))
            conn.execute(delete(t.groups).where(t.key() == group))
            self.journal(session, run_id, [list_named(name, name, None, reason, self.clock())])

    def add_to_list(
        self, name: str, account_ids: Sequence[str], *, reason: str, run_id: int | None = None
    ) -> int:
        wanted = list(dict.fromkeys(account_ids))
        self.refuse_write(f"add accounts to the list {name!r}")
        t = self._lists()
        with self.writing() as (conn, session):
            group = self._group_key(conn, t, name)
            live = self._live_ids(conn, wanted)
            refuse_unknown([i for i in wanted if i not in live])
            rows = self._rows(conn, t, group, wanted)
            added = [i for i in wanted if rows.get(i) is not True]
            if added:
                self._set(conn, t, group, added, rows, member=True)
                at = self.clock()
                self.journal(session, run_id, memberships(name, added, True, reason, at))
        return len(added)

    def remove_from_list(
        self, name: str, account_ids: Sequence[str], *, reason: str, run_id: int | None = None
    ) -> int:
        given = list(dict.fromkeys(account_ids))
        self.refuse_write(f"remove accounts from the list {name!r}")
        t = self._lists()
        with self.writing() as (conn, session):
            group = self._group_key(conn, t, name)
            rows = self._rows(conn, t, group, given)
            removed = [i for i in given if rows.get(i) is True]
            if removed:
                self._set(conn, t, group, removed, rows, member=False)
                at = self.clock()
                self.journal(session, run_id, memberships(name, removed, False, reason, at))
        return len(removed)

    def account_lists(self, account_id: str) -> list[str]:
        shape, t = self.shape(), self._maybe_lists()
        key = reads.key_values(shape, [account_id])
        if t is None or not key:
            return []
        with self.reading() as conn:
            rows = reads.rows_by_key(conn, shape, [account_id])
            if not rows or is_deleted(rows[0], shape):
                return []
            query = (
                select(t.name())
                .join(t.members, t.group() == t.key())
                .where(t.account() == key[0], *t.is_member())
            )
            names = [text(n) for n in conn.scalars(query)]
        return sorted(names, key=lambda name: (name.casefold(), name))

    # -- the tables ---------------------------------------------------------------

    def _maybe_lists(self) -> ListTables | None:
        shape = self.shape()
        g, m = shape.mapping.groups, shape.mapping.members
        if shape.groups is None or shape.members is None or g is None or m is None:
            return None
        return ListTables(shape.groups, g, shape.members, m)

    def _lists(self) -> ListTables:
        found = self._maybe_lists()
        if found is None:
            raise UserError(
                f"{self.file.name}: the mapping declares no [groups] and [members]: "
                "this CRM has no lists listbridge can use"
            )
        return found

    def _group_key(self, conn: Connection, t: ListTables, name: str) -> Any:
        found = [
            key for key, title in conn.execute(select(t.key(), t.name())) if text(title) == name
        ]
        if not found:
            raise UserError(f"no CRM list named {name!r}")
        return found[0]

    def _refuse_taken(self, conn: Connection, t: ListTables, name: str, but: Any = None) -> None:
        rows = conn.execute(select(t.key(), t.name()))
        taken = [text(n) for k, n in rows if text(n).casefold() == name.casefold() and k != but]
        if name in taken:
            raise UserError(f"a CRM list named {name!r} already exists")
        if taken:
            raise UserError(f"a CRM list named {taken[0]!r} already exists (names ignore case)")

    def _rows(
        self, conn: Connection, t: ListTables, group: Any, ids: Sequence[str]
    ) -> dict[str, bool]:
        """account id → whether its row on the list is a membership, for those with a row."""
        wanted = reads.key_values(self.shape(), ids)
        state = t.members.c[t.m.status] if t.m.status else t.account()
        found: dict[str, bool] = {}
        for start in range(0, len(wanted), reads.IN_CHUNK):
            chunk = wanted[start : start + reads.IN_CHUNK]
            query = select(t.account(), state).where(t.group() == group, t.account().in_(chunk))
            for account, value in conn.execute(query):
                found[text(account)] = t.m.status is None or value == t.m.member_value
        return found

    def _set(
        self,
        conn: Connection,
        t: ListTables,
        group: Any,
        ids: Sequence[str],
        rows: dict[str, bool],
        member: bool,
    ) -> None:
        """Make these accounts members (or not) of the list: rows inserted, updated or
        deleted as the mapping keeps memberships."""
        keys = {i: k for i in ids for k in reads.key_values(self.shape(), [i])}
        m = t.m
        if m.status is None:
            if member:
                fresh = [dict(m.defaults) | {m.account: keys[i], m.group: group} for i in ids]
                conn.execute(insert(t.members), fresh)
            else:
                mine = t.account().in_([keys[i] for i in ids])
                conn.execute(delete(t.members).where(t.group() == group, mine))
            return
        value = m.member_value if member else m.removed_value
        if new := [i for i in ids if i not in rows]:
            base = dict(m.defaults) | {m.group: group, m.status: value}
            conn.execute(insert(t.members), [base | {m.account: keys[i]} for i in new])
        if kept := [keys[i] for i in ids if i in rows]:
            where = (t.group() == group, t.account().in_(kept))
            conn.execute(update(t.members).where(*where).values({m.status: value}))

    def _live_ids(self, conn: Connection, ids: Sequence[str]) -> set[str]:
        shape = self.shape()
        rows = reads.rows_by_key(conn, shape, ids)
        return {account_id(r, shape) for r in rows if not is_deleted(r, shape)}
