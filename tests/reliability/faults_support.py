"""One job under one fault, then again without it: the scene and the state compared.

A `Round` is a fresh state store, connected through the CLI to the test's one emulator
(emptied between rounds; a reset keeps its tokens and clients), with the builtin CRM.
`Scenario` builds a job's world in a round (`prepare`), runs the job (`run`) and reads
the final state of both sides by e-mail address, never by id (`snapshot`), so the state
after a fault and a re-run can be compared with a round that saw no fault.

Clients the CLI opens retry and back off in compressed time (`fast_clients`): a fault
storm costs requests, not seconds. Responses are not held to the spec here: a cut-short
body is the fault itself.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from tests.conftest import Cli, empty_store_url
from tests.constant_contact.conftest import CcEmulator
from tests.support.conformance import check_request
from typer.testing import Result

from listbridge.constant_contact.limiter import Limiter
from listbridge.constant_contact.polling import Poller
from listbridge.core.accounts import Account
from listbridge.core.runs import RunStatus
from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.store.connections import connection_id
from listbridge.store.db import Store, open_store
from listbridge.store.models import CampaignEvent, CcLink
from listbridge.store.runs import list_runs
from listbridge.sync import cc_connection

#: what a job may end with under a fault: done, reconnect (4), service failing (5)
CLEAN_EXITS = (0, 4, 5)


def compressed_sleep(seconds: float) -> None:
    time.sleep(min(seconds, 0.005))


@pytest.fixture
def fast_clients(cc: CcEmulator, monkeypatch: pytest.MonkeyPatch) -> list[Callable[..., Any]]:
    """Every client the CLI opens: requests checked against the spec, retries and
    limiter pauses compressed, bulk activities polled from 20 ms. The returned list of
    request hooks is where a test puts a fault that starts mid-run."""
    hooks: list[Callable[..., Any]] = [check_request]
    limiter = Limiter(50.0, sleep=compressed_sleep)
    monkeypatch.setattr(
        cc_connection,
        "CLIENT_OPTIONS",
        {"event_hooks": {"request": hooks}, "limiter": limiter, "sleep": compressed_sleep},
    )
    for name in ("wait", "wait_all"):
        slow = getattr(Poller, name)

        def quick(self: Poller, *args: Any, _slow: Any = slow, **kw: Any) -> Any:
            return _slow(_quick_poller(self), *args, **kw)

        monkeypatch.setattr(Poller, name, quick)
    return hooks


def _quick_poller(poller: Poller) -> Poller:
    return Poller(first=0.02, factor=2.0, cap=0.1, timeout=60, sleep=poller.sleep)


@dataclass
class Round:
    """A fresh store on `backend`, connected to the emulator; the builtin CRM."""

    cc: CcEmulator
    cli: Cli
    store: Store
    lists: dict[str, str] = field(default_factory=dict)

    @property
    def connection_id(self) -> int:
        return connection_id(self.store, "default")

    @property
    def crm(self) -> BuiltinCrm:
        return BuiltinCrm(self.store, self.connection_id)

    def run(self, *args: str) -> Result:
        return self.cli(*args)

    def ok(self, *args: str) -> dict[str, Any]:
        answer = self.cli(*args)
        assert answer.exit_code == 0, answer.output
        parsed: dict[str, Any] = json.loads(answer.stdout) if "--json" in args else {}
        return parsed

    def add_accounts(self, *accounts: Account) -> None:
        for account in accounts:
            self.crm.create(account, reason="test setup")

    def add_list(self, name: str) -> str:
        self.ok("lists", "create", name)
        with self.cc.state.lock:
            [found] = [x.list_id for x in self.cc.state.live_lists() if x.name == name]
        self.lists[name] = found
        return found

    def faults(self, **faults: Any) -> None:
        self.cc.faults(**faults)

    def links(self) -> dict[str, str]:
        query = select(CcLink.account_id, CcLink.cc_contact_id)
        with self.store.session() as session:
            rows = session.execute(query.where(CcLink.connection_id == self.connection_id))
            return {str(a): str(c) for a, c in rows}

    def last_run(self, kind: str) -> Any:
        return list_runs(self.store, self.connection_id, kind=kind)[0]

    def campaign_events(self) -> list[tuple[str, str]]:
        """(kind, e-mail of the contact) of every stored campaign row, sorted."""
        emails = self.cc_emails_by_id()
        query = select(CampaignEvent.kind, CampaignEvent.cc_contact_id).where(
            CampaignEvent.connection_id == self.connection_id
        )
        with self.store.session() as session:
            return sorted((k, emails.get(c, c)) for k, c in session.execute(query))

    def cc_emails_by_id(self) -> dict[str, str]:
        with self.cc.state.lock:
            return {c.contact_id: c.email for c in self.cc.state.contacts.by_id.values()}


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty store at the newest schema: each SQLite round copies it, not migrates."""
    path = tmp_path_factory.mktemp("faults") / "migrated.db"
    open_store(f"sqlite:///{path}").close()
    return path


