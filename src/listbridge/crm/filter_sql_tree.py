"""A segment filter's checked tree (core/filters.py) as SQL, for the CRMs that run filters
in their own database (crm/builtin/filter_sql.py, crm/sqlmap/filter_sql.py).

Each checked comparison becomes two conditions: the accounts it surely holds for and
those it surely fails for. Where SQL cannot decide as Python would, an account is in
neither, and `not`, `and`, `or` combine the pairs (`not` swaps them). A CRM says how a
field's value reads in SQL (`Translator.values`, `Translator.target`); the accounts the
whole filter leaves undecided are read and judged by the Python predicate, so every
answer is Python's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, collate, false, func, not_, or_, true
from sqlalchemy.sql import ColumnElement

from listbridge.core.filters import AllOf, AnyOf, Checked, Negation, Test

Condition = ColumnElement[bool]
#: what str.strip() removes from ASCII text
ASCII_SPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "
#: a double holds any decimal of this many digits exactly
EXACT_DIGITS = 15
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


class Translator:
    """The tree walk; a CRM's subclass says where each field's value is in SQL."""

    postgres = False

    def values(self, t: Test) -> tuple[Condition, list[ColumnElement[Any]]] | None:
        """Where SQL decides, and the field's value(s) in the normal form (NULL: missing);
        None: SQL decides nowhere."""
        raise NotImplementedError

    def target(self, t: Test, value: Any) -> Any:
        """The filter's value as the SQL value is compared with it; None: not exactly."""
        raise NotImplementedError

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
