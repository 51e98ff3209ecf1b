"""The CRM half of a sample: individuals shaped like a real nonprofit's, by quota.

Every kind of record that breaks a naive sync is made on purpose, not left to
chance, so even a 30-account sample has each of them: households sharing one
address (typed the same, in capitals, or with spaces around it), one person with
two or three addresses, one person as two accounts (same name and phone,
different addresses), a person using a role address, nicknames, and deceased,
do-not-contact and opted-out people. `Cast` says which accounts play which part,
so the Constant Contact half (audience.py) can be built around them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from listbridge.core.accounts import Account, AccountType, CustomValue
from listbridge.sample import names

#: accounts were created over ten years, so "the oldest" of a household is a real choice
EPOCH = datetime(2015, 1, 1, 9, 0, tzinfo=UTC)
SPAN_DAYS = 3650


@dataclass(frozen=True)
class Cast:
    """Account ids by the part they play (households and twins in id order)."""

    singles: tuple[str, ...] = ()
    households: tuple[tuple[str, ...], ...] = ()
    twins: tuple[tuple[str, str], ...] = ()
    several_addresses: tuple[str, ...] = ()
    nicknamed: tuple[str, ...] = ()
    role_user: str = ""


def individuals(rng: random.Random, count: int) -> tuple[list[Account], Cast]:
    """`count` individual accounts, ids P0001…, and who is who among them."""
    groups = _group_sizes(count)
    rng.shuffle(groups)
    namer = Namer(rng)
    accounts: list[Account] = []
    cast = Cast()
    for kind, size in groups:
        made = _group(rng, namer, kind, size, len(accounts) + 1, len(cast.households))
        accounts += made
        cast = _cast_group(cast, kind, tuple(a.id for a in made))
    return _twists(rng, accounts, cast)


class Namer:
    """Names for accounts 1, 2, …: the pools in a shuffled order first, so that even a small
    sample has every script and shape, then random draws."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.firsts = names.shapes_first(rng.sample(names.FIRST_NAMES, len(names.FIRST_NAMES)))
        self.lasts = names.shapes_first(rng.sample(names.LAST_NAMES, len(names.LAST_NAMES)))

    def __call__(self, number: int) -> tuple[names.Word, names.Word]:
        if number <= min(len(self.firsts), len(self.lasts)):
            return self.firsts[number - 1], self.lasts[number - 1]
        return self.rng.choice(self.firsts), self.rng.choice(self.lasts)


