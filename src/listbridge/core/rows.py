"""Validating one row of a CRM file into an Account, or into every reason it is refused.

Decisions a user can rely on:

* every value is trimmed; an empty cell is an empty value (booleans: false);
* `type` is taken in other words too (core/export_values.py); a row whose `type` cell is
  empty, or whose file has no `type` column, has it inferred from its names (only a
  company_name: an organization; else an individual); an organization needs a company_name;
* yes/no values are read in the words of core/values.py (`x` too) and dates as exports
  write them (core/export_values.py);
* emails keep the case they were given (matching ignores case later);
* a `custom.<Name>` column whose field is not defined yet is a text field;
* the columns a row gives are the ones a re-load updates: a file without
  `phone1` leaves every account's phone1 as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from listbridge.core.accounts import (
    BOOLEAN_COLUMNS,
    CUSTOM_PREFIX,
    EMAIL_COLUMNS,
    EXPORT_ONLY_COLUMNS,
    STANDARD_COLUMNS,
    Account,
    AccountType,
    CustomFieldDef,
    CustomValue,
)
from listbridge.core.errors import InvalidFileError, RowError, with_headers
from listbridge.core.export_values import (
    parse_export_custom,
    row_type,
)
from listbridge.core.row_columns import ColumnRows, RecordBlock, block_rows, column_rows
from listbridge.core.row_shape import RowShape, Rule
from listbridge.core.values import check_email, parse_bool, parse_timestamp, unstorable

# Mirrors the column lengths of store/models/crm.py (CrmAccount, CrmCustomField).
MAX_LENGTHS: Mapping[str, int] = {
    "id": 100,
    "type": 20,
    "first_name": 100,
    "middle_name": 100,
    "last_name": 100,
    "company_name": 200,
    "email": 254,
    "email2": 254,
    "email3": 254,
    "phone1": 40,
    "phone2": 40,
    "phone3": 40,
    "fax": 40,
    "address_line1": 255,
    "city": 100,
    "state": 100,
    "zip": 20,
    "country": 100,
    "title": 100,
    "individual_type": 100,
    "cc_contact_id": 64,
    "origin_category": 100,
    "origin_detail": 200,
}
MAX_FIELD_NAME = 200
KNOWN_COLUMNS = frozenset(STANDARD_COLUMNS) | frozenset(EXPORT_ONLY_COLUMNS)
TIMESTAMP_COLUMNS = ("created_at", "updated_at")
_SPECIAL = BOOLEAN_COLUMNS | {"id", "type", *EMAIL_COLUMNS, *TIMESTAMP_COLUMNS}
TEXT_COLUMNS = tuple(c for c in (*STANDARD_COLUMNS, *EXPORT_ONLY_COLUMNS) if c not in _SPECIAL)
UNKNOWN_COLUMN_HELP = (
    "unknown column; use the standard columns (id, type, first_name, … email_opt_out), "
    "the export columns (cc_contact_id, origin_category, origin_detail, created_at, "
    "updated_at) or custom.<Field Name>"
)


@dataclass(frozen=True)
class RawRow:
    """One row as a reader found it: text per column, plus what the reader could not read."""

    source: str
    row: int
    values: Mapping[str, str]
    errors: tuple[RowError, ...] = ()
    #: column → the file's own header, where it differs (HeaderMapping.labels)
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ValidRow:
    """A valid row: the account it describes and the columns it gave."""

    row: int
    account: Account
    columns: frozenset[str]


def custom_field_name(column: str) -> str | None:
    """`custom.Member Level` → `Member Level`; None for any other column."""
    return column[len(CUSTOM_PREFIX) :] if column.startswith(CUSTOM_PREFIX) else None


class RowValidator:
    """Validates the rows of one file in order; remembers ids to refuse duplicates.

    Nearly every row of a real file is valid, so a row is first tried on a fast path
    that gives up at the first doubt (core/row_shape.py); only then is it checked
    column by column to collect every reason. Both paths apply the same rules.
    """

    def __init__(self, fields: Mapping[str, CustomFieldDef]) -> None:
        self._fields = fields
        self._seen: dict[str, int] = {}
        self._rules: dict[str, Rule] = {}
        self._shapes: dict[tuple[str, ...], RowShape] = {}
        # The file's headers of its columns: told by its rows and blocks (a block's rows
        # validated one by one come without them).
        self._labels: Mapping[str, str] = {}

    def validate(self, raw: RawRow) -> ValidRow | list[RowError]:
        if raw.errors and not raw.values:
            return self._named(
                raw, raw.errors
            )  # nothing readable: the reader's reason is the whole story
        shape = self._shape(raw)
        if not raw.errors and (account := shape.account(raw.values, self._seen)) is not None:
            self._seen[account.id] = raw.row
            return ValidRow(raw.row, account, shape.columns)
        return self.validate_slowly(raw)

    def validate_columns(self, raws: Sequence[RawRow]) -> ColumnRows | None:
        """`raws` column by column when every one is valid and all have one set of columns,
        else None: the caller then validates them one by one (``validate``)."""
        if not raws or (raws[0].errors and not raws[0].values):
            return None
        return column_rows(self._shape(raws[0]), raws, self._seen)

    def validate_block(self, block: RecordBlock) -> ColumnRows | None:
        """`validate_columns` of the rows of a block (a CSV file's regular rows)."""
        self._labels = block.labels or self._labels
        first = dict(zip(block.header, block.records[0], strict=True))
        shape = self._shape(RawRow(block.source, block.numbers[0], first))
        return block_rows(shape, block, self._seen)

    def validate_slowly(self, raw: RawRow) -> ValidRow | list[RowError]:
        """Column by column, every reason collected (``validate`` without its fast path)."""
        if raw.errors and not raw.values:
            return self._named(raw, raw.errors)
        values = {column: value.strip() for column, value in raw.values.items()}
        self._refuse_unknown_columns(raw, values)
        check = _Checker(raw, values.get("id", ""))
        check.errors.extend(raw.errors)
        # An id the reader could not read has its reason already; "required" would repeat it.
        if all(error.column != "id" for error in raw.errors):
            self._check_id(check, values)
        kwargs = self._account_kwargs(check, values)
        if check.errors:
            return self._named(raw, check.errors)
        return ValidRow(raw.row, Account(**kwargs), frozenset(values))

    def _named(self, raw: RawRow, errors: Iterable[RowError]) -> list[RowError]:
        """`errors`, each naming the file's own header of its column where it differs."""
        return with_headers(errors, raw.labels or self._labels)

    def _shape(self, raw: RawRow) -> RowShape:
        """How to read rows with these columns; a file's rows share a few shapes."""
        names = tuple(raw.values)
        shape = self._shapes.get(names)
        if shape is None:
            self._refuse_unknown_columns(raw, dict.fromkeys(names, ""))
            shape = self._shapes[names] = RowShape.of(names, self._rules, MAX_LENGTHS["id"])
        return shape

    def _check_id(self, check: _Checker, values: Mapping[str, str]) -> None:
        record_id = values.get("id", "")
        if not record_id:
            check.fail("id", "id is required")
        elif len(record_id) > MAX_LENGTHS["id"]:
            check.fail("id", f"{len(record_id)} characters is longer than the limit of 100")
        elif record_id in self._seen:
            check.fail("id", f"duplicate id {record_id!r}: already on row {self._seen[record_id]}")
        else:
            self._seen[record_id] = check.raw.row

    def _account_kwargs(self, check: _Checker, values: Mapping[str, str]) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"id": values.get("id", "")}
        custom: dict[str, CustomValue] = {}
        nul = "\x00" in "".join(values.values())
        for column, text in values.items():
            rule = self._rules[column]
            if (nul and "\x00" in text) or len(text) > rule.limit:
                check.fail(column, _refusal(text, rule.limit))
            elif rule.custom is not None:
                if text and (value := check.parsed(column, text, rule.parse)) is not None:
                    custom[rule.custom] = value
            elif column != "id":
                kwargs[column] = (
                    text if rule.parse is None else check.parsed(column, text, rule.parse)
                )
        kwargs["custom"] = custom
        _check_type(check, values, kwargs)
        return kwargs

    def _refuse_unknown_columns(self, raw: RawRow, values: Mapping[str, str]) -> None:
        """A column no account can have is the file's fault, not a row's: refuse the file.

        Reporting it on every row would bury the one thing to fix, and loading the
        other columns of such a file would silently drop what that column meant.
        """
        new = [column for column in values if column not in self._rules]
        refused = [
            RowError(raw.source, raw.row, column, rule.refusal)
            for column in new
            if (rule := self._rule(column)).refusal
        ]
        if refused:
            raise InvalidFileError(refused)

    def _rule(self, column: str) -> Rule:
        rule = _STANDARD.get(column) or _custom_rule(column, self._fields)
        self._rules[column] = rule
        return rule


