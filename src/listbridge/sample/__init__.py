"""Realistic sample data for both sides of a sync, the same for the same seed.

`generate(seed, sizes)` returns CRM accounts (`core.accounts.Account`), Constant
Contact contacts (`SampleContact`, with the API body that creates one), the CC
lists they are on, CRM lists over the accounts and the custom fields the accounts
use. The demo loads the `DEMO` sample (`demo_sample()`); the property tests (tests/sync/
test_realistic_data.py) and bench/realistic_soak.py load small and large ones.
Generation is pure (no I/O, no clock, only `random.Random(seed)`); `files.py` writes
the CRM half as a file `crm load` takes.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from listbridge.core.accounts import Account, AccountType, CustomFieldDef, FieldType
from listbridge.sample import names
from listbridge.sample.audience import SampleContact, audience
from listbridge.sample.people import Cast, individuals, organization

__all__ = [
    "DEMO",
    "DEMO_SEED",
    "FIELDS",
    "Sample",
    "SampleContact",
    "Sizes",
    "demo_sample",
    "generate",
]

#: The typed custom fields the sample accounts use; define them before loading.
FIELDS = (
    CustomFieldDef("Member Level", FieldType.CHOICE, names.LEVELS),
    CustomFieldDef("Volunteer Since", FieldType.DATE),
    CustomFieldDef("Donations", FieldType.NUMBER),
)


@dataclass(frozen=True)
class Sizes:
    """How much of each; from 30 people up, every kind of record is there for any seed
    (tests/unit/test_sample.py), below that some may be missing."""

    people: int = 36  # individual accounts, households and duplicates included
    organizations: int = 6
    newcomers: int = 8  # contacts in Constant Contact only


@dataclass(frozen=True)
class Sample:
    accounts: tuple[Account, ...]
    contacts: tuple[SampleContact, ...]
    lists: tuple[str, ...] = names.LISTS
    #: CRM list name → account ids (named as CC lists, so a list sync pairs them)
    crm_lists: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    fields: tuple[CustomFieldDef, ...] = FIELDS
    cast: Cast = field(default_factory=Cast, compare=False)


DEMO_SEED = 2024
#: The demo's CRM: 400 accounts, as a small nonprofit's.
DEMO = Sizes(people=320, organizations=80, newcomers=14)


def generate(seed: int = 0, sizes: Sizes = Sizes()) -> Sample:
    rng = random.Random(seed)
    people, cast = individuals(rng, sizes.people)
    orgs = [organization(rng, n) for n in range(1, sizes.organizations + 1)]
    contacts = audience(rng, {a.id: a for a in people}, cast, orgs, sizes.newcomers)
    accounts = (*people, *orgs)
    return Sample(accounts, tuple(contacts), crm_lists=_crm_lists(rng, accounts, cast), cast=cast)


@cache
def demo_sample() -> Sample:
    """The demo's sample: both its halves, the CRM's and the audience, come from this one."""
    return generate(DEMO_SEED, DEMO)


def _crm_lists(
    rng: random.Random, accounts: tuple[Account, ...], cast: Cast
) -> dict[str, tuple[str, ...]]:
    """The CRM's newsletter: a third of everyone, and for sure a household, someone opted
    out, someone deceased and an organisation (whom no list sync may subscribe)."""
    must = {
        *(cast.households[0] if cast.households else ()),
        *[a.id for a in accounts if a.email_opt_out][:1],
        *[a.id for a in accounts if a.deceased][:1],
        *[a.id for a in accounts if a.type is AccountType.ORGANIZATION][:1],
    }
    newsletter = sorted(a.id for a in accounts if a.id in must or rng.random() < 0.33)
    volunteers = sorted(a.id for a in accounts if a.individual_type == "Volunteer")
    return {names.NEWSLETTER: tuple(newsletter), names.VOLUNTEERS: tuple(volunteers)}
