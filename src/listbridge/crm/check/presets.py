"""`crm check` for a preset CRM (CiviCRM, Vtiger): its adapter's tables against its database.

The tables and columns come from the adapter's own tables.py, so that the check and the
adapter cannot disagree: structure.py compares them with what the database reflects,
samples.py reads the values the adapter translates in a sample of rows, and each
preset adds the checks only it needs (Vtiger's id sequence, CiviCRM's location types).
Every mismatch is a Problem naming the preset table and the database object.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Table, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from listbridge.core.errors import UserError
from listbridge.crm.check.kinds import TypeKind, kind_of
from listbridge.crm.check.report import CheckReport, Problem
from listbridge.crm.check.samples import Finding, ValueRule, check_values
from listbridge.crm.check.structure import Structure, compare_tables
from listbridge.crm.engines import CrmUnreachableError, answering_engine, where
from listbridge.store.connections import connection_name
from listbridge.store.crm_choice import CrmChoice
from listbridge.store.db import Store

#: a check of its own a preset runs once its tables are known sound enough
ExtraCheck = Callable[[Connection, Structure], list[Finding]]


@dataclass(frozen=True)
class Preset:
    #: every table the adapter reads or writes, from its tables.py
    tables: Sequence[Table]
    #: those it inserts rows into
    inserted: Sequence[Table]
    rules: Sequence[ValueRule]
    extras: Sequence[ExtraCheck] = ()


def flag_rules(tables: Sequence[Table], otherwise: str) -> list[ValueRule]:
    """A rule for every boolean the adapter declares: the CRM keeps 0 or 1 (MySQL has no
    boolean; a TINYINT may hold 2, which reads as true here and not false there)."""
    return [
        ValueRule(c, lambda v: v in (None, 0, 1), "0 or 1", otherwise)
        for t in tables
        for c in t.columns
        if kind_of(c.type) is TypeKind.BOOLEAN
    ]


def check_preset_crm(
    preset: Preset, store: Store, connection_id: int, choice: CrmChoice
) -> CheckReport:
    """The report on the connection's preset CRM; CrmUnreachableError when its database
    does not answer, or cannot be read."""
    if choice.url is None:  # save_crm_choice never stores one so; a hand-edited row
        raise UserError(f"the {choice.kind} CRM has no URL: run `listbridge crm use` again")
    name = connection_name(store, connection_id)
    engine = answering_engine(choice.url, name)
    report = CheckReport(choice.describe())
    try:
        findings = check_preset(engine, preset)
    except DBAPIError as error:
        raise CrmUnreachableError(
            f"connection {name!r}: the CRM database at {where(engine.url)} could not be "
            f"read ({error.orig}); check that the user may read its tables"
        ) from error
    for finding in findings:
        if isinstance(finding, Problem):
            report.problems.append(finding)
        else:
            report.found.append(finding)
    return report


def check_preset(engine: Engine, preset: Preset) -> list[Finding]:
    """Every finding on `engine`'s database: its tables, then its values."""
    structure = compare_tables(inspect(engine), engine.dialect, preset.tables, preset.inserted)
    findings: list[Finding] = [*structure.found, *structure.problems]
    with engine.connect() as conn:
        findings += check_values(conn, structure, preset.rules)
        for extra in preset.extras:
            findings += extra(conn, structure)
    return findings
