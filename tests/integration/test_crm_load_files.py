"""`crm load` of files that are broken as files: an unclosed quote, a value past the CSV
reader's limit, a header naming nothing loadable, a workbook whose accounts are not
where the load looks, cells only Excel could have filled in.

Each case exits 2 naming file, row (or sheet and cell), column and reason, and leaves
the stored CRM as it was; well-formed files that look alike still load.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select
from tests.integration.test_crm_bad_input import BASE, dump

from listbridge.core.errors import InvalidFileError
from listbridge.crm.builtin.files import read_rows
from listbridge.store.db import Store
from listbridge.store.models import Run, RunError

HEADER = "id,first_name,email,custom.Gift"
NOTHING = "nothing was loaded"
GOOD = ["A1,Annie,ann@example.org,11", "N1,New,new@example.org,5"]


@pytest.fixture
def loaded(cli, tmp_path: Path, store: Store):
    cli("crm", "fields", "add", "Gift", "--type", "number")
    (tmp_path / "base.csv").write_text(BASE, encoding="utf-8")
    assert cli("crm", "load", str(tmp_path / "base.csv")).exit_code == 0
    return cli


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="")
    return path


def refused(cli, store: Store, path: Path, *words: str, skip: bool = False) -> str:
    """Loads `path`, checks it exits 2 saying `words` and changing nothing; returns stderr."""
    before = dump(store)
    done = cli("crm", "load", str(path), *(["--skip-invalid"] if skip else []))
    assert done.exit_code == 2, done.output
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr
    assert dump(store) == before
    return done.stderr


def last_run_errors(store: Store) -> tuple[str, list[tuple[int | None, str | None]]]:
    with store.session() as session:
        run = session.scalars(select(Run).order_by(Run.id.desc())).first()
        assert run is not None
        errors = session.scalars(select(RunError).where(RunError.run_id == run.id)).all()
        return run.status, [(e.row, e.field) for e in errors]


# A quote that opens a value and is never closed


@pytest.mark.parametrize("skip", [False, True])
def test_an_unclosed_quote_refuses_the_file_naming_where_it_opens(
    loaded, store: Store, tmp_path: Path, skip: bool
) -> None:
    # The record on line 2 spans two lines legitimately, so the next starts on line 4: its
    # row number is that line, as a text editor shows the file.
    rows = [HEADER, 'A1,"Annie\nJr",ann@example.org,11', 'B1,"Oops,b@example.org,1', GOOD[1]]
    path = write(tmp_path / "bad.csv", "\n".join(rows) + "\n")
    stderr = refused(
        loaded, store, path, f"{path}: row 4", "column 'first_name'", "line 4", "never closed",
        NOTHING, skip=skip,
    )  # fmt: skip
    assert "N1" not in stderr
    assert last_run_errors(store) == ("failed", [(4, "first_name")])


@pytest.mark.parametrize(
    ("text", "row", "column"),
    [
        ('id,first_name\nA1,"Ann', 2, "first_name"),  # no newline at the end
        ('id,first_name\nA1,"Ann""\n', 2, "first_name"),  # "" is a quote in the value
        ('id,first_name,email\nA1,Ann,"\n', 2, "email"),  # the last cell opens a quote
        ('id,first_name,"email\nA1,Ann,a@example.org\n', 1, "#3"),  # in the header
    ],
)
def test_every_shape_of_unclosed_quote_is_found(
    tmp_path: Path, text: str, row: int, column: str
) -> None:
    path = write(tmp_path / "bad.csv", text)
    with pytest.raises(InvalidFileError) as raised:
        list(read_rows(path))
    (error,) = raised.value.errors
    assert (error.row, error.column) == (row, column)
    assert "never closed" in error.reason


def test_quoted_values_spanning_lines_still_load(cli, store: Store, tmp_path: Path) -> None:
    text = (
        'id,first_name,address_line1\r\nM1,Ann,"1 Main St\r\nApt 2"\r\n'
        'M2,"Bo ""B""",x\r\nM3,Cy,"end\n"'
    )
    done = cli("crm", "load", str(write(tmp_path / "multi.csv", text)))
    assert done.exit_code == 0, done.output
    assert "3 created, 0 updated, 0 unchanged, 0 invalid" in done.stdout
    accounts = {a[1]: (a[3], a[14]) for a in dump(store)["accounts"]}
    assert accounts["M1"][1] == "1 Main St\r\nApt 2"
    assert accounts["M2"][0] == 'Bo "B"'
    assert accounts["M3"][1] == "end"  # trimmed, like every value


def test_a_row_is_numbered_by_the_line_it_starts_on(cli, store: Store, tmp_path: Path) -> None:
    """Lines 2-3 are one record (a quoted address with a line break), line 4 is blank: the
    bad email on line 5 is row 5, in the load's message, its run and `read_rows` alike."""
    text = 'id,first_name,email\nA1,"Ann\r\nJr",a@example.org\n\nB1,Bo,not-an-address\n'
    path = write(tmp_path / "lines.csv", text)
    done = cli("crm", "load", str(path), "--skip-invalid")
    assert done.exit_code == 0, done.output
    assert "row 5 (id B1), column 'email':" in " ".join(done.stderr.split())
    assert last_run_errors(store) == ("partial", [(5, "email")])
    assert [row.row for row in read_rows(path)] == [2, 5]


# A value past the csv module's field limit


def test_a_value_past_the_csv_field_limit_names_row_and_column(
    loaded, store: Store, tmp_path: Path
) -> None:
    big = "x" * (131_072 + 1)  # the csv module's default limit, plus one
    path = write(tmp_path / "bad.csv", "\n".join([HEADER, GOOD[0], f"B1,{big},b@example.org,1"]))
    refused(
        loaded,
        store,
        path,
        f"{path}: row 3",
        "column 'first_name'",
        "longer than the limit of 100",
        NOTHING,
    )


