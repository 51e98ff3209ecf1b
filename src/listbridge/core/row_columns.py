"""The fastest path of row validation: a batch of rows of one shape, column by column.

A large file is nearly all valid rows with the same columns. Checked one column at a
time, each check is one pass in C (``map``, ``max``, ``set``) instead of a Python step
per cell, and a new account needs no ``Account`` object at all: the batch writer takes
the columns as they are. Like ``RowShape.account``, this path never decides a refusal:
at the first doubt about any row it gives up on the whole batch, and the caller
validates the rows one by one, which names every reason. It accepts exactly what
``RowShape.account`` accepts and gives the same values (tests/unit/test_row_columns.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress
from operator import attrgetter, itemgetter
from typing import Any

from listbridge.core.accounts import EMAIL_COLUMNS, Account, AccountType, CustomValue
from listbridge.core.export_values import inferred_type
from listbridge.core.row_shape import ACCOUNT_TYPES, RowShape, new_account
from listbridge.core.values import plain_emails

_VALUES = attrgetter("values")
_ERRORS = attrgetter("errors")
_NUMBER = attrgetter("row")
#: the most parsed texts a custom column remembers from chunk to chunk (a column of
#: unique values, such as notes, starts again rather than grow with the file)
MEMO_TEXTS = 1 << 16


@dataclass(frozen=True)
class ColumnRows:
    """Valid rows of one file, column by column (index i of every list is one row)."""

    rows: list[int]
    columns: frozenset[str]  # the file's columns, as ValidRow.columns
    #: typed values of each standard column the rows give; `id` and `type` always
    standard: dict[str, list[Any]]
    #: field name → each row's value, None where the cell is empty (no value)
    custom: dict[str, list[CustomValue | None]]

    @property
    def ids(self) -> list[str]:
        return self.standard["id"]

    def __len__(self) -> int:
        return len(self.rows)

    def picked(self, indexes: Sequence[int]) -> ColumnRows:
        """The rows at `indexes`, in that order."""
        pick = _picker(indexes)
        return ColumnRows(
            pick(self.rows),
            self.columns,
            {name: pick(values) for name, values in self.standard.items()},
            {name: pick(values) for name, values in self.custom.items()},
        )

    def account_kwargs(self, index: int) -> dict[str, Any]:
        """Row `index` as the keyword arguments of its Account (custom included)."""
        kwargs = {name: values[index] for name, values in self.standard.items()}
        kwargs["custom"] = {
            name: value
            for name, values in self.custom.items()
            if (value := values[index]) is not None
        }
        return kwargs

    def account(self, index: int) -> Account:
        return new_account(self.account_kwargs(index))


def _picker(indexes: Sequence[int]) -> Callable[[list[Any]], list[Any]]:
    if not indexes:
        return lambda _values: []
    if len(indexes) == 1:
        only = indexes[0]
        return lambda values: [values[only]]
    get = itemgetter(*indexes)
    return lambda values: list(get(values))


@dataclass(frozen=True)
class RecordBlock:
    """Rows of a table as its reader found them: each record exactly as wide as the header
    and needing no repair (the reader decides), numbered as a person sees them."""

    source: str
    header: tuple[str, ...]
    numbers: list[int]
    records: list[list[str]]
    #: column → the file's own header, where it differs (HeaderMapping.labels)
    labels: Mapping[str, str] = field(default_factory=dict)


def column_rows(shape: RowShape, raws: Sequence[Any], seen: dict[str, int]) -> ColumnRows | None:
    """The rows of `raws` (RawRows whose columns are the shape's) as columns, or None at
    the first doubt. `seen` holds the row of each earlier id; accepted rows add theirs,
    a batch given up on adds none."""
    names = shape.names
    if len(names) < 2 or any(map(_ERRORS, raws)):
        return None
    keys = raws[0].values.keys()
    if len(keys) != len(names) or not all(r.values.keys() == keys for r in raws):
        return None
    cells = zip(*map(itemgetter(*names), map(_VALUES, raws)), strict=True)
    return _checked(shape, cells, list(map(_NUMBER, raws)), seen)


def block_rows(shape: RowShape, block: RecordBlock, seen: dict[str, int]) -> ColumnRows | None:
    """`column_rows` of a block whose header is the shape's columns."""
    if len(shape.names) < 2 or shape.names != block.header:
        return None
    return _checked(shape, zip(*block.records, strict=True), block.numbers, seen)


def _checked(
    shape: RowShape, cells: Iterable[Sequence[str]], numbers: list[int], seen: dict[str, int]
) -> ColumnRows | None:
    texts = _stripped(cells)
    if texts is None or not _fit(shape, texts):
        return None
    standard: dict[str, list[Any]] = dict(zip(shape.names, texts, strict=True))
    custom: dict[str, list[CustomValue | None]] = {}
    try:
        for column, parse in shape.parsed:
            if column in EMAIL_COLUMNS and plain_emails(standard[column]):
                continue  # a plain address is valid and kept as given (values.check_email)
            standard[column] = _parsed(standard[column], parse)
        for column, name, parse in shape.custom:
            memo = shape.memo.setdefault(column, {})
            custom[name] = _remembered(standard.pop(column), parse, memo)
    except ValueError:
        return None
    if not _ids_fit(shape, standard.get("id"), seen):
        return None
    if not _types_fit(standard, len(numbers)):
        return None
    seen.update(zip(standard["id"], numbers, strict=True))
    return ColumnRows(numbers, shape.columns, standard, custom)


def _stripped(cells: Iterable[Sequence[str]]) -> list[list[str]] | None:
    texts = [list(map(str.strip, column)) for column in cells]
    if any("\x00" in "".join(column) for column in texts):
        return None
    return texts


def _fit(shape: RowShape, texts: list[list[str]]) -> bool:
    pairs = zip(texts, shape.limits, strict=True)
    return all(max(map(len, column)) <= limit for column, limit in pairs)


def _parsed(texts: list[str], parse: Callable[[str], Any]) -> list[Any]:
    """Each text parsed; a column of few distinct values (booleans, choices) parses each once."""
    distinct = set(texts)
    if len(distinct) * 2 < len(texts):
        table = {text: parse(text) for text in distinct}
        return list(map(table.__getitem__, texts))
    return list(map(parse, texts))


def _remembered(texts: list[str], parse: Callable[[str], Any], memo: dict[str, Any]) -> list[Any]:
    """Each text parsed (None for an empty one), each distinct text once for the whole file:
    `memo` holds what earlier chunks parsed, up to MEMO_TEXTS of them."""
    if len(memo) > MEMO_TEXTS:
        memo.clear()
    new = set(texts).difference(memo)
    new.discard("")
    memo.update({text: parse(text) for text in new})
    memo[""] = None
    return list(map(memo.__getitem__, texts))


def _ids_fit(shape: RowShape, ids: list[str] | None, seen: Mapping[str, int]) -> bool:
    if not ids or not min(map(len, ids)) or max(map(len, ids)) > shape.id_limit:
        return False
    return len(set(ids)) == len(ids) and seen.keys().isdisjoint(ids)


def _names(standard: dict[str, list[Any]], count: int) -> tuple[list[str], ...]:
    """first_name, last_name and company_name of each row, empty where the file has none."""
    empty = [""] * count
    return tuple(standard.get(name, empty) for name in ("first_name", "last_name", "company_name"))


def _types_fit(standard: dict[str, list[Any]], count: int) -> bool:
    """`type` becomes an AccountType on every row (an empty or missing cell inferred from
    the row's names); an organization needs a company name."""
    words = standard.get("type")
    if words is None:
        standard["type"] = list(map(inferred_type, *_names(standard, count)))
        return True
    kinds = list(map(ACCOUNT_TYPES.get, map(str.lower, words)))
    if "" in words:  # only then a step per row for the names
        inferred = map(inferred_type, *_names(standard, count))
        pairs = zip(kinds, words, inferred, strict=True)
        kinds = [kind if word else guess for kind, word, guess in pairs]
    if None in kinds:
        return False
    standard["type"] = kinds
    if AccountType.ORGANIZATION not in kinds:
        return True
    companies = standard.get("company_name")
    if companies is None:
        return False
    return all(compress(companies, map(AccountType.ORGANIZATION.__eq__, kinds)))
