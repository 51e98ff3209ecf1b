"""Cells that could run as spreadsheet formulas are neutralised, reversibly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from listbridge.core.spreadsheet import FORMULA_TRIGGERS, restore_cell, safe_cell


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1 617 555 0100", "'+1 617 555 0100"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("'=already quoted", "''=already quoted"),
        ("Ann = Bob", "Ann = Bob"),
        ("O'Brien", "O'Brien"),
        ("", ""),
        (None, ""),
        (True, "true"),
        (-5, "-5"),
        (Decimal("-1.5"), "-1.5"),
        (date(2024, 3, 31), "2024-03-31"),
    ],
)
def test_safe_cell_examples(value: object, expected: str) -> None:
    assert safe_cell(value) == expected


@given(st.text(max_size=30))
def test_safe_text_never_starts_a_formula_and_restores_exactly(text: str) -> None:
    cell = safe_cell(text)
    assert not cell.startswith(FORMULA_TRIGGERS)
    assert restore_cell(cell) == text


@given(st.text(max_size=30).filter(lambda t: not t.lstrip("'").startswith(FORMULA_TRIGGERS)))
def test_harmless_text_is_unchanged(text: str) -> None:
    assert safe_cell(text) == text
    assert restore_cell(text) == text
