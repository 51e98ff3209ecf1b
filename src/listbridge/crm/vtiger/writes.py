"""The vtiger_crmentity side of every write: who, when, what kind of record, its label.

Vtiger keeps a record's owner, creator, last modifier, times and label in
vtiger_crmentity; CRMEntity::insertIntoCrmEntity writes them on a create and sets
modifiedtime and modifiedby on every save. listbridge writes them the same way, as
the Vtiger user it is configured to act as (the owner of what it creates).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, update

from listbridge.crm.vtiger.fields import to_db
from listbridge.crm.vtiger.tables import CRMENTITY

#: vtiger_crmentity.source of the records listbridge creates (Vtiger writes CRM,
#: WEBSERVICE, IMPORT…): who made a record is visible in Vtiger itself
SOURCE = "LISTBRIDGE"


@dataclass(frozen=True)
class Writer:
    """The writes of one CRM transaction, made at one moment by one Vtiger user."""

    conn: Connection
    #: aware, UTC, whole seconds (what Vtiger's DATETIME keeps)
    at: datetime
    user_id: int
    #: the same moment as the clock gave it, for the journal: a job journals its own
    #: changes so precisely, and an account's history reads in the order things happened
    noted: datetime

    def insert_entities(self, setype: str, records: Sequence[tuple[int, str]]) -> None:
        """vtiger_crmentity rows for new records: (crmid, label) each."""
        moment = to_db(self.at)
        rows = [
            {
                "crmid": crmid,
                "smcreatorid": self.user_id,
                "smownerid": self.user_id,
                "modifiedby": self.user_id,
                "setype": setype,
                "createdtime": moment,
                "modifiedtime": moment,
                "presence": 1,
                "deleted": 0,
                "source": SOURCE,
                "label": label,
            }
            for crmid, label in records
        ]
        if rows:
            self.conn.execute(insert(CRMENTITY), rows)

    def touch(self, crmids: Sequence[int], **values: Any) -> None:
        """Mark records modified now by this user, with `values` (label, deleted) set too."""
        if not crmids:
            return
        statement = (
            update(CRMENTITY)
            .where(CRMENTITY.c.crmid.in_(crmids))
            .values(modifiedtime=to_db(self.at), modifiedby=self.user_id, **values)
        )
        self.conn.execute(statement)
