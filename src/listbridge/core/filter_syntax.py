"""The segment filter language's syntax: grammar, syntax tree, and errors in plain words.

docs/filters.md describes the language; core.filters checks fields and evaluates.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lark import Lark, Token, Tree
from lark.exceptions import (
    LarkError,
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
)

from listbridge.core.errors import UserError

# Keywords are regexes with \b and a priority above NAME, so that `note` stays a field
# name and `not` a keyword whichever parser state the contextual lexer is in.
_GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr (_OR and_expr)*
?and_expr: not_expr (_AND not_expr)*
?not_expr: _NOT not_expr -> negation
         | atom
?atom: comparison
     | _LPAR or_expr _RPAR
comparison: field OP value                      -> compare
          | field IN _LPAR values _RPAR         -> in_
          | field _NOT IN _LPAR values _RPAR    -> not_in
          | field CONTAINS value                -> contains
          | field IS _EMPTY                     -> empty
          | field IS _NOT _EMPTY                -> not_empty
values: value (_COMMA value)*
value: STRING | NUMBER | DATE | TRUE | FALSE
field: NAME (_DOT (NAME | STRING))?

_OR.2: /or\b/i
_AND.2: /and\b/i
_NOT.2: /not\b/i
IN.2: /in\b/i
CONTAINS.2: /contains\b/i
IS.2: /is\b/i
_EMPTY.2: /empty\b/i
TRUE.2: /true\b/i
FALSE.2: /false\b/i
DATE.3: /\d{4}-\d{1,2}-\d{1,2}/
NUMBER: /-?\d+(\.\d+)?/
STRING: /"(?:[^"\\]|\\["\\])*"/
NAME: /[A-Za-z_][A-Za-z0-9_]*/
OP: /!=|<=|>=|=|<|>/
_LPAR: "("
_RPAR: ")"
_COMMA: ","
_DOT: "."
%import common.WS
%ignore WS
"""
_PARSER = Lark(_GRAMMAR, parser="lalr", lexer="contextual", propagate_positions=True)

LiteralValue = str | Decimal | date | bool
MAX_DEPTH = 100  # nesting of and/or/not; deeper would strain Python's stack when evaluated


class FilterError(UserError):
    """A filter that cannot be used, and where in its text the problem is."""

    def __init__(self, text: str, position: int, token: str, reason: str) -> None:
        self.text = text
        self.position = position
        self.column = position + 1
        self.token = token
        self.reason = reason
        super().__init__(f"filter, column {self.column}: {reason}\n{_pointer(text, position)}")

    def __reduce__(self) -> tuple[type[FilterError], tuple[str, int, str, str]]:
        return (FilterError, (self.text, self.position, self.token, self.reason))


