"""`sync.enabled=false` switches a connection's scheduled syncing off (issue 15): the
scheduler starts no job for it, saying "sync disabled" at each firing it skips, while
another connection's jobs run on; `status` says so; commands run by hand still work."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from tests.runner.test_scheduler import every, wait_for
from tests.sync.conftest import Scene
from tests.sync.test_unsubscribes import linked

from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.runner.scheduler import Scheduler
from listbridge.store.connections import connection_id
from listbridge.store.runs import list_runs

OTHER = "branch-office"


def other_connection(scene: Scene) -> int:
    """A second connection to the same account, with the contacts imported into its CRM."""
    connected = scene.cli("--connection", OTHER, "connect", "--emulator", scene.cc.base_url)
    assert connected.exit_code == 0, connected.output
    imported = scene.cli("--connection", OTHER, "import", "--json")
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout)["created"] == 2
    return connection_id(scene.store, OTHER)


def reconciliations(scene: Scene, connection: int) -> int:
    return len(list_runs(scene.store, connection, kind="unsubscribes"))


def opted_out(scene: Scene, connection: int, email: str) -> bool:
    [account] = BuiltinCrm(scene.store, connection).find_by_email(email)
    return account.email_opt_out


def test_the_scheduler_runs_nothing_for_a_disabled_connection(scene: Scene) -> None:
    ids = linked(scene, "ana.ruiz@example.org", "tom.baker@example.org")
    other = other_connection(scene)
    off = scene.cli("--connection", OTHER, "settings", "set", "sync.enabled=false")
    assert off.exit_code == 0, off.output
    scene.unsubscribe(ids["ana.ruiz@example.org"])

    scheduler = Scheduler(scene.store, every(timedelta(seconds=0.3)))
    began = time.monotonic()
    planned = scheduler.start()
    try:
        # Both are planned (switching back on needs no restart); one of them is skipped.
        assert sorted(s.connection_id for s in planned) == sorted([scene.connection_id, other])
        wait_for(lambda: reconciliations(scene, scene.connection_id) >= 3)
        wait_for(lambda: sum("sync disabled" in e for e in scheduler.events) >= 3)
    finally:
        scheduler.shutdown()
    elapsed = time.monotonic() - began

    assert reconciliations(scene, scene.connection_id) >= 3
    assert reconciliations(scene, other) == 0
    # The enabled connection carried the unsubscribe; the disabled one's CRM is untouched.
    assert opted_out(scene, scene.connection_id, "ana.ruiz@example.org")
    assert not opted_out(scene, other, "ana.ruiz@example.org")
    skipped = [e for e in scheduler.events if "sync disabled" in e]
    ran = [e for e in scheduler.events if e.endswith("ran")]
    assert all(f"(connection {other})" in e for e in skipped), skipped
    assert all(f"connection {OTHER!r} (sync.enabled=false)" in e for e in skipped), skipped
    assert all(f"(connection {scene.connection_id})" in e for e in ran), ran
    # Once per firing, no more: at most one skip each 0.3 s the scheduler ran. And the
    # disabled slot keeps firing at least as often as the enabled one runs (on a busy
    # machine the enabled one's run outlasts its interval and the scheduler drops
    # firings of it, never of the skip, which takes no time).
    assert len(skipped) <= elapsed / 0.3 + 2, (elapsed, scheduler.events)
    assert len(skipped) >= len(ran) - 2, scheduler.events


def test_switching_sync_back_on_takes_effect_at_the_next_firing(scene: Scene) -> None:
    linked(scene, "ana.ruiz@example.org")
    assert scene.cli("settings", "set", "sync.enabled=false").exit_code == 0
    scheduler = Scheduler(scene.store, every(timedelta(minutes=5)))
    [slot] = scheduler.slots()
    scheduler.run_slot(slot)
    assert "skipped: sync disabled for connection 'default'" in scheduler.events[-1]
    assert reconciliations(scene, scene.connection_id) == 0
    assert scene.cli("settings", "set", "sync.enabled=true").exit_code == 0
    scheduler.run_slot(slot)
    assert scheduler.events[-1].endswith(f"unsubscribes (connection {scene.connection_id}) ran")
    assert reconciliations(scene, scene.connection_id) == 1


def test_status_and_the_scheduler_command_say_so_and_commands_by_hand_still_run(
    scene: Scene,
) -> None:
    ids = linked(scene, "ana.ruiz@example.org")
    assert scene.cli("settings", "set", "sync.enabled=false").exit_code == 0

    shown = scene.cli("status")
    assert shown.exit_code == 0, shown.output
    assert (
        "sync: disabled (sync.enabled=false); the scheduler runs nothing for this connection"
        in shown.stdout
    )
    assert "next at" not in shown.stdout
    as_json = json.loads(scene.cli("status", "--json").stdout)
    assert as_json["sync_enabled"] is False
    assert as_json["next_runs"] == []

    started = time.monotonic()
    answer = scene.cli("scheduler", "--for", "1.0")
    assert answer.exit_code == 0, answer.output
    assert time.monotonic() - started >= 1.0
    label = f"unsubscribes (connection {scene.connection_id})"
    assert f"{label}: every 0:30:00" in answer.stdout
    assert "(skipped while sync.enabled=false)" in answer.stdout
    assert f"{label} skipped: sync disabled for connection 'default'" in answer.stdout
    assert reconciliations(scene, scene.connection_id) == 0

    scene.unsubscribe(ids["ana.ruiz@example.org"])
    by_hand = scene.cli("unsubscribes", "sync", "--json")
    assert by_hand.exit_code == 0, by_hand.output
    assert json.loads(by_hand.stdout)["crm_opted_out"] == 1
    assert scene.account("A0").email_opt_out
    assert reconciliations(scene, scene.connection_id) == 1

    assert scene.cli("settings", "set", "sync.enabled=true").exit_code == 0
    enabled = scene.cli("status")
    assert "sync: enabled" in enabled.stdout
    assert "  unsubscribes: every 0:30:00, next at" in enabled.stdout
