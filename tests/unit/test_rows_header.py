"""A file's header is checked on its own, and a reader's reason for a cell is not repeated."""

from __future__ import annotations

import pytest

from listbridge.core.errors import InvalidFileError, RowError
from listbridge.core.rows import RawRow, RowValidator, check_header


def test_a_header_naming_unknown_columns_is_refused_at_row_1() -> None:
    with pytest.raises(InvalidFileError) as refused:
        check_header("f.csv", ["id", "hello", "email", "custom. Padded", "nickname"])
    errors = refused.value.errors
    assert [(e.source, e.row, e.column) for e in errors] == [
        ("f.csv", 1, "hello"),
        ("f.csv", 1, "custom. Padded"),
        ("f.csv", 1, "nickname"),
    ]
    assert errors[0].reason.startswith("unknown column")
    assert "custom field name" in errors[1].reason


def test_a_header_of_loadable_columns_passes() -> None:
    check_header("f.csv", ["id", "", "email", "custom.Any Name", "cc_contact_id", "updated_at"])


def test_an_id_the_reader_refused_is_not_also_called_missing() -> None:
    reason = "sheet 'S', cell A2: TRUE is a yes/no value, not an id"
    raw = RawRow(
        "f.xlsx", 2, {"id": "", "email": "a@example.org"}, (RowError("f.xlsx", 2, "id", reason),)
    )
    result = RowValidator({}).validate(raw)
    assert isinstance(result, list)
    assert [(e.column, e.reason) for e in result] == [("id", reason)]


def test_a_row_without_an_id_is_still_refused_for_it() -> None:
    result = RowValidator({}).validate(RawRow("f.csv", 2, {"id": "", "email": "a@example.org"}))
    assert isinstance(result, list)
    assert [(e.column, e.reason) for e in result] == [("id", "id is required")]
