"""Carry out the consent decisions, one pair at a time, each write journaled with its
direction, time and source (the CRM adapter journals its own writes; CC writes here)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from listbridge.constant_contact.client import ConstantContact
from listbridge.constant_contact.errors import ApiError, ConflictError
from listbridge.constant_contact.models import Contact
from listbridge.core.cc_records import CcContact
from listbridge.core.consent import Action, Decision, Policy, Reason, decide
from listbridge.core.journal import Change, Side
from listbridge.core.runs import ErrorRow
from listbridge.crm.protocol import CrmAdapter
from listbridge.store.consent_links import remember_consent, remember_crm_opt_out
from listbridge.store.db import Store
from listbridge.store.journal import record_changes
from listbridge.sync.unsubscribes.cc import fetch_contact, request_resubscribe, unsubscribe_contact
from listbridge.sync.unsubscribes.source import Changes, consent_of

#: what the run counts per action (design.md's JSON keys, plus two of our own)
COUNTED = {
    Action.OPT_OUT_CRM: "crm_opted_out",
    Action.CLEAR_CRM: "crm_opt_out_cleared",
    Action.UNSUBSCRIBE_CC: "cc_unsubscribed",
    Action.RESUBSCRIBE_CC: "cc_resubscribe_requested",
    Action.REPORT: "reported",
}
CRM_WRITES = (Action.OPT_OUT_CRM, Action.CLEAR_CRM)
#: reports that are a refused request, so they appear among the run's errors
REFUSALS = (Reason.NEEDS_CONSENT, Reason.CLEAR_OFF)
Clock = Callable[[], datetime]


class Refused(Exception):
    """A write we cannot make for one pair (the others go on)."""


@dataclass
class Applier:
    store: Store
    connection_id: int
    client: ConstantContact
    crm: CrmAdapter
    policy: Policy
    run_id: int
    clock: Clock
    counts: Counter[str] = field(default_factory=Counter)
    errors: list[ErrorRow] = field(default_factory=list)
    failed: bool = False
    decisions: list[Decision] = field(default_factory=list)
    # each settled pair's CRM opt-out as this run leaves it; a failed pair is left out,
    # so the next run still sees its change
    crm_seen: dict[str, bool] = field(default_factory=dict)
    # contacts read just now to decide a CC write on CC's own state: the opt-out's PUT
    # sends back their properties, with no second read
    just_read: dict[str, Contact] = field(default_factory=dict)

    def apply(self, changes: Changes) -> None:
        self.crm_seen.update(changes.settled)  # in step: nothing to do but remember
        for pair in changes.pairs:
            decision = decide(pair, self.policy)
            if decision.action in (Action.UNSUBSCRIBE_CC, Action.RESUBSCRIBE_CC):
                decision = self._fresh(decision, changes)
            if decision.action is Action.NOTHING:
                self.crm_seen[pair.account_id] = pair.crm_opted_out
            else:
                self._one(decision, changes)
        with self.store.session() as session:
            remember_crm_opt_out(session, self.connection_id, self.crm_seen)
            for contact in changes.contacts.values():  # every one is linked
                remember_consent(session, self.connection_id, contact.to_contact(), self.clock())

    def _fresh(self, decision: Decision, changes: Changes) -> Decision:
        """A CC write is decided on CC's state now, not on the link's memory of it."""
        pair = decision.pair
        if pair.contact_id in changes.contacts:
            return decision
        read = fetch_contact(self.client, pair.contact_id)
        self.just_read[read.contact_id] = read
        contact = read.to_core()
        changes.contacts[contact.contact_id] = consent_of(contact)
        now = replace(pair, cc_unsubscribed=contact.unsubscribed)
        return decide(replace(now, opt_out_source=contact.opt_out_source), self.policy)

    def _one(self, decision: Decision, changes: Changes) -> None:
        self.decisions.append(decision)
        pair = decision.pair
        if decision.action in CRM_WRITES and self.crm.read_only:
            # reported, not written: the run lists each, and the cursors move on
            what = (
                "would have opted out"
                if decision.action is Action.OPT_OUT_CRM
                else ("would have cleared the opt-out of")
            )
            reason = (
                f"{what} account {pair.account_id} ({decision.reason.value}); the CRM is "
                "read-only for listbridge (read_only = true in its mapping)"
            )
            self.errors.append(ErrorRow(reason, pair.account_id, pair.contact_id, pair.email))
            self.counts[COUNTED[Action.REPORT]] += 1
            self.crm_seen[pair.account_id] = pair.crm_opted_out
            return
        try:
            self._act(decision, changes)
        except (ApiError, Refused) as error:
            self.failed = True
            reason = f"{decision.action.value} failed: {error}"
            self.errors.append(ErrorRow(reason, pair.account_id, pair.contact_id, pair.email))
            return
        self.counts[COUNTED[decision.action]] += 1
        self.crm_seen[pair.account_id] = _crm_after(decision)
        if decision.reason in REFUSALS:
            row = ErrorRow(decision.reason.value, pair.account_id, pair.contact_id, pair.email)
            self.errors.append(row)

    def _act(self, decision: Decision, changes: Changes) -> None:
        action, pair = decision.action, decision.pair
        source = pair.opt_out_source or "none"
        if action in (Action.OPT_OUT_CRM, Action.CLEAR_CRM):
            why = (
                f"unsubscribes CC → CRM: {decision.reason.value}"
                f" (contact {pair.contact_id}, opt_out_source {source})"
            )
            opted_out = action is Action.OPT_OUT_CRM
            self.crm.set_email_opt_out(pair.account_id, opted_out, reason=why, run_id=self.run_id)
        elif action is Action.UNSUBSCRIBE_CC:
            read = self.just_read.pop(pair.contact_id, None)
            contact = unsubscribe_contact(self.client, pair.contact_id, read)
            changes.contacts[contact.contact_id] = consent_of(contact)
            self._journal(decision, "unsubscribed", contact)
        elif action is Action.RESUBSCRIBE_CC:
            self._resubscribe(decision, changes)

    def _resubscribe(self, decision: Decision, changes: Changes) -> None:
        pair = decision.pair
        lists = list(changes.links[pair.account_id].list_ids)
        if not lists:
            raise Refused("no list to re-subscribe the contact to")
        try:
            request_resubscribe(self.client, pair.contact_id, lists)
        except ConflictError:
            return  # CC sends the request once; it was already sent
        self._journal(decision, "resubscribe requested", None)

    def _journal(self, decision: Decision, new: str, contact: CcContact | None) -> None:
        pair = decision.pair
        old = "unsubscribed" if pair.cc_unsubscribed else "subscribed"
        why = f"unsubscribes CRM → CC: {decision.reason.value} (account {pair.account_id})"
        at = contact.updated_at if contact and contact.updated_at else self.clock()
        change = Change(Side.CC, pair.contact_id, "permission_to_send", old, new, why, at)
        with self.store.session() as session:
            record_changes(session, self.connection_id, self.run_id, [change])


def _crm_after(decision: Decision) -> bool:
    if decision.action is Action.OPT_OUT_CRM:
        return True
    if decision.action is Action.CLEAR_CRM:
        return False
    return decision.pair.crm_opted_out
