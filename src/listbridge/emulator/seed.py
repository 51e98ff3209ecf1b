"""Deterministic sample data for ``POST /__emulator__/seed``: same seed, same account."""

from __future__ import annotations

import random
import uuid
from typing import Any

from listbridge.emulator import contact_rules as rules
from listbridge.emulator.model import Contact, ContactList, CustomField
from listbridge.emulator.state import EmulatorState

FIRST = (
    "Ada",
    "Grace",
    "Alan",
    "Maya",
    "Omar",
    "Lena",
    "Kofi",
    "Ines",
    "Raj",
    "Sofia",
    "Tom",
    "Yuki",
    "Noah",
    "Amara",
    "Lucas",
    "Priya",
    "Mateo",
    "Hana",
    "Elena",
    "Samir",
    "Chloe",
    "Diego",
    "Nia",
    "Ivan",
)
LAST = (
    "Lovelace",
    "Hopper",
    "Turing",
    "Okafor",
    "Haddad",
    "Schmidt",
    "Mensah",
    "Garcia",
    "Patel",
    "Rossi",
    "Nguyen",
    "Tanaka",
    "Kowalski",
    "Silva",
    "Dubois",
    "Ahmed",
    "Johansson",
    "Moreau",
    "Costa",
    "Kim",
)
DOMAINS = ("example.org", "example.com", "example.net", "mail.example.org")
LIST_NAMES = ("Newsletter", "Volunteers", "Donors", "Members", "Events", "Board", "Press", "Alumni")
FIELD_LABELS = (
    "Member Since",
    "Favourite Program",
    "Donor Level",
    "Region",
    "Chapter",
    "T-Shirt Size",
)
UNSUBSCRIBED_SHARE = 0.05


def seeded_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def seed(
    state: EmulatorState, contacts: int, lists: int, custom_fields: int, seed_value: int
) -> dict[str, Any]:
    rng = random.Random(seed_value)
    list_ids = [_seed_list(state, rng, i) for i in range(lists)]
    field_ids = [_seed_field(state, rng, i) for i in range(custom_fields)]
    contact_ids = [_seed_contact(state, rng, i, seed_value, list_ids) for i in range(contacts)]
    return {"contact_ids": contact_ids, "list_ids": list_ids, "custom_field_ids": field_ids}


def _seed_list(state: EmulatorState, rng: random.Random, i: int) -> str:
    base = LIST_NAMES[i % len(LIST_NAMES)]
    name = base if i < len(LIST_NAMES) else f"{base} {i // len(LIST_NAMES) + 1}"
    taken = {lst.name for lst in state.live_lists()}
    while name in taken:
        name += " (seeded)"
    lst = ContactList(seeded_id(rng), name, state.stamp(), state.next_sequence())
    state.lists[lst.list_id] = lst
    return lst.list_id


def _seed_field(state: EmulatorState, rng: random.Random, i: int) -> str:
    base = FIELD_LABELS[i % len(FIELD_LABELS)]
    label = base if i < len(FIELD_LABELS) else f"{base} {i // len(FIELD_LABELS) + 1}"
    field = CustomField(seeded_id(rng), label, "string", state.stamp())
    state.custom_fields[field.custom_field_id] = field
    return field.custom_field_id


def _seed_contact(
    state: EmulatorState, rng: random.Random, i: int, seed_value: int, list_ids: list[str]
) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    email = f"{first}.{last}.{seed_value}.{i}@{rng.choice(DOMAINS)}".lower()
    existing = state.contacts.find_email(email)
    if existing is not None:
        return existing.contact_id
    c = Contact(seeded_id(rng), email, state.now(), "Account")
    c.first_name, c.last_name = first, last
    c.permission = rng.choice(("implicit", "explicit"))
    state.add_contact(c)
    if list_ids:
        rules.set_lists(state, c, rng.sample(list_ids, k=min(len(list_ids), rng.randint(1, 2))))
    if rng.random() < UNSUBSCRIBED_SHARE:
        rules.unsubscribe(state, c, "Contact", "seeded opt-out")
        state.touch(c)
    return c.contact_id
