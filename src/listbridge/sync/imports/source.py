"""What an import reads from Constant Contact: the lists it covers and their contacts.

A scope is `*` (every contact, whatever its lists: an unsubscribed contact has left
every list, and its opt-out must still reach the CRM), one CC list id, or `-active`
(`import.scope = all_active`: every active contact, also those on no list). Each scope
keeps its own cursor, so importing list A never moves the window of list B, and turning
`all_active` on reads every active contact once, then only what changed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from itertools import islice

from listbridge.constant_contact.client import ConstantContact
from listbridge.constant_contact.contacts import ContactPart, ContactStatus
from listbridge.core.cc_records import CcContact, CcList
from listbridge.core.errors import UserError
from listbridge.core.setting_values import ImportScope
from listbridge.core.settings import IMPORT_LISTS, IMPORT_SCOPE, Settings
from listbridge.store.cc_lists import MirroredList

EVERY = "*"
#: `import.scope = all_active`: every active contact, on a list or not (its own cursor)
ACTIVE = "-active"
#: the cursor of the extra pass a list import makes for opt-outs (see `unsubscribe_scope`)
UNSUBSCRIBES = "-unsubscribes"
INCLUDE = (
    ContactPart.CUSTOM_FIELDS,
    ContactPart.LIST_MEMBERSHIPS,
    ContactPart.PHONE_NUMBERS,
    ContactPart.STREET_ADDRESSES,
)
BATCH = 500
#: what the scopes that are not a list read (every other scope reads every status)
STATUS: dict[str, ContactStatus] = {UNSUBSCRIBES: "unsubscribed", ACTIVE: "active"}


@dataclass(frozen=True)
class Scope:
    key: str  # "*" or a list id
    label: str  # what progress shows


def scopes_for(names: Sequence[str], lists: Sequence[MirroredList]) -> list[Scope]:
    """The scopes of a selection by list name (none: every list); unknown names → exit 2."""
    if not names:
        return [Scope(EVERY, "every list")]
    live = {lst.name: lst for lst in lists if not lst.deleted}
    unknown = [name for name in names if name not in live]
    if unknown:
        known = ", ".join(sorted(live)) or "none"
        raise UserError(
            f"no Constant Contact list named {', '.join(map(repr, unknown))}; lists: {known}"
        )
    return [Scope(live[name].cc_list_id, name) for name in names]


def chosen_scopes(
    chosen: Sequence[str], settings: Settings, lists: Sequence[MirroredList]
) -> list[Scope]:
    """`--list` names are a one-off choice: those lists alone. Otherwise `import.lists`,
    widened by `import.scope`."""
    if chosen:
        return scopes_for(chosen, lists)
    scopes = scopes_for(settings.get(IMPORT_LISTS).names, lists)
    return with_import_scope(scopes, settings.get(IMPORT_SCOPE))


def with_import_scope(scopes: list[Scope], scope: ImportScope) -> list[Scope]:
    """`all_active` adds every active contact to the lists' contacts; `*` reads every
    contact already (a second read of the same contacts would only cost calls)."""
    if scope is ImportScope.LISTS or any(s.key == EVERY for s in scopes):
        return scopes
    return [*scopes, Scope(ACTIVE, "every active contact")]


def as_read(lists: Sequence[CcList]) -> list[MirroredList]:
    """CC's lists as the mirror would hold them, without writing it (a dry run)."""
    return [
        MirroredList(lst.list_id, lst.name, False, lst.deleted, lst.membership_count, None)
        for lst in lists
    ]


def list_ids(keys: Sequence[str]) -> list[str]:
    """The scope keys that are CC lists (not `*`, `-active` or the opt-outs' pass)."""
    return [k for k in keys if k not in (EVERY, ACTIVE, UNSUBSCRIBES)]


def window_start(scope: Scope, cursors: dict[str, datetime], since: date | None) -> datetime | None:
    """The scope's cursor; on a first import, `import.since` (or everything)."""
    if scope.key in cursors:
        return cursors[scope.key]
    return datetime.combine(since, time(), UTC) if since else None


def unsubscribe_scope(scopes: Sequence[Scope]) -> Scope | None:
    """A contact that unsubscribes leaves every list, so an import of named lists would
    never see the opt-out of a contact it linked: it also reads the opt-outs (and the
    job keeps only those of linked contacts). An import of every list sees them anyway."""
    if any(s.key == EVERY for s in scopes):
        return None
    return Scope(UNSUBSCRIBES, "opt-outs of linked contacts")


def contact_batches(
    client: ConstantContact, scope: Scope, after: datetime | None
) -> Iterator[list[CcContact]]:
    status: ContactStatus = STATUS.get(scope.key, "all")
    lists = None if scope.key in STATUS or scope.key == EVERY else scope.key
    found = client.iter_contacts(status=status, lists=lists, updated_after=after, include=INCLUDE)
    contacts = (c.to_core() for c in found)
    while batch := list(islice(contacts, BATCH)):
        yield batch


def in_scope(contact: CcContact, scopes: Sequence[Scope]) -> bool:
    keys = {s.key for s in scopes}
    if ACTIVE in keys and not (contact.unsubscribed or contact.deleted):
        return True
    return EVERY in keys or not keys.isdisjoint(contact.list_ids)
