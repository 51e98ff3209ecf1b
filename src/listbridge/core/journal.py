"""The change journal: every write a job makes, on either side, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Side(StrEnum):
    CRM = "crm"
    CC = "cc"


@dataclass(frozen=True)
class Change:
    """`field` changed from `old` to `new` on `record_id` of `side`, for `reason`.

    A record created as a whole is one Change with field "*" and old None.
    """

    side: Side
    record_id: str
    field: str
    old: str | None
    new: str | None
    reason: str
    at: datetime
