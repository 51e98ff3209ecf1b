"""One sync at a time per connection (design.md rule 3), with every kind of starter at
one instant: the in-process scheduler's slot, a CLI command in a process of its own, the
web admin's button and a worker's queued schedule (the Celery task, run in the test's
thread), released together by a barrier on one connection. Once one of them holds the
lock, Constant Contact answers slowly until the others have answered, so that the holder
keeps it while they try. One runs; each other is refused with the holder's words, as its
runner promises (docs/scale-out.md): the slot waits its turn, the CLI exits 3, the
button's page answers 409 (or, past that check, its job is refused), the worker's entry
is queued again, waiting for the lock, and its task asks for a retry in a minute. A
starter a loaded machine delays past the holder's end runs after it, never beside it.
None is lost: each refused starter runs once the holder is done, the schedules at their
retry (tests/scaleout/test_refused_schedule.py: on two real workers), the CLI and the
button when started again.
"""

from __future__ import annotations

import html
import itertools
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from celery.exceptions import Retry
from tests.sync.conftest import (  # noqa: F401  (fixtures used here)
    Scene,
    cc,
    cc_emulator_config,
    crm_name,
    scene,
    secret_key_file,
    wired,
)
from tests.sync.test_unsubscribes import linked
from tests.web.conftest import PASSWORD, TestClient, csrf_of, sign_in
from tests.web.test_sync_screen import finished, start

from listbridge.cli.schedules import default_registry
from listbridge.runner.registry import Registry
from listbridge.runner.scheduler import Scheduler, Slot
from listbridge.runner.task_names import SCHEDULE_TASK
from listbridge.runner.tasks import register_tasks
from listbridge.runner.tick import ORIGIN, enqueue_due
from listbridge.store.connections import connection_id
from listbridge.store.db import Store, open_store
from listbridge.store.job_queue import DONE, FAILED, QUEUED, enqueue, get_entry
from listbridge.store.locks import read_lease
from listbridge.store.runs import list_runs
from listbridge.store.users import add_user
from listbridge.sync.unsubscribes import KIND as UNSUBSCRIBES
from listbridge.web.app import create_app

pytestmark = pytest.mark.db

CUE = Path(__file__).with_name("cli_on_cue.py")
#: every API answer this late until all but one starter have answered: whichever job wins
#: holds the lock while the others try, then its answers come at once again
LATENCY_MS = 1000
BUSY = "connection 'default' is busy: "


@dataclass
class Worker:
    """A worker as `listbridge worker` runs a queued schedule: the Celery task, in the
    caller's thread; a retry the task asks for is kept in `retries` (its countdown and
    arguments), for the test to serve when it says."""

    scene: Scene
    registry: Registry
    app: Any
    retries: list[Retry] = field(default_factory=list)

    def queued(self, at: datetime) -> int:
        entry = enqueue(self.scene.store, self.scene.connection_id, UNSUBSCRIBES, ORIGIN, at,
                        task_id=uuid.uuid4().hex)  # fmt: skip
        assert entry is not None
        return entry

    def serve(self, entry_id: int, **kwargs: Any) -> tuple[str, str]:
        task = self.app.tasks[SCHEDULE_TASK]
        args = [entry_id, UNSUBSCRIBES, self.scene.connection_id]
        # as Celery's eager `apply` would run it, except that a retry is not run at once
        task.push_request(id=uuid.uuid4().hex, args=args, kwargs=kwargs, retries=0,
                          is_eager=True, called_directly=False)  # fmt: skip
        try:
            task.run(*args, **kwargs)
        except Retry as retry:
            self.retries.append(retry)
        finally:
            task.pop_request()
        entry = get_entry(self.scene.store, entry_id)
        assert entry is not None
        return entry.state, entry.message


@pytest.fixture
def worker(scene: Scene) -> Worker:  # noqa: F811
    app = Celery("listbridge-test", broker="memory://", set_as_current=False)
    registry = default_registry()
    register_tasks(app, scene.store, registry)
    return Worker(scene, registry, app)


@pytest.fixture
def browser(scene: Scene) -> Iterator[TestClient]:  # noqa: F811
    add_user(scene.store, "ada", PASSWORD, admin=True)
    with TestClient(create_app(scene.store)) as client:
        sign_in(client, "ada")
        yield client


