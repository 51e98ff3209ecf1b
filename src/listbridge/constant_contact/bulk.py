"""Bulk activities: submit once, remember the id, poll with backoff, read the outcome.

Waiting one by one costs a `GET /activities/{id}` per activity at least. `together=True`
(the push): a set of independent activities (≤ `in_flight`, far under CC's 1,000 queued)
is submitted, then waited for with one page of `GET /activities?limit=500` a round
(`Poller.wait_all`), whose items are whole activities: state, status counts and
`activity_errors` (spec D:Activities). One left off the page (or alone) is read by id.

The first wait is scaled to the size of what was sent (`Poller.scaled`): the service works
through an activity's rows at a rate, so a poll before it can have finished only costs a call;
a small set still starts from `Poller.first`, and no first wait passes `Poller.first_cap`.

The caller owns the memory (``ActivityMemo``): it saves the id of a submitted activity
with its own checkpoint, so a re-run polls that activity instead of submitting again.
Resubmission after an *ambiguous* failure (a 5xx or timeout on the POST) is allowed:
every activity listbridge submits is idempotent in effect (imports upsert by e-mail,
membership changes are set operations, deletes are deletes).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from listbridge.constant_contact.client import ConstantContact
from listbridge.constant_contact.errors import (
    ActivityEndedError,
    ActivityUnfinishedError,
    NotFoundError,
)
from listbridge.constant_contact.models import Activity
from listbridge.core.batching import (
    CONTACT_IDS_PER_ACTIVITY,
    IMPORT_MAX_BYTES,
    IMPORT_MAX_CONTACTS,
    BatchPlan,
    Limits,
    chunked,
    plan_batches,
)

Progress = Callable[[str, Activity], None]
Body = dict[str, Any]
_ROW = re.compile(r"^row (\d+)\b")
#: activities submitted before the set is waited for: a tenth of CC's queue cap (1,000)
IN_FLIGHT = 100
COLLECTION_PAGE = 500  # what a collective poll reads (`GET /activities` takes 1–500)


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


def _ignore(_key: str, _activity: Activity) -> None:
    return None


@dataclass
class Poller:
    first: float = 0.5
    factor: float = 2.0
    cap: float = 15.0
    timeout: float = 3600.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    #: seconds of the first wait per item sent (`scaled`): Constant Contact publishes no
    #: rate; the emulator works through 2,500-30,000 rows a second on a busy 2-core machine
    #: (a first wait too short costs a poll; one too long, no more than the wait itself)
    per_item: float = 1 / 2_500
    #: the longest first wait, however much was sent (a slower service: the backoff follows)
    first_cap: float = 5.0

    def scaled(self, items: int) -> Poller:
        """This poller, its first wait long enough for ``items`` rows at ``per_item`` each:
        never shorter than ``first`` (a small set is not slowed), never past ``first_cap``
        or ``cap``."""
        longest = max(self.first, min(self.first_cap, self.cap))
        return replace(self, first=min(longest, max(self.first, items * self.per_item)))

    def wait(self, client: ConstantContact, activity: Activity, progress: Progress) -> Activity:
        delay, deadline = self.first, self.clock() + self.timeout
        while not activity.finished:
            if self.clock() > deadline:
                raise ActivityUnfinishedError([activity.activity_id], activity.state, self.timeout)
            self.sleep(delay)
            delay = min(self.cap, delay * self.factor)
            activity = client.get_activity(activity.activity_id)
            progress(activity.activity_id, activity)
        return activity

    def wait_all(
        self, client: ConstantContact, ids: Sequence[str], progress: Progress = _ignore,
        missing_ok: bool = False,
    ) -> dict[str, Activity]:  # fmt: skip
        """Every activity of ``ids`` at its end, from one collection page a round (with the
        same backoff as ``wait``). ``missing_ok``: one CC no longer knows is left out
        (a killed push's, past the 10 days CC keeps them) instead of an error."""
        pending, done = set(ids), {}
        delay, deadline = self.first, self.clock() + self.timeout
        by_id = False  # the collection showed none of them: read them one by one
        while pending:
            if self.clock() > deadline:
                raise ActivityUnfinishedError(sorted(pending), "not finished", self.timeout)
            self.sleep(delay)
            delay = min(self.cap, delay * self.factor)
            paged = not by_id and len(pending) > 1  # one alone: its own small answer
            seen = _on_page(client, pending) if paged else {}
            by_id = by_id or (paged and not seen)
            for activity_id in sorted(pending - seen.keys()):
                found = _by_id(client, activity_id, missing_ok)
                if found is None:
                    pending.discard(activity_id)
                else:
                    seen[activity_id] = found
            for activity_id, activity in seen.items():
                progress(activity_id, activity)
                if activity.finished:
                    done[activity_id] = activity
                    pending.discard(activity_id)
        return done


def _on_page(client: ConstantContact, wanted: set[str]) -> dict[str, Activity]:
    page = client.recent_activities(COLLECTION_PAGE)
    return {a.activity_id: a for a in page if a.activity_id in wanted}


def _by_id(client: ConstantContact, activity_id: str, missing_ok: bool) -> Activity | None:
    try:
        return client.get_activity(activity_id)
    except NotFoundError:
        if missing_ok:
            return None
        raise


@dataclass
class Bulk:
    client: ConstantContact
    memo: ActivityMemo
    poller: Poller = field(default_factory=Poller)
    progress: Progress = _ignore
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
        known = self.memo.get(key)
        if known is not None:
            activity = self.client.get_activity(known)
        else:
            activity = self._submit(key, kind, body)
        self.progress(key, activity)
        poller = self.poller.scaled(items_of(body))
        return self._completed(kind, [poller.wait(self.client, activity, self.progress)])[0]

    def run_many(self, kind: str, bodies: Mapping[str, Body]) -> list[Activity]:
        """Every request submitted (and remembered) first, then each polled: the service
        works on them together instead of one poll delay after another. ``together``: in
        sets of ≤ ``in_flight``, each waited for with the collection (``run_together``)."""
        if self.together:
            return self.run_together(kind, bodies)
        started = [(key, self._known_or_submitted(key, kind, b)) for key, b in bodies.items()]
        done = []
        for key, activity_id in started:
            activity = self.client.get_activity(activity_id)
            self.progress(key, activity)
            poller = self.poller.scaled(items_of(bodies[key]))
            done.append(poller.wait(self.client, activity, self.progress))
        return self._completed(kind, done)

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