def check_header(source: str, columns: Iterable[str]) -> None:
    """Refuse a header (row 1) that names a column no account can have.

    Rows would refuse it too, but a file with a header and no rows has none to do
    it, and would load "0 accounts" as if it were an empty export. An empty name is
    left to the rows: a value under it is their error, an empty column is none.
    """
    refused = [
        RowError(source, 1, column, refusal)
        for column in columns
        if column and (refusal := (_STANDARD.get(column) or _custom_rule(column, {})).refusal)
    ]
    if refused:
        raise InvalidFileError(refused)


def _refusal(text: str, limit: int) -> str:
    return unstorable(text) or f"{len(text)} characters is longer than the limit of {limit}"


def _custom_rule(column: str, fields: Mapping[str, CustomFieldDef]) -> Rule:
    name = custom_field_name(column)
    if name is None:
        return Rule(refusal=UNKNOWN_COLUMN_HELP)
    if not name or len(name) > MAX_FIELD_NAME or name != name.strip():
        return Rule(refusal=f"a custom field name must be 1–{MAX_FIELD_NAME} characters, trimmed")
    field = fields.get(name, CustomFieldDef(name))
    return Rule(parse=partial(parse_export_custom, field), custom=name)


class _Checker:
    """Collects the errors of one row, each naming its column."""

    def __init__(self, raw: RawRow, record_id: str) -> None:
        self.raw = raw
        self.record_id = record_id
        self.errors: list[RowError] = []

    def fail(self, column: str, reason: str) -> None:
        self.errors.append(RowError(self.raw.source, self.raw.row, column, reason, self.record_id))

    def parsed(self, column: str, text: str, parse: Callable[[str], Any] | None) -> Any:
        assert parse is not None
        try:
            return parse(text)
        except ValueError as error:
            self.fail(column, str(error))
            return None


