"""Before a list job plans: CC's lists and the memberships of linked contacts, made current.

Lists are few and have no updated-since filter: all are read (one call). Memberships are
read incrementally: the contacts CC reports as changed since the last list job (adding or
removing a membership changes a contact's `updated_at`), so the cost follows the changes.
Consent is not written here: a contact seen unsubscribed is only reported to the planner,
and the unsubscribe reconciliation (which compares with the consent it last saw) carries it
to the CRM. A contact deleted in CC loses its link (there is nothing left to link to).

Reading (`refresh_from_cc`) writes nothing but the cache of CC's lists; the job saves what
it read (`save_refreshed`: the links' lists, the dropped links, the cursor) only once the
guard lets it write. A run the guard stops leaves the changes for the next run to read again.

The cursor is the time the read began, less `OVERLAP`: CC stamps `updated_at` by its own
clock, and a change made while the job runs must be read by the next one even when CC's
clock is a little behind ours. The job's own membership writes come after the read began,
so the next run reads them once (a page per 500 contacts written) and finds them in step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from listbridge.constant_contact.client import ConstantContact
from listbridge.core.cc_records import CcContact
from listbridge.store.cc_lists import refresh_lists
from listbridge.store.consent_links import links_by
from listbridge.store.db import Store
from listbridge.store.import_state import advance_cursors, read_cursors
from listbridge.store.link_lists import set_link_lists
from listbridge.store.push_state import drop_links
from listbridge.sync.unsubscribes.cc import changed_contacts

#: the cursor of list jobs among the import cursors
SCOPE = "lists"
#: changed contacts weighed against their links at a time
CHUNK = 5000
#: how far before this read the next one starts (CC's clock behind ours, a change CC
#: stamped just before the read began but showed only after): the contacts CC changed
#: in that window are read twice, a page of them at most in practice
OVERLAP = timedelta(seconds=5)


@dataclass
class Refreshed:
    deleted: set[str] = field(default_factory=set)  # accounts whose contact CC deleted
    unsubscribed: set[str] = field(default_factory=set)  # accounts whose contact is out now
    moved: dict[str, frozenset[str]] = field(default_factory=dict)  # new list ids by account
    contacts_read: int = 0
    started: datetime | None = None  # when the read began: the next cursor, less OVERLAP


def refresh_from_cc(
    store: Store,
    connection_id: int,
    client: ConstantContact,
    clock: Callable[[], datetime],
) -> Refreshed:
    """What changed in CC since the last list job that wrote; nothing saved but the lists."""
    started = clock()
    lists = [lst.to_core() for lst in client.iter_lists()]
    with store.session() as session:
        refresh_lists(session, connection_id, lists, started)  # a cache of CC, even in a dry run
        cursor = read_cursors(session, connection_id).get(SCOPE)
    found = Refreshed(started=started)
    seen: set[str] = set()  # a contact both updated and opted out comes twice
    chunk: dict[str, CcContact] = {}
    shared: dict[frozenset[str], frozenset[str]] = {}  # one set per distinct membership
    for contact in changed_contacts(client, cursor):
        if contact.contact_id in seen:
            chunk[contact.contact_id] = contact  # the later reading wins, as before
            continue
        seen.add(contact.contact_id)
        chunk[contact.contact_id] = contact
        if len(chunk) >= CHUNK:
            _classify(store, connection_id, chunk, found, shared)
            chunk = {}
    _classify(store, connection_id, chunk, found, shared)
    found.contacts_read = len(seen)
    return found


def _classify(
    store: Store,
    connection_id: int,
    contacts: dict[str, CcContact],
    found: Refreshed,
    shared: dict[frozenset[str], frozenset[str]],
) -> None:
    """One chunk of changed contacts, weighed against their links: only the outcome is
    kept (a million changed contacts would not fit as objects)."""
    if not contacts:
        return
    with store.session() as session:
        for link in links_by(session, connection_id, contacts=contacts):
            contact = contacts[link.contact_id]
            found.deleted.discard(link.account_id)
            found.unsubscribed.discard(link.account_id)
            found.moved.pop(link.account_id, None)
            if contact.deleted:
                found.deleted.add(link.account_id)
            elif contact.unsubscribed:
                found.unsubscribed.add(link.account_id)
            elif set(contact.list_ids) != set(link.list_ids):
                lists = frozenset(contact.list_ids)
                found.moved[link.account_id] = shared.setdefault(lists, lists)


def save_refreshed(store: Store, connection_id: int, found: Refreshed, run_id: int) -> None:
    """The links as CC has them now, and the cursor moved to where this read began (less
    OVERLAP): never past a change the read may have missed."""
    assert found.started is not None
    with store.session() as session:
        set_link_lists(session, connection_id, found.moved, found.started)
        drop_links(session, connection_id, sorted(found.deleted))
        advance_cursors(session, connection_id, [SCOPE], found.started - OVERLAP, run_id)
