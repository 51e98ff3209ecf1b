"""Possible duplicates among CRM accounts, for `crm duplicates`: what an administrator
cleans up by hand before (or after) a sync trips over it.

Two kinds of group:

- `shared_email`: the accounts that hold one address (email, email2 or email3,
  trimmed, case ignored), one group per address, keyed by it. An account with two
  shared addresses is in two groups. Organisations count: a person sharing an
  address with an organisation is exactly what a push meets as a shared address,
  so the report shows it.
- `same_person`: individuals that look like one person recorded twice: the same
  first and last name (case, accents and spacing ignored, both present) and either
  one phone number (its digits, at least 7; see `phone_key`) or one street line with
  one postal code (case, accents and punctuation ignored).
  The link is transitive: if A and B share a phone and B and C an address, the group
  is A, B, C. Each account is in at most one such group, keyed by the name.

Deleted accounts are in no group (they are out of every sync already). Groups come
sorted (shared_email first, then by key and ids), ids sorted, each with at least two.
One pass over the accounts, dictionaries only: linear in their number.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from listbridge.core.emails import match_key

#: Fewer digits than this is an extension or a typo, not a phone number two people share.
MIN_PHONE_DIGITS = 7
#: A national number's digits at most (E.164 numbers in North America, most of Europe).
NATIONAL_DIGITS = 10
_NOT_WORD = re.compile(r"[\W_]+")
_NOT_DIGIT = re.compile(r"\D+")


class DuplicateKind(StrEnum):
    SHARED_EMAIL = "shared_email"
    SAME_PERSON = "same_person"


_KIND_ORDER = {DuplicateKind.SHARED_EMAIL: 0, DuplicateKind.SAME_PERSON: 1}


@dataclass(frozen=True, slots=True)
class AccountClues:
    """What the report compares of one account."""

    account_id: str
    emails: tuple[str, ...] = ()
    first_name: str = ""
    last_name: str = ""
    phones: tuple[str, ...] = ()
    street: str = ""
    postal_code: str = ""
    individual: bool = True
    deleted: bool = False
    linked: bool = False  # linked to a Constant Contact contact


@dataclass(frozen=True)
class DuplicateGroup:
    kind: DuplicateKind
    key: str
    account_ids: tuple[str, ...]
    #: the first (by id) of them linked to a Constant Contact contact, if any is
    linked_account_id: str | None = None


def folded(text: str) -> str:
    """Case, accents and spacing ignored: ``"  Zoë  DE la Cruz"`` → ``"zoe de la cruz"``."""
    if text.isascii():  # most names: nothing to decompose (a third of the report's time)
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(unicodedata.normalize("NFKC", bare).casefold().split())


def phone_key(phone: str) -> str:
    """A phone number's digits (in ASCII), the last ten of a longer one: a country code or
    trunk 0 in front is the same number (``"+1 (617) 555-0100"`` and ``"617.555.0100"``,
    ``"+44 20 7946 0958"`` and ``"020 7946 0958"``). Empty below seven digits."""
    digits = _NOT_DIGIT.sub("", phone)
    if not digits.isascii():  # ٠١٢…, ０１２…: every script's digits are digits
        digits = "".join(str(unicodedata.decimal(c)) for c in digits)
    return digits[-NATIONAL_DIGITS:] if len(digits) >= MIN_PHONE_DIGITS else ""


def street_key(street: str, postal_code: str) -> str:
    """A street line and postal code compared without case, accents and punctuation."""
    line = " ".join(_NOT_WORD.sub(" ", folded(street)).split())
    code = _NOT_WORD.sub("", folded(postal_code))
    return f"{line}|{code}" if line and code else ""


@dataclass
class _Person:
    account_id: str
    clues: frozenset[str]


@dataclass
class _Collected:
    by_address: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_name: defaultdict[str, list[_Person]] = field(default_factory=lambda: defaultdict(list))
    linked: set[str] = field(default_factory=set)

    def add(self, account: AccountClues) -> None:
        if account.deleted:
            return
        if account.linked:
            self.linked.add(account.account_id)
        for address in {match_key(e) for e in account.emails} - {""}:
            self.by_address[address].add(account.account_id)
        name = _full_name(account) if account.individual else ""
        clues = _person_clues(account) if name else frozenset()
        if clues:
            self.by_name[name].append(_Person(account.account_id, clues))


def find_duplicates(accounts: Iterable[AccountClues]) -> list[DuplicateGroup]:
    """Every group of possible duplicates (module docstring), sorted."""
    collected = _Collected()
    for account in accounts:
        collected.add(account)
    groups = [
        _group(DuplicateKind.SHARED_EMAIL, address, ids, collected.linked)
        for address, ids in collected.by_address.items()
        if len(ids) > 1
    ]
    for name, people in collected.by_name.items():
        if len(people) > 1:
            groups += [
                _group(DuplicateKind.SAME_PERSON, name, ids, collected.linked)
                for ids in _connected(people)
            ]
    return sorted(groups, key=lambda g: (_KIND_ORDER[g.kind], g.key, g.account_ids))


def _full_name(account: AccountClues) -> str:
    first, last = folded(account.first_name), folded(account.last_name)
    return f"{first} {last}" if first and last else ""


def _person_clues(account: AccountClues) -> frozenset[str]:
    """What two records of one person would share: a phone, or a street and postal code."""
    clues = {f"phone:{key}" for p in account.phones if (key := phone_key(p))}
    street = street_key(account.street, account.postal_code)
    return frozenset(clues | ({f"street:{street}"} if street else set()))


def _connected(people: list[_Person]) -> list[set[str]]:
    """The people linked by a shared clue, directly or through others (union-find)."""
    parent = list(range(len(people)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with: dict[str, int] = {}
    for i, person in enumerate(people):
        for clue in person.clues:
            parent[root(i)] = root(first_with.setdefault(clue, i))
    components: dict[int, set[str]] = defaultdict(set)
    for i, person in enumerate(people):
        components[root(i)].add(person.account_id)
    return [ids for ids in components.values() if len(ids) > 1]


def _group(kind: DuplicateKind, key: str, ids: set[str], linked: set[str]) -> DuplicateGroup:
    ordered = tuple(sorted(ids))
    return DuplicateGroup(kind, key, ordered, next((i for i in ordered if i in linked), None))
