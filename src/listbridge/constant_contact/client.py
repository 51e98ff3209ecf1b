"""Endpoint methods: build, send, parse. Reads iterate over every page.

Creates are made safe to retry: ``create_contact`` looks the e-mail up before it
re-sends after an ambiguous failure (5xx, timeout), and every create that meets a 409
(the thing exists, perhaps from our own lost attempt) resolves to the existing record.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from listbridge.constant_contact.contacts import (
    DEFAULT_PARTS,
    ContactPart,
    ContactStatus,
    contact_query,
    include_param,
    unsubscribe_body,
)
from listbridge.constant_contact.errors import ConflictError
from listbridge.constant_contact.http import ApiSession
from listbridge.constant_contact.models import (
    AccountSummary,
    Activity,
    Contact,
    ContactBody,
    ContactList,
    CustomField,
    Tag,
)
from listbridge.constant_contact.paging import pages
from listbridge.constant_contact.reports import Reports

M = TypeVar("M", bound=BaseModel)
Parts = Collection[ContactPart]


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
    def iter_contacts(
        self,
        *,
        status: ContactStatus | None = None,
        email: str | None = None,
        lists: str | Sequence[str] | None = None,
        updated_after: datetime | None = None,
        optout_after: datetime | None = None,
        include: Parts = DEFAULT_PARTS,
        limit: int = 500,
    ) -> Iterator[Contact]:
        """``GET /contacts``, every page; an unset filter is left out (no ``status``: every
        contact not deleted). Dates are sent as UTC instants, ``include`` as CC's list."""
        query = contact_query(status=status, email=email, lists=lists,
                              updated_after=updated_after, optout_after=optout_after)  # fmt: skip
        params = {**query, **include_param(include), "limit": limit}
        return self._iterate("/contacts", "contacts", Contact, **params)

    def find_contact(self, email: str, include: Parts = DEFAULT_PARTS) -> Contact | None:
        """The contact with this address, whatever its status (deleted ones too)."""
        return next(self.iter_contacts(email=email, status="all", include=include, limit=1), None)

    def get_contact(self, contact_id: str, include: Parts = DEFAULT_PARTS) -> Contact:
        return Contact.model_validate(self._get(f"/contacts/{contact_id}", include_param(include)))

    def create_contact(self, body: ContactBody) -> tuple[Contact, bool]:
        """POST /contacts: the contact and whether this call created it."""
        email = body.email_address.address
        try:
            answer = self.session.send(
                "POST", "/contacts", json=body.wire(), check=lambda: self._existing(email)
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

    def update_contact(self, contact_id: str, body: ContactBody) -> Contact:
        answer = self.session.json("PUT", f"/contacts/{contact_id}", json=body.wire())
        return Contact.model_validate(answer)

    def unsubscribe(self, contact_id: str, reason: str, current: Contact | None = None) -> Contact:
        """An account-initiated opt-out: the contact is read (unless the caller has just read
        it: `current`), then PUT back unsubscribed (a PUT blanks the top-level properties it
        omits, so they are sent as they are)."""
        if current is None or current.contact_id != contact_id:
            current = Contact.model_validate(self._get(f"/contacts/{contact_id}", None))
        return self.update_contact(contact_id, unsubscribe_body(current, reason))

    def request_resubscribe(self, contact_id: str, list_ids: Sequence[str]) -> None:
        """CC e-mails the contact once; it stays unsubscribed until it confirms (its own
        action) and then joins ``list_ids``. A second request is a ConflictError."""
        body = {"list_ids": list(list_ids)}
        self.session.send("PUT", f"/contacts/resubscribe/{contact_id}", json=body)

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

    def delete_lists(self, list_ids: Sequence[str]) -> Activity:
        """The ``list_delete`` bulk activity (≤100 lists): submitted, not waited for."""
        return self.post_activity("list_delete", {"list_ids": list(list_ids)})

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
        """A 409 (tag names are unique, whatever their case) resolves to the tag of that
        name, or else to the one that differs from it in case alone."""

        def lookup() -> Tag | None:
            tags = list(self.iter_tags())
            alike = (t for t in tags if t.name.casefold() == name.casefold())
            return next((t for t in tags if t.name == name), None) or next(alike, None)

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

    def recent_activities(self, limit: int = 500) -> list[Activity]:
        """One page of ``GET /activities`` (1–500): what a collective poll reads. Every
        page is not walked: the collection holds ten days of the account's activities."""
        page = self._get("/activities", {"limit": limit})
        return [Activity.model_validate(item) for item in page.get("activities") or []]

    def iter_activities(self, **params: Any) -> Iterator[Activity]:
        return self._iterate("/activities", "activities", Activity, **params)

    def post_activity(self, kind: str, body: dict[str, Any]) -> Activity:
        return Activity.model_validate(self.session.json("POST", f"/activities/{kind}", json=body))
