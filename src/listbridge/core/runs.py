"""Runs and their error rows, as values."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    #: finished, but some records were not synced (see the error rows)
    PARTIAL = "partial"
    FAILED = "failed"
    #: stopped before the end (killed, lock lost, reconnect needed); resumable
    INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class ErrorRow:
    """A record a run did not sync, and why.

    Exactly the keys of design.md's error objects, plus `field` and `row`
    (a file row number) where they help a person find the bad value.
    """

    reason: str
    account_id: str = ""
    cc_contact_id: str = ""
    email: str = ""
    field: str = ""
    row: int | None = None
