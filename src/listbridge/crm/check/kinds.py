"""What kind of value a column holds, so that a declared type and a reflected one compare.

The adapters declare SQLAlchemy's generic types (`Integer`, `String(64)`, `Boolean`);
a database reflects its own (`INTEGER(10) UNSIGNED`, `VARCHAR(64)`, `TINYINT(4)`,
`TIMESTAMP WITH TIME ZONE`). Exact types differ between MariaDB and PostgreSQL and
between releases of a CRM, so only the kind is compared: a text column may be CHAR,
VARCHAR or TEXT, and a boolean may be MySQL's TINYINT, as CiviCRM keeps them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Enum, Integer, Numeric, String
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import CompileError
from sqlalchemy.types import TypeDecorator, TypeEngine


class TypeKind(StrEnum):
    INTEGER = "integer"
    DECIMAL = "decimal number"
    TEXT = "text"
    DATE_TIME = "date and time"
    DATE = "date"
    BOOLEAN = "boolean"
    OTHER = "other"


#: checked in this order: MySQL's TIMESTAMP is a DateTime, its TINYINT an Integer
_KINDS: tuple[tuple[type[TypeEngine[Any]], TypeKind], ...] = (
    (Boolean, TypeKind.BOOLEAN),
    (Integer, TypeKind.INTEGER),
    (Numeric, TypeKind.DECIMAL),
    (String, TypeKind.TEXT),
    (DateTime, TypeKind.DATE_TIME),
    (Date, TypeKind.DATE),
)
#: the kinds a column declared as the key may be: MySQL has no boolean but TINYINT
ACCEPTED: dict[TypeKind, frozenset[TypeKind]] = {
    TypeKind.BOOLEAN: frozenset({TypeKind.BOOLEAN, TypeKind.INTEGER}),
}


def kind_of(type_: TypeEngine[Any]) -> TypeKind:
    """The kind of a declared or reflected type (a TypeDecorator by what it stores)."""
    if isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    return next((kind for cls, kind in _KINDS if isinstance(type_, cls)), TypeKind.OTHER)


def type_mismatch(
    declared: TypeEngine[Any], reflected: TypeEngine[Any], dialect: Dialect
) -> str | None:
    """Why a column of the `reflected` type cannot hold what the adapter declares, or None
    (`dialect` names the reflected type as the database does).

    A text column shorter than declared is a mismatch too: the declared lengths are the
    CRM's own, and a value listbridge writes up to them would be refused or cut.
    """
    wanted, found = kind_of(declared), kind_of(reflected)
    if found not in ACCEPTED.get(wanted, frozenset({wanted})):
        return (
            f"is {_sql(reflected, dialect)} ({found}), but listbridge reads and writes it as "
            f"{wanted}: give it the type the CRM installs it with"
        )
    short = _shorter(declared, reflected)
    if short is not None:
        length, needed = short
        return (
            f"is {_sql(reflected, dialect)}: at most {length} characters, fewer than the "
            f"{needed} the CRM installs it with and listbridge writes up to; widen it to {needed}"
        )
    return None


def _shorter(declared: TypeEngine[Any], reflected: TypeEngine[Any]) -> tuple[int, int] | None:
    """(reflected, declared) lengths when the text column is the shorter one."""
    if isinstance(reflected, Enum):  # its values, not its length, say what it holds
        return None
    needed = getattr(declared, "length", None)
    length = getattr(reflected, "length", None)
    if isinstance(needed, int) and isinstance(length, int) and length < needed:
        return length, needed
    return None


def _sql(type_: TypeEngine[Any], dialect: Dialect) -> str:
    """The type as the database names it (`VARCHAR(8)`, `TINYINT(4)`), for a message."""
    try:
        return str(type_.compile(dialect=dialect))
    except CompileError:  # a type SQLAlchemy reflected but cannot name (NullType)
        return "a type listbridge does not know"