def cli_on_cue(scene: Scene, *args: str) -> subprocess.Popen[str]:  # noqa: F811
    """The CLI's process, importing while the test sets the scene (see ready)."""
    return subprocess.Popen(
        [sys.executable, str(CUE), "--db", scene.cli.db_url, *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def ready(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "READY", process.communicate()


def unsubscribes_slot(scheduler: Scheduler) -> Slot:
    [slot] = [s for s in scheduler.slots() if s.schedule.name == UNSUBSCRIBES]
    return slot


def web_said(browser: TestClient, answer: Any) -> str:
    """The button's word: the refusal at once (409), else its job's last status."""
    if answer.status_code == 409:
        return html.unescape(answer.text)
    assert answer.status_code == 303, answer.text
    return html.unescape(str(finished(browser)["status"]))


def together(
    scene: Scene,  # noqa: F811
    starters: dict[str, Callable[[], object]],
    cue: subprocess.Popen[str],
) -> None:
    """Every starter on a thread of its own and the CLI's process, released at once. Once
    one holds the lock, the emulator answers slowly until all the others have answered
    (or the holder is done): the holder keeps the lock while they try."""
    barrier = threading.Barrier(len(starters) + 1)
    errors: list[BaseException] = []

    def run(starter: Callable[[], object]) -> None:
        barrier.wait()
        try:
            starter()
        except BaseException as error:  # reported below, not lost in a thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(s,)) for s in starters.values()]
    for thread in threads:
        thread.start()
    barrier.wait()
    assert cue.stdin is not None
    cue.stdin.write("go\n")
    cue.stdin.flush()
    deadline = time.monotonic() + 120
    while (first := read_lease(scene.store, scene.connection_id)) is None:
        assert time.monotonic() < deadline, "no starter took the lock"
        time.sleep(0.005)
    scene.cc.control.post("/faults", json={"latency_ms": LATENCY_MS}).raise_for_status()

    def holding() -> bool:  # the first holder, while some other starter is still trying
        lease = read_lease(scene.store, scene.connection_id)
        tried = sum(not t.is_alive() for t in threads) + (cue.poll() is not None)
        return lease is not None and lease.owner == first.owner and tried < len(threads)

    while holding():
        assert time.monotonic() < deadline, "the starters never answered"
        time.sleep(0.05)
    scene.cc.control.post("/faults", json={}).raise_for_status()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [], errors


def test_four_starters_at_one_instant_one_runs_the_others_refused_and_none_lost(
    scene: Scene,  # noqa: F811
    worker: Worker,
    browser: TestClient,
) -> None:
    cli = cli_on_cue(scene, "push", "--list", "News", "--json")
    linked(scene, "zoë.müller@example.org", "ZOE.Mueller@Example.org", "grace@example.org")
    scene.add_account("N1", "hong.dang@example.vn", "Đặng", "Hồng")  # the push creates her
    # a reconciliation too: it gathers before the lock, and unsubscribes in CC inside it
    scene.opt_out_in_the_crm("A2")
    scheduler = Scheduler(scene.store, worker.registry)
    slot = unsubscribes_slot(scheduler)
    entry = worker.queued(datetime.now(UTC))
    token = csrf_of(browser.get("/sync").text)
    ready(cli)
    said: dict[str, str] = {}

    def the_web() -> None:
        answer = browser.post("/sync/import", data={"csrf_token": token}, follow_redirects=False)
        said["web"] = web_said(browser, answer)

    def the_worker() -> None:
        said["worker"] = " ".join(worker.serve(entry))

    def the_scheduler() -> None:
        scheduler.run_slot(slot)
        said["scheduler"] = scheduler.events[-1]

    try:
        together(scene, {"web": the_web, "worker": the_worker, "scheduler": the_scheduler}, cli)
        out, err = cli.communicate(timeout=120)
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.communicate()
    said["cli"] = f"exit {cli.returncode} {out} {err}"

    ran = {
        "scheduler": said["scheduler"].endswith(f"{slot.label} ran"),
        "cli": cli.returncode == 0,
        "web": "import run" in said["web"] and BUSY not in said["web"],
        "worker": said["worker"].startswith(DONE),
    }
    words = "\n".join(f"{k}: {v}" for k, v in said.items())
    # One at the instant. A starter slowed past the holder's end (a loaded machine) finds
    # the lock free then and runs after it, never beside it (the spans below).
    assert 1 <= sum(ran.values()) < len(ran), words
    for loser in [name for name, yes in ran.items() if not yes]:
        assert BUSY in said[loser], (loser, said[loser])
        assert "Traceback" not in said[loser]
    if not ran["cli"]:
        assert cli.returncode == 3, said["cli"]
    if not ran["worker"]:
        # not skipped: queued again, waiting for its retry in a minute
        waiting = f"{QUEUED} waiting for the lock: {BUSY}"
        assert said["worker"].startswith(waiting), said["worker"]
        assert said["worker"].endswith(" (local time) (refused once)"), said["worker"]
        [retry] = worker.retries
        assert (retry.when, retry.sig.kwargs) == (60, {"refusals": 1})
    else:
        assert worker.retries == []
    if not ran["scheduler"]:
        # not started (nothing would fire a retry): tests/runner/test_scheduler_retry.py
        assert "waiting for the next slot" in said["scheduler"]
    runs = list_runs(scene.store, scene.connection_id)[:-1]  # not linked()'s import
    assert len(runs) == sum(ran.values()), [(r.kind, r.started_by) for r in runs]
    spans = sorted((r.started_at, r.finished_at) for r in runs)
    assert all(a[1] is not None and a[1] <= b[0] for a, b in itertools.pairwise(spans)), spans
    print("concurrency: ran", sorted(n for n, yes in ran.items() if yes), "of", sorted(ran))

    none_lost(scene, worker, entry, scheduler, slot, browser, ran)


def none_lost(
    scene: Scene,  # noqa: F811
    worker: Worker,
    entry_id: int,
    scheduler: Scheduler,
    slot: Slot,
    browser: TestClient,
    ran: dict[str, bool],
) -> None:
    """Each refused starter, once the winner is done, runs: the slot at its next firing,
    the worker's at its retry (the tick meanwhile leaves its one place in the queue be),
    the CLI and the button again."""
    before = len(list_runs(scene.store, scene.connection_id))
    if not ran["scheduler"]:
        scheduler.run_slot(slot)
        assert scheduler.events[-1].endswith(f"{slot.label} ran"), scheduler.events
    if not ran["worker"]:
        sent = Sent()
        enqueue_due(scene.store, worker.registry, sent, datetime.now(UTC))
        assert [job for _, job, _ in sent.args if job == UNSUBSCRIBES] == []
        [retry] = worker.retries
        assert worker.serve(entry_id, **retry.sig.kwargs)[0] == DONE
    if not ran["cli"]:
        again = scene.cli("push", "--list", "News", "--json")
        assert again.exit_code == 0, again.output
    if not ran["web"]:
        assert "import run" in web_said(browser, start(browser, "import"))
    assert len(list_runs(scene.store, scene.connection_id)) == before + 4 - sum(ran.values())


@dataclass
class Sent:
    """The tick's broker: what it sends, as Celery's `send_task` takes it."""

    args: list[list[Any]]

    def __init__(self) -> None:
        self.args = []

    def send_task(self, _name: str, *, args: list[Any], queue: str, task_id: str) -> None:
        self.args.append(args)


def test_each_celery_app_keeps_its_own_store_s_tasks(store: Store, tmp_path: Path) -> None:
    """Celery's tasks are shared across apps by default: a second app of the process kept
    the first one's schedule task, working on the first app's store."""
    other = open_store(f"sqlite:///{tmp_path / 'other.db'}")
    apps = [Celery(f"listbridge-test-{n}", broker="memory://", set_as_current=False)
            for n in range(2)]  # fmt: skip
    try:
        for app, each in zip(apps, (store, other), strict=True):
            register_tasks(app, each, default_registry())
        first, second = (app.tasks[SCHEDULE_TASK] for app in apps)
        assert first.run is not second.run
        entry = enqueue(other, connection_id(other, "default"), UNSUBSCRIBES, ORIGIN,
                        datetime.now(UTC), task_id=uuid.uuid4().hex)  # fmt: skip
        assert entry is not None
        second.apply(args=[entry, UNSUBSCRIBES, connection_id(other, "default")], throw=True)
        done = get_entry(other, entry)
        assert done is not None
        assert done.state == FAILED  # not connected, said on the other store's entry
        assert "not connected" in done.message
    finally:
        other.close()
