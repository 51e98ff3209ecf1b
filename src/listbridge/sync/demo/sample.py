"""The demo's data: both halves of one generated sample (listbridge.sample, a fixed seed).

The CRM half goes in as a file through `crm load`'s own code (a run, a journal, every
row validated), the Constant Contact half straight into the emulator's memory by the
emulator's own rules. The same seed every time, so every demo imports the same
contacts with the same ids and gets the same counts. The mix is what a real first
sync meets: households sharing an address, an address typed in capitals, people with
two addresses or two accounts, nicknames, role addresses, people who unsubscribed
(some known to the CRM, some not) and people the CRM has never seen.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from listbridge.crm.builtin.fields import add_field, list_fields
from listbridge.crm.builtin.load import LoadResult, load_file
from listbridge.emulator import contact_rules as rules
from listbridge.emulator.model import Contact, ContactList
from listbridge.emulator.seed import seeded_id
from listbridge.emulator.state import EmulatorState
from listbridge.sample import DEMO, DEMO_SEED, Sample, SampleContact, generate
from listbridge.sample.files import write_file
from listbridge.store.db import Store


@cache
def demo_sample() -> Sample:
    return generate(DEMO_SEED, DEMO)


def write_sample_file(directory: Path) -> Path:
    """The demo's CRM as a file `crm load` takes (`sample_crm.csv` in `directory`)."""
    return write_file(demo_sample(), directory)


def load_sample_crm(store: Store, connection_id: int, *, started_by: str) -> LoadResult:
    """Define the sample's custom fields (typed), then load its accounts; ids already
    there are updated, so a second demo on the same database loads over the first."""
    sample = demo_sample()
    known = {f.name for f in list_fields(store, connection_id)}
    for field in sample.fields:
        if field.name not in known:
            add_field(store, connection_id, field.name, field.type, field.choices)
    with tempfile.TemporaryDirectory(prefix="listbridge-demo-") as directory:
        path = write_sample_file(Path(directory))
        return load_file(store, connection_id, path, started_by=started_by)


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
