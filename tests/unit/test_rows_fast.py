"""The fast path of row validation agrees with the slow one on every row, valid or not.

``RowValidator.validate`` tries a row on the fast path first (core/row_shape.py) and
falls back to ``validate_slowly``; a file validated either way must give the same
accounts, the same refusals, and the same duplicate-id decisions.
"""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from listbridge.core.accounts import Account, AccountType, CustomFieldDef, FieldType
from listbridge.core.row_shape import new_account
from listbridge.core.rows import RawRow, RowValidator

FIELDS = {
    "Level": CustomFieldDef("Level", FieldType.CHOICE, ("Gold", "Silver")),
    "Since": CustomFieldDef("Since", FieldType.DATE),
    "Gift": CustomFieldDef("Gift", FieldType.NUMBER),
    "Active": CustomFieldDef("Active", FieldType.BOOLEAN),
}
# Each column: values that pass, then values that fail (a bad word, too long, a NUL…).
CELLS: dict[str, tuple[list[str], list[str]]] = {
    "id": (["A1", "A2", "A3", " A1 "], ["", "x" * 101, "B\x00"]),
    "type": (["", "individual", "Organization", " "], ["robot"]),
    "first_name": (["Ann", " Zoë ", ""], ["n" * 101, "a\x00b"]),
    "company_name": (["Acme", ""], ["c" * 201]),
    "email": (
        ["", "ann@example.org", " Ann@Example.org ", "zoë@example.org"],
        ["bad@", "a@b.test", "a..b@example.org", "a@example-.org", "x" * 250 + "@e.org"],
    ),
    "email2": (["", "b@example.com"], ["not an email"]),
    "zip": (["", "62701"], ["9" * 21]),
    "deceased": (["", "yes", "No", "1"], ["maybe"]),
    "email_opt_out": (["", "true", "n"], ["2"]),
    "created_at": (["", "2024-03-31T12:00:00Z"], ["yesterday"]),
    "custom.Level": (["", "Gold"], ["Bronze"]),
    "custom.Since": (["", "2024-03-31"], ["31/31/2024"]),
    "custom.Gift": (["", "12.50"], ["1,000"]),
    "custom.Active": (["", "y"], ["perhaps"]),
    "custom.Notes": (["", "free text", "t" * 5000], []),
}
header = st.lists(st.sampled_from(sorted(CELLS)), min_size=1, unique=True)


@st.composite
def rows_of(draw: st.DrawFn, columns: list[str]) -> dict[str, str]:
    """Mostly valid cells: at most one column of a row draws from its failing values."""
    failing = draw(st.sampled_from([None, *columns]))
    return {
        c: draw(st.sampled_from(CELLS[c][1] if c == failing and CELLS[c][1] else CELLS[c][0]))
        for c in columns
    }


@st.composite
def files(draw: st.DrawFn) -> list[RawRow]:
    columns = draw(header)
    rows = draw(st.lists(rows_of(columns), min_size=1, max_size=6))
    return [RawRow("f.csv", n + 2, values) for n, values in enumerate(rows)]


@given(files())
@settings(max_examples=300)
def test_the_fast_path_accepts_and_refuses_exactly_what_the_slow_path_does(
    rows: list[RawRow],
) -> None:
    fast, slow = RowValidator(FIELDS), RowValidator(FIELDS)
    assert [fast.validate(r) for r in rows] == [slow.validate_slowly(r) for r in rows]


def test_a_fast_account_is_the_account_the_constructor_makes() -> None:
    values = {
        "id": "A1", "type": AccountType.ORGANIZATION, "company_name": "Acme",
        "email": "a@example.org", "deceased": True, "custom": {"Level": "Gold"},
    }  # fmt: skip
    built = new_account(dict(values))
    made = Account(**values)  # type: ignore[arg-type]
    assert built == made
    assert dataclasses.asdict(built) == dataclasses.asdict(made)
    assert hash(built) == hash(made)
    assert repr(built) == repr(made)
