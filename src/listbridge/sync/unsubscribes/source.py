"""What one reconciliation looks at: the linked pairs that changed on either side.

Cost follows the changes: the contacts CC reports as changed since the CC cursor, the
accounts the CRM reports as changed since the CRM cursor, and only their links. The
CRM side counts as moved only when the journal shows someone changed the account's
opt-out since the cursor: not when staff edited a phone number, not when our own
previous reconciliation copied a CC opt-out (else it would look like a CRM decision), and
not for the account's creation unless it was created opted out. A pair linked since the
cursor counts as moved when its account is opted out: the opt-out is news to the pair.

A CRM held elsewhere is edited by its own screens, which journal nothing: there the CRM
side counts as moved when the account's opt-out differs from the one the last
reconciliation left (kept on the link). On a first reconciliation, with nothing to
compare with, an opted-out account counts as moved: consent first.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from listbridge.constant_contact.client import ConstantContact
from listbridge.core.accounts import Account
from listbridge.core.cc_records import CcContact, Permission
from listbridge.core.consent import PairState
from listbridge.crm.protocol import CrmAdapter
from listbridge.store.consent_links import SeenLink, linked_since, links_by, opt_out_changed
from listbridge.store.db import Store
from listbridge.sync.unsubscribes.cc import changed_contacts

KIND = "unsubscribes"


@dataclass
class Changes:
    """The changed pairs, with what each side said when read."""

    pairs: list[PairState] = field(default_factory=list)
    links: dict[str, SeenLink] = field(default_factory=dict)  # by account id
    contacts: dict[str, CcContact] = field(default_factory=dict)  # fetched, by contact id


def gather(
    store: Store,
    connection_id: int,
    client: ConstantContact,
    crm: CrmAdapter,
    cursors: tuple[datetime | None, datetime | None],
) -> Changes:
    cc_after, crm_after = cursors
    contacts = {c.contact_id: c for c in changed_contacts(client, cc_after) if not c.deleted}
    changed = {a.id: a for a in crm.changed_since(crm_after)}
    with store.session() as session:
        fresh = linked_since(session, connection_id, crm_after)
        found = links_by(session, connection_id, accounts=[*changed, *fresh], contacts=contacts)
        links = {link.account_id: link for link in found}
        linked = [a for a in changed if a in links]
        out = [a for a in linked if changed[a].email_opt_out]
        touched = opt_out_changed(session, connection_id, linked, crm_after, KIND, opted_out=out)
    first = crm_after is None
    pairs = [
        p
        for link in links.values()
        if (p := _pair(link, contacts, changed, touched, crm, fresh, first))
    ]
    return Changes(pairs, links, contacts)


def _pair(
    link: SeenLink,
    contacts: dict[str, CcContact],
    changed: dict[str, Account],
    touched: set[str],
    crm: CrmAdapter,
    fresh: Collection[str],
    first: bool,
) -> PairState | None:
    account = changed.get(link.account_id) or crm.get(link.account_id)
    if account is None:
        return None
    # A pair linked since the last run: an opt-out made before the link is a CRM decision
    # this pair has not seen (the import that linked it does not reconcile consent).
    out = account.email_opt_out
    news = account.id in fresh or (first and link.crm_opt_out is None)
    edited = link.crm_opt_out is not None and link.crm_opt_out != out
    crm_moved = account.id in touched or edited or (news and out)
    was_out = link.permission == Permission.UNSUBSCRIBED.value
    contact = contacts.get(link.contact_id)
    return PairState(
        account.id,
        link.contact_id,
        contact.email if contact else account.email,
        out,
        crm_moved,
        contact.unsubscribed if contact else was_out,
        was_out,
        contact.opt_out_source if contact else link.opt_out_source,
    )
