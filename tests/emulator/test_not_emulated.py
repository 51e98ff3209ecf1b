"""Events, social, automations and partner operations: present, refused with a status they
declare and a message saying they are not emulated (issue 22)."""

from __future__ import annotations

import re

import httpx
from tests.emulator.conftest import Emulator
from tests.support.ccspec import load_spec

from listbridge.emulator.routes.not_emulated import FAMILIES, NOT_EMULATED_KEY

EXPECTED_COUNTS = {
    "Events": 11,
    "Social": 4,
    "Automations": 4,
    "Technology Partners": 8,
    "Technology Partners Webhooks": 5,
}


def _spec_operations(tag: str) -> dict[tuple[str, str], dict]:
    spec = load_spec()
    return {
        (method.upper(), path): op
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and tag in op.get("tags", ())
    }


def test_every_operation_of_the_families_is_listed_with_a_declared_status() -> None:
    assert {family: len(ops) for family, ops in FAMILIES.items()} == EXPECTED_COUNTS
    for family, operations in FAMILIES.items():
        spec_ops = _spec_operations(family)
        assert {(m, p) for m, p, _ in operations} == set(spec_ops), family
        for method, path, status in operations:
            assert str(status) in spec_ops[(method, path)]["responses"], (method, path)


def test_each_operation_answers_the_error_array_saying_not_emulated(emulator: Emulator) -> None:
    for family, operations in FAMILIES.items():
        for method, template, status in operations:
            path = re.sub(r"\{[^}]+\}", "7", template)
            body = {} if method in ("POST", "PUT", "PATCH") else None
            answer = emulator.api.request(method, path, json=body)
            assert answer.status_code == status, (method, path, answer.text)
            [error] = answer.json()
            assert error["error_key"] == NOT_EMULATED_KEY
            assert f"{method} /v3{template} is not emulated" in error["error_message"]
            assert family in error["error_message"]


def test_a_missing_token_is_401_except_on_partner_operations(emulator: Emulator) -> None:
    with httpx.Client(base_url=f"{emulator.base_url}/v3") as anonymous:
        assert anonymous.get("/events").status_code == 401
        assert anonymous.get("/automations/workflows").status_code == 401
        # partner calls carry partner credentials the emulator never issues
        assert anonymous.get("/partner/accounts").status_code == 403
