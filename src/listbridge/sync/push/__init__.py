"""`listbridge push`: CRM accounts onto Constant Contact lists (entry points; see job.py).

`dry_run_push(ctx, request)` plans without writing (no lock, no run), for `push --dry-run`
and `sync full --dry-run`."""

from listbridge.sync.push.fetch import PushRequest
from listbridge.sync.push.job import push, run_push
from listbridge.sync.push.preview import dry_run_push
from listbridge.sync.push.record import COUNTS, PushResult

__all__ = ["COUNTS", "PushRequest", "PushResult", "dry_run_push", "push", "run_push"]
