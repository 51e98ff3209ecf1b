"""Undo planning (core.undo_plan): examples, and Hypothesis properties over random journals
of a run: never a resubscribe, never a consent field written back, every change acted on or
reported, each value put back as it was before the run, conflicts exactly where later
changes touched what the undo writes."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from listbridge.core.journal import Side
from listbridge.core.undo_plan import (
    CC_CONSENT,
    CRM_CONSENT,
    Entry,
    Later,
    Membership,
    Restore,
    UndoPlan,
    Why,
    net_changes,
    plan_undo,
    refusal,
    restores_needing_consent,
)

CRM, CC = Side.CRM, Side.CC
RECORDS = ["1001", "1002", "c-1", "c-2", "list:News", "organization:Acme"]
FIELDS = [
    *("first_name", "company_name", "job_title", "phone1", "deleted", "*", "cc_contact_id"),
    *("email_opt_out", "do_not_contact", "permission_to_send", "list:News", "list:l-1"),
]
VALUES = st.sampled_from([None, "", "member", "A", "B", "true", "false", "c-9"])

entries = st.lists(
    st.builds(
        Entry,
        st.sampled_from([CRM, CC]),
        st.sampled_from(RECORDS),
        st.sampled_from(FIELDS),
        VALUES,
        VALUES,
    ),
    max_size=25,
)
laters = st.lists(
    st.builds(
        Later,
        st.sampled_from([CRM, CC]),
        st.sampled_from(RECORDS),
        st.sampled_from(FIELDS),
        st.sampled_from([None, 7, 8]),
    ),
    max_size=8,
)
unsubscribed = st.frozensets(st.sampled_from(RECORDS))


def acted(plan: UndoPlan) -> list[Restore | Membership]:
    return [*plan.crm_fields, *plan.crm_memberships, *plan.cc_fields, *plan.cc_memberships]


def _field(action: Restore | Membership) -> str:
    return action.field if isinstance(action, Restore) else f"list:{action.list_key}"


def test_an_import_undone_removes_its_account_and_puts_a_field_back() -> None:
    run = [
        Entry(CRM, "cc-1", "*", None, "created"),
        Entry(CRM, "1001", "company_name", "Old Co", "Harbor Food Bank"),
        Entry(CRM, "1001", "cc_contact_id", None, "c-1"),
        Entry(CRM, "1002", "email_opt_out", "false", "true"),
    ]
    plan = plan_undo(run, [], set())
    assert plan.crm_removals == ("cc-1",)
    assert plan.crm_fields == (Restore(CRM, "1001", "company_name", "Old Co"),)
    assert plan.crm_unlinks == ("1001", "cc-1")
    assert [(n.record_id, n.reason) for n in plan.not_reverted] == [("1002", Why.CONSENT.value)]
    assert plan.conflicts == ()


def test_a_membership_put_back_waits_for_consent() -> None:
    run = [
        Entry(CC, "c-1", "list:l-1", "member", None),
        Entry(CC, "c-2", "list:l-1", "member", None),
    ]
    assert restores_needing_consent(run) == {"c-1", "c-2"}
    plan = plan_undo(run, [], {"c-2"})
    assert plan.cc_memberships == (Membership(CC, "c-1", "l-1", True),)
    assert [n.reason for n in plan.not_reverted] == [Why.RESUBSCRIBE.value]


def test_later_changes_to_a_created_account_conflict() -> None:
    run = [Entry(CRM, "cc-1", "*", None, "created"), Entry(CRM, "1001", "title", "", "Chair")]
    later = [Later(CRM, "cc-1", "first_name", 9), Later(CRM, "1001", "phone1", 9)]
    [conflict] = plan_undo(run, later, set()).conflicts
    assert (conflict.record_id, conflict.fields, conflict.runs) == ("cc-1", ("first_name",), (9,))


def test_kinds() -> None:
    assert refusal("push") is None
    assert refusal("import") is None
    assert refusal("lists") is None
    assert "consent" in (refusal("unsubscribes") or "")
    assert "undo" in (refusal("undo") or "")
    assert refusal("stats") is not None


@given(entries, laters, unsubscribed)
def test_never_a_resubscribe(run: list[Entry], later: list[Later], out: frozenset[str]) -> None:
    plan = plan_undo(run, later, out)
    assert not [m for m in plan.cc_memberships if m.add and m.record_id in out]


@given(entries, laters, unsubscribed)
def test_consent_is_never_written_back(
    run: list[Entry], later: list[Later], out: frozenset[str]
) -> None:
    plan = plan_undo(run, later, out)
    assert not [r for r in plan.crm_fields if r.field in CRM_CONSENT]
    assert not [r for r in plan.cc_fields if r.field in CC_CONSENT]


@example(  # created in the run, its link untouched: it is unlinked as it goes
    [Entry(CRM, "1002", "*", None, ""), Entry(CRM, "1002", "cc_contact_id", None, None)],
    frozenset(),
)
@given(entries, unsubscribed)
def test_every_change_is_acted_on_or_reported(run: list[Entry], out: frozenset[str]) -> None:
    plan = plan_undo(run, [], out)
    done = {(a.side, a.record_id, _field(a)) for a in acted(plan)}
    done |= {(n.side, n.record_id, n.field) for n in plan.not_reverted}
    created = set(plan.crm_removals)
    # an account the run created is unlinked with its removal, whatever its link did
    done |= {(CRM, i, "cc_contact_id") for i in plan.crm_unlinks if i not in created}
    for net in net_changes(run):
        key = (net.side, net.record_id, net.field)
        if net.before == net.after:
            assert key not in done  # nothing changed over the run: nothing to undo
        elif net.field == "*" and net.side is CRM and ":" not in net.record_id:
            assert net.record_id in created
        elif net.field != "*":
            assert key in done or net.record_id in created, key


@given(entries, unsubscribed)
def test_a_value_goes_back_to_what_it_was_before_the_run(
    run: list[Entry], out: frozenset[str]
) -> None:
    plan = plan_undo(run, [], out)
    first: dict[tuple[Side, str, str], str | None] = {}
    for e in run:
        first.setdefault((e.side, e.record_id, e.field), e.old)
    for r in (*plan.crm_fields, *plan.cc_fields):
        assert r.value == first[(r.side, r.record_id, r.field)]


@given(entries, laters, unsubscribed)
def test_conflicts_are_later_changes_to_what_the_undo_writes(
    run: list[Entry], later: list[Later], out: frozenset[str]
) -> None:
    plan = plan_undo(run, later, out)
    written = {(a.side, a.record_id) for a in acted(plan)}
    written |= {(CRM, i) for i in (*plan.crm_unlinks, *plan.crm_removals)}
    found = {(c.side, c.record_id) for c in plan.conflicts}
    assert found <= written
    if not later:
        assert plan.conflicts == ()
    assert plan_undo(run, later, out) == plan  # deterministic
