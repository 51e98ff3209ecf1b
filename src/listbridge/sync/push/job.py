"""`listbridge push`: CRM accounts onto Constant Contact lists, consent first, bulk, resumable.

Streamed (`stream.py`): consent first and one pass over the accounts' addresses (CC
contacts looked up, shared addresses decided), then chunk by chunk (`PushRequest.chunk_size`
accounts): plan (`core.push_plan`, pure) → apply (bulk imports and memberships, each
activity remembered in `push_activities` before it is polled) → record (links with their
fingerprints, error rows, counts and the journal of what it changed in Constant Contact
(`journal.py`), in one transaction per chunk) → completion e-mail. A dry run
(`preview.py`) stops after the plan and prints what applying it would cost, and with
`--diff` what it would change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from listbridge.core.settings import PUSH_TAG
from listbridge.store.push_state import StoredMemo
from listbridge.store.runs import RunRecorder
from listbridge.sync.completion_mail import Completion, Mail
from listbridge.sync.job import Job, JobContext, JobStart, job_context, run_job
from listbridge.sync.push.fetch import KIND, PushRequest
from listbridge.sync.push.preview import dry_run_push
from listbridge.sync.push.record import COUNTS, PushResult
from listbridge.sync.push.steps import settle_remembered, tag_left_untagged
from listbridge.sync.push.stream import push_streamed

__all__ = ["KIND", "PushJob", "PushRequest", "push", "run_push"]

MAIL = Mail("push", "Every account not pushed and every failed subscription", COUNTS)


def run_push(start: JobStart, request: PushRequest) -> PushResult:
    if request.dry_run:
        with job_context(start) as ctx:
            return dry_run_push(ctx, request)
    return run_job(start, PushJob(request))


@dataclass(frozen=True)
class PushJob(Job[PushResult]):
    request: PushRequest
    kind: ClassVar[str] = KIND

    def work(self, ctx: JobContext, run: RunRecorder) -> PushResult:
        return push(ctx, self.request, run)

    def completion(self, result: PushResult) -> Completion:
        return MAIL.of(result, {key: result.count(key) for key in COUNTS})


def push(ctx: JobContext, request: PushRequest, run: RunRecorder) -> PushResult:
    """A push inside a lock and run someone holds (`push`, a list job's members, `sync full`)."""
    memo = StoredMemo(ctx.store, ctx.connection_id, ctx.clock)
    settle_remembered(ctx.client, memo, ctx.progress)
    tag_left_untagged(ctx, memo, run, ctx.settings.get(PUSH_TAG))
    return push_streamed(ctx, request, run, memo)
