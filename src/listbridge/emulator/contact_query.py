"""GET /contacts: filters as predicates over the change-ordered index, paged by cursor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from listbridge.emulator.errors import bad_request
from listbridge.emulator.model import Contact
from listbridge.emulator.state import EmulatorState
from listbridge.emulator.views import INCLUDES, parse_iso

STATUSES = (
    "all",
    "active",
    "deleted",
    "not_set",
    "pending_confirmation",
    "temp_hold",
    "unsubscribed",
)
Predicate = Callable[[Contact], bool]


@dataclass
class ContactQuery:
    statuses: frozenset[str] = frozenset()
    email: str | None = None
    lists: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    updated_after: int = -1
    updated_before: int | None = None
    created_after: int | None = None
    created_before: int | None = None
    optout_after: int | None = None
    optout_before: int | None = None
    include: frozenset[str] = frozenset()
    predicates: list[Predicate] = field(default_factory=list)


def csv_values(
    text: str | None, name: str, allowed: tuple[str, ...] | None = None, most: int = 500
) -> tuple[str, ...]:
    if text is None:
        return ()
    values = tuple(v.strip() for v in text.split(",") if v.strip())
    if allowed is not None and not values:
        # an enumerated parameter: an empty value is none of the spec's values
        raise bad_request(f"{name}: an empty value is not one of {', '.join(allowed)}")
    if len(values) > most:
        raise bad_request(f"{name}: at most {most} values are allowed")
    for value in values:
        if allowed is not None and value not in allowed:
            raise bad_request(f"{name}: {value!r} is not one of {', '.join(allowed)}")
    return values


def instant(text: str | None, name: str) -> int | None:
    if text is None:
        return None
    try:
        return parse_iso(text)
    except (ValueError, OverflowError) as exc:
        raise bad_request(f"{name}: {text!r} is not an ISO-8601 date-time") from exc


def status_matches(statuses: frozenset[str], c: Contact) -> bool:
    if not statuses:
        return not c.is_deleted
    if "all" in statuses:
        return True
    if c.is_deleted:
        return "deleted" in statuses
    if "active" in statuses and not c.is_unsubscribed:
        return True
    return c.permission in statuses


def build_predicates(q: ContactQuery) -> list[Predicate]:
    preds: list[Predicate] = [lambda c: status_matches(q.statuses, c)]
    if q.lists:
        wanted = set(q.lists)
        preds.append(lambda c: not wanted.isdisjoint(c.lists or ()))
    if q.tags:
        tags = set(q.tags)
        preds.append(lambda c: not tags.isdisjoint(c.taggings or ()))
    preds += _time_predicates(q)
    preds += q.predicates
    return preds


def _time_predicates(q: ContactQuery) -> list[Predicate]:
    preds: list[Predicate] = []
    if q.created_after is not None:
        preds.append(lambda c: c.created_at > q.created_after)  # type: ignore[operator]
    if q.created_before is not None:
        preds.append(lambda c: c.created_at < q.created_before)  # type: ignore[operator]
    if q.optout_after is not None:
        preds.append(lambda c: c.opt_out_date is not None and c.opt_out_date > q.optout_after)  # type: ignore[operator]
    if q.optout_before is not None:
        preds.append(lambda c: c.opt_out_date is not None and c.opt_out_date < q.optout_before)  # type: ignore[operator]
    return preds


def run_query(
    state: EmulatorState, q: ContactQuery, after: int | None, limit: int
) -> tuple[list[Contact], bool]:
    """One page of matches after position ``after``, and whether more may follow."""
    preds = build_predicates(q)
    if q.email is not None:
        found = state.contacts.find_email(q.email)
        hits = (
            [found]
            if found and all(p(found) for p in preds) and found.updated_at > (after or -1)
            else []
        )
        return hits, False
    page: list[Contact] = []
    for c in state.contacts.after(max(q.updated_after, after if after is not None else -1)):
        if q.updated_before is not None and c.updated_at >= q.updated_before:
            return page, False
        if all(p(c) for p in preds):
            if len(page) == limit:
                return page, True
            page.append(c)
    return page, False


def count_matches(state: EmulatorState, q: ContactQuery) -> int:
    if q.email is not None:
        return len(run_query(state, q, None, 1)[0])
    preds = build_predicates(q)
    before = q.updated_before
    return sum(
        1
        for c in state.contacts.after(q.updated_after)
        if (before is None or c.updated_at < before) and all(p(c) for p in preds)
    )


def parse_include(text: str | None) -> frozenset[str]:
    return frozenset(csv_values(text, "include", INCLUDES))
