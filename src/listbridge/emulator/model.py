"""The emulator's records: compact ``__slots__`` classes so a million contacts fit in memory.

Times are integers in microseconds since the epoch: cheap to hold, exact to compare, and
``updated_at`` doubles as the contact's position in the change order (see ``ContactIndex``).
Sub-resource arrays are tuples (``None`` when empty) so an untouched contact costs no lists.
"""

from __future__ import annotations

from typing import Any

UNSUBSCRIBED = "unsubscribed"
PERMISSIONS = ("explicit", "implicit", "not_set", "pending_confirmation", "temp_hold", UNSUBSCRIBED)


class Record:
    """Slots-based record that can turn itself into a plain dict and back (for persistence)."""

    __slots__: tuple[str, ...] = ()

    def dump(self) -> dict[str, Any]:
        """Slot values by name; unset (None) slots are left out, which halves a state file."""
        values = ((slot, getattr(self, slot)) for slot in self.__slots__)
        return {slot: value for slot, value in values if value is not None}

    @classmethod
    def load(cls, data: dict[str, Any]) -> Any:
        record = cls.__new__(cls)
        for slot in cls.__slots__:
            setattr(record, slot, _tuplify(data.get(slot)))
        return record


def _tuplify(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tuplify(v) for v in value)
    return value


class Contact(Record):
    __slots__ = (
        "addresses",
        "anniversary",
        "birthday_day",
        "birthday_month",
        "company_name",
        "confirm_status",
        "contact_id",
        "create_source",
        "created_at",
        "custom_fields",
        "deleted_at",
        "email",
        "email_created_at",
        "first_name",
        "job_title",
        "last_name",
        "lists",
        "notes",
        "opt_in_date",
        "opt_in_source",
        "opt_out_date",
        "opt_out_reason",
        "opt_out_source",
        "permission",
        "phones",
        "resubscribe",
        "sms",
        "taggings",
        "update_source",
        "updated_at",
    )

    def __init__(self, contact_id: str, email: str | None, now: int, source: str) -> None:
        self.contact_id = contact_id
        self.email = email
        self.first_name: str | None = None
        self.last_name: str | None = None
        self.job_title: str | None = None
        self.company_name: str | None = None
        self.birthday_month: int | None = None
        self.birthday_day: int | None = None
        self.anniversary: str | None = None
        self.create_source = source
        self.update_source = source
        self.created_at = now
        self.updated_at = now
        self.deleted_at: int | None = None
        self.permission = "implicit"
        self.opt_in_source: str | None = source
        self.opt_in_date: int | None = now
        self.opt_out_source: str | None = None
        self.opt_out_date: int | None = None
        self.opt_out_reason: str | None = None
        self.confirm_status = "off"
        self.email_created_at = now
        self.lists: tuple[str, ...] | None = None
        self.taggings: tuple[str, ...] | None = None
        # ((custom_field_id, value), ...); a select field's value is (labels, (choice_id, ...))
        self.custom_fields: tuple[tuple[str, Any], ...] | None = None
        # ((phone_number_id, phone_number, kind), ...)
        self.phones: tuple[tuple[str, str, str], ...] | None = None
        # ((street_address_id, kind, street, city, state, postal_code, country), ...)
        self.addresses: tuple[tuple[str | None, ...], ...] | None = None
        # ((note_id, created_at, content), ...), newest first
        self.notes: tuple[tuple[str, int, str], ...] | None = None
        # None: never asked; tuple of list ids: confirmation e-mail sent, awaiting the contact;
        # () after confirmation: the once-only resubscribe has been used.
        self.resubscribe: tuple[str, ...] | None = None
        # D:ContactResource.sms_channel, times in microseconds (see emulator/sms.py)
        self.sms: dict[str, Any] | None = None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_unsubscribed(self) -> bool:
        return self.permission == UNSUBSCRIBED


class ContactList(Record):
    __slots__ = (
        "created_at",
        "deleted_at",
        "description",
        "favorite",
        "list_id",
        "name",
        "sequence_id",
        "updated_at",
    )

    def __init__(self, list_id: str, name: str, now: int, sequence_id: int) -> None:
        self.list_id = list_id
        self.name = name
        self.description: str | None = None
        self.favorite = False
        self.created_at = now
        self.updated_at = now
        self.deleted_at: int | None = None
        self.sequence_id = sequence_id


class CustomField(Record):
    __slots__ = (
        "choices",
        "created_at",
        "custom_field_id",
        "label",
        "metadata",
        "name",
        "type",
        "updated_at",
        "version",
    )

    def __init__(self, custom_field_id: str, label: str, type_: str, now: int) -> None:
        self.custom_field_id = custom_field_id
        self.label = label
        self.name = field_name(label)
        self.type = type_
        self.created_at = now
        self.updated_at = now
        # D:CustomFieldMetadata as sent (None when not sent)
        self.metadata: dict[str, Any] | None = None
        self.version: int | None = None
        # ((choice_id, choice_label, display_order, created_at, updated_at), ...)
        self.choices: tuple[tuple[int, str, int | None, int, int], ...] | None = None

    @property
    def is_select(self) -> bool:
        return self.type in SELECT_TYPES


SELECT_TYPES = ("single_select", "multi_select")


def field_name(label: str) -> str:
    """The read-only ``name`` CC derives from a label: blanks become underscores (facts §8)."""
    return "_".join(label.strip().split()).lower()


class Tag(Record):
    __slots__ = ("created_at", "name", "tag_id", "tag_source", "updated_at")

    def __init__(self, tag_id: str, name: str, source: str, now: int) -> None:
        self.tag_id = tag_id
        self.name = name
        self.tag_source = source
        self.created_at = now
        self.updated_at = now


class Token(Record):
    """An access or refresh token; ``used`` marks a rotated refresh token."""

    __slots__ = ("client_id", "expires_at", "issued_at", "kind", "revoked", "scope", "value")

    def __init__(self, value: str, kind: str, client_id: str, scope: str, now: int, life: int):
        self.value = value
        self.kind = kind
        self.client_id = client_id
        self.scope = scope
        self.issued_at = now
        self.expires_at = now + life * 1_000_000
        self.revoked = False