def _group_sizes(count: int) -> list[tuple[str, int]]:
    """Households (every third of three people), twins, then single people."""
    households = [2 + (k % 3 == 2) for k in range(max(2, count // 9))]
    twins = max(1, count // 20)
    while sum(households) + 2 * twins > count and households:
        households.pop()
    twins = min(twins, (count - sum(households)) // 2)
    singles = count - sum(households) - 2 * twins
    return [
        *(("household", n) for n in households),
        *(("twin", 2) for _ in range(twins)),
        *(("single", 1) for _ in range(singles)),
    ]


def _cast_group(cast: Cast, kind: str, ids: tuple[str, ...]) -> Cast:
    if kind == "household":
        return replace(cast, households=(*cast.households, ids))
    if kind == "twin":
        return replace(cast, twins=(*cast.twins, (ids[0], ids[1])))
    return replace(cast, singles=(*cast.singles, *ids))


def _group(
    rng: random.Random, namer: Namer, kind: str, size: int, number: int, household: int
) -> list[Account]:
    """One household (the `household`-th), a person entered twice, or a single person."""
    first = person(rng, number, namer(number))
    if kind == "household":
        mates = [person(rng, number + k, namer(number + k)) for k in range(1, size)]
        return [first, *(_housemate(first, m, household + k) for k, m in enumerate(mates, 1))]
    if kind == "twin":
        return [first, _twin(rng, first, number + 1)]
    return [first]


def person(rng: random.Random, number: int, name: tuple[names.Word, names.Word]) -> Account:
    (first, first_ascii), (last, last_ascii) = name
    city, state, postal, country = rng.choice(names.PLACES)
    return Account(
        id=f"P{number:04d}",
        first_name=first,
        middle_name=rng.choice(names.MIDDLE_NAMES),
        last_name=last,
        email=f"{first_ascii}.{last_ascii}{number}@{rng.choice(names.DOMAINS)}",
        phone1=phone(rng, country),
        phone2=phone(rng, country) if rng.random() < 0.2 else "",
        address_line1=f"{rng.randint(1, 9999)} {rng.choice(names.STREETS)}",
        city=city,
        state=state,
        zip=postal,
        country=country,
        title=rng.choice(names.TITLES),
        individual_type=rng.choice(names.INDIVIDUAL_TYPES),
        custom=custom_values(rng),
        created_at=created(rng),
    )


def _housemate(first: Account, mate: Account, spelling: int) -> Account:
    """Same home, same family name, the first one's address as typed again: the same, in
    capitals or with spaces around it (the first two households have the last two)."""
    spellings = (first.email, first.email.upper(), f"  {first.email} ")
    return replace(
        mate,
        last_name=first.last_name,
        email=spellings[spelling % 3],
        address_line1=first.address_line1,
        city=first.city,
        state=first.state,
        zip=first.zip,
        country=first.country,
    )


def _twin(rng: random.Random, first: Account, number: int) -> Account:
    """The same person entered again: same name and phone, another address."""
    local, _, _ = first.email.partition("@")
    return replace(
        first,
        id=f"P{number:04d}",
        email=f"{local}.home@{rng.choice(names.DOMAINS)}",
        address_line1=f"{rng.randint(1, 9999)} {rng.choice(names.STREETS)}",
        custom={},
        created_at=created(rng),
    )


def _twists(rng: random.Random, accounts: list[Account], cast: Cast) -> tuple[list[Account], Cast]:
    """Second addresses, nicknames, a role address and consent flags on chosen people."""
    singles = list(cast.singles)
    rng.shuffle(singles)
    step = max(1, len(accounts) // 10)
    several, nick = singles[:step], singles[step : 2 * step]
    role_user = singles[2 * step] if len(singles) > 2 * step else ""
    by_id = {a.id: a for a in accounts}
    for n, account_id in enumerate(several):
        by_id[account_id] = _more_addresses(by_id[account_id], third=n % 2 == 0)
    for account_id in nick:
        by_id[account_id] = _formal(by_id[account_id], rng.choice(list(names.NICKNAMES)))
    if role_user:
        by_id[role_user] = _role_address(rng, by_id[role_user])
    for account_id in singles[2 * step + 1 :]:
        if rng.random() < 0.1:  # typed with capitals, as some people do: "Ann.Lee12@Example.Org"
            by_id[account_id] = replace(by_id[account_id], email=by_id[account_id].email.title())
    _flags(rng, by_id, cast)
    return list(by_id.values()), replace(
        cast, several_addresses=tuple(several), nicknamed=tuple(nick), role_user=role_user
    )


def _formal(account: Account, first: str) -> Account:
    """Renamed to a name that has a nickname (William, whom Constant Contact knows as Bill)."""
    local, _, domain = account.email.partition("@")
    family = local.partition(".")[2]
    return replace(account, first_name=first, email=f"{first.lower()}.{family}@{domain}")


def _more_addresses(account: Account, *, third: bool) -> Account:
    local, _, _ = account.email.partition("@")
    email3 = f"{local}@alumni.example.edu" if third else ""
    return replace(account, email2=f"{local}@work.example.com", email3=email3)


def _role_address(rng: random.Random, account: Account) -> Account:
    """A sole trader whose business address is the one the CRM has."""
    business = names.plain(account.last_name) or "shop"
    return replace(
        account, email=f"{rng.choice(names.ROLES)}@{business}{account.id[1:]}.example.com"
    )


def _flags(rng: random.Random, by_id: dict[str, Account], cast: Cast) -> None:
    """About one in ten opted out, fewer do-not-contact or deceased; one household member
    opted out for sure (the opt-out that holds an address for all who share it)."""
    ids = sorted(by_id)
    count = len(ids)
    for flag, share in (("email_opt_out", 10), ("do_not_contact", 20), ("deceased", 25)):
        for account_id in rng.sample(ids, min(count, max(1, count // share))):
            by_id[account_id] = _flagged(by_id[account_id], flag)
    if len(cast.households) > 1:
        last = cast.households[1][-1]
        by_id[last] = replace(by_id[last], email_opt_out=True)


def _flagged(account: Account, flag: str) -> Account:
    changes: dict[str, Any] = {flag: True}
    return replace(account, **changes)


def custom_values(rng: random.Random) -> dict[str, CustomValue]:
    values: dict[str, CustomValue] = {}
    if rng.random() < 0.45:
        values["Member Level"] = rng.choice(names.LEVELS)
    if rng.random() < 0.3:
        values["Volunteer Since"] = date(2005, 1, 1) + timedelta(days=rng.randint(0, 7000))
    if rng.random() < 0.5:
        values["Donations"] = Decimal(rng.randint(1, 500) * 5) + rng.choice(
            (Decimal(0), Decimal("0.5"), Decimal("0.25"))
        )
    return values


def created(rng: random.Random) -> datetime:
    return EPOCH + timedelta(days=rng.randint(0, SPAN_DAYS), minutes=rng.randint(0, 600))


def phone(rng: random.Random, country: str = "US") -> str:
    if country == "GB":
        return f"+44 20 7946 {rng.randint(1000, 9999)}"
    if country == "DE":
        return f"+49 30 {rng.randint(100000, 999999)}"
    return f"+1 555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"


def organization(rng: random.Random, number: int) -> Account:
    """A business or partner organisation, mostly reached at a role address."""
    name, domain_word = names.ORGANIZATIONS[(number - 1) % len(names.ORGANIZATIONS)]
    domain = f"{domain_word}{number}.example.org"
    city, state, postal, country = rng.choice(names.PLACES)
    local = rng.choice(names.ROLES) if number % 4 else f"director.{domain_word}"
    return Account(
        id=f"O{number:04d}",
        type=AccountType.ORGANIZATION,
        company_name=name if number <= len(names.ORGANIZATIONS) else f"{name} #{number}",
        email=f"{local}@{domain}",
        email2=f"donations@{domain}" if rng.random() < 0.2 else "",
        phone1=phone(rng, country),
        fax=phone(rng, country) if rng.random() < 0.2 else "",
        address_line1=f"{rng.randint(1, 9999)} {rng.choice(names.STREETS)}",
        city=city,
        state=state,
        zip=postal,
        country=country,
        email_opt_out=rng.random() < 0.05,
        custom={"Member Level": rng.choice(names.LEVELS)} if rng.random() < 0.3 else {},
        created_at=created(rng),
    )
