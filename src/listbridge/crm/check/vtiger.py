"""What `crm check` looks for in a Vtiger database, beyond the tables the adapter declares.

The values the adapter translates (crm/vtiger/reads.py, fields.py, campaigns.py): the
deleted flag, the e-mail opt-out checkbox, each contact, organisation and campaign
being a vtiger_crmentity record of its module (setype), campaign relations naming a
campaign that exists; and the ids and numbers new records get (vtiger_ids.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Connection, Table

from listbridge.crm.check.presets import Preset
from listbridge.crm.check.report import Problem
from listbridge.crm.check.samples import (
    SHOWN,
    Finding,
    ValueRule,
    key_text,
    newest_rows,
    sampled,
)
from listbridge.crm.check.structure import Structure, declared_at
from listbridge.crm.check.vtiger_ids import id_sequence, numbering
from listbridge.crm.vtiger import tables
from listbridge.crm.vtiger.fields import CHECKED_TEXTS

#: every table the adapter declares, so that a table it starts to use is checked too
TABLES = tuple(tables.METADATA.tables.values())
#: what an unchecked checkbox holds ('0'; older releases 'off' or 'no'; empty)
UNCHECKED_TEXTS = ("", "0", "off", "no", "false")
ENTITY = tables.CRMENTITY.c
#: each module table, its key, and the setype of its vtiger_crmentity rows
RECORDS: tuple[tuple[Table, Column[Any], str], ...] = (
    (tables.CONTACTDETAILS, tables.CONTACTDETAILS.c.contactid, "Contacts"),
    (tables.ACCOUNT, tables.ACCOUNT.c.accountid, "Accounts"),
    (tables.CAMPAIGN, tables.CAMPAIGN.c.campaignid, "Campaigns"),
)


def _checkbox(value: object) -> bool:
    return value is None or str(value).strip().lower() in (*CHECKED_TEXTS, *UNCHECKED_TEXTS)


RULES = (
    ValueRule(
        ENTITY.deleted,
        lambda v: v in (0, 1),
        "0 or 1",
        "listbridge reads only deleted = 0 as a live record and would never sync it; set "
        "it to 0 or 1, as Vtiger writes it",
    ),
    ValueRule(
        tables.CONTACTDETAILS.c.emailoptout,
        _checkbox,
        "'1' or '0'",
        "listbridge reads it as not opted out, and an opt-out it cannot read is consent "
        "lost: set it to '1' (opted out) or '0'",
    ),
)


def record_types(conn: Connection, structure: Structure) -> list[Finding]:
    """Each module row is a record of its module: listbridge reads no other."""
    findings: list[Finding] = []
    for table, key, setype in RECORDS:
        if structure.has(key, ENTITY.crmid, ENTITY.setype):
            findings += _of_type(conn, table, key, setype)
    return findings


def _of_type(conn: Connection, table: Table, key: Column[Any], setype: str) -> list[Finding]:
    joined = table.outerjoin(tables.CRMENTITY, ENTITY.crmid == key)
    rows = list(newest_rows(conn, joined, [key], key, ENTITY.crmid, ENTITY.setype))
    bad = [row for row in rows if row[2] != setype]
    if not bad:
        return [f"{table.name}: {setype} records in vtiger_crmentity ({sampled(rows)})"]
    shown = "; ".join(
        f"{key_text([key], row)}: {'no row' if row[1] is None else repr(row[2])}"
        for row in bad[:SHOWN]
    )
    why = (
        f"{len(bad)} of the {len(rows)} newest row(s) of {table.name} are not {setype} records "
        f"in vtiger_crmentity ({shown}): listbridge reads only setype {setype!r} and skips "
        f"them; give each its vtiger_crmentity row of setype {setype}, or delete it"
    )
    return [Problem(declared_at(table), "column vtiger_crmentity.setype", why)]


def campaign_relations(conn: Connection, structure: Structure) -> list[Finding]:
    """A contact's campaign relation names a campaign vtiger_campaign holds."""
    rel, campaign = tables.CAMPAIGNCONTREL.c, tables.CAMPAIGN.c
    if not structure.has(rel.campaignid, rel.contactid, campaign.campaignid):
        return []
    joined = tables.CAMPAIGNCONTREL.outerjoin(
        tables.CAMPAIGN, campaign.campaignid == rel.campaignid
    )
    rows = list(newest_rows(conn, joined, [], rel.campaignid, rel.contactid, campaign.campaignid))
    orphans = sorted({row[0] for row in rows if row[2] is None})
    name = tables.CAMPAIGNCONTREL.name
    if not orphans:
        return [f"{name}: each relates an existing campaign ({sampled(rows)})"]
    why = (
        f"relates contacts to campaignid {', '.join(map(str, orphans[:SHOWN]))}"
        f"{' …' if len(orphans) > SHOWN else ''}, which vtiger_campaign does not hold: "
        "those relations belong to no list; delete them"
    )
    return [Problem(declared_at(name), f"column {name}.campaignid", why)]


VTIGER = Preset(
    TABLES,
    tables.INSERTED,
    RULES,
    (record_types, campaign_relations, id_sequence, numbering),
)
