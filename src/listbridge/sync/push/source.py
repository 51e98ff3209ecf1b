"""What a push reads from Constant Contact before it plans: lists, custom fields, consent, matches.

Reads are bulk where they can be: a few addresses are looked up one by one
(`GET /contacts?email=`), more than `FEW` by one scan of the contact pages. The same
rule reads the contacts a push compares with before it writes (`contacts_held`): a dry
run's diff, and a push's journal of the fields it changes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from listbridge.constant_contact.client import ConstantContact
from listbridge.constant_contact.contacts import ContactPart
from listbridge.constant_contact.errors import NotFoundError
from listbridge.constant_contact.models import Contact
from listbridge.core.accounts import Account
from listbridge.core.contact_row import contact_row
from listbridge.core.emails import match_key
from listbridge.core.mapping import MappingPolicy, fingerprint
from listbridge.core.push_plan import CcState, PushPolicy
from listbridge.core.setting_values import FieldPair

FEW = 20
PAGE = 500
#: every part of a contact a push maps, so its fields can be compared with the account's
FULL = (
    ContactPart.CUSTOM_FIELDS,
    ContactPart.LIST_MEMBERSHIPS,
    ContactPart.PHONE_NUMBERS,
    ContactPart.STREET_ADDRESSES,
)
#: enough of a contact to plan its memberships
LISTS = (ContactPart.LIST_MEMBERSHIPS,)
#: a contact as it stands → the fingerprint of the fields it holds
Fingerprinter = Callable[[Contact], str]
#: a contact as it stands → the row a push of it would send (`core.contact_row`)
RowReader = Callable[[Contact], dict[str, str]]


@dataclass
class Calls:
    """The API calls a push made (or, in a dry run, would make), by what for."""

    by_purpose: dict[str, int] = field(default_factory=dict)

    def add(self, purpose: str, count: int = 1) -> None:
        if count:
            self.by_purpose[purpose] = self.by_purpose.get(purpose, 0) + count

    @property
    def total(self) -> int:
        return sum(self.by_purpose.values())


@dataclass
class Fetched:
    """Everything the plan is made from, read before anything is written."""

    accounts: list[Account]
    links: dict[str, CcState]
    existing: dict[str, CcState]
    policy: PushPolicy
    list_names: dict[str, str]
    calls: Calls = field(default_factory=Calls)
    tag: str = "listbridge"
    #: links whose contact's address and fields were learned by this push's look-up
    learned: dict[str, CcState] = field(default_factory=dict)
    #: accounts outside a pushed subset that share an address with one inside it
    siblings: list[Account] = field(default_factory=list)
    #: the contacts the look-up by e-mail read, by id (a dry run's diff, a push's journal)
    seen: dict[str, Contact] | None = None
    #: how a contact read from CC becomes a row of the shape the push sends
    row_of: RowReader | None = None
    #: every link of the connection, when `links` holds a chunk's alone (what a scan costs)
    link_total: int = 0
    #: tag name → id, as the push resolved it (shared by its chunks: resolved once)
    tag_ids: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CustomFields:
    pairs: tuple[FieldPair, ...] = ()
    #: CC custom field id → its import name (how a contact's values are read back)
    names: Mapping[str, str] = field(default_factory=dict)


def resolve_custom_fields(
    client: ConstantContact, pairs: Sequence[FieldPair], calls: Calls, create: bool
) -> CustomFields:
    """The pairs with each CC field's import name; a missing field is created (unless dry)."""
    if not pairs:
        return CustomFields()
    known, names = {}, {}
    for f in client.iter_custom_fields():
        known[f.label.casefold()] = f.name or f.label
        known[(f.name or "").casefold()] = f.name or f.label
        names[f.custom_field_id] = f.name or f.label
    calls.add("read custom fields")
    resolved = []
    for pair in pairs:
        name = known.get(pair.cc_field.casefold())
        if name is None:
            calls.add("create custom fields")
            name = _create_field(client, pair.cc_field) if create else _name_of(pair.cc_field)
        resolved.append(FieldPair(name, pair.crm_field))
    return CustomFields(tuple(resolved), names)


def row_reader(policy: MappingPolicy, names: Mapping[str, str]) -> RowReader:
    """How a contact read from CC becomes the row a push of it would send."""

    def of(contact: Contact) -> dict[str, str]:
        custom = {names[v.custom_field_id]: v.value or "" for v in contact.custom_fields
                  if v.custom_field_id in names}  # fmt: skip
        return contact_row(contact.to_core(), custom, policy)

    return of