def test_a_huge_custom_value_names_row_and_column(loaded, store: Store, tmp_path: Path) -> None:
    huge = "y" * (1 << 21)
    rows = [HEADER + ",custom.Notes", GOOD[0] + ",ok", f"B1,Bo,b@example.org,1,{huge}", GOOD[1]]
    path = write(tmp_path / "bad.csv", "\n".join(rows) + ",\n")
    refused(loaded, store, path, f"{path}: row 3", "column 'custom.Notes'", "characters", NOTHING)


def test_an_unclosed_quote_in_a_huge_file_names_row_and_column(
    loaded, store: Store, tmp_path: Path
) -> None:
    rows = [HEADER, GOOD[0], 'B1,Bo,"b@example.org,1'] + [GOOD[1]] * 60_000
    path = write(tmp_path / "bad.csv", "\n".join(rows) + "\n")
    refused(loaded, store, path, f"{path}: row 3", "column 'email'", "never closed", NOTHING)


# Headers that name nothing loadable; workbooks


def test_a_header_of_unknown_columns_is_refused_even_without_rows(
    loaded, store: Store, tmp_path: Path
) -> None:
    path = write(tmp_path / "hello.csv", "hello\n")
    refused(loaded, store, path, f"{path}: row 1", "column 'hello'", "unknown column", NOTHING)
    assert last_run_errors(store) == ("failed", [(1, "hello")])


def test_a_header_of_known_columns_without_rows_loads_nothing(cli, tmp_path: Path) -> None:
    done = cli("crm", "load", str(write(tmp_path / "empty.csv", "id,email,custom.Gift\n")))
    assert done.exit_code == 0, done.output
    assert "0 created" in done.stdout


def book_of(*sheets: tuple[str, list[list[object]]]) -> Workbook:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    return book


ACCOUNTS = [["id", "first_name", "email"], ["N1", "New", "new@example.org"]]


@pytest.mark.parametrize(
    "first",
    [[], [["id", "first_name", "email"]], [[None, None]]],
    ids=["empty", "header only", "blank cells"],
)
def test_accounts_on_another_sheet_than_the_one_read_are_named(
    loaded, store: Store, tmp_path: Path, first: list[list[object]]
) -> None:
    book_of(("Sheet1", first), ("Accounts", ACCOUNTS)).save(tmp_path / "two.xlsx")
    refused(loaded, store, tmp_path / "two.xlsx", "sheet 'Sheet1'", "sheet 'Accounts'", NOTHING)


def test_the_active_sheet_is_the_one_loaded(cli, store: Store, tmp_path: Path) -> None:
    book = book_of(("Notes", [["read me"]]), ("Accounts", ACCOUNTS))
    book.active = 1
    book.save(tmp_path / "two.xlsx")
    done = cli("crm", "load", str(tmp_path / "two.xlsx"))
    assert done.exit_code == 0, done.output
    assert "1 created" in done.stdout


def test_a_workbook_with_no_data_at_all_is_refused(loaded, store: Store, tmp_path: Path) -> None:
    book_of(("Sheet1", []), ("Other", [])).save(tmp_path / "none.xlsx")
    refused(loaded, store, tmp_path / "none.xlsx", "sheet 'Sheet1'", "empty")


def formula_book(tmp_path: Path) -> Path:
    rows = [["id", "first_name", "email"], ["B1", "Bo", '=B2&"@example.org"']]
    book_of(("Accounts", [*rows, ACCOUNTS[1]])).save(tmp_path / "f.xlsx")
    return tmp_path / "f.xlsx"


def test_a_formula_without_a_saved_value_names_sheet_and_cell(
    loaded, store: Store, tmp_path: Path
) -> None:
    path = formula_book(tmp_path)
    refused(
        loaded, store, path, f"{path}: row 2", "column 'email'", "sheet 'Accounts', cell C2",
        "formula with no saved value", NOTHING,
    )  # fmt: skip
    skipped = loaded("crm", "load", str(path), "--skip-invalid")
    assert "1 created, 0 updated, 0 unchanged, 1 invalid" in skipped.stdout


def save_values(path: Path, *cells: tuple[str, str]) -> None:
    """What Excel does on saving: store each formula's result beside it."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for ref, value in cells:
        cell = f'<c r="{ref}">'
        start = sheet.index(cell)
        sheet = sheet[:start] + f'<c r="{ref}" t="str">' + sheet[start + len(cell) :]
        sheet = sheet.replace("<v />", f"<v>{value}</v>", 1)
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)


@pytest.mark.parametrize("value", ["bo@example.org", ""])
def test_a_formula_with_a_saved_value_loads_the_value(
    cli, store: Store, tmp_path: Path, value: str
) -> None:
    path = formula_book(tmp_path)
    save_values(path, ("C2", value))
    done = cli("crm", "load", str(path))
    assert done.exit_code == 0, done.output
    assert {a[1]: a[7] for a in dump(store)["accounts"]}["B1"] == value


@pytest.mark.parametrize(("value", "shown"), [(True, "TRUE"), (False, "FALSE")])
def test_a_yes_no_cell_as_id_names_sheet_and_cell(
    loaded, store: Store, tmp_path: Path, value: bool, shown: str
) -> None:
    rows = [*ACCOUNTS, [value, "Bo", "bo@example.org"]]
    book_of(("Accounts", rows)).save(tmp_path / "b.xlsx")
    path = tmp_path / "b.xlsx"
    refused(
        loaded,
        store,
        path,
        f"{path}: row 3",
        "column 'id'",
        "sheet 'Accounts', cell A3",
        shown,
        NOTHING,
    )
