"""Finding an address in SQL as listbridge keys it, `s.strip().lower()`, whatever the
database's own `lower()` and `trim()` do (core/email_forms.py says why a key alone
misses `ZOË@…`).

The column is trimmed of what `str.strip()` takes off (SQLite's `trim` and PostgreSQL's
`btrim` take a set of characters; MySQL's `TRIM` only spaces, which its PAD SPACE
collations ignore at the end anyway) and lowered as ASCII only ("C" on PostgreSQL, so
that the answer does not depend on the database's locale), then compared with every form
a key can take there. A key of too many forms is found by a LIKE instead. Callers keep
only the rows whose Python key is the one wanted: a LIKE, and the forms of `Σ`, which
Python lowers by its place in a word, let a few others through.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, collate, false, func, or_

from listbridge.core.email_forms import LIKE_ESCAPE, like_pattern, python_spaces, sql_lowered_forms
from listbridge.crm.sql_session import MYSQL_DIALECTS

#: forms compared in one statement (each a full scan where no index serves): three
#: columns' worth is well under SQLite's 32,766 bound values and PostgreSQL's 65,535
FORMS_PER_STATEMENT = 5000


@dataclass(frozen=True)
class Lookup:
    """Some keys, as one statement asks for them."""

    forms: tuple[str, ...]
    patterns: tuple[str, ...]


def lookups(keys: Iterable[str], per_statement: int = FORMS_PER_STATEMENT) -> Iterator[Lookup]:
    """The keys, a statement's worth at a time."""
    forms: list[str] = []
    patterns: list[str] = []
    for key in keys:
        found = sql_lowered_forms(key)
        size = 1 if found is None else len(found)
        if (forms or patterns) and len(forms) + len(patterns) + size > per_statement:
            yield Lookup(tuple(forms), tuple(patterns))
            forms, patterns = [], []
        if found is None:
            patterns.append(like_pattern(key))
        else:
            forms += sorted(found)
    if forms or patterns:
        yield Lookup(tuple(forms), tuple(patterns))


def folded(column: Any, dialect: str) -> ColumnElement[Any]:
    """The column trimmed as Python trims (MySQL: of spaces), its ASCII letters lowered
    (MySQL: by its collation)."""
    if dialect in MYSQL_DIALECTS:
        return func.lower(func.trim(column))
    if dialect == "postgresql":
        return func.lower(collate(func.btrim(column, python_spaces()), "C"))
    # SQLite's trim() with characters to take costs as much as the rest of a scan: an
    # address that starts and ends with printable ASCII (nearly all) has nothing to take
    visible = and_(
        func.unicode(column).between(33, 126),
        func.unicode(func.substr(column, -1)).between(33, 126),
    )
    return func.lower(case((visible, column), else_=func.trim(column, python_spaces())))


def holding(column: Any, dialect: str, lookup: Lookup) -> ColumnElement[bool]:
    """The column holds one of the lookup's keys, or might (a LIKE)."""
    return matches(folded(column, dialect), lookup)


def matches(lowered: ColumnElement[Any], lookup: Lookup) -> ColumnElement[bool]:
    """A folded value (`folded`) is one of the lookup's forms or like one of its patterns."""
    found: list[ColumnElement[bool]] = [lowered.in_(lookup.forms)] if lookup.forms else []
    found += [lowered.like(p, escape=LIKE_ESCAPE) for p in lookup.patterns]
    return or_(false(), *found)
