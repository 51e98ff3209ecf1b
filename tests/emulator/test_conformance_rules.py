"""The rules of the schemathesis run: what it covers and what it forgives (issue 22)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support import ccspec
from tests.support.conformance_lifecycle import lifecycles
from tests.support.conformance_run import ALL_CHECKS, covered_operations, served_routes
from tests.support.conformance_tally import Finding, tolerance_for

DEVIATIONS = Path(__file__).resolve().parents[2] / "docs" / "emulator-deviations.md"


def _table_rows() -> set[str]:
    return set(re.findall(r"^\| (\d+) \|", DEVIATIONS.read_text(encoding="utf-8"), re.M))


def test_every_tolerated_failure_is_a_row_of_the_deviations_table() -> None:
    rows = _table_rows()
    for row in ccspec.TOLERATED_FAILURES:
        assert row in rows, f"row {row} of TOLERATED_FAILURES is not in {DEVIATIONS.name}"
        assert f"row {row}" in ccspec.TOLERANCES, row


def test_every_check_of_schemathesis_is_run() -> None:
    names = {check.__name__ for check in ALL_CHECKS}
    assert {
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
        "positive_data_acceptance",
        "missing_required_header",
        "unsupported_method",
        "use_after_free",
        "ensure_resource_availability",
        "ignored_auth",
    } <= names


def test_the_covered_operations_are_the_served_ones_of_the_spec() -> None:
    covered = {(op.method, op.template): op for op in covered_operations()}
    assert ("GET", "/contacts/{contact_id}") in covered
    assert ("POST", "/activities/custom_fields_delete") in covered
    # Only paths the emulator routes, with the method it routes.
    shapes = {(m, re.sub(r"\{[^/}]+\}", "{}", t)) for m, t in covered}
    assert shapes <= served_routes()
    # A family answered only to say it is not emulated is checked for its errors only.
    for (_, template), op in covered.items():
        not_emulated = ("/events", "/partner", "/social", "/automations")
        assert op.emulated == (not template.startswith(not_emulated))


def test_lifecycles_pair_a_create_with_a_read_and_a_delete_by_id() -> None:
    items = {lc.item for lc in lifecycles()}
    assert {"/contacts/{contact_id}", "/contact_lists/{list_id}", "/contact_tags/{tag_id}"} <= items


def _finding(operation: str, check: str, status: int, detail: str) -> Finding:
    return Finding(operation, check, status, f"{operation} ?", detail)


def test_a_failure_is_forgiven_only_by_the_row_that_explains_it() -> None:
    xrefs = "GET /contacts/contact_id_xrefs"
    refusal = "<- sequence_ids: must be comma-separated integers"
    assert tolerance_for(_finding(xrefs, "RejectedPositiveData", 400, refusal)) == "row 24"
    # Another check, status, operation or reason is not forgiven by that row.
    assert tolerance_for(_finding(xrefs, "AcceptedNegativeData", 400, refusal)) is None
    assert tolerance_for(_finding(xrefs, "RejectedPositiveData", 409, refusal)) is None
    assert (
        tolerance_for(_finding("GET /contacts/counts", "RejectedPositiveData", 400, refusal))
        is None
    )
    assert tolerance_for(_finding(xrefs, "RejectedPositiveData", 400, "<- other")) is None
    assert tolerance_for(_finding(xrefs, "ServerError", 500, refusal)) is None
