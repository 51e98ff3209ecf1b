"""What every job's `--json` shares: the error object of design.md."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from listbridge.core.errors import UserError
from listbridge.core.runs import ErrorRow


def error_json(error: ErrorRow) -> dict[str, str]:
    """`{account_id|cc_contact_id, email, reason}`: the record the error is about, by its id."""
    key = "account_id" if error.account_id else "cc_contact_id"
    value = error.account_id or error.cc_contact_id
    return {key: value, "email": error.email, "reason": error.reason}


@contextmanager
def open_for_writing(path: Path, what: str) -> Iterator[IO[str]]:
    """A CSV report's file (`-`: stdout); one that cannot be made is the user's to fix."""
    if str(path) == "-":
        yield sys.stdout
        return
    try:
        out = path.open("w", encoding="utf-8", newline="")
    except OSError as error:
        raise UserError(f"cannot write the {what} to {path}: {error.strerror}") from None
    with out:
        yield out
