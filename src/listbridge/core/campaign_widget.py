"""The dashboard's "Campaign stats" widget as each user sets it up: which columns, how
many recent campaigns, sorted by what.

A saved view is read leniently (`view_from_json`): a column a later version no longer
has is dropped, a missing or odd value falls back to the default, so an old preference
never breaks the home page. A view sent by the form is read strictly (`view_from_form`):
a bad value is the user's to fix, and is named.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from listbridge.core.campaign_rows import RECENT_COLUMNS
from listbridge.core.errors import UserError

ROW_CHOICES = (5, 10, 25)
DEFAULT_COLUMNS = ("name", "sent_at", "sends", "open_rate", "click_rate")


@dataclass(frozen=True)
class WidgetView:
    columns: tuple[str, ...] = DEFAULT_COLUMNS
    rows: int = ROW_CHOICES[0]
    sort: str = "sent_at"
    descending: bool = True

    def as_json(self) -> dict[str, object]:
        return {
            "columns": list(self.columns),
            "rows": self.rows,
            "sort": self.sort,
            "descending": self.descending,
        }


def view_from_json(saved: object) -> WidgetView:
    """What a stored preference says, each part it cannot use replaced by the default."""
    default = WidgetView()
    if not isinstance(saved, Mapping):
        return default
    columns = saved.get("columns")
    if isinstance(columns, list):
        known = tuple(dict.fromkeys(c for c in columns if c in RECENT_COLUMNS))
        columns = known or default.columns
    else:
        columns = default.columns
    rows = saved.get("rows")
    sort = saved.get("sort")
    descending = saved.get("descending")
    return WidgetView(
        columns,
        rows if type(rows) is int and rows in ROW_CHOICES else default.rows,
        sort if isinstance(sort, str) and sort in RECENT_COLUMNS else default.sort,
        descending if isinstance(descending, bool) else default.descending,
    )


def view_from_form(columns: Sequence[str], rows: str, sort: str, direction: str) -> WidgetView:
    """The view the form asks for; a UserError names the first value it cannot take."""
    if not columns:
        raise UserError("choose at least one column")
    for name in columns:
        if name not in RECENT_COLUMNS:
            raise UserError(f"there is no column {name!r}")
    if rows not in {str(n) for n in ROW_CHOICES}:
        raise UserError(f"show {', '.join(map(str, ROW_CHOICES))} campaigns, not {rows!r}")
    if sort not in RECENT_COLUMNS:
        raise UserError(f"there is no column {sort!r} to sort by")
    if direction not in ("asc", "desc"):
        raise UserError(f"sort ascending or descending, not {direction!r}")
    return WidgetView(tuple(dict.fromkeys(columns)), int(rows), sort, direction == "desc")
