"""The first `unsubscribes sync` (no cursor yet): an account's creation is not an opt-out
change, so a Constant Contact-only unsubscribe is copied as one, not as "opposite changes
on both sides" (issue 12); an account created opted out still is a CRM opt-out."""

from __future__ import annotations

from tests.sync.conftest import Scene
from tests.sync.test_unsubscribes import account_ids, linked, permission, sync

from listbridge.core.consent import Reason
from listbridge.core.journal import Side
from listbridge.store.journal import history


def reasons(scene: Scene, side: Side, record_id: str) -> list[str]:
    return [e.change.reason for e in history(scene.store, scene.connection_id, side, record_id)]


def test_a_cc_only_unsubscribe_is_copied_as_such_on_the_first_sync(scene: Scene) -> None:
    ids = linked(scene, "a@example.org", "b@example.org")
    a0, a1 = account_ids(scene, "A0", "A1")
    scene.unsubscribe(ids["a@example.org"])
    result = sync(scene)
    assert (result["crm_opted_out"], result["cc_unsubscribed"], result["errors"]) == (1, 0, [])
    assert scene.account(a0).email_opt_out
    assert not scene.account(a1).email_opt_out
    why = reasons(scene, Side.CRM, a0)[-1]
    assert Reason.CC_UNSUBSCRIBED.value in why
    assert Reason.OPT_OUT_WINS.value not in " ".join(reasons(scene, Side.CRM, a0))
    report = scene.cli("unsubscribes", "report")
    assert report.exit_code == 0, report.output
    assert Reason.OPT_OUT_WINS.value not in report.output


def test_an_account_created_opted_out_is_a_crm_opt_out_on_the_first_sync(scene: Scene) -> None:
    scene.add_list("News")
    contact = scene.add_contact("out@example.org", "Oona", "Out", lists=("News",))
    scene.add_account("out", "out@example.org", "Oona", "Out", email_opt_out=True)
    assert scene.import_json()["matched"] == 1
    result = sync(scene)
    assert (result["crm_opted_out"], result["cc_unsubscribed"], result["errors"]) == (0, 1, [])
    assert permission(scene, contact) == "unsubscribed"
    assert Reason.CRM_OPTED_OUT.value in reasons(scene, Side.CC, contact)[-1]
