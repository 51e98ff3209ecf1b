"""The demo's Constant Contact audience: a nonprofit's lists that overlap the sample CRM.

Derived from the sample CRM file by fixed rules (no randomness), so every demo imports the
same contacts with the same ids and gets the same counts. The mix is what a real first
import meets: people the CRM already has (one with the address in capitals), a shared
household address that the name settles and one it does not, role addresses, people who
unsubscribed (some known to the CRM, some not) and people the CRM has never seen.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from listbridge.core.emails import is_role_address, match_key
from listbridge.crm.builtin.files import read_rows
from listbridge.crm.builtin.summary import sample_path
from listbridge.emulator import contact_rules as rules
from listbridge.emulator.model import Contact, ContactList
from listbridge.emulator.seed import seeded_id
from listbridge.emulator.state import EmulatorState

LISTS = ("Newsletter", "Volunteers", "Donors")
SEED = 2024
NEWCOMERS = (
    ("Rosa", "Delgado"),
    ("Theo", "Marsh"),
    ("Aisha", "Bello"),
    ("Jonas", "Berg"),
    ("Mei", "Chen"),
    ("Pablo", "Ortiz"),
    ("Greta", "Lind"),
    ("Kwame", "Asante"),
    ("Lucia", "Ferri"),
    ("Sven", "Holm"),
    ("Nora", "Quinn"),
    ("Farid", "Karimi"),
)
ROLE_NEWCOMERS = ("info@eastsidegardenclub.example.org", "office@cityyouthchoir.example.org")


@dataclass(frozen=True)
class SampleContact:
    email: str
    first_name: str
    last_name: str
    lists: tuple[str, ...]
    unsubscribed: bool = False


def sample_audience() -> list[SampleContact]:
    rows = [row.values for row in read_rows(sample_path())]
    people = [r for r in rows if r["type"] == "individual"]
    shared = _shared_emails(people)
    single = [r for r in people if match_key(r["email"]) not in shared]
    return [
        *_known(single[::8]),
        *_unsubscribed_known(single[3::40]),
        *_households(people, shared),
        *_roles(rows),
        *_newcomers(),
    ]


def _shared_emails(people: Iterable[Mapping[str, str]]) -> set[str]:
    counts = Counter(match_key(r["email"]) for r in people)
    return {email for email, n in counts.items() if n > 1}


def _lists_of(i: int) -> tuple[str, ...]:
    """Everyone gets the newsletter; a third volunteer, a quarter give."""
    extra = (("Volunteers",) if i % 3 == 0 else ()) + (("Donors",) if i % 4 == 1 else ())
    return ("Newsletter", *extra)


def _known(rows: list[Mapping[str, str]]) -> list[SampleContact]:
    # The first one typed in capitals: matching ignores case.
    return [
        SampleContact(
            r["email"].upper() if i == 0 else r["email"],
            r["first_name"],
            r["last_name"],
            _lists_of(i),
        )
        for i, r in enumerate(rows)
    ]


def _unsubscribed_known(rows: list[Mapping[str, str]]) -> list[SampleContact]:
    return [
        SampleContact(r["email"], r["first_name"], r["last_name"], (), unsubscribed=True)
        for r in rows[:2]
    ]


def _households(people: list[Mapping[str, str]], shared: set[str]) -> list[SampleContact]:
    """Two shared addresses: the first names one of its people, the second no one."""
    first, second = sorted(shared)[:2]
    named = next(r for r in people if match_key(r["email"]) == first)
    return [
        SampleContact(named["email"], named["first_name"], named["last_name"], ("Newsletter",)),
        SampleContact(second, "", "", ("Newsletter", "Donors")),
    ]


def _roles(rows: list[Mapping[str, str]]) -> list[SampleContact]:
    known = next(r["email"] for r in rows if is_role_address(r["email"]))
    return [SampleContact(e, "", "", ("Newsletter",)) for e in (known, *ROLE_NEWCOMERS)]


def _newcomers() -> list[SampleContact]:
    return [
        SampleContact(
            f"{first}.{last}@example.net".lower(),
            first,
            last,
            _lists_of(i),
            unsubscribed=i >= len(NEWCOMERS) - 2,
        )
        for i, (first, last) in enumerate(NEWCOMERS)
    ]


def seed_audience(state: EmulatorState, audience: Iterable[SampleContact]) -> dict[str, str]:
    """Put the lists and contacts into the emulator as its own rules would; list ids by name."""
    rng = random.Random(SEED)
    with state.lock:
        list_ids = {name: _add_list(state, rng, name) for name in LISTS}
        for sample in audience:
            _add_contact(state, rng, sample, list_ids)
    return list_ids


def _add_list(state: EmulatorState, rng: random.Random, name: str) -> str:
    lst = ContactList(seeded_id(rng), name, state.stamp(), state.next_sequence())
    state.lists[lst.list_id] = lst
    return lst.list_id


def _add_contact(
    state: EmulatorState, rng: random.Random, sample: SampleContact, list_ids: dict[str, str]
) -> None:
    contact = Contact(seeded_id(rng), sample.email, state.now(), "Account")
    contact.first_name, contact.last_name = sample.first_name, sample.last_name
    state.add_contact(contact)
    rules.set_lists(state, contact, [list_ids[name] for name in sample.lists])
    if sample.unsubscribed:
        rules.unsubscribe(state, contact, "Contact", "no longer interested")
        state.touch(contact)
