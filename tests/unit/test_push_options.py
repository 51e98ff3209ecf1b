"""`push.main_list`, `push.include_address` and `push.include_company` in the pure planner:
the main list is joined by every pushed contact but never by an unsubscribed one, and the
address or company left out is neither sent nor a reason to send (no flip-flop)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from listbridge.core.accounts import Account
from listbridge.core.cc_records import CcAddress, CcContact
from listbridge.core.contact_row import contact_row
from listbridge.core.emails import match_key
from listbridge.core.mapping import (
    ADDRESS_KEYS,
    COMPANY_KEYS,
    MappingPolicy,
    fingerprint,
    map_account,
)
from listbridge.core.push_plan import CcState, PushPolicy, plan_push

MAIN = "MAIN"
LISTS = ("L1", "L2")
texts = st.text("abc xyz", max_size=12)
people = st.builds(
    lambda i, first, company, street, city, zip_: Account(
        f"A{i}",
        email=f"p{i}@example.org",
        first_name=first,
        company_name=company,
        address_line1=street,
        city=city,
        zip=zip_,
        state="MA",
        country="US",
    ),
    st.integers(0, 12),
    texts,
    texts,
    texts,
    texts,
    texts,
)
accounts = st.lists(people, unique_by=lambda a: a.id, max_size=10)
states = st.builds(
    CcState,
    st.sampled_from(["c1", "c2", "c3", "c4"]),
    st.booleans(),
    st.frozensets(st.sampled_from((*LISTS, MAIN))),
)
policies = st.builds(MappingPolicy, include_address=st.booleans(), include_company=st.booleans())


@given(people, policies)
def test_what_is_left_out_is_not_sent_and_the_rest_is_as_before(
    account: Account, policy: MappingPolicy
) -> None:
    row = map_account(account, policy).row
    whole = map_account(account, MappingPolicy()).row
    assert not set(row) & policy.left_out
    assert row == {k: v for k, v in whole.items() if k not in policy.left_out}
    assert (policy.left_out >= ADDRESS_KEYS) is not policy.include_address
    assert (policy.left_out >= COMPANY_KEYS) is not policy.include_company


@given(policies)
def test_a_contact_read_back_leaves_out_what_the_push_leaves_out(policy: MappingPolicy) -> None:
    """The fingerprint of an import's link is its contact's row: with an address in CC and
    none sent, the two must still agree, or every push would send the account again."""
    address = CcAddress("home", "1 Elm St", "Boston", "Massachusetts", "02108", "US")
    contact = CcContact("c1", "ann@example.org", "Ann", company_name="Acme",
                        addresses=(address,))  # fmt: skip
    account = Account("A1", email="ann@example.org", first_name="Ann", company_name="Acme",
                      address_line1="1 Elm St", city="Boston", state="MA", zip="02108",
                      country="US")  # fmt: skip
    assert contact_row(contact, {}, policy) == dict(map_account(account, policy).row)


@given(accounts, st.dictionaries(st.sampled_from([f"A{i}" for i in range(13)]), states),
       st.dictionaries(st.sampled_from([f"p{i}@example.org" for i in range(13)]), states),
       st.sampled_from([(), LISTS[:1], LISTS]), st.booleans())  # fmt: skip
def test_every_pushed_contact_joins_the_main_list_and_no_unsubscribed_one_does(
    found: list[Account],
    links: dict[str, CcState],
    by_email: dict[str, CcState],
    lists: tuple[str, ...],
    subscription_only: bool,
) -> None:
    existing = {match_key(e): s for e, s in by_email.items()}
    with_main = PushPolicy(lists, subscription_only, main_list_id=MAIN)
    plan = plan_push(found, links, existing, with_main)
    plain = plan_push(found, links, existing, replace(with_main, main_list_id=""))
    # the main list widens nothing: the same accounts, the same outcomes
    assert (plan.considered, len(plan.creates), len(plan.links), len(plan.not_pushed)) == (
        plain.considered, len(plain.creates), len(plain.links), len(plain.not_pushed))  # fmt: skip
    unsubscribed = {s.contact_id for s in (*links.values(), *existing.values()) if s.unsubscribed}
    on_it = {s.contact_id for s in (*links.values(), *existing.values())
             if MAIN in s.list_ids and not s.unsubscribed}  # fmt: skip
    assert all(MAIN in c.list_ids for c in plan.creates)
    joined = {s.contact_id for s in plan.subscribes if MAIN in s.list_ids}
    joined |= {u.contact_id for u in plan.updates if MAIN in u.list_ids}
    assert not joined & unsubscribed
    pushed = {u.contact_id for u in plan.updates} | {s.contact_id for s in plan.subscribes}
    assert pushed - unsubscribed <= joined | on_it
    failed_main = {s.account_id for s in plan.failed_subscriptions if s.list_id == MAIN}
    failed_plain = {s.account_id for s in plain.failed_subscriptions}
    assert failed_main <= {s.account_id for s in plan.failed_subscriptions}
    assert failed_plain <= {s.account_id for s in plan.failed_subscriptions}


def test_the_main_list_alone_updates_linked_contacts_and_joins_them() -> None:
    ann = Account("A1", email="ann@example.org", first_name="Ann")
    new = Account("A2", email="new@example.org", first_name="New")
    fp = fingerprint(map_account(ann, MappingPolicy()).row, ())
    links = {"A1": CcState("c1", False, frozenset({"L1"}), fp, "ann@example.org")}
    plan = plan_push([ann, new], links, {}, PushPolicy(main_list_id=MAIN))
    assert plan.considered == 1  # no list named: the unlinked account is not pushed
    assert [(s.contact_id, s.list_ids) for s in plan.subscribes] == [("c1", (MAIN,))]
    gone = {"A1": CcState("c1", True, frozenset(), fp, "ann@example.org")}
    plan = plan_push([ann], gone, {}, PushPolicy(main_list_id=MAIN))
    assert (plan.subscribes, plan.updates) == ([], [])
    assert [s.list_id for s in plan.failed_subscriptions] == [MAIN]


def _moved(account: Account, to: Account, address: bool, company: bool) -> Account:
    """`account` with the CRM's values of `to` where the policy leaves a field out."""
    if not address:
        account = replace(account, address_line1=to.address_line1, city=to.city, zip=to.zip)
    if not company:
        account = replace(account, company_name=to.company_name)
    return account


