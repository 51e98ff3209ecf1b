"""Request bodies of the contact, list, field and tag endpoints, with the spec's limits.

Strict types (a string where an integer belongs is a 400, not a silent coercion); unknown
properties are ignored because the spec never forbids them.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Uuid = Annotated[
    str,
    StringConstraints(
        pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    ),
]
Name50 = Annotated[str, StringConstraints(max_length=50)]


class Body(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    nulls_allowed: ClassVar[bool] = False

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        # No property of the spec is nullable (Swagger 2.0 has no `null` type and the spec
        # uses no `x-nullable`): an explicit null is a wrong type, not "left out".
        if isinstance(data, dict) and not cls.nulls_allowed:
            nulls = [name for name in cls.model_fields if name in data and data[name] is None]
            if nulls:
                raise ValueError(f"{', '.join(nulls)}: null is not allowed; leave it out instead")
        return data


class ControlBody(Body):
    """A body of the ``/__emulator__`` controls, which are not the spec: null means "none"."""

    nulls_allowed: ClassVar[bool] = True


class EmailIn(Body):
    address: Annotated[str, StringConstraints(max_length=80)]
    permission_to_send: str | None = None
    opt_out_reason: Annotated[str, StringConstraints(max_length=255)] | None = None


class CustomFieldValue(Body):
    custom_field_id: Uuid
    value: Annotated[str, StringConstraints(max_length=255)] = ""
    choice_ids: list[str] | None = None


class PhoneIn(Body):
    # D:PhoneNumber/D:PhoneNumberPut require nothing (D:StreetAddress requires its kind).
    phone_number: Annotated[str, StringConstraints(max_length=25)] = ""
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
    content: Annotated[str, StringConstraints(max_length=2000)] = ""  # D:Note requires nothing


class SmsConsentIn(Body):
    """D:ContactSmsChannelConsents."""

    sms_consent_permission: str
    consent_type: str
    consent_medium_details: str | None = None


class SmsChannelIn(Body):
    """D:ContactSmsChannel (POST and PUT /contacts)."""

    full_sms_address: str
    sms_channel_consents: list[SmsConsentIn]


class SignUpSmsConsentIn(Body):
    """D:JmmlSmsChannelConsents."""

    sms_consent_permission: str
    consent_type: str
    consent_medium_type: str
    consent_medium_url: str
    consent_medium_details: str
    advertised_frequency: int | None = None
    advertised_interval: str | None = None


class SignUpSmsChannelIn(Body):
    """D:JmmlSmsChannel (POST /contacts/sign_up_form)."""

    sms_address: str
    dial_code: str
    country_code: str
    sms_channel_consents: list[SignUpSmsConsentIn]


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
    sms_channel: SmsChannelIn | None = None


class ContactPost(ContactFields):
    create_source: str


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
    sms_channel: SignUpSmsChannelIn | None = None


class Resubscribe(Body):
    list_ids: Annotated[list[Uuid], Field(min_length=1, max_length=50)]


class ListIn(Body):
    # D:ListInput sets no minLength (D:TagPost does): an empty name is a valid request.
    name: Annotated[str, StringConstraints(max_length=255)]
    favorite: bool = False
    description: str | None = None


class CustomFieldMetadataIn(Body):
    """D:CustomFieldMetadata."""

    display_type: str | None = None
    allow_negative: bool | None = None
    decimal_places: int | None = None
    currency_code: str | None = None
    integer: bool | None = None
    display_format: str | None = None


# D:CustomFieldChoiceRequest/PutRequest: `choice_label` has a maxLength, no minLength.
ChoiceLabel = Annotated[str, StringConstraints(max_length=255)]


class CustomFieldChoiceIn(Body):
    """D:CustomFieldChoiceRequest."""

    choice_label: ChoiceLabel
    display_order: int | None = None


class CustomFieldChoicePutIn(CustomFieldChoiceIn):
    """D:CustomFieldChoicePutRequest: a ``choice_id`` names the choice it changes."""

    choice_id: int | None = None


class CustomFieldIn(Body):
    """D:CustomFieldRequest (label and type are required: D:CustomField)."""

    label: Annotated[str, StringConstraints(max_length=50)]  # no minLength in the spec
    type: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    metadata: CustomFieldMetadataIn | None = None
    choices: Annotated[list[CustomFieldChoiceIn], Field(max_length=100)] | None = None
    version: int | None = None


class CustomFieldPutIn(Body):
    """D:CustomFieldPutRequest."""

    label: Annotated[str, StringConstraints(max_length=50)]  # no minLength in the spec
    type: Annotated[str, StringConstraints(min_length=1, max_length=20)] | None = None
    choices: Annotated[list[CustomFieldChoicePutIn], Field(max_length=100)] | None = None


class TagIn(Body):
    name: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    tag_source: str | None = None
