"""Segment filters: which CRM accounts go to a Constant Contact list (docs/filters.md).

core.filter_syntax reads the text; this module checks fields and value types once, at
compile time, and turns the tree into closures, so that evaluating an account is cheap.
"""

from __future__ import annotations

import difflib
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from listbridge.core.accounts import (
    BOOLEAN_COLUMNS,
    EMAIL_COLUMNS,
    EXPORT_ONLY_COLUMNS,
    STANDARD_COLUMNS,
    Account,
    AccountType,
    CustomFieldDef,
    FieldType,
)
from listbridge.core.filter_syntax import (
    And,
    Comparison,
    FieldRef,
    FilterError,
    Node,
    Not,
    Value,
    parse_filter,
)

__all__ = [
    "DEFAULT_RULES",
    "AllOf",
    "AnyOf",
    "Checked",
    "FilterError",
    "Negation",
    "Segment",
    "Test",
    "compile_filter",
    "meets_defaults",
    "parse_filter",
]

Predicate = Callable[[Account], bool]

DEFAULT_RULES = (
    'type = "individual" and deceased = false and do_not_contact = false and email_opt_out = false'
)


@dataclass(frozen=True)
class Test:
    """A checked comparison: its field resolved, its values in the field's normal form
    (text stripped and case-folded, numbers as Decimal, dates as date, true/false)."""

    field: str  # a standard column, "any_email", or a custom field's name
    custom: bool
    kind: str  # "text", "number", "date" or "boolean"
    op: str  # = != < <= > >= in, not in, contains, is empty, is not empty
    targets: tuple[Any, ...]


@dataclass(frozen=True)
class Negation:
    operand: Checked


@dataclass(frozen=True)
class AllOf:
    operands: tuple[Checked, ...]


@dataclass(frozen=True)
class AnyOf:
    operands: tuple[Checked, ...]


#: the checked tree of a filter: what a CRM that queries its own database translates
#: (crm/builtin/filter_sql.py), with the same meaning as the predicate
Checked = Test | Negation | AllOf | AnyOf


@dataclass(frozen=True)
class Segment:
    """A compiled filter."""

    text: str
    _predicate: Predicate = field(repr=False, compare=False)
    tree: Checked | None = field(default=None, repr=False, compare=False)

    def matches(self, account: Account) -> bool:
        """The user's criteria only."""
        return self._predicate(account)

    def selects(self, account: Account) -> bool:
        """The defaults (DEFAULT_RULES) and the user's criteria."""
        return meets_defaults(account) and self._predicate(account)


def meets_defaults(account: Account) -> bool:
    """An individual, not deceased, not do-not-contact, not opted out of e-mail."""
    return account.type == AccountType.INDIVIDUAL and not (
        account.deceased or account.do_not_contact or account.email_opt_out
    )


def compile_filter(text: str, custom_fields: Sequence[CustomFieldDef] = ()) -> Segment:
    """The segment a filter describes; FilterError when it cannot be read or checked."""
    node = parse_filter(text)
    compiler = _Compiler(text, custom_fields)
    return Segment(text.strip(), compiler.compile(node), compiler.checked(node))


# Values are normalised once per account: text stripped and case-folded, datetimes to
# their UTC day; None stands for a missing value (also an empty text).
@dataclass(frozen=True)
class _Field:
    label: str
    kind: str  # "text", "number", "date" or "boolean"
    get: Callable[[Account], Any]
    many: bool = False  # get gives a tuple; one value that passes is enough


def _as_text(value: object) -> str | None:
    if type(value) is str:  # the common case first: this runs once per account
        return value.strip().casefold() or None
    if value is None:
        return None
    if isinstance(value, bool):
        value = "true" if value else "false"
    text = (value if isinstance(value, str) else str(value)).strip().casefold()
    return text or None


def _as_number(value: object) -> Decimal | None:
    if type(value) is Decimal:
        return value if value.is_finite() else None
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        return None
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _as_day(value: object) -> date | None:
    if isinstance(value, datetime):
        return _utc_day(value)
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d\d-\d\d", value.strip()):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def _as_bool(value: object) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    return {"true": True, "false": False}.get(_as_text(value) or "")


