"""Pydantic models of the resources listbridge reads, their core values, and the contact
body it writes.

Unknown fields are ignored: the API adds fields, and we read only what we use.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from listbridge.core.cc_records import CcAddress, CcContact, CcList, CcPhone, Permission


class Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Link(Model):
    href: str | None = None


class Links(Model):
    next: Link | None = None
    self_: Link | None = Field(default=None, alias="self")
    results: Link | None = None


class EmailAddress(Model):
    address: str
    permission_to_send: str | None = None
    opt_out_source: str | None = None
    opt_out_date: datetime | None = None
    opt_out_reason: str | None = None
    opt_in_source: str | None = None


class CustomFieldValue(Model):
    custom_field_id: str
    value: str | None = None


class PhoneNumber(Model):
    phone_number: str
    kind: str | None = None

    def to_core(self) -> CcPhone:
        return CcPhone(self.phone_number, self.kind or "")


class StreetAddress(Model):
    kind: str | None = None
    street: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None

    def to_core(self) -> CcAddress:
        parts = (self.kind, self.street, self.city, self.state, self.postal_code, self.country)
        return CcAddress(*(part or "" for part in parts))


class Contact(Model):
    contact_id: str
    email_address: EmailAddress | None = None
    first_name: str | None = None
    last_name: str | None = None
    job_title: str | None = None
    company_name: str | None = None
    birthday_month: int | None = None
    birthday_day: int | None = None
    anniversary: str | None = None
    list_memberships: list[str] = []
    taggings: list[str] = []
    custom_fields: list[CustomFieldValue] = []
    phone_numbers: list[PhoneNumber] = []
    street_addresses: list[StreetAddress] = []
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: date | None = None

    def to_core(self) -> CcContact:
        email = self.email_address
        permission = (email.permission_to_send if email else None) or "not_set"
        return CcContact(
            contact_id=self.contact_id,
            email=email.address if email else "",
            first_name=self.first_name or "",
            last_name=self.last_name or "",
            permission=Permission(permission),
            opt_out_source=(email.opt_out_source if email else None) or "",
            opt_out_date=email.opt_out_date if email else None,
            opt_out_reason=(email.opt_out_reason if email else None) or "",
            list_ids=tuple(self.list_memberships),
            updated_at=self.updated_at,
            deleted=self.deleted_at is not None,
            company_name=self.company_name or "",
            job_title=self.job_title or "",
            phones=tuple(p.to_core() for p in self.phone_numbers),
            addresses=tuple(a.to_core() for a in self.street_addresses),
        )


class EmailAddressBody(Model):
    model_config = ConfigDict(extra="forbid", frozen=True)

    address: str
    permission_to_send: Permission | None = None
    opt_out_reason: str | None = None


class ContactBody(Model):
    """What ``POST /contacts`` and ``PUT /contacts/{id}`` send; unset properties are not
    sent. Made by ``contacts.create_body`` / ``update_body`` / ``unsubscribe_body``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    email_address: EmailAddressBody
    first_name: str | None = None
    last_name: str | None = None
    job_title: str | None = None
    company_name: str | None = None
    birthday_month: int | None = None
    birthday_day: int | None = None
    anniversary: str | None = None
    phone_numbers: tuple[PhoneNumber, ...] | None = None
    street_addresses: tuple[StreetAddress, ...] | None = None
    custom_fields: tuple[CustomFieldValue, ...] | None = None
    list_memberships: tuple[str, ...] | None = None
    create_source: Literal["Account", "Contact"] | None = None
    update_source: Literal["Account", "Contact"] | None = None

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class ContactList(Model):
    list_id: str
    name: str
    description: str | None = None
    favorite: bool = False
    membership_count: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None

    def to_core(self) -> CcList:
        return CcList(
            self.list_id,
            self.name,
            self.description or "",
            self.membership_count,
            self.deleted_at is not None,
        )


class CustomField(Model):
    custom_field_id: str
    label: str
    name: str | None = None
    type: str
    created_at: datetime | None = None
    updated_at: datetime | None = None


class Tag(Model):
    tag_id: str
    name: str
    contacts_count: int | None = None
    tag_source: str | None = None


class ActivityStatus(Model):
    items_total_count: int | None = None
    items_completed_count: int | None = None
    person_count: int | None = None
    error_count: int | None = None
    correctable_count: int | None = None
    cannot_add_to_list_count: int | None = None
    list_count: int | None = None


class ActivityErrorObject(Model):
    message: str


TERMINAL_STATES = frozenset({"completed", "cancelled", "failed", "timed_out"})


class Activity(Model):
    activity_id: str
    state: str
    percent_done: int | None = None
    activity_errors: list[str | ActivityErrorObject] = []
    status: ActivityStatus | None = None
    created_at: datetime | None = None
    completed_at: datetime | None = None
    links: Links | None = Field(default=None, alias="_links")

    @property
    def finished(self) -> bool:
        return self.state in TERMINAL_STATES

    @property
    def errors(self) -> list[str]:
        return [e if isinstance(e, str) else e.message for e in self.activity_errors]


class AccountSummary(Model):
    encoded_account_id: str | None = None
    organization_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    contact_email: str | None = None
    time_zone_id: str | None = None

    @property
    def owner(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)
