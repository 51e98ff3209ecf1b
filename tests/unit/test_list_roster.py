"""`lists members`: core/list_roster.py, property-tested: each person once, consent first."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from listbridge.core.accounts import Account
from listbridge.core.list_roster import LinkedContact, ListedContact, MemberState, roster

IDS = st.sampled_from([f"a{i}" for i in range(8)])
CONTACTS = st.sampled_from([f"c{i}" for i in range(8)])


@st.composite
def sides(
    draw: st.DrawFn,
) -> tuple[list[Account], list[ListedContact], dict[str, LinkedContact], frozenset[str]]:
    account_ids = draw(st.sets(IDS))
    accounts = [
        Account(i, first_name="Zoë", last_name=i, email=f"{i}@example.org",
                email_opt_out=draw(st.booleans()))
        for i in sorted(account_ids)
    ]  # fmt: skip
    # links are one-to-one: a permutation of contacts over some accounts
    linked = draw(st.lists(st.tuples(IDS, CONTACTS), unique_by=(lambda t: t[0], lambda t: t[1])))
    links = {a: LinkedContact(c, draw(st.booleans())) for a, c in linked}
    on_cc = [
        ListedContact(c, f"{c}@Example.org", c, draw(st.booleans()))
        for c in sorted(draw(st.sets(CONTACTS)))
    ]
    return accounts, on_cc, links, frozenset(draw(st.sets(CONTACTS)))


@given(sides())
def test_every_account_and_contact_shows_once(
    drawn: tuple[list[Account], list[ListedContact], dict[str, LinkedContact], frozenset[str]],
) -> None:
    accounts, on_cc, links, unsubscribed = drawn
    rows = roster(accounts, on_cc, links, unsubscribed)
    crm_rows = [r for r in rows if r.state is not MemberState.CC_ONLY and r.account_id in
                {a.id for a in accounts}]  # fmt: skip
    assert sorted(r.account_id for r in crm_rows) == sorted(a.id for a in accounts)
    shown_contacts = [r.cc_contact_id for r in rows if r.cc_contact_id]
    assert len(shown_contacts) == len(set(shown_contacts))
    assert {c.contact_id for c in on_cc} <= set(shown_contacts)


@given(sides())
def test_consent_blocks_whatever_side_lists_them(
    drawn: tuple[list[Account], list[ListedContact], dict[str, LinkedContact], frozenset[str]],
) -> None:
    accounts, on_cc, links, unsubscribed = drawn
    by_id = {a.id: a for a in accounts}
    listed = {c.contact_id: c for c in on_cc}
    for row in roster(accounts, on_cc, links, unsubscribed):
        account = by_id.get(row.account_id)
        link = links.get(row.account_id)
        contact = listed.get(row.cc_contact_id)
        out = bool(account and account.email_opt_out and row.state is not MemberState.CC_ONLY)
        out = out or bool(link and link.unsubscribed) or row.cc_contact_id in unsubscribed
        out = out or bool(contact and contact.unsubscribed)
        assert (row.state is MemberState.BLOCKED_BY_CONSENT) == out, row
        if row.state is MemberState.LINKED:
            assert row.account_id in by_id
            assert row.cc_contact_id in listed