class Rounds:
    """Makes the rounds of one test: each on an emptied emulator and a new store."""

    def __init__(
        self, cc: CcEmulator, backend: str, request: pytest.FixtureRequest, tmp_path: Path
    ) -> None:
        self.cc, self.backend, self.request, self.tmp_path = cc, backend, request, tmp_path
        self._stack = ExitStack()
        self.made = 0

    def new(self) -> Round:
        self.cc.control.post("/reset").raise_for_status()
        self.made += 1
        where = self.tmp_path / f"round{self.made}"
        where.mkdir()
        if self.backend == "sqlite":
            template: Path = self.request.getfixturevalue("migrated_sqlite")
            shutil.copyfile(template, where / "listbridge.db")
            url = f"sqlite:///{where / 'listbridge.db'}"
        else:
            urls = empty_store_url(self.backend, self.request, where)
            url = next(urls)
            self._stack.callback(lambda: next(urls, None))
        store = open_store(url)
        self._stack.callback(store.close)
        cli = Cli(url)
        answer = cli("connect", "--emulator", self.cc.base_url)
        assert answer.exit_code == 0, answer.output
        return Round(self.cc, cli, store)

    def close(self) -> None:
        self._stack.close()


@pytest.fixture
def rounds(
    cc: CcEmulator,
    fast_clients: list[Callable[..., Any]],
    store_backend: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> Iterator[Rounds]:
    made = Rounds(cc, store_backend, request, tmp_path)
    try:
        yield made
    finally:
        made.close()


# --- the state a job leaves, by e-mail address ---------------------------------------


def cc_side(r: Round) -> list[tuple[Any, ...]]:
    """Every live contact: address, names, consent, the names of its lists."""
    with r.cc.state.lock:
        names = {x.list_id: x.name for x in r.cc.state.live_lists()}
        return sorted(
            (
                c.email,
                c.first_name or "",
                c.last_name or "",
                c.permission,
                tuple(sorted(names[i] for i in (c.lists or ()) if i in names)),
            )
            for c in r.cc.state.contacts.by_id.values()
            if not c.is_deleted
        )


def crm_side(r: Round) -> list[tuple[Any, ...]]:
    """Every account: address, names, opt-out, the address of the contact it is linked
    to, its CRM lists."""
    emails = r.cc_emails_by_id()
    links = r.links()
    crm = r.crm
    lists = {name: set(crm.list_members(name)) for name in crm.lists()}
    return sorted(
        (
            a.email,
            a.first_name,
            a.last_name,
            a.email_opt_out,
            emails.get(links.get(a.id, ""), links.get(a.id, "")),
            tuple(sorted(n for n, members in lists.items() if a.id in members)),
        )
        for a in crm.changed_since(None)
    )


def snapshot(r: Round) -> dict[str, Any]:
    return {"cc": cc_side(r), "crm": crm_side(r), "campaign_rows": r.campaign_events()}


# --- what a stop under a fault must look like ------------------------------------------


def assert_clean_stop(answer: Result, r: Round, kind: str) -> None:
    """Exit 0, 4 or 5 with our own message; a stopped run is recorded as interrupted
    and names why; never a traceback, never "unexpected failure"."""
    text = answer.output
    assert answer.exit_code in CLEAN_EXITS, text
    assert "Traceback" not in text, text
    assert "unexpected failure" not in text, text
    if answer.exception is not None:
        assert isinstance(answer.exception, SystemExit), repr(answer.exception)
    if answer.exit_code == 0:
        return
    assert text.startswith("error: ") or "\nerror: " in text, text
    if answer.exit_code == 4:
        assert "reconnect" in text or "connect" in text, text
    run = r.last_run(kind)
    assert run.status is RunStatus.INTERRUPTED, (run.status, run.message)
    assert run.message, run


def assert_nothing_half_written(r: Round) -> None:
    """Whatever a stop left: every link leads to a live contact with one of the account's
    addresses, no contact is linked twice, no opted-out account is subscribed in CC."""
    with r.cc.state.lock:
        live = {c.contact_id: c for c in r.cc.state.contacts.by_id.values() if not c.is_deleted}
        permission = {c.email.lower(): c.permission for c in live.values()}
    links = r.links()
    assert len(set(links.values())) == len(links), links
    accounts = {a.id: a for a in r.crm.changed_since(None)}
    for account_id, contact_id in links.items():
        assert contact_id in live, (account_id, contact_id)
        wanted = {e.strip().lower() for e in accounts[account_id].emails if e}
        assert live[contact_id].email.lower() in wanted, (account_id, live[contact_id].email)
    for account in accounts.values():
        if account.email_opt_out and account.email:
            assert permission.get(account.email.strip().lower()) != "explicit", account.id


# --- one fault, one round ------------------------------------------------------------


Hooks = list[Callable[..., Any]]


@dataclass(frozen=True)
class Fault:
    """A fault as a test puts it on: the faults control's body for the whole run, or a
    request hook that starts it mid-run (`mid_run(round, hooks)` appends its hook)."""

    name: str
    control: dict[str, Any] = field(default_factory=dict)
    mid_run: Callable[[Round, Hooks], None] | None = None


@dataclass(frozen=True)
class Outcome:
    """What one faulted run did, for docs/reliability.md's figures."""

    job: str
    fault: str
    exit_code: int
    requests: int
    faulted: dict[str, int]


FIGURES_ENV = "LISTBRIDGE_FAULT_FIGURES"
#: the faults control's seed: a run meets the same faults each time it makes the same
#: requests; this one faults a run's first request at any rate (draws 0.04, 0.89, 0.58 …),
#: so a job of two requests meets its fault too
SEED = 2041


def run_under(fault: Fault, r: Round, hooks: Hooks, command: tuple[str, ...]) -> Result:
    """The command with the fault on; the fault off again when it ends."""
    r.cc.control.post("/counters/reset").raise_for_status()
    kept = list(hooks)
    if fault.control:
        r.faults(seed=SEED, **fault.control)
    if fault.mid_run is not None:
        fault.mid_run(r, hooks)
    try:
        return r.run(*command)
    finally:
        hooks[:] = kept
        r.faults()


def outcome_of(job: str, fault: Fault, answer: Result, r: Round) -> Outcome:
    counters = r.cc.counters()
    found = Outcome(job, fault.name, answer.exit_code, counters["total"], counters["faults"])
    if where := os.environ.get(FIGURES_ENV):
        with Path(where).open("a", encoding="utf-8") as out:
            out.write(json.dumps(found.__dict__) + "\n")
    return found


def revoked_at(nth: int) -> Callable[[Round, Hooks], None]:
    """Every token revoked just before the `nth` API request of the run leaves."""

    def start(r: Round, hooks: Hooks) -> None:
        seen: list[str] = []

        def revoke(request: httpx.Request) -> None:
            if request.url.path.startswith("/v3/"):
                seen.append(request.url.path)
                if len(seen) == nth:
                    r.faults(revoke_tokens=True)

        hooks.append(revoke)

    return start


def slow_from(nth: int, requests: int, latency_ms: int) -> Callable[[Round, Hooks], None]:
    """`requests` API requests, from the `nth`, answered `latency_ms` late."""

    def start(r: Round, hooks: Hooks) -> None:
        seen: list[str] = []

        def slow(request: httpx.Request) -> None:
            if request.url.path.startswith("/v3/"):
                seen.append(request.url.path)
                if len(seen) == nth:
                    r.faults(latency_ms=latency_ms)
                elif len(seen) == nth + requests:
                    r.faults()

        hooks.append(slow)

    return start


def outage_from(nth: int) -> Callable[[Round, Hooks], None]:
    """Every API request from the `nth` on answered 503: the service going down mid-run."""

    def start(r: Round, hooks: Hooks) -> None:
        seen: list[str] = []

        def down(request: httpx.Request) -> None:
            if request.url.path.startswith("/v3/"):
                seen.append(request.url.path)
                if len(seen) == nth:
                    r.faults(rate_5xx=1.0)

        hooks.append(down)

    return start
