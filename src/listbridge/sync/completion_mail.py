"""The completion e-mail of a job, when `notify.email` names someone."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from listbridge.config import ProcessConfig
from listbridge.core.runs import RunStatus
from listbridge.core.settings import NOTIFY_EMAIL, Settings
from listbridge.notify.email import send_email


@dataclass(frozen=True)
class Completion:
    """What a finished job tells the administrator: its counts and where the rest is."""

    job: str  # "import", "push", …
    run_id: int
    status: str
    counts: Mapping[str, int]
    #: what the error report holds, e.g. "The contacts not imported"
    left_out: str
    #: counts shown in the subject, in order (the rest only in the body)
    headline: tuple[str, ...]


class Finished(Protocol):
    run_id: int
    status: RunStatus


@dataclass(frozen=True)
class Mail:
    """A job's completion e-mail, but for the run it reports."""

    job: str
    left_out: str
    headline: tuple[str, ...]

    def of(self, result: Finished, counts: Mapping[str, int]) -> Completion:
        return Completion(
            self.job, result.run_id, result.status.value, counts, self.left_out, self.headline
        )


def completion_message(done: Completion) -> tuple[str, str]:
    summary = ", ".join(f"{done.counts[k]} {k.replace('_', ' ')}" for k in done.headline)
    subject = f"listbridge {done.job} {done.status}: {summary}"
    lines = [f"{done.job.capitalize()} run {done.run_id} {done.status}.", ""]
    lines += [f"{key.replace('_', ' ')}: {value}" for key, value in done.counts.items()]
    report = f"{done.job}-{done.run_id}-errors.csv"
    lines += ["", f"{done.left_out}, each with its reason:"]
    lines += [f"  listbridge runs show {done.run_id} --errors-csv {report}"]
    return subject, "\n".join(lines) + "\n"


def notify_completion(config: ProcessConfig, settings: Settings, done: Completion) -> bool:
    to = settings.get(NOTIFY_EMAIL)
    if not to:
        return False
    return send_email(config, to, *completion_message(done))
