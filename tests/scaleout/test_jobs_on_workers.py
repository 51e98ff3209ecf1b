"""Jobs on two Celery workers: a push from the browser runs on a worker and is recorded;
the connection's lock holds across workers (two never run syncs of one connection at
once); a worker killed mid-push leaves its job to the other, which resumes it without a
duplicate contact."""

from __future__ import annotations

import itertools
import socket
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from tests.scaleout.conftest import LIST, Cluster, wait_for

from listbridge.core.errors import LockHeldError
from listbridge.core.runs import RunStatus
from listbridge.core.settings import SYNC_FULL_SCHEDULE
from listbridge.runner.slots import LOCAL
from listbridge.runner.task_names import QUEUE, SCHEDULE_TASK
from listbridge.store.connections import connection_id
from listbridge.store.job_queue import Entry, enqueue, get_entry, latest_from
from listbridge.store.models import CcLink, PushActivity
from listbridge.store.runs import RunRecord, get_run, iter_run_errors, list_runs
from listbridge.store.settings import reset_settings, set_settings
from listbridge.sync.full import KIND as FULL
from listbridge.web.celery_runner import CeleryRunner, QueueBoard, runner_for
from listbridge.web.job_work import Action, JobKind, ListSyncKind
from listbridge.web.pages import ENV
from listbridge.web.sync_view import live_view

#: one cluster per test session: every scale-out test on the same xdist worker
pytestmark = pytest.mark.xdist_group("scaleout")

PUSH = JobKind(Action.PUSH)
#: the list sync of /lists: it pushes the list's new members (creates their contacts)
LIST_SYNC = ListSyncKind((LIST,))
NEWCOMERS = 60


def _runner(cluster: Cluster) -> tuple[CeleryRunner, QueueBoard]:
    runner, board = runner_for(cluster.store)
    assert isinstance(runner, CeleryRunner)
    assert isinstance(board, QueueBoard)
    return runner, board


def cluster_host() -> str:
    return socket.gethostname()


def _live_status(cluster: Cluster, cid: int, board: QueueBoard) -> str:
    """The /sync page's live status, as any web process renders it from the queue."""
    return ENV.get_template("sync_status.html").render(live=live_view(cluster.store, cid, board))


def _emails(cluster: Cluster) -> list[str]:
    with cluster.emulator.lock:
        return [c.email for c in cluster.emulator.contacts.by_id.values()]


def _count(cluster: Cluster, table: object) -> int:
    with cluster.store.session() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def _runs(cluster: Cluster, cid: int, *kinds: str) -> list[RunRecord]:
    found = [run for run in list_runs(cluster.store, cid, limit=100) if run.kind in kinds]
    return sorted(found, key=lambda run: run.started_at)


def test_a_list_sync_from_the_browser_runs_on_a_worker_and_is_recorded(
    cluster: Cluster,
) -> None:
    cid = connection_id(cluster.store, "default")
    runner, board = _runner(cluster)
    runner.start(LIST_SYNC, cid, "Zoë Admin")
    with pytest.raises(LockHeldError, match="Zoë Admin"):
        runner.start(PUSH, cid, "bob")  # refused at once while it is queued or running
    entry = latest_from(cluster.store, cid, "web:")
    assert entry is not None
    assert (entry.job, bool(entry.task_id)) == ("lists", True)
    queued = _live_status(cluster, cid, board)
    assert "List sync running" in queued
    assert "waiting for a worker" in queued or f"(on {cluster_host()} pid " in queued
    done = cluster.finished(entry.entry_id)
    assert done.state == "done", done.message
    assert int(done.worker.rsplit(" ", 1)[1]) in cluster.live_pids()
    assert done.run_id is not None
    run = get_run(cluster.store, cid, done.run_id)
    errors = {e.account_id: e.reason for e in iter_run_errors(cluster.store, run.run_id)}
    # the opted-out person, the household's second member and the organisation stay out
    assert run.status is RunStatus.PARTIAL
    assert set(errors) == {"P-3", "H-2", "O-6"}
    assert "H-1" in errors["H-2"]
    assert run.started_by.startswith("web:Zoë Admin ")
    shown = board.get(cid)
    assert shown is not None
    assert shown.outcome is not None
    assert shown.outcome.ok
    assert f"list sync run {run.run_id} partial" in shown.outcome.summary
    finished = _live_status(cluster, cid, board)
    assert f"list sync run {run.run_id} partial" in finished
    assert f'href="/sync/runs/{run.run_id}"' in finished
    assert sorted(_emails(cluster)) == [
        "an.nguyen@example.vn", "mueller.family@example.org", "olga.petrova@example.ru"
    ]  # fmt: skip


def test_two_browsers_clicking_at_once_enqueue_one_push(cluster: Cluster) -> None:
    cid = connection_id(cluster.store, "default")
    cluster.faults(latency_ms=100)
    refused: list[str] = []
    barrier = threading.Barrier(2)

    def click(user: str) -> None:
        runner, _ = _runner(cluster)  # a web process of its own
        barrier.wait()
        try:
            runner.start(PUSH, cid, user)
        except LockHeldError as error:
            refused.append(str(error))

    clicks = [threading.Thread(target=click, args=(u,)) for u in ("alice", "bob")]
    for thread in clicks:
        thread.start()
    for thread in clicks:
        thread.join()
    assert len(refused) == 1
    assert "is busy: the push" in refused[0]
    entry = latest_from(cluster.store, cid, "web:")
    assert entry is not None
    assert cluster.finished(entry.entry_id).state == "done"
    cluster.faults(latency_ms=0)


