"""Import planning, pure: every contact gets exactly one decision, with the rules of design.md."""

from __future__ import annotations

import time

from hypothesis import given
from hypothesis import strategies as st

from listbridge.core.cc_records import CcContact, Permission
from listbridge.core.contact_fields import field_updates
from listbridge.core.import_plan import Create, Link, Policy, Reason, Skip, plan_import
from listbridge.core.matching import AccountKeys, MatchIndex, MatchKind
from listbridge.core.setting_values import AmbiguousMatch, UpdateFields

ROLES = frozenset({"info", "sales"})
locals_ = st.sampled_from(["ann", "bob", "cy", "info", "sales", "dee"])
domains = st.sampled_from(["a.org", "b.com"])
emails = st.builds(
    lambda lp, d, up: f"{lp}@{d}".upper() if up else f" {lp}@{d}", locals_, domains, st.booleans()
)
names = st.sampled_from(["Ann", "Bob", "Cy"])
accounts = st.lists(
    st.builds(
        lambda i, ind, f, la, es: AccountKeys(f"A{i:03d}", ind, f, la, tuple(es)),
        st.integers(0, 50),
        st.booleans(),
        names,
        names,
        st.lists(emails, max_size=3),
    ),
    max_size=30,
    unique_by=lambda a: a.id,
)
contacts = st.lists(
    st.builds(
        lambda i, e, f, la, p, d: CcContact(f"c{i}", e, f, la, p, deleted=d),
        st.integers(0, 60),
        st.one_of(emails, st.just("not an email")),
        names,
        names,
        st.sampled_from(Permission),
        st.booleans(),
    ),
    max_size=40,
    unique_by=lambda c: c.contact_id,
)
policies = st.builds(
    Policy,
    st.sampled_from(AmbiguousMatch),
    st.sampled_from(UpdateFields),
    st.booleans(),
    st.just(ROLES),
)


def _index(found: list[AccountKeys], links: list[tuple[str, str]] = ()) -> MatchIndex:  # type: ignore[assignment]
    return MatchIndex.build(found, links)


@given(accounts, contacts, policies)
def test_every_contact_gets_exactly_one_decision(
    found: list[AccountKeys], cs: list[CcContact], policy: Policy
) -> None:
    plan = plan_import(cs, _index(found), policy)
    decided = [a.contact.contact_id for a in (*plan.creates, *plan.links, *plan.skips)]
    assert sorted(decided) == sorted(c.contact_id for c in cs)
    assert plan.attempted == len(plan.creates) + len(plan.links) + len(plan.skips) == len(cs)


@given(accounts, contacts, policies)
def test_no_account_is_linked_twice_and_organizations_never_match(
    found: list[AccountKeys], cs: list[CcContact], policy: Policy
) -> None:
    plan = plan_import(cs, _index(found), policy)
    targets = [link.account_id for link in plan.links] + [c.account.id for c in plan.creates]
    assert len(targets) == len(set(targets))
    organizations = {a.id for a in found if not a.individual}
    assert organizations.isdisjoint(targets)
    assert not {c.account.id for c in plan.creates} & {a.id for a in found}


@given(accounts, contacts, policies)
def test_an_unsubscribed_contact_without_an_account_never_creates_one(
    found: list[AccountKeys], cs: list[CcContact], policy: Policy
) -> None:
    plan = plan_import(cs, _index(found), policy)
    assert all(not c.contact.unsubscribed for c in plan.creates)
    assert all(not c.contact.deleted for c in plan.creates)
    for link in plan.links:
        assert link.opt_out == (link.contact.unsubscribed and policy.cc_to_crm)


@given(accounts, contacts, policies)
def test_role_and_invalid_addresses_are_never_imported(
    found: list[AccountKeys], cs: list[CcContact], policy: Policy
) -> None:
    plan = plan_import(cs, _index(found), policy)
    for action in (*plan.creates, *plan.links):
        local = action.contact.email.strip().lower().partition("@")[0]
        assert local not in ROLES
        assert "@" in action.contact.email


@given(accounts, contacts, policies)
def test_planning_twice_is_idempotent_once_links_are_stored(
    found: list[AccountKeys], cs: list[CcContact], policy: Policy
) -> None:
    """A resumed run: what the first run linked or created is found linked, nothing is created.

    A contact the first run skipped as ambiguous may link now: the accounts linked in
    between are no longer candidates (an account is never linked twice)."""
    first = plan_import(cs, _index(found), policy)
    links = [(a.account_id, a.contact.contact_id) for a in first.links]
    links += [(c.account.id, c.contact.contact_id) for c in first.creates]
    created = [AccountKeys(c.account.id, True, "", "", (c.account.email,)) for c in first.creates]
    second = plan_import(cs, _index([*found, *created], links), policy)
    assert second.creates == []
    again = {lk.contact.contact_id for lk in second.links if lk.reason is Reason.ALREADY_LINKED}
    assert again == {c for _, c in links}
    newly = [lk for lk in second.links if lk.reason is not Reason.ALREADY_LINKED]
    assert all(lk.account_id not in {a for a, _ in links} for lk in newly)


