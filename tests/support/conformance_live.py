"""The emulator under a conformance run, filled with known objects so requests can aim at them."""

from __future__ import annotations

import re
from typing import Any

import httpx

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

    def refill(self) -> None:
        self.control.post("/reset").raise_for_status()
        body = {"contacts": 30, "lists": 3, "custom_fields": 3, "seed": 31}
        created = self.control.post("/seed", json=body).json()
        send = {"name": "Spring", "list_ids": created["list_ids"][:2], "seed": 7}
        send |= {"rates": {"open": 0.5, "click": 0.2, "forward": 0.1, "bounce": 0.1}}
        sent = self.control.post("/campaigns/send", json=send)
        sent.raise_for_status()
        token = obtain_token(self.base_url)["access_token"]
        self.headers = {"Authorization": f"Bearer {token}"}
        self.ids = self._known_ids(created, sent.json())

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

    def path_parameters(self, template: str) -> dict[str, str]:
        """Real ids for the path parameters that have some (others stay generated)."""
        names = re.findall(r"\{([^/}]+)\}", template)
        return {name: self.ids[name][0] for name in names if self.ids.get(name)}

    def reaches_real_objects(self, template: str) -> bool:
        """Whether every path parameter gets a real id and the object exists after refill:
        the seeded campaign's activity has no A/B test, and no resend is seeded."""
        names = re.findall(r"\{([^/}]+)\}", template)
        return all(self.ids.get(name) for name in names) and not template.endswith("/abtest")

    def aim(self, case: Any) -> Any:
        """Point a generated body at objects that exist, so writes can succeed too."""
        if isinstance(case.body, dict | list):
            case.body = self._aimed(case.body)
        return case

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
