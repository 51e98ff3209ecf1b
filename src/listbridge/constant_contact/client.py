"""Endpoint methods: build, send, parse. Reads iterate over every page.

Creates are made safe to retry: ``create_contact`` looks the e-mail up before it
re-sends after an ambiguous failure (5xx, timeout), and every create that meets a 409
(the thing exists, perhaps from our own lost attempt) resolves to the existing record.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from listbridge.constant_contact.errors import ConflictError
from listbridge.constant_contact.http import ApiSession
from listbridge.constant_contact.models import (
    AccountSummary,
    Activity,
    Contact,
    ContactList,
    CustomField,
    Tag,
)
from listbridge.constant_contact.paging import pages
from listbridge.constant_contact.reports import Reports

M = TypeVar("M", bound=BaseModel)
CONTACT_INCLUDE = "custom_fields,list_memberships,taggings"


class ConstantContact:
    def __init__(self, session: ApiSession) -> None:
        self.session = session
        self.reports = Reports(session, self._iterate)

    def close(self) -> None:
        self.session.close()

    def _get(self, path: str, params: dict[str, Any] | None) -> dict[str, Any]:
        body: dict[str, Any] = self.session.json("GET", path, params=params)
        return body

    def _iterate(self, path: str, key: str, model: type[M], **params: Any) -> Iterator[M]:
        for page in pages(self._get, path, params or None):
            for item in page.get(key) or []:
                yield model.model_validate(item)

    # account
    def account_summary(self) -> AccountSummary:
        return AccountSummary.model_validate(self._get("/account/summary", None))

    # contacts
    def iter_contacts(self, **params: Any) -> Iterator[Contact]:
        params.setdefault("limit", 500)
        params.setdefault("include", CONTACT_INCLUDE)
        return self._iterate("/contacts", "contacts", Contact, **params)

    def find_contact(self, email: str) -> Contact | None:
        found = self.iter_contacts(email=email, status="all", limit=1)
        return next(found, None)

    def get_contact(self, contact_id: str, include: str = CONTACT_INCLUDE) -> Contact:
        body = self._get(f"/contacts/{contact_id}", {"include": include})
        return Contact.model_validate(body)

    def create_contact(self, body: dict[str, Any]) -> tuple[Contact, bool]:
        """POST /contacts: the contact and whether this call created it."""
        email = str(body["email_address"]["address"])
        try:
            answer = self.session.send(
                "POST", "/contacts", json=body, check=lambda: self._existing(email)
            )
        except ConflictError:
            found = self.find_contact(email)
            if found is None:
                raise
            return found, False
        return Contact.model_validate(answer.json()), answer.status_code == 201

    def _existing(self, email: str) -> httpx.Response | None:
        found = self.session.send("GET", "/contacts", params={"email": email, "status": "all"})
        contacts = found.json().get("contacts") or []
        if not contacts:
            return None
        return httpx.Response(200, json=contacts[0], request=found.request)

    def update_contact(self, contact_id: str, body: dict[str, Any]) -> Contact:
        answer = self.session.json("PUT", f"/contacts/{contact_id}", json=body)
        return Contact.model_validate(answer)

    def delete_contact(self, contact_id: str) -> None:
        self.session.send("DELETE", f"/contacts/{contact_id}")

    # lists
    def iter_lists(self, **params: Any) -> Iterator[ContactList]:
        params.setdefault("limit", 500)
        params.setdefault("include_membership_count", "all")
        return self._iterate("/contact_lists", "lists", ContactList, **params)

    def find_list(self, name: str) -> ContactList | None:
        return next(self.iter_lists(name=name, status="all"), None)

    def create_list(self, name: str, description: str = "") -> ContactList:
        body: dict[str, Any] = {"name": name, "favorite": False}
        if description:
            body["description"] = description
        return self._create("/contact_lists", body, ContactList, lambda: self.find_list(name))

    def get_list(self, list_id: str) -> ContactList:
        return ContactList.model_validate(self._get(f"/contact_lists/{list_id}", None))

    def update_list(self, list_id: str, name: str, description: str | None = None) -> ContactList:
        """PUT replaces the whole list: what is not changed (its description unless given,
        its favourite flag) is read first and sent back, so a rename loses neither."""
        current = self.get_list(list_id)
        kept = current.description or "" if description is None else description
        body = {"name": name, "description": kept, "favorite": current.favorite}
        return ContactList.model_validate(
            self.session.json("PUT", f"/contact_lists/{list_id}", json=body)
        )

    def delete_list(self, list_id: str) -> Activity:
        return Activity.model_validate(self.session.json("DELETE", f"/contact_lists/{list_id}"))

    # custom fields and tags
    def iter_custom_fields(self) -> Iterator[CustomField]:
        return self._iterate("/contact_custom_fields", "custom_fields", CustomField, limit=100)

    def create_custom_field(self, label: str, kind: str = "string") -> CustomField:
        def lookup() -> CustomField | None:
            return next((f for f in self.iter_custom_fields() if f.label == label), None)

        body = {"label": label, "type": kind}
        return self._create("/contact_custom_fields", body, CustomField, lookup)

    def iter_tags(self) -> Iterator[Tag]:
        return self._iterate("/contact_tags", "tags", Tag, limit=500)

    def create_tag(self, name: str) -> Tag:
        def lookup() -> Tag | None:
            return next((t for t in self.iter_tags() if t.name == name), None)

        return self._create("/contact_tags", {"name": name}, Tag, lookup)

    def _create(self, path: str, body: dict[str, Any], model: type[M], lookup: Any) -> M:
        """POST a named resource; a 409 on a unique name resolves to the existing one."""
        try:
            return model.model_validate(self.session.json("POST", path, json=body))
        except ConflictError:
            found = lookup()
            if found is None:
                raise
            return model.model_validate(found.model_dump(by_alias=True))

    # activities
    def get_activity(self, activity_id: str) -> Activity:
        return Activity.model_validate(self._get(f"/activities/{activity_id}", None))

    def iter_activities(self, **params: Any) -> Iterator[Activity]:
        return self._iterate("/activities", "activities", Activity, **params)

    def post_activity(self, kind: str, body: dict[str, Any]) -> Activity:
        return Activity.model_validate(self.session.json("POST", f"/activities/{kind}", json=body))
