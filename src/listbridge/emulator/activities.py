"""Bulk activities: queued on POST, worked through by one background thread in chunks.

A processor is a generator over the activity: each ``next()`` runs one chunk while the
worker holds ``state.lock`` and yields progress, so API requests interleave with a long
import. States move initialized → processing → completed | failed, as the real service's do.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from listbridge.emulator.config import EmulatorConfig
from listbridge.emulator.errors import ApiError
from listbridge.emulator.state import EmulatorState
from listbridge.emulator.views import iso

log = logging.getLogger(__name__)
ACTIVE = ("initialized", "processing")
#: the terminal states ``activity_outcome`` may force, with the spec's words for them
INJECTED_ENDS = {
    "failed": "job failed to complete (injected fault)",
    "timed_out": "the request timed out before completing (injected fault)",
}
Processor = Callable[[EmulatorState, "Activity"], Iterator[float]]


class ActivityFailed(Exception):
    """A processor cannot go on (e.g. its target lists are gone): the activity fails."""


class Activity:
    __slots__ = (
        "activity_id",
        "completed_at",
        "created_at",
        "errors",
        "has_results",
        "kind",
        "payload",
        "percent_done",
        "source_file_name",
        "started_at",
        "state",
        "status",
        "updated_at",
    )

    def __init__(
        self, activity_id: str, kind: str, now: int, status: dict[str, int], payload: Any
    ) -> None:
        self.activity_id = activity_id
        self.kind = kind
        self.state = "initialized"
        self.created_at = self.updated_at = now
        self.started_at: int | None = None
        self.completed_at: int | None = None
        self.percent_done = 0
        self.errors: list[str] = []
        self.status = status
        self.payload = payload
        self.source_file_name: str | None = None
        self.has_results = False

    def error(self, message: str, limit: int = 1000) -> None:
        if len(self.errors) < limit:
            self.errors.append(message)

    def dump(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__slots__}
        data["payload"] = None
        data["errors"], data["status"] = list(self.errors), dict(self.status)
        return data

    @classmethod
    def load(cls, data: dict[str, Any]) -> Activity:
        activity = cls.__new__(cls)
        for name in cls.__slots__:
            setattr(activity, name, data.get(name))
        if activity.state in ACTIVE:  # its input was not kept: it cannot be resumed
            activity.state, activity.errors = "failed", [*activity.errors, "emulator restarted"]
        return activity


def activity_view(a: Activity) -> dict[str, Any]:
    links: dict[str, Any] = {"self": {"href": f"/v3/activities/{a.activity_id}"}}
    if a.has_results:
        links["results"] = {"href": f"/v3/contact_exports/{a.activity_id}"}
    view = {
        "activity_id": a.activity_id,
        "state": a.state,
        "created_at": iso(a.created_at),
        "updated_at": iso(a.updated_at),
        "started_at": iso(a.started_at),
        "completed_at": iso(a.completed_at),
        "source_file_name": a.source_file_name,
        "percent_done": a.percent_done,
        "activity_errors": list(a.errors),
        "status": dict(a.status),
        "_links": links,
    }
    return {k: v for k, v in view.items() if v is not None}


class ActivityWorker:
    def __init__(self, state: EmulatorState, config: EmulatorConfig) -> None:
        self.state = state
        self.config = config
        self._queue: queue.Queue[tuple[Activity, Processor] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def submit(
        self, kind: str, status: dict[str, int], payload: Any, processor: Processor
    ) -> Activity:
        """Queue an activity (caller holds the lock); 429 past the account's queue cap."""
        state = self.state
        queued = sum(1 for a in state.activities.values() if a.state in ACTIVE)
        if queued >= self.config.activity_queue_cap:
            cap = self.config.activity_queue_cap
            raise ApiError(429, f"exceeded {cap} queued activities for this user account")
        activity = Activity(state.new_id(), kind, state.stamp(), status, payload)
        state.activities[activity.activity_id] = activity
        self._ensure_thread()
        self._queue.put((activity, processor))
        return activity

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stopping.clear()
            self._thread = threading.Thread(
                target=self._run, name="emulator-activities", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._stopping.set()
            self._queue.put(None)
            self._thread.join(timeout=10)

    def wait_idle(self) -> bool:
        """True once every queued activity has finished; False if they are held (the hold
        would keep the caller waiting for ever)."""
        done = self._queue.all_tasks_done
        while True:
            with done:
                if not self._queue.unfinished_tasks:
                    return True
                done.wait(0.05)
            # read without the state's lock: submit() takes it before the queue's
            if self.state.faults.activity_hold:
                return False

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            try:
                self._work(*item)
            finally:
                self._queue.task_done()
        self._queue.task_done()

    def _work(self, activity: Activity, processor: Processor) -> None:
        state = self.state
        with state.lock:
            if activity.activity_id not in state.activities:
                return  # the state was reset while it waited
            activity.state, activity.started_at = "processing", state.stamp()
            activity.updated_at = activity.started_at
            if state.faults.activity_outcome in INJECTED_ENDS:
                self._end_as_told(activity, state.faults.activity_outcome)
                return
            steps = processor(state, activity)
        try:
            self._step_through(activity, steps)
        except ActivityFailed as exc:
            with state.lock:
                activity.error(str(exc))
                self._finish(activity, "failed")
        except Exception as exc:
            log.exception("activity %s failed", activity.activity_id)
            with state.lock:
                activity.error(f"internal error: {exc}")
                self._finish(activity, "failed")

    def _step_through(self, activity: Activity, steps: Iterator[float]) -> None:
        state = self.state
        while True:
            self._wait_while_held()
            if self.config.activity_pause_seconds:
                time.sleep(self.config.activity_pause_seconds)
            with state.lock:
                done = next(steps, None)
                if done is None:
                    self._finish(activity, "completed")
                    return
                activity.percent_done = min(99, int(done * 100))
                activity.updated_at = state.stamp()

    def _wait_while_held(self) -> None:
        """The faults control's ``activity_hold``: no step is taken until it is lifted."""
        while not self._stopping.is_set():
            with self.state.lock:
                if not self.state.faults.activity_hold:
                    return
            self._stopping.wait(0.05)

    def _end_as_told(self, activity: Activity, outcome: str) -> None:
        """The faults control's ``activity_outcome``: the activity ends with nothing done."""
        activity.error(INJECTED_ENDS[outcome])
        self.state.counters.count_fault(f"activity_{outcome}")
        self._finish(activity, outcome)

    def _finish(self, activity: Activity, final: str) -> None:
        activity.state = final
        activity.percent_done = 100
        activity.completed_at = activity.updated_at = self.state.stamp()
        activity.payload = None
