"""Vtiger's campaigns as the CRM's lists: the `CrmWithLists` half of `VtigerCrm`.

As Salesforce campaigns are lists for SyncApps, a Vtiger campaign is a list here
(campaigns.py says which rows). Names are exact: two live campaigns with one name
are refused by name until one is renamed in Vtiger. Writes are journaled like the
builtin CRM's: a membership on the account (field `list:<name>`, "member" or None),
a list's create, rename and delete on the record `list:<name>`, field `name`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from listbridge.core.errors import UserError
from listbridge.crm.list_rules import (
    check_list_name,
    list_named,
    memberships,
    refuse_unknown,
)
from listbridge.crm.vtiger import campaigns
from listbridge.crm.vtiger.base import VtigerBase
from listbridge.crm.vtiger.reads import crmid_of, crmids
from listbridge.crm.vtiger.writes import Writer

#: contacts per read of a list's members
MEMBER_PAGE = 5000


class VtigerLists(VtigerBase):
    def lists(self) -> list[str]:
        with self.engine.connect() as conn:
            return campaigns.names(conn)

    def list_keys(self) -> dict[str, str]:
        """Each campaign's name by its crmid, which a rename keeps."""
        with self.engine.connect() as conn:
            return campaigns.by_id(conn)

    def list_members(self, name: str) -> Iterator[str]:
        """The live contacts of the campaign, a page at a time."""
        with self.engine.connect() as conn:
            campaign_id = _campaign_id(conn, name)
        after = 0
        while True:
            with self.engine.connect() as conn:
                page = campaigns.member_page(conn, campaign_id, after, MEMBER_PAGE)
            yield from (str(i) for i in page)
            if len(page) < MEMBER_PAGE:
                return
            after = page[-1]

    def create_list(self, name: str, *, reason: str, run_id: int | None = None) -> None:
        check_list_name(name)
        with self.writing() as (writer, session):
            _refuse_taken(writer.conn, name)
            campaigns.insert_campaign(writer, name)
            self._journal_list(session, writer, run_id, name, (None, name), reason)

    def rename_list(self, old: str, new: str, *, reason: str, run_id: int | None = None) -> None:
        check_list_name(new)
        with self.writing() as (writer, session):
            campaign_id = _campaign_id(writer.conn, old)
            if new == old:
                return
            _refuse_taken(writer.conn, new)
            campaigns.rename(writer, campaign_id, new)
            self._journal_list(session, writer, run_id, old, (old, new), reason)

    def delete_list(self, name: str, *, reason: str, run_id: int | None = None) -> None:
        with self.writing() as (writer, session):
            campaigns.mark_deleted(writer, _campaign_id(writer.conn, name))
            self._journal_list(session, writer, run_id, name, (name, None), reason)

    def add_to_list(
        self, name: str, account_ids: Sequence[str], *, reason: str, run_id: int | None = None
    ) -> int:
        """Relate the contacts to the campaign; returns how many were not related already."""
        given = list(dict.fromkeys(account_ids))
        with self.writing() as (writer, session):
            campaign_id = _campaign_id(writer.conn, name)
            live = campaigns.live_contacts_among(writer.conn, crmids(given))
            refuse_unknown([i for i in given if crmid_of(i) not in live])
            present = campaigns.members_among(writer.conn, campaign_id, sorted(live))
            added = [i for i in given if crmid_of(i) not in present]
            campaigns.relate(writer.conn, campaign_id, [int(i) for i in added])
            self._journal_members(session, writer, run_id, name, added, True, reason)
        return len(added)

    def remove_from_list(
        self, name: str, account_ids: Sequence[str], *, reason: str, run_id: int | None = None
    ) -> int:
        """Unrelate the contacts; returns how many were related (others are ignored)."""
        given = list(dict.fromkeys(account_ids))
        with self.writing() as (writer, session):
            campaign_id = _campaign_id(writer.conn, name)
            present = campaigns.members_among(writer.conn, campaign_id, crmids(given))
            removed = [i for i in given if crmid_of(i) in present]
            campaigns.unrelate(writer.conn, campaign_id, [int(i) for i in removed])
            self._journal_members(session, writer, run_id, name, removed, False, reason)
        return len(removed)

    def account_lists(self, account_id: str) -> list[str]:
        crmid = crmid_of(account_id)
        if crmid is None:
            return []
        with self.engine.connect() as conn:
            return campaigns.campaigns_of(conn, crmid)

    def _journal_list(
        self,
        session: Session,
        writer: Writer,
        run_id: int | None,
        name: str,
        names: tuple[str | None, str | None],
        reason: str,
    ) -> None:
        self.journal(session, run_id, [list_named(name, *names, reason, writer.noted)])

    def _journal_members(
        self,
        session: Session,
        writer: Writer,
        run_id: int | None,
        name: str,
        ids: Sequence[str],
        added: bool,
        reason: str,
    ) -> None:
        self.journal(session, run_id, memberships(name, ids, added, reason, writer.noted))


def _campaign_id(conn: Connection, name: str) -> int:
    found = campaigns.named(conn, name)
    if not found:
        raise UserError(f"no CRM list named {name!r}")
    if len(found) > 1:
        shown = ", ".join(map(str, found))
        raise UserError(
            f"{len(found)} Vtiger campaigns are named {name!r} (crmids {shown}); "
            "rename all but one in Vtiger to use it as a list"
        )
    return found[0]


def _refuse_taken(conn: Connection, name: str) -> None:
    if campaigns.named(conn, name):
        raise UserError(f"a CRM list named {name!r} already exists")
