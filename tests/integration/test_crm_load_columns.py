"""`crm load` writes a batch of valid rows as columns (crm/builtin/fresh.py): what it stores
is what the row-by-row writer stores for the same rows, and a batch mixing new and known
ids still updates the known ones field by field."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from listbridge.core.accounts import FieldType
from listbridge.core.errors import InvalidFileError
from listbridge.core.journal import Side
from listbridge.core.row_columns import RecordBlock
from listbridge.core.rows import RawRow, RowValidator, ValidRow
from listbridge.crm.builtin.csvfile import read_csv, read_csv_chunks
from listbridge.crm.builtin.fields import add_field
from listbridge.crm.builtin.load import load_file
from listbridge.crm.builtin.records import ACCOUNTS, FIELDS, VALUES, FieldCatalog
from listbridge.crm.builtin.upsert import BatchWriter
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.journal import history
from listbridge.store.models import JournalEntry
from listbridge.store.runs import start_run

HEADER = (
    "id", "type", "first_name", "last_name", "company_name", "email", "email2",
    "email_opt_out", "do_not_contact", "created_at", "origin_detail",
    "custom.Level", "custom.Gift", "custom.Since", "custom.Active", "custom.Notes",
)  # fmt: skip
CELLS = [
    # a household sharing one address, in two cases; one of them opted out
    ("H1", "individual", "Ann", "Lee", "", "home@example.org", "", "no", "no", "", "",
     "Gold", "12.50", "2024-03-31", "y", "prefers post"),
    ("H2", "", "Bo", "Lee", "", "Home@Example.org", "bo@work.example.com", "yes", "", "", "",
     "", "1E+3", "", "", ""),
    ("O1", "Organization", "", "", "Acme", "info@acme.example.com", "", "", "", "", "",
     "Silver", "", "Mar 31, 2024", "FALSE", ""),
    # exported earlier: its creation time and origin come from the file
    ("X1", "individual", "Zoë", "Müller", "", "zoe@example.de", "", "n", "1",
     "2023-01-02T03:04:05Z", "old.csv", "", "0", "", "no", "Grüße"),
]  # fmt: skip
NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def _raws() -> list[RawRow]:
    return [RawRow("f.csv", n + 2, dict(zip(HEADER, c, strict=True))) for n, c in enumerate(CELLS)]


def _connection(store: Store, name: str) -> int:
    cid = connection_id(store, name)
    add_field(store, cid, "Level", FieldType.CHOICE, ["Gold", "Silver"])
    add_field(store, cid, "Gift", FieldType.NUMBER)
    add_field(store, cid, "Since", FieldType.DATE)
    add_field(store, cid, "Active", FieldType.BOOLEAN)
    return cid


def _write(store: Store, cid: int, by_columns: bool) -> int:
    run_id = start_run(store, cid, "crm_load", "pytest")
    with store.session() as session:
        catalog = FieldCatalog.read(session, cid)
        writer = BatchWriter(session, cid, run_id, catalog, "f.csv", NOW)
        validator = RowValidator(catalog.defs)
        if by_columns:
            block = validator.validate_columns(_raws())
            assert block is not None
            writer.write_columns(block)
        else:
            rows = [validator.validate(r) for r in _raws()]
            writer.write([r for r in rows if isinstance(r, ValidRow)])
        assert writer.tally.created == len(CELLS)
    return run_id


def _stored(store: Store, cid: int, run_id: int) -> dict[str, Any]:
    """What a connection holds, its run's id in the accounts' `created_run_id` as RUN."""
    journal = JournalEntry.__table__
    with store.session() as session:
        accounts = session.execute(
            select(ACCOUNTS).where(ACCOUNTS.c.connection_id == cid).order_by(ACCOUNTS.c.id)
        ).all()
        values = session.execute(
            select(VALUES.c.account_id, FIELDS.c.name, VALUES.c.value)
            .join(FIELDS, FIELDS.c.id == VALUES.c.field_id)
            .where(VALUES.c.connection_id == cid)
            .order_by(VALUES.c.account_id, FIELDS.c.name)
        ).all()
        entries = session.execute(
            select(journal.c.record_id).where(journal.c.connection_id == cid)
        ).all()
    return {
        # without the connection; the run that created each account, named
        "accounts": [
            (*row[1:-1], "RUN" if row.created_run_id == run_id else row.created_run_id)
            for row in accounts
        ],
        "values": [tuple(row) for row in values],
        "journal": [tuple(row) for row in entries],
    }


def test_columns_store_what_the_row_writer_stores(store: Store) -> None:
    by_rows, by_columns = _connection(store, "rows"), _connection(store, "columns")
    rows_run = _write(store, by_rows, by_columns=False)
    columns_run = _write(store, by_columns, by_columns=True)
    expected = _stored(store, by_rows, rows_run)
    assert _stored(store, by_columns, columns_run) == expected
    assert ("H2", "Gift", "1000") in expected["values"]
    assert ("O1", "Active", "false") in expected["values"]
    # Each account is marked with its load's run; the load's own entry (load.py) stands
    # for their "created" entries, so the writer itself journals none.
    assert [a[-1] for a in expected["accounts"]] == ["RUN"] * len(CELLS)
    assert expected["journal"] == []


def test_a_batch_of_new_and_known_ids_creates_the_new_and_journals_each_update(
    store: Store, tmp_path: Path
) -> None:
    cid = connection_id(store, "default")
    first = tmp_path / "first.csv"
    first.write_text("id,first_name,email\nK1,Ann,ann@example.org\n", encoding="utf-8")
    load_file(store, cid, first, started_by="pytest")
    second = tmp_path / "second.csv"
    second.write_text(
        "id,first_name,email\nN1,Bo,bo@example.org\nK1,Anne,ann@example.org\n"
        "N2,Cy,ANN@example.org\n",
        encoding="utf-8",
    )
    result = load_file(store, cid, second, started_by="pytest")
    assert (result.created, result.updated, result.unchanged) == (2, 1, 0)
    known = [
        (e.change.field, e.change.old, e.change.new) for e in history(store, cid, Side.CRM, "K1")
    ]
    assert known == [("*", None, "created"), ("first_name", "Ann", "Anne")]
    new = [(e.change.field, e.change.new) for e in history(store, cid, Side.CRM, "N2")]
    assert new == [("*", "created")]


MIXED = (
    "id,first_name,email,custom.Formula\n"
    "A1,Ann,ann@example.org,\n"
    "\n"
    'A2,"Lee, Bo",bo@example.org,\n'
    "A3,Cy,cy@example.org,'=SUM(1)\n"  # a cell an export neutralised
    "A4,Zoë,zoe@example.org,,stray\n"  # a value under no column name
    "A5,D\udcffan,dan@example.org,\n"  # a byte that is not UTF-8
    ",,,\n"
    "A6,Eve,eve@example.org,"  # no line break at the end
)


def _flat(chunks: Any) -> list[RawRow]:
    rows: list[RawRow] = []
    for chunk in chunks:
        if isinstance(chunk, RecordBlock):
            pairs = zip(chunk.numbers, chunk.records, strict=True)
            rows += [
                RawRow(chunk.source, n, dict(zip(chunk.header, r, strict=True))) for n, r in pairs
            ]
        else:
            rows += chunk
    return rows


@pytest.mark.parametrize("size", [1, 2, 3, 100])
def test_a_csv_read_in_chunks_gives_the_rows_of_the_row_reader(tmp_path: Path, size: int) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes(MIXED.encode("utf-8", "surrogateescape"))
    chunks = list(read_csv_chunks(path, size))
    assert _flat(chunks) == list(read_csv(path))
    assert [r.row for r in _flat(chunks)] == [2, 4, 5, 6, 7, 9]
    if size == 1:  # a regular record alone is a block
        assert isinstance(chunks[0], RecordBlock)


def test_a_quote_never_closed_is_named_alike_read_in_chunks(tmp_path: Path) -> None:
    path = tmp_path / "open.csv"
    path.write_text('id,first_name\nA1,Ann\nA2,"Bo\nA3,Cy\n', encoding="utf-8")
    with pytest.raises(InvalidFileError) as whole:
        list(read_csv(path))
    with pytest.raises(InvalidFileError) as chunked:
        list(read_csv_chunks(path, 2))
    assert chunked.value.errors == whole.value.errors
    assert [(e.row, e.column) for e in chunked.value.errors] == [(3, "first_name")]
