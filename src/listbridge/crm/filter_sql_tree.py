"""A segment filter's checked tree (core/filters.py) as SQL, for the CRMs that run filters
in their own database (crm/builtin/filter_sql.py, crm/sqlmap/filter_sql.py,
crm/civicrm/filter_sql.py, crm/vtiger/filter_sql.py).

Each checked comparison becomes two conditions: the accounts it surely holds for and
those it surely fails for. Where SQL cannot decide as Python would, an account is in
neither, and `not`, `and`, `or` combine the pairs (`not` swaps them). A CRM says how a
field's value reads in SQL (`Translator.values`, `Translator.target`); the accounts the
whole filter leaves undecided are read and judged by the Python predicate, so every
answer is Python's.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Connection, LargeBinary, Text
from sqlalchemy.dialects.mysql import CHAR
from sqlalchemy.sql import ColumnElement, and_, cast, collate, false, func, not_, or_, select, true

from listbridge.core.accounts import Account
from listbridge.core.filters import (
    DEFAULT_RULES,
    AllOf,
    AnyOf,
    Checked,
    Negation,
    Segment,
    Test,
    compile_filter,
    meets_defaults,
)
from listbridge.core.values import format_number
from listbridge.crm.sql_session import MYSQL_DIALECTS

Condition = ColumnElement[bool]
#: what str.strip() removes from ASCII text
ASCII_SPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "
#: a double holds any decimal of this many digits exactly
EXACT_DIGITS = 15
#: a column with more distinct values than this is not decided by its values
MOST_VALUES = 500
Read = Callable[[Any], Any]
#: the order operators, for SQL expressions and Python values alike
_ORDER: dict[str, Callable[[Any, Any], Any]] = {
    "=": lambda x, t: x == t,
    "<": lambda x, t: x < t,
    "<=": lambda x, t: x <= t,
    ">": lambda x, t: x > t,
    ">=": lambda x, t: x >= t,
}
#: each negative operator and the positive one it negates
_POSITIVE = {"!=": "=", "not in": "in", "is not empty": "is empty"}


@dataclass(frozen=True)
class Verdict:
    """Where a (sub)filter surely holds, and where it surely fails; neither: undecided."""

    holds: Condition
    fails: Condition


UNDECIDED = Verdict(false(), false())
HOLDS = Verdict(true(), false())
FAILS = Verdict(false(), true())
_DEFAULTS = compile_filter(DEFAULT_RULES).tree


def fold(value: object) -> str | None:
    """core/filters.py's text normal form of a stored value as an adapter reads it (a
    number as it prints): stripped, case-folded, None when empty."""
    return None if value is None else (str(value).strip().casefold() or None)


def add_fold(conn: Connection) -> None:
    """`lb_fold(x)`, Python's `fold`, on a SQLite connection."""
    driver = conn.connection.driver_connection
    assert driver is not None
    driver.create_function("lb_fold", 1, fold, deterministic=True)


def ascii_folded(stored: ColumnElement[Any]) -> tuple[Condition, ColumnElement[Any]]:
    """PostgreSQL's `fold` of a text, decided for ASCII values only (octet length =
    character length): `lower()` is not `casefold()`, `btrim()` knows no Unicode spaces."""
    ascii_only = or_(stored.is_(None), func.octet_length(stored) == func.length(stored))
    trimmed = collate(func.btrim(stored, ASCII_SPACE), "C")
    return ascii_only, collate(func.nullif(func.lower(trimmed), ""), "C")


def mysql_ascii_folded(stored: ColumnElement[Any]) -> tuple[Condition, ColumnElement[Any]]:
    """MariaDB/MySQL's `fold` of a text as UTF-8 bytes (bytes compare as Python compares
    code points; the usual collations ignore case and accents and pad with spaces), for
    a target given as bytes. Decided for ASCII values whose ends TRIM, which takes spaces
    only, leaves as `str.strip()` would: no control character at either end."""
    text = collate(cast(stored, CHAR(charset="utf8mb4")), "utf8mb4_bin")
    trimmed = func.trim(text)
    ascii_only = func.length(text) == func.char_length(text)
    ends = or_(
        func.char_length(trimmed) == 0,
        and_(func.ord(func.left(trimmed, 1)) > 32, func.ord(func.right(trimmed, 1)) > 32),
    )
    decided = or_(stored.is_(None), and_(ascii_only, ends))
    return decided, func.nullif(cast(func.lower(trimmed), LargeBinary), b"")


