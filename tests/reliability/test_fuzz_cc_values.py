"""Constant Contact contacts with odd values the specification allows, imported and then
counted in campaign statistics: unicode and formula-like names, empty strings, optional
fields left out, every field at its maximum length (names 50, address 80, phone 25,
street 255, city/state/postal code/country 50).

The emulator takes each contact (it is spec-valid), and our jobs then either store it or
report it by e-mail with a reason: `import --json` and `stats pull --json` exit 0, never a
traceback; a stored account holds the contact's names; `stats show --format csv` writes
no cell a spreadsheet would run as a formula.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from pathlib import Path
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import load_workbook
from tests.constant_contact.conftest import (  # noqa: F401  (fixtures used here)
    cc,
    cc_emulator_config,
    secret_key_file,
    wired,
)
from tests.reliability.fuzz_support import fuzz, outcome_of, tally
from tests.support.campaigns import send
from tests.sync.conftest import Scene, crm_name, scene  # noqa: F401  (fixtures used here)

from listbridge.constant_contact.models import ContactBody
from listbridge.core.spreadsheet import FORMULA_TRIGGERS

RATES = {"open": 0.5, "click": 0.3, "forward": 0.1, "bounce": 0.1, "optout": 0.1}
FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1", "-1", "@SUM(A1)"]
_tags = itertools.count()
# Any character JSON carries, but no lone surrogate (no UTF-8 for it): CC stores text.
chars = st.characters(blacklist_categories=("Cs",))


def up_to(limit: int) -> st.SearchStrategy[str]:
    """Text a field of `limit` characters takes: empty, odd, formula-like, or full."""
    return st.one_of(
        st.just(""),
        st.sampled_from([formula[:limit] for formula in FORMULAS]),
        st.text(chars, max_size=min(limit, 12)),
        st.text(chars, min_size=limit, max_size=limit),
    )


@st.composite
def contact(draw: st.DrawFn, number: int, tag: int) -> dict[str, Any]:
    local = f"p{number}.t{tag}"
    if draw(st.booleans()):  # the address at its maximum of 80 characters
        local = local.ljust(80 - len("@example.org"), "x")
    body: dict[str, Any] = {
        "email_address": {"address": f"{local}@example.org", "permission_to_send": "implicit"},
        "create_source": "Account",
    }
    for field in ("first_name", "last_name", "job_title", "company_name"):
        if draw(st.booleans()):  # optional: left out, or any text up to 50
            body[field] = draw(up_to(50))
    if draw(st.booleans()):
        body["phone_numbers"] = [{"phone_number": draw(up_to(25)), "kind": "home"}]
    if draw(st.booleans()):
        address: dict[str, Any] = {"kind": draw(st.sampled_from(["home", "work", "other"]))}
        for field, limit in (("street", 255), ("city", 50), ("state", 50), ("postal_code", 50),
                             ("country", 50)):  # fmt: skip
            if draw(st.booleans()):
                address[field] = draw(up_to(limit))
        body["street_addresses"] = [address]
    return body


@st.composite
def contacts(draw: st.DrawFn) -> list[dict[str, Any]]:
    tag = next(_tags)
    return [draw(contact(n, tag)) for n in range(draw(st.integers(1, 4)))]


FULL = {
    "email_address": {"address": "p0.full".ljust(68, "x") + "@example.org"},
    "first_name": "Ǆ" * 50, "last_name": "=HYPERLINK(\"http://evil.example\",\"x\")",
    "job_title": "", "company_name": "ﬁ" * 50,
    "phone_numbers": [{"phone_number": "+" + "9" * 24, "kind": "home"}],
    "street_addresses": [{"kind": "home", "street": "s" * 255, "city": "c" * 50,
                          "state": "s" * 50, "postal_code": "9" * 50, "country": "d" * 50}],
    "create_source": "Account",
}  # fmt: skip


@given(made=contacts())
@example(made=[FULL])
# A control character cannot be stored in a sheet: the workbook dropped it and its cell
# became the formula it hid (sync/stats/sheets.py).
@example(made=[{**FULL, "email_address": {"address": "p0.control@example.org"},
                "first_name": '\x01=HYPERLINK("http://evil.example","x")'}])  # fmt: skip
@fuzz(1)
def test_odd_spec_valid_contacts_import_and_count_in_stats_or_are_reported(
    scene: Scene,  # noqa: F811
    tmp_path: Path,
    made: list[dict[str, Any]],
) -> None:
    tag = next(_tags)
    list_id = scene.add_list(f"Fuzz {tag}")
    for body in made:
        body["list_memberships"] = [list_id]
        scene.client.create_contact(ContactBody.model_validate(body))
    imported = scene.cli("import", "--json")
    tally("import", outcome_of(imported))
    assert imported.exit_code == 0, imported.output
    _check_import(scene, json.loads(imported.stdout), made)
    # A campaign's name is the account's own text too, formula-like or not (names are unique).
    name = f"{made[0].get('first_name') or '=1+1'} {tag}"
    send(scene.cc.control, [list_id], name=name, rates=RATES)
    pulled = scene.cli("stats", "pull", "--json")
    tally("stats pull", outcome_of(pulled))
    assert pulled.exit_code == 0, pulled.output
    shown = scene.cli("stats", "show", "--format", "csv")
    assert outcome_of(shown) == "accepted", shown.output
    _no_formula_cells(shown.stdout)
    book = tmp_path / f"stats{tag}.xlsx"
    assert outcome_of(scene.cli("stats", "show", "--format", "xlsx", "--out", str(book))) == (
        "accepted"
    )
    _no_formula_sheet_cells(book)


def _no_formula_sheet_cells(path: Path) -> None:
    """No cell of the workbook is a formula (openpyxl makes one of any text starting '=')."""
    sheet = load_workbook(path).active
    assert sheet is not None
    formulas = [c.value for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


def _check_import(seen: Scene, result: dict[str, Any], made: list[dict[str, Any]]) -> None:
    """Each contact was stored with its names, or reported by address with a reason."""
    reported = {e["email"].lower(): e["reason"] for e in result["errors"]}
    assert all(reason.strip() for reason in reported.values()), result["errors"]
    stored = {a.email.lower(): a for a in seen.accounts()}
    for body in made:
        address = body["email_address"]["address"].lower()
        if address in reported:
            continue
        assert address in stored, (address, result)
        account = stored[address]
        assert (
            account.first_name == body.get("first_name", "").strip()
            or not body.get("first_name", "").strip()
        ), (account.first_name, body.get("first_name"))


def _no_formula_cells(text: str) -> None:
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            if cell and not _number(cell):
                assert not cell.startswith(FORMULA_TRIGGERS), (cell, row)


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True
