"""Acceptance 3: each kind of bad input exits 2 naming row and column, and changes nothing.

Every case starts from a loaded CRM; the bad file also updates a stored account
and adds a new one in its valid rows, so a partial write would show in the dump.
`--skip-invalid` then loads exactly those valid rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from listbridge.store.db import Store
from listbridge.store.models import (
    CrmAccount,
    CrmCustomField,
    CrmCustomValue,
    JournalEntry,
    Run,
    RunError,
)

BASE = "id,first_name,email,custom.Gift\nA1,Ann,ann@example.org,10\nA2,Bo,bo@example.org,\n"
GOOD = ["A1,Annie,ann@example.org,11", "N1,New,new@example.org,5"]


def csv_file(
    bad_line: str, header: str = "id,first_name,email,custom.Gift"
) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / "bad.csv"
        path.write_text("\n".join([header, GOOD[0], bad_line, GOOD[1]]) + "\n", encoding="utf-8")
        return path

    return make


def undecodable(tmp: Path) -> Path:
    """A UTF-8 file with one value pasted in from a Windows-1252 one: read as UTF-8 (its
    Zoë is), the pasted value cannot be (a whole Windows-1252 file loads: issue 21)."""
    path = tmp / "bad.csv"
    rows = ["id,first_name,email,custom.Gift", GOOD[0], "B1,\x00 Zoë,b@example.org,1", GOOD[1]]
    text = "\n".join(rows) + "\n"
    path.write_bytes(text.replace("\x00", "\x01").encode().replace(b"\x01", b"Ren\xe9e"))
    return path


def jsonl_file(tmp: Path) -> Path:
    good = [
        {"id": "A1", "first_name": "Annie", "email": "ann@example.org", "custom.Gift": 11},
        {"id": "N1", "first_name": "New", "email": "new@example.org", "custom.Gift": 5},
    ]
    lines = [json.dumps(good[0]), '{"id": "B1", "first_name": "Oops",', json.dumps(good[1])]
    path = tmp / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def xlsx_file(tmp: Path) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["id", "first_name", "email", "custom.Gift"])
    sheet.append(["A1", "Annie", "ann@example.org", 11])
    sheet.append(["B1", "Err", "b@example.org", "#DIV/0!"])
    sheet.append(["N1", "New", "new@example.org", 5])
    book.save(tmp / "bad.xlsx")
    return tmp / "bad.xlsx"


# (file maker, file name, row, column, words of the reason)
CASES = {
    "bad email": (csv_file("B1,Bad,bad@@example.org,1"), 3, "email", "not a valid email"),
    "bad boolean": (
        csv_file("B1,Bad,b@example.org,1,maybe", "id,first_name,email,custom.Gift,deceased"),
        3,
        "deceased",
        "not a yes/no value",
    ),
    "unknown column": (  # the header names it, so its row 1 is named
        csv_file("B1,Bad,b@example.org,1,x", "id,first_name,email,custom.Gift,nickname"),
        1,
        "nickname",
        "unknown column",
    ),
    "duplicate id": (csv_file("A1,Again,again@example.org,1"), 3, "id", "duplicate id 'A1'"),
    "wrong custom type": (csv_file("B1,Bad,b@example.org,lots"), 3, "custom.Gift", "not a number"),
    "over-long value": (
        csv_file("B1," + "x" * 101 + ",b@example.org,1"),
        3,
        "first_name",
        "limit of 100",
    ),
    "unreadable encoding": (undecodable, 3, "first_name", "not UTF-8"),
    "bad JSON line": (jsonl_file, 2, "(whole row)", "not valid JSON"),
    "bad xlsx cell": (xlsx_file, 3, "custom.Gift", "spreadsheet error #DIV/0!"),
}


def dump(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the CRM tables and the journal, in key order."""
    tables = {
        "accounts": (CrmAccount, (CrmAccount.connection_id, CrmAccount.id)),
        "fields": (CrmCustomField, (CrmCustomField.id,)),
        "values": (CrmCustomValue, (CrmCustomValue.account_id, CrmCustomValue.field_id)),
        "journal": (JournalEntry, (JournalEntry.id,)),
    }
    found: dict[str, list[tuple[object, ...]]] = {}
    with store.session() as session:
        for name, (model, order) in tables.items():
            columns = list(model.__table__.columns)
            found[name] = [tuple(r) for r in session.execute(select(*columns).order_by(*order))]
    return found


@pytest.fixture
def loaded(cli, tmp_path: Path, store: Store):
    cli("crm", "fields", "add", "Gift", "--type", "number")
    (tmp_path / "base.csv").write_text(BASE, encoding="utf-8")
    assert cli("crm", "load", str(tmp_path / "base.csv")).exit_code == 0
    return cli


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exits_2_naming_row_and_column_and_changes_nothing(
    loaded, store: Store, tmp_path: Path, case: str
) -> None:
    make, row, column, reason = CASES[case]
    path = make(tmp_path)
    before = dump(store)
    done = loaded("crm", "load", str(path))
    assert done.exit_code == 2, done.output
    assert f"{path}: row {row}" in done.stderr
    assert f"column '{column}'" in done.stderr
    assert reason in done.stderr
    assert "nothing was loaded" in done.stderr
    assert "Traceback" not in done.stderr
    assert dump(store) == before
    with store.session() as session:
        run = session.scalars(select(Run).order_by(Run.id.desc())).first()
        errors = session.scalars(select(RunError).where(RunError.run_id == run.id)).all()
    assert run.status == "failed"
    assert (errors[0].row, errors[0].field) == (row, column)


@pytest.mark.parametrize("case", sorted(CASES))
def test_skip_invalid_loads_the_valid_rows_and_reports_the_rest(
    loaded, store: Store, tmp_path: Path, case: str
) -> None:
    make, row, column, _ = CASES[case]
    before = dump(store)
    done = loaded("crm", "load", str(make(tmp_path)), "--skip-invalid")
    assert f"row {row}" in done.stderr
    if case == "unknown column":
        # An unknown column is the file's fault: it is refused whole, skipping or not.
        assert done.exit_code == 2, done.output
        assert "the file is refused; nothing was loaded" in done.stderr
        assert dump(store) == before
        return
    assert done.exit_code == 0, done.output
    assert "1 created, 1 updated, 0 unchanged, 1 invalid" in done.stdout
    names = {a[1]: a[3] for a in dump(store)["accounts"]}
    assert (names["A1"], names["N1"]) == ("Annie", "New")
    assert "B1" not in names
    with store.session() as session:
        run = session.scalars(select(Run).order_by(Run.id.desc())).first()
        errors = session.scalars(select(RunError).where(RunError.run_id == run.id)).all()
    assert run.status == "partial"
    assert [(e.row, e.field) for e in errors] == [(row, column)]
