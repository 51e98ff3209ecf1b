"""List sync planning (core.list_plan, core.list_names): examples per direction, and Hypothesis
properties over random small universes (consent, idempotence, convergence, removal wins).

Timing (`plan_list_sync`, 50,000-member sides, 250 changes on each side since one base, one
account in 97 unsubscribed): BOTH unbound 12-22 ms of CPU (median 22 ms), the one-way
directions 4-10 ms, a first sync 16 ms, measured on a 2-core machine under load 5;
`test_large_lists_plan_fast` keeps BOTH under 0.1 s.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from listbridge.core.list_names import ListNames, NameDecision, plan_list_names
from listbridge.core.list_plan import (
    Conflict,
    Direction,
    Guard,
    ListPlan,
    MembershipSides,
    Why,
    guard_verdict,
    ordered,
    plan_list_sync,
    unsubscribe_verdict,
)

F = frozenset
BOTH, TO_CC, TO_CRM = Direction.BOTH, Direction.CRM_TO_CC, Direction.CC_TO_CRM


def sides(
    crm: str,
    cc: str,
    base_crm: str | None = None,
    base_cc: str | None = None,
    unsub: str = "",
    deleted: str = "",
    bound: bool = False,
) -> MembershipSides:
    """Accounts are single letters: sides("ab", "bc") has a, b in the CRM and b, c in CC."""
    return MembershipSides(
        crm=F(crm),
        cc=F(cc),
        base_crm=None if base_crm is None else F(base_crm),
        base_cc=None if base_cc is None else F(base_cc),
        unsubscribed=F(unsub),
        deleted_in_cc=F(deleted),
        bound=bound,
    )


def writes(plan: ListPlan) -> tuple[str, ...]:
    """(add to CC, remove from CC, add to CRM, remove from CRM), each as a sorted string."""
    sets = (plan.add_to_cc, plan.remove_from_cc, plan.add_to_crm, plan.remove_from_crm)
    return tuple("".join(ordered(s)) for s in sets)


# --- directions -------------------------------------------------------------------------


def test_crm_to_cc_mirrors_the_crm_side() -> None:
    plan = plan_list_sync(sides("abc", "cd", "ab", "cd"), TO_CC)
    assert writes(plan) == ("ab", "d", "", "")
    assert plan.new_base_cc == F("abc")
    assert plan.new_base_crm == F("abc")
    assert plan.crm_target is None
    assert plan.crm_writes(F("xyz")) == (F(), F())
    assert plan.conflicts == ()
    assert plan.changes == 3
    assert not plan.is_empty


def test_cc_to_crm_mirrors_the_cc_side() -> None:
    plan = plan_list_sync(sides("ab", "bcd", "ab", "b"), TO_CRM)
    assert writes(plan) == ("", "", "cd", "a")
    assert plan.new_base_crm == F("bcd")
    assert plan.new_base_cc == F("bcd")


def test_both_applies_each_sides_changes() -> None:
    # since the base "abc": the CRM added d and removed a; CC added e and removed b
    plan = plan_list_sync(sides("bcd", "ace", "abc", "abc"), BOTH)
    assert plan.new_base_cc == F("cde") == plan.new_base_crm
    assert writes(plan) == ("d", "a", "e", "b")
    assert plan.conflicts == ()


def test_first_sync_is_a_union() -> None:
    plan = plan_list_sync(sides("ab", "bc"), BOTH)
    assert writes(plan) == ("a", "", "c", "")
    plan = plan_list_sync(sides("ab", "bc", unsub="c", deleted="a"), BOTH)
    assert writes(plan) == ("", "c", "", "a")
    assert plan.refused == (("a", Why.DELETED_IN_CC), ("c", Why.UNSUBSCRIBED))


def test_nothing_changed_is_empty() -> None:
    for direction in Direction:
        plan = plan_list_sync(sides("ab", "ab", "ab", "ab"), direction)
        assert plan.is_empty
        assert plan.changes == 0
        assert plan.conflicts == ()


# --- conflicts ----------------------------------------------------------------------------


def test_crm_add_against_cc_removal_is_not_added() -> None:
    # a was removed in CC and (re)added in the CRM since the base "a": the removal wins
    plan = plan_list_sync(sides("ab", "b", "b", "ab"), BOTH)
    assert writes(plan) == ("", "", "", "a")
    assert plan.conflicts == (Conflict("a", "added", "removed", "not added"),)
    assert plan.conflicts[0].why is Why.REMOVAL_WINS
    assert Why.REMOVAL_WINS.value == "changed on both sides since the last sync: the removal wins"


def test_cc_add_against_crm_removal_is_removed() -> None:
    plan = plan_list_sync(sides("b", "ab", "ab", "b"), BOTH)
    assert writes(plan) == ("", "a", "", "")
    assert plan.conflicts == (Conflict("a", "removed", "added", "removed"),)


def test_one_way_directions_report_no_conflicts() -> None:
    for direction in (TO_CC, TO_CRM):
        assert plan_list_sync(sides("ab", "b", "b", "ab"), direction).conflicts == ()


# --- consent --------------------------------------------------------------------------------


@pytest.mark.parametrize("direction", list(Direction))
def test_unsubscribed_is_never_added(direction: Direction) -> None:
    plan = plan_list_sync(sides("au", "bu", "", "", unsub="ab"), direction)
    assert not plan.add_to_cc & F("ab")
    assert not plan.add_to_crm & F("ab")
    assert all(why is Why.UNSUBSCRIBED for _, why in plan.refused)
    assert {a for a, _ in plan.refused} <= {"a", "b"}
    assert plan.refused  # the direction would have added one of them


def test_unsubscribed_refusal_message() -> None:
    assert Why.UNSUBSCRIBED.value.endswith("never added to a list (failed subscription)")
    plan = plan_list_sync(sides("ab", "", "", "", unsub="b"), TO_CC)
    assert plan.refused == (("b", Why.UNSUBSCRIBED),)
    assert plan.add_to_cc == F("a")


@pytest.mark.parametrize("bound", [False, True])
def test_deleted_in_cc_leaves_both_lists(bound: bool) -> None:
    plan = plan_list_sync(sides("ab", "b", "ab", "ab", deleted="a", bound=bound), BOTH)
    assert not plan.add_to_cc
    assert plan.crm_writes(F("ab")) == (F(), F("a"))
    assert plan.remove_from_crm == (F() if bound else F("a"))
    cc_to_crm = plan_list_sync(sides("ab", "b", "ab", "ab", deleted="a"), TO_CRM)
    assert cc_to_crm.remove_from_crm == F("a")
    crm_to_cc = plan_list_sync(sides("ab", "b", "ab", "ab", deleted="a"), TO_CC)
    assert crm_to_cc.add_to_cc == F()
    assert crm_to_cc.refused == (("a", Why.DELETED_IN_CC),)


def test_consent_removals_are_not_guarded() -> None:
    plan = plan_list_sync(sides("abc", "abc", "abc", "abc", unsub="ab"), BOTH)
    assert plan.remove_from_cc == F("ab")
    assert guard_verdict(plan, "News", Guard(percent=10)) is None


def test_bound_list_writes_go_through_crm_writes() -> None:
    # the rule selects a, b; CC added c; the paired CRM list holds a and x
    plan = plan_list_sync(sides("ab", "abc", "ab", "ab", bound=True), BOTH)
    assert plan.add_to_crm == F() == plan.remove_from_crm
    assert plan.crm_writes(F("ax")) == (F("bc"), F("x"))
    assert plan.new_base_crm == F("ab")
    assert plan.new_base_cc == F("abc")


def test_large_lists_plan_fast() -> None:
    base = F(f"A{i}" for i in range(50_000))
    crm = (base - F(f"A{i}" for i in range(250))) | F(f"N{i}" for i in range(250))
    cc = (base - F(f"A{i}" for i in range(100, 350))) | F(f"M{i}" for i in range(250))
    unsub = F(f"A{i}" for i in range(0, 50_000, 97))
    for s in (MembershipSides(crm, cc, base, base, unsub), MembershipSides(crm, cc, None, None)):
        timings = []
        for _ in range(3):  # CPU time, best of three: the suite may share the machine
            start = time.process_time()
            plan = plan_list_sync(s, BOTH)
            timings.append(time.process_time() - start)
        assert min(timings) < 0.1, timings
        assert plan.changes > 0


# --- properties -----------------------------------------------------------------------------

ids = st.frozensets(st.sampled_from("abcdefgh"))
directions = st.sampled_from(list(Direction))


@st.composite
def random_sides(draw: st.DrawFn) -> MembershipSides:
    synced = draw(st.booleans())
    base_crm = draw(ids) if synced else draw(st.none() | ids)
    one_base = draw(st.booleans())  # after a sync both bases are often the same set
    return MembershipSides(
        crm=draw(ids),
        cc=draw(ids),
        base_crm=base_crm,
        base_cc=base_crm if one_base else draw(ids) if synced else draw(st.none() | ids),
        unsubscribed=draw(ids),
        deleted_in_cc=draw(ids),
        bound=draw(st.booleans()),
    )


def apply(
    s: MembershipSides, plan: ListPlan, paired: frozenset[str]
) -> tuple[MembershipSides, frozenset[str]]:
    """The sides after the plan is applied, and the paired CRM list (bound lists)."""
    cc = (s.cc | plan.add_to_cc) - plan.remove_from_cc
    add, remove = plan.crm_writes(paired)
    paired = (paired | add) - remove
    crm = s.crm if s.bound else (s.crm | plan.add_to_crm) - plan.remove_from_crm
    after = MembershipSides(
        crm, cc, plan.new_base_crm, plan.new_base_cc, s.unsubscribed, s.deleted_in_cc, s.bound
    )
    return after, paired


def reference(s: MembershipSides, direction: Direction) -> tuple[frozenset[str], ...]:
    """The documented formulas, literally: (CC list after, CRM target, conflict ids)."""
    base_crm, base_cc = s.base_crm or F(), s.base_cc or F()
    crm_added, cc_added = s.crm - base_crm, s.cc - base_cc
    crm_removed, cc_removed = base_crm - s.crm, base_cc - s.cc
    blocked = s.unsubscribed | s.deleted_in_cc
    if direction is TO_CC:
        return s.crm - blocked, F(), F()
    if direction is TO_CRM:
        return s.cc, s.cc - blocked, F()
    result = (s.cc | (crm_added - cc_removed)) - crm_removed - blocked
    return result, result, (crm_added & cc_removed) | (cc_added & crm_removed)


@given(random_sides(), directions)
@settings(max_examples=300)
def test_matches_the_documented_formulas(s: MembershipSides, direction: Direction) -> None:
    cc_after, crm_target, conflicted = reference(s, direction)
    plan = plan_list_sync(s, direction)
    assert plan.new_base_cc == cc_after
    assert plan.add_to_cc == cc_after - s.cc
    assert plan.remove_from_cc == s.cc - cc_after
    assert (plan.crm_target or F()) == crm_target
    if direction is not TO_CC and not s.bound:
        assert plan.add_to_crm == crm_target - s.crm
        assert plan.remove_from_crm == s.crm - crm_target
    else:
        assert plan.add_to_crm == F() == plan.remove_from_crm
    assert F(c.account_id for c in plan.conflicts) == conflicted


@given(random_sides(), directions)
def test_never_adds_blocked_accounts(s: MembershipSides, direction: Direction) -> None:
    plan = plan_list_sync(s, direction)
    blocked = s.unsubscribed | s.deleted_in_cc
    assert not plan.add_to_cc & blocked
    assert not plan.add_to_crm & blocked
    assert not plan.crm_writes(F())[0] & blocked
    assert not plan.new_base_cc - s.cc & blocked


@given(random_sides(), directions, ids)
@settings(max_examples=300)
def test_idempotent(s: MembershipSides, direction: Direction, paired: frozenset[str]) -> None:
    plan = plan_list_sync(s, direction)
    after, paired = apply(s, plan, s.crm if not s.bound else paired)
    again = plan_list_sync(after, direction)
    assert again.is_empty
    assert again.conflicts == ()
    assert again.crm_writes(paired) == (F(), F())
    assert (again.new_base_crm, again.new_base_cc) == (after.base_crm, after.base_cc)
    if not s.bound:
        assert after.crm == plan.new_base_crm
    assert after.cc == plan.new_base_cc


@given(random_sides())
def test_both_converges(s: MembershipSides) -> None:
    plan = plan_list_sync(s, BOTH)
    after, paired = apply(s, plan, F("xy"))
    assert after.cc == (paired if s.bound else after.crm)


@given(random_sides(), directions)
def test_no_account_both_added_and_removed(s: MembershipSides, direction: Direction) -> None:
    plan = plan_list_sync(s, direction)
    adds = plan.add_to_cc | plan.add_to_crm
    removes = plan.remove_from_cc | plan.remove_from_crm
    assert not adds & removes
    assert plan.changes == len(plan.add_to_cc) + len(plan.remove_from_cc) + len(
        plan.add_to_crm
    ) + len(plan.remove_from_crm)


@given(random_sides())
def test_a_removal_since_the_base_is_never_put_back(s: MembershipSides) -> None:
    plan = plan_list_sync(s, BOTH)
    removed = (s.base_crm or F()) - s.crm | (s.base_cc or F()) - s.cc
    assert not plan.new_base_cc & removed
    assert not (plan.crm_target or F()) & removed
    for c in plan.conflicts:
        assert c.account_id not in plan.new_base_cc


@given(random_sides(), directions)
def test_one_way_removals_from_the_source_stay_off(s: MembershipSides, d: Direction) -> None:
    plan = plan_list_sync(s, d)
    if d is TO_CC:
        assert not plan.new_base_cc & ((s.base_crm or F()) - s.crm)
    if d is TO_CRM:
        assert not (plan.crm_target or F()) & ((s.base_cc or F()) - s.cc)


@given(random_sides(), directions)
def test_refused_only_what_the_direction_would_add(s: MembershipSides, d: Direction) -> None:
    plan = plan_list_sync(s, d)
    refused = [a for a, _ in plan.refused]
    assert refused == sorted(refused)
    for account, why in plan.refused:
        assert account in s.unsubscribed | s.deleted_in_cc
        assert (why is Why.DELETED_IN_CC) == (account in s.deleted_in_cc)
        assert account in s.crm | s.cc


# --- guard --------------------------------------------------------------------------------


def removal_plan(members: int, removed: int, crm_removed: int = 0) -> ListPlan:
    cc = F(f"A{i}" for i in range(members))
    crm = cc - F(f"A{i}" for i in range(removed))
    base = cc
    if crm_removed:
        # CC removed members the CRM still has: BOTH removes them from the CRM list
        cc, crm = crm - F(f"A{i}" for i in range(removed, removed + crm_removed)), crm
    return plan_list_sync(MembershipSides(crm, cc, base, base), BOTH)


def test_guard_exactly_the_limit_proceeds() -> None:
    assert guard_verdict(removal_plan(1000, 100), "Newsletter", Guard()) is None
    assert guard_verdict(removal_plan(1000, 101), "Newsletter", Guard()) is not None


def test_guard_message() -> None:
    got = guard_verdict(removal_plan(1000, 240), "Newsletter", Guard())
    assert got == (
        "would remove 240 of 1,000 members (24%) of 'Newsletter' from Constant Contact,"
        " over sync.guard_percent = 10; run again with --confirm to proceed"
    )
    got = guard_verdict(removal_plan(2000, 50), "N", Guard(percent=2.4))  # 2.5% shows as 3%
    assert got is not None
    assert "(3%)" in got
    assert "sync.guard_percent = 2.4;" in got


def test_guard_counts_crm_removals() -> None:
    plan = removal_plan(100, 0, crm_removed=30)
    assert plan.remove_from_crm
    assert not plan.remove_from_cc
    got = guard_verdict(plan, "News", Guard())
    assert got is not None
    assert "30 of 100 members (30%) of 'News' from the CRM" in got
    assert guard_verdict(plan, "News", Guard(percent=30)) is None


def test_guard_bound_list_against_the_paired_list() -> None:
    plan = plan_list_sync(sides("ab", "a", "ab", "ab", bound=True), BOTH)
    assert guard_verdict(plan, "N", Guard(percent=50)) is None  # remove_from_cc: 0 of 1
    got = guard_verdict(plan, "N", Guard(percent=50), crm_list=F("abcd"))
    assert got is not None
    assert "3 of 4 members (75%) of 'N' from the CRM" in got


def test_guard_empty_list_and_no_removals() -> None:
    empty = plan_list_sync(sides("ab", "", "", ""), BOTH)
    assert guard_verdict(empty, "N", Guard(percent=0)) is None
    same = plan_list_sync(sides("ab", "ab", "ab", "ab"), BOTH)
    assert guard_verdict(same, "N", Guard(percent=0)) is None


def test_unsubscribe_verdict() -> None:
    assert unsubscribe_verdict(100, Guard()) is None
    assert unsubscribe_verdict(0, Guard(count=0)) is None
    assert unsubscribe_verdict(1500, Guard(count=1000)) == (
        "would unsubscribe 1,500 contacts, over sync.guard_count = 1,000;"
        " run again with --confirm to proceed"
    )
    assert unsubscribe_verdict(1, Guard(count=0)) == (
        "would unsubscribe 1 contact, over sync.guard_count = 0;"
        " run again with --confirm to proceed"
    )


# --- names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("names", "direction", "expected"),
    [
        (ListNames("A", "A", "A"), BOTH, NameDecision()),
        (ListNames("B", "A", "A"), BOTH, NameDecision(rename_crm_to="B")),
        (ListNames("B", "A", "A"), TO_CRM, NameDecision(rename_crm_to="B")),
        (ListNames("B", "A", "A"), TO_CC, NameDecision()),
        (ListNames("A", "B", "A"), BOTH, NameDecision(rename_cc_to="B")),
        (ListNames("A", "B", "A"), TO_CC, NameDecision(rename_cc_to="B")),
        (ListNames("A", "B", "A"), TO_CRM, NameDecision()),
        (ListNames("B", "B", "A"), BOTH, NameDecision()),
        (ListNames("A", "B", ""), TO_CC, NameDecision(rename_cc_to="B")),
        (ListNames("A", "B", ""), TO_CRM, NameDecision(rename_crm_to="A")),
        (ListNames("A", "B", ""), BOTH, NameDecision(rename_crm_to="A")),
        (ListNames(None, "A", "A"), BOTH, NameDecision(delete_crm=True)),
        (ListNames(None, "A", "A"), TO_CRM, NameDecision(delete_crm=True)),
        (ListNames(None, "A", "A"), TO_CC, NameDecision()),
        (ListNames("A", None, "A"), BOTH, NameDecision(delete_cc=True)),
        (ListNames("A", None, "A"), TO_CC, NameDecision(delete_cc=True)),
        (ListNames("A", None, "A"), TO_CRM, NameDecision()),
        (ListNames(None, None, "A"), BOTH, NameDecision()),
    ],
)
def test_names(names: ListNames, direction: Direction, expected: NameDecision) -> None:
    assert plan_list_names(names, direction) == expected


@pytest.mark.parametrize("direction", list(Direction))
def test_both_renamed_cc_wins(direction: Direction) -> None:
    got = plan_list_names(ListNames("News", "Letter", "Old"), direction)
    assert got.rename_crm_to == (None if direction is TO_CC else "News")
    assert got.rename_cc_to is None
    assert got.conflict == (
        "the list 'Old' was renamed to 'News' in Constant Contact and to 'Letter' in the CRM"
        " since the last sync: Constant Contact's name wins"
    )


def test_deletion_beats_rename() -> None:
    got = plan_list_names(ListNames(None, "New", "Old"), BOTH)
    assert got.delete_crm
    assert got.rename_crm_to is None
    assert got.conflict == (
        "the list 'Old' was renamed to 'New' in the CRM and deleted in Constant Contact"
        " since the last sync: the deletion wins"
    )
    got = plan_list_names(ListNames("New", None, "Old"), TO_CC)
    assert got.delete_cc
    assert got.conflict is not None
    assert "deleted in the CRM" in got.conflict
