"""The completion e-mail of a push, when `notify.email` names someone."""

from __future__ import annotations

from listbridge.core.settings import NOTIFY_EMAIL, Settings
from listbridge.notify.email import send_email
from listbridge.sync.push_record import COUNTS, PushResult


def completion_message(result: PushResult) -> tuple[str, str]:
    c = {key: result.count(key) for key in COUNTS}
    subject = (
        f"listbridge push {result.status.value}: {c['created']} created, "
        f"{c['matched_existing']} matched existing, {c['already_linked']} already linked, "
        f"{c['not_pushed']} not pushed, {c['failed_subscriptions']} failed subscriptions"
    )
    lines = [f"Push run {result.run_id} {result.status.value}.", ""]
    lines += [f"{key.replace('_', ' ')}: {value}" for key, value in c.items()]
    lines += [
        "",
        "Every account not pushed and every failed subscription, each with its reason:",
        f"  listbridge runs show {result.run_id} --errors-csv push-{result.run_id}-errors.csv",
    ]
    return subject, "\n".join(lines) + "\n"


def notify_completion(settings: Settings, result: PushResult) -> bool:
    to = settings.get(NOTIFY_EMAIL)
    if not to:
        return False
    subject, body = completion_message(result)
    return send_email(to, subject, body)
