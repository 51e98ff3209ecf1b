"""Acceptance 3 on the real stack: random interleavings of consent events on both sides
(the emulator and each CRM), with syncs between them, then a final sync. Nobody
whose last action was an opt-out ends subscribed in Constant Contact, and nobody comes
back in CC but by their own action. (tests/unit/test_consent.py runs the same property
over a pure model, with many more examples.)"""

from __future__ import annotations

import contextlib
import itertools

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from tests.sync.conftest import Scene
from tests.sync.test_unsubscribes import permission

from listbridge.constant_contact.errors import ConflictError
from listbridge.sync.job import JobStart
from listbridge.sync.unsubscribes.cc import request_resubscribe, unsubscribe_contact
from listbridge.sync.unsubscribes.job import reconcile_unsubscribes

OPT_OUTS = ("cc_unsubscribe", "staff_unsubscribe", "crm_opt_out")
EVENTS = [*OPT_OUTS, "cc_resubscribe", "crm_clear", "sync"]
people = itertools.count()


class Person:
    def __init__(self, scene: Scene) -> None:
        n = next(people)
        self.scene = scene
        if "News" not in scene.lists:
            scene.add_list("News")
        self.contact = scene.add_contact(f"p{n}@example.org", "P", str(n), lists=("News",))
        self.account = scene.add_account(f"P{n}", f"p{n}@example.org", "P", str(n))
        scene.import_json()
        assert scene.contact_of(self.account) == self.contact

    def cc_out(self) -> bool:
        return permission(self.scene, self.contact) == "unsubscribed"

    def crm_out(self) -> bool:
        return self.scene.account(self.account).email_opt_out

    def event(self, name: str) -> bool:
        """Do `name` if it changes something (a no-op is no action); whether it did."""
        scene, out = self.scene, self.cc_out()
        if name == "sync":
            reconcile_unsubscribes(JobStart(scene.store, scene.connection_id))
        elif name == "cc_unsubscribe" and not out:
            scene.unsubscribe(self.contact)
        elif name == "staff_unsubscribe" and not out:
            unsubscribe_contact(scene.client, self.contact)
        elif name == "cc_resubscribe" and out:
            self._resubscribe()
        elif name in ("crm_opt_out", "crm_clear") and self.crm_out() != (name == "crm_opt_out"):
            scene.crm.set_email_opt_out(self.account, name == "crm_opt_out", reason="staff")
        else:
            return False
        return True

    def _resubscribe(self) -> None:
        # when the sync asked already (an account-made opt-out), the contact answers that
        with contextlib.suppress(ConflictError):
            request_resubscribe(self.scene.client, self.contact, [self.scene.lists["News"]])
        path = f"/contacts/{self.contact}/confirm_resubscribe"
        self.scene.cc.control.post(path).raise_for_status()


# Each example costs a CRM 0.5-2 s (an import, syncs, bulk activities): eight drawn ones
# and the pinned interleavings each opt-out ends a job's way through, on every CRM; the
# pure model (tests/unit/test_consent.py) draws many more.
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    events=st.lists(st.sampled_from(EVENTS), min_size=1, max_size=8),
    clears=st.booleans(),
)
@example(events=["cc_unsubscribe", "sync", "crm_clear", "sync"], clears=True)
@example(events=["crm_opt_out", "sync", "cc_resubscribe", "staff_unsubscribe"], clears=False)
@example(events=["staff_unsubscribe", "cc_resubscribe", "crm_opt_out"], clears=True)
@example(
    events=["cc_unsubscribe", "crm_opt_out", "sync", "crm_clear", "cc_resubscribe", "sync"],
    clears=True,
)
def test_no_interleaving_ends_subscribed_after_an_opt_out(
    scene: Scene, events: list[str], clears: bool
) -> None:
    flag = "true" if clears else "false"
    assert scene.cli("settings", "set", f"unsubscribe.crm_clear_resubscribes={flag}").exit_code == 0
    person = Person(scene)
    done: list[str] = []
    for name in events:
        was_out = person.cc_out()
        if person.event(name) and name != "sync":
            done.append(name)
        assert not was_out or person.cc_out() or name == "cc_resubscribe", (events, name)
    reconcile_unsubscribes(JobStart(scene.store, scene.connection_id))
    if done and done[-1] in OPT_OUTS:
        assert person.cc_out(), (events, done)
    if done and done[-1] == "crm_opt_out":
        assert person.crm_out(), (events, done)
