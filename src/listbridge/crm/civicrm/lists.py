"""CiviCRM groups as CRM lists: the `CrmWithLists` half of `CiviCrm`.

A list is a static group (no saved search) that is active and not hidden, named by
its title. A member is a civicrm_group_contact row with status Added whose contact is
not in the trash; Removed and Pending rows are not members. Taking a contact off a
list sets its row to Removed and putting it back sets it to Added (the row is kept,
as CiviCRM keeps it), each change with a civicrm_subscription_history row as CiviCRM
writes one. A list listbridge creates is a Mailing List group, visible to users and
admins only, as CiviCRM's own form creates it. Smart, disabled and hidden groups are
not lists, but their titles are taken (CiviCRM's titles are unique, ignoring case).

Every write is journaled in listbridge's journal like the builtin CRM's lists.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, delete, false, insert, select, true, update

from listbridge.core.errors import UserError
from listbridge.crm.civicrm.reads import IN_CHUNK, is_contact_id, numeric_ids
from listbridge.crm.civicrm.session import Transactions
from listbridge.crm.civicrm.tables import CONTACT, GROUP, GROUP_CONTACT, SUBSCRIPTION_HISTORY
from listbridge.crm.list_rules import (
    check_list_name,
    list_named,
    memberships,
    refuse_unknown,
)

MAX_MACHINE_NAME = 64
ADDED, REMOVED = "Added", "Removed"
PAGE = 1000
#: CiviCRM's "Mailing List" group type (option group group_type), bookended as it stores it
MAILING_LIST = "\x012\x01"


class CiviLists(Transactions):
    """Groups of one CiviCRM database; `CiviCrm` gets them by inheriting."""

    def lists(self) -> list[str]:
        with self.reading() as conn:
            titles = conn.scalars(select(GROUP.c.title).where(*_LISTED))
        return sorted(titles, key=lambda name: (name.casefold(), name))

    def list_keys(self) -> dict[str, str]:
        """Each list's title by its group id, which a rename keeps."""
        with self.reading() as conn:
            rows = conn.execute(select(GROUP.c.id, GROUP.c.title).where(*_LISTED))
            return {str(row.id): row.title for row in rows}

    def list_members(self, name: str) -> Iterator[str]:
        with self.reading() as conn:
            group = _group_id(conn, name)
        after = 0
        while True:
            with self.reading() as conn:
                page = list(conn.scalars(_members(group, after)))
            yield from (str(i) for i in page)
            if len(page) < PAGE:
                return
            after = page[-1]

    def create_list(self, name: str, *, reason: str, run_id: int | None = None) -> None:
        check_list_name(name)
        with self.writing() as (conn, session):
            _refuse_taken(conn, name)
            values: dict[str, object] = {"name": _machine_name(conn, name), "title": name}
            values["frontend_title"] = name
            values |= {"is_active": True, "is_hidden": False, "is_reserved": False}
            values |= {"visibility": "User and User Admin Only", "group_type": MAILING_LIST}
            conn.execute(insert(GROUP).values(values | {"source": "listbridge"}))
            self.journal(session, run_id, [list_named(name, None, name, reason, self.clock())])

    def rename_list(self, old: str, new: str, *, reason: str, run_id: int | None = None) -> None:
        check_list_name(new)
        with self.writing() as (conn, session):
            group = _group_id(conn, old)
            if new == old:
                return
            _refuse_taken(conn, new, but=group)
            conn.execute(update(GROUP).where(GROUP.c.id == group).values(title=new))
            same = (GROUP.c.id == group, GROUP.c.frontend_title == old)
            conn.execute(update(GROUP).where(*same).values(frontend_title=new))
            self.journal(session, run_id, [list_named(old, old, new, reason, self.clock())])

    def delete_list(self, name: str, *, reason: str, run_id: int | None = None) -> None:
        with self.writing() as (conn, session):
            group = _group_id(conn, name)
            for table in (SUBSCRIPTION_HISTORY, GROUP_CONTACT):
                conn.execute(delete(table).where(table.c.group_id == group))
            conn.execute(delete(GROUP).where(GROUP.c.id == group))
            self.journal(session, run_id, [list_named(name, name, None, reason, self.clock())])

    def add_to_list(
        self, name: str, account_ids: Sequence[str], *, reason: str, run_id: int | None = None
    ) -> int:
        """Put the contacts on the list; returns how many were not on it already."""
        wanted = list(dict.fromkeys(account_ids))
        with self.writing() as (conn, session):
            group = _group_id(conn, name)
            refuse_unknown(_unknown(wanted, _live(conn, wanted)))
            statuses = _statuses(conn, group, wanted)
            added = [i for i in wanted if statuses.get(int(i)) != ADDED]
            if added:
                at = self.clock()
                self._set_status(conn, group, added, statuses, ADDED, reason, _second(at))
                self.journal(session, run_id, memberships(name, added, True, reason, at))
        return len(added)

    def remove_from_list(
        self, name: str, account_ids: Sequence[str], *, reason: str, run_id: int | None = None
    ) -> int:
        """Set the members among the ids Removed; returns how many there were."""
        given = list(dict.fromkeys(account_ids))
        with self.writing() as (conn, session):
            group = _group_id(conn, name)
            statuses = _statuses(conn, group, given)
            removed = [i for i in given if is_contact_id(i) and statuses.get(int(i)) == ADDED]
            if removed:
                at = self.clock()
                self._set_status(conn, group, removed, statuses, REMOVED, reason, _second(at))
                self.journal(session, run_id, memberships(name, removed, False, reason, at))
        return len(removed)

    def account_lists(self, account_id: str) -> list[str]:
        ids = numeric_ids([account_id])
        if not ids:
            return []
        query = (
            select(GROUP.c.title)
            .join(GROUP_CONTACT, GROUP_CONTACT.c.group_id == GROUP.c.id)
            .join(CONTACT, CONTACT.c.id == GROUP_CONTACT.c.contact_id)
            .where(*_LISTED, GROUP_CONTACT.c.contact_id == ids[0])
            .where(GROUP_CONTACT.c.status == ADDED, CONTACT.c.is_deleted == false())
        )
        with self.reading() as conn:
            titles = conn.scalars(query)
        return sorted(titles, key=lambda title: (title.casefold(), title))

    def _set_status(
        self,
        conn: Connection,
        group: int,
        ids: Sequence[str],
        statuses: dict[int, str],
        status: str,
        reason: str,
        at: datetime,
    ) -> None:
        contacts = [int(i) for i in ids]
        new = [{"group_id": group, "contact_id": c, "status": status} for c in contacts]
        if fresh := [row for row in new if row["contact_id"] not in statuses]:
            conn.execute(insert(GROUP_CONTACT), fresh)
        if kept := [c for c in contacts if c in statuses]:
            for start in range(0, len(kept), IN_CHUNK):
                mine = GROUP_CONTACT.c.contact_id.in_(kept[start : start + IN_CHUNK])
                query = update(GROUP_CONTACT).where(GROUP_CONTACT.c.group_id == group, mine)
                conn.execute(query.values(status=status))
        tracking = f"listbridge: {reason}"[:255]
        history = {"group_id": group, "date": at, "method": "API", "status": status}
        rows = [history | {"contact_id": c, "tracking": tracking} for c in contacts]
        conn.execute(insert(SUBSCRIPTION_HISTORY), rows)