_NORMALISE: dict[str, Callable[[object], Any]] = {
    "text": _as_text,
    "number": _as_number,
    "date": _as_day,
    "boolean": _as_bool,
}
_KIND = {
    FieldType.TEXT: "text",
    FieldType.CHOICE: "text",
    FieldType.NUMBER: "number",
    FieldType.DATE: "date",
    FieldType.BOOLEAN: "boolean",
}


def _utc_day(value: datetime | None) -> date | None:
    if value is None:
        return None
    if value.tzinfo is UTC or value.tzinfo is None:  # astimezone is slow; UTC is usual
        return value.date()
    return value.astimezone(UTC).date()


def _standard_field(name: str) -> _Field:
    get = operator.attrgetter(name)
    if name in BOOLEAN_COLUMNS:
        return _Field(name, "boolean", get)
    if name in ("created_at", "updated_at"):
        return _Field(name, "date", lambda a: _utc_day(get(a)))
    return _Field(name, "text", lambda a: get(a).strip().casefold() or None)


def _any_email(a: Account) -> tuple[str, ...]:
    emails = (a.email.strip(), a.email2.strip(), a.email3.strip())
    return tuple(e.casefold() for e in emails if e)


_STANDARD = {n: _standard_field(n) for n in (*STANDARD_COLUMNS, *EXPORT_ONLY_COLUMNS)}
_STANDARD["any_email"] = _Field("any_email", "text", _any_email, many=True)
assert set(EMAIL_COLUMNS) <= set(_STANDARD)


def _custom_field(definition: CustomFieldDef) -> _Field:
    name, kind = definition.name, _KIND[definition.type]
    normalise = _NORMALISE[kind]
    return _Field(_custom_label(name), kind, lambda a: normalise(a.custom.get(name)))


def _custom_label(name: str) -> str:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        return f"custom.{name}"
    return 'custom."{}"'.format(name.replace("\\", "\\\\").replace('"', '\\"'))


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_TYPES = frozenset(t.value for t in AccountType)
_KIND_WORDS = {"number": "a number", "date": "a date", "boolean": "true or false"}


