"""A schemathesis run of the official spec against the emulator over loopback.

For every operation issue 3 lists, Hypothesis draws requests from the spec three ways:
free (as the spec allows), aimed (path ids and body ids swapped for objects that exist, so
writes and reads can succeed) and negative (requests the spec forbids). Each answer must be
no server error and must conform to the spec: schemathesis's schema check plus our stricter
one (``tests.support.conformance``, which also holds error bodies to the spec's error
schemas). Examples are bounded and derandomized so the run is short and repeatable; the
emulator is refilled with the same seeded data before each operation.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from tests.support.ccspec import conformant_spec
from tests.support.conformance import validate_response

from listbridge.emulator.config import EmulatorConfig
from listbridge.emulator.testing import obtain_token, running_emulator

CONTACTS = [
    ("GET", "/contacts"),
    ("POST", "/contacts"),
    ("GET", "/contacts/{contact_id}"),
    ("PUT", "/contacts/{contact_id}"),
    ("DELETE", "/contacts/{contact_id}"),
    ("POST", "/contacts/sign_up_form"),
    ("PUT", "/contacts/resubscribe/{contact_id}"),
    ("GET", "/contacts/counts"),
    ("GET", "/contacts/contact_id_xrefs"),
]
LISTS_FIELDS_TAGS = [
    ("GET", "/contact_lists"),
    ("POST", "/contact_lists"),
    ("GET", "/contact_lists/{list_id}"),
    ("PUT", "/contact_lists/{list_id}"),
    ("DELETE", "/contact_lists/{list_id}"),
    ("GET", "/contact_lists/list_id_xrefs"),
    ("GET", "/contact_custom_fields"),
    ("POST", "/contact_custom_fields"),
    ("GET", "/contact_custom_fields/{custom_field_id}"),
    ("PUT", "/contact_custom_fields/{custom_field_id}"),
    ("DELETE", "/contact_custom_fields/{custom_field_id}"),
    ("GET", "/contact_tags"),
    ("POST", "/contact_tags"),
    ("GET", "/contact_tags/{tag_id}"),
    ("PUT", "/contact_tags/{tag_id}"),
    ("DELETE", "/contact_tags/{tag_id}"),
]
ACTIVITIES = [
    ("POST", "/activities/contacts_json_import"),
    ("POST", "/activities/contacts_file_import"),
    ("POST", "/activities/add_list_memberships"),
    ("POST", "/activities/remove_list_memberships"),
    ("POST", "/activities/contact_delete"),
    ("POST", "/activities/list_delete"),
    ("POST", "/activities/contact_exports"),
    ("POST", "/activities/contacts_taggings_add"),
    ("POST", "/activities/contacts_taggings_remove"),
    ("POST", "/activities/contacts_tags_delete"),
    ("POST", "/activities/custom_fields_delete"),
    ("GET", "/contact_exports/{file_export_id}"),
    ("GET", "/activities"),
    ("GET", "/activities/{activity_id}"),
]
CAMPAIGNS_REPORTS = [
    ("GET", "/emails"),
    ("GET", "/emails/{campaign_id}"),
    ("GET", "/emails/campaign_id_xrefs"),
    ("GET", "/emails/activities/{campaign_activity_id}"),
    ("GET", "/reports/summary_reports/email_campaign_summaries"),
    ("GET", "/reports/stats/email_campaign_activities/{campaign_activity_ids}"),
    *[
        ("GET", f"/reports/email_reports/{{campaign_activity_id}}/tracking/{kind}")
        for kind in (
            "sends",
            "opens",
            "unique_opens",
            "didnotopens",
            "clicks",
            "forwards",
            "optouts",
            "bounces",
        )
    ],
    ("GET", "/reports/email_reports/{campaign_activity_id}/links"),
    ("GET", "/reports/contact_reports/{contact_id}/activity_details"),
    ("GET", "/reports/contact_reports/{contact_id}/activity_summary"),
    ("GET", "/account/summary"),
    ("GET", "/account/user/privileges"),
]
OPERATIONS = CONTACTS + LISTS_FIELDS_TAGS + ACTIVITIES + CAMPAIGNS_REPORTS
FREE_EXAMPLES = 25
AIMED_EXAMPLES = 25
NEGATIVE_EXAMPLES = 15
CHECKS = [not_a_server_error, response_schema_conformance]
# Body keys whose generated ids are swapped for ids that exist (key -> kind of id).
AIM_POOLS = {
    "list_ids": "list_id",
    "list_memberships": "list_id",
    "contact_ids": "contact_id",
    "tag_ids": "tag_id",
    "taggings": "tag_id",
    "custom_field_ids": "custom_field_id",
}


@functools.cache
def spec_schema() -> Any:
    return schemathesis.openapi.from_dict(copy.deepcopy(conformant_spec()))


class Live:
    """The emulator under test, refilled with known objects before each operation."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.control = httpx.Client(base_url=f"{base_url}/__emulator__", timeout=60)
        self.headers: dict[str, str] = {}
        self.ids: dict[str, list[str]] = {}
        self.statuses: list[int] = []
        self.serial = 0

    def refill(self) -> None:
        self.control.post("/reset").raise_for_status()
        body = {"contacts": 40, "lists": 3, "custom_fields": 3, "campaigns": 2, "seed": 31}
        created = self.control.post("/seed", json=body).json()
        token = obtain_token(self.base_url)["access_token"]
        self.headers = {"Authorization": f"Bearer {token}"}
        self.ids = self._known_ids(created)

    def _known_ids(self, created: dict[str, Any]) -> dict[str, list[str]]:
        with httpx.Client(base_url=f"{self.base_url}/v3", headers=self.headers) as api:
            tag = api.post("/contact_tags", json={"name": "Volunteers"}).json()["tag_id"]
            export = api.post("/activities/contact_exports", json={}).json()
            self.control.post("/activities/wait").raise_for_status()  # the export is ready
            emails = [api.get(f"/emails/{c}").json() for c in created["campaign_ids"]]
        activity_ids = [a["campaign_activity_id"] for e in emails for a in e["campaign_activities"]]
        return {
            "contact_id": created["contact_ids"][:5],
            "list_id": created["list_ids"],
            "custom_field_id": created["custom_field_ids"],
            "tag_id": [tag],
            "activity_id": [export["activity_id"]],
            "file_export_id": [export["activity_id"]],
            "campaign_id": created["campaign_ids"],
            "campaign_activity_id": activity_ids,
            "campaign_activity_ids": [",".join(activity_ids[:3]), activity_ids[0]],
        }

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
        if key in AIM_POOLS and isinstance(value, list):
            return self.ids[AIM_POOLS[key]][: max(1, min(len(value), 3))]
        if key == "custom_field_id":
            return self.ids["custom_field_id"][0]
        if key in ("email", "email_address", "address") and isinstance(value, str):
            self.serial += 1
            return f"fuzz{self.serial}@example.org"
        return value

    def known_path_parameters(self, template: str) -> dict[str, str]:
        names = [part[1:-1] for part in template.split("/") if part.startswith("{")]
        return {name: self.ids[name][0] for name in names}


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    with running_emulator(EmulatorConfig(auto_approve=True, testing_controls=True)) as base_url:
        target = Live(base_url)
        yield target
        target.control.close()


