"""`disconnect`: what it forgets and what it keeps, decided for every table of a connection.

Everything derived from the Constant Contact account goes, in one transaction: a
reconnect (to the same account emptied, or to another one) then starts from zero, and
push creates or matches every contact again instead of trusting links to contacts that
may no longer exist. What the organisation owns stays: the CRM's accounts, their
opt-outs, its lists and the journal of who changed what.

Every table with a `connection_id` column is named in exactly one of `PURGED` and `KEPT`;
tests/integration/test_disconnect_tables.py holds the metadata to that, so the author of
a new table has to decide which it is.
"""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from listbridge.store.db import Store
from listbridge.store.locks import connection_lock, holder_here
from listbridge.store.models import Base, CrmAccount
from listbridge.store.tokens import hand_over_authorisation

#: table → what `disconnect` says it forgot (no purged table refers to another, so any
#: order will do; this is the order the message reads best in)
PURGED: dict[str, str] = {
    "cc_accounts": "tokens, account identity and health",
    "cc_links": "links and fingerprints",
    "import_cursors": "import and unsubscribe cursors",
    "import_pending": "contacts an import was to reconsider",
    "cc_lists": "Constant Contact lists and their pairing",
    "list_sync_members": "list-sync bases",
    "push_activities": "push activity memos",
    "cc_campaigns": "the account's campaigns and their counters",
    "cc_campaign_events": "who opened, clicked, forwarded, bounced or opted out of them",
}

#: table → why it outlives the Constant Contact account
KEPT: dict[str, str] = {
    "settings": "the organisation's choices for the connection, not the account's data",
    "runs": "the history of what ran; the journal and the run reports refer to it",
    "locks": "one sync at a time holds for the connection whatever account it reaches",
    "job_queue": "what the workers ran and have queued for the connection, as runs",
    "journal": "the CRM's record of who changed what and why",
    "crm_accounts": "CRM data with its opt-outs (the mirrored cc_contact_id is cleared)",
    "crm_custom_fields": "CRM data",
    "crm_custom_values": "CRM data",
    "crm_lists": "CRM data; a pairing with a Constant Contact list lives on cc_lists",
    "crm_list_members": "CRM data",
    "crm_choices": "which CRM the connection syncs (`crm use`): the CRM side, not the account's",
    "crm_fingerprints": "what a mapped CRM's rows looked like: the CRM side, not the account's",
    # Constant Contact counts the daily allowance per API key, not per account: forgetting
    # today's calls would let a reconnect overspend it.
    "api_budget": "calls already spent today count against the app's daily allowance",
}

HOLDER = "disconnect"


def forget_connection(store: Store, connection_id: int) -> list[str]:
    """Forget the connection's Constant Contact state (see the module); what was forgot.

    Under the connection's lock (LockHeldError while a sync runs): a job writing links
    after the purge would bring back what was just forgotten."""
    with (
        connection_lock(store, connection_id, holder_here(HOLDER)),
        store.session() as session,
    ):
        unmirror_links(session, connection_id)
        hand_over_authorisation(session, connection_id)  # `connect --reuse` of it stays
        for name in PURGED:
            table = Base.metadata.tables[name]
            session.execute(delete(table).where(table.c.connection_id == connection_id))
    return list(PURGED.values())


def unmirror_links(session: Session, connection_id: int) -> None:
    """The builtin CRM keeps a copy of each link's contact id (store/links.py); it goes
    with the links. `updated_at` stays: the account itself did not change."""
    session.execute(
        update(CrmAccount)
        .where(CrmAccount.connection_id == connection_id, CrmAccount.cc_contact_id != "")
        .values(cc_contact_id="")
    )
