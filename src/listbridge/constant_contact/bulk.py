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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from listbridge.constant_contact.client import ConstantContact
from listbridge.constant_contact.models import Activity
from listbridge.core.batching import (
    CONTACT_IDS_PER_ACTIVITY,
    IMPORT_MAX_BYTES,
    IMPORT_MAX_CONTACTS,
    Limits,
    chunked,
    plan_batches,
)

Progress = Callable[[str, Activity], None]
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

    def run(self, key: str, kind: str, body: dict[str, Any]) -> Activity:
        """The final state of the activity ``key``: submitted now, or polled if known."""
        known = self.memo.get(key)
        if known is not None:
            activity = self.client.get_activity(known)
        else:
            activity = self.client.post_activity(kind, body)
            self.memo.put(key, activity.activity_id)
        self.progress(key, activity)
        return self.poller.wait(self.client, activity, self.progress)

    def import_contacts(
        self, key: str, contacts: Sequence[dict[str, Any]], list_ids: Sequence[str]
    ) -> BulkResult:
        """contacts_json_import in as few requests as the limits allow."""
        sizes = [len(_compact(c).encode()) for c in contacts]
        overhead = len(_compact({"import_data": [], "list_ids": list(list_ids)}).encode())
        plan = plan_batches(sizes, Limits(IMPORT_MAX_CONTACTS, IMPORT_MAX_BYTES, overhead))
        result = BulkResult(oversize=list(plan.oversize))
        for n, part in enumerate(plan.batches):
            body = {"import_data": [contacts[i] for i in part], "list_ids": list(list_ids)}
            activity = self.run(f"{key}:{n}", "contacts_json_import", body)
            result.activities.append(activity)
            result.errors.extend(_item_errors(activity, part))
        return result

    def add_to_lists(
        self, key: str, contact_ids: Sequence[str], list_ids: Sequence[str]
    ) -> BulkResult:
        return self._by_ids(key, "add_list_memberships", contact_ids, list_ids)

    def remove_from_lists(
        self, key: str, contact_ids: Sequence[str], list_ids: Sequence[str]
    ) -> BulkResult:
        return self._by_ids(key, "remove_list_memberships", contact_ids, list_ids)

    def _by_ids(
        self, key: str, kind: str, ids: Sequence[str], list_ids: Sequence[str]
    ) -> BulkResult:
        result = BulkResult()
        for n, part in enumerate(chunked(len(ids), CONTACT_IDS_PER_ACTIVITY)):
            source = {"contact_ids": [ids[i] for i in part]}
            body = {"source": source, "list_ids": list(list_ids)}
            activity = self.run(f"{key}:{n}", kind, body)
            result.activities.append(activity)
            result.errors.extend(_item_errors(activity, part))
        return result


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
