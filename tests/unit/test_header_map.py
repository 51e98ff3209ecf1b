"""Headers as exports write them: any spelling of a column, the alias table, --map and
--ignore-column, and a whole-file refusal naming every header that means nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from listbridge.core.column_map_options import column_map_from_toml, parse_map_option
from listbridge.core.errors import InvalidFileError, RowError, UserError
from listbridge.core.header_aliases import ALIASES, FAMILIES, header_key
from listbridge.core.header_map import (
    KNOWN_COLUMNS,
    ColumnMap,
    HeaderMapping,
    HowMatched,
    closest_column,
    map_header,
    target_column,
)
from listbridge.core.header_merges import (
    either_yes,
    merged_cells,
    merged_with_sources,
    named_by_sources,
)
from listbridge.core.values import parse_bool

DOC = Path(__file__).resolve().parents[2] / "docs" / "crm-files.md"
ALL_ALIASES = [(alias, column) for column, aliases in ALIASES.items() for alias in aliases]


def respelt(draw: st.DrawFn, name: str) -> str:
    """`name` with each letter's case and each separator drawn anew."""
    words = re.split(r"[ _\-/()]+", name)
    glue = draw(st.lists(st.sampled_from([" ", "_", "-", "", "  "]), min_size=len(words)))
    joined = "".join(w + g for w, g in zip(words, glue, strict=False)).strip()
    cases = draw(st.lists(st.booleans(), min_size=len(joined), max_size=len(joined)))
    return "".join(c.upper() if up else c.lower() for c, up in zip(joined, cases, strict=True))


@st.composite
def spellings(draw: st.DrawFn, names: list[tuple[str, str]]) -> tuple[str, str]:
    name, column = draw(st.sampled_from(names))
    return respelt(draw, name), column


def columns_of(header: list[str], column_map: ColumnMap | None = None) -> list[str | None]:
    return list(map_header("f.csv", header, column_map or ColumnMap()).columns)


def mapped_or_refusals(header: list[str]) -> HeaderMapping | list[RowError]:
    try:
        return map_header("f.csv", header, ColumnMap())
    except InvalidFileError as refused:
        return refused.errors


def refusals(header: list[str], column_map: ColumnMap | None = None) -> list[tuple[str, str]]:
    with pytest.raises(InvalidFileError) as refused:
        map_header("f.csv", header, column_map or ColumnMap())
    assert {(e.source, e.row) for e in refused.value.errors} == {("f.csv", 1)}
    return [(e.column, e.reason) for e in refused.value.errors]


@given(spellings([(c, c) for c in KNOWN_COLUMNS if c != "id"]))
@settings(max_examples=200)
def test_a_column_in_any_case_and_spacing_is_that_column(drawn: tuple[str, str]) -> None:
    header, column = drawn
    assert columns_of(["id", header]) == ["id", column]


@given(spellings(ALL_ALIASES))
@settings(max_examples=300)
def test_every_alias_in_any_case_and_spacing_is_its_column(drawn: tuple[str, str]) -> None:
    header, column = drawn
    others = [] if column == "id" else ["id"]
    mapped = map_header("f.csv", [*others, header], ColumnMap())
    assert mapped.columns == (*others, column)
    assert mapped.headers[-1].how is HowMatched.ALIAS


def test_the_alias_table_means_one_column_for_each_key() -> None:
    keys = [header_key(alias) for alias, _ in ALL_ALIASES]
    assert len(keys) == len(set(keys)), "two aliases with one key"
    column_keys = {header_key(column) for column in KNOWN_COLUMNS}
    assert not column_keys & set(keys), "an alias spelt like a column"
    assert set(ALIASES) <= set(KNOWN_COLUMNS)
    assert all(set(family) <= set(KNOWN_COLUMNS) for family in FAMILIES)


def test_the_doc_lists_every_alias_under_its_column() -> None:
    text = DOC.read_text(encoding="utf-8")
    table = text.split("| column | aliases |\n|---|---|\n", 1)[1].split("\n\n", 1)[0]
    rows = {}
    for line in table.splitlines():
        match = re.fullmatch(r"\| `([a-z_0-9]+)` \| (.*) \|", line)
        assert match, line
        rows[match[1]] = re.findall(r"`([^`]+)`", match[2])
    assert {column: list(aliases) for column, aliases in ALIASES.items()} == {
        column: rows.get(column) for column in ALIASES
    }


@given(st.lists(st.text(max_size=12), max_size=8, unique_by=str.strip))
@settings(max_examples=300)
def test_any_header_maps_to_distinct_columns_or_is_refused_at_row_1(header: list[str]) -> None:
    mapped = mapped_or_refusals(header)
    if isinstance(mapped, list):
        assert mapped
        assert all(e.row == 1 and e.reason for e in mapped)
        return
    named = [c for c in mapped.columns if c]
    assert len(named) == len(set(named))
    assert len(mapped.headers) == len(header)


