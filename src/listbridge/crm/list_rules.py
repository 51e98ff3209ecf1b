"""What every CRM's lists refuse, and how their changes read in the journal, the same
whichever CRM it is."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from listbridge.core.errors import UserError
from listbridge.core.journal import Change, Side

#: a membership's value in the journal (field `list:<name>`, None when not a member)
MEMBER = "member"

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


def list_named(
    list_name: str, old: str | None, new: str | None, reason: str, at: datetime
) -> Change:
    """A list created (old None), renamed or deleted (new None), under `list:<name>`."""
    return Change(Side.CRM, f"list:{list_name}", "name", old, new, reason, at)


def memberships(
    list_name: str, ids: Sequence[str], added: bool, reason: str, at: datetime
) -> list[Change]:
    """An entry per account added to (or removed from) the list."""
    old, new = (None, MEMBER) if added else (MEMBER, None)
    return [Change(Side.CRM, i, f"list:{list_name}", old, new, reason, at) for i in ids]
