"""People who share an e-mail address (design.md, "Shared e-mail addresses").

A household, a couple, one address typed twice in two cases: several CRM accounts,
one Constant Contact contact. One rule picks the account that holds the contact, on
both sides of the sync (push here, the import's `ambiguous_match=link` through
`senior`): the account already linked to it, else the one whose first and last name
are the contact's, else the oldest (created_at, then id). The others are not pushed,
each with a reason naming the one that is. An opt-out of any of them holds the address.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

from listbridge.core.accounts import Account
from listbridge.core.emails import match_key

#: accounts with no creation time sort after every dated one (then by id)
_UNDATED = datetime.max.replace(tzinfo=UTC)


class Verdict(Enum):
    SHARED = "account {other} has it too, and holds its Constant Contact contact"
    HELD = (
        "account {other} has it too and is opted out or do-not-contact: the address is "
        "neither created nor subscribed"
    )

    def says(self, other: str) -> str:
        return str(self.value).format(other=other)


@dataclass(frozen=True)
class Sharing:
    """Why an account sharing its address is not pushed, and which account it names."""

    verdict: Verdict
    other: str

    @property
    def message(self) -> str:
        return self.verdict.says(self.other)


def same_name(first: str, last: str, other_first: str, other_last: str) -> bool:
    return (first.strip().casefold(), last.strip().casefold()) == (
        other_first.strip().casefold(),
        other_last.strip().casefold(),
    )


def senior(ids: Sequence[str], created: Mapping[str, datetime | None]) -> str:
    """The oldest account (created_at, then id): the same data always gives the same one."""
    return min(ids, key=lambda i: (_aware(created.get(i)), i))


def _aware(at: datetime | None) -> datetime:
    if at is None:
        return _UNDATED
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def holder(
    group: Sequence[Account], linked: Mapping[str, str], contact: tuple[str, str, str] | None
) -> str:
    """The account of `group` that holds the address's contact.

    `linked` maps account ids to the contact each is linked to; `contact` is the live
    contact with the address (id, first name, last name), when there is one.
    """
    ids = [a.id for a in group]
    if contact is not None:
        on_it = [i for i in ids if linked.get(i) == contact[0]]
        if on_it:
            return senior(on_it, _created(group))
    any_linked = [i for i in ids if i in linked]
    if any_linked:
        return senior(any_linked, _created(group))
    if contact is not None:
        named = [a.id for a in group if same_name(a.first_name, a.last_name, *contact[1:])]
        if named:
            return senior(named, _created(group))
    return senior(ids, _created(group))


def _created(group: Iterable[Account]) -> dict[str, datetime | None]:
    return {a.id: a.created_at for a in group}


def blocks_address(account: Account) -> bool:
    return account.email_opt_out or account.do_not_contact


def shared_addresses(
    accounts: Iterable[Account],
    eligible: Callable[[Account], bool],
    linked: Mapping[str, str],
    contacts: Mapping[str, tuple[str, str, str]],
) -> dict[str, Sharing]:
    """Every eligible account that is not pushed because it shares its address.

    `accounts` are those a job pushes and every other account with one of their
    addresses (an opted-out or do-not-contact one holds the address for all);
    `contacts` maps match keys to the live contact with that address.
    """
    # One account per address is the rule, several the exception: a list is made for an
    # address only once a second account has it (100,000s of lists cost the GC dearly).
    first: dict[str, Account] = {}
    groups: dict[str, list[Account]] = {}
    blockers: dict[str, list[str]] = {}
    for account in accounts:
        key = match_key(account.email)
        if not key:
            continue
        if eligible(account):
            one = first.setdefault(key, account)
            if one is not account or key in groups:
                groups.setdefault(key, [one]).append(account)
        elif blocks_address(account):
            blockers.setdefault(key, []).append(account.id)
    out: dict[str, Sharing] = {}
    for key, one in first.items():
        group = groups.get(key)  # None: the address is this one account's
        if key in blockers:
            out |= {a.id: Sharing(Verdict.HELD, min(blockers[key])) for a in group or (one,)}
        elif group is not None:
            chosen = holder(group, linked, contacts.get(key))
            out |= {a.id: Sharing(Verdict.SHARED, chosen) for a in group if a.id != chosen}
    return out