def fingerprinter(row_of: RowReader) -> Fingerprinter:
    """How a contact read from CC is fingerprinted, the way a push fingerprints an account."""
    return lambda contact: fingerprint(row_of(contact), ())


def _create_field(client: ConstantContact, label: str) -> str:
    made = client.create_custom_field(label)
    return made.name or _name_of(label)


def _name_of(label: str) -> str:
    return "_".join(label.split())


def unsubscribed_ids(client: ConstantContact, calls: Calls) -> set[str]:
    """Consent first: every contact unsubscribed in Constant Contact right now."""
    found = {c.contact_id for c in client.iter_contacts(status="unsubscribed", include=())}
    calls.add("read opt-outs", 1 + len(found) // PAGE)
    return found


def contacts_by_email(
    client: ConstantContact,
    emails: Collection[str],
    calls: Calls,
    fingerprint_of: Fingerprinter | None = None,
    seen: dict[str, Contact] | None = None,
    updated_after: datetime | None = None,
) -> dict[str, CcState]:
    """The live CC contacts with these addresses (match keys), looked up or scanned; with
    `fingerprint_of`, each with the fingerprint of the fields it holds. `seen` keeps each
    contact found, by id (a dry run's diff reads none of them twice). `updated_after`:
    a scan reads only the contacts changed since (those a chunk's imports just made)."""
    wanted = {match_key(e) for e in emails}
    if not wanted:
        return {}
    include = FULL if fingerprint_of else LISTS
    if len(wanted) <= FEW:
        found = [client.find_contact(e, include=include) for e in sorted(wanted)]
        calls.add("look up contacts by e-mail", len(wanted))
        live = (c for c in found if c is not None and c.deleted_at is None)
        return _states(live, wanted, fingerprint_of, seen)
    scanned = Counter[str]()
    contacts = _counted(client.iter_contacts(include=include, updated_after=updated_after), scanned)
    states = _states(contacts, wanted, fingerprint_of, seen)
    calls.add("scan contacts", 1 + scanned["contacts"] // PAGE)
    return states


def contacts_held(
    client: ConstantContact,
    contact_ids: Collection[str],
    calls: Calls,
    seen: Mapping[str, Contact] | None,
    purpose: str,
    few: int = FEW,
) -> dict[str, Contact]:
    """These contacts as Constant Contact holds them now: those the look-up by e-mail
    already read (`seen`) are not read again, the others are read by `contacts_by_id`."""
    known = seen or {}
    wanted = set(contact_ids)
    have = {i: known[i] for i in wanted if i in known}
    return have | contacts_by_id(client, wanted - set(have), calls, purpose, few)


def contacts_by_id(
    client: ConstantContact,
    contact_ids: Collection[str],
    calls: Calls,
    purpose: str = "diff",
    few: int = FEW,
) -> dict[str, Contact]:
    """These contacts with every part a push maps: read one by one when `few` or fewer,
    else found in one scan of the contact pages (a contact deleted meanwhile is simply
    absent)."""
    wanted = set(contact_ids)
    if not wanted:
        return {}
    if len(wanted) <= few:
        calls.add(f"read contacts ({purpose})", len(wanted))
        return {i: c for i in sorted(wanted) if (c := _contact(client, i)) is not None}
    scanned = Counter[str]()
    found = {c.contact_id: c for c in _counted(client.iter_contacts(include=FULL), scanned)
             if c.contact_id in wanted}  # fmt: skip
    calls.add(f"scan contacts ({purpose})", 1 + scanned["contacts"] // PAGE)
    return found


def _contact(client: ConstantContact, contact_id: str) -> Contact | None:
    try:
        return client.get_contact(contact_id, include=FULL)
    except NotFoundError:
        return None


def _counted(contacts: Iterable[Contact], counter: Counter[str]) -> Iterator[Contact]:
    for contact in contacts:
        counter["contacts"] += 1
        yield contact


def _states(
    contacts: Iterable[Contact],
    wanted: set[str],
    fingerprint_of: Fingerprinter | None,
    seen: dict[str, Contact] | None,
) -> dict[str, CcState]:
    """Streamed: only the contacts asked for are kept, not every page read."""
    states = {}
    for contact in contacts:
        core = contact.to_core()
        key = match_key(core.email)
        if key in wanted:
            if seen is not None:
                seen[core.contact_id] = contact
            lists = frozenset(core.list_ids)
            fp = fingerprint_of(contact) if fingerprint_of else ""
            states[key] = CcState(core.contact_id, core.unsubscribed, lists, fp, core.email,
                                  core.first_name, core.last_name)  # fmt: skip
    return states
