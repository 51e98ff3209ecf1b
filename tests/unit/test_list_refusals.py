"""The additions a list job reports without asking the push (core/list_refusals.py): each is
one the push itself refuses, with the same reason and detail, whatever contact Constant
Contact has at the address (none, one linked to a household member, one named as any of
them, an opted-out one); and leaving them out changes nothing the push decides for the
others (they are still the household it weighs, as siblings)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from listbridge.core.accounts import Account, AccountType
from listbridge.core.emails import match_key
from listbridge.core.list_refusals import foreseen_refusals
from listbridge.core.push_plan import CcState, Plan, PushPolicy, Reason, Skip, plan_push

T0 = datetime(2025, 1, 1, tzinfo=UTC)
ROLES = frozenset({"info"})
POLICY = PushPolicy(("L1",), role_local_parts=ROLES, whole_crm=False)
ADDRESSES = ["home@x.org", "HOME@x.org ", "solo@x.org", "info@x.org", "Zoë@Y.org", "zoë@y.org",
             "", "not an address"]  # fmt: skip
households = st.lists(
    st.builds(
        lambda i, e, f, age, o, n, org: Account(
            f"A{i}", AccountType.ORGANIZATION if org else AccountType.INDIVIDUAL,
            first_name=f, last_name="L", email=e, email_opt_out=o, do_not_contact=n,
            created_at=T0 - timedelta(days=age)),
        st.integers(0, 20), st.sampled_from(ADDRESSES), st.sampled_from(["Al", "Bo", "José"]),
        st.integers(0, 3), st.integers(0, 9).map(lambda x: x == 0),
        st.integers(0, 11).map(lambda x: x == 0), st.integers(0, 11).map(lambda x: x == 0),
    ),
    unique_by=lambda a: a.id, min_size=1, max_size=12,
)  # fmt: skip
contact_states = st.builds(
    lambda cid, unsub, first: CcState(cid, unsub, frozenset(), "fp", first_name=first,
                                      last_name="L"),
    st.sampled_from(["c1", "c2", "c3"]), st.booleans(), st.sampled_from(["Al", "Bo", ""]),
)  # fmt: skip


def _one_link_per_contact(raw: dict[str, CcState]) -> dict[str, CcState]:
    owners = Counter(s.contact_id for s in raw.values())
    return {a: s for a, s in raw.items() if owners[s.contact_id] == 1}


def _decisions(plan: Plan, ids: set[str]) -> set[str]:
    return {repr(a) for a in plan.actions() if getattr(a, "account_id", None) in ids}


@given(
    households,
    st.dictionaries(st.sampled_from(ADDRESSES).map(match_key), contact_states, max_size=3),
    st.data(),
)
def test_what_is_foreseen_is_what_the_push_refuses_and_the_rest_is_decided_alike(
    accounts: list[Account], existing: dict[str, CcState], data: st.DataObject
) -> None:
    by_id = {a.id: a for a in accounts}
    some = st.sampled_from(sorted(by_id))
    links = _one_link_per_contact(data.draw(st.dictionaries(some, contact_states, max_size=4)))
    wanted = data.draw(st.sets(some, min_size=1))
    siblings = [a for a in accounts if a.id not in wanted]
    unlinked = [by_id[i] for i in sorted(wanted) if i not in links]
    linked = {a: s.contact_id for a, s in links.items() if a in by_id}

    foreseen = foreseen_refusals(unlinked, accounts, linked, ROLES)

    whole = plan_push([by_id[i] for i in sorted(wanted)], links, existing, POLICY, siblings)
    assert set(foreseen) <= set(whole.not_pushed)
    refused = {s.account_id for s in foreseen}
    assert not refused & links.keys()
    rest = sorted(wanted - refused)
    others = [a for a in accounts if a.id not in rest]
    part = plan_push([by_id[i] for i in rest], links, existing, POLICY, others)
    assert _decisions(part, set(rest)) == _decisions(whole, set(rest))


def test_a_household_member_whose_address_the_linked_one_holds() -> None:
    linked = Account("P1", email="home@x.org", first_name="Al", created_at=T0)
    twin = Account("P2", email="HOME@x.org ", first_name="Bo", created_at=T0 - timedelta(days=9))
    [skip] = foreseen_refusals([twin], [linked, twin], {"P1": "c1"}, ROLES)
    assert (skip.account_id, skip.reason) == ("P2", Reason.SHARED_EMAIL)
    assert "account P1" in skip.detail


def test_two_linked_in_a_household_or_none_are_left_to_the_push() -> None:
    """Which one holds the address then depends on the contact CC has there."""
    a = Account("A", email="h@x.org", created_at=T0)
    b = Account("B", email="h@x.org", created_at=T0)
    c = Account("C", email="H@x.org", created_at=T0)
    assert foreseen_refusals([c], [a, b, c], {"A": "c1", "B": "c2"}, ROLES) == []
    assert foreseen_refusals([b, c], [a, b, c], {}, ROLES) == []


def test_an_opted_out_sharer_and_an_unpushable_account() -> None:
    out = Account("O", email="h@x.org", email_opt_out=True)
    member = Account("M", email="h@x.org")
    role = Account("R", email="info@x.org")
    found = foreseen_refusals([member, role], [out, member], {}, ROLES)
    assert [(s.account_id, s.reason) for s in found] == [
        ("R", Reason.ROLE_ADDRESS),
        ("M", Reason.SHARED_EMAIL_HELD),
    ]
    assert found[1] == Skip("M", "h@x.org", Reason.SHARED_EMAIL_HELD, detail=found[1].detail)