class _Compiler:
    """Checks a syntax tree against the fields and turns it into one predicate."""

    def __init__(self, text: str, custom_fields: Sequence[CustomFieldDef]) -> None:
        self.text = text
        self.exact = {d.name: d for d in custom_fields}
        self.folded: dict[str, CustomFieldDef] = {}
        for d in custom_fields:
            self.folded.setdefault(d.name.casefold(), d)

    def error(self, position: int, token: str, reason: str) -> FilterError:
        return FilterError(self.text, position, token, reason)

    def compile(self, node: Node) -> Predicate:
        if isinstance(node, Comparison):
            return self.comparison(node)
        if isinstance(node, Not):
            inner = self.compile(node.operand)
            return lambda a: not inner(a)
        preds = [self.compile(n) for n in node.operands]
        return _all(preds) if isinstance(node, And) else _any(preds)

    def checked(self, node: Node) -> Checked:
        if isinstance(node, Comparison):
            f = self.field(node.field)
            targets = tuple(self.target(v, f, node.op) for v in node.values)
            custom = f.label.startswith("custom.")  # a standard label never starts so
            name = self.custom_name(node.field) if custom else f.label
            return Test(name, custom, f.kind, node.op, targets)
        if isinstance(node, Not):
            return Negation(self.checked(node.operand))
        operands = tuple(self.checked(n) for n in node.operands)
        return AllOf(operands) if isinstance(node, And) else AnyOf(operands)

    def custom_name(self, ref: FieldRef) -> str:
        found = self.exact.get(ref.name) or self.folded.get(ref.name.casefold())
        assert found is not None  # self.field resolved it
        return found.name

    def comparison(self, c: Comparison) -> Predicate:
        f = self.field(c.field)
        self.check_operator(c, f)
        if c.op in ("is empty", "is not empty"):
            empty = _is_empty(f)
            return empty if c.op == "is empty" else _negate(empty)
        targets = [self.target(v, f, c.op) for v in c.values]
        # != and not in are the negations of = and in: so a missing value satisfies them.
        positive = c.op.removeprefix("not ").replace("!=", "=")
        holds = _holds(f, positive, targets)
        return holds if positive == c.op else _negate(holds)

    def field(self, ref: FieldRef) -> _Field:
        if not ref.prefix and ref.name.lower() in _STANDARD:
            return _STANDARD[ref.name.lower()]
        if ref.prefix.lower() == "custom":
            found = self.exact.get(ref.name) or self.folded.get(ref.name.casefold())
            if found is not None:
                return _custom_field(found)
        raise self.error(ref.position, ref.text, self.unknown(ref))

    def unknown(self, ref: FieldRef) -> str:
        if ref.prefix and ref.prefix.lower() != "custom":
            return f'unknown field {ref.text!r}; custom fields are written custom."Name"'
        names = {d.name.casefold(): _custom_label(d.name) for d in self.exact.values()}
        if not ref.prefix:
            names |= {n: n for n in _STANDARD}
        close = difflib.get_close_matches(ref.name.casefold(), list(names), n=3, cutoff=0.6)
        if not close:
            return f"unknown field {ref.text!r} (docs/filters.md lists the fields)"
        return f"unknown field {ref.text!r}; did you mean {' or '.join(names[c] for c in close)}?"

    def check_operator(self, c: Comparison, f: _Field) -> None:
        # The operator as written, case kept; it may touch the value, as in `deceased <true`.
        token = self.text[c.op_position :].split(maxsplit=1)[0][: len(c.op.split()[-1])]
        if c.op == "contains" and f.kind != "text":
            reason = f"'contains' needs a text field; {f.label} holds {_KIND_WORDS[f.kind]}"
            raise self.error(c.op_position, token, reason)
        if f.kind == "boolean" and c.op not in ("=", "!=", "is empty", "is not empty"):
            raise self.error(c.op_position, token, f"{f.label} is true or false: use = or !=")

    def target(self, value: Value, f: _Field, op: str) -> Any:
        """The value in the field's type and normal form; a FilterError when it does not fit."""
        fits = f.kind == "text" or value.kind in ("string", f.kind)
        raw = value.value if value.kind == "string" else value.text
        converted = _NORMALISE[f.kind](raw) if fits else None
        if converted is None and f.kind == "text":
            reason = "empty text never matches; use 'is empty' to find missing values"
            raise self.error(value.position, value.text, reason)
        if converted is None:
            reason = f"{f.label} holds {_KIND_WORDS[f.kind]}, and {value.text} is not one"
            if f.kind == "date":
                reason += " (write YYYY-MM-DD)"
            raise self.error(value.position, value.text, reason)
        if f.label == "type" and op in ("=", "!=", "in", "not in") and converted not in _TYPES:
            reason = f'type is "individual" or "organization", never {value.text}'
            raise self.error(value.position, value.text, reason)
        return converted


def _holds(f: _Field, op: str, targets: list[Any]) -> Predicate:
    """True when the account's value is present and passes `op` (=, <, …, in, contains)."""
    get, target = f.get, targets[0]
    allowed = frozenset(targets)
    if f.many:
        test = _test(op, target, allowed)
        return lambda a: any(map(test, get(a)))
    # A missing value is None, which equals no target: = and in need no None check.
    if op == "=":
        return lambda a: get(a) == target
    if op == "in":
        return lambda a: get(a) in allowed
    test = _test(op, target, allowed)

    def holds(account: Account) -> bool:
        value = get(account)
        return value is not None and test(value)

    return holds


def _test(op: str, target: Any, allowed: frozenset[Any]) -> Callable[[Any], bool]:
    if op == "in":
        return lambda v: v in allowed
    if op == "contains":
        return lambda v: target in v
    compare = _ORDER[op]
    return lambda v: compare(v, target)


def _is_empty(f: _Field) -> Predicate:
    get = f.get
    if f.many:
        return lambda a: not get(a)
    return lambda a: get(a) is None


def _negate(predicate: Predicate) -> Predicate:
    return lambda a: not predicate(a)


# Balanced trees of two-operand closures: cheaper per account than all() over a
# generator, and only log2(n) calls deep.
def _all(preds: list[Predicate]) -> Predicate:
    if len(preds) == 1:
        return preds[0]
    left, right = _all(preds[: len(preds) // 2]), _all(preds[len(preds) // 2 :])
    return lambda a: left(a) and right(a)


def _any(preds: list[Predicate]) -> Predicate:
    if len(preds) == 1:
        return preds[0]
    left, right = _any(preds[: len(preds) // 2]), _any(preds[len(preds) // 2 :])
    return lambda a: left(a) or right(a)
