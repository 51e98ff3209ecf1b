"""New Vtiger ids and record numbers, drawn as Vtiger draws them, in the caller's transaction.

A crmid comes from `vtiger_crmentity_seq`, ADOdb's sequence table behind
PearDatabase::getUniqueID: `UPDATE … SET id = LAST_INSERT_ID(id + 1)`, then
LAST_INSERT_ID(). A batch draws its n ids with one `id + n`. The UPDATE keeps the
row locked until the transaction ends, so listbridge and Vtiger never draw the same id.

A record number (contact_no CON12, account_no ACC3, campaign_no CAM7) is the prefix and
cur_id of the module's active `vtiger_modentity_num` row; cur_id then moves on by one per
record and keeps its width (0009 → 0010), as CRMEntity::setModuleSeqNumber('increment')
does. The row is read FOR UPDATE for the same reason.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select, update

from listbridge.core.errors import UserError
from listbridge.crm.vtiger.tables import CRMENTITY_SEQ, MODENTITY_NUM


def next_crmids(conn: Connection, count: int) -> list[int]:
    """`count` new crmids, in order."""
    if count == 0:
        return []
    seq = CRMENTITY_SEQ.c.id
    drawn = conn.execute(update(CRMENTITY_SEQ).values(id=func.last_insert_id(seq + count)))
    if drawn.rowcount != 1:
        raise UserError(
            f"vtiger_crmentity_seq holds {drawn.rowcount} rows, not the one row of the last "
            "id Vtiger gave a record; is this a Vtiger database?"
        )
    last = int(conn.execute(select(func.last_insert_id())).scalar_one())
    return list(range(last - count + 1, last + 1))


def next_numbers(conn: Connection, module: str, count: int) -> list[str]:
    """`count` new record numbers of `module` ("Contacts", "Accounts", "Campaigns")."""
    if count == 0:
        return []
    m = MODENTITY_NUM.c
    query = select(m.num_id, m.prefix, m.cur_id).where(m.semodule == module, m.active == "1")
    row = conn.execute(query.order_by(m.num_id).limit(1).with_for_update()).first()
    if row is None:
        raise UserError(
            f"Vtiger numbers no {module}: vtiger_modentity_num has no active row for it "
            "(Vtiger: Settings, Record Numbering)"
        )
    text = str(row.cur_id)
    if not text.isdecimal():
        raise UserError(
            f"vtiger_modentity_num: the {module} numbering is at {text!r}, not a number"
        )
    first, width = int(text), len(text)
    numbers = [f"{row.prefix}{str(first + n).zfill(width)}" for n in range(count)]
    following = str(first + count).zfill(width)
    conn.execute(update(MODENTITY_NUM).where(m.num_id == row.num_id).values(cur_id=following))
    return numbers
