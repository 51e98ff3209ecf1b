"""The nightly campaign statistics pull on the scheduler (issue 16, acceptance 2): daily at
`stats.pull_at` in local time; it waits for its slot, runs there, and a slot missed while
the scheduler was down is caught up once; a changed time moves the slot and is not a
missed run; `sync.enabled=false` skips it; a pull the daily API budget interrupted resumes
after the reset, beside (not instead of) an interrupted sync.

Where a night has to pass, the scheduler's clock is injected (the run itself records the
real time it started: `ran_at` puts it at the slot); one test starts the real scheduler."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from sqlalchemy import select, update
from tests.runner.test_schedule_start import DAY, local
from tests.runner.test_scheduler import wait_for
from tests.sync.conftest import Scene
from tests.sync.test_unsubscribes import linked

from listbridge.cli.schedules import default_registry
from listbridge.core.ratelimit import BUDGET_WORDS
from listbridge.core.runs import RunStatus
from listbridge.runner.registry import Registry
from listbridge.runner.scheduler import Scheduler, Slot
from listbridge.store.budget import StoredBudget
from listbridge.store.models import ApiBudget, CampaignEvent, CcCampaign, Connection, Run, Setting
from listbridge.store.runs import RunRecord, list_runs
from listbridge.sync.budget_resume import interrupted_by_budget, resume_after_budget

EMAILS = ("ana.ruiz@example.org", "tom.baker@example.org", "lea.kim@example.org")
#: every recipient opens, nothing else happens: the rows a pull stores are known exactly
ALL_OPEN = {"open": 1.0, "click": 0.0, "forward": 0.0, "bounce": 0.0, "optout": 0.0}


def campaign_sent(scene: Scene) -> str:
    """Three linked accounts on the list News, and a campaign sent to it; its id."""
    linked(scene, *EMAILS)
    body = {"name": "June news", "list_ids": [scene.lists["News"]], "rates": ALL_OPEN, "seed": 7}
    answer = scene.cc.control.post("/campaigns/send", json=body)
    answer.raise_for_status()
    assert answer.json()["sends"] == len(EMAILS)
    campaign_id: str = answer.json()["campaign_id"]
    return campaign_id


def connection_made(scene: Scene, at: datetime) -> None:
    made = update(Connection).where(Connection.id == scene.connection_id)
    with scene.store.session() as session:
        session.execute(made.values(created_at=at))


def pull_at_set(scene: Scene, text: str, at: datetime) -> None:
    answer = scene.cli("settings", "set", f"stats.pull_at={text}")
    assert answer.exit_code == 0, answer.output
    with scene.store.session() as session:
        key = Setting.key == "stats.pull_at"
        session.execute(update(Setting).where(key).values(updated_at=at))


def stats_slot(scene: Scene, now: datetime) -> tuple[Scheduler, Slot]:
    """The pull's slot as a scheduler started at `now` plans it."""
    scheduler = Scheduler(scene.store, default_registry(), clock=lambda: now)
    [slot] = [s for s in scheduler.slots() if s.schedule.name == "stats"]
    return scheduler, slot


def ran_at(scene: Scene, moment: datetime) -> None:
    with scene.store.session() as session:
        session.execute(update(Run).where(Run.kind == "stats").values(started_at=moment))


def pulls(scene: Scene) -> list[RunRecord]:
    return list_runs(scene.store, scene.connection_id, kind="stats")


def pulled(scene: Scene, campaign_id: str) -> tuple[int, dict[str, list[str]]]:
    """The campaign's stored send count, and each kind of row → the accounts it is on."""
    connection = scene.connection_id  # read before the session: SQLite has one writer
    with scene.store.session() as session:
        campaign = session.get(CcCampaign, (connection, campaign_id))
        assert campaign is not None, "the campaign was not pulled"
        assert campaign.included
        rows = session.execute(
            select(CampaignEvent.kind, CampaignEvent.account_id).where(
                CampaignEvent.connection_id == connection,
                CampaignEvent.campaign_id == campaign_id,
            )
        )
        by_kind: dict[str, list[str]] = {}
        for kind, account_id in rows:
            by_kind.setdefault(kind, []).append(str(account_id))
        return campaign.sends, {kind: sorted(ids) for kind, ids in by_kind.items()}


