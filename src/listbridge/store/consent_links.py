"""What the unsubscribe reconciliation reads and writes of links: each linked pair's last
seen Constant Contact consent (no new table: a link already carries it)."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from listbridge.core.cc_records import CcContact
from listbridge.core.journal import Side
from listbridge.store.journal import created_entries
from listbridge.store.models import CcLink, JournalEntry, Run

CHUNK = 500


@dataclass(frozen=True)
class SeenLink:
    account_id: str
    contact_id: str
    permission: str
    opt_out_source: str
    list_ids: tuple[str, ...]
    cc_updated_at: datetime | None
    crm_opt_out: bool | None = None  # as the last reconciliation left the account


def _seen(row: CcLink) -> SeenLink:
    return SeenLink(
        row.account_id,
        row.cc_contact_id,
        row.permission_to_send,
        row.opt_out_source,
        tuple(row.list_ids or ()),
        row.cc_updated_at,
        row.crm_opt_out,
    )


def links_by(
    session: Session,
    connection_id: int,
    *,
    accounts: Collection[str] = (),
    contacts: Collection[str] = (),
) -> list[SeenLink]:
    """The links of these accounts or these contacts (read in chunks: cost ∝ the changes)."""
    found: list[SeenLink] = []
    for column, ids in ((CcLink.account_id, accounts), (CcLink.cc_contact_id, contacts)):
        keys = sorted(set(ids))
        for start in range(0, len(keys), CHUNK):
            query = select(CcLink).where(
                CcLink.connection_id == connection_id, column.in_(keys[start : start + CHUNK])
            )
            found += [_seen(row) for row in session.scalars(query)]
    return found


def all_links(session: Session, connection_id: int) -> Iterator[SeenLink]:
    """Every link of the connection, by account id, streamed."""
    query = select(CcLink).where(CcLink.connection_id == connection_id).order_by(CcLink.account_id)
    for link in session.scalars(query.execution_options(yield_per=CHUNK)):
        yield _seen(link)


def remember_consent(
    session: Session, connection_id: int, contact: CcContact, at: datetime
) -> None:
    """What we now know of the contact's consent. An unsubscribed contact has left every
    list; its lists as last seen are kept, for a resubscribe request to name them."""
    values: dict[str, object] = {
        "permission_to_send": contact.permission.value,
        "opt_out_source": contact.opt_out_source,
        "cc_updated_at": contact.updated_at,
        "updated_at": at,
    }
    if not contact.unsubscribed:
        values["list_ids"] = sorted(contact.list_ids)
    session.execute(
        update(CcLink)
        .where(CcLink.connection_id == connection_id, CcLink.cc_contact_id == contact.contact_id)
        .values(**values)
    )


def remember_crm_opt_out(session: Session, connection_id: int, seen: dict[str, bool]) -> None:
    """The accounts' opt-outs as this reconciliation leaves them: the next one takes a
    difference for a change made in the CRM itself."""
    for value in (True, False):
        keys = sorted(a for a, out in seen.items() if out is value)
        for start in range(0, len(keys), CHUNK):
            session.execute(
                update(CcLink)
                .where(
                    CcLink.connection_id == connection_id,
                    CcLink.account_id.in_(keys[start : start + CHUNK]),
                )
                .values(crm_opt_out=value)
            )


def linked_since(session: Session, connection_id: int, since: datetime | None) -> list[str]:
    """Accounts linked at or after `since` (by an import or a push since the last
    reconciliation): to a new pair, the account's opt-out is news however old it is."""
    if since is None:
        return []  # a first reconciliation reads every account anyway
    query = select(CcLink.account_id).where(
        CcLink.connection_id == connection_id, CcLink.linked_at >= since
    )
    return [str(a) for a in session.scalars(query)]


def opt_out_changed(
    session: Session,
    connection_id: int,
    account_ids: Collection[str],
    since: datetime | None,
    not_by: str,
    *,
    opted_out: Collection[str],
) -> set[str]:
    """The accounts whose email opt-out someone changed at or after `since`, per the
    journal, leaving out the changes of `not_by` runs (our own copies).

    An account's creation counts only for those in `opted_out` (opted out now): created
    opted out, that was an opt-out; created subscribed, its opt-out did not move then (a
    later change has an entry of its own). Else a first reconciliation would take every
    account's creation for a CRM change opposing a Constant Contact unsubscribe."""
    keys, created_out = sorted(set(account_ids)), set(opted_out)
    found: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        query = (
            select(JournalEntry.record_id, JournalEntry.field)
            .outerjoin(Run, Run.id == JournalEntry.run_id)
            .where(
                JournalEntry.connection_id == connection_id,
                JournalEntry.side == Side.CRM.value,
                JournalEntry.field.in_(("email_opt_out", "*")),
                JournalEntry.record_id.in_(keys[start : start + CHUNK]),
                or_(Run.kind.is_(None), Run.kind != not_by),
            )
        )
        if since is not None:
            query = query.where(JournalEntry.at >= since)
        rows = session.execute(query)
        found.update(str(r) for r, field in rows if field != "*" or r in created_out)
    # Accounts a load created are journaled compactly (store/journal.py): the same test.
    loaded = created_entries(session, connection_id, created_out & set(keys))
    for account_id, entry in loaded.items():
        journaled = entry.journaled
        if journaled.run_kind == not_by or (since is not None and journaled.change.at < since):
            continue
        found.add(account_id)
    return found