def test_a_crm_export_header_maps_without_help() -> None:
    header = ["ID", "Type", "First Name", "Last Name", "Email Address", "Zip Code", "Company"]
    assert columns_of(header) == [
        "id",
        "type",
        "first_name",
        "last_name",
        "email",
        "zip",
        "company_name",
    ]


def test_an_unknown_header_is_refused_whole_with_the_closest_column() -> None:
    found = refusals(["ID", "Frist Name", "Emial Adress", "Colour", "Email"])
    assert [column for column, _ in found] == ["Frist Name", "Emial Adress", "Colour"]
    assert all(reason.startswith("unknown column") for _, reason in found)
    assert "did you mean first_name?" in found[0][1]
    assert "did you mean email?" in found[1][1]
    assert "did you mean" not in found[2][1]
    assert "--map 'Colour=COLUMN' or --ignore-column 'Colour'" in found[2][1]


def test_aliases_of_a_family_fill_its_free_columns_in_their_own_order() -> None:
    header = ["ID", "Home Phone", "Phone", "Mobile", "Email", "Work Email", "Other Email"]
    assert columns_of(header) == ["id", "phone1", "phone3", "phone2", "email", "email2", "email3"]
    how = map_header("f.csv", header, ColumnMap()).headers
    assert [h.how for h in how[1:4]] == [HowMatched.ALIAS, HowMatched.FAMILY, HowMatched.ALIAS]


def test_two_headers_meaning_one_column_are_refused_naming_both() -> None:
    assert refusals(["ID", "Zip", "Postal Code"]) == [
        (
            "Postal Code",
            "'Zip' and 'Postal Code' both mean column zip; "
            "--map one of them to another column or --ignore-column it",
        )
    ]
    assert [c for c, _ in refusals(["id", "Email", "E-mail"])] == ["E-mail"]
    full = ["id", "Email", "Email 2", "Email 3", "Personal Email"]
    assert [c for c, _ in refusals(full)] == ["Personal Email"]


def test_map_and_ignore_come_before_names_and_aliases() -> None:
    column_map = ColumnMap(
        {"Constituent Number": "id", "email": "email2", "Zip Code": "custom.Zip Code"},
        frozenset({"notes", "Last Gift"}),
    )
    header = ["Constituent Number", "Email", "Notes", "Zip Code", "Last Gift", "custom.Level"]
    mapped = map_header("f.csv", header, column_map)
    assert mapped.columns == ("id", "email2", None, "custom.Zip Code", None, "custom.Level")
    hows = [m.how for m in mapped.headers]
    assert hows == [
        HowMatched.MAPPED,
        HowMatched.MAPPED,
        HowMatched.IGNORED,
        HowMatched.MAPPED,
        HowMatched.IGNORED,
        HowMatched.CUSTOM,
    ]


def test_a_map_or_ignore_naming_no_header_is_refused() -> None:
    found = refusals(["id", "Email"], ColumnMap({"Emial": "email"}, frozenset({"Notes"})))
    assert [column for column, _ in found] == ["Notes", "Emial"]
    assert found[0][1] == "--ignore-column names no column of the file; its columns are: id, Email"
    assert found[1][1].startswith("--map names no column of the file")


def test_an_empty_header_cell_is_left_to_the_rows() -> None:
    mapped = map_header("f.csv", ["id", "", "email"], ColumnMap())
    assert mapped.columns == ("id", "", "email")
    assert mapped.headers[1].how is HowMatched.UNNAMED


@pytest.mark.parametrize(
    ("text", "pair"),
    [
        ("Source Header=first_name", ("Source Header", "first_name")),
        (" Given = First Name ", ("Given", "first_name")),
        ("A=B=email", ("A=B", "email")),
        ("Level=custom.Member Level", ("Level", "custom.Member Level")),
        ("Zip=ZIP", ("Zip", "zip")),
    ],
)
def test_map_options(text: str, pair: tuple[str, str]) -> None:
    assert parse_map_option(text) == pair


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no equals sign", 'write it as "Source Header=column"'),
        ("=email", 'write it as "Source Header=column"'),
        ("Given=frist_name", "'frist_name' is not a column (did you mean first_name?)"),
        ("Given=custom.", "'custom.' is not a column"),
    ],
)
def test_bad_map_options_say_what_to_write(text: str, message: str) -> None:
    with pytest.raises(UserError, match=re.escape(message)) as refused:
        parse_map_option(text)
    assert str(refused.value).startswith(f"--map {text!r}: ")


