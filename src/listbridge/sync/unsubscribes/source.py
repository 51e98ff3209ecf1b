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

Memory follows the changes too, and a first reconciliation (every contact, every account)
must fit a small worker at a million: each side is kept as a compact tuple, the links are
read and weighed a chunk at a time, and a pair already in step (which needs nothing but
its opt-out remembered) is kept as that one boolean.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from listbridge.constant_contact.client import ConstantContact
from listbridge.core.cc_records import CcContact, Permission
from listbridge.core.consent import PairState
from listbridge.crm.protocol import CrmAdapter
from listbridge.store.consent_links import SeenLink, linked_since, links_by, opt_out_changed
from listbridge.store.db import Store
from listbridge.sync.unsubscribes.cc import changed_contacts

KIND = "unsubscribes"
#: links read and weighed at a time
CHUNK = 5000


class Consent(NamedTuple):
    """What the reconciliation needs of a contact: its consent, and its lists."""

    contact_id: str
    email: str
    permission: Permission
    opt_out_source: str
    list_ids: tuple[str, ...]
    updated_at: datetime | None

    @property
    def unsubscribed(self) -> bool:
        return self.permission is Permission.UNSUBSCRIBED

    def to_contact(self) -> CcContact:
        return CcContact(self.contact_id, self.email, permission=self.permission,
                         opt_out_source=self.opt_out_source, list_ids=self.list_ids,
                         updated_at=self.updated_at)  # fmt: skip


@dataclass
class Interned:
    """One copy of each distinct list-id tuple and opt-out source among many contacts: a
    first reconciliation holds every contact, and each page would otherwise give each
    contact its own copy of the same few list ids."""

    lists: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)


def consent_of(contact: CcContact, interned: Interned | None = None) -> Consent:
    lists, source = contact.list_ids, contact.opt_out_source
    if interned is not None:
        lists = interned.lists.setdefault(lists, lists)
        source = interned.sources.setdefault(source, source)
    return Consent(contact.contact_id, contact.email, contact.permission,
                   source, lists, contact.updated_at)  # fmt: skip


class CrmSide(NamedTuple):
    opted_out: bool
    email: str


@dataclass
class Changes:
    """The changed pairs out of step, with what each side said when read; the pairs in
    step by their account's opt-out (`settled`: all they need is it remembered)."""

    pairs: list[PairState] = field(default_factory=list)
    links: dict[str, SeenLink] = field(default_factory=dict)  # of `pairs`, by account id
    contacts: dict[str, Consent] = field(default_factory=dict)  # linked ones, by contact id
    settled: dict[str, bool] = field(default_factory=dict)


def gather(
    store: Store,
    connection_id: int,
    client: ConstantContact,
    crm: CrmAdapter,
    cursors: tuple[datetime | None, datetime | None],
) -> Changes:
    cc_after, crm_after = cursors
    interned = Interned()
    contacts = {
        c.contact_id: consent_of(c, interned)
        for c in changed_contacts(client, cc_after)
        if not c.deleted
    }
    del interned
    changed = {a.id: CrmSide(a.email_opt_out, a.email) for a in crm.changed_since(crm_after)}
    with store.session() as session:
        fresh = linked_since(session, connection_id, crm_after)
    found, fresh_ids = Changes(), set(fresh)
    seen: set[str] = set()  # accounts weighed (a link comes by its account and its contact)
    for column, keys in (("accounts", [*changed, *fresh]), ("contacts", list(contacts))):
        for start in range(0, len(keys), CHUNK):
            with store.session() as session:
                chunk = links_by(session, connection_id, **{column: keys[start : start + CHUNK]})
                chunk = [link for link in chunk if link.account_id not in seen]
                linked = [link.account_id for link in chunk if link.account_id in changed]
                out = [a for a in linked if changed[a].opted_out]
                touched = opt_out_changed(
                    session, connection_id, linked, crm_after, KIND, opted_out=out
                )
            context = Context(contacts, changed, touched, crm, fresh_ids, crm_after is None)
            _weigh(found, chunk, context)
            seen.update(link.account_id for link in chunk)
    return found


@dataclass(frozen=True)
class Context:
    contacts: dict[str, Consent]
    changed: dict[str, CrmSide]
    touched: set[str]
    crm: CrmAdapter
    fresh: Collection[str]
    first: bool


def _weigh(found: Changes, links: Iterable[SeenLink], ctx: Context) -> None:
    for link in links:
        contact = ctx.contacts.get(link.contact_id)
        if contact is not None:
            found.contacts[contact.contact_id] = contact  # its own id: one string, not two
        pair = _pair(link, ctx)
        if pair is None:
            continue
        if pair.in_step:
            found.settled[pair.account_id] = pair.crm_opted_out
        else:
            found.pairs.append(pair)
            found.links[pair.account_id] = link


def _pair(link: SeenLink, ctx: Context) -> PairState | None:
    side = ctx.changed.get(link.account_id)
    if side is None:
        account = ctx.crm.get(link.account_id)
        if account is None:
            return None
        side = CrmSide(account.email_opt_out, account.email)
    # A pair linked since the last run: an opt-out made before the link is a CRM decision
    # this pair has not seen (the import that linked it does not reconcile consent).
    out = side.opted_out
    news = link.account_id in ctx.fresh or (ctx.first and link.crm_opt_out is None)
    edited = link.crm_opt_out is not None and link.crm_opt_out != out
    crm_moved = link.account_id in ctx.touched or edited or (news and out)
    was_out = link.permission == Permission.UNSUBSCRIBED.value
    contact = ctx.contacts.get(link.contact_id)
    return PairState(
        link.account_id,
        link.contact_id,
        contact.email if contact else side.email,
        out,
        crm_moved,
        contact.unsubscribed if contact else was_out,
        was_out,
        contact.opt_out_source if contact else link.opt_out_source,
    )
