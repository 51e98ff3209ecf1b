"""The one error tree of listbridge.

    ListbridgeError
     ├── UserError              exit 2: bad usage or bad input (names record, field, reason)
     │    ├── InvalidRowsError  a file with invalid rows: every row error, nothing stored
     │    │    └── InvalidFileError  a file refused whole (an unknown column), even when skipping
     │    └── AccountRefusedError  a CRM cannot keep one account as given; a job reports it
     ├── LockHeldError          exit 3: another sync holds the connection's lock
     ├── NotConnectedError      exit 4: not connected, or authorisation failed
     ├── RetriableApiError      exit 5: a call that may succeed if tried again; raised once
     │                          retries are spent (service unreachable or failing), the run is
     │                          interrupted and running the job again resumes it
     └── SkippableRecordError   one record cannot be synced; the job goes on

Only the CLI maps these to exit codes, and only the web layer to page messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace


class ListbridgeError(Exception):
    """Base of every error listbridge raises on purpose."""

    #: True when the job stopped cleanly and a later run finishes it (its batches
    #: are checkpointed): the run is recorded as interrupted, not failed.
    resumable = False
    #: The run this error interrupted, set by the run wrapper that recorded it, so that
    #: the message can tell which run a re-run resumes.
    interrupted_run: int | None = None


class UserError(ListbridgeError):
    """The user asked for something that cannot be done as asked."""


class AccountRefusedError(UserError):
    """A CRM cannot keep one account as given (a country it has no row for, a value
    longer than its column): a job that writes many reports that account and goes on
    with the others; a command that writes one exits 2 with the message."""

    def __init__(self, record: str, account_id: str, detail: str) -> None:
        self.account_id = account_id
        self.detail = detail  # the field and the reason, without the record
        super().__init__(f"{record}: {detail}")


class GuardStopped(UserError):
    """The blast-radius guard (sync.guard_percent / sync.guard_count) stopped a job before
    it wrote anything; `--confirm` lets it proceed."""


@dataclass(frozen=True)
class RowError:
    """One invalid value in an input file: where it is and why it is refused."""

    source: str
    row: int
    column: str
    reason: str
    record_id: str = ""
    #: the file's own header of `column` when it is written otherwise (`Email Address` for
    #: email): the message names what the user sees in the file, ours in brackets
    header: str = ""

    def __str__(self) -> str:
        record = f" (id {self.record_id})" if self.record_id else ""
        column = f"{self.header!r} ({self.column})" if self.header else repr(self.column)
        return f"{self.source}: row {self.row}{record}, column {column}: {self.reason}"


def with_headers(errors: Iterable[RowError], labels: Mapping[str, str]) -> list[RowError]:
    """`errors`, each naming the file's own header of its column (`labels`: column →
    header, where the two differ) unless it names one already."""
    return [
        replace(error, header=labels[error.column])
        if error.column in labels and not error.header
        else error
        for error in errors
    ]


class InvalidRowsError(UserError):
    """An input file has invalid rows; nothing of it was stored."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        shown = "\n".join(f"  {e}" for e in errors[:50])
        more = f"\n  … and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(
            f"{len(errors)} invalid value(s); nothing was loaded "
            f"(--skip-invalid loads the valid rows):\n{shown}{more}"
        )


class InvalidFileError(InvalidRowsError):
    """A file that cannot load at all, whatever --skip-invalid says (e.g. an unknown column)."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        shown = "\n".join(f"  {e}" for e in errors)
        UserError.__init__(self, f"the file is refused; nothing was loaded:\n{shown}")


class LockHeldError(ListbridgeError):
    """Another job holds the connection's lock."""

    def __init__(self, connection: str, holder: str, since: str) -> None:
        self.connection = connection
        self.holder = holder
        self.since = since
        super().__init__(
            f"connection {connection!r} is busy: {holder} has held its lock since {since}; "
            "try again when it finishes"
        )


class NotConnectedError(ListbridgeError):
    """No usable authorisation for Constant Contact."""

    resumable = True


class RetriableApiError(ListbridgeError):
    """A call failed in a way that may pass on a later try.

    Raised out of the client only once its retries are spent: the service is down or
    unreachable for now. Nothing about the job is wrong, and every batch it applied is
    checkpointed, so the run is interrupted, not failed."""

    resumable = True


class SkippableRecordError(ListbridgeError):
    """One record cannot be synced; it goes to the run's error report."""

    def __init__(self, record: str, field: str, reason: str) -> None:
        self.record = record
        self.field = field
        self.reason = reason
        super().__init__(f"{record}: {field}: {reason}")
