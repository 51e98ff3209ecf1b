"""`listbridge sync full`: unsubscribes, import, push and list sync in order, one lock, one
run; the guard before anything is written; its daily/weekly schedule; and the re-run of a
job the daily API budget interrupted."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import update
from tests.sync.conftest import Scene
from tests.sync.crms import crm_free, edge
from tests.sync.test_push import cc_contact

from listbridge.cli.schedules import default_registry
from listbridge.core.runs import RunStatus
from listbridge.core.setting_values import Frequency, Weekday
from listbridge.core.setting_values import Schedule as Calendar
from listbridge.runner.scheduler import Scheduler, first_run
from listbridge.store.budget import StoredBudget
from listbridge.store.locks import connection_lock, holder_here
from listbridge.store.models import ApiBudget
from listbridge.store.runs import list_runs
from listbridge.sync.budget_resume import interrupted_by_budget, resume_after_budget


def full(scene: Scene, *args: str, expect: int = 0) -> dict[str, Any]:
    answer = scene.cli("sync", "full", "--json", *args)
    assert answer.exit_code == expect, answer.output
    result: dict[str, Any] = json.loads(answer.stdout) if expect == 0 else {}
    return result


def kinds(scene: Scene) -> list[str]:
    return [r.kind for r in list_runs(scene.store, scene.connection_id)]


def test_one_run_brings_contacts_in_pushes_accounts_out_and_evens_the_lists(scene: Scene) -> None:
    scene.add_list("News")
    scene.add_contact("cc-only@example.org", "Cee", "Cee", lists=("News",))
    scene.add_account("crm1", "crm-only@example.org", "Are", "Em")
    before = len(kinds(scene))
    result = full(scene)
    steps = ["unsubscribes", "import", "consent_after_import", "push", "lists"]
    assert list(result["steps"]) == steps
    assert result["steps"]["import"]["created"] == 1
    assert result["steps"]["lists"]["lists"] == 1
    assert result["status"] == "succeeded"
    assert kinds(scene)[: len(kinds(scene)) - before] == ["full"]  # one run, no others
    run = list_runs(scene.store, scene.connection_id)[0]
    assert run.counts["import.created"] == 1
    listed = json.loads(scene.cli("lists", "ls", "--json").stdout)
    news = next(lst for lst in listed if lst["name"] == "News")
    assert news["crm_members"] == news["cc_members"] == 1


@edge
def test_the_direction_leaves_out_the_job_that_would_write_the_other_way(scene: Scene) -> None:
    scene.add_contact("cc-only@example.org", "Cee", "Cee")
    scene.add_account("crm1", "crm-only@example.org", "Are", "Em")
    result = full(scene, "--direction", "crm_to_cc")
    assert list(result["steps"]) == ["unsubscribes", "push", "lists"]
    assert [scene.name_of(a.id) for a in scene.accounts()] == ["crm1"]  # nothing imported
    result = full(scene, "--direction", "cc_to_crm")
    assert list(result["steps"]) == ["unsubscribes", "import", "consent_after_import", "lists"]


def test_consent_comes_first_an_unsubscribe_is_carried_before_the_push(scene: Scene) -> None:
    scene.add_list("News")
    ann = scene.add_account("a1", "ann@example.org", "Ann", "One")
    assert scene.cli("push", "--list", "News").exit_code == 0
    scene.unsubscribe(scene.contact_of(ann))
    result = full(scene)
    assert result["steps"]["unsubscribes"]["crm_opted_out"] == 1
    assert scene.account(ann).email_opt_out
    assert cc_contact(scene, "ann@example.org").is_unsubscribed


def three_opted_out_in_the_crm_over_a_guard_of_two(scene: Scene) -> None:
    scene.add_list("News")
    made = [scene.add_account(f"a{n}", f"p{n}@example.org", "P", str(n)) for n in range(3)]
    assert scene.cli("push", "--list", "News").exit_code == 0
    assert scene.cli("settings", "set", "sync.guard_count=2").exit_code == 0
    for account_id in made:
        scene.crm.set_email_opt_out(account_id, True, reason="staff")


@edge
def test_the_guard_stops_the_whole_run_before_anything_is_written(scene: Scene) -> None:
    three_opted_out_in_the_crm_over_a_guard_of_two(scene)
    scene.add_contact("new@example.org", "New", "Contact")
    stopped = scene.cli("sync", "full")
    assert stopped.exit_code == 2
    assert "would unsubscribe 3 contacts, over sync.guard_count = 2" in stopped.stderr
    assert not any(cc_contact(scene, f"p{n}@example.org").is_unsubscribed for n in range(3))
    assert "new@example.org" not in {a.email for a in scene.accounts()}  # no import either
    [run] = list_runs(scene.store, scene.connection_id, kind="full")
    assert run.status is RunStatus.FAILED
    result = full(scene, "--confirm")
    assert result["steps"]["unsubscribes"]["cc_unsubscribed"] == 3
    assert all(cc_contact(scene, f"p{n}@example.org").is_unsubscribed for n in range(3))


@crm_free
def test_a_held_lock_refuses_the_full_sync(scene: Scene) -> None:
    with connection_lock(scene.store, scene.connection_id, holder_here("push")):
        answer = scene.cli("sync", "full")
    assert answer.exit_code == 3
    assert "push" in answer.stderr


@crm_free
def test_the_full_schedule_registers_daily_or_weekly_and_waits_for_its_slot(scene: Scene) -> None:
    assert scene.cli("settings", "set", "sync.full_schedule=daily 02:30").exit_code == 0
    scheduler = Scheduler(scene.store, default_registry())
    [slot] = [s for s in scheduler.slots() if s.schedule.name == "full"]
    assert slot.when == "daily 02:30 (local time)"
    now = datetime.now(UTC)
    # set just now: its first slot (tests/runner/test_schedule_start.py has the catch-up)
    assert now < slot.first <= now + timedelta(days=1)
    weekly = Calendar(Frequency.WEEKLY, time(3, 0), Weekday.SUNDAY)
    ran_just_now = first_run(now, weekly, now)
    assert now < ran_just_now <= now + timedelta(days=7)
    scheduler.run_slot(slot)
    assert "full (connection" in scheduler.events[-1]
    assert scheduler.events[-1].endswith("ran"), scheduler.events
    assert kinds(scene)[0] == "full"


@edge
def test_a_run_the_budget_interrupted_runs_again_after_the_reset(scene: Scene) -> None:
    scene.add_list("News")
    for n in range(30):
        scene.add_account(f"a{n}", f"p{n}@example.org", "P", str(n))
    budget = StoredBudget(scene.store, scene.connection_id)
    budget.spend(datetime.now(UTC), budget.limit - budget.current().used - 3)
    refused = scene.cli("push", "--list", "News")
    assert refused.exit_code == 2, refused.output
    assert "budget" in refused.stderr
    assert interrupted_by_budget(scene.store, scene.connection_id) == "push"
    assert resume_after_budget(scene.store, scene.connection_id) is None  # still spent
    with scene.store.session() as session:  # midnight UTC passes
        yesterday = datetime.now(UTC).date() - timedelta(days=1)
        session.execute(update(ApiBudget).values(day=yesterday))
    assert resume_after_budget(scene.store, scene.connection_id) == "push"
    newest = list_runs(scene.store, scene.connection_id, kind="push")[0]
    assert newest.status in (RunStatus.SUCCEEDED, RunStatus.PARTIAL)
    assert newest.started_by.startswith("scheduler")
    assert interrupted_by_budget(scene.store, scene.connection_id) is None


@edge
def test_unsubscribes_sync_has_the_same_guard_and_confirm(scene: Scene) -> None:
    three_opted_out_in_the_crm_over_a_guard_of_two(scene)
    stopped = scene.cli("unsubscribes", "sync")
    assert stopped.exit_code == 2
    assert "would unsubscribe 3 contacts" in stopped.stderr
    assert not cc_contact(scene, "p0@example.org").is_unsubscribed
    done = json.loads(scene.cli("unsubscribes", "sync", "--json", "--confirm").stdout)
    assert done["cc_unsubscribed"] == 3


@crm_free
def test_status_shows_the_next_runs(scene: Scene) -> None:
    assert scene.cli("settings", "set", "sync.full_schedule=weekly sunday 03:00").exit_code == 0
    shown = json.loads(scene.cli("status", "--offline", "--json").stdout)
    jobs = {run["job"]: run["when"] for run in shown["next_runs"]}
    assert jobs["full"] == "weekly sunday 03:00 (local time)"
    assert jobs["unsubscribes"] == "every 0:30:00"


def test_an_opt_out_older_than_the_link_the_import_makes_reaches_cc_in_the_same_run(
    scene: Scene,
) -> None:
    """Ann opted out in the CRM long ago; the full sync's import links her to a subscribed
    contact; the same run unsubscribes that contact (not the next run)."""
    scene.add_list("News")
    contact_id = scene.add_contact("ann@example.org", "Ann", "Lee", lists=("News",))
    scene.add_account("A1", "ann@example.org", "Ann", "Lee", email_opt_out=True)
    assert scene.cli("unsubscribes", "sync", "--json").exit_code == 0  # the pair is not linked
    result = full(scene)
    assert result["steps"]["consent_after_import"]["cc_unsubscribed"] == 1
    assert scene.cc.state.contacts.by_id[contact_id].is_unsubscribed
