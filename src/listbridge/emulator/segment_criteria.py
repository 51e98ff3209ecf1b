"""``segment_criteria`` (D:SegmentData): the checks the spec states, and which contacts a
segment selects where the emulator can tell.

The spec documents the envelope and one criterion, its example:
``{"version":"1.0.0","criteria":{"type":"and","group":[{"source":"tracking",
"field":"not_opened","op":"contains-any","const_value":"last-n-campaigns","param":"5"}]}}``.
Groups are ``{"type": "and"|"or", "group": [...]}`` holding criteria or further groups; the
top-level one must be an ``and`` group; sources are ``tracking`` and ``contact`` (``and``
and ``or`` groups), ``list_membership`` and ``tags`` (``or`` groups only); at most 500
campaigns and 1825 days may be evaluated. Those rules are checked when a segment is
stored (400). Of the criteria, the emulator evaluates:

- ``tracking``: ``opened``, ``not_opened``, ``clicked``, ``not_clicked`` with ``op``
  ``contains-any`` or ``contains-all`` over ``const_value`` ``last-n-campaigns``, ``param`` N
  (1–500), or ``last-n-days``, ``param`` D (1–1825): the contact was sent any (all) of the N
  most recently sent campaigns (of those sent in the last D days) and did (did not) open or
  click there;
- ``list_membership``: ``field`` ``list_id``, ``op`` ``contains-any``, ``const_value`` a
  list id (or several, comma-separated): a member of any of them;
- ``tags``: ``field`` ``tag_id``, the same form with tag ids.

Any other criterion (contact details, other date forms, other ops) is stored as sent, and asking
for the segment's contacts is a 400 naming it: the emulator will not guess an answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from listbridge.emulator.errors import bad_request
from listbridge.emulator.model import Contact

MAX_CAMPAIGNS = 500
MAX_DAYS = 1825
DAY_US = 86_400_000_000
WINDOWS = ("last-n-campaigns", "last-n-days")
#: source -> the group types its criteria combine in
SOURCES: dict[str, tuple[str, ...]] = {
    "tracking": ("and", "or"),
    "contact": ("and", "or"),
    "list_membership": ("or",),
    "tags": ("or",),
}
TRACKING_FIELDS = {"opened": "opens", "not_opened": "opens"}
TRACKING_FIELDS |= {"clicked": "clicks", "not_clicked": "clicks"}
TRACKING_OPS = ("contains-any", "contains-all")
Predicate = Callable[[Contact], bool]


@dataclass(frozen=True)
class Engagement:
    """What tracking criteria read: the N most recently sent campaigns' primary activities
    (newest first) and, per activity, who was sent it and who opened or clicked."""

    activities: tuple[str, ...]
    rows: dict[tuple[str, str], frozenset[str]]  # (activity_id, kind) -> contact ids
    sent_at: dict[str, int]  # activity_id -> its first send, microseconds
    now: int

    def chosen(self, window: str, count: int) -> tuple[str, ...]:
        """The activities a ``last-n-campaigns`` or ``last-n-days`` window covers."""
        if window == "last-n-campaigns":
            return self.activities[:count]
        since = self.now - count * DAY_US
        return tuple(a for a in self.activities if self.sent_at.get(a, 0) >= since)


class NotEvaluable(Exception):
    """A stored criterion the emulator cannot evaluate; its message names it."""


def check(text: str) -> dict[str, Any]:
    """The parsed criteria, or a 400 naming what breaks the spec's rules."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise bad_request(f"segment_criteria: not valid JSON ({exc})") from exc
    if not isinstance(document, dict) or not isinstance(document.get("criteria"), dict):
        raise bad_request('segment_criteria: must be a JSON object with a "criteria" group')
    top = document["criteria"]
    # the text says the top-level type "must be add"; its own example has "and"
    if top.get("type") not in ("and", "add"):
        raise bad_request('segment_criteria: the top-level group\'s "type" must be "and"')
    _check_group(top, "criteria")
    return document