def assert_pulled(scene: Scene, campaign_id: str) -> None:
    accounts = sorted(scene.ids[f"A{n}"] for n in range(len(EMAILS)))
    sends, rows = pulled(scene, campaign_id)
    assert sends == len(EMAILS)
    assert rows == {"sends": accounts, "opens": accounts}


def no_campaigns(scene: Scene) -> bool:
    with scene.store.session() as session:
        return session.scalar(select(CcCampaign.campaign_id)) is None


def test_the_real_scheduler_runs_the_missed_nightly_pull_once_on_start(scene: Scene) -> None:
    campaign_id = campaign_sent(scene)
    connection_made(scene, datetime.now(UTC) - 3 * DAY)  # two nights' slots passed unpulled
    only_the_pull = Registry({"stats": default_registry().schedules["stats"]})
    scheduler = Scheduler(scene.store, only_the_pull)
    [slot] = scheduler.start()
    try:
        wait_for(lambda: len(scheduler.events) >= 1, seconds=30)
        time.sleep(1.0)  # time enough to see a second run, were there one
    finally:
        scheduler.shutdown()
    assert slot.when == "daily 02:00 (local time)"
    lines = [event.split(" ", 1)[1] for event in scheduler.events]
    assert lines == [f"stats (connection {scene.connection_id}) ran"]
    [run] = pulls(scene)  # once, not once per missed slot
    assert run.started_by.startswith("scheduler")
    assert run.status is RunStatus.SUCCEEDED, run.message
    assert run.counts["campaigns"] == 1
    assert_pulled(scene, campaign_id)
    runs_ls = scene.cli("runs", "ls", "--json")
    assert runs_ls.exit_code == 0, runs_ls.output
    # newest first: the pull, after the import that linked the accounts
    assert [r["kind"] for r in json.loads(runs_ls.stdout)] == ["stats", "import"]


def test_it_waits_for_its_slot_runs_there_and_then_waits_a_day(scene: Scene) -> None:
    campaign_id = campaign_sent(scene)
    connection_made(scene, local(15))  # in the afternoon: tonight's 02:00 is the first slot
    tonight = local(2) + DAY
    for now in (local(15, 1), local(23, 59), local(1, 59) + DAY):
        assert stats_slot(scene, now)[1].first == tonight, now
    assert no_campaigns(scene)
    scheduler, slot = stats_slot(scene, tonight)
    assert slot.first == tonight
    scheduler.run_slot(slot)
    assert scheduler.events[-1].endswith(f"stats (connection {scene.connection_id}) ran")
    [run] = pulls(scene)
    assert run.started_by.startswith("scheduler")
    assert run.status is RunStatus.SUCCEEDED, run.message
    assert_pulled(scene, campaign_id)
    ran_at(scene, tonight)
    assert stats_slot(scene, local(9) + DAY)[1].first == tonight + DAY  # not again today


def test_a_connection_made_yesterday_catches_up_last_nights_pull_once(scene: Scene) -> None:
    connection_made(scene, local(15))
    next_morning = local(10) + DAY  # 02:00 passed with the scheduler down: run at once
    scheduler, slot = stats_slot(scene, next_morning)
    assert slot.first == next_morning
    scheduler.run_slot(slot)
    ran_at(scene, next_morning)
    assert stats_slot(scene, local(11) + DAY)[1].first == local(2) + 2 * DAY
    three_nights_later = local(10) + 4 * DAY
    assert stats_slot(scene, three_nights_later)[1].first == three_nights_later  # once
    assert len(pulls(scene)) == 1


