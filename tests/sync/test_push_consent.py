"""A push that finds a contact unsubscribed in CC carries the opt-out to the CRM itself:
it marks the link unsubscribed, after which the reconciliation (which acts on changes
since the consent it last saw) would no longer see the change."""

from __future__ import annotations

import json

from tests.sync.conftest import Scene
from tests.sync.test_push import cc_contact


def _pushed_then_unsubscribed(scene: Scene) -> str:
    scene.add_list("News")
    ann = scene.add_account("a1", "ann@example.org", "Ann", "One")
    assert scene.cli("push", "--list", "News").exit_code == 0
    scene.unsubscribe(scene.contact_of(ann))
    return ann


def test_the_push_opts_the_account_out_and_the_reconciliation_agrees(scene: Scene) -> None:
    ann = _pushed_then_unsubscribed(scene)
    answer = scene.cli("push", "--json", "--list", "News")
    assert answer.exit_code == 0, answer.output
    assert scene.account(ann).email_opt_out
    assert cc_contact(scene, "ann@example.org").is_unsubscribed
    shown = scene.cli("crm", "show", ann).stdout
    assert "unsubscribed in Constant Contact" in shown
    reconciled = json.loads(scene.cli("unsubscribes", "sync", "--json").stdout)
    assert reconciled["cc_unsubscribed"] == 0  # nothing left to do, nothing undone
    assert scene.account(ann).email_opt_out


def test_with_cc_to_crm_off_the_push_leaves_the_crm_alone(scene: Scene) -> None:
    ann = _pushed_then_unsubscribed(scene)
    assert scene.cli("settings", "set", "unsubscribe.cc_to_crm=false").exit_code == 0
    assert scene.cli("push", "--list", "News").exit_code == 0
    assert not scene.account(ann).email_opt_out
    assert cc_contact(scene, "ann@example.org").is_unsubscribed
