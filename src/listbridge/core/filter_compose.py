"""A filter put together from pieces: the default exclusions, field criteria, and text.

The web admin's "Add accounts" search lets a person who does not write filters pick
criteria (field, operator, value) and keep or drop the exclusions every list applies;
each piece becomes a clause of the same language `lists add --where` reads, and the
clauses are joined with `and`. So what the page searches is one filter text, shown to
the user, that the CLI would read the same way.

Pure: the field list comes in as custom field definitions; nothing is evaluated here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from listbridge.core.accounts import (
    BOOLEAN_COLUMNS,
    EXPORT_ONLY_COLUMNS,
    STANDARD_COLUMNS,
    CustomFieldDef,
    FieldType,
)


@dataclass(frozen=True)
class Exclusion:
    """One of the exclusions every list applies (core.filters.DEFAULT_RULES and the
    push's eligibility), as a clause a search may keep or drop."""

    key: str
    label: str
    clause: str


#: DEFAULT_RULES clause by clause, and the push's "no e-mail address" (core/eligibility.py)
EXCLUSIONS: tuple[Exclusion, ...] = (
    Exclusion("individual", "Individuals only (no organizations)", 'type = "individual"'),
    Exclusion("not_deceased", "Not deceased", "deceased = false"),
    Exclusion("not_do_not_contact", "Not do-not-contact", "do_not_contact = false"),
    Exclusion("not_opted_out", "Not opted out of e-mail", "email_opt_out = false"),
    Exclusion("has_email", "Has an e-mail address", "email is not empty"),
)
EXCLUSION_KEYS = tuple(e.key for e in EXCLUSIONS)

#: operators a criterion row offers; the last two take no value
OPERATORS: tuple[str, ...] = (
    "=", "!=", "contains", "<", "<=", ">", ">=", "is empty", "is not empty",
)  # fmt: skip
VALUELESS = frozenset({"is empty", "is not empty"})
_DATES = frozenset({"created_at", "updated_at"})
_BARE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class FieldChoice:
    """A field a criterion row can pick: its name in the filter language and its kind."""

    name: str
    kind: str  # text, number, date, boolean


def field_choices(custom_fields: Sequence[CustomFieldDef]) -> list[FieldChoice]:
    standard = (*STANDARD_COLUMNS, *EXPORT_ONLY_COLUMNS, "any_email")
    choices = [FieldChoice(name, _standard_kind(name)) for name in standard]
    for definition in custom_fields:
        choices.append(FieldChoice(custom_name(definition.name), _custom_kind(definition.type)))
    return choices


def _standard_kind(name: str) -> str:
    if name in BOOLEAN_COLUMNS:
        return "boolean"
    return "date" if name in _DATES else "text"


def _custom_kind(kind: FieldType) -> str:
    return {FieldType.NUMBER: "number", FieldType.DATE: "date", FieldType.BOOLEAN: "boolean"}.get(
        kind, "text"
    )


def custom_name(name: str) -> str:
    return f"custom.{name}" if _BARE_NAME.fullmatch(name) else f"custom.{quoted(name)}"


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class Criterion:
    """A row of the criteria builder, as the form sent it."""

    field: str
    op: str
    value: str = ""

    @property
    def blank(self) -> bool:
        return not self.field.strip()


def criterion_clause(row: Criterion, kinds: dict[str, str]) -> str:
    """The row as filter text. A text field's value is quoted for the user; a number,
    date or true/false is written bare, so the parser checks it as that type."""
    op = row.op if row.op in OPERATORS else "="
    if op in VALUELESS:
        return f"{row.field} {op}"
    value = row.value.strip()
    kind = kinds.get(row.field, "text")
    if kind == "boolean":
        value = value.lower()
    elif kind == "text" or not value:
        value = quoted(row.value)
    return f"{row.field} {op} {value}"


def compose(kept: Sequence[str], clauses: Sequence[str], text: str) -> str:
    """The one filter the pieces make: kept exclusions, criteria, then the user's text
    (in parentheses, so its own `or` stays inside). Empty when there is nothing."""
    parts = [e.clause for e in EXCLUSIONS if e.key in kept]
    parts += list(clauses)
    if text.strip():
        parts.append(f"({text.strip()})")
    return " and ".join(parts)
