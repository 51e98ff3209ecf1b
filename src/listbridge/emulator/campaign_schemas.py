"""Request bodies of the /emails writes, with the spec's limits (D:EmailCampaignComplete,
D:EmailCampaignActivity, D:EmailScheduleInput, D:EmailSendTestInput,
D:ResendToNonOpenersInput, D:ABTestData).

Strict like ``schemas.Body``: a wrong type is a 400. Read-only properties a client copies
from a GET (``campaign_activity_id``, ``role``, ``current_status``, ...) are ignored.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from listbridge.emulator.schemas import Body

Text50 = Annotated[str, StringConstraints(max_length=50)]
Text80 = Annotated[str, StringConstraints(max_length=80)]
Text100 = Annotated[str, StringConstraints(max_length=100)]
Text200 = Annotated[str, StringConstraints(max_length=200)]
Text1500 = Annotated[str, StringConstraints(max_length=1500)]
Text150k = Annotated[str, StringConstraints(max_length=150_000)]


class PhysicalAddressIn(Body):
    """D:EmailPhysicalAddress (``country_name``/``state_name`` are read-only)."""

    address_line1: str
    address_line2: str | None = None
    address_line3: str | None = None
    address_optional: str | None = None
    city: str | None = None
    country_code: str
    organization_name: str
    postal_code: str | None = None
    state_code: str | None = None
    state_non_us_name: str | None = None


class ActivityCreateIn(Body):
    """D:EmailCampaignActivityInput."""

    format_type: int
    from_name: Text100
    from_email: Text80
    reply_to_email: Text80
    subject: str
    preheader: Text200 | None = None
    html_content: Text150k
    physical_address_in_footer: PhysicalAddressIn | None = None


class CampaignCreateIn(Body):
    """D:EmailCampaignComplete."""

    name: Text80
    email_campaign_activities: list[ActivityCreateIn]


class CampaignNameIn(Body):
    """D:EmailCampaignName."""

    name: Text80


class DocumentPropertiesIn(Body):
    """D:EmailCampaignActivity.document_properties (``letter_format`` is read-only)."""

    style_content: Text150k | None = None
    greeting_salutation: Text50 | None = None
    greeting_name_type: str | None = None
    greeting_secondary: Text1500 | None = None
    subscribe_link_enabled: str | None = None
    subscribe_link_name: Text80 | None = None
    text_content: Text150k | None = None
    permission_reminder_enabled: str | None = None
    permission_reminder: Text1500 | None = None
    view_as_webpage_enabled: str | None = None
    view_as_webpage_text: Text50 | None = None
    view_as_webpage_link_name: str | None = None
    forward_email_link_enabled: str | None = None
    forward_email_link_name: Text80 | None = None


class ActivityPutIn(Body):
    """D:EmailCampaignActivity as PUT sends it."""

    from_email: str
    from_name: str
    reply_to_email: str
    subject: str
    contact_list_ids: list[str] | None = None
    segment_ids: list[int] | None = None
    preheader: str | None = None
    html_content: str | None = None
    physical_address_in_footer: PhysicalAddressIn | None = None
    document_properties: DocumentPropertiesIn | None = None


class ScheduleIn(Body):
    """D:EmailScheduleInput: ``"0"`` (now), a date or a date-time."""

    scheduled_date: str


class SendTestIn(Body):
    """D:EmailSendTestInput."""

    email_addresses: list[str] = Field(max_length=5)
    personal_message: str | None = None


class ResendIn(Body):
    """D:ResendToNonOpenersInput."""

    resend_subject: str
    delay_days: int | None = None
    delay_minutes: int | None = None


class ABTestIn(Body):
    """D:ABTestData."""

    alternative_subject: str
    test_size: int
    winner_wait_duration: int
