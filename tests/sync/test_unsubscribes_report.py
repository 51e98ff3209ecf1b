"""`unsubscribes report [--csv FILE]`: the pairs whose consent differs, and what the next
sync will do — from the store alone."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.sync.conftest import Scene
from tests.sync.test_unsubscribes import account_ids, linked, opt_out_in_crm, sync


def test_the_report_lists_each_difference_and_the_next_syncs_action(
    scene: Scene, tmp_path: Path
) -> None:
    ids = linked(scene, "a@example.org", "b@example.org", "c@example.org")
    a0, a1 = account_ids(scene, "A0", "A1")
    scene.unsubscribe(ids["a@example.org"])
    sync(scene)
    opt_out_in_crm(scene, a0, False)  # a's own CC opt-out: stays, needs consent
    opt_out_in_crm(scene, a1)  # b: the next sync unsubscribes the contact
    scene.cc.control.post("/counters/reset").raise_for_status()
    out = tmp_path / "mismatch.csv"
    answer = scene.cli("unsubscribes", "report", "--csv", str(out))
    assert answer.exit_code == 0, answer.output
    assert scene.cc.counters()["total"] == 0
    with out.open(newline="", encoding="utf-8") as f:
        found = {r["account_id"]: r for r in csv.DictReader(f)}
    assert set(found) == {a0, a1}
    assert (found[a0]["crm"], found[a0]["constant_contact"]) == ("subscribed", "unsubscribed")
    assert found[a0]["opt_out_source"] == "Contact"
    assert found[a0]["why"] == "needs the contact's own consent"
    assert found[a1]["next_sync"] == "unsubscribe in Constant Contact"
    assert found[a1]["crm_changed_at"]
    assert found[a0]["cc_changed_at"]
    text = scene.cli("unsubscribes", "report").stdout
    assert "2 pairs whose consent differs" in text
    assert "b@example.org" in text
    sync(scene)
    text = scene.cli("unsubscribes", "report").stdout
    assert "b@example.org" not in text
    assert "a@example.org" in text
    assert "1 pairs whose consent differs" in text
