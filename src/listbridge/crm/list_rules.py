"""What every CRM's lists refuse, worded the same whichever CRM refuses it."""

from __future__ import annotations

from collections.abc import Sequence

from listbridge.core.errors import UserError

#: the longest list name (Constant Contact's, and each CRM's column for it)
MAX_NAME = 255
#: How many unknown account ids an error names before "and N more".
SHOWN_IDS = 5


def check_list_name(name: str) -> None:
    if not name or name != name.strip() or len(name) > MAX_NAME:
        raise UserError(f"a CRM list name must be 1–{MAX_NAME} characters, trimmed")


def refuse_unknown(ids: Sequence[str]) -> None:
    """Refuse an add that names accounts the CRM does not have (none is added)."""
    if not ids:
        return
    shown = ", ".join(repr(i) for i in ids[:SHOWN_IDS])
    more = f" and {len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else ""
    raise UserError(f"no account with id {shown}{more}; nothing was added to the list")