#: the groups that are lists
_LISTED = (
    GROUP.c.saved_search_id.is_(None),
    GROUP.c.is_active == true(),
    GROUP.c.is_hidden == false(),
)


def _group_id(conn: Connection, name: str) -> int:
    # Titles compare ignoring case in MySQL; a list's name is exact.
    rows = conn.execute(select(GROUP.c.id, GROUP.c.title).where(GROUP.c.title == name, *_LISTED))
    found = [row.id for row in rows if row.title == name]
    if not found:
        raise UserError(f"no CRM list named {name!r}")
    return int(found[0])


def _refuse_taken(conn: Connection, name: str, but: int | None = None) -> None:
    rows = conn.execute(select(GROUP.c.id, GROUP.c.title))
    taken = [row.title for row in rows if row.title.casefold() == name.casefold() and row.id != but]
    if name in taken:
        raise UserError(f"a CRM list named {name!r} already exists")
    if taken:
        raise UserError(
            f"a CiviCRM group titled {taken[0]!r} already exists (CiviCRM group titles "
            "ignore case; a smart, disabled or hidden group is not a list but keeps its title)"
        )


def _machine_name(conn: Connection, title: str) -> str:
    """CiviCRM's internal `name`: the title's letters and digits joined by "_", unique."""
    base = re.sub(r"[^0-9A-Za-z]+", "_", title).strip("_")[:MAX_MACHINE_NAME] or "group"
    names = set(conn.scalars(select(GROUP.c.name).where(GROUP.c.name.like(f"{base[:50]}%"))))
    taken = {n.casefold() for n in names}
    candidate, n = base, 1
    while candidate.casefold() in taken:
        n += 1
        suffix = f"_{n}"
        candidate = base[: MAX_MACHINE_NAME - len(suffix)] + suffix
    return candidate


def _members(group: int, after: int) -> Select[Any]:
    return (
        select(GROUP_CONTACT.c.contact_id)
        .join(CONTACT, CONTACT.c.id == GROUP_CONTACT.c.contact_id)
        .where(GROUP_CONTACT.c.group_id == group, GROUP_CONTACT.c.status == ADDED)
        .where(CONTACT.c.is_deleted == false(), GROUP_CONTACT.c.contact_id > after)
        .order_by(GROUP_CONTACT.c.contact_id)
        .limit(PAGE)
    )


def _statuses(conn: Connection, group: int, ids: Sequence[str]) -> dict[int, str]:
    """contact id → the status of its row in the group, for the contacts that have one."""
    wanted = numeric_ids(ids)
    found: dict[int, str] = {}
    for start in range(0, len(wanted), IN_CHUNK):
        chunk = wanted[start : start + IN_CHUNK]
        query = select(GROUP_CONTACT.c.contact_id, GROUP_CONTACT.c.status).where(
            GROUP_CONTACT.c.group_id == group, GROUP_CONTACT.c.contact_id.in_(chunk)
        )
        found |= {int(c): s for c, s in conn.execute(query)}
    return found


def _live(conn: Connection, ids: Sequence[str]) -> set[str]:
    """The ids among these of contacts that exist and are not in the trash."""
    wanted = numeric_ids(ids)
    found: set[str] = set()
    for start in range(0, len(wanted), IN_CHUNK):
        chunk = wanted[start : start + IN_CHUNK]
        query = select(CONTACT.c.id).where(CONTACT.c.id.in_(chunk), CONTACT.c.is_deleted == false())
        found |= {str(i) for i in conn.scalars(query)}
    return found


def _second(at: datetime) -> datetime:
    """A moment as CiviCRM keeps one (the journal keeps the clock's own precision, so
    that an account's history reads in the order things happened)."""
    return at.replace(microsecond=0)


def _unknown(wanted: Sequence[str], live: set[str]) -> list[str]:
    return [i for i in wanted if i not in live]