def _contact(email: str, first: str = "Kim", last: str = "Rossi", **kw: object) -> CcContact:
    return CcContact("c1", email, first, last, **kw)  # type: ignore[arg-type]


def test_matching_branches() -> None:
    index = MatchIndex.build(
        [
            AccountKeys("A1", True, "Ann", "Lee", ("one@x.org",)),
            AccountKeys("B2", True, "Kim", "Rossi", ("two@x.org",)),
            AccountKeys("B1", True, "Kim", "Rossi", ("TWO@x.org ",)),
            AccountKeys("B3", True, "Jo", "Rossi", ("two@x.org",)),
            AccountKeys("O1", False, "", "", ("org@x.org",)),
        ],
        [],
    )
    assert index.match("c", " ONE@x.org", "", "").kind is MatchKind.ONE
    assert index.match("c", "two@x.org", "jo", "rossi") == index.match(
        "c", "two@x.org", "Jo", "Rossi"
    )
    assert index.match("c", "two@x.org", "Jo", "Rossi").account_id == "B3"
    ambiguous = index.match("c", "two@x.org", "Kim", "Rossi")
    assert (ambiguous.kind, ambiguous.candidates) == (MatchKind.AMBIGUOUS, ("B1", "B2"))
    nobody = index.match("c", "two@x.org", "Zed", "Zed")
    assert nobody.candidates == ("B1", "B2", "B3")
    assert index.match("c", "org@x.org", "", "").kind is MatchKind.NONE
    index.claim("A1", "other")
    assert index.match("c", "one@x.org", "", "").kind is MatchKind.TAKEN


def test_ambiguous_policies_and_reasons() -> None:
    found = [AccountKeys(i, True, "Kim", "Rossi", ("k@x.org",)) for i in ("K2", "K1")]
    ignore = plan_import([_contact("k@x.org")], MatchIndex.build(found, []), Policy())
    assert isinstance(ignore.skips[0], Skip)
    assert ignore.skips[0].reason is Reason.AMBIGUOUS_IGNORED
    link = plan_import(
        [_contact("k@x.org")], MatchIndex.build(found, []), Policy(AmbiguousMatch.LINK)
    )
    assert isinstance(link.links[0], Link)
    assert (link.links[0].account_id, link.links[0].detail) == (
        "K1",
        "accounts K1, K2; linked K1, the oldest",
    )
    new = plan_import(
        [_contact("k@x.org")], MatchIndex.build(found, []), Policy(AmbiguousMatch.NEW)
    )
    assert isinstance(new.creates[0], Create)
    assert new.creates[0].account.id == "cc-c1"
    assert new.creates[0].reason is Reason.AMBIGUOUS_CREATED


def test_a_taken_new_id_gets_a_suffix() -> None:
    index = MatchIndex.build([AccountKeys("cc-c1", True, "", "", ("else@x.org",))], [])
    plan = plan_import([_contact("new@x.org")], index, Policy())
    assert plan.creates[0].account.id == "cc-c1-2"


def test_field_update_modes() -> None:
    current = {"title": "", "company_name": "Old", "first_name": "Ann"}
    incoming = {"title": "Boss", "company_name": "New", "first_name": "Ann", "email": "x@y.z"}
    assert field_updates(current, incoming, UpdateFields.NONE) == {}
    assert field_updates(current, incoming, UpdateFields.EMPTY_ONLY) == {"title": "Boss"}
    assert field_updates(current, incoming, UpdateFields.OVERWRITE) == {
        "title": "Boss",
        "company_name": "New",
    }


def test_planning_is_a_hash_join_not_a_nested_loop() -> None:
    """Speed itself is measured in bench/import_speed.py; this only catches a quadratic plan
    (which would take minutes here). CPU time, best of three: the machine is shared."""
    n = 50_000
    found = [AccountKeys(f"A{i:06d}", True, "F", f"L{i}", (f"p{i}@example.org",)) for i in range(n)]
    cs = [CcContact(f"c{i}", f"p{i * 2}@example.org", "F", f"L{i}") for i in range(n)]
    rates = []
    for _ in range(3):
        index = MatchIndex.build(found, [])
        started = time.process_time()
        plan = plan_import(cs, index, Policy(role_local_parts=ROLES))
        rates.append(n / max(time.process_time() - started, 1e-6))
        assert (len(plan.links), len(plan.creates)) == (n // 2, n // 2)
    assert max(rates) >= 20_000, f"{max(rates):,.0f} contacts/s"
