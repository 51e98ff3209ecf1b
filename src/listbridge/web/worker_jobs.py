"""A button's job on a Celery worker (`listbridge worker` registers it): the web admin's
own `perform`, started as `web:USER`, its progress and its outcome kept on its queue entry
for the live view of whichever web process shows the connection (celery_runner.py)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from listbridge.core.errors import ListbridgeError, LockHeldError
from listbridge.runner.task_names import WEB_TASK
from listbridge.runner.tasks import UNLIMITED, Done, serve_entry
from listbridge.store.db import Store
from listbridge.store.job_queue import DONE, FAILED, SKIPPED, note
from listbridge.sync.job import JobStart
from listbridge.web.errors import page_message
from listbridge.web.job_kinds import kind_from_json
from listbridge.web.job_notice import WEB
from listbridge.web.job_work import Kind, Outcome, perform

#: a job's progress reaches its entry at most this often
NOTE_SECONDS = 1.0


def outcome_text(outcome: Outcome) -> str:
    """The summary, then a line per detail: what the entry's message keeps."""
    return "\n".join((outcome.summary, *outcome.details))


def web_job(store: Store, kind: Kind, connection_id: int, user: str, entry_id: int) -> Done:
    last = 0.0

    def report(message: str, _counts: Mapping[str, int] | None = None) -> None:
        nonlocal last
        if time.monotonic() - last >= NOTE_SECONDS:
            last = time.monotonic()
            note(store, entry_id, message)

    start = JobStart(store, connection_id, origin=f"{WEB}:{user}", progress=report)
    try:
        outcome = perform(kind, start, report)
    except LockHeldError:
        raise
    except ListbridgeError as error:
        # The job's words for a person (not connected, the guard stopped it, …).
        return Done(FAILED, f"{kind}: {page_message(error)}")
    return Done(DONE if outcome.ok else FAILED, outcome_text(outcome), outcome.run_id)


def register_web_task(app: Any, store: Store) -> None:
    @app.task(name=WEB_TASK, bind=True, shared=False, max_retries=UNLIMITED)  # type: ignore[untyped-decorator]
    def run_web(
        task: Any, entry_id: int, kind: dict[str, Any], connection_id: int, user: str
    ) -> None:
        chosen = kind_from_json(kind)

        def work() -> Done:
            return web_job(store, chosen, connection_id, user, entry_id)

        def refused(error: LockHeldError) -> Done:
            return Done(SKIPPED, f"{chosen}: {page_message(error)}")

        serve_entry(store, task, entry_id, work, refused)