def _pushed(plan_fp: dict[str, str], refreshed: dict[str, str], link: CcState) -> CcState:
    account_id = next(iter({*plan_fp, *refreshed}), "")
    fp = plan_fp.get(account_id, refreshed.get(account_id, link.fingerprint))
    return replace(link, fingerprint=fp)


@given(people, people, people, st.booleans(), st.booleans())
def test_a_field_left_out_costs_at_most_one_update_and_then_none(
    before: Account, later: Account, latest: Account, address: bool, company: bool
) -> None:
    """Pushed in full once, then the address or company is left out: an account unchanged
    is owed nothing; one changed only there gets at most one update (of the other fields:
    the old fingerprint cannot tell which changed), and none again however the left-out
    fields change afterwards. No flip-flop."""
    mapping = MappingPolicy(include_address=address, include_company=company)
    policy = PushPolicy(("L1",), mapping=mapping)
    fp = fingerprint(map_account(before, MappingPolicy()).row, ())
    link = CcState("c1", False, frozenset({"L1"}), fp, before.email)
    same = plan_push([before], {before.id: link}, {}, policy)
    assert (same.updates, same.subscribes, same.unchanged) == ([], [], 1)
    now = _moved(before, later, address, company)
    first = plan_push([now], {before.id: link}, {}, policy)
    assert all(not set(u.contact.row) & mapping.left_out for u in first.updates)
    link = _pushed(first.fingerprints, first.refreshed, link)
    for account in (now, _moved(now, latest, address, company)):
        again = plan_push([account], {before.id: link}, {}, policy)
        assert (again.updates, again.refreshed, again.unchanged) == ([], {}, 1)
