"""Matching a Constant Contact contact to a CRM account (design.md, "Matching").

A hash join: `MatchIndex` is built once per run from the CRM (individuals only —
organisations never link) and the existing links; each contact then costs one
dict lookup. The index also remembers the links this run makes, so no account
is linked twice even when two contacts of one run reach the same account.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from listbridge.core.emails import match_key
from listbridge.core.shared_emails import same_name, senior


@dataclass(frozen=True)
class AccountKeys:
    """What matching needs of an account, and no more (100,000 of them fit in memory)."""

    id: str
    individual: bool
    first_name: str = ""
    last_name: str = ""
    emails: tuple[str, ...] = ()
    created_at: datetime | None = None


class MatchKind(StrEnum):
    LINKED = "linked"  # linked to this contact before
    ONE = "one"  # exactly one account has the e-mail
    NARROWED = "narrowed"  # several have it; one also has the contact's name
    AMBIGUOUS = "ambiguous"  # several, and the name did not single one out
    TAKEN = "taken"  # accounts have it, but each is linked to another contact
    NONE = "none"  # no account has it


@dataclass(frozen=True)
class Match:
    kind: MatchKind
    account_id: str = ""
    #: the accounts in question (ambiguous: those left after narrowing; taken: those linked)
    candidates: tuple[str, ...] = ()


@dataclass
class MatchIndex:
    by_email: dict[str, list[AccountKeys]] = field(default_factory=dict)
    account_of: dict[str, str] = field(default_factory=dict)  # contact id → account id
    contact_of: dict[str, str] = field(default_factory=dict)  # account id → contact id
    ids: set[str] = field(default_factory=set)  # every account id (organisations too)

    @classmethod
    def build(cls, accounts: Iterable[AccountKeys], links: Iterable[tuple[str, str]]) -> MatchIndex:
        """`links` are (account id, contact id) pairs."""
        index = cls()
        for account in accounts:
            index.add(account)
        for account_id, contact_id in links:
            index.claim(account_id, contact_id)
        return index

    def add(self, account: AccountKeys) -> None:
        self.ids.add(account.id)
        if not account.individual:
            return
        for key in {match_key(e) for e in account.emails if e.strip()}:
            self.by_email.setdefault(key, []).append(account)

    def claim(self, account_id: str, contact_id: str) -> None:
        self.account_of[contact_id] = account_id
        self.contact_of[account_id] = contact_id

    def match(self, contact_id: str, email: str, first: str, last: str) -> Match:
        linked = self.account_of.get(contact_id)
        if linked is not None:
            return Match(MatchKind.LINKED, linked)
        found = self.by_email.get(match_key(email), ())
        free = sorted(a.id for a in found if a.id not in self.contact_of)
        if len(free) == 1:
            return Match(MatchKind.ONE, free[0])
        if not free:
            taken = tuple(sorted(a.id for a in found))
            return Match(MatchKind.TAKEN, candidates=taken) if taken else Match(MatchKind.NONE)
        return self._narrow(found, set(free), first, last)

    def _narrow(self, found: Iterable[AccountKeys], free: set[str], first: str, last: str) -> Match:
        """The push's rule for a shared address, step 2: the account named as the contact."""
        same = sorted(
            a.id
            for a in found
            if a.id in free and same_name(a.first_name, a.last_name, first, last)
        )
        if len(same) == 1:
            return Match(MatchKind.NARROWED, same[0])
        return Match(MatchKind.AMBIGUOUS, candidates=tuple(same or sorted(free)))

    def senior(self, candidates: Iterable[str], email: str) -> str:
        """The push's rule, step 3: the oldest of them (created_at, then id)."""
        created = {a.id: a.created_at for a in self.by_email.get(match_key(email), ())}
        return senior(sorted(candidates), created)

    def free_id(self, wanted: str) -> str:
        """`wanted`, or `wanted-2`, `-3`… when an account already has that id."""
        candidate, n = wanted, 1
        while candidate in self.ids:
            n += 1
            candidate = f"{wanted}-{n}"
        return candidate
