"""core/duplicates.py: the possible-duplicates report, checked against a brute-force
oracle (every pair compared) on small, collision-heavy generated CRMs."""

from __future__ import annotations

import random
import time
from itertools import combinations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from listbridge.core.duplicates import (
    AccountClues,
    DuplicateGroup,
    DuplicateKind,
    find_duplicates,
    folded,
    phone_key,
    street_key,
)
from listbridge.core.emails import match_key

EMAILS = ["a@x.org", " A@X.org ", "b@x.org", "B@x.ORG", "", "c@y.org", "=d@y.org"]
FIRSTS = ["Zoë", "zoe", "ZOE ", "Bob", "", "Ann  Marie", "ann marie"]
LASTS = ["Smith", "smith", "Núñez", "nunez", ""]
PHONES = ["", "617-555-0100", "+1 617 555 0100", "555 0100", "123", "5550100"]
STREETS = ["", "1 Elm Rd", "1 elm rd.", "2 Oak"]
POSTALS = ["", "99999", "99 999", "12345"]


def _clues(account_id: str) -> st.SearchStrategy[AccountClues]:
    return st.builds(
        AccountClues,
        account_id=st.just(account_id),
        emails=st.lists(st.sampled_from(EMAILS), max_size=3).map(tuple),
        first_name=st.sampled_from(FIRSTS),
        last_name=st.sampled_from(LASTS),
        phones=st.lists(st.sampled_from(PHONES), max_size=3).map(tuple),
        street=st.sampled_from(STREETS),
        postal_code=st.sampled_from(POSTALS),
        individual=st.booleans(),
        deleted=st.integers(0, 5).map(lambda n: n == 0),
        linked=st.booleans(),
    )


IDS = st.lists(st.text("abXY09-", min_size=1, max_size=3), unique=True, max_size=14)
CRMS = IDS.flatmap(lambda ids: st.tuples(*(_clues(i) for i in ids)).map(list))


def _by_kind(groups: list[DuplicateGroup], kind: DuplicateKind) -> list[DuplicateGroup]:
    return [g for g in groups if g.kind is kind]


def _expected_shared(accounts: list[AccountClues]) -> dict[str, set[str]]:
    holders: dict[str, set[str]] = {}
    for a in accounts:
        for address in {match_key(e) for e in a.emails if match_key(e)}:
            if not a.deleted:
                holders.setdefault(address, set()).add(a.account_id)
    return {k: ids for k, ids in holders.items() if len(ids) > 1}


def _same_person(a: AccountClues, b: AccountClues) -> bool:
    def clues(x: AccountClues) -> set[str]:
        found = {p for p in map(phone_key, x.phones) if p}
        return found | ({street_key(x.street, x.postal_code)} - {""})

    named = folded(a.first_name) and folded(a.last_name)
    same_name = (folded(a.first_name), folded(a.last_name)) == (
        folded(b.first_name),
        folded(b.last_name),
    )
    return bool(named) and same_name and bool(clues(a) & clues(b))


def _expected_people(accounts: list[AccountClues]) -> set[frozenset[str]]:
    """Connected components of the "same person" relation, pair by pair."""
    people = [a for a in accounts if a.individual and not a.deleted]
    component = {a.account_id: {a.account_id} for a in people}
    for a, b in combinations(people, 2):
        if _same_person(a, b) and component[a.account_id] is not component[b.account_id]:
            merged = component[a.account_id] | component[b.account_id]
            for i in merged:
                component[i] = merged
    return {frozenset(c) for c in component.values() if len(c) > 1}


@given(CRMS)
def test_each_shared_address_is_exactly_one_group_of_exactly_its_holders(
    accounts: list[AccountClues],
) -> None:
    shared = _by_kind(find_duplicates(accounts), DuplicateKind.SHARED_EMAIL)
    assert {g.key: set(g.account_ids) for g in shared} == _expected_shared(accounts)
    assert len({g.key for g in shared}) == len(shared)  # one group per address


