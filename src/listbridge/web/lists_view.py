"""What the /lists screens show, read for one request: the connection's lists with their
members on both sides and what fills them, one list's delete confirmation, and a list
sync's dry run with the blast-radius guard's question.

The table is `lists ls`'s (sync/lists/overview.py, which refreshes CC's lists first), so
the page and `lists ls --json` never disagree; it is kept a minute for everyone
(cc_read_cache.py: one read of CC's lists serves every view until then, or until
listbridge changes a list) and says when it was read. A failure the user can cause is kept
as a `Failed`: the page puts its message beside the form it came from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from urllib.parse import quote

from listbridge.core.errors import ListbridgeError, NotConnectedError, RetriableApiError
from listbridge.core.setting_values import Direction
from listbridge.core.settings import PUSH_DIRECTION
from listbridge.store.db import Store
from listbridge.store.settings import effective_settings
from listbridge.sync.job import JobStart
from listbridge.sync.lists import ListOverview, ListSyncRequest, ListSyncResult, sync_lists
from listbridge.sync.lists.overview import list_overview, overview_named
from listbridge.sync.lists.result import ListOutcome
from listbridge.sync.lists.sides import CRM_LIST, WHERE
from listbridge.web.cc_read_cache import CcReadCache, runs_marker
from listbridge.web.errors import page_message, status_of
from listbridge.web.job_notice import WEB

#: the guard's advice to the CLI user: the page asks its question with a button instead
_CLI_CONFIRM = re.compile(r";\s*run again with --confirm to proceed\b")


#: the forms with a field to put a message beside
FIELD_FORMS = frozenset({"create", "rename", "sync"})


@dataclass(frozen=True)
class Failed:
    """A refused form: which one (`create`, `rename`, `hide`, `delete`, `sync`), about
    which list, why, and what was typed (shown again)."""

    form: str
    message: str
    status: int
    list_name: str = ""
    typed: str = ""

    @property
    def by_field(self) -> bool:
        """A bad value typed in a form (400): beside its field; else (busy, not
        connected, an unknown list…) at the top of the page."""
        return self.status == 400 and self.form in FIELD_FORMS

    @classmethod
    def of(cls, form: str, error: ListbridgeError, list_name: str = "", typed: str = "") -> Failed:
        return cls(form, page_message(error), status_of(error), list_name, typed)


@dataclass(frozen=True)
class ListRow:
    lst: ListOverview

    @property
    def slug(self) -> str:
        """The name as one path segment (a `/` or `?` in it stays part of the name)."""
        return quote(self.lst.name, safe="")

    @property
    def binding(self) -> str:
        """What fills the list: its rule, else the CRM list paired with it."""
        if self.lst.rule_kind == WHERE:
            return f"filter: {self.lst.rule}"
        if self.lst.rule_kind == CRM_LIST:
            return f"CRM list or field: {self.lst.rule}"
        if self.lst.crm_list:
            return f"paired with CRM list {self.lst.crm_list}"
        return "not paired with a CRM list"


@dataclass(frozen=True)
class ListsScreen:
    rows: list[ListRow] = field(default_factory=list)
    #: why the lists could not be read (not connected, CC unreachable): shown instead
    unavailable: str = ""
    direction: Direction = Direction.BOTH
    #: when the table was read from Constant Contact (it is kept a short while)
    read_at: datetime | None = None
    #: seconds it is kept
    kept_for: float = 0.0

    def row(self, name: str) -> ListRow | None:
        found = overview_named([r.lst for r in self.rows], name)
        return None if found is None else ListRow(found)

    def placed(self, failed: Failed | None) -> Failed | None:
        """`failed` about its list as the table names it (its row shows the message);
        404 when the table has no such list (not there, or not any more)."""
        if failed is None or not failed.list_name or self.unavailable:
            return failed
        found = self.row(failed.list_name)
        if found is None:
            return replace(failed, status=404)
        return replace(failed, list_name=found.lst.name)


#: the key of the lists table in the cache, after the connection's id
LISTS = "lists"


def lists_screen(store: Store, connection_id: int, cache: CcReadCache) -> ListsScreen:
    """The table as read at most `cache.ttl` seconds ago (a kept answer writes nothing:
    the mirror of CC's lists is refreshed by the reads alone)."""
    direction = effective_settings(store, connection_id).get(PUSH_DIRECTION)
    marker = runs_marker(store, connection_id)
    try:
        read = cache.get(
            (connection_id, LISTS), marker, lambda: list_overview(store, connection_id)
        )
    except (NotConnectedError, RetriableApiError) as error:
        return ListsScreen(unavailable=page_message(error), direction=direction)
    rows = [ListRow(lst) for lst in read.value]
    return ListsScreen(rows, direction=direction, read_at=read.read_at, kept_for=cache.ttl)


@dataclass(frozen=True)
class SyncPreview:
    """A `lists sync --dry-run`, with what the page's buttons send back to run it."""

    result: ListSyncResult
    names: tuple[str, ...]
    direction: Direction

    @property
    def question(self) -> list[str]:
        """The guard's verdicts (one per list it would stop), empty when it would not."""
        # `stopped` joins the verdicts; each is also the note of the list it is about
        stopped = self.result.stopped
        return [self.note(o) for o in self.result.lists if stopped and o.note and o.note in stopped]

    @staticmethod
    def note(outcome: ListOutcome) -> str:
        """Why a list is left alone, or what the guard says of it, in the page's words."""
        return _CLI_CONFIRM.sub("", outcome.note)


def preview_sync(
    store: Store, connection_id: int, user: str, names: Sequence[str], direction: Direction | None
) -> SyncPreview:
    """The dry run of `lists sync [NAMES] --direction D` (default: `push.direction`);
    UserError for an unknown list, the job's other errors as they come."""
    chosen = direction or effective_settings(store, connection_id).get(PUSH_DIRECTION)
    start = JobStart(store, connection_id, origin=f"{WEB}:{user}")
    request = ListSyncRequest(tuple(names), chosen, confirm=False, dry_run=True)
    return SyncPreview(sync_lists(start, request), tuple(names), chosen)