def test_changing_stats_pull_at_moves_the_slot_without_a_missed_run(scene: Scene) -> None:
    connection_made(scene, local(15) - DAY)
    scheduler, slot = stats_slot(scene, local(2))  # last night's pull, at the default time
    assert slot.when == "daily 02:00 (local time)"
    scheduler.run_slot(slot)
    ran_at(scene, local(2))
    assert stats_slot(scene, local(10))[1].first == local(2) + DAY

    pull_at_set(scene, "9:00", at=local(10))  # today's 09:00 passed before it was set
    scheduler, slot = stats_slot(scene, local(10))
    assert slot.when == "daily 09:00 (local time)"
    assert slot.first == local(9) + DAY
    pull_at_set(scene, "23:30", at=local(11))
    assert stats_slot(scene, local(11))[1].first == local(23, 30)  # later today
    assert len(pulls(scene)) == 1
    status = scene.cli("status", "--offline", "--json")
    assert status.exit_code == 0, status.output
    jobs = {run["job"]: run["when"] for run in json.loads(status.stdout)["next_runs"]}
    assert jobs["stats"] == "daily 23:30 (local time)"


def test_sync_disabled_skips_the_nightly_pull(scene: Scene) -> None:
    campaign_sent(scene)
    connection_made(scene, local(15))
    assert scene.cli("settings", "set", "sync.enabled=false").exit_code == 0
    scheduler, slot = stats_slot(scene, local(2) + DAY)
    scheduler.run_slot(slot)
    assert scheduler.events[-1].endswith(
        f"stats (connection {scene.connection_id}) skipped: "
        "sync disabled for connection 'default' (sync.enabled=false)"
    )
    assert pulls(scene) == []
    assert no_campaigns(scene)


def budget_left(scene: Scene, calls: int) -> None:
    budget = StoredBudget(scene.store, scene.connection_id)
    budget.spend(datetime.now(UTC), budget.limit - budget.current().used - calls)


def midnight_utc_passes(scene: Scene) -> None:
    with scene.store.session() as session:
        session.execute(update(ApiBudget).values(day=datetime.now(UTC).date() - DAY))


def out_of_budget(run: RunRecord) -> bool:
    return run.status is RunStatus.INTERRUPTED and BUDGET_WORDS in run.message


def test_a_pull_the_budget_interrupted_resumes_after_the_reset(scene: Scene) -> None:
    campaign_id = campaign_sent(scene)
    budget_left(scene, 3)  # the pull starts, and stops three calls in
    scheduler, slot = stats_slot(scene, datetime.now(UTC))
    scheduler.run_slot(slot)
    [stopped] = pulls(scene)
    assert out_of_budget(stopped), (stopped.status, stopped.message)
    assert interrupted_by_budget(scene.store, scene.connection_id) == "stats"
    assert resume_after_budget(scene.store, scene.connection_id) is None  # still spent
    midnight_utc_passes(scene)
    assert resume_after_budget(scene.store, scene.connection_id) == "stats"
    resumed = pulls(scene)[0]
    assert resumed.run_id != stopped.run_id
    assert resumed.status is RunStatus.SUCCEEDED, resumed.message
    assert resumed.started_by.startswith("scheduler")
    assert_pulled(scene, campaign_id)
    assert interrupted_by_budget(scene.store, scene.connection_id) is None


def test_an_interrupted_pull_does_not_hide_an_interrupted_push(scene: Scene) -> None:
    """The pull reads reports, the push writes contacts: neither finishes the other, so
    both resume after the reset, the push first."""
    campaign_id = campaign_sent(scene)
    for n in range(30):
        scene.add_account(f"p{n}", f"p{n}@example.org", "P", str(n))
    budget_left(scene, 3)
    refused = scene.cli("push", "--list", "News")
    assert refused.exit_code == 2, refused.output
    scheduler, slot = stats_slot(scene, datetime.now(UTC))
    scheduler.run_slot(slot)  # the nightly pull finds the budget spent too
    assert out_of_budget(pulls(scene)[0])
    assert interrupted_by_budget(scene.store, scene.connection_id) == "push"
    midnight_utc_passes(scene)
    assert resume_after_budget(scene.store, scene.connection_id) == "push"
    assert resume_after_budget(scene.store, scene.connection_id) == "stats"
    assert resume_after_budget(scene.store, scene.connection_id) is None
    newest_push = list_runs(scene.store, scene.connection_id, kind="push")[0]
    assert newest_push.status in (RunStatus.SUCCEEDED, RunStatus.PARTIAL), newest_push.message
    assert pulls(scene)[0].status is RunStatus.SUCCEEDED, pulls(scene)[0].message
    assert_pulled(scene, campaign_id)