def _email(text: str) -> str:
    return check_email(text) if text else text


def _timestamp(text: str) -> datetime | None:
    return parse_timestamp(text) if text else None


def _standard_parser(column: str) -> Callable[[str], Any] | None:
    if column in BOOLEAN_COLUMNS:
        return parse_bool
    if column in EMAIL_COLUMNS:
        return _email
    return _timestamp if column in TIMESTAMP_COLUMNS else None


_STANDARD: Mapping[str, Rule] = {
    column: Rule(MAX_LENGTHS.get(column, 10**9), _standard_parser(column))
    for column in KNOWN_COLUMNS - {"id"}
} | {"id": Rule()}  # the id has checks of its own (RowValidator._check_id)


def _row_type(values: Mapping[str, str]) -> AccountType:
    """The `type` cell's type; when it is empty or missing, inferred from the row's names."""
    names = (values.get(column, "") for column in ("first_name", "last_name", "company_name"))
    return row_type(values.get("type", ""), *names)


def _check_type(check: _Checker, values: Mapping[str, str], kwargs: dict[str, Any]) -> None:
    try:
        kwargs["type"] = _row_type(values)
    except ValueError as error:
        check.fail("type", str(error))
        return
    if kwargs["type"] is AccountType.ORGANIZATION and not values.get("company_name"):
        check.fail("company_name", "an organization needs a company_name")
