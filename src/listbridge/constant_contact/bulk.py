"""Bulk activities: submit once, remember the id, poll with backoff, read the outcome.

The caller owns the memory (``ActivityMemo``): it saves the id of a submitted activity
with its own checkpoint, so a re-run polls that activity instead of submitting again.
Resubmission after an *ambiguous* failure (a 5xx or timeout on the POST itself) is
allowed because every activity listbridge submits is idempotent in effect: the JSON
import upserts by e-mail, membership changes are set operations, deletes are deletes.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from listbridge.constant_contact.client import ConstantContact
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
class Poller:
    first: float = 0.5
    factor: float = 2.0
    cap: float = 15.0
    timeout: float = 3600.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def wait(self, client: ConstantContact, activity: Activity, progress: Progress) -> Activity:
        delay, deadline = self.first, self.clock() + self.timeout
        while not activity.finished:
            if self.clock() > deadline:
                raise TimeoutError(f"activity {activity.activity_id} still {activity.state}")
            self.sleep(delay)
            delay = min(self.cap, delay * self.factor)
            activity = client.get_activity(activity.activity_id)
            progress(activity.activity_id, activity)
        return activity


def _ignore(_key: str, _activity: Activity) -> None:
    return None


@dataclass
class Bulk:
    client: ConstantContact
    memo: ActivityMemo
    poller: Poller = field(default_factory=Poller)
    progress: Progress = _ignore

    def run(self, key: str, kind: str, body: Body) -> Activity:
        """The final state of the activity ``key``: submitted now, or polled if known."""
        known = self.memo.get(key)
        if known is not None:
            activity = self.client.get_activity(known)
        else:
            activity = self._submit(key, kind, body)
        self.progress(key, activity)
        return self.poller.wait(self.client, activity, self.progress)

    def run_many(self, kind: str, bodies: Mapping[str, Body]) -> list[Activity]:
        """Every request submitted (and remembered) first, then each polled: the service
        works on them together instead of one poll delay after another."""
        started = []
        for key, body in bodies.items():
            known = self.memo.get(key)
            if known is None:
                known = self._submit(key, kind, body).activity_id
            started.append((key, known))
        done = []
        for key, activity_id in started:
            activity = self.client.get_activity(activity_id)
            self.progress(key, activity)
            done.append(self.poller.wait(self.client, activity, self.progress))
        return done

    def _submit(self, key: str, kind: str, body: Body) -> Activity:
        activity = self.client.post_activity(kind, body)
        self.memo.put(key, activity.activity_id)
        return activity

    def import_contacts(
        self, key: str, contacts: Sequence[dict[str, Any]], list_ids: Sequence[str]
    ) -> BulkResult:
        """contacts_json_import in as few requests as the limits allow."""
        plan = import_batches(contacts, list_ids)
        result = BulkResult(oversize=list(plan.oversize))
        for n, part in enumerate(plan.batches):
            body = {"import_data": [contacts[i] for i in part], "list_ids": list(list_ids)}
            activity = self.run(f"{key}:{n}", "contacts_json_import", body)
            result.keys.append(f"{key}:{n}")
            result.activities.append(activity)
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
        """One activity per ≤500 contact ids, one after the other."""
        result = BulkResult()
        for n, part in enumerate(chunked(len(ids), CONTACT_IDS_PER_ACTIVITY)):
            activity = self.run(f"{key}:{n}", kind, body_of([ids[i] for i in part]))
            result.keys.append(f"{key}:{n}")
            result.activities.append(activity)
            result.errors.extend(_item_errors(activity, part))
        return result


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
