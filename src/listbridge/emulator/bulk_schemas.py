"""Bodies of the ``POST /activities/*`` endpoints (the spec's ``maxItems: 0`` typos ignored)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, model_validator

from listbridge.emulator.schemas import Body, Uuid


class Exclude(Body):
    contact_ids: list[Uuid] = Field(default_factory=list)


class MembershipSource(Body):
    list_ids: Annotated[list[Uuid], Field(max_length=50)] | None = None
    contact_ids: Annotated[list[Uuid], Field(max_length=500)] | None = None
    tag_ids: Annotated[list[Uuid], Field(max_length=50)] | None = None
    all_active_contacts: bool = False
    engagement_level: str | None = None
    segment_id: int | None = None

    @model_validator(mode="after")
    def exactly_one(self) -> MembershipSource:
        used = [
            name
            for name in ("list_ids", "contact_ids", "tag_ids", "engagement_level", "segment_id")
            if getattr(self, name) is not None
        ] + (["all_active_contacts"] if self.all_active_contacts else [])
        if len(used) != 1:
            raise ValueError(f"use exactly one source (got {', '.join(used) or 'none'})")
        return self


class Membership(Body):
    source: MembershipSource
    list_ids: Annotated[list[Uuid], Field(min_length=1, max_length=50)]
    exclude: Exclude | None = None


class ContactDelete(Body):
    contact_ids: Annotated[list[Uuid], Field(max_length=500)] | None = None
    list_ids: Annotated[list[Uuid], Field(max_length=50)] | None = None

    @model_validator(mode="after")
    def one_of(self) -> ContactDelete:
        if (self.contact_ids is None) == (self.list_ids is None):
            raise ValueError("send contact_ids or list_ids, not both")
        return self


class ListDelete(Body):
    list_ids: Annotated[list[Uuid], Field(min_length=1, max_length=100)]


class JsonImport(Body):
    import_data: list[dict[str, Any]]
    list_ids: Annotated[list[Uuid], Field(min_length=1, max_length=50)]
    sms_permission_to_send: str | None = None


class Export(Body):
    contact_ids: Annotated[list[Uuid], Field(max_length=500)] | None = None
    list_ids: Annotated[list[Uuid], Field(max_length=50)] | None = None
    tag_ids: Annotated[list[Uuid], Field(max_length=50)] | None = None
    new_subscriber: bool | None = None
    segment_id: int | None = None
    fields: list[str] | None = None
    status: str | None = None
    exclude: Exclude | None = None


class TaggingSource(Body):
    contact_ids: Annotated[list[Uuid], Field(min_length=1, max_length=500)]


class Tagging(Body):
    """POST /activities/contacts_taggings_add (D:TagAddRemoveContacts); only the
    ``contact_ids`` source is emulated."""

    source: TaggingSource
    tag_ids: Annotated[list[Uuid], Field(min_length=1, max_length=50)]
