"""The completion e-mail of an import, when `notify.email` names someone."""

from __future__ import annotations

from typing import Protocol

from listbridge.core.settings import NOTIFY_EMAIL, Settings
from listbridge.notify.email import send_email


class Outcome(Protocol):
    run_id: int

    def count(self, key: str) -> int: ...


def completion_message(outcome: Outcome, status: str) -> tuple[str, str]:
    counts = {k: outcome.count(k) for k in ("attempted", "created", "matched", "not_imported")}
    subject = (
        f"listbridge import {status}: {counts['created']} created, {counts['matched']} matched, "
        f"{counts['not_imported']} not imported"
    )
    lines = [f"Import run {outcome.run_id} {status}.", ""]
    lines += [f"{key.replace('_', ' ')}: {value}" for key, value in counts.items()]
    lines += [
        "",
        "The contacts not imported, each with its reason:",
        f"  listbridge runs show {outcome.run_id} --errors-csv import-{outcome.run_id}-errors.csv",
    ]
    return subject, "\n".join(lines) + "\n"


def notify_completion(settings: Settings, outcome: Outcome) -> bool:
    to = settings.get(NOTIFY_EMAIL)
    if not to:
        return False
    subject, body = completion_message(outcome, str(getattr(outcome, "status", "finished")))
    return send_email(to, subject, body)
