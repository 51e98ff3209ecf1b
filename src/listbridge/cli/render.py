"""What every job's `--json` shares: the error object of design.md."""

from __future__ import annotations

from listbridge.core.runs import ErrorRow


def error_json(error: ErrorRow) -> dict[str, str]:
    """`{account_id|cc_contact_id, email, reason}`: the record the error is about, by its id."""
    key = "account_id" if error.account_id else "cc_contact_id"
    value = error.account_id or error.cc_contact_id
    return {key: value, "email": error.email, "reason": error.reason}
