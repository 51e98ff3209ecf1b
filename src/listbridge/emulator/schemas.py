"""Request bodies of the contact, list, field and tag endpoints, with the spec's limits.

Strict types (a string where an integer belongs is a 400, not a silent coercion); unknown
properties are ignored because the spec never forbids them.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Uuid = Annotated[
    str,
    StringConstraints(
        pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    ),
]
Name50 = Annotated[str, StringConstraints(max_length=50)]


class Body(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class EmailIn(Body):
    address: Annotated[str, StringConstraints(max_length=80)]
    permission_to_send: str | None = None
    opt_out_reason: Annotated[str, StringConstraints(max_length=255)] | None = None


class CustomFieldValue(Body):
    custom_field_id: Uuid
    value: Annotated[str, StringConstraints(max_length=255)] = ""


class PhoneIn(Body):
    phone_number: Annotated[str, StringConstraints(max_length=25)]
    kind: str | None = None


class AddressIn(Body):
    kind: str
    street: Annotated[str, StringConstraints(max_length=255)] | None = None
    city: Name50 | None = None
    state: Name50 | None = None
    postal_code: Name50 | None = None
    country: Name50 | None = None


class NoteIn(Body):
    note_id: str | None = None
    content: Annotated[str, StringConstraints(max_length=2000)]


class ContactFields(Body):
    email_address: EmailIn | None = None
    first_name: Name50 | None = None
    last_name: Name50 | None = None
    job_title: Name50 | None = None
    company_name: Name50 | None = None
    birthday_month: Annotated[int, Field(ge=1, le=12)] | None = None
    birthday_day: Annotated[int, Field(ge=1, le=31)] | None = None
    anniversary: Annotated[str, StringConstraints(max_length=10)] | None = None
    custom_fields: Annotated[list[CustomFieldValue], Field(max_length=25)] | None = None
    phone_numbers: Annotated[list[PhoneIn], Field(max_length=3)] | None = None
    street_addresses: Annotated[list[AddressIn], Field(max_length=3)] | None = None
    list_memberships: Annotated[list[Uuid], Field(max_length=50)] | None = None
    taggings: Annotated[list[Uuid], Field(max_length=50)] | None = None
    notes: Annotated[list[NoteIn], Field(max_length=150)] | None = None


class ContactPost(ContactFields):
    create_source: str | None = None


class ContactPut(ContactFields):
    update_source: str


class SignUpAddress(AddressIn):
    pass


class SignUpForm(Body):
    email_address: Annotated[str, StringConstraints(max_length=50)] | None = None
    first_name: Name50 | None = None
    last_name: Name50 | None = None
    job_title: Name50 | None = None
    company_name: Name50 | None = None
    phone_number: Annotated[str, StringConstraints(max_length=25)] | None = None
    list_memberships: Annotated[list[Uuid], Field(min_length=1, max_length=50)]
    custom_fields: Annotated[list[CustomFieldValue], Field(max_length=50)] | None = None
    anniversary: Annotated[str, StringConstraints(max_length=10)] | None = None
    birthday_month: Annotated[int, Field(ge=1, le=12)] | None = None
    birthday_day: Annotated[int, Field(ge=1, le=31)] | None = None
    street_address: SignUpAddress | None = None


class Resubscribe(Body):
    list_ids: Annotated[list[Uuid], Field(min_length=1, max_length=50)]


class ListIn(Body):
    name: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    favorite: bool = False
    description: str | None = None


class CustomFieldIn(Body):
    label: Annotated[str, StringConstraints(min_length=1, max_length=50)]
    type: Annotated[str, StringConstraints(min_length=1, max_length=20)]


class CustomFieldPutIn(Body):
    label: Annotated[str, StringConstraints(min_length=1, max_length=50)]
    type: Annotated[str, StringConstraints(min_length=1, max_length=20)] | None = None


class TagIn(Body):
    name: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    tag_source: str | None = None
