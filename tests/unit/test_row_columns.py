"""Rows validated column by column (core/row_columns.py) are the rows the row path accepts.

``RowValidator.validate_columns`` either gives every row of a batch, with the values
the row path gives, or gives up on the batch and leaves the validator as it was, so
that validating the rows one by one then names every reason.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from listbridge.core import row_columns, values
from listbridge.core.accounts import AccountType, CustomFieldDef, FieldType
from listbridge.core.rows import RawRow, RowValidator, ValidRow

FIELDS = {
    "Level": CustomFieldDef("Level", FieldType.CHOICE, ("Gold", "Silver")),
    "Since": CustomFieldDef("Since", FieldType.DATE),
    "Gift": CustomFieldDef("Gift", FieldType.NUMBER),
    "Active": CustomFieldDef("Active", FieldType.BOOLEAN),
}
# Each column: values that pass, then values that fail (a bad word, too long, a NUL…).
CELLS: dict[str, tuple[list[str], list[str]]] = {
    "id": (["A1", "A2", "A3", " A1 ", "a1"], ["", "x" * 101, "B\x00"]),
    "type": (["", "individual", "Organization", " "], ["robot"]),
    "first_name": (["Ann", " Zoë ", ""], ["n" * 101, "a\x00b"]),
    "company_name": (["Acme", ""], ["c" * 201]),
    "email": (
        ["", "ann@example.org", " Ann@Example.org ", "zoë@example.org", "ANN@EXAMPLE.ORG"],
        ["bad@", "a@b.test", "a..b@example.org", "a@example-.org", "x" * 250 + "@e.org"],
    ),
    "email2": (["", "b@example.com"], ["not an email"]),
    "zip": (["", "62701"], ["9" * 21]),
    "deceased": (["", "yes", "No", "1"], ["maybe"]),
    "email_opt_out": (["", "true", "n", "Y"], ["2"]),
    "created_at": (["", "2024-03-31T12:00:00Z", "2024-03-31 08:00:00-04:00"], ["yesterday"]),
    "origin_detail": (["", "old.csv"], ["o" * 201]),
    "custom.Level": (["", "Gold"], ["Bronze"]),
    "custom.Since": (["", "2024-03-31", "Mar 31, 2024"], ["31/31/2024"]),
    "custom.Gift": (["", "12.50", "12.5", "1E+3"], ["1,000"]),
    "custom.Active": (["", "y", "FALSE"], ["perhaps"]),
    "custom.Notes": (["", "free text", "t" * 5000], []),
}
# The id always, so that a batch can be valid; at least one other column.
header = st.lists(st.sampled_from(sorted(set(CELLS) - {"id"})), min_size=1, unique=True).map(
    lambda columns: ["id", *columns]
)


@st.composite
def rows_of(draw: st.DrawFn, columns: list[str]) -> dict[str, str]:
    """Mostly valid cells: at most one column of a row draws from its failing values."""
    failing = draw(st.sampled_from([None, None, None, *columns]))
    return {
        c: draw(st.sampled_from(CELLS[c][1] if c == failing and CELLS[c][1] else CELLS[c][0]))
        for c in columns
    }


@st.composite
def files(draw: st.DrawFn) -> tuple[list[RawRow], list[RawRow]]:
    """Rows of one file, split into two batches (the second may repeat ids of the first)."""
    columns = draw(header)
    rows = draw(st.lists(rows_of(columns), min_size=1, max_size=8))
    raws = [RawRow("f.csv", n + 2, values) for n, values in enumerate(rows)]
    cut = draw(st.integers(0, len(raws)))
    return raws[:cut], raws[cut:]


def _by_rows(validator: RowValidator, raws: list[RawRow]) -> list[ValidRow | list]:
    return [validator.validate(r) for r in raws]


def _batch(validator: RowValidator, raws: list[RawRow]) -> list[ValidRow | list] | None:
    block = validator.validate_columns(raws)
    if block is None:
        return None
    return [ValidRow(block.rows[i], block.account(i), block.columns) for i in range(len(block))]


@given(files())
@settings(max_examples=400)
def test_a_batch_is_accepted_exactly_when_each_of_its_rows_is_and_gives_the_same_accounts(
    batches: tuple[list[RawRow], list[RawRow]],
) -> None:
    by_columns, by_rows = RowValidator(FIELDS), RowValidator(FIELDS)
    for raws in batches:
        expected = _by_rows(by_rows, raws)
        found = _batch(by_columns, raws)
        if found is None:
            # given up: the validator is as before, so the row path reports every reason
            found = _by_rows(by_columns, raws)
            assert not raws or any(isinstance(r, list) for r in expected)
        assert found == expected


def test_a_household_file_of_one_shape_is_one_batch_with_typed_columns() -> None:
    fields = {"Level": CustomFieldDef("Level", FieldType.CHOICE, ("Gold", "Silver"))}
    header = ("id", "type", "first_name", "company_name", "email", "email_opt_out", "custom.Level")
    cells = [
        ("H1", "individual", "Ann", "", "home@example.org", "no", "Gold"),
        ("H2", "", " Bo ", "", "Home@Example.org", "yes", ""),  # same address, other case
        ("O1", "Organization", "", "Acme", "info@acme.example.com", "", "Silver"),
    ]
    raws = [RawRow("f.csv", n + 2, dict(zip(header, c, strict=True))) for n, c in enumerate(cells)]
    block = RowValidator(fields).validate_columns(raws)
    assert block is not None
    assert block.ids == ["H1", "H2", "O1"]
    assert block.standard["type"] == [AccountType.INDIVIDUAL] * 2 + [AccountType.ORGANIZATION]
    assert block.standard["first_name"] == ["Ann", "Bo", ""]
    assert block.standard["email_opt_out"] == [False, True, False]
    assert block.custom == {"Level": ["Gold", None, "Silver"]}
    assert block.picked([2, 0]).ids == ["O1", "H1"]


def test_a_batch_repeating_an_earlier_id_is_left_to_the_row_path_which_names_it() -> None:
    validator = RowValidator({})
    first = [RawRow("f.csv", 2, {"id": "A1", "email": "ann@example.org"})]
    assert validator.validate_columns(first) is not None
    again = [
        RawRow("f.csv", 3, {"id": "A2", "email": "bo@example.org"}),
        RawRow("f.csv", 4, {"id": "A1", "email": "ann@example.org"}),
    ]
    assert validator.validate_columns(again) is None
    assert isinstance(validator.validate(again[0]), ValidRow)
    refused = validator.validate(again[1])
    assert isinstance(refused, list)
    assert [(e.row, e.column, e.reason) for e in refused] == [
        (4, "id", "duplicate id 'A1': already on row 2")
    ]


def test_custom_values_are_parsed_once_a_file_and_the_memory_of_them_is_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(row_columns, "MEMO_TEXTS", 3)
    calls: list[str] = []
    parse_number = values.parse_number

    def counted(text: str) -> Decimal:
        calls.append(text)
        return parse_number(text)

    monkeypatch.setattr(values, "parse_number", counted)
    validator = RowValidator({"Gift": FIELDS["Gift"]})
    gifts = [["5", "12.5", "5", ""], ["12.5", "5"], ["7", "8", "9", "10", "5"], ["5", "10"]]
    found = []
    for n, batch in enumerate(gifts):
        raws = [
            RawRow("f.csv", i + 2, {"id": f"A{n}-{i}", "custom.Gift": gift})
            for i, gift in enumerate(batch)
        ]
        block = validator.validate_columns(raws)
        assert block is not None
        found.append(block.custom["Gift"])
    assert found == [
        [Decimal("5"), Decimal("12.5"), Decimal("5"), None],
        [Decimal("12.5"), Decimal("5")],
        [Decimal(t) for t in ("7", "8", "9", "10", "5")],
        [Decimal("5"), Decimal("10")],
    ]
    # the second batch parsed nothing, the third only its new texts; past three texts
    # remembered, the fourth started again
    assert len(calls) == 2 + 0 + 4 + 2
    assert sorted(calls[:2]) == ["12.5", "5"]
    assert sorted(calls[2:6]) == ["10", "7", "8", "9"]
    assert sorted(calls[6:]) == ["10", "5"]
