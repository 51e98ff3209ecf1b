"""The web admin under load (issue 20, Load), in CI's bounded form: ten signed-in people
browse every screen over real HTTP (`listbridge serve`) while a push of the sample CRM
runs in its own process against an emulator held to Constant Contact's 4 requests/s.

No page fails, the push ends as it would alone, and the emulator's counters show the rate
limit held for the push and the screens together: they are two processes spending one
account's calls, so they share its limit through Redis, as a multi-process install does
(docs/scale-out.md; without it each process keeps 4/s of its own and Constant Contact
answers the odd 429, which the client waits out).
Page times are printed, not judged: speed is measured by bench/web_load.py (50 people, a
100,000-account push)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from tests.reliability.web_load import browse_while, busiest_second, served, summary
from tests.support.emulator_process import emulator_process
from tests.support.net import free_port

from listbridge.core.permissions import Permission
from listbridge.sample import Sizes, generate
from listbridge.sample.files import write_file
from listbridge.store.db import open_store
from listbridge.store.users import add_group, add_user, grant

LISTBRIDGE = [sys.executable, "-m", "listbridge"]
PASSWORD = "a long passphrase for the load test"
PEOPLE = 10
RATE = 4
SHARED_LIMIT = {"LISTBRIDGE_RATE_LIMIT_URL": "redis://127.0.0.1:6379/12"}
BROWSE_AT_LEAST_S = 6


def cli(db_url: str, *args: str) -> str:
    done = subprocess.run(
        [*LISTBRIDGE, "--db", db_url, *args],
        env={**os.environ, **SHARED_LIMIT},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"listbridge {' '.join(args)}: {done.stderr[-2000:]}"
    return done.stdout


def screens(account_ids: list[str]) -> list[tuple[str, str]]:
    """Every screen of design.md's web admin paths a person with `view` may open."""
    return [
        ("/", "/"),
        ("/setup", "/setup"),
        ("/getting-started", "/getting-started"),
        ("/settings", "/settings"),
        ("/sync", "/sync"),
        ("/lists", "/lists"),
        ("/lists/{name}", "/lists/Newsletter"),
        ("/accounts", "/accounts"),
        ("/accounts?q=", "/accounts?q=smith"),
        *(("/accounts/{id}", f"/accounts/{i}") for i in account_ids),
        ("/stats", "/stats"),
        ("/audit", "/audit"),
        ("/connections", "/connections"),
    ]


@pytest.mark.slow
def test_ten_people_browse_while_a_push_runs(tmp_path: Path) -> None:
    sample = generate(20, Sizes(people=160, organizations=24, newcomers=0))
    db_url = f"sqlite:///{tmp_path / 'listbridge.db'}"
    with emulator_process("--rate-limit", str(RATE)) as emulator:
        cli(db_url, "connect", "--emulator", emulator)
        cli(db_url, "crm", "load", str(write_file(sample, tmp_path)))
        # the push measured is this test's own: serve's scheduler runs nothing meanwhile
        cli(db_url, "settings", "set", "sync.enabled=false")
        cli(db_url, "lists", "create", "Newsletter")
        people = [("admin", PASSWORD)] + [(f"staff{n}", PASSWORD) for n in range(1, PEOPLE)]
        store = open_store(db_url)
        try:  # users as `listbridge users add` makes them, without a process each
            add_group(store, "staff")
            grant(store, "staff", Permission.VIEW)
            add_user(store, "admin", PASSWORD, admin=True)
            for name, _ in people[1:]:
                add_user(store, name, PASSWORD, groups=["staff"])
        finally:
            store.close()
        control = f"{emulator}/__emulator__"
        httpx.post(f"{control}/counters/reset").raise_for_status()
        account_ids = [a.id for a in sample.accounts[::37]]
        with served(db_url, free_port(), env=SHARED_LIMIT) as web:
            push = subprocess.Popen(
                [*LISTBRIDGE, "--db", db_url, "push", "--list", "Newsletter", "--json"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ, **SHARED_LIMIT, "COLUMNS": "200"},
            )
            # at least a few seconds of browsing, however soon the push ends
            floor = time.monotonic() + BROWSE_AT_LEAST_S
            answers = browse_while(
                web,
                people,
                screens(account_ids),
                lambda: push.poll() is None or time.monotonic() < floor,
            )
            out, err = push.communicate(timeout=300)
        counters = httpx.get(f"{control}/counters").json()
        again = json.loads(cli(db_url, "push", "--list", "Newsletter", "--json"))

    figures = summary(answers)
    print(json.dumps({"people": PEOPLE, **figures, "errors": figures["errors"][:20]}, indent=1))
    assert push.returncode == 0, err[-2000:]
    pushed = json.loads(out)
    assert pushed["created"] > 100, pushed
    assert figures["errors"] == []
    assert figures["overall"]["pages"] >= 2 * PEOPLE, "each person saw at least two screens"
    assert len(figures["screens"]) >= 8, figures["screens"].keys()
    assert counters["too_many_requests"] == 0, counters
    assert busiest_second(counters) <= RATE, counters["by_second"]
    assert (again["created"], again["not_pushed"]) == (0, pushed["not_pushed"]), again
