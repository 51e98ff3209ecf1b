"""The two stateful checks of schemathesis on create -> read -> delete -> read scenarios.

``use_after_free`` and ``ensure_resource_availability`` judge a request by the requests
before it in a scenario; the run of single requests (conformance_run.py) has none, so each
collection whose create, read by id and delete the emulator serves gets one scenario here.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from schemathesis.checks import ensure_resource_availability, use_after_free
from schemathesis.engine.recorder import ScenarioRecorder
from schemathesis.generation.overrides import Override
from tests.support.conformance_live import DRAFT, SEGMENT, Live
from tests.support.conformance_run import covered_operations, failures_of, spec_schema
from tests.support.conformance_tally import Finding, Tally, describe_request

# A body the create operation of each collection accepts (the lifecycle needs one success).
CREATE_BODIES: dict[str, Any] = {
    "/contacts": {"email_address": {"address": "life@example.org"}, "create_source": "Account"},
    "/contact_lists": {"name": "Lifecycle list"},
    "/contact_tags": {"name": "Lifecycle tag"},
    "/contact_custom_fields": {"label": "Lifecycle field", "type": "string"},
    # The bodies Live.prepare creates its segment and draft with, under their own names.
    "/segments": SEGMENT | {"name": "Lifecycle segment"},
    "/emails": DRAFT | {"name": "Lifecycle campaign"},
}


@dataclass(frozen=True)
class Lifecycle:
    collection: str  # e.g. /contact_lists
    item: str  # e.g. /contact_lists/{list_id}

    @property
    def label(self) -> str:
        return f"lifecycle {self.item}"


@functools.cache
def lifecycles() -> tuple[Lifecycle, ...]:
    """Collections whose create, read and delete the emulator all serves."""
    served = {(op.method, op.template) for op in covered_operations() if op.emulated}
    found = []
    for method, template in sorted(served):
        if method != "POST" or template not in CREATE_BODIES:
            continue
        for _, item in sorted(served):
            rest = item.removeprefix(template + "/")
            by_id = rest != item and re.fullmatch(r"\{[^/}]+\}", rest)
            if by_id and ("GET", item) in served and ("DELETE", item) in served:
                found.append(Lifecycle(template, item))
    return tuple(dict.fromkeys(found))


def run_lifecycle(live: Live, lifecycle: Lifecycle) -> Tally:
    """Create, read, delete, read again: schemathesis's two stateful checks on a scenario.

    ``ensure_resource_availability``: what a create answered must be readable at once.
    ``use_after_free``: after a delete succeeded (and its asynchronous deletion, if it
    answered 202, was carried out), a read is 404.
    """
    live.refill()
    tally = Tally()
    schema = spec_schema()
    name = re.findall(r"\{([^/}]+)\}", lifecycle.item)[0]
    recorder = ScenarioRecorder(label=lifecycle.label)
    create = schema[lifecycle.collection]["POST"].Case(
        body=CREATE_BODIES[lifecycle.collection], media_type="application/json"
    )
    step = _Step(live, recorder, tally, lifecycle.label)
    created = step.send(create, parent=None, checks=[])
    if created.status_code >= 300:
        step.finding("create", created, "the create the lifecycle starts with was refused")
        return tally
    ident = str(created.json().get(name, ""))
    override = Override(path_parameters={name: ident})
    read = _case(schema, lifecycle.item, "GET", override)
    step.send(read, parent=create, checks=[ensure_resource_availability])
    delete = _case(schema, lifecycle.item, "DELETE", override)
    deleted = step.send(delete, parent=create, checks=[])
    if deleted.status_code >= 300:
        step.finding("delete", deleted, "the delete of a resource just created was refused")
        return tally
    if deleted.status_code == 202:
        live.control.post("/activities/wait").raise_for_status()
    again = _case(schema, lifecycle.item, "GET", override)
    step.send(again, parent=delete, checks=[use_after_free])
    return tally


def _case(schema: Any, template: str, method: str, override: Override) -> Any:
    case = schema[template][method].Case()
    # Set after creation, so schemathesis sees the ids as given by the scenario (as links
    # would give them), which its stateful checks require.
    case.path_parameters = dict(override.path_parameters)
    return case


@dataclass
class _Step:
    live: Live
    recorder: Any
    tally: Tally
    label: str

    def send(self, case: Any, parent: Any, checks: list[Any]) -> Any:
        self.recorder.record_case(case=case, parent_id=parent.id if parent else None)
        response = case.call(base_url=f"{self.live.base_url}/v3", headers=self.live.headers)
        self.recorder.record_response(case_id=case.id, response=response)
        self.tally.count("lifecycle", response.status_code)
        if checks:
            try:
                case.validate_response(
                    response, checks=checks, headers=self.live.headers, recorder=self.recorder
                )
            except (Exception, BaseExceptionGroup) as exc:  # every failure is a finding
                for failure in failures_of(exc):
                    self.finding(type(failure).__name__, response, str(failure))
        return response

    def finding(self, check: str, response: Any, detail: str) -> None:
        request = describe_request(response)
        body = response.content[:200].decode("utf-8", "replace")
        self.tally.add(
            Finding(self.label, check, response.status_code, request, f"{detail} <- {body}")
        )
