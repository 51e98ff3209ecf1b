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


class RemovalSource(MembershipSource):
    """D:ListActivityRemoveContacts ``source`` declares no ``segment_id``: ignored, as any
    property a schema does not declare."""

    @model_validator(mode="before")
    @classmethod
    def _no_segment(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k != "segment_id"}
        return data


class Removal(Membership):
    source: RemovalSource


class ContactDelete(Body):
    contact_ids: Annotated[list[Uuid], Field(max_length=500)] | None = None
    list_ids: Annotated[list[Uuid], Field(max_length=50)] | None = None

    @model_validator(mode="after")
    def one_of(self) -> ContactDelete:
        if (self.contact_ids is None) == (self.list_ids is None):
            raise ValueError("send contact_ids or list_ids, not both")
        return self


class ListDelete(Body):
    # D:ListIdList100 sets no minItems: no list ids is an activity with nothing to delete.
    list_ids: Annotated[list[Uuid], Field(max_length=100)]


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
    """D:TagAddRemoveContacts ``source``: exactly one of its five kinds (facts §9.2)."""

    contact_ids: Annotated[list[Uuid], Field(max_length=500)] | None = None
    list_ids: Annotated[list[Uuid], Field(max_length=50)] | None = None
    tag_ids: Annotated[list[Uuid], Field(max_length=50)] | None = None
    all_active_contacts: bool = False
    new_subscriber: bool = False

    @model_validator(mode="after")
    def exactly_one(self) -> TaggingSource:
        used = [n for n in ("contact_ids", "list_ids", "tag_ids") if getattr(self, n) is not None]
        used += [n for n in ("all_active_contacts", "new_subscriber") if getattr(self, n)]
        if len(used) != 1:
            raise ValueError(
                "use exactly one of contact_ids, list_ids, tag_ids, all_active_contacts, "
                f"new_subscriber (got {', '.join(used) or 'none'})"
            )
        return self


class Tagging(Body):
    """POST /activities/contacts_taggings_add and _remove (D:TagAddRemoveContacts)."""

    source: TaggingSource
    tag_ids: Annotated[list[Uuid], Field(max_length=50)]
    exclude: Exclude | None = None


class TagDelete(Body):
    """POST /activities/contacts_tags_delete (D:TagIdList500Limit)."""

    tag_ids: Annotated[list[Uuid], Field(max_length=500)]


class CustomFieldDelete(Body):
    """POST /activities/custom_fields_delete (D:CustomFieldId100; its ``maxItems: 0`` is the
    spec's typo for the 100 of its text, deviation 1)."""

    custom_field_ids: Annotated[list[Uuid], Field(max_length=100)]
