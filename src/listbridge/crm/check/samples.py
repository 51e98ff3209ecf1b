"""The values an adapter translates, checked in a sample of each table's rows.

A column whose values the adapter maps to an Account (CiviCRM's contact_type, Vtiger's
emailoptout checkbox, every 0/1 flag) is read in the newest rows of its table, by key,
at most SAMPLE of them: a cheap look that catches another application's or an import's
different vocabulary, not a proof over millions of rows. The values are read as the
driver returns them (untyped columns), so that a TINYINT holding 2 is seen as 2.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Connection, Row, column, select, table
from sqlalchemy.sql.expression import ColumnClause

from listbridge.crm.check.report import Problem
from listbridge.crm.check.structure import Structure, declared_at

#: rows read per table
SAMPLE = 1000
#: bad rows named in a problem
SHOWN = 3
#: one line of the report: what was as expected, or a Problem
Finding = str | Problem


@dataclass(frozen=True)
class ValueRule:
    """The values of a column the adapter reads as meant, and what it does with others."""

    column: Column[Any]
    accepts: Callable[[object], bool]
    #: the values read as meant: "Individual, Organization or Household"
    expected: str
    #: what listbridge makes of another value, and what would fix it
    otherwise: str


def newest_rows(
    conn: Connection, source: Any, key: Sequence[ColumnClause[Any]], *columns: Any
) -> Any:
    """The SAMPLE rows of `source` with the highest `key` (the table's order when none)."""
    query = select(*columns).select_from(source).limit(SAMPLE)
    return conn.execute(query.order_by(*(k.desc() for k in key)))


def key_text(key: Sequence[ColumnClause[Any]], row: Row[Any]) -> str:
    """How a problem names a row: `id 7`, `crmid 12`."""
    return ", ".join(f"{k.name} {row[i]}" for i, k in enumerate(key)) or "a row"


def check_values(
    conn: Connection, structure: Structure, rules: Sequence[ValueRule]
) -> list[Finding]:
    """Each table's rules, over one sample of its rows; a rule on a column the structure
    found wrong is left out (its problem is already reported)."""
    by_table: dict[str, list[ValueRule]] = {}
    for rule in rules:
        key = list(rule.column.table.primary_key.columns)
        if structure.has(rule.column, *key):
            by_table.setdefault(rule.column.table.name, []).append(rule)
    return [f for name, mine in by_table.items() for f in _sampled(conn, name, mine)]


def _sampled(conn: Connection, name: str, rules: list[ValueRule]) -> list[Finding]:
    key = list(rules[0].column.table.primary_key.columns)
    raw: list[ColumnClause[Any]] = [column(c.name) for c in key]
    raw += [column(r.column.name) for r in rules]
    rows = list(newest_rows(conn, table(name, *raw), raw[: len(key)], *raw))
    findings: list[Finding] = []
    for offset, rule in enumerate(rules, start=len(key)):
        bad = [row for row in rows if not rule.accepts(row[offset])]
        if bad:
            findings.append(_problem(rule, key, bad, offset, len(rows)))
    good = [r.column.name for r in rules if not any(_about(f, r) for f in findings)]
    if good:
        findings.insert(0, f"values of {name}: {', '.join(good)} as expected ({sampled(rows)})")
    return findings


def sampled(rows: Sequence[object]) -> str:
    """How many rows a found line is about: `the 12 newest rows`, `no rows yet`."""
    return f"the {len(rows)} newest row(s)" if rows else "no rows yet"


def _about(finding: Finding, rule: ValueRule) -> bool:
    return isinstance(finding, Problem) and finding.object == _object(rule)


def _object(rule: ValueRule) -> str:
    return f"column {rule.column.table.name}.{rule.column.name}"


def _problem(
    rule: ValueRule, key: list[Column[Any]], bad: list[Row[Any]], offset: int, count: int
) -> Problem:
    shown = "; ".join(f"{key_text(key, row)}: {row[offset]!r}" for row in bad[:SHOWN])
    more = f"; … {len(bad) - SHOWN} more" if len(bad) > SHOWN else ""
    return Problem(
        declared_at(rule.column.table.name),
        _object(rule),
        f"{len(bad)} of the {count} newest row(s) hold a value other than {rule.expected} "
        f"({shown}{more}): {rule.otherwise}",
    )