def _check_group(group: dict[str, Any], where: str) -> None:
    kind = "and" if group.get("type") == "add" else group.get("type")
    if kind not in ("and", "or"):
        raise bad_request(f'segment_criteria: {where}.type must be "and" or "or"')
    items = group.get("group")
    if not isinstance(items, list) or not items:
        raise bad_request(f"segment_criteria: {where}.group must be a non-empty array")
    seen: set[str] = set()
    for i, item in enumerate(items):
        here = f"{where}.group[{i}]"
        if not isinstance(item, dict):
            raise bad_request(f"segment_criteria: {here} must be an object")
        if "group" in item:
            _check_group(item, here)
            continue
        source = _check_criterion(item, here)
        # an or-only source may stand alone in an and group, but two of it combine by or
        if kind == "and" and "and" not in SOURCES[source]:
            if source in seen:
                raise bad_request(
                    f"segment_criteria: {here}: {source} criteria combine only in or groups"
                )
            seen.add(source)


def _check_criterion(item: dict[str, Any], where: str) -> str:
    source = item.get("source")
    if not isinstance(source, str) or source not in SOURCES:
        raise bad_request(
            f"segment_criteria: {where}.source {source!r} is not one of {', '.join(SOURCES)}"
        )
    const, param = item.get("const_value"), item.get("param")
    limit = {"last-n-campaigns": MAX_CAMPAIGNS, "last-n-days": MAX_DAYS}.get(str(const))
    if limit is not None:
        count = _count(param)
        if count is None or not 1 <= count <= limit:
            unit = "campaigns" if limit == MAX_CAMPAIGNS else "days"
            raise bad_request(
                f"segment_criteria: {where}.param must be a number of {unit} from 1 to {limit}"
            )
    return source


def _count(param: Any) -> int | None:
    text = str(param) if isinstance(param, (str, int)) and not isinstance(param, bool) else ""
    return int(text) if text.isdigit() else None


def predicate(document: dict[str, Any], engagement: Engagement) -> Predicate:
    """Whether a contact is selected; ``NotEvaluable`` for a criterion outside the subset."""
    return _group(document["criteria"], "criteria", engagement)


def _group(group: dict[str, Any], where: str, engagement: Engagement) -> Predicate:
    parts = [
        _group(item, f"{where}.group[{i}]", engagement)
        if "group" in item
        else _criterion(item, f"{where}.group[{i}]", engagement)
        for i, item in enumerate(group["group"])
    ]
    if group.get("type") == "or":
        return lambda c: any(p(c) for p in parts)
    return lambda c: all(p(c) for p in parts)


def _criterion(item: dict[str, Any], where: str, engagement: Engagement) -> Predicate:
    source, field, op = item.get("source"), item.get("field"), item.get("op")
    tracking = source == "tracking" and field in TRACKING_FIELDS
    window = item.get("const_value")
    if tracking and op in TRACKING_OPS and window in WINDOWS:
        chosen = engagement.chosen(str(window), _count(item.get("param")) or 0)
        return _tracking(str(field), str(op), chosen, engagement)
    ids = tuple(v.strip() for v in str(item.get("const_value", "")).split(",") if v.strip())
    if source == "list_membership" and field == "list_id" and op == "contains-any" and ids:
        wanted = frozenset(ids)
        return lambda c: bool(wanted.intersection(c.lists or ()))
    if source == "tags" and field == "tag_id" and op == "contains-any" and ids:
        tags = frozenset(ids)
        return lambda c: bool(tags.intersection(c.taggings or ()))
    raise NotEvaluable(
        f"{where} ({source}.{field} {op} {item.get('const_value')!r}) is stored but not "
        "evaluated by the emulator (docs/emulator-deviations.md lists what is)"
    )


def _tracking(
    field: str, op: str, activities: tuple[str, ...], engagement: Engagement
) -> Predicate:
    kind = TRACKING_FIELDS[field]
    wanted = not field.startswith("not_")
    checks = [
        (engagement.rows.get((aid, "sends"), frozenset()), engagement.rows.get((aid, kind)))
        for aid in activities
    ]

    def hit(contact_id: str, sent: frozenset[str], engaged: frozenset[str] | None) -> bool:
        return contact_id in sent and (contact_id in (engaged or frozenset())) == wanted

    if op == "contains-all":
        return lambda c: bool(checks) and all(hit(c.contact_id, s, e) for s, e in checks)
    return lambda c: any(hit(c.contact_id, s, e) for s, e in checks)
