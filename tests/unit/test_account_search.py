"""The search rule of /accounts (core/account_search.py) and its page-at-a-time scan over a
CRM held elsewhere (crm/account_search.py), which the protocol offers no search for."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from listbridge.core.account_search import PER_PAGE, cleaned, matches
from listbridge.core.accounts import Account, AccountType
from listbridge.crm.account_search import scan_accounts

ANN = Account("A-17", first_name="Ann", last_name="Lee", email="ann@Example.org",
              email3="ann.lee@work.example")  # fmt: skip
ORG = Account("O-1", type=AccountType.ORGANIZATION, company_name="Riverside Food Bank")


def test_a_query_matches_id_name_organisation_or_any_email_ignoring_case() -> None:
    for query in ("a-17", "ANN LEE", "lee", "example.ORG", "work.example", ""):
        assert matches(ANN, query), query
    assert matches(ORG, "food bank")
    for query in ("riverside", "bob", "lee ann"):
        assert not matches(ANN, query), query


def test_a_query_is_trimmed_and_loses_control_characters() -> None:
    assert cleaned("  ann\x1f lee\n ") == "ann lee"
    assert len(cleaned("x" * 1000)) == 254


@given(st.text(max_size=30))
def test_a_cleaned_query_is_a_fixed_point(query: str) -> None:
    assert cleaned(cleaned(query)) == cleaned(query)


class Elsewhere:
    """A CRM held elsewhere as the search sees it: accounts streamed, counted as read."""

    def __init__(self, accounts: list[Account]) -> None:
        self.accounts = accounts
        self.read = 0

    def changed_since(self, since: datetime | None) -> Iterator[Account]:
        for account in self.accounts:
            self.read += 1
            yield account


def test_the_scan_pages_fifty_at_a_time_and_stops_once_a_page_is_full() -> None:
    people = [Account(f"P{i:03}", last_name="Person" if i % 2 else "Other") for i in range(300)]
    crm = Elsewhere(people)
    first = scan_accounts(crm, "person", 1)  # type: ignore[arg-type]
    assert [h.id for h in first.hits] == [f"P{i:03}" for i in range(1, 2 * PER_PAGE, 2)]
    assert first.has_next
    assert crm.read == 102  # up to the page's 50 hits and one more (P101), not all 300
    last = scan_accounts(Elsewhere(people), "person", 3)  # type: ignore[arg-type]
    assert [h.id for h in last.hits] == [f"P{i:03}" for i in range(201, 300, 2)]
    assert not last.has_next
