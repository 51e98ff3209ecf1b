"""Finding accounts by a few typed letters: what `/accounts?q=` matches, as one pure rule
that every CRM's search follows (the builtin CRM's in SQL, the others' over the protocol).

A query matches an account when it occurs, ignoring case, in its id, its name ("first
last"), its organisation or one of its e-mails. Results come a page at a time, in id
order; a page says whether another follows instead of counting every match, so that a
page of a large CRM costs one bounded read.
"""

from __future__ import annotations

from dataclasses import dataclass

from listbridge.core.accounts import Account, AccountType

PER_PAGE = 50
#: longer queries are cut: no name, organisation or e-mail is longer than a column holds
MAX_QUERY = 254


@dataclass(frozen=True)
class AccountHit:
    """One account as a search result lists it."""

    id: str
    individual: bool
    name: str
    organisation: str
    email: str
    email_opt_out: bool
    do_not_contact: bool


@dataclass(frozen=True)
class SearchPage:
    query: str
    page: int
    hits: tuple[AccountHit, ...]
    has_next: bool

    @property
    def first(self) -> int:
        """The position of the page's first hit, counted from 1."""
        return (self.page - 1) * PER_PAGE + 1


def cleaned(query: str) -> str:
    """Trimmed, without control characters (no field holds one), at most MAX_QUERY long."""
    return "".join(c for c in query if c.isprintable()).strip()[:MAX_QUERY]


def full_name(first: str, last: str) -> str:
    return " ".join(part for part in (first, last) if part)


def hit_of(account: Account) -> AccountHit:
    return AccountHit(
        account.id,
        account.type is AccountType.INDIVIDUAL,
        full_name(account.first_name, account.last_name),
        account.company_name,
        account.email,
        account.email_opt_out,
        account.do_not_contact,
    )


def matches(account: Account, query: str) -> bool:
    """Whether `query` (already `cleaned`) occurs in what a search looks at."""
    needle = query.casefold()
    name = full_name(account.first_name, account.last_name)
    haystack = (account.id, name, account.company_name, *account.emails)
    return not needle or any(needle in text.casefold() for text in haystack)
