"""Bulk activities: submit once, remember the id, wait for the end, read the outcome.

Each request body is shaped here (an import split by CC's size limits, ≤ 500 contact ids
an activity), submitted, and its id remembered; the waiting is `Poller`'s (polling.py).
One by one, each activity costs a `GET /activities/{id}` at least, after its first wait
(the answer to the POST is the activity as submitted: nothing is read before that wait).
`together=True` (the push): a set of independent activities (≤ `in_flight`, far under CC's
1,000 queued) is submitted, then waited for with one page of the collection a round
(`Poller.wait_all`).

The caller owns the memory (``ActivityMemo``): it saves the id of a submitted activity
with its own checkpoint, so a re-run polls that activity instead of submitting again.
Resubmission after an *ambiguous* failure (a 5xx or timeout on the POST) is allowed:
every activity listbridge submits is idempotent in effect (imports upsert by e-mail,
membership changes are set operations, deletes are deletes).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from listbridge.constant_contact.client import ConstantContact
from listbridge.constant_contact.errors import ActivityEndedError
from listbridge.constant_contact.models import Activity
from listbridge.constant_contact.polling import Poller, Progress, quiet
from listbridge.core.batching import (
    CONTACT_IDS_PER_ACTIVITY,
    IMPORT_MAX_BYTES,
    IMPORT_MAX_CONTACTS,
    BatchPlan,
    Limits,
    chunked,
    plan_batches,
)

Body = dict[str, Any]
_ROW = re.compile(r"^row (\d+)\b")
#: activities submitted before the set is waited for: a tenth of CC's queue cap (1,000)
IN_FLIGHT = 100


class ActivityMemo(Protocol):
    def get(self, key: str) -> str | None: ...

    def put(self, key: str, activity_id: str) -> None: ...


class DictMemo(dict[str, str]):
    """An in-memory memo (a job keeps its memo in its run checkpoint instead)."""

    def put(self, key: str, activity_id: str) -> None:
        self[key] = activity_id


@dataclass(frozen=True)
class ItemError:
    index: int | None  # position in the caller's items, when the message names a row
    message: str


@dataclass
class BulkResult:
    activities: list[Activity] = field(default_factory=list)
    errors: list[ItemError] = field(default_factory=list)
    oversize: list[int] = field(default_factory=list)
    #: the memo key of each activity, in order (``key:0``, ``key:1`` …)
    keys: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[Activity]:
        return [a for a in self.activities if a.state != "completed"]


@dataclass
class Bulk:
    client: ConstantContact
    memo: ActivityMemo
    poller: Poller = field(default_factory=Poller)
    progress: Progress = quiet
    #: independent activities submitted as a set and waited for together (`wait_all`)
    together: bool = False
    in_flight: int = IN_FLIGHT
    #: the last set waited for together, at its end
    ended: list[Activity] = field(default_factory=list)
    #: an activity that ends failed, timed_out or cancelled raises `ActivityEndedError`
    #: once its set has ended (its id stays in the memo for the next run to settle);
    #: False: it is only in the result's `failed`, for a caller that reports it itself
    strict: bool = True

    def run(self, key: str, kind: str, body: Body) -> Activity:
        """The final state of the activity ``key``: submitted now, or polled if known."""
        return self._completed(kind, [self._waited(key, self._started(key, kind, body), body)])[0]

    def run_many(self, kind: str, bodies: Mapping[str, Body]) -> list[Activity]:
        """Every request submitted (and remembered) first, then each polled: the service
        works on them together instead of one poll delay after another. ``together``: in
        sets of ≤ ``in_flight``, each waited for with the collection (``run_together``)."""
        if self.together:
            return self.run_together(kind, bodies)
        started = [(key, self._started(key, kind, body), self.poller.clock())
                   for key, body in bodies.items()]  # fmt: skip
        return self._completed(
            kind,
            [self._waited(key, activity, bodies[key], since) for key, activity, since in started],
        )

    def run_together(self, kind: str, bodies: Mapping[str, Body]) -> list[Activity]:
        """A set of ≤ ``in_flight`` submitted (each id remembered as it is known; one
        already remembered is not submitted again), then waited for as one, then the next."""
        keys, done = list(bodies), []
        for start in range(0, len(keys), self.in_flight):
            wave = {k: self._known_or_submitted(k, kind, bodies[k])
                    for k in keys[start : start + self.in_flight]}  # fmt: skip
            poller = self.poller.scaled(sum(items_of(bodies[k]) for k in wave))
            ended = poller.wait_all(self.client, list(wave.values()), self._by_key(wave))
            self.ended = [ended[wave[k]] for k in wave]
            done += self._completed(kind, self.ended)
        return done

    def _completed(self, kind: str, ended: list[Activity]) -> list[Activity]:
        """`ended`, unless `strict` and one of them did not complete."""
        for activity in ended if self.strict else ():
            if activity.state != "completed":
                raise ActivityEndedError(
                    kind, activity.activity_id, activity.state, activity.errors
                )
        return ended

    def _started(self, key: str, kind: str, body: Body) -> Activity:
        """The activity as the POST answered it, or (one remembered) as it is now: a re-run
        reads it at once, ended or not, instead of after a first wait."""
        known = self.memo.get(key)
        if known is None:
            return self._submit(key, kind, body)
        return self.client.get_activity(known)

    def _waited(
        self, key: str, activity: Activity, body: Body, since: float | None = None
    ) -> Activity:
        """``activity`` at its end, its first wait scaled to what ``body`` hands the service
        (and counted from ``since``, a `Poller.clock` reading, when given)."""
        self.progress(key, activity)
        poller = self.poller.scaled(items_of(body))
        told = self._by_key({key: activity.activity_id})
        return poller.wait(self.client, activity, told, since)

    def _known_or_submitted(self, key: str, kind: str, body: Body) -> str:
        known = self.memo.get(key)
        return known if known is not None else self._submit(key, kind, body).activity_id

    def _by_key(self, wave: Mapping[str, str]) -> Progress:
        key_of = {activity_id: key for key, activity_id in wave.items()}
        return lambda activity_id, found: self.progress(key_of[activity_id], found)

    def _requests(self, kind: str, bodies: Mapping[str, Body]) -> list[Activity]:
        """One after the other, or (``together``) as sets waited for together."""
        if self.together:
            return self.run_together(kind, bodies)
        return [self.run(key, kind, body) for key, body in bodies.items()]

    def _submit(self, key: str, kind: str, body: Body) -> Activity:
        activity = self.client.post_activity(kind, body)
        self.memo.put(key, activity.activity_id)
        return activity

    def import_contacts(
        self, key: str, contacts: Sequence[dict[str, Any]], list_ids: Sequence[str]
    ) -> BulkResult:
        """contacts_json_import in as few requests as the limits allow."""
        plan = import_batches(contacts, list_ids)
        bodies = {
            f"{key}:{n}": {"import_data": [contacts[i] for i in part], "list_ids": list(list_ids)}
            for n, part in enumerate(plan.batches)
        }
        activities = self._requests("contacts_json_import", bodies)
        result = BulkResult(activities, oversize=list(plan.oversize), keys=list(bodies))
        for activity, part in zip(activities, plan.batches, strict=True):
            result.errors.extend(_item_errors(activity, part))
        return result

    def add_to_lists(
        self, key: str, contact_ids: Sequence[str], list_ids: Sequence[str]
    ) -> BulkResult:
        return self._by_ids(key, "add_list_memberships", contact_ids, _memberships(list_ids))

    def remove_from_lists(
        self, key: str, contact_ids: Sequence[str], list_ids: Sequence[str]
    ) -> BulkResult:
        return self._by_ids(key, "remove_list_memberships", contact_ids, _memberships(list_ids))

    def delete_contacts(self, key: str, contact_ids: Sequence[str]) -> BulkResult:
        return self._by_ids(key, "contact_delete", contact_ids, _deletes)

    def tag_contacts(
        self, key: str, contact_ids: Sequence[str], tag_ids: Sequence[str]
    ) -> BulkResult:
        """``contacts_taggings_add``, its requests submitted together (``run_many``)."""
        parts = chunked(len(contact_ids), CONTACT_IDS_PER_ACTIVITY)
        bodies = {
            f"{key}:{n}": {"source": {"contact_ids": [contact_ids[i] for i in part]},
                           "tag_ids": list(tag_ids)}
            for n, part in enumerate(parts)
        }  # fmt: skip
        result = BulkResult(self.run_many("contacts_taggings_add", bodies), keys=list(bodies))
        for activity, part in zip(result.activities, parts, strict=True):
            result.errors.extend(_item_errors(activity, part))
        return result

    def _by_ids(
        self, key: str, kind: str, ids: Sequence[str], body_of: Callable[[list[str]], Body]
    ) -> BulkResult:
        """One activity per ≤500 contact ids (``_requests``: one after the other, or together)."""
        parts = chunked(len(ids), CONTACT_IDS_PER_ACTIVITY)
        bodies = {f"{key}:{n}": body_of([ids[i] for i in part]) for n, part in enumerate(parts)}
        result = BulkResult(self._requests(kind, bodies), keys=list(bodies))
        for activity, part in zip(result.activities, parts, strict=True):
            result.errors.extend(_item_errors(activity, part))
        return result


def items_of(body: Body) -> int:
    """The rows or contact ids a request hands the service to work through."""
    if "import_data" in body:
        return len(body["import_data"])
    source = body.get("source") or {}
    return len(source.get("contact_ids") or body.get("contact_ids") or ())


def _memberships(list_ids: Sequence[str]) -> Callable[[list[str]], Body]:
    def body(contact_ids: list[str]) -> Body:
        return {"source": {"contact_ids": contact_ids}, "list_ids": list(list_ids)}

    return body


def _deletes(contact_ids: list[str]) -> Body:
    return {"contact_ids": contact_ids}


def import_batches(contacts: Sequence[Mapping[str, Any]], list_ids: Sequence[str]) -> BatchPlan:
    """How ``import_contacts`` splits these rows into requests, by their compact JSON size
    (the bytes ``ApiSession`` sends); a dry run counts the same requests from it."""
    sizes = [len(_compact(c).encode()) for c in contacts]
    overhead = len(_compact({"import_data": [], "list_ids": list(list_ids)}).encode())
    return plan_batches(sizes, Limits(IMPORT_MAX_CONTACTS, IMPORT_MAX_BYTES, overhead))


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _item_errors(activity: Activity, part: range) -> list[ItemError]:
    """Per-item errors; ``row N`` (1-based within the request) maps back to an index."""
    found = []
    for message in activity.errors:
        row = _ROW.match(message)
        index = part.start + int(row.group(1)) - 1 if row else None
        found.append(ItemError(index if index in part else None, message))
    return found
