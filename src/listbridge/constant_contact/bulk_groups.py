"""Membership changes of several groups at once (a list job's lists, each its own group).

Every group's ≤ 500-id requests are independent of every other's, so all of them go out as
sets of ≤ `in_flight`, each set waited for together (`Bulk.run_together`: one page of
`GET /activities` a round) instead of a `GET /activities/{id}` per activity, one after the
other. Each id is remembered (the bulk's memo) as soon as it is known; one already
remembered is polled, not submitted again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from listbridge.constant_contact.bulk import Bulk, BulkResult, _item_errors, _memberships
from listbridge.constant_contact.models import Activity
from listbridge.core.batching import CONTACT_IDS_PER_ACTIVITY, chunked

#: a group's contact ids and the lists they join or leave
Group = tuple[Sequence[str], Sequence[str]]


def memberships_together(
    bulk: Bulk, kind: str, groups: Mapping[str, Group]
) -> dict[str, BulkResult]:
    """`kind` (`add_list_memberships` or `remove_list_memberships`) for every group; each
    group's result as `Bulk.add_to_lists` gives it (memo keys `KEY:0`, `KEY:1` …)."""
    parts = {key: chunked(len(ids), CONTACT_IDS_PER_ACTIVITY) for key, (ids, _) in groups.items()}
    bodies = {
        f"{key}:{n}": _memberships(list_ids)([ids[i] for i in part])
        for key, (ids, list_ids) in groups.items()
        for n, part in enumerate(parts[key])
    }
    ended = dict(zip(bodies, bulk.run_together(kind, bodies), strict=True))
    return {key: _result(ended, key, own) for key, own in parts.items()}


def _result(ended: Mapping[str, Activity], key: str, parts: Sequence[range]) -> BulkResult:
    keys = [f"{key}:{n}" for n in range(len(parts))]
    result = BulkResult([ended[k] for k in keys], keys=keys)
    for k, part in zip(keys, parts, strict=True):
        result.errors.extend(_item_errors(ended[k], part))
    return result