def test_a_map_file_gives_pairs_and_ignored_headers() -> None:
    data = {"columns": {"Constituent": "id", " Mail ": "Email Address"}, "ignore": ["Notes "]}
    assert column_map_from_toml("map.toml", data) == ColumnMap(
        {"Constituent": "id", "Mail": "email"}, frozenset({"Notes"})
    )
    cli = ColumnMap({"Mail": "email2"}, frozenset({"Gift"}))
    assert column_map_from_toml("map.toml", data).merged(cli) == ColumnMap(
        {"Constituent": "id", "Mail": "email2"}, frozenset({"Notes", "Gift"})
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"colums": {}}, "map.toml: unknown key(s) colums; use [columns] and ignore"),
        (
            {"columns": {"A": 1}},
            'map.toml: [columns] must be a table of "Source Header" = "column"',
        ),
        ({"columns": ["A"]}, 'map.toml: [columns] must be a table of "Source Header" = "column"'),
        ({"ignore": "Notes"}, "map.toml: ignore must be a list of headers"),
        ({"columns": {"A": "nickname"}}, "map.toml: [columns] 'A': 'nickname' is not a column"),
    ],
)
def test_a_bad_map_file_names_the_file_and_the_entry(data: dict[str, object], message: str) -> None:
    with pytest.raises(UserError, match=re.escape(message)):
        column_map_from_toml("map.toml", data)


def test_targets_and_suggestions() -> None:
    assert target_column("E-Mail Opt Out") == "email_opt_out"
    assert target_column("Postal Code") == "zip"
    assert closest_column("Postl Code") == "zip"
    assert closest_column("Frist_Name") == "first_name"
    assert closest_column("Favourite Colour") is None


def test_labels_name_the_file_s_header_of_each_column_written_otherwise() -> None:
    mapping = map_header(
        "f.csv", ["id", "Email Address", "First Name", "Notes"], ColumnMap({"Notes": "title"})
    )
    assert mapping.labels == {
        "email": "Email Address",
        "first_name": "First Name",
        "title": "Notes",
    }
    error = RowError("f.csv", 3, "email", "bad", "A1", mapping.labels["email"])
    assert str(error) == "f.csv: row 3 (id A1), column 'Email Address' (email): bad"
    assert str(RowError("f.csv", 3, "id", "bad")) == "f.csv: row 3, column 'id': bad"


def test_two_headers_of_one_opt_out_are_read_as_one() -> None:
    """CiviCRM writes both `Do Not Email` and `No Bulk Emails (User Opt Out)`."""
    header = ["Contact ID", "Do Not Email", "No Bulk Emails (User Opt Out)", "Email Opt Out"]
    mapping = map_header("f.csv", header, ColumnMap())
    # `Email Opt Out` is the column's own name, taken before any alias: the others fold in.
    assert mapping.columns == ("id", None, None, "email_opt_out")
    assert mapping.merges == ((3, 1), (3, 2))
    assert [m.merged_into for m in mapping.headers] == ["", "email_opt_out", "email_opt_out", ""]
    assert merged_cells(["C1", "0", "1", "no"], mapping.merges) == ["C1", "0", "1", "true"]
    assert merged_cells(["C1", "0", "", "no"], mapping.merges) == ["C1", "0", "", "no"]


def test_two_headers_of_another_column_are_still_refused() -> None:
    with pytest.raises(InvalidFileError) as raised:
        map_header("f.csv", ["id", "Is Deceased", "deceased"], ColumnMap())
    assert "both mean column deceased" in str(raised.value)
    # A --map naming an opt-out column says what the user means: no silent merge.
    pairs = {"Flag": "email_opt_out"}
    with pytest.raises(InvalidFileError, match="both mean column email_opt_out"):
        map_header("f.csv", ["id", "Do Not Email", "Flag"], ColumnMap(pairs))


yes_no = st.sampled_from(["", "0", "1", "yes", "No", "x", "TRUE", "n", "maybe", "2"])


@given(yes_no, yes_no)
def test_either_yes_never_loses_an_opt_out_nor_hides_a_bad_value(first: str, second: str) -> None:
    def read(text: str) -> bool | None:
        try:
            return parse_bool(text)
        except ValueError:
            return None

    merged = either_yes(first, second)
    if read(first) is None or read(second) is None:
        assert read(merged) is None  # refused by validation, naming the bad text
        assert merged in (first, second)
    else:
        assert parse_bool(merged) is (parse_bool(first) or parse_bool(second))


@given(yes_no, yes_no, yes_no)
def test_a_merged_cell_that_is_refused_is_traced_to_the_cell_it_came_from(
    kept: str, first: str, second: str
) -> None:
    """What `named_by_sources` names: the cell whose text the merged one holds, when that
    text is no yes/no word (the kept cell's own, unless a folded one's)."""
    cells = ["C1", kept, first, second]
    merged, sources = merged_with_sources(cells, ((1, 2), (1, 3)))
    assert merged == merged_cells(cells, ((1, 2), (1, 3)))
    try:
        parse_bool(merged[1])
    except ValueError:
        assert cells[sources.get(1, 1)] == merged[1]
    else:
        assert sources == {}
    labels = named_by_sources({"email_opt_out": "Kept"}, [None, "email_opt_out"],
                              ["ID", "Kept", "First", "Second"], sources)  # fmt: skip
    assert labels["email_opt_out"] == ["ID", "Kept", "First", "Second"][sources.get(1, 1)]
