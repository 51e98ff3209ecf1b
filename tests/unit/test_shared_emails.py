"""Shared e-mail addresses, pure: one contact per address, the holder chosen by one rule,
an opt-out of anyone at the address holding it for all (issue 12)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from listbridge.core.accounts import Account, AccountType
from listbridge.core.eligibility import why_not_pushed
from listbridge.core.emails import match_key
from listbridge.core.push_plan import CcState, PushPolicy, Reason, plan_push
from listbridge.core.shared_emails import Verdict, holder, senior, shared_addresses

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def person(
    i: str, email: str, first: str = "F", last: str = "L", age: int = 0, **kw: object
) -> Account:
    return Account(i, first_name=first, last_name=last, email=email,
                   created_at=T0 - timedelta(days=age), **kw)  # type: ignore[arg-type]  # fmt: skip


def eligible(account: Account) -> bool:
    return why_not_pushed(account, frozenset({"info"})) is None


def test_the_account_linked_to_the_contact_holds_it() -> None:
    group = [person("A", "h@x.org", age=9), person("B", "h@x.org")]
    assert holder(group, {"B": "c1"}, ("c1", "F", "L")) == "B"


def test_else_the_one_named_as_the_contact() -> None:
    group = [person("A", "h@x.org", "Ann", age=9), person("B", "h@x.org", "Bob")]
    assert holder(group, {}, ("c1", "bob ", "L")) == "B"


def test_else_the_oldest_then_the_lowest_id() -> None:
    group = [person("B", "h@x.org", age=5), person("A", "h@x.org", age=1)]
    assert holder(group, {}, None) == "B"
    assert senior(["B", "A"], {"A": T0, "B": T0}) == "A"
    assert senior(["A", "B"], {"A": None, "B": T0}) == "B"


def test_case_and_space_variants_are_one_address() -> None:
    found = shared_addresses(
        [person("A", "Emile@Example.org", age=2), person("B", " emile@example.org")],
        eligible, {}, {},
    )  # fmt: skip
    assert found["B"].verdict is Verdict.SHARED
    assert found["B"].other == "A"
    assert "A" not in found


def test_an_opted_out_or_do_not_contact_sharer_holds_the_address_for_all() -> None:
    found = shared_addresses(
        [person("A", "h@x.org"), person("B", "h@x.org", email_opt_out=True),
         person("C", "h@x.org", do_not_contact=True)],
        eligible, {}, {},
    )  # fmt: skip
    assert found["A"].verdict is Verdict.HELD
    assert found["A"].other == "B"
    assert "account B" in found["A"].message


def test_a_household_in_a_plan_one_created_the_other_reported() -> None:
    couple = [person("P2", "home@x.org", "Bo", age=1), person("P1", "HOME@x.org", "Al", age=3)]
    plan = plan_push(couple, {}, {}, PushPolicy(("L1",)))
    assert [c.account_id for c in plan.creates] == ["P1"]
    [skip] = plan.not_pushed
    assert (skip.account_id, skip.reason) == ("P2", Reason.SHARED_EMAIL)
    assert "account P1" in skip.detail


def test_an_address_whose_contact_another_account_holds_is_not_linked_twice() -> None:
    links = {"A": CcState("c1", email="old@x.org")}
    found = {"old@x.org": CcState("c1", email="old@x.org")}
    plan = plan_push([person("A", "new@x.org"), person("B", "old@x.org")], links, found,
                     PushPolicy(("L1",)))  # fmt: skip
    assert plan.links == []
    assert [(s.account_id, s.reason) for s in plan.not_pushed] == [("B", Reason.CONTACT_TAKEN)]


ADDRESSES = ["home@x.org", "HOME@x.org ", "solo@x.org", "info@x.org", "pair@y.org", "Pair@Y.org"]
households = st.lists(
    st.builds(
        lambda i, e, f, age, o, n, org: Account(
            f"A{i}", AccountType.ORGANIZATION if org else AccountType.INDIVIDUAL,
            first_name=f, last_name="L", email=e, email_opt_out=o, do_not_contact=n,
            created_at=T0 - timedelta(days=age)),
        st.integers(0, 20), st.sampled_from(ADDRESSES), st.sampled_from(["Al", "Bo"]),
        st.integers(0, 3), st.booleans(), st.booleans(), st.booleans(),
    ),
    unique_by=lambda a: a.id, max_size=14,
)  # fmt: skip
contact_states = st.builds(
    lambda cid, unsub, first: CcState(cid, unsub, frozenset(), first_name=first, last_name="L"),
    st.sampled_from(["c1", "c2", "c3"]), st.booleans(), st.sampled_from(["Al", "Bo", ""]),
)  # fmt: skip


@given(
    households,
    st.dictionaries(st.sampled_from([f"A{i}" for i in range(21)]), contact_states, max_size=3),
    st.dictionaries(st.sampled_from(ADDRESSES).map(match_key), contact_states, max_size=3),
)
def test_one_contact_per_address_and_an_opt_out_holds_it(
    accounts: list[Account], raw_links: dict[str, CcState], existing: dict[str, CcState]
) -> None:
    owners = Counter(s.contact_id for s in raw_links.values())
    links = {a: s for a, s in raw_links.items() if owners[s.contact_id] == 1}  # one per contact
    plan = plan_push(accounts, links, existing, PushPolicy(("L1",)))
    by_id = {a.id: a for a in accounts}
    reaching = [c.account_id for c in plan.creates] + [x.account_id for x in plan.links]
    reaching += [u.account_id for u in plan.updates] + [s.account_id for s in plan.subscribes]
    reached = {*[c.account_id for c in plan.creates], *[x.account_id for x in plan.links]}
    keys = Counter(match_key(by_id[i].email) for i in reached)
    assert all(n == 1 for n in keys.values()), keys
    linked_contacts = Counter(
        [x.contact_id for x in plan.links] + [s.contact_id for s in links.values()]
    )
    assert all(n == 1 for n in linked_contacts.values()), linked_contacts
    held = {match_key(a.email) for a in accounts if a.email_opt_out or a.do_not_contact}
    for account_id in reaching:
        assert match_key(by_id[account_id].email) not in held, account_id
    outcomes = len(plan.creates) + len(plan.links) + plan.already_linked + len(plan.not_pushed)
    assert outcomes == plan.considered
