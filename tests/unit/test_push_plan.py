"""Push planning, pure: every account considered gets one outcome, consent is never overridden."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from listbridge.core.accounts import Account, AccountType
from listbridge.core.eligibility import NotPushed, why_not_pushed
from listbridge.core.emails import match_key
from listbridge.core.push_plan import CcState, PushPolicy, Reason, plan_push

LISTS = ("L1", "L2")
emails = st.sampled_from(["ann@a.org", "bob@b.com", "info@a.org", "bad", "", "cy@a.org"])
accounts = st.lists(
    st.builds(
        lambda i, t, e, d, n, o: Account(
            f"A{i}", t, first_name="F", email=e, deceased=d, do_not_contact=n, email_opt_out=o
        ),
        st.integers(0, 30),
        st.sampled_from(AccountType),
        emails,
        st.booleans(),
        st.booleans(),
        st.booleans(),
    ),
    unique_by=lambda a: a.id,
    max_size=25,
)
states = st.builds(
    CcState,
    st.sampled_from(["c1", "c2", "c3"]),
    st.booleans(),
    st.frozensets(st.sampled_from(LISTS)),
)


@given(
    accounts,
    st.dictionaries(st.sampled_from([f"A{i}" for i in range(31)]), states),
    st.dictionaries(emails.map(match_key), states),
    st.sampled_from([(), LISTS[:1], LISTS]),
    st.booleans(),
)
def test_every_account_one_outcome_and_no_opt_out_is_subscribed(
    found: list[Account],
    links: dict[str, CcState],
    existing: dict[str, CcState],
    lists: tuple[str, ...],
    subscription_only: bool,
) -> None:
    plan = plan_push(found, links, existing, PushPolicy(lists, subscription_only))
    considered = [a for a in found if a.id in links or lists]
    assert plan.considered == len(considered)
    outcomes = len(plan.creates) + len(plan.links) + plan.already_linked + len(plan.not_pushed)
    assert outcomes == plan.considered
    unsubscribed = {s.contact_id for s in (*links.values(), *existing.values()) if s.unsubscribed}
    for sub in plan.subscribes:
        assert sub.contact_id not in unsubscribed
    for update in plan.updates:
        assert not update.list_ids or update.contact_id not in unsubscribed
    for skip in plan.failed_subscriptions:
        assert skip.reason is Reason.CONTACT_OPTED_OUT
    refused = {a.id for a in considered if why_not_pushed(a) is not None}
    assert refused <= {s.account_id for s in plan.not_pushed}
    # the others are not pushed because of whom they share their address with
    sharing = {Reason.SHARED_EMAIL, Reason.SHARED_EMAIL_HELD, Reason.CONTACT_TAKEN}
    assert all(s.reason in sharing for s in plan.not_pushed if s.account_id not in refused)


def test_an_unchanged_linked_account_plans_nothing() -> None:
    account = Account("A1", first_name="Ann", email="ann@a.org")
    first = plan_push([account], {"A1": CcState("c1")}, {}, PushPolicy(LISTS))
    fp = first.fingerprints["A1"]
    again = plan_push([account], {"A1": CcState("c1", False, frozenset(LISTS), fp)}, {},
                      PushPolicy(LISTS))  # fmt: skip
    assert (again.unchanged, again.already_linked, again.updates) == (1, 1, [])


def test_an_unsubscribed_match_is_linked_with_one_failed_subscription_per_list() -> None:
    account = Account("A1", email="gone@a.org")
    plan = plan_push([account], {}, {"gone@a.org": CcState("c9", True)}, PushPolicy(LISTS))
    assert [link.contact_id for link in plan.links] == ["c9"]
    assert [s.list_id for s in plan.failed_subscriptions] == list(LISTS)
    assert [u.list_ids for u in plan.updates] == [()]


def test_eligibility_reasons_in_order() -> None:
    assert why_not_pushed(Account("1", AccountType.ORGANIZATION)) is NotPushed.ORGANIZATION
    assert why_not_pushed(Account("1")) is NotPushed.NO_EMAIL
    assert why_not_pushed(Account("1", email="x@y")) is NotPushed.INVALID_EMAIL
    assert why_not_pushed(Account("1", email="a@b.org", deceased=True)) is NotPushed.DECEASED
    assert why_not_pushed(Account("1", email="sales@b.org")) is NotPushed.ROLE_ADDRESS
    assert why_not_pushed(Account("1", email="ann@b.org")) is None


def test_an_email_change_is_an_update_or_with_the_setting_a_new_contact() -> None:
    account = Account("A1", email="new@a.org")
    link = {"A1": CcState("c1", False, frozenset({"L1"}), "fp", "old@a.org")}
    plan = plan_push([account], link, {}, PushPolicy())
    assert [(u.contact_id, u.email_changed) for u in plan.updates] == [("c1", True)]
    plan = plan_push([account], link, {}, PushPolicy(new_contact_on_email_change=True))
    assert [c.list_ids for c in plan.creates] == [("L1",)]


def test_a_contact_taken_off_a_list_since_the_last_push_is_joined_again() -> None:
    account = Account("A1", first_name="Ann", email="ann@a.org")
    first = plan_push([account], {"A1": CcState("c1")}, {}, PushPolicy(LISTS[:1]))
    fp = first.fingerprints["A1"]
    # a list job removed c1 from the list: same fields, same fingerprint, not on the list
    again = plan_push([account], {"A1": CcState("c1", False, frozenset(), fp)}, {},
                      PushPolicy(LISTS[:1]))  # fmt: skip
    assert again.unchanged == 0
    # the fields are the same: a membership (bulk), not a contact update
    assert again.updates == []
    assert [s.list_ids for s in again.subscribes] == [LISTS[:1]]


def test_a_fourth_phone_is_reported_as_dropped_not_as_cut() -> None:
    account = Account("A1", email="ann@a.org", phone1="1", phone2="2", phone3="3", fax="4")
    plan = plan_push([account], {}, {}, PushPolicy(LISTS[:1]))
    [warning] = plan.warnings
    assert warning.reason is Reason.FIELD_DROPPED
    assert "at most 3 phones" in warning.detail
    assert "word boundary" not in warning.reason.message