def judged(t: Test, value: Any) -> bool:
    """The comparison on one account's value, already in the filter's normal form (None:
    missing), as the predicate judges it: for a CRM that decides a column by its values."""
    present = () if value is None else (value,)
    op = _POSITIVE.get(t.op, t.op)
    if op == "is empty":
        holds = not present
    elif op == "in":
        holds = any(v in t.targets for v in present)
    elif op == "contains":
        holds = any(t.targets[0] in v for v in present)
    else:
        holds = any(bool(_ORDER[op](v, t.targets[0])) for v in present)
    return holds if op == t.op else not holds


def chosen(
    sql: Translator, segment: Segment | None, live: Verdict, *, defaults: bool
) -> tuple[Condition, Condition]:
    """(the live accounts surely chosen, those SQL leaves undecided): `segment` selects
    them (`defaults`: the default exclusions are part of the tree) or matches them; None:
    every live account (that meets the defaults)."""
    checked = None if segment is None else segment.tree
    parts = [t for t in (_DEFAULTS if defaults else None, checked) if t is not None]
    verdict = sql.verdict(AllOf(tuple(parts))) if parts else HOLDS
    if segment is not None and checked is None:  # a filter without its tree: Python's alone
        verdict = UNDECIDED
    holds = and_(live.holds, verdict.holds)
    return holds, and_(not_(holds), not_(or_(live.fails, verdict.fails)))


def split(
    conn: Connection, key: ColumnElement[Any], rows: Any, holds: Condition, undecided: Condition
) -> tuple[list[Any], list[Any]]:
    """The keys of `rows` (a FROM clause) SQL surely chooses, and those it leaves
    undecided, in one pass: the joins a filter needs are made once."""
    query = select(key, holds).select_from(rows).where(or_(holds, undecided)).order_by(key)
    sure: list[Any] = []
    pending: list[Any] = []
    for found, held in conn.execute(query):
        (sure if held else pending).append(found)
    return sure, pending


def python_test(segment: Segment | None, defaults: bool) -> Callable[[Account], bool]:
    """What judges an account SQL left undecided, as `chosen` chooses."""
    if segment is not None:
        return segment.selects if defaults else segment.matches
    return meets_defaults if defaults else lambda _: True


class Translator(ABC):
    """The tree walk; a CRM's subclass says where each field's value is in SQL."""

    postgres = False

    @abstractmethod
    def values(self, t: Test) -> tuple[Condition, list[ColumnElement[Any]]] | None:
        """Where SQL decides, and the field's value(s) in the normal form (NULL: missing);
        None: SQL decides nowhere."""

    @abstractmethod
    def target(self, t: Test, value: Any) -> Any:
        """The filter's value as the SQL value is compared with it; None: not exactly."""

    def verdict(self, node: Checked) -> Verdict:
        if isinstance(node, Negation):
            inner = self.verdict(node.operand)
            return Verdict(inner.fails, inner.holds)
        if isinstance(node, AllOf):
            parts = [self.verdict(n) for n in node.operands]
            return Verdict(and_(*(p.holds for p in parts)), or_(*(p.fails for p in parts)))
        if isinstance(node, AnyOf):
            parts = [self.verdict(n) for n in node.operands]
            return Verdict(or_(*(p.holds for p in parts)), and_(*(p.fails for p in parts)))
        return self.test(node)

    def test(self, t: Test) -> Verdict:
        values = self.values(t)
        if values is None:
            return UNDECIDED
        decided, normal = values
        op = _POSITIVE.get(t.op, t.op)
        targets = [self.target(t, v) for v in t.targets]
        if any(v is None for v in targets):
            return UNDECIDED
        if op == "is empty":
            passes: Condition = and_(true(), *(v.is_(None) for v in normal))
        else:
            passes = or_(false(), *(self.passes(v, op, targets) for v in normal))
        if op != t.op:
            passes = not_(passes)
        return Verdict(and_(decided, passes), and_(decided, not_(passes)))

    def passes(self, value: ColumnElement[Any], op: str, targets: list[Any]) -> Condition:
        """`value` is present and passes `op`: never NULL, so that `not` means Python's not."""
        if op == "in":
            test: Condition = value.in_(targets)
        elif op == "contains":
            position = func.strpos if self.postgres else func.instr
            test = position(value, targets[0]) > 0
        else:
            test = _ORDER[op](value, targets[0])
        return func.coalesce(test, false())


