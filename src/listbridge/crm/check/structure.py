"""A preset's tables as its adapter declares them (its tables.py), against the live database.

Each declared table must exist, and each declared column in it, of the kind the adapter
reads and writes (kinds.py). A table the adapter inserts into must not require a column
the adapter leaves out (NOT NULL, no default): every insert would be refused. What is
sound is kept, so that the row samples read only columns known to be there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Table
from sqlalchemy.engine import Dialect, Inspector
from sqlalchemy.engine.interfaces import ReflectedColumn

from listbridge.crm.check.kinds import type_mismatch
from listbridge.crm.check.report import Problem


def declared_at(table: Table | str) -> str:
    """Where a preset declares a table: what every problem about it names."""
    return f"preset table {table if isinstance(table, str) else table.name}"


@dataclass
class Structure:
    """What the comparison found, and the columns found as declared, by table."""

    found: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sound: dict[str, set[str]] = field(default_factory=dict)

    def has(self, *columns: Column[Any]) -> bool:
        """Whether every one of these declared columns was found as declared."""
        return all(c.name in self.sound.get(c.table.name, set()) for c in columns)


def compare_tables(
    inspector: Inspector, dialect: Dialect, tables: Sequence[Table], inserted: Sequence[Table]
) -> Structure:
    """Each declared table against the database; `inserted`: those the adapter inserts into."""
    structure = Structure()
    present = set(inspector.get_table_names())
    for table in tables:
        if table.name not in present:
            structure.problems.append(_missing_table(table, table in inserted))
            continue
        reflected = {c["name"]: c for c in inspector.get_columns(table.name)}
        problems = _column_problems(table, reflected, dialect)
        if table in inserted:
            problems += _required_left_out(table, reflected)
        bad = {p.object for p in problems}
        sound = {c.name for c in table.columns if _column(table, c.name) not in bad}
        structure.sound[table.name] = sound
        structure.problems += problems
        structure.found.append(
            f"table {table.name}: {len(sound)} of {len(table.columns)} columns as expected"
        )
    return structure


def _column(table: Table, name: str) -> str:
    return f"column {table.name}.{name}"


def _missing_table(table: Table, written: bool) -> Problem:
    use = "reads and writes" if written else "reads"
    return Problem(
        declared_at(table),
        f"table {table.name}",
        f"the database has no table {table.name}, which listbridge {use}: check that the "
        "URL names the CRM's own database, and that its user may see the table",
    )


def _column_problems(
    table: Table, reflected: dict[str, ReflectedColumn], dialect: Dialect
) -> list[Problem]:
    problems: list[Problem] = []
    for column in table.columns:
        found = reflected.get(column.name)
        if found is None:
            reason = (
                f"{table.name} has no column {column.name}, which listbridge reads or "
                "writes: is the CRM's schema at the release listbridge supports?"
            )
        else:
            reason = type_mismatch(column.type, found["type"], dialect) or ""
        if reason:
            problems.append(Problem(declared_at(table), _column(table, column.name), reason))
    return problems


def _required_left_out(table: Table, reflected: dict[str, ReflectedColumn]) -> list[Problem]:
    """Columns listbridge does not fill on insert that the database would insist on."""
    return [
        Problem(
            declared_at(table),
            _column(table, name),
            "is NOT NULL with no default, and listbridge's inserts do not fill it: every "
            f"new row would be refused; give {name} a default (the CRM's installer does) "
            "or allow NULL",
        )
        for name, column in reflected.items()
        if name not in table.columns and _required(column)
    ]


def _required(column: ReflectedColumn) -> bool:
    generated = column.get("autoincrement") is True or "identity" in column
    generated = generated or "computed" in column
    return not column["nullable"] and column.get("default") is None and not generated