@given(CRMS)
def test_same_person_groups_are_the_connected_people_each_in_one_group(
    accounts: list[AccountClues],
) -> None:
    people = _by_kind(find_duplicates(accounts), DuplicateKind.SAME_PERSON)
    assert {frozenset(g.account_ids) for g in people} == _expected_people(accounts)
    ids = [i for g in people for i in g.account_ids]
    assert len(ids) == len(set(ids))
    kept_out = {a.account_id for a in accounts if a.deleted or not a.individual}
    assert not kept_out & set(ids)


@given(CRMS, st.randoms(use_true_random=False))
def test_groups_are_sorted_deterministic_and_at_least_pairs(
    accounts: list[AccountClues], rng: random.Random
) -> None:
    groups = find_duplicates(accounts)
    shuffled = list(accounts)
    rng.shuffle(shuffled)
    assert find_duplicates(shuffled) == groups
    order = [(g.kind is DuplicateKind.SAME_PERSON, g.key, g.account_ids) for g in groups]
    assert order == sorted(order)
    deleted = {a.account_id for a in accounts if a.deleted}
    for group in groups:
        assert len(group.account_ids) >= 2
        assert list(group.account_ids) == sorted(set(group.account_ids))
        assert not deleted & set(group.account_ids)


@given(CRMS)
def test_the_linked_account_is_the_first_linked_one_of_the_group(
    accounts: list[AccountClues],
) -> None:
    linked = {a.account_id for a in accounts if a.linked}
    for group in find_duplicates(accounts):
        mine = sorted(linked & set(group.account_ids))
        assert group.linked_account_id == (mine[0] if mine else None)


@given(st.text())
def test_folding_is_idempotent(text: str) -> None:
    assert folded(folded(text)) == folded(text)


def test_names_phones_and_streets_compare_as_people_write_them() -> None:
    assert folded("  Zoë \t DE la  Cruz ") == folded("ZOE de La cruz") == "zoe de la cruz"
    assert folded("Núñez") == "nunez"
    assert phone_key("+1 (617) 555-0100") == phone_key("617.555.0100") == "6175550100"
    assert phone_key("+44 20 7946 0958") == phone_key("020 7946 0958")
    assert phone_key("555-010") == ""  # six digits: not a number two people share
    assert street_key("1 Elm Rd.", "SW1A 1AA") == street_key("1  elm rd", "sw1a1aa")
    assert street_key("1 Elm Rd", "") == street_key("", "12345") == ""


def test_a_household_and_one_person_twice_read_as_an_administrator_expects() -> None:
    accounts = [
        AccountClues("P2", ("home@example.org",), "Ann", "Lee", linked=True),
        AccountClues("P1", (" HOME@example.org",), "Bo", "Lee"),
        AccountClues("O1", ("x@example.org", "home@example.org"), individual=False),
        AccountClues("P3", ("ann.work@example.org",), "ANN", "Lée", phones=("617-555-0100",)),
        AccountClues("P4", ("ann@example.org",), "ann", "lee", phones=("+1 617 555 0100",)),
        AccountClues("P5", ("home@example.org",), "Gone", "Lee", deleted=True),
    ]
    assert find_duplicates(accounts) == [
        DuplicateGroup(DuplicateKind.SHARED_EMAIL, "home@example.org", ("O1", "P1", "P2"), "P2"),
        DuplicateGroup(DuplicateKind.SAME_PERSON, "ann lee", ("P3", "P4"), None),
    ]


@pytest.mark.slow
def test_a_hundred_thousand_accounts_take_seconds_not_minutes() -> None:
    """Linear: dictionaries keyed by address and name, no pair compared with every other."""
    accounts = [
        AccountClues(
            f"A{i:06}",
            (f"p{i // 3}@example.org", f"q{i}@example.org"),
            f"First{i % 500}",
            f"Last{i % 300}",
            (f"617555{i % 9000:04}",),
            f"{i % 700} Main St",
            f"{i % 90:05}",
            individual=i % 10 != 0,
            linked=i % 7 == 0,
        )
        for i in range(100_000)
    ]
    started = time.perf_counter()
    groups = find_duplicates(accounts)
    assert time.perf_counter() - started < 20  # about 1 s here; a quadratic pass takes hours
    assert len(_by_kind(groups, DuplicateKind.SHARED_EMAIL)) == 33_333
