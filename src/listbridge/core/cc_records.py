"""Constant Contact records as the core sees them: frozen, typed, no raw JSON.

``constant_contact.models`` parses the API's JSON and builds these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Permission(StrEnum):
    EXPLICIT = "explicit"
    IMPLICIT = "implicit"
    NOT_SET = "not_set"
    PENDING = "pending_confirmation"
    TEMP_HOLD = "temp_hold"
    UNSUBSCRIBED = "unsubscribed"


@dataclass(frozen=True)
class CcPhone:
    """`kind` is CC's: home, work, mobile, other (or empty when CC gave none)."""

    number: str
    kind: str = ""


@dataclass(frozen=True)
class CcAddress:
    kind: str = ""
    street: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""


@dataclass(frozen=True)
class CcContact:
    contact_id: str
    email: str
    first_name: str = ""
    last_name: str = ""
    permission: Permission = Permission.NOT_SET
    opt_out_source: str = ""
    opt_out_date: datetime | None = None
    opt_out_reason: str = ""
    list_ids: tuple[str, ...] = ()
    updated_at: datetime | None = None
    deleted: bool = False
    company_name: str = ""
    job_title: str = ""
    phones: tuple[CcPhone, ...] = ()
    addresses: tuple[CcAddress, ...] = ()

    @property
    def unsubscribed(self) -> bool:
        return self.permission is Permission.UNSUBSCRIBED


@dataclass(frozen=True)
class CcList:
    list_id: str
    name: str
    description: str = ""
    membership_count: int | None = None
    deleted: bool = False


@dataclass(frozen=True)
class TrackingEvent:
    """One per-contact row of a campaign activity's tracking report.

    `kind` is the report's (sends, opens, clicks, forwards, optouts, bounces); `detail`
    the clicked link, the bounce code or the opt-out reason; `detail_key` what tells two
    rows of one contact and instant apart (the link's url_id, the bounce code).
    """

    kind: str
    contact_id: str
    campaign_activity_id: str
    email: str
    at: datetime
    detail: str = ""
    detail_key: str = ""
    device: str = ""


@dataclass(frozen=True)
class ActivityStats:
    """Unique counters of one campaign activity (facts §10.2)."""

    campaign_id: str
    campaign_activity_id: str
    sends: int = 0
    opens: int = 0
    clicks: int = 0
    forwards: int = 0
    optouts: int = 0
    bounces: int = 0
    abuse: int = 0
    not_opened: int = 0
    #: every open and every click, not only the first of each contact
    opens_all: int = 0
    clicks_all: int = 0
