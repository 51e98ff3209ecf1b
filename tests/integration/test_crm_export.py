"""`crm export`, and acceptance 2: load → export → load elsewhere → export is identical."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from listbridge.core.accounts import CUSTOM_PREFIX, EXPORT_ONLY_COLUMNS, STANDARD_COLUMNS, FieldType
from listbridge.core.rows import MAX_LENGTHS
from listbridge.core.values import format_number
from listbridge.crm.builtin.demo_data import write_sample_file
from listbridge.crm.builtin.export import ExportFormat, export_accounts
from listbridge.crm.builtin.fields import add_field
from listbridge.crm.builtin.load import load_file
from listbridge.store.connections import connection_id
from listbridge.store.db import Store


def test_sample_export_loads_back_identically_into_a_fresh_database(cli, tmp_path: Path) -> None:
    assert cli("crm", "load", str(write_sample_file(tmp_path))).exit_code == 0
    first = cli("crm", "export", "--format", "json")
    assert first.exit_code == 0, first.output
    (tmp_path / "export.json").write_text(first.stdout, encoding="utf-8")
    fresh = type(cli)(f"sqlite:///{tmp_path / 'fresh.db'}")
    loaded = fresh("crm", "load", str(tmp_path / "export.json"))
    assert loaded.exit_code == 0, loaded.output
    assert "400 created" in loaded.stdout
    again = fresh("crm", "export", "--format", "json")
    assert again.stdout == first.stdout
    # And on the same backend: a connection of its own is a CRM of its own.
    assert cli("--connection", "fresh", "crm", "load", str(tmp_path / "export.json")).exit_code == 0
    assert cli("--connection", "fresh", "crm", "export", "--format", "json").stdout == first.stdout
    accounts = json.loads(first.stdout)
    assert len(accounts) == 400
    assert list(accounts[0]) == [
        *STANDARD_COLUMNS,
        "custom.Donations",
        "custom.Member Level",
        "custom.Volunteer Since",
        *EXPORT_ONLY_COLUMNS,
    ]
    assert {type(a["deceased"]) for a in accounts} == {bool}
    assert accounts[0]["created_at"].endswith("Z")


def test_csv_export_neutralises_formulas_and_loads_back(cli, tmp_path: Path) -> None:
    rows = "id,first_name,last_name,phone1,custom.Note\nF1,=HYPERLINK(1),@sum,+1 555,-x\n"
    (tmp_path / "in.csv").write_text(rows, encoding="utf-8")
    assert cli("crm", "load", str(tmp_path / "in.csv")).exit_code == 0
    out = tmp_path / "out.csv"
    assert cli("crm", "export", "--format", "csv", "--out", str(out)).exit_code == 0
    with out.open(encoding="utf-8", newline="") as handle:
        [row] = list(csv.DictReader(handle))
    names = (row["first_name"], row["last_name"], row["phone1"])
    assert names == ("'=HYPERLINK(1)", "'@sum", "'+1 555")
    assert row["custom.Note"] == "'-x"
    assert row["deceased"] == "false"
    fresh = type(cli)(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert fresh("crm", "load", str(out)).exit_code == 0
    expected = cli("crm", "export", "--format", "json").stdout
    assert fresh("crm", "export", "--format", "json").stdout == expected


def test_export_of_an_empty_crm(cli) -> None:
    assert json.loads(cli("crm", "export", "--format", "json").stdout) == []
    assert cli("crm", "export").stdout.startswith("id,type,first_name")


# -- the round-trip property, on both backends ---------------------------------------------

TEXT = st.characters(blacklist_categories=("Cs", "Cc"))


def text(limit: int, min_size: int = 0) -> st.SearchStrategy[str]:
    return st.text(TEXT, min_size=min_size, max_size=min(limit, 30)).filter(
        lambda s: s == s.strip()
    )


NUMBERS = st.decimals(
    allow_nan=False, allow_infinity=False, places=3, min_value=-(10**9), max_value=10**9
)
CHOICES = ["Gold", "Ŝilver", "=Bronze"]
FIELDS = {
    "Gift": (FieldType.NUMBER, NUMBERS),
    "Since": (FieldType.DATE, st.dates(min_value=date(1900, 1, 1))),
    "Active": (FieldType.BOOLEAN, st.booleans()),
    "Level": (FieldType.CHOICE, st.sampled_from(CHOICES)),
    "Nötes ✓": (FieldType.TEXT, text(200, min_size=1)),
}


@st.composite
def accounts(draw: st.DrawFn) -> list[dict[str, object]]:
    ids = draw(st.lists(text(100, min_size=1), min_size=1, max_size=4, unique=True))
    return [draw(account(account_id)) for account_id in ids]


@st.composite
def account(draw: st.DrawFn, account_id: str) -> dict[str, object]:
    row: dict[str, object] = {"id": account_id}
    for column in ("first_name", "middle_name", "last_name", "title", "city", "phone1", "zip"):
        row[column] = draw(text(MAX_LENGTHS[column]))
    if draw(st.booleans()):
        row.update(type="organization", company_name=draw(text(200, min_size=1)))
    row["email"] = draw(st.sampled_from(["", "Ann@Example.org", "zoë@exämple.org"]))
    row["deceased"] = draw(st.booleans())
    for name, (kind, values) in FIELDS.items():
        value = draw(st.none() | values)
        row[CUSTOM_PREFIX + name] = None if value is None else _json_value(kind, value)
    row["created_at"] = draw(st.datetimes(timezones=st.just(UTC))).isoformat()
    return row


def _json_value(kind: FieldType, value: object) -> object:
    if kind is FieldType.NUMBER:
        return str(value)
    if kind is FieldType.DATE:
        return value.isoformat()  # type: ignore[attr-defined]
    return value


@given(data=accounts())
@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_accounts_survive_json_and_csv_round_trips(
    store: Store, tmp_path: Path, data: list[dict[str, object]]
) -> None:
    # Each example gets its own connections: every CRM table is scoped by connection.
    tag = uuid.uuid4().hex[:8]
    source = connection_id(store, f"src-{tag}")
    for name, (kind, _) in FIELDS.items():
        add_field(store, source, name, kind, CHOICES if kind is FieldType.CHOICE else ())
    path = tmp_path / f"{tag}.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in data), encoding="utf-8")
    load_file(store, source, path, started_by="pytest")
    first = _export(store, source, ExportFormat.JSON)
    _check_values(json.loads(first), data)
    for fmt in (ExportFormat.JSON, ExportFormat.CSV):
        target = connection_id(store, f"{fmt}-{tag}")
        copy = tmp_path / f"{tag}.{fmt}"
        copy.write_text(_export(store, source, fmt), encoding="utf-8", newline="")
        load_file(store, target, copy, started_by="pytest")
        assert _export(store, target, ExportFormat.JSON) == first


def _export(store: Store, cid: int, fmt: ExportFormat) -> str:
    out = io.StringIO(newline="")
    export_accounts(store, cid, out, fmt)
    return out.getvalue()


def _check_values(exported: list[dict[str, object]], data: list[dict[str, object]]) -> None:
    given = {row["id"]: row for row in data}
    assert sorted(a["id"] for a in exported) == sorted(given)  # type: ignore[type-var]
    for item in exported:
        row = given[item["id"]]
        assert item["first_name"] == row["first_name"]
        assert item["deceased"] is row["deceased"]
        active, gift = row["custom.Active"], row["custom.Gift"]
        assert item["custom.Active"] == (None if active is None else str(active).lower())
        assert item["custom.Gift"] == (None if gift is None else _canonical(str(gift)))
        created = datetime.fromisoformat(str(row["created_at"]))
        assert item["created_at"] == created.isoformat().replace("+00:00", "Z")


def _canonical(number: str) -> str:
    return format_number(Decimal(number))


def test_typed_custom_fields_export_identically_to_a_crm_where_they_are_text(
    cli, tmp_path: Path
) -> None:
    assert cli("demo").exit_code == 0  # defines Donations (number), Volunteer Since (date), …
    first = cli("crm", "export", "--format", "json").stdout
    (tmp_path / "export.json").write_text(first, encoding="utf-8")
    assert cli("--connection", "text", "crm", "load", str(tmp_path / "export.json")).exit_code == 0
    assert "Donations\ttext" in cli("--connection", "text", "crm", "fields", "ls").stdout
    assert cli("--connection", "text", "crm", "export", "--format", "json").stdout == first