def _pointer(text: str, position: int, width: int = 60) -> str:
    """The filter (a window of it when long) on one line, and a caret under `position`."""
    start = max(0, min(position - width // 2, len(text) - width))
    shown = re.sub(r"\s", " ", text[start : start + width])
    left = "…" if start > 0 else ""
    right = "…" if start + width < len(text) else ""
    return f"  {left}{shown}{right}\n  {' ' * (len(left) + position - start)}^"


@dataclass(frozen=True)
class Value:
    kind: str  # "string", "number", "date" or "boolean"
    text: str  # as written, quotes and escapes included
    value: LiteralValue  # a string's value is without its quotes and escapes
    position: int


@dataclass(frozen=True)
class FieldRef:
    prefix: str  # "" for a standard field, else the part before the dot ("custom")
    name: str
    text: str  # as written
    position: int


@dataclass(frozen=True)
class Comparison:
    field: FieldRef
    op: str  # = != < <= > >= in, not in, contains, is empty, is not empty
    op_position: int
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class And:
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Node, ...]


Node = Comparison | Not | And | Or


def parse_filter(text: str) -> Node:
    """The syntax tree of a filter; field names and value types are not checked here."""
    if not text.strip():
        raise FilterError(text, 0, "", "the filter is empty")
    try:
        tree = _PARSER.parse(text)
    except UnexpectedInput as e:
        raise _translate(text, e) from None
    except LarkError:  # defensive: Lark raises nothing else for bad input
        raise FilterError(text, 0, "", "the filter cannot be read") from None
    return _build(text, tree, 0)


def _build(text: str, tree: Tree[Token], depth: int) -> Node:
    if depth > MAX_DEPTH:
        pos = getattr(tree.meta, "start_pos", 0)
        raise FilterError(text, pos, "", f"the filter nests more than {MAX_DEPTH} levels deep")
    kids = tree.children
    if tree.data == "or_expr":
        return Or(tuple(_build(text, _tree(k), depth + 1) for k in kids))
    if tree.data == "and_expr":
        return And(tuple(_build(text, _tree(k), depth + 1) for k in kids))
    if tree.data == "negation":
        return Not(_build(text, _tree(kids[0]), depth + 1))
    return _comparison(text, tree)


_OPERATOR_NAMES = {
    "in_": "in",
    "not_in": "not in",
    "empty": "is empty",
    "not_empty": "is not empty",
}


def _comparison(text: str, tree: Tree[Token]) -> Comparison:
    field, op, *rest = tree.children
    name = _OPERATOR_NAMES.get(str(tree.data), str(op).lower())
    values = _tree(rest[0]).children if rest and _tree(rest[0]).data == "values" else rest
    parsed = tuple(_value(text, _tree(v)) for v in values)
    return Comparison(_field(_tree(field)), name, _token(op).start_pos or 0, parsed)


def _tree(child: Tree[Token] | Token) -> Tree[Token]:
    assert isinstance(child, Tree)
    return child


def _token(child: Tree[Token] | Token) -> Token:
    assert isinstance(child, Token)
    return child


def _field(tree: Tree[Token]) -> FieldRef:
    first, last = _token(tree.children[0]), _token(tree.children[-1])
    name = _unquote(last) if last.type == "STRING" else str(last)
    prefix = str(first) if len(tree.children) > 1 else ""
    written = f"{prefix}.{last}" if prefix else str(first)
    return FieldRef(prefix, name, written, first.start_pos or 0)


def _value(text: str, tree: Tree[Token]) -> Value:
    tok = _token(tree.children[0])
    pos = tok.start_pos or 0
    if tok.type == "STRING":
        return Value("string", str(tok), _unquote(tok), pos)
    if tok.type == "NUMBER":
        return Value("number", str(tok), Decimal(tok), pos)
    if tok.type == "DATE":
        return Value("date", str(tok), parse_date(text, str(tok), pos), pos)
    return Value("boolean", str(tok), tok.type == "TRUE", pos)


def parse_date(text: str, written: str, position: int) -> date:
    """A YYYY-MM-DD date, or a FilterError pointing at it."""
    try:
        if re.fullmatch(r"\d{4}-\d\d-\d\d", written):
            return date.fromisoformat(written)
    except ValueError:
        pass
    raise FilterError(text, position, written, f"{written!r} is not a date; write YYYY-MM-DD")


def _unquote(token: str) -> str:
    return re.sub(r'\\(["\\])', r"\1", token[1:-1])


# Lark's terminal names in words, in the order a message lists them.
_WORDS = {
    "NAME": "a field name",
    "NOT": "'not'",
    "LPAR": "'('",
    "OP": "an operator (=, !=, <, >, in, contains, is empty…)",
    "IN": "'in'",
    "EMPTY": "'empty'",
    "STRING": "a value",
    "NUMBER": "a value",
    "DATE": "a value",
    "TRUE": "a value",
    "FALSE": "a value",
    "AND": "'and'",
    "OR": "'or'",
    "COMMA": "','",
    "RPAR": "')'",
    "END": "the end of the filter",
}
_SCAN = re.compile(r'"(?:[^"\\]|\\.)*"|[A-Za-z_]\w*|-?\d[\d.-]*|!=|<=|>=|\S')


def _expected(names: Collection[str]) -> str:
    known = {n.lstrip("_$") for n in names}
    if "NAME" in known:  # after `custom.` a quoted name is a field name, not a value
        known.discard("STRING")
    if "OP" in known:  # the operator phrase covers `in`, `not in`, `contains`, `is`
        known -= {"IN", "NOT"}
    words = list(dict.fromkeys(w for n, w in _WORDS.items() if n in known))
    if "'not'" in words and "'empty'" in words:
        words = ["'empty' or 'not empty'"]
    return " or ".join(words) or "something else"


def _after(text: str, position: int) -> str:
    """' after X' naming what precedes `position`: 'in (' and 'custom.x' count as one."""
    tokens = _SCAN.findall(text[:position])
    if not tokens:
        return " at the start"
    shown = tokens[-1]
    if len(tokens) > 1 and shown == "(" and tokens[-2].lower() == "in":
        shown = f"{tokens[-2]} ("
    elif len(tokens) > 2 and tokens[-2] == ".":
        shown = "".join(tokens[-3:])
    return f" after {_short(shown)}"


def _short(token: str) -> str:
    shown = token if len(token) <= 24 else token[:23] + "…"
    return f'"{shown}"' if "'" in shown else f"'{shown}'"


def _accepts(text: str, position: int, fallback: Collection[str] | None) -> Collection[str]:
    """What the parser could take at `position`. LALR's `expected` is taken after the
    reductions the bad token caused, so it leaves out e.g. 'and' before a stray ')'."""
    try:
        parser = _PARSER.parse_interactive(text[:position])
        parser.exhaust_lexer()
        accepts: set[str] = parser.accepts()  # type: ignore[no-untyped-call]
        return accepts
    except LarkError:
        return set(fallback or ())


def _translate(text: str, e: UnexpectedInput) -> FilterError:
    end = len(text.rstrip())
    if isinstance(e, UnexpectedCharacters):
        pos = e.pos_in_stream or 0
        return _bad_character(text, pos, _accepts(text, pos, e.allowed))
    if isinstance(e, UnexpectedToken) and e.token.type != "$END":
        pos, found = e.token.start_pos or 0, str(e.token)
        accepts = _accepts(text, pos, e.expected)
        reason = f"expected {_expected(accepts)}{_after(text, pos)} but found {_short(found)}"
        if e.token.type == "NAME" and "STRING" in accepts:
            reason += f'; text values need double quotes: "{found}"'
        return FilterError(text, pos, found, reason)
    fallback = e.expected if isinstance(e, UnexpectedToken | UnexpectedEOF) else ()
    names = _accepts(text, end, fallback)
    reason = f"expected {_expected(names)}{_after(text, end)} but the filter ended"
    return FilterError(text, end, "", reason)


def _bad_character(text: str, pos: int, accepts: Collection[str]) -> FilterError:
    char = text[pos]
    if char == '"':
        return _bad_string(text, pos)
    reason = f"expected {_expected(accepts)}{_after(text, pos)} but found {_short(char)}"
    if char == "'":
        reason += "; text values need double quotes"
    return FilterError(text, pos, char, reason)


def _bad_string(text: str, pos: int) -> FilterError:
    """A quote that starts no valid string: a bad escape inside, or no closing quote."""
    escape = re.compile(r'"(?:[^"\\]|\\["\\])*+(\\.?)').match(text, pos)
    if escape and escape.group(1):
        at = escape.start(1)
        reason = f"'{escape.group(1)}' is not an escape; write \\\" for a quote, \\\\ for a \\"
        return FilterError(text, at, escape.group(1), reason)
    return FilterError(text, pos, text[pos:], "this text has no closing double quote")
