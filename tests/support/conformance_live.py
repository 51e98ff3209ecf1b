"""The emulator under a conformance run, filled with known objects so requests can aim at them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from schemathesis.core.parameters import ParameterLocation
from schemathesis.transport.serialization import Binary
from tests.support.ccspec import conformant_spec

from listbridge.emulator.testing import obtain_token

# Body keys whose generated ids are swapped for ids that exist (key -> kind of id).
AIM_POOLS = {
    "list_ids": "list_id",
    "list_memberships": "list_id",
    "contact_ids": "contact_id",
    "tag_ids": "tag_id",
    "taggings": "tag_id",
    "custom_field_ids": "custom_field_id",
    "campaign_ids": "campaign_id",
}
# Path parameters that some operations need aimed at a prepared object rather than at the
# first seeded one: (template -> parameter -> kind of id that ``prepare`` fills).
PREPARED_IDS = {
    "/contacts/resubscribe/{contact_id}": {"contact_id": "unsubscribed_contact_id"},
    "/emails/activities/{campaign_activity_id}/abtest": {
        "campaign_activity_id": "draft_activity_id"
    },
    "/emails/activities/{campaign_activity_id}/schedules": {
        "campaign_activity_id": "draft_activity_id"
    },
}
SEGMENT = {
    "name": "Conformance segment",
    "segment_criteria": '{"version":"1.0.0","criteria":{"type":"and","group":[{"source":'
    '"tracking","field":"not_opened","op":"contains-any","const_value":"last-n-campaigns",'
    '"param":"5"}]}}',
}
DRAFT = {
    "name": "Conformance draft",
    "email_campaign_activities": [
        {
            "format_type": 5,
            "from_name": "Conformance",
            "from_email": "sender@example.org",
            "reply_to_email": "sender@example.org",
            "subject": "Conformance",
            "html_content": "<html><body>[[trackingImage]] Hello</body></html>",
        }
    ],
}
# The contact reports' required range: ISO dates a year apart, inside their two-year limit.
DETAIL_TYPES = "em_sends,em_opens,em_clicks"
REPORT_RANGE = {"start": "2026-01-01T00:00:00.000Z", "end": "2026-12-31T00:00:00.000Z"}


def _integer_path_parameters(template: str) -> set[str]:
    item = conformant_spec()["paths"].get(template, {})
    declared = list(item.get("parameters", []))
    for operation in item.values():
        if isinstance(operation, dict):
            declared += operation.get("parameters", [])
    return {p["name"] for p in declared if p.get("in") == "path" and p.get("type") == "integer"}


def all_scopes() -> str:
    """Every scope the spec's OAuth2 flows name: the token of an app that asked for all."""
    found: dict[str, None] = {}
    for definition in conformant_spec().get("securityDefinitions", {}).values():
        # The app's OAuth2 flows (authorizationUrl at constantcontact), not the partners'.
        if "constantcontact" in str(definition.get("authorizationUrl", "")):
            found.update(dict.fromkeys(definition.get("scopes", {})))
    return " ".join(found)


