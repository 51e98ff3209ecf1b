"""What ``/audit`` shows: the search form read and checked (a bad value is named beside its
field), one page of the journal (store/journal_search.py) in words, and the same
selection as CSV rows.

Every filter arrives as text and is checked here, not by FastAPI, so that a date like
2026-13-01 comes back as the form with its message, not as a generic error page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import quote, urlencode

from listbridge.core.journal import Side
from listbridge.core.spreadsheet import safe_cell
from listbridge.store.db import Store
from listbridge.store.journal import LOAD_RECORD
from listbridge.store.journal_search import (
    AuditRow,
    Cursor,
    JournalFilter,
    cursor_of,
    journal_page,
)
from listbridge.store.runs import MAX_RUN_ID
from listbridge.web.job_notice import KIND_TITLES, starter

#: the form's fields, in the order the query string carries them
FILTERS = ("record", "field", "run", "side", "since", "until")
SIDE_NAMES = {Side.CRM: "CRM", Side.CC: "Constant Contact"}
CSV_COLUMNS = (
    "at", "side", "record_id", "field", "old_value", "new_value",
    "reason", "run_id", "run_kind", "started_by",
)  # fmt: skip
LIST_RECORD = "list:"
#: a `crm load`'s own entry stands for each account it created (store/journal.py)
LOAD_RECORD_SHOWN = "(each account it created)"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LONGEST = {"record": 100, "field": 200}


@dataclass(frozen=True)
class AuditQuery:
    """The form as typed (`values`), what it asks for, and what is wrong with it."""

    values: dict[str, str]
    wanted: JournalFilter
    errors: dict[str, str] = field(default_factory=dict)

    def link(self, **extra: str | int) -> str:
        """The query string of this search (plus `extra`), empty values left out."""
        pairs = [(k, v) for k, v in self.values.items() if v] + list(extra.items())
        return urlencode(pairs)


def read_query(params: Mapping[str, str]) -> AuditQuery:
    values = {name: params.get(name, "").strip() for name in FILTERS}
    errors: dict[str, str] = {}
    for name, longest in _LONGEST.items():
        if len(values[name]) > longest:
            errors[name] = f"at most {longest} characters"
    run = _run_id(values["run"], errors)
    side = _side(values["side"], errors)
    since = _day(values["since"], "since", errors)
    until = _day(values["until"], "until", errors)
    if since and until and until < since:
        errors["until"] = "the end date is before the start date"
    wanted = JournalFilter(
        record_id=values["record"] or None,
        side=side,
        run_id=run,
        field=values["field"] or None,
        since=_midnight(since) if since else None,
        # inclusive: the whole of the last day
        until=_midnight(until + timedelta(days=1)) if until else None,
    )
    return AuditQuery(values, wanted, errors)


def _run_id(text: str, errors: dict[str, str]) -> int | None:
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_RUN_ID:
        errors["run"] = f"a run number, like 12 (got {text!r})"
        return None
    return int(text)


def _side(text: str, errors: dict[str, str]) -> Side | None:
    if not text:
        return None
    try:
        return Side(text)
    except ValueError:
        errors["side"] = "either crm or cc"
        return None


def _day(text: str, name: str, errors: dict[str, str]) -> date | None:
    if not text:
        return None
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = f"a date as YYYY-MM-DD, like 2026-12-01 (got {text!r})"
        return None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


@dataclass(frozen=True)
class AuditLine:
    """One change as the table shows it."""

    entry_id: int
    at: str
    side: str
    record_id: str
    #: the record's page: /accounts/ID, or /lists/NAME for a CRM list ("": none here)
    link: str
    field: str
    old: str
    new: str
    reason: str
    run_id: int | None
    who: str


def audit_line(row: AuditRow) -> AuditLine:
    done, change = row.journaled, row.journaled.change
    return AuditLine(
        row.entry_id,
        change.at.strftime("%Y-%m-%d %H:%M:%S"),
        SIDE_NAMES[change.side],
        LOAD_RECORD_SHOWN if change.record_id == LOAD_RECORD else change.record_id,
        _record_link(change.side, change.record_id),
        "(the whole record)" if change.field == "*" else change.field,
        "—" if change.old is None else change.old,
        "—" if change.new is None else change.new,
        change.reason,
        done.run_id,
        _who(done.started_by, done.run_kind),
    )


def _record_link(side: Side, record_id: str) -> str:
    """A CRM list's own changes are journaled under `list:NAME` (crm/list_rules.py)."""
    if side is not Side.CRM or record_id == LOAD_RECORD:
        return ""  # a Constant Contact contact has no page of its own here, nor a load
    if record_id.startswith(LIST_RECORD):
        return f"/lists/{quote(record_id.removeprefix(LIST_RECORD), safe='')}"
    return f"/accounts/{quote(record_id, safe='')}"


def _who(started_by: str | None, kind: str | None) -> str:
    """`ada operator (push)`, `scheduler root@crm-01 (import)`; "—" without a run."""
    if started_by is None:
        return "—"
    what = KIND_TITLES.get(kind or "", kind or "run")
    return f"{starter(started_by)} ({what})"


@dataclass(frozen=True)
class AuditPage:
    lines: list[AuditLine]
    #: the query string of the next (older) page; "" on the last page
    older: str
    #: whether this is a later page (a "newest" link takes the reader back)
    later: bool


class GoneCursor(ValueError):
    """A `before=` naming no journal row of the connection (a stale or edited link)."""


def audit_page(store: Store, connection_id: int, query: AuditQuery, before: str) -> AuditPage:
    cursor = _cursor(store, connection_id, before)
    page = journal_page(store, connection_id, query.wanted, cursor)
    older = "" if page.older is None else query.link(before=page.older.entry_id)
    return AuditPage([audit_line(row) for row in page.rows], older, cursor is not None)


def _cursor(store: Store, connection_id: int, before: str) -> Cursor | None:
    if not before:
        return None
    found = None
    if before.isascii() and before.isdigit() and int(before) <= 2**63 - 1:
        found = cursor_of(store, connection_id, int(before))
    if found is None:
        raise GoneCursor("that page of the journal does not exist: start from the newest")
    return found


def csv_rows(rows: Iterable[AuditRow]) -> Iterator[list[str]]:
    """The download's rows: raw values, each cell safe to open in a spreadsheet."""
    for row in rows:
        done, change = row.journaled, row.journaled.change
        yield [
            safe_cell(cell)
            for cell in (
                change.at, change.side.value, change.record_id, change.field, change.old,
                change.new, change.reason, done.run_id, done.run_kind, done.started_by,
            )
        ]  # fmt: skip