class ColumnTranslator(Translator):
    """A translator over a CRM's own tables on `conn` (SQLite, PostgreSQL, MariaDB/MySQL):
    what every such CRM decides alike."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        dialect = conn.dialect.name
        self.postgres = dialect == "postgresql"
        self.sqlite = dialect == "sqlite"
        self.mysql = dialect in MYSQL_DIALECTS
        self.distinct: dict[str, list[tuple[Any, Any]] | None] = {}
        if self.sqlite:
            add_fold(conn)

    def by_values(self, t: Test, column: Column[Any] | None, default: Any, read: Read) -> Verdict:
        """Decided by the column's distinct values, each read as the adapter reads it;
        without a column, every account has the field's `default`."""
        if column is None:
            return HOLDS if judged(t, default) else FAILS
        found = self.values_of(column)
        if found is None:
            return UNDECIDED
        holds = [exact for value, exact in found if judged(t, read(value))]
        fails = [exact for value, exact in found if not judged(t, read(value))]
        identity = self.identity(column)
        return Verdict(_among(identity, holds), _among(identity, fails))

    def values_of(self, column: Column[Any]) -> list[tuple[Any, Any]] | None:
        """(value, its exact identity) of each distinct value; None: too many."""
        if column.name not in self.distinct:
            query = select(column, self.identity(column)).distinct().limit(MOST_VALUES + 1)
            rows = [(r[0], r[1]) for r in self.conn.execute(query)]
            self.distinct[column.name] = rows if len(rows) <= MOST_VALUES else None
        return self.distinct[column.name]

    def identity(self, column: Column[Any]) -> ColumnElement[Any]:
        """The column compared byte for byte (a collation may ignore case or accents)."""
        if python_type(column) is not str:
            return column
        if self.mysql:
            return func.hex(column)
        return collate(column, "C" if self.postgres else "BINARY")

    def folded(self, column: Column[Any]) -> tuple[Condition, ColumnElement[Any]] | None:
        kind = python_type(column)
        if self.sqlite and kind in (str, int, None):
            return true(), func.lb_fold(column)
        if self.postgres and kind in (str, int):
            return ascii_folded(column if kind is str else cast(column, Text))
        return None

    def utc_day(self, column: ColumnElement[Any], *, zoned: bool) -> ColumnElement[Any]:
        """A time's day: UTC for a column with a zone on PostgreSQL; MySQL's session zone
        is UTC (crm/sql_session.py); SQLite keeps 'YYYY-MM-DD HH:MM:SS'."""
        if self.sqlite:
            return func.substr(column, 1, 10)
        return func.date(func.timezone("UTC", column) if zoned and self.postgres else column)

    def target(self, t: Test, value: Any) -> Any:
        if isinstance(value, Decimal):
            if self.sqlite:
                return float(value) if len(format_number(value)) <= EXACT_DIGITS else None
            return value if self.postgres or "E" not in str(value) else None
        if isinstance(value, date):
            return value.isoformat() if self.sqlite else value
        return value


def python_type(column: Column[Any]) -> type | None:
    """The Python type a column's values read as; None: the type does not say."""
    try:
        found: type = column.type.python_type
    except NotImplementedError:
        return None
    return found


def _among(identity: ColumnElement[Any], exact: list[Any]) -> Condition:
    """The column holds one of these values: never NULL, so that `not` means Python's not."""
    present = [e for e in exact if e is not None]
    found: Condition = func.coalesce(identity.in_(present), false()) if present else false()
    return or_(found, identity.is_(None)) if None in exact else found


class TextTranslator(ColumnTranslator):
    """A ColumnTranslator that decides text on MariaDB/MySQL too, as bytes
    (`mysql_ascii_folded`), for a CRM whose every text value goes through `text`."""

    def text(self, stored: ColumnElement[Any]) -> tuple[Condition, ColumnElement[Any]] | None:
        if self.mysql:
            return mysql_ascii_folded(stored)
        return self.folded(stored)  # type: ignore[arg-type]

    def target(self, t: Test, value: Any) -> Any:
        if self.mysql and t.kind == "text":
            return value.encode()  # as mysql_ascii_folded gives the stored value
        return super().target(t, value)