class Live:
    """The emulator under test, refilled with known objects before each operation."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.control = httpx.Client(base_url=f"{base_url}/__emulator__", timeout=60)
        self.headers: dict[str, str] = {}
        self.ids: dict[str, list[str]] = {}
        self.serial = 0

    def close(self) -> None:
        self.control.close()

    def refill(self, method: str = "", template: str = "") -> None:
        self.control.post("/reset").raise_for_status()
        body = {"contacts": 30, "lists": 3, "custom_fields": 3, "seed": 31}
        created = self.control.post("/seed", json=body).json()
        send = {"name": "Spring", "list_ids": created["list_ids"][:2], "seed": 7}
        send |= {"rates": {"open": 0.5, "click": 0.2, "forward": 0.1, "bounce": 0.1}}
        sent = self.control.post("/campaigns/send", json=send)
        sent.raise_for_status()
        token = obtain_token(self.base_url, scope=all_scopes())["access_token"]
        self.headers = {"Authorization": f"Bearer {token}"}
        self.ids = self._known_ids(created, sent.json())
        if template:
            self.prepare(method, template)

    def prepare(self, method: str, template: str) -> None:
        """Create what this operation needs to succeed on: the object its path names."""
        with httpx.Client(base_url=f"{self.base_url}/v3", headers=self.headers) as api:
            if "{segment_id}" in template:
                segment = api.post("/segments", json=SEGMENT)
                segment.raise_for_status()
                self.ids["segment_id"] = [str(segment.json()["segment_id"])]
            if template.startswith("/contacts/resubscribe/"):
                contact = self.ids["contact_id"][-1]
                self.control.post(f"/contacts/{contact}/unsubscribe").raise_for_status()
                self.ids["unsubscribed_contact_id"] = [contact]
            if template == "/account/summary/physical_address" and method == "POST":
                # An account starts with an address; a POST needs one without.
                self.control.delete("/account/physical_address").raise_for_status()
            if "{resend_request_id}" in template:
                self._resend(api)
            if PREPARED_IDS.get(template, {}).get("campaign_activity_id") == "draft_activity_id":
                self._draft(api, method, template)

    def _draft(self, api: httpx.Client, method: str, template: str) -> None:
        draft = api.post("/emails", json=DRAFT)
        draft.raise_for_status()
        activity = str(draft.json()["campaign_activities"][0]["campaign_activity_id"])
        self.ids["draft_activity_id"] = [activity]
        path = f"/emails/activities/{activity}"
        if template.endswith("/abtest") and method != "POST":
            body = {"alternative_subject": "Other", "test_size": 10, "winner_wait_duration": 24}
            api.post(f"{path}/abtest", json=body).raise_for_status()
        if template.endswith("/schedules"):
            # What a schedule needs: lists to send to and a confirmed sender address.
            owner = api.get("/account/emails").json()[0]["email_address"]
            view = api.get(path).json()
            view |= {"contact_list_ids": self.ids["list_id"][:1], "from_email": owner}
            api.put(path, json=view | {"reply_to_email": owner}).raise_for_status()
        if template.endswith("/schedules") and method == "DELETE":
            when = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            api.post(f"{path}/schedules", json={"scheduled_date": when}).raise_for_status()

    def _resend(self, api: httpx.Client) -> None:
        activity = self.ids["campaign_activity_id"][0]
        path = f"/emails/activities/{activity}/non_opener_resends"
        api.post(path, json={"resend_subject": "Again", "delay_days": 2}).raise_for_status()
        listed = api.get(path)
        listed.raise_for_status()
        self.ids["resend_request_id"] = [str(listed.json()[0]["resend_request_id"])]

    def _known_ids(self, created: dict[str, Any], sent: dict[str, Any]) -> dict[str, list[str]]:
        with httpx.Client(base_url=f"{self.base_url}/v3", headers=self.headers) as api:
            tag = api.post("/contact_tags", json={"name": "Volunteers"}).json()["tag_id"]
            export = api.post("/activities/contact_exports", json={}).json()
            self.control.post("/activities/wait").raise_for_status()  # the export is ready
        campaigns = [sent["campaign_id"]]
        activities = [sent["campaign_activity_id"]]
        return {
            "contact_id": created["contact_ids"][:5],
            "list_id": created["list_ids"],
            "custom_field_id": created["custom_field_ids"],
            "tag_id": [tag],
            "activity_id": [export["activity_id"]],
            "file_export_id": [export["activity_id"]],
            "campaign_id": campaigns,
            "campaign_ids": campaigns,
            "campaign_activity_id": activities,
            "campaign_activity_ids": activities,
        }

    def path_parameters(self, template: str) -> dict[str, Any]:
        """Real ids for the path parameters that have some (others stay generated); an
        integer parameter gets an int, so schemathesis sees a value of the declared type."""
        names = re.findall(r"\{([^/}]+)\}", template)
        kinds = {name: PREPARED_IDS.get(template, {}).get(name, name) for name in names}
        integers = _integer_path_parameters(template)
        return {
            name: int(self.ids[kind][0]) if name in integers else self.ids[kind][0]
            for name, kind in kinds.items()
            if self.ids.get(kind)
        }

    def aim(self, case: Any) -> Any:
        """Point a generated body at objects that exist, so writes can succeed too."""
        # Read before the body changes: schemathesis then revalidates the case's mode.
        negative = getattr(getattr(case.meta, "generation", None), "mode", None) == "negative"
        # Negative cases are sent as generated: assigning their body makes schemathesis judge
        # it again, and invalid data is refused whatever ids it names.
        if negative:
            return case
        if isinstance(case.body, dict | list):
            case.body = self._aimed(case.body)
        if (case.media_type or "").startswith("multipart/") and isinstance(case.body, dict):
            self._aim_upload(case)
        if isinstance(case.query, dict) and {"start", "end"} <= set(case.query):
            case.query = {**case.query, **REPORT_RANGE}
        if case.path.endswith("/activity_details") and isinstance(case.query, dict | None):
            # Its text needs exactly one of the two type parameters, which the schema leaves
            # optional (row 19): without one no generated request is sure to succeed.
            query = dict(case.query or {})
            if ("tracking_activities_list" in query) == ("tracking_activity_type" in query):
                query.pop("tracking_activity_type", None)
                query["tracking_activities_list"] = DETAIL_TYPES
            case.query = query
        return case

    def _aim_upload(self, case: Any) -> None:
        """A generated upload is random bytes with no CSV type (row 26's 415): an aimed one
        is a CSV file of two new contacts for a real list."""
        body = dict(case.body)
        if "file" in body:
            self.serial += 1
            rows = f"email,first_name\nfuzz{self.serial}a@example.org,Ann\n"
            # Binary: the type schemathesis generates a file part as.
            body["file"] = Binary((rows + f"fuzz{self.serial}b@example.org,Bo\n").encode())
            types = dict(case.multipart_content_types or {})
            case.multipart_content_types = types | {"file": "text/csv"}
        if "list_ids" in body:
            body["list_ids"] = self.ids["list_id"][0]
        case.body = body  # assigned whole: the case keeps its own copy of the body
        # Schemathesis takes any body holding a binary part for invalid when it revalidates a
        # changed case (and then expects a refusal); this one is as valid as the generated
        # one, so it is not marked for revalidation.
        if case._meta is not None:
            case._meta.clear_dirty(ParameterLocation.BODY)

    def _aimed(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self._aimed(v) for v in value]
        if not isinstance(value, dict):
            return value
        return {key: self._known(key, self._aimed(v)) for key, v in value.items()}

    def _known(self, key: str, value: Any) -> Any:
        if key in AIM_POOLS and isinstance(value, list) and value:
            pool = self.ids[AIM_POOLS[key]]
            return pool[: max(1, min(len(value), len(pool)))]
        if key == "custom_field_id" and isinstance(value, str):
            return self.ids["custom_field_id"][0]
        if key in ("email", "email_address", "address") and isinstance(value, str):
            self.serial += 1
            return f"fuzz{self.serial}@example.org"
        return value
