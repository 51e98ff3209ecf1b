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
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, select, update

from listbridge.core.errors import UserError
from listbridge.core.journal import Change, Side
from listbridge.crm.list_rules import check_list_name, refuse_unknown
from listbridge.crm.sql_session import CrmTransactions
from listbridge.crm.sqlmap import reads
from listbridge.crm.sqlmap.rows import account_id, is_deleted
from listbridge.crm.sqlmap.schema import Shape, reflect
from listbridge.crm.sqlmap.values import text

MEMBER = "member"
PAGE = 1000


class SqlGroups(CrmTransactions):
    """Lists of a mapped CRM; `SqlCrm` gets them by inheriting (and gives `file`)."""

    _shape: Shape | None = None
    file: Any

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
        shape = self.shape()
        if shape.groups is None:
            return {}
        g = shape.mapping.groups
        with self.reading() as conn:
            rows = conn.execute(select(shape.groups.c[g.key], shape.groups.c[g.name]))
            return {text(key): text(name) for key, name in rows if text(name)}

    def list_members(self, name: str) -> Iterator[str]:
        shape = self.shape()
        with self.reading() as conn:
            group = self._group_key(conn, name)
        members, m = self._members(), shape.mapping.members
        account = members.c[m.account]
        after: Any = None
        while True:
            query = (
                select(shape.accounts)
                .join(members, account == reads.key_column(shape))
                .where(*self._of(group))
                .order_by(account)
                .limit(PAGE)
            )
            if after is not None:
                query = query.where(account > after)
            with self.reading() as conn:
                rows = list(conn.execute(query).mappings())
            yield from (account_id(r, shape) for r in rows if not is_deleted(r, shape))
            if len(rows) < PAGE:
                return
            after = rows[-1][shape.mapping.accounts.key]

    def create_list(self, name: str, *, reason: str, run_id: int | None = None) -> None:
        check_list_name(name)
        self.refuse_write(f"create the list {name!r}")
        groups, g = self._groups(), self.shape().mapping.groups
        with self.writing() as (conn, session):
            self._refuse_taken(conn, name)
            values: dict[str, Any] = dict(g.defaults) | {g.name: name}
            if g.new_keys == "uuid":
                values[g.key] = str(uuid.uuid4())
            conn.execute(insert(groups).values(values))
            self.journal(session, run_id, [_named(name, None, name, reason, self.now())])

    def rename_list(self, old: str, new: str, *, reason: str, run_id: int | None = None) -> None:
        check_list_name(new)
        self.refuse_write(f"rename the list {old!r}")
        groups, g = self._groups(), self.shape().mapping.groups
        with self.writing() as (conn, session):
            group = self._group_key(conn, old)
            if new == old:
                return
            self._refuse_taken(conn, new, but=group)
            conn.execute(update(groups).where(groups.c[g.key] == group).values({g.name: new}))
            self.journal(session, run_id, [_named(old, old, new, reason, self.now())])

    def delete_list(self, name: str, *, reason: str, run_id: int | None = None) -> None:
        self.refuse_write(f"delete the list {name!r}")
        groups, g = self._groups(), self.shape().mapping.groups
        members, m = self._members(), self.shape().mapping.members
        with self.writing() as (conn, session):
            group = self._group_key(conn, name)
            conn.execute(delete(members).where(members.c[m.group] == group))
            conn.execute(delete(groups).where(groups.c[g.key] == group))
            self.journal(session, run_id, [_named(name, name, None, reason, self.now())])

    def add_to_list(
        self, name: str, account_ids: Sequence[str], *, reason: str, run_id: int | None = None
    ) -> int:
        wanted = list(dict.fromkeys(account_ids))
        self.refuse_write(f"add accounts to the list {name!r}")
        with self.writing() as (conn, session):
            group = self._group_key(conn, name)
            live = self._live_ids(conn, wanted)
            refuse_unknown([i for i in wanted if i not in live])
            rows = self._rows(conn, group, wanted)
            added = [i for i in wanted if rows.get(i) is not True]
            if added:
                self._set(conn, group, added, rows, member=True)
                at = self.now()
                self.journal(session, run_id, _memberships(name, added, True, reason, at))
        return len(added)

    def remove_from_list(
        self, name: str, account_ids: Sequence[str], *, reason: str, run_id: int | None = None
    ) -> int:
        given = list(dict.fromkeys(account_ids))
        self.refuse_write(f"remove accounts from the list {name!r}")
        with self.writing() as (conn, session):
            group = self._group_key(conn, name)
            rows = self._rows(conn, group, given)
            removed = [i for i in given if rows.get(i) is True]
            if removed:
                self._set(conn, group, removed, rows, member=False)
                at = self.now()
                self.journal(session, run_id, _memberships(name, removed, False, reason, at))
        return len(removed)

    def account_lists(self, account_id: str) -> list[str]:
        shape = self.shape()
        if shape.groups is None:
            return []
        key = reads.key_values(shape, [account_id])
        if not key:
            return []
        with self.reading() as conn:
            rows = reads.rows_by_key(conn, shape, [account_id])
            if not rows or is_deleted(rows[0], shape):
                return []
            m, g = shape.mapping.members, shape.mapping.groups
            members, groups = self._members(), self._groups()
            query = (
                select(groups.c[g.name])
                .join(members, members.c[m.group] == groups.c[g.key])
                .where(members.c[m.account] == key[0], *self._status_is(True))
            )
            names = [text(n) for n in conn.scalars(query)]
        return sorted(names, key=lambda name: (name.casefold(), name))

    # -- the tables ---------------------------------------------------------------

    def _groups(self) -> Table:
        shape = self.shape()
        if shape.groups is None:
            raise UserError(
                f"{self.file.name}: the mapping declares no [groups] and [members]: "
                "this CRM has no lists listbridge can use"
            )
        return shape.groups

    def _members(self) -> Table:
        self._groups()
        members = self.shape().members
        assert members is not None  # groups and members come together (model.py)
        return members

    def _group_key(self, conn: Connection, name: str) -> Any:
        groups, g = self._groups(), self.shape().mapping.groups
        rows = conn.execute(select(groups.c[g.key], groups.c[g.name]))
        found = [key for key, title in rows if text(title) == name]
        if not found:
            raise UserError(f"no CRM list named {name!r}")
        return found[0]

    def _refuse_taken(self, conn: Connection, name: str, but: Any = None) -> None:
        groups, g = self._groups(), self.shape().mapping.groups
        rows = conn.execute(select(groups.c[g.key], groups.c[g.name]))
        taken = [text(t) for k, t in rows if text(t).casefold() == name.casefold() and k != but]
        if name in taken:
            raise UserError(f"a CRM list named {name!r} already exists")
        if taken:
            raise UserError(f"a CRM list named {taken[0]!r} already exists (names ignore case)")

    def _status_is(self, member: bool) -> list[Any]:
        m, members = self.shape().mapping.members, self._members()
        if m.status is None:
            return []
        value = m.member_value
        return [members.c[m.status] == value] if member else [members.c[m.status] != value]

    def _of(self, group: Any) -> list[Any]:
        m, members = self.shape().mapping.members, self._members()
        return [members.c[m.group] == group, *self._status_is(True)]

    def _rows(self, conn: Connection, group: Any, ids: Sequence[str]) -> dict[str, bool]:
        """account id → whether its row on the list is a membership, for those with a row."""
        m, members, shape = self.shape().mapping.members, self._members(), self.shape()
        wanted = reads.key_values(shape, ids)
        status = members.c[m.status] if m.status else members.c[m.account]
        found: dict[str, bool] = {}
        for start in range(0, len(wanted), reads.IN_CHUNK):
            chunk = wanted[start : start + reads.IN_CHUNK]
            query = select(members.c[m.account], status).where(
                members.c[m.group] == group, members.c[m.account].in_(chunk)
            )
            for account, state in conn.execute(query):
                found[text(account)] = m.status is None or state == m.member_value
        return found

    def _set(
        self, conn: Connection, group: Any, ids: Sequence[str], rows: dict[str, bool], member: bool
    ) -> None:
        m, members, shape = self.shape().mapping.members, self._members(), self.shape()
        keys = {i: k for i in ids for k in reads.key_values(shape, [i])}
        if m.status is None:
            if member:
                fresh = [dict(m.defaults) | {m.account: keys[i], m.group: group} for i in ids]
                conn.execute(insert(members), fresh)
            else:
                mine = members.c[m.account].in_([keys[i] for i in ids])
                conn.execute(delete(members).where(members.c[m.group] == group, mine))
            return
        value = m.member_value if member else m.removed_value
        new = [i for i in ids if i not in rows]
        if new:
            base = dict(m.defaults) | {m.group: group, m.status: value}
            conn.execute(insert(members), [base | {m.account: keys[i]} for i in new])
        if kept := [keys[i] for i in ids if i in rows]:
            where = (members.c[m.group] == group, members.c[m.account].in_(kept))
            conn.execute(update(members).where(*where).values({m.status: value}))

    def _live_ids(self, conn: Connection, ids: Sequence[str]) -> set[str]:
        shape = self.shape()
        rows = reads.rows_by_key(conn, shape, ids)
        return {account_id(r, shape) for r in rows if not is_deleted(r, shape)}


def _named(record: str, old: str | None, new: str | None, reason: str, at: datetime) -> Change:
    return Change(Side.CRM, f"list:{record}", "name", old, new, reason, at)


def _memberships(
    name: str, ids: Sequence[str], added: bool, reason: str, at: datetime
) -> list[Change]:
    old, new = (None, MEMBER) if added else (MEMBER, None)
    return [Change(Side.CRM, i, f"list:{name}", old, new, reason, at) for i in ids]
