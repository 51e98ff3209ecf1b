"""Unsubscribe reconciliation, decided: what to do about one linked pair whose consent differs.

Design rule 1 in code. The job gathers, per linked pair, what each side says now and
whether it moved since the last reconciliation; `decide` says what to do and why.

- The opt-out wins, always: when both sides moved in opposite directions, the side
  that opted out is copied to the other.
- Nobody is re-subscribed in Constant Contact by us. A CRM clear of an opt-out the
  contact made itself (`opt_out_source` = Contact) needs the contact's own consent.
  One the account made (Account) may be reversed only when
  `unsubscribe.crm_clear_resubscribes` is on, and then only through CC's resubscribe
  flow (a confirmation e-mail the contact must answer).
- A difference that neither side moved (it predates the last reconciliation) is
  reported, not acted on: the reconciliation acts on changes, not on the audience.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

CONTACT = "Contact"
ACCOUNT = "Account"


class Action(StrEnum):
    NOTHING = "nothing"
    OPT_OUT_CRM = "opt out in the CRM"
    CLEAR_CRM = "clear the CRM opt-out"
    UNSUBSCRIBE_CC = "unsubscribe in Constant Contact"
    RESUBSCRIBE_CC = "ask the contact to re-subscribe"
    REPORT = "report only"


class Reason(StrEnum):
    """Why; the value is the message a person reads (journal, run errors, report)."""

    IN_STEP = "both sides agree"
    CC_UNSUBSCRIBED = "unsubscribed in Constant Contact"
    CC_RESUBSCRIBED = "re-subscribed in Constant Contact by the contact's own action"
    CRM_OPTED_OUT = "opted out in the CRM"
    CRM_CLEARED = "CRM opt-out cleared; the Constant Contact opt-out was made by the account"
    OPT_OUT_WINS = "opposite changes on both sides: the opt-out wins"
    NEEDS_CONSENT = "needs the contact's own consent"
    CC_TO_CRM_OFF = "unsubscribe.cc_to_crm is off"
    CRM_TO_CC_OFF = "unsubscribe.crm_to_cc is off"
    RESUBSCRIBE_OFF = "unsubscribe.resubscribe_clears_opt_out is off"
    CLEAR_OFF = "the opt-out was made by the account; unsubscribe.crm_clear_resubscribes is off"
    STANDING = "differs since before the last sync; no new change to act on"


@dataclass(frozen=True)
class Policy:
    cc_to_crm: bool = True
    resubscribe_clears_opt_out: bool = True
    crm_to_cc: bool = True
    crm_clear_resubscribes: bool = False


@dataclass(frozen=True)
class PairState:
    """One linked pair. `cc_was_unsubscribed` is the consent last seen (the link);
    `crm_changed`: the account changed since the last reconciliation."""

    account_id: str
    contact_id: str
    email: str
    crm_opted_out: bool
    crm_changed: bool
    cc_unsubscribed: bool
    cc_was_unsubscribed: bool
    opt_out_source: str = ""

    @property
    def in_step(self) -> bool:
        return self.crm_opted_out == self.cc_unsubscribed

    @property
    def cc_moved(self) -> bool:
        return self.cc_unsubscribed != self.cc_was_unsubscribed


@dataclass(frozen=True)
class Decision:
    pair: PairState
    action: Action
    reason: Reason

    @property
    def writes(self) -> bool:
        return self.action not in (Action.NOTHING, Action.REPORT)


def decide(pair: PairState, policy: Policy) -> Decision:
    if pair.in_step:
        return Decision(pair, Action.NOTHING, Reason.IN_STEP)
    if pair.cc_unsubscribed:
        return _cc_out(pair, policy)
    return _crm_out(pair, policy)


def _cc_out(pair: PairState, policy: Policy) -> Decision:
    """Constant Contact says unsubscribed, the CRM says subscribed."""
    if pair.cc_moved:
        reason = Reason.OPT_OUT_WINS if pair.crm_changed else Reason.CC_UNSUBSCRIBED
        return _if(policy.cc_to_crm, pair, Action.OPT_OUT_CRM, reason, Reason.CC_TO_CRM_OFF)
    if not pair.crm_changed:
        return Decision(pair, Action.REPORT, Reason.STANDING)
    if pair.opt_out_source != ACCOUNT:
        return Decision(pair, Action.REPORT, Reason.NEEDS_CONSENT)
    if not policy.crm_to_cc:
        return Decision(pair, Action.REPORT, Reason.CRM_TO_CC_OFF)
    allowed = policy.crm_clear_resubscribes
    return _if(allowed, pair, Action.RESUBSCRIBE_CC, Reason.CRM_CLEARED, Reason.CLEAR_OFF)


def _crm_out(pair: PairState, policy: Policy) -> Decision:
    """The CRM says opted out, Constant Contact says subscribed."""
    if pair.cc_moved and not pair.crm_changed:
        allowed = policy.resubscribe_clears_opt_out
        return _if(allowed, pair, Action.CLEAR_CRM, Reason.CC_RESUBSCRIBED, Reason.RESUBSCRIBE_OFF)
    if not pair.crm_changed:
        return Decision(pair, Action.REPORT, Reason.STANDING)
    reason = Reason.OPT_OUT_WINS if pair.cc_moved else Reason.CRM_OPTED_OUT
    return _if(policy.crm_to_cc, pair, Action.UNSUBSCRIBE_CC, reason, Reason.CRM_TO_CC_OFF)


def _if(allowed: bool, pair: PairState, action: Action, why: Reason, off: Reason) -> Decision:
    return Decision(pair, action, why) if allowed else Decision(pair, Action.REPORT, off)


def plan_consent(pairs: Iterable[PairState], policy: Policy) -> list[Decision]:
    """The decisions for pairs that differ (pairs in step need nothing)."""
    return [d for d in (decide(p, policy) for p in pairs) if d.action is not Action.NOTHING]