def _strategies(template: str, method: str, live: Live) -> tuple[Any, Any, Any]:
    """Free requests, requests aimed at existing objects, and invalid requests."""
    operation = spec_schema()[template][method]
    fixed = live.known_path_parameters(template) or None
    aimed = operation.as_strategy(path_parameters=fixed).map(live.aim)
    return operation.as_strategy(), aimed, operation.as_strategy(GenerationMode.NEGATIVE)


def _exercise(case: Any, live: Live) -> None:
    response = case.call(base_url=f"{live.base_url}/v3", headers=live.headers, timeout=30)
    live.statuses.append(response.status_code)
    case.validate_response(response, checks=CHECKS, headers=live.headers)
    content_type = response.headers.get("content-type", [""])[0]
    path = response.request.path_url
    validate_response(case.method, path, response.status_code, response.content, content_type)


def _run(strategy: Any, examples: int, live: Live) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        _exercise(case, live)

    run()


@pytest.mark.parametrize(
    ("method", "template"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS]
)
def test_operation_conforms_to_the_official_spec(live: Live, method: str, template: str) -> None:
    live.refill()
    free, aimed, negative = _strategies(template, method, live)
    live.statuses.clear()
    _run(free, FREE_EXAMPLES, live)
    _run(aimed, AIMED_EXAMPLES, live)
    # Not every answer may be "not found": the aimed requests must reach real objects.
    assert set(live.statuses) - {404}, f"{method} {template}: only 404s"
    try:
        _run(negative, NEGATIVE_EXAMPLES, live)
    except Unsatisfiable:
        # Only free-form strings to fill (e.g. GET /emails/{campaign_id}): no request can
        # violate the spec, so there is no negative case to send.
        assert not _has_constraints(method, template)


def _has_constraints(method: str, template: str) -> bool:
    parameters = conformant_spec()["paths"][template][method.lower()].get("parameters", [])
    free = {"type": "string"}
    return any(
        p["in"] != "path" or {k: v for k, v in p.items() if k in ("type", "format", "enum")} != free
        for p in parameters
    )
