"""What /lists/NAME shows, read for one request: the list, its binding, one page of its
members on both sides with their state, and the counts of each side.

With the builtin CRM everything comes from the store in SQL, one page at a time
(store/list_roster_page.py), so a list of 100,000 renders as fast as one of ten. Another
CRM keeps its lists in its own database: the page then reads the roster as
`lists members NAME` does (CC and the CRM) and pages it here; that read (several calls to
Constant Contact) is kept a minute for every page, search and user (cc_read_cache.py),
and the page says when it was made.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from sqlalchemy.orm import Session

from listbridge.core.list_roster import MemberState, RosterRow
from listbridge.crm.factory import open_crm
from listbridge.crm.protocol import CrmWithLists
from listbridge.store.crm_choice import CrmKind, stored_crm_kind
from listbridge.store.db import Store
from listbridge.store.list_roster_page import (
    RosterQuery,
    Sides,
    StoredMember,
    change_marker,
    deleted_ids,
    read_page,
    side_counts,
)
from listbridge.store.list_sync_state import ListPair, list_pairs, pair_named
from listbridge.sync.job import JobStart
from listbridge.sync.lists import list_roster
from listbridge.sync.lists.sides import CRM_LIST, WHERE
from listbridge.web.cc_read_cache import CcReadCache, runs_marker
from listbridge.web.sync_view import Pager

MEMBERS_PAGE = 50


@dataclass(frozen=True)
class FoundList:
    pair: ListPair
    crm: CrmWithLists

    @property
    def path(self) -> str:
        """The list's page: its name as one path segment (a '/' in it included)."""
        return "/lists/" + quote(self.pair.name, safe="")

    @property
    def binding(self) -> str:
        """The rule the list is bound to, in words."""
        if self.pair.rule_kind == WHERE:
            return f"the filter {self.pair.rule}"
        if self.pair.rule_kind == CRM_LIST:
            return f"the CRM list {self.pair.rule}"
        return ""


def find_list(store: Store, connection_id: int, name: str) -> FoundList | None:
    """The live CC list called `name` (as `lists members NAME` finds it), or None."""
    crm = open_crm(store, connection_id)
    crm_lists = crm.list_keys()
    with store.session() as session:
        pair = pair_named(list_pairs(session, connection_id, crm_lists), name)
    return None if pair is None else FoundList(pair, crm)


def known_lists(store: Store, connection_id: int) -> str:
    crm_lists = open_crm(store, connection_id).list_keys()
    with store.session() as session:
        names = [p.name for p in list_pairs(session, connection_id, crm_lists) if not p.deleted]
    return ", ".join(names) or "none yet"


def member_state(on_crm: bool, opted_out: bool, unsubscribed: bool, on_cc: bool) -> MemberState:
    """As core/list_roster.py decides it: consent first, then which sides hold them."""
    if opted_out or unsubscribed:
        return MemberState.BLOCKED_BY_CONSENT
    if on_crm:
        return MemberState.LINKED if on_cc else MemberState.CRM_ONLY
    return MemberState.CC_ONLY


def _row(m: StoredMember) -> RosterRow:
    if m.type == "organization":
        name = m.company_name
    else:
        name = " ".join(p for p in (m.first_name, m.last_name) if p)
    state = member_state(m.on_crm, m.opted_out and m.on_crm, m.unsubscribed, m.on_cc)
    email = m.email if m.on_crm or not m.cc_email else m.cc_email
    return RosterRow(m.account_id, m.cc_contact_id, email, name, state)


@dataclass(frozen=True)
class MembersScreen:
    found: FoundList
    rows: list[RosterRow]
    pager: Pager
    search: str
    counts: Sides
    #: CC's own count of the list, as last read (it holds contacts no account is linked to)
    cc_reported: int | None
    live: bool  # read from CC and the CRM (not the builtin CRM)
    crm_lists: list[str]
    #: when a live roster was read (kept a short while); None: the builtin CRM's, from the store
    read_at: datetime | None = None


def members_screen(
    store: Store, connection_id: int, found: FoundList, page: int, search: str, cache: CcReadCache
) -> MembersScreen:
    pair, crm = found.pair, found.crm
    crm_lists = crm.lists()
    if stored_crm_kind(store, connection_id) is not CrmKind.BUILTIN:
        asked = Asked(page, search, crm_lists)
        return _live_screen(store, connection_id, found, asked, cache)
    key = int(pair.crm_list_key) if pair.crm_list_key and pair.crm_list_key.isdigit() else None
    query = RosterQuery(connection_id, pair.cc_list_id, key, search)
    with store.session() as session:
        gone = deleted_ids(session, connection_id)
        sides = _sides(store, session, query, gone)
        offset = (page - 1) * MEMBERS_PAGE
        read = read_page(session, query, gone, sides, offset, MEMBERS_PAGE)
    rows = [_row(m) for m in read.members]
    pager = Pager(page, MEMBERS_PAGE, read.total)
    return MembersScreen(found, rows, pager, search, sides, pair.cc_members, False, crm_lists)


#: side counts by what they were read from (the store's URL, the list, its change marker):
#: counting the CC side reads every link of the connection, so the pages of a list, and
#: a list seen again with nothing changed since, reuse the count
_COUNTED: OrderedDict[tuple[object, ...], Sides] = OrderedDict()
_COUNTED_MAX = 64
_counted_lock = threading.Lock()


def _sides(store: Store, session: Session, q: RosterQuery, gone: list[str]) -> Sides:
    marker = change_marker(session, q)
    where = store.engine.url.render_as_string()
    key = (where, q.connection_id, q.cc_list_id, q.crm_list_id, tuple(gone), marker)
    with _counted_lock:
        known = _COUNTED.get(key) if marker is not None else None
    if known is not None:
        return known
    sides = side_counts(session, q, gone)
    if marker is not None:
        with _counted_lock:
            _COUNTED[key] = sides
            while len(_COUNTED) > _COUNTED_MAX:
                _COUNTED.popitem(last=False)
    return sides


#: the key of a list's live roster in the cache, after the connection's id (and its CC id)
ROSTER = "roster"


@dataclass(frozen=True)
class Asked:
    page: int
    search: str
    crm_lists: list[str]


def roster_key(connection_id: int, found: FoundList) -> tuple[int, str, str]:
    return connection_id, ROSTER, found.pair.cc_list_id


def _live_screen(
    store: Store, connection_id: int, found: FoundList, asked: Asked, cache: CcReadCache
) -> MembersScreen:
    """Another CRM's lists are not in this database: read as `lists members` reads."""
    read = cache.get(
        roster_key(connection_id, found),
        runs_marker(store, connection_id),
        lambda: list_roster(JobStart(store, connection_id, "web"), found.pair.name),
    )
    rows = read.value
    crm = sum(1 for r in rows if r.account_id and r.state is not MemberState.CC_ONLY)
    cc = sum(1 for r in rows if r.state in (MemberState.LINKED, MemberState.CC_ONLY))
    wanted = asked.search.strip().casefold()
    if wanted:
        rows = [r for r in rows if wanted in r.name.casefold() or wanted in r.email.casefold()]
    start = (asked.page - 1) * MEMBERS_PAGE
    pager = Pager(asked.page, MEMBERS_PAGE, len(rows))
    shown = rows[start : start + MEMBERS_PAGE]
    counts = Sides(crm, cc, sum(1 for r in rows if r.state is MemberState.CC_ONLY))
    return MembersScreen(
        found, shown, pager, asked.search, counts, found.pair.cc_members, True,
        asked.crm_lists, read.read_at,
    )  # fmt: skip
