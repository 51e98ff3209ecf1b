"""Vtiger campaigns as lists: the statements behind lists.py.

A list is a live campaign (vtiger_crmentity setype Campaigns, deleted 0) and its
name is the campaign's name; its members are the contacts related to it in
vtiger_campaigncontrel, as Vtiger's Campaigns related list shows them. A new campaign
is what Vtiger saves for one: its vtiger_crmentity row, vtiger_campaign with the next
campaign_no, and vtiger_campaignscf. Its Expected Close Date stays empty (a list has
none): Vtiger asks for one when the campaign is next edited there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, delete, insert, select, update

from listbridge.crm.vtiger.numbering import next_crmids, next_numbers
from listbridge.crm.vtiger.reads import IN_CHUNK
from listbridge.crm.vtiger.tables import CAMPAIGN, CAMPAIGNCONTREL, CAMPAIGNSCF, CRMENTITY
from listbridge.crm.vtiger.writes import Writer

#: what a campaign listbridge creates is, in Vtiger's own picklists: an e-mail list in use
CAMPAIGN_TYPE, CAMPAIGN_STATUS = "Email", "Active"
#: the relation status Vtiger gives a contact it relates to a campaign ("--None--")
RELATED = 1
ENTITY, REL = CRMENTITY.c, CAMPAIGNCONTREL.c


def _live_campaigns() -> Select[Any]:
    return (
        select(CAMPAIGN.c.campaignid, CAMPAIGN.c.campaignname)
        .join(CRMENTITY, ENTITY.crmid == CAMPAIGN.c.campaignid)
        .where(ENTITY.setype == "Campaigns", ENTITY.deleted == 0)
    )


def names(conn: Connection) -> list[str]:
    found = {row.campaignname for row in conn.execute(_live_campaigns()) if row.campaignname}
    return sorted(found, key=lambda n: (n.casefold(), n))


def by_id(conn: Connection) -> dict[str, str]:
    """The live campaigns' names by crmid (as text)."""
    rows = conn.execute(_live_campaigns())
    return {str(row.campaignid): row.campaignname for row in rows if row.campaignname}


def named(conn: Connection, name: str) -> list[int]:
    """The live campaigns named exactly `name` (the column's collation may ignore case)."""
    query = _live_campaigns().where(CAMPAIGN.c.campaignname == name)
    return sorted(row.campaignid for row in conn.execute(query) if row.campaignname == name)


def insert_campaign(writer: Writer, name: str) -> int:
    conn = writer.conn
    (crmid,) = next_crmids(conn, 1)
    (number,) = next_numbers(conn, "Campaigns", 1)
    writer.insert_entities("Campaigns", [(crmid, name)])
    row = {
        "campaignid": crmid,
        "campaign_no": number,
        "campaignname": name,
        "campaigntype": CAMPAIGN_TYPE,
        "campaignstatus": CAMPAIGN_STATUS,
    }
    conn.execute(insert(CAMPAIGN).values(row))
    conn.execute(insert(CAMPAIGNSCF).values(campaignid=crmid))
    return crmid


def rename(writer: Writer, campaign_id: int, name: str) -> None:
    statement = update(CAMPAIGN).where(CAMPAIGN.c.campaignid == campaign_id)
    writer.conn.execute(statement.values(campaignname=name))
    writer.touch([campaign_id], label=name)


def mark_deleted(writer: Writer, campaign_id: int) -> None:
    """As Vtiger deletes a record: deleted = 1, kept for its recycle bin; the campaign's
    relations to contacts go."""
    writer.touch([campaign_id], deleted=1)
    writer.conn.execute(delete(CAMPAIGNCONTREL).where(REL.campaignid == campaign_id))


def member_page(conn: Connection, campaign_id: int, after: int, size: int) -> list[int]:
    """The next `size` live contacts of the campaign with a crmid above `after`."""
    query = (
        select(REL.contactid)
        .distinct()
        .join(CRMENTITY, ENTITY.crmid == REL.contactid)
        .where(REL.campaignid == campaign_id, REL.contactid > after, ENTITY.deleted == 0)
        .order_by(REL.contactid)
        .limit(size)
    )
    return list(conn.scalars(query))


def members_among(conn: Connection, campaign_id: int, contact_ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(contact_ids), IN_CHUNK):
        chunk = contact_ids[start : start + IN_CHUNK]
        query = select(REL.contactid).where(REL.campaignid == campaign_id, REL.contactid.in_(chunk))
        found.update(conn.scalars(query))
    return found


def live_contacts_among(conn: Connection, contact_ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(contact_ids), IN_CHUNK):
        query = select(ENTITY.crmid).where(
            ENTITY.crmid.in_(contact_ids[start : start + IN_CHUNK]),
            ENTITY.setype == "Contacts",
            ENTITY.deleted == 0,
        )
        found.update(conn.scalars(query))
    return found


def relate(conn: Connection, campaign_id: int, contact_ids: Sequence[int]) -> None:
    row = {"campaignid": campaign_id, "campaignrelstatusid": RELATED}
    rows = [row | {"contactid": i} for i in contact_ids]
    for start in range(0, len(rows), IN_CHUNK):
        conn.execute(insert(CAMPAIGNCONTREL), rows[start : start + IN_CHUNK])


def unrelate(conn: Connection, campaign_id: int, contact_ids: Sequence[int]) -> None:
    for start in range(0, len(contact_ids), IN_CHUNK):
        chunk = contact_ids[start : start + IN_CHUNK]
        conn.execute(
            delete(CAMPAIGNCONTREL).where(REL.campaignid == campaign_id, REL.contactid.in_(chunk))
        )


def campaigns_of(conn: Connection, contact_id: int) -> list[str]:
    query = _live_campaigns().join(CAMPAIGNCONTREL, REL.campaignid == CAMPAIGN.c.campaignid)
    rows = conn.execute(query.where(REL.contactid == contact_id))
    found = {row.campaignname for row in rows if row.campaignname}
    return sorted(found, key=lambda n: (n.casefold(), n))
