"""The demo's audience: the Constant Contact half of its sample, put into the emulator.

Straight into the emulator's memory, by the emulator's own rules, from the sample
both halves come from (`listbridge.sample.demo_sample`, a fixed seed): every demo
imports the same contacts with the same ids and gets the same counts. The CRM half
is loaded by the builtin CRM (`crm/builtin/demo_data.py`), through `crm load`'s code.
The mix is what a real first sync meets: households sharing an address, an address
typed in capitals, people with two addresses or two accounts, nicknames, role
addresses, people who unsubscribed (some known to the CRM, some not) and people the
CRM has never seen.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from listbridge.emulator import contact_rules as rules
from listbridge.emulator.model import Contact, ContactList
from listbridge.emulator.seed import seeded_id
from listbridge.emulator.state import EmulatorState
from listbridge.sample import DEMO_SEED, Sample, SampleContact, demo_sample


def seed_audience(state: EmulatorState, sample: Sample | None = None) -> dict[str, str]:
    """Put the lists and contacts into the emulator as its own rules would; list ids by name."""
    sample = sample or demo_sample()
    rng = random.Random(DEMO_SEED)
    with state.lock:
        list_ids = {name: _add_list(state, rng, name) for name in sample.lists}
        for contact in sample.contacts:
            _add_contact(state, rng, contact, list_ids)
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
    contact.company_name = sample.company_name or None
    state.add_contact(contact)
    rules.set_lists(state, contact, _ids(sample.lists, list_ids))
    if sample.unsubscribed:
        rules.unsubscribe(state, contact, "Contact", "no longer interested")
        state.touch(contact)


def _ids(names: Iterable[str], list_ids: dict[str, str]) -> list[str]:
    return [list_ids[name] for name in names]
