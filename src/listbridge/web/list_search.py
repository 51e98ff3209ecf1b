"""The "Add accounts" search of /lists/NAME/add: the pieces a form sends (kept default
exclusions, criteria rows, filter text) checked one by one, so that an error points at
the piece it is in, then composed into one filter (core/filter_compose.py) and run over
the CRM's accounts.

The builtin CRM runs the filter as SQL (crm/builtin/filter_sql.py); another CRM's
accounts are all read once and tested in Python (core/filters.py), like `lists add
--where`. Only the page shown is kept as accounts; the rest are ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from listbridge.core.accounts import Account, CustomFieldDef
from listbridge.core.eligibility import why_not_pushed
from listbridge.core.filter_compose import (
    EXCLUSION_KEYS,
    EXCLUSIONS,
    Criterion,
    FieldChoice,
    compose,
    criterion_clause,
    field_choices,
)
from listbridge.core.filter_syntax import FilterError
from listbridge.core.filters import DEFAULT_RULES, compile_filter
from listbridge.core.list_roster import account_name
from listbridge.crm.protocol import CrmWithLists
from listbridge.crm.segments import segment_ids
from listbridge.web.sync_view import Pager

RESULTS_PAGE = 50
#: the exclusions `lists add --where` applies whatever the filter says (DEFAULT_RULES)
ALWAYS_APPLIED = frozenset(e.key for e in EXCLUSIONS if e.clause in DEFAULT_RULES)


@dataclass(frozen=True)
class Check:
    """The live check's answer: the JSON of GET /lists/NAME/check."""

    ok: bool
    message: str = ""
    position: int | None = None

    def json(self) -> dict[str, object]:
        column = None if self.position is None else self.position + 1
        return {"ok": self.ok, "message": self.message, "position": self.position,
                "column": column}  # fmt: skip


def check_filter(text: str, custom_fields: Sequence[CustomFieldDef]) -> Check:
    """An empty text is fine here: the search then has no filter of its own."""
    if not text.strip():
        return Check(True)
    try:
        compile_filter(text, custom_fields)
    except FilterError as error:
        return Check(False, f"column {error.column}: {error.reason}", error.position)
    return Check(True)


@dataclass(frozen=True)
class SearchForm:
    """What the search form sent; `searched` False: the first visit (every exclusion kept)."""

    kept: tuple[str, ...] = EXCLUSION_KEYS
    criteria: tuple[Criterion, ...] = ()
    where: str = ""
    searched: bool = False

    @property
    def all_defaults_kept(self) -> bool:
        return set(self.kept) >= ALWAYS_APPLIED


def search_form(
    keep: Sequence[str], fields: Sequence[str], ops: Sequence[str], values: Sequence[str],
    where: str, searched: bool,
) -> SearchForm:  # fmt: skip
    n = len(fields)
    padded = zip(fields, _padded(ops, n), _padded(values, n), strict=True)
    rows = [Criterion(f, o, v) for f, o, v in padded]
    kept = tuple(k for k in EXCLUSION_KEYS if k in keep) if searched else EXCLUSION_KEYS
    return SearchForm(kept, tuple(r for r in rows if not r.blank), where, searched)


def _padded(values: Sequence[str], n: int) -> list[str]:
    return [*values[:n], *([""] * (n - len(values)))]


@dataclass(frozen=True)
class Found:
    account: Account
    #: why a push would refuse it (it is still found: the add reports it, with this reason)
    refused: str

    @property
    def name(self) -> str:
        return account_name(self.account)


@dataclass
class Search:
    form: SearchForm
    fields: list[FieldChoice]
    text: str = ""  # the composed filter
    where_error: Check | None = None
    row_errors: dict[int, str] = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)
    shown: list[Found] = field(default_factory=list)
    pager: Pager = field(default_factory=lambda: Pager(1, RESULTS_PAGE, 0))

    @property
    def failed(self) -> bool:
        return self.where_error is not None or bool(self.row_errors)


def run_search(crm: CrmWithLists, form: SearchForm, page: int, *, run: bool = True) -> Search:
    """Checks the pieces, composes them and, when they hold and `run`, finds the accounts."""
    custom = crm.custom_fields()
    search = Search(form, field_choices(custom))
    kinds = {f.name: f.kind for f in search.fields}
    clauses = []
    for index, row in enumerate(form.criteria):
        clause = criterion_clause(row, kinds)
        verdict = check_filter(clause, custom)
        if not verdict.ok:
            search.row_errors[index] = f"{clause}: {verdict.message}"
        clauses.append(clause)
    verdict = check_filter(form.where, custom)
    search.where_error = None if verdict.ok else verdict
    search.text = compose(form.kept, clauses, form.where)
    if search.failed or not run or not form.searched:
        return search
    search.ids = matching_ids(crm, search.text, custom)
    search.pager = Pager(page, RESULTS_PAGE, len(search.ids))
    start = (page - 1) * RESULTS_PAGE
    accounts = crm.get_many(search.ids[start : start + RESULTS_PAGE])
    search.shown = [_found(accounts[i]) for i in search.ids[start : start + RESULTS_PAGE]
                    if i in accounts]  # fmt: skip
    return search


def matching_ids(crm: CrmWithLists, text: str, custom: Sequence[CustomFieldDef]) -> list[str]:
    """Every account the filter text matches (the user's criteria only: the exclusions
    they kept are clauses of the text), sorted by id."""
    segment = compile_filter(text, custom) if text.strip() else None
    return segment_ids(crm, segment, defaults=False)


def _found(account: Account) -> Found:
    reason = why_not_pushed(account)
    return Found(account, reason.value if reason else "")
