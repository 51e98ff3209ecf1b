"""The consent rules (core.consent), one case each, and acceptance 3: a Hypothesis model of
both sides over random interleavings of consent events and syncs."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from listbridge.core.consent import (
    ACCOUNT,
    CONTACT,
    Action,
    PairState,
    Policy,
    Reason,
    decide,
    plan_consent,
)

BASE = PairState("A1", "c1", "a@example.com", False, False, False, False)


def pair(**changes: object) -> PairState:
    return replace(BASE, **changes)  # type: ignore[arg-type]


def test_pairs_in_step_need_nothing() -> None:
    assert decide(BASE, Policy()).action is Action.NOTHING
    assert plan_consent([BASE, pair(crm_opted_out=True, cc_unsubscribed=True)], Policy()) == []


def test_a_cc_unsubscribe_opts_the_account_out() -> None:
    got = decide(pair(cc_unsubscribed=True, opt_out_source=CONTACT), Policy())
    assert (got.action, got.reason) == (Action.OPT_OUT_CRM, Reason.CC_UNSUBSCRIBED)
    off = decide(pair(cc_unsubscribed=True), Policy(cc_to_crm=False))
    assert (off.action, off.reason) == (Action.REPORT, Reason.CC_TO_CRM_OFF)


def test_a_crm_opt_out_unsubscribes_the_contact() -> None:
    got = decide(pair(crm_opted_out=True, crm_changed=True), Policy())
    assert (got.action, got.reason) == (Action.UNSUBSCRIBE_CC, Reason.CRM_OPTED_OUT)
    off = decide(pair(crm_opted_out=True, crm_changed=True), Policy(crm_to_cc=False))
    assert (off.action, off.reason) == (Action.REPORT, Reason.CRM_TO_CC_OFF)


def test_a_contact_resubscribe_clears_the_crm_opt_out_only_when_allowed() -> None:
    back = pair(crm_opted_out=True, cc_was_unsubscribed=True)
    assert decide(back, Policy()).action is Action.CLEAR_CRM
    off = decide(back, Policy(resubscribe_clears_opt_out=False))
    assert (off.action, off.reason) == (Action.REPORT, Reason.RESUBSCRIBE_OFF)


@pytest.mark.parametrize("source", [CONTACT, ""])
def test_a_crm_clear_never_reverses_the_contacts_own_opt_out(source: str) -> None:
    cleared = pair(
        crm_changed=True, cc_unsubscribed=True, cc_was_unsubscribed=True, opt_out_source=source
    )
    got = decide(cleared, Policy(crm_clear_resubscribes=True))
    assert (got.action, got.reason) == (Action.REPORT, Reason.NEEDS_CONSENT)
    assert got.reason.value == "needs the contact's own consent"


def test_a_crm_clear_reverses_an_account_opt_out_only_with_the_setting() -> None:
    cleared = pair(
        crm_changed=True, cc_unsubscribed=True, cc_was_unsubscribed=True, opt_out_source=ACCOUNT
    )
    assert decide(cleared, Policy()).reason is Reason.CLEAR_OFF
    got = decide(cleared, Policy(crm_clear_resubscribes=True))
    assert (got.action, got.reason) == (Action.RESUBSCRIBE_CC, Reason.CRM_CLEARED)
    both_off = Policy(crm_clear_resubscribes=True, crm_to_cc=False)
    assert decide(cleared, both_off).action is Action.REPORT


def test_opposite_changes_at_once_the_opt_out_wins_both_ways() -> None:
    cc_out = decide(pair(crm_changed=True, cc_unsubscribed=True), Policy())
    assert (cc_out.action, cc_out.reason) == (Action.OPT_OUT_CRM, Reason.OPT_OUT_WINS)
    crm_out = pair(crm_opted_out=True, crm_changed=True, cc_was_unsubscribed=True)
    got = decide(crm_out, Policy())
    assert (got.action, got.reason) == (Action.UNSUBSCRIBE_CC, Reason.OPT_OUT_WINS)


def test_a_difference_nobody_moved_is_reported_not_acted_on() -> None:
    for standing in (
        pair(crm_opted_out=True),
        pair(cc_unsubscribed=True, cc_was_unsubscribed=True),
    ):
        got = decide(standing, Policy())
        assert (got.action, got.reason, got.writes) == (Action.REPORT, Reason.STANDING, False)


# --- acceptance 3: a model of both sides, driven by the real rules ----------------------------

OPT_OUTS = {"cc_unsubscribe", "staff_unsubscribe", "crm_opt_out"}
EVENTS = [*sorted(OPT_OUTS), "cc_resubscribe", "crm_clear", "sync"]


@dataclass
class World:
    """One linked person. CC leaves `unsubscribed` only by the contact's own action."""

    policy: Policy
    cc_out: bool = False
    source: str = ""
    crm_out: bool = False
    crm_touched: bool = False
    seen_out: bool = False  # the link: CC consent as of the last sync

    def event(self, name: str) -> None:
        if name == "sync":
            self.sync()
        elif name in ("cc_unsubscribe", "staff_unsubscribe") and not self.cc_out:
            self.cc_out, self.source = True, CONTACT if name == "cc_unsubscribe" else ACCOUNT
        elif name == "cc_resubscribe":  # the sign-up form or a confirmed resubscribe
            self.cc_out, self.source = False, ""
        elif name in ("crm_opt_out", "crm_clear"):
            self.crm_out, self.crm_touched = name == "crm_opt_out", True

    def sync(self) -> None:
        state = PairState("A", "c", "e", self.crm_out, self.crm_touched, self.cc_out, self.seen_out)
        action = decide(replace(state, opt_out_source=self.source), self.policy).action
        if action is Action.OPT_OUT_CRM:
            self.crm_out = True
        elif action is Action.CLEAR_CRM:
            self.crm_out = False
        elif action is Action.UNSUBSCRIBE_CC:
            self.cc_out, self.source = True, ACCOUNT
        # RESUBSCRIBE_CC only sends CC's confirmation e-mail: the contact stays unsubscribed.
        self.seen_out, self.crm_touched = self.cc_out, False


@settings(max_examples=400, deadline=None)
@given(
    events=st.lists(st.sampled_from(EVENTS), min_size=1, max_size=14),
    clears=st.booleans(),
    resubscribe_clears=st.booleans(),
)
def test_no_interleaving_ends_subscribed_after_an_opt_out(
    events: list[str], clears: bool, resubscribe_clears: bool
) -> None:
    world = World(Policy(True, resubscribe_clears, True, clears))
    for name in events:
        before = world.cc_out
        world.event(name)
        # nobody comes back in CC but by their own action
        assert not (before and not world.cc_out) or name == "cc_resubscribe"
    world.sync()
    actions = [e for e in events if e != "sync"]
    if actions and actions[-1] in OPT_OUTS:
        assert world.cc_out, events
    if actions and actions[-1] == "crm_opt_out":
        assert world.crm_out, events