def test_the_lock_holds_across_workers(cluster: Cluster) -> None:
    """Two workers never run syncs of one connection at once. A push from the browser and
    the scheduled full sync (its schedule in force), enqueued at once, go to the two
    workers: one runs; the other meets its lock, held by the first worker, and does not
    run meanwhile. The full sync refused waits for its retry and runs after the push; the
    push refused ends skipped. Either way the two runs do not overlap."""
    store, cid = cluster.store, connection_id(cluster.store, "default")
    began = datetime.now(UTC)
    # a slot far from now: the refused one is retried, not skipped to the next
    daily = f"daily {datetime.now(LOCAL) + timedelta(hours=12):%H:%M}"
    set_settings(store, cid, [f"{SYNC_FULL_SCHEDULE.key}={daily}"])
    try:
        cluster.faults(latency_ms=150)
        runner, _ = _runner(cluster)
        runner.start(PUSH, cid, "alice")
        push = latest_from(store, cid, "web:")
        assert push is not None
        assert push.active
        task_id = uuid.uuid4().hex
        slot = enqueue(store, cid, FULL, "scheduler", datetime.now(UTC), task_id=task_id)
        assert slot is not None
        runner.app.send_task(SCHEDULE_TASK, args=[slot, FULL, cid], queue=QUEUE,
                             task_id=task_id)  # fmt: skip
        # each state an entry was seen in: a refused slot's wait ends in its retry's run
        seen: dict[int, list[Entry]] = {push.entry_id: [], slot: []}

        def both_finished() -> bool:
            for entry_id, states in seen.items():
                entry = get_entry(store, entry_id)
                assert entry is not None
                if not states or states[-1] != entry:
                    states.append(entry)
            return not any(states[-1].active for states in seen.values())

        wait_for(both_finished, 90, cluster.worker_logs)
    finally:
        cluster.faults(latency_ms=0)
        reset_settings(store, cid, [SYNC_FULL_SCHEDULE.key])
    pushed, synced = seen[push.entry_id][-1], seen[slot][-1]
    said = [f"{e.state} on {e.worker!r}: {e.message}" for e in seen[push.entry_id] + seen[slot]]
    if pushed.state == "skipped":  # the full sync won: the push met its lock
        assert synced.state == "done", said
        refusal, refused_on, winner = pushed.message, pushed.worker, synced.worker
    else:  # the push won: the full sync met its lock, waited, then ran
        assert [pushed.state, synced.state] == ["done", "done"], said
        waits = [e for e in seen[slot] if e.message.startswith("waiting for the lock: ")]
        assert waits, said
        refusal, refused_on, winner = waits[0].message, waits[0].worker, pushed.worker
    # refused by the lock the other worker held, named with its process
    assert refused_on != winner, said
    assert f"(pid {winner.rsplit(' ', 1)[1]} on " in refusal, said
    runs = [run for run in _runs(cluster, cid, "push", FULL) if run.started_at >= began]
    ran = [e.run_id for e in (pushed, synced) if e.state == "done"]
    assert set(ran) <= {run.run_id for run in runs}, (ran, runs)
    for earlier, later in itertools.pairwise(runs):
        assert earlier.finished_at is not None
        assert earlier.finished_at <= later.started_at


def test_a_worker_killed_mid_push_leaves_the_job_to_the_other(cluster: Cluster) -> None:
    cid = connection_id(cluster.store, "default")
    rows = [f"N-{n},individual,Anaïs,Lefèvre {n},,anais.lefevre{n}@example.fr,false"
            for n in range(NEWCOMERS)]  # fmt: skip
    cluster.load_members("id,type,first_name,last_name,company_name,email,email_opt_out\n"
                         + "\n".join(rows) + "\n")  # fmt: skip
    cluster.faults(latency_ms=300)
    runner, _ = _runner(cluster)
    runner.start(LIST_SYNC, cid, "alice")
    entry = latest_from(cluster.store, cid, "web:")
    assert entry is not None
    # mid-push: the bulk import is submitted, its contacts not linked yet
    wait_for(lambda: _count(cluster, PushActivity), 60, cluster.worker_logs)
    running = get_entry(cluster.store, entry.entry_id)
    assert running is not None
    assert running.state == "running"
    killed = int(running.worker.rsplit(" ", 1)[1])
    cluster.kill(killed)
    cluster.faults(latency_ms=0)
    done = cluster.finished(entry.entry_id, timeout=60)
    assert done.state == "done", done.message
    assert int(done.worker.rsplit(" ", 1)[1]) != killed
    pushes = _runs(cluster, cid, "lists")
    assert [r.status for r in pushes[-2:]] == [RunStatus.INTERRUPTED, RunStatus.PARTIAL]
    assert "no longer running" in pushes[-2].message
    assert done.run_id == pushes[-1].run_id
    emails = _emails(cluster)
    assert len(emails) == len(set(emails))
    assert {f"anais.lefevre{n}@example.fr" for n in range(NEWCOMERS)} <= set(emails)
    assert _count(cluster, PushActivity) == 0
    # the list's three pushed before, and every newcomer: each linked once
    assert _count(cluster, CcLink) == NEWCOMERS + 3
