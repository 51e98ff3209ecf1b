"""How Vtiger gives a new record its crmid and number, checked as crm/vtiger/numbering.py
draws them: `vtiger_crmentity_seq` must be one row at the largest crmid or above, and
each module listbridge creates records of must have an active, numeric numbering row.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from listbridge.crm.check.report import Problem
from listbridge.crm.check.samples import Finding
from listbridge.crm.check.structure import Structure, declared_at
from listbridge.crm.vtiger.tables import CRMENTITY, CRMENTITY_SEQ, MODENTITY_NUM

#: the modules listbridge creates records of: contacts, their organisations, campaigns
MODULES = ("Contacts", "Accounts", "Campaigns")
SEQ, NUM = CRMENTITY_SEQ.c, MODENTITY_NUM.c


def id_sequence(conn: Connection, structure: Structure) -> list[Finding]:
    if not structure.has(SEQ.id, CRMENTITY.c.crmid):
        return []
    ids = list(conn.scalars(select(SEQ.id).limit(2)))
    largest = conn.scalar(select(func.max(CRMENTITY.c.crmid))) or 0
    if len(ids) != 1:
        held = "no row" if not ids else "several rows"
        why = (
            f"holds {held}, not the one row of the last crmid Vtiger gave a record, which "
            "listbridge draws new ids from as Vtiger does: "
            f"leave one row, at {largest} (the largest crmid)"
        )
    elif ids[0] < largest:
        why = (
            f"is at {ids[0]}, below the largest crmid {largest}: the next record listbridge "
            f"or Vtiger creates would take a crmid already used; set it to {largest}"
        )
    else:
        return [f"{CRMENTITY_SEQ.name}: one row, at {ids[0]} (the largest crmid is {largest})"]
    return [Problem(declared_at(CRMENTITY_SEQ), f"table {CRMENTITY_SEQ.name}", why)]


def numbering(conn: Connection, structure: Structure) -> list[Finding]:
    if not structure.has(NUM.num_id, NUM.semodule, NUM.prefix, NUM.cur_id, NUM.active):
        return []
    findings: list[Finding] = []
    nexts: list[str] = []
    for module in MODULES:
        query = select(NUM.prefix, NUM.cur_id).where(NUM.semodule == module, NUM.active == "1")
        row = conn.execute(query.order_by(NUM.num_id).limit(1)).first()
        if row is not None and str(row.cur_id).isdecimal():
            nexts.append(f"{module} {row.prefix}{row.cur_id}")
            continue
        why = (
            f"has no active row numbering {module}, which listbridge numbers as Vtiger does: "
            "turn it on in Vtiger (Settings, Record Numbering)"
            if row is None
            else f"numbers {module} from {row.cur_id!r}, not a number: set its cur_id to the "
            "next number (Vtiger: Settings, Record Numbering)"
        )
        findings.append(Problem(declared_at(MODENTITY_NUM), f"table {MODENTITY_NUM.name}", why))
    if nexts:
        findings.insert(0, f"{MODENTITY_NUM.name}: the next numbers are {', '.join(nexts)}")
    return findings
