"""`crm load`: every file kind, updates by id, custom fields, runs and journal."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from listbridge.core.accounts import FieldType
from listbridge.core.errors import UserError
from listbridge.core.journal import Side
from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.crm.builtin.demo_data import write_sample_file
from listbridge.crm.builtin.fields import add_field, list_fields
from listbridge.crm.builtin.load import load_file
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.journal import history
from listbridge.store.models import Run

HEADER = "id,type,first_name,last_name,company_name,email,phone1,do_not_contact,custom.Level\n"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding, newline="")
    return path


def load(store: Store, path: Path, **options: bool):
    return load_file(store, connection_id(store, "default"), path, started_by="pytest", **options)


def crm(store: Store) -> BuiltinCrm:
    return BuiltinCrm(store, connection_id(store, "default"))


def test_cli_loads_the_sample_and_records_a_run(cli, store: Store, tmp_path: Path) -> None:
    done = cli("crm", "load", str(write_sample_file(tmp_path)))
    assert done.exit_code == 0, done.output
    assert "400 created, 0 updated, 0 unchanged, 0 invalid" in done.stdout
    with store.session() as session:
        run = session.scalars(select(Run)).one()
    assert (run.kind, run.status) == ("crm_load", "succeeded")
    assert run.counts == {"created": 400, "updated": 0, "unchanged": 0, "invalid": 0}
    assert len(list(crm(store).changed_since(None))) == 400


def test_reloading_the_same_file_changes_nothing(cli, store: Store, tmp_path: Path) -> None:
    sample = str(write_sample_file(tmp_path))
    cli("crm", "load", sample)
    before = {a.id: a for a in crm(store).changed_since(None)}
    again = cli("crm", "load", sample)
    assert "0 created, 0 updated, 400 unchanged" in again.stdout
    assert {a.id: a for a in crm(store).changed_since(None)} == before


def test_reloading_an_id_updates_only_the_given_columns_and_journals_them(
    store: Store, tmp_path: Path
) -> None:
    first = write(tmp_path / "a.csv", HEADER + "A1,,Ann,Lee,,ann@example.org,555,no,Gold\n")
    load(store, first)
    created = crm(store).get("A1")
    update = write(tmp_path / "b.csv", "id,phone1,custom.Level\nA1,556,\n")
    result = load(store, update)
    assert (result.created, result.updated) == (0, 1)
    account = crm(store).get("A1")
    assert account is not None
    assert created is not None
    assert (account.first_name, account.phone1, account.custom) == ("Ann", "556", {})
    assert account.created_at == created.created_at
    assert account.updated_at is not None
    assert created.updated_at is not None
    assert account.updated_at > created.updated_at
    changes = [e.change for e in history(store, connection_id(store, "default"), Side.CRM, "A1")]
    assert [(c.field, c.old, c.new) for c in changes] == [
        ("*", None, "created"),
        ("custom.Level", "Gold", None),
        ("phone1", "555", "556"),
    ]
    assert changes[1].reason == "crm load b.csv"


def test_an_undefined_custom_column_defines_a_text_field(store: Store, tmp_path: Path) -> None:
    load(store, write(tmp_path / "a.csv", "id,custom.Shoe Size\nA1,42.0\n"))
    fields = list_fields(store, connection_id(store, "default"))
    assert [(f.name, f.type) for f in fields] == [("Shoe Size", FieldType.TEXT)]
    assert crm(store).get("A1").custom == {"Shoe Size": "42.0"}  # type: ignore[union-attr]


def test_fields_add_types_the_values_of_a_later_load(cli, store: Store, tmp_path: Path) -> None:
    added = cli("crm", "fields", "add", "Level", "--type", "choice", "--choices", "Gold, Silver")
    assert added.exit_code == 0, added.output
    assert cli("crm", "fields", "add", "Since", "--type", "date").exit_code == 0
    assert cli("crm", "fields", "add", "Since", "--type", "date").exit_code == 2
    assert cli("crm", "fields", "add", "X", "--type", "choice").exit_code == 2
    listed = cli("crm", "fields", "ls")
    assert listed.stdout.splitlines() == ["Level\tchoice  Gold, Silver", "Since\tdate"]
    path = write(tmp_path / "a.csv", "id,custom.Level,custom.Since\nA1,Silver,03/31/2024\n")
    assert cli("crm", "load", str(path)).exit_code == 0
    account = crm(store).get("A1")
    assert account is not None
    assert account.custom == {"Level": "Silver", "Since": date(2024, 3, 31)}


def test_csv_with_bom_and_neutralised_cells_loads_the_original_text(
    store: Store, tmp_path: Path
) -> None:
    text = "id,first_name,phone1\nA1,'=cmd,'+1 555\n"
    load(store, write(tmp_path / "a.csv", text, encoding="utf-8-sig"))
    account = crm(store).get("A1")
    assert account is not None
    assert (account.first_name, account.phone1) == ("=cmd", "+1 555")


def test_xlsx_cells_of_every_kind_load(store: Store, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["id", "first_name", "phone1", "deceased", "custom.Since", "custom.Gift"])
    sheet.append(["X1", "Zoë", 5551234, True, datetime(2024, 3, 31), 12.5])  # noqa: DTZ001
    sheet.append([None, None, None, None, None, None])
    sheet.append([2, "Bo", "+1 555", False, "2020-01-02", 3])
    book.save(tmp_path / "people.xlsx")
    result = load(store, tmp_path / "people.xlsx")
    assert (result.created, result.invalid) == (2, 0)
    first, second = crm(store).get("X1"), crm(store).get("2")
    assert first is not None
    assert second is not None
    assert (first.first_name, first.phone1, first.deceased) == ("Zoë", "5551234", True)
    assert first.custom == {"Since": "2024-03-31", "Gift": "12.5"}
    assert (second.phone1, second.deceased, second.custom["Gift"]) == ("+1 555", False, "3")


def test_jsonl_and_json_array_files_load(store: Store, tmp_path: Path) -> None:
    lines = [
        {"id": "J1", "first_name": "Jo", "email_opt_out": True, "custom.Gift": 10.25},
        {"id": "J2", "type": "organization", "company_name": "Acme", "phone1": None},
    ]
    write(tmp_path / "a.jsonl", "\ufeff" + "\n".join(json.dumps(x) for x in lines) + "\n\n")
    assert load(store, tmp_path / "a.jsonl").created == 2
    array = [{"id": "J3", "first_name": "Al"}, {"id": "J1", "first_name": "Joanna"}]
    write(tmp_path / "b.json", json.dumps(array, indent=2))
    result = load(store, tmp_path / "b.json")
    assert (result.created, result.updated) == (1, 1)
    joanna = crm(store).get("J1")
    assert joanna is not None
    assert (joanna.first_name, joanna.email_opt_out, joanna.custom) == (
        "Joanna",
        True,
        {"Gift": "10.25"},
    )


def test_an_empty_json_array_loads_nothing(store: Store, tmp_path: Path) -> None:
    assert load(store, write(tmp_path / "e.json", " [ ] ")).created == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("people.txt", "id\n1\n", "unsupported file type '.txt'"),
        ("empty.csv", "", "the file is empty"),
        ("twice.csv", "id,email,email\n1,a@b.org,c@d.org\n", "named twice: email"),
        ("broken.xlsx", "not a zip", "not a readable .xlsx"),
    ],
)
def test_unreadable_files_are_user_errors(
    store: Store, tmp_path: Path, name: str, content: str, message: str
) -> None:
    with pytest.raises(UserError, match=message):
        load(store, write(tmp_path / name, content))


def test_missing_file_exits_2(cli, tmp_path: Path) -> None:
    done = cli("crm", "load", str(tmp_path / "nope.csv"))
    assert done.exit_code == 2
    assert "no such file" in done.stderr


def test_custom_fields_of_the_file_are_typed_when_defined(store: Store, tmp_path: Path) -> None:
    cid = connection_id(store, "default")
    add_field(store, cid, "Gift", FieldType.NUMBER)
    load(store, write(tmp_path / "a.csv", "id,custom.Gift\nA1,12.50\n"))
    assert crm(store).get("A1").custom == {"Gift": Decimal("12.5")}  # type: ignore[union-attr]


def test_a_large_file_loads_through_the_progress_display(cli, tmp_path: Path) -> None:
    lines = [f"L{n:06d},Person {n},p{n}@example.org,{'x' * 120}" for n in range(9000)]
    path = write(tmp_path / "large.csv", "id,first_name,email,address_line1\n" + "\n".join(lines))
    assert path.stat().st_size > 1 << 20
    done = cli("crm", "load", str(path))
    assert done.exit_code == 0, done.output
    assert (
        done.stdout.strip()
        == "loaded large.csv: 9000 created, 0 updated, 0 unchanged, 0 invalid (run 1)"
    )
