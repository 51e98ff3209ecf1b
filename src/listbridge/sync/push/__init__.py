"""`listbridge push`: CRM accounts onto Constant Contact lists (entry points; see job.py)."""

from listbridge.sync.push.job import PushRequest, push, run_push
from listbridge.sync.push.record import COUNTS, PushResult

__all__ = ["COUNTS", "PushRequest", "PushResult", "push", "run_push"]
