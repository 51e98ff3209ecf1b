"""The Constant Contact half of a sample: contacts built around the CRM's people.

What a first sync meets in a real account: people the CRM has (one typed in
capitals, some under a nickname or without their accents), a person reached at
their second address, one signed up with two of their addresses, one of two
accounts of the same person, household addresses (named as one of the household,
or as no one), people who unsubscribed, role addresses, contacts on no list, and
people the CRM has never seen. One contact per address, as Constant Contact keeps.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from listbridge.core.accounts import Account
from listbridge.core.emails import match_key
from listbridge.sample import names
from listbridge.sample.people import Cast


@dataclass(frozen=True)
class SampleContact:
    email: str
    first_name: str = ""
    last_name: str = ""
    lists: tuple[str, ...] = ()
    unsubscribed: bool = False
    company_name: str = ""

    def body(self, list_ids: Mapping[str, str]) -> dict[str, object]:
        """The `POST /v3/contacts` body that makes this contact, on its lists by their ids.

        The unsubscribe is a second step (the contact's own action), which a create
        cannot express.
        """
        body: dict[str, object] = {
            "email_address": {"address": self.email, "permission_to_send": "implicit"},
            "first_name": self.first_name,
            "last_name": self.last_name,
            "create_source": "Account",
        }
        if self.company_name:
            body["company_name"] = self.company_name
        if self.lists:
            body["list_memberships"] = [list_ids[name] for name in self.lists]
        return body


class Book:
    """The contacts so far, one per address: a second one at an address is dropped."""

    def __init__(self) -> None:
        self.by_key: dict[str, SampleContact] = {}

    def add(self, contact: SampleContact) -> None:
        self.by_key.setdefault(match_key(contact.email), contact)

    def named(
        self, account: Account, email: str, lists: tuple[str, ...], unsubscribed: bool = False
    ) -> None:
        """A contact under the account's own name (CC keeps no spaces around an address)."""
        first, last = account.first_name, account.last_name
        self.add(SampleContact(email.strip(), first, last, lists, unsubscribed))


def audience(
    rng: random.Random,
    people: Mapping[str, Account],
    cast: Cast,
    organizations: Sequence[Account],
    newcomers: int,
) -> list[SampleContact]:
    book = Book()
    _known(rng, book, people, cast)
    _second_addresses(book, people, cast)
    _households(book, people, cast)
    _roles(book, people, cast, organizations)
    _newcomers(rng, book, newcomers)
    contacts = list(book.by_key.values())
    rng.shuffle(contacts)
    return contacts


def lists_of(i: int) -> tuple[str, ...]:
    """Everyone gets the newsletter; a third volunteer, a quarter give."""
    extra = ((names.VOLUNTEERS,) if i % 3 == 0 else ()) + ((names.DONORS,) if i % 4 == 1 else ())
    return (names.NEWSLETTER, *extra)


def _known(rng: random.Random, book: Book, people: Mapping[str, Account], cast: Cast) -> None:
    """A third of the single people, every nicknamed one, and someone opted out in the CRM
    (still subscribed here: the unsubscribes job's work)."""
    aside = {*cast.several_addresses, cast.role_user, *cast.nicknamed}
    pool = [i for i in cast.singles if i not in aside]
    opted = [i for i in pool if people[i].email_opt_out or people[i].do_not_contact][:2]
    chosen = [*cast.nicknamed, *opted, *rng.sample(pool, len(pool) // 3)]
    for i, account_id in enumerate(dict.fromkeys(chosen)):
        account = people[account_id]
        gone = i % 8 == 1
        lists = () if gone or i % 7 == 6 else lists_of(i)
        email = account.email.upper() if i == 0 else account.email
        book.add(SampleContact(email, _cc_first_name(account, i), account.last_name, lists, gone))


def _cc_first_name(account: Account, i: int) -> str:
    """The name as Constant Contact has it: a nickname, or now and then without accents."""
    if account.first_name in names.NICKNAMES:
        return names.NICKNAMES[account.first_name]
    if i % 5 == 4:
        decomposed = unicodedata.normalize("NFKD", account.first_name)
        return "".join(c for c in decomposed if not unicodedata.combining(c))
    return account.first_name


def _second_addresses(book: Book, people: Mapping[str, Account], cast: Cast) -> None:
    """Reached at a work or alumni address; the first one signed up with two addresses.
    Of each person entered twice, the second account's address."""
    for n, account_id in enumerate(cast.several_addresses):
        account = people[account_id]
        book.named(account, account.email3 or account.email2, lists_of(n))
        if n == 0:
            book.named(account, account.email, (names.NEWSLETTER,))
    for _, second in cast.twins:
        book.named(people[second], people[second].email, (names.NEWSLETTER,))


def _households(book: Book, people: Mapping[str, Account], cast: Cast) -> None:
    """One household in three under one member's name, one under no name, one not here.
    The fourth household's member unsubscribed."""
    for k, ids in enumerate(cast.households):
        last = people[ids[-1]]
        if k % 3 == 0:
            book.named(last, last.email, () if k == 3 else (names.NEWSLETTER,), unsubscribed=k == 3)
        elif k % 3 == 1:
            lists = (names.NEWSLETTER, names.DONORS)
            book.add(SampleContact(people[ids[0]].email.strip(), lists=lists))


def _roles(
    book: Book, people: Mapping[str, Account], cast: Cast, organizations: Sequence[Account]
) -> None:
    """Role addresses: a known organisation's, the sole trader's, and two new ones."""
    known = [o.email for o in organizations if o.email.partition("@")[0] in names.ROLES][:1]
    if cast.role_user:
        known.append(people[cast.role_user].email)
    new = ["info@eastsidegardenclub.example.org", "sales@harborprint.example.com"]
    for email in (*known, *new):
        book.add(SampleContact(email, lists=(names.NEWSLETTER,)))


def _newcomers(rng: random.Random, book: Book, count: int) -> None:
    """People the CRM has never seen; the last fifth unsubscribed before any sync."""
    gone = max(1, count // 5)
    for k in range(count):
        (first, first_ascii), (last, last_ascii) = (
            rng.choice(names.FIRST_NAMES),
            rng.choice(names.LAST_NAMES),
        )
        email = f"{first_ascii}{last_ascii[:1]}{k + 1}@signup.example.net"
        lists = () if k >= count - gone else lists_of(k)
        company = rng.choice(names.ORGANIZATIONS)[0] if k % 4 == 2 else ""
        book.add(SampleContact(email, first, last, lists, k >= count - gone, company))
