"""`listbridge demo`: the sample CRM, an in-process emulator, a real connection and import."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import inspect, text
from tests.conftest import Cli

from listbridge.constant_contact.config import API_BASE, AUTH_BASE, DEFAULT_REDIRECT
from listbridge.core.accounts import Account, AccountType, FieldType
from listbridge.core.emails import is_role_address, match_key
from listbridge.core.import_plan import Reason
from listbridge.core.tokens import AccountIdentity, OAuthApp, TokenSet
from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.crm.builtin.demo_data import load_sample_crm
from listbridge.emulator.campaigns import Track, campaign_store
from listbridge.emulator.model import Contact
from listbridge.emulator.state import EmulatorState
from listbridge.sample import demo_sample
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.secretbox import secret_box
from listbridge.store.tokens import load_connection, save_connection
from listbridge.sync.demo.job import DEMO_CAMPAIGNS, DemoRun, demo_run

SUMMARY = [
    "accounts:        400 (individual 320, organization 80)",
    "custom fields:   Donations (number), Member Level (choice: Gold/Silver/Bronze), "
    "Volunteer Since (date)",
]

COUNT_LINE = re.compile(r"^  (attempted|created|matched|not imported): +(\d+)$", re.MULTILINE)


@pytest.fixture(autouse=True)
def secret_key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo connects, so it stores encrypted tokens: its own key file, never ~/.config."""
    path = tmp_path / "keys" / "secret.key"
    monkeypatch.setenv("LISTBRIDGE_KEY_FILE", str(path))
    monkeypatch.delenv("LISTBRIDGE_SECRET_KEY", raising=False)
    return path


def test_demo_loads_the_sample_into_the_given_database(cli: Cli, store: Store) -> None:
    done = cli("demo")
    assert done.exit_code == 0, done.output
    for line in SUMMARY:
        assert line in done.stdout
    for label in ("email opted out:", "deceased:", "do not contact:", "role addresses:"):
        assert label in done.stdout
    assert "shared emails:   35 address(es) used by 81 accounts" in done.stdout
    assert f"listbridge --db {store.url} crm show P0001" in done.stdout
    crm = BuiltinCrm(store, connection_id(store, "default"))
    assert {f.name: f.type for f in crm.custom_fields()}["Donations"] is FieldType.NUMBER
    household = demo_sample().cast.households[0]
    address = next(a.email for a in demo_sample().accounts if a.id == household[0])
    assert len(crm.find_by_email(address)) == len(household) >= 2
    again = cli("demo")
    assert again.exit_code == 0, again.output
    # The sample loads again over itself; the first demo's import added its new people, and
    # the second finds them linked instead of creating them twice.
    first, second = (dict(COUNT_LINE.findall(run.stdout)) for run in (done, again))
    created = int(first["created"])
    assert f"accounts:        {400 + created} (individual {320 + created}, " in again.stdout
    assert second["created"] == "0"
    assert second["attempted"] == first["attempted"]


def test_demo_without_db_recreates_listbridge_demo_db(tmp_path: Path) -> None:
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-m", "listbridge", "demo"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "sample CRM loaded into sqlite:///listbridge-demo.db (run 1)" in done.stdout
        assert SUMMARY[0] in done.stdout
    assert (tmp_path / "listbridge-demo.db").is_file()


def test_demo_connects_imports_and_shows_lists(cli: Cli) -> None:
    done = cli("demo")
    assert done.exit_code == 0, done.output
    assert "Constant Contact (emulator at http://127.0.0.1:" in done.stdout
    assert "account a07e1lbemu1acc" in done.stdout
    counts = {key: int(n) for key, n in COUNT_LINE.findall(done.stdout)}
    assert counts["attempted"] == counts["created"] + counts["matched"] + counts["not imported"]
    assert min(counts["created"], counts["matched"], counts["not imported"]) > 0
    assert Reason.ROLE_ADDRESS.message in done.stdout
    for name in ("Newsletter", "Volunteers", "Donors"):
        assert re.search(rf"^  {name} +\d+ in Constant Contact, +\d+ linked", done.stdout, re.M)
    assert "connected to Listbridge Emulated Nonprofit" in done.stderr
    assert "listbridge demo --serve" in done.stdout


def _loaded(store: Store) -> int:
    cid = connection_id(store, "default")
    load_sample_crm(store, cid, started_by="tests")
    return cid


def _people_by_email(store: Store, cid: int) -> dict[str, list[Account]]:
    people: dict[str, list[Account]] = {}
    for account in BuiltinCrm(store, cid).changed_since(None):
        if account.type is AccountType.INDIVIDUAL:
            for email in {match_key(e) for e in (account.email, account.email2, account.email3)}:
                people.setdefault(email, []).append(account)
    return people


def _campaign_optouts(state: EmulatorState) -> list[Track]:
    store = campaign_store(state)
    return [t for activity in store.rows for t in store.tracks(activity, "optouts")]


def _expected(
    contacts: list[Contact], crm: dict[str, list[Account]], unsubscribed: set[str]
) -> tuple[Counter[str], Counter[str]]:
    """The import's counts, worked out again from the emulator's audience and the CRM
    as it was before the import (design.md's matching, default settings)."""
    counts: Counter[str] = Counter(attempted=len(contacts))
    reasons: Counter[str] = Counter()
    claims: Counter[str] = Counter()
    for contact in contacts:
        email = contact.email or ""
        people = crm.get(match_key(email), [])
        if len(people) > 1:
            names = (contact.first_name, contact.last_name)
            people = [a for a in people if (a.first_name, a.last_name) == names] or people
        reason = _reason(email, people, contact.contact_id in unsubscribed)
        if reason is not None:
            reasons[reason.message] += 1
        elif people:
            claims[people[0].id] += 1
        counts["not_imported" if reason else "matched" if people else "created"] += 1
    # Someone who signed up with two of their addresses: one contact links, the other
    # finds the account taken (whichever comes first: those addresses are theirs alone).
    taken = sum(n - 1 for n in claims.values())
    counts.update(matched=-taken, not_imported=taken)
    reasons[Reason.ACCOUNT_TAKEN.message] += taken
    return counts, reasons


def _reason(email: str, people: list[Account], unsubscribed: bool) -> Reason | None:
    if is_role_address(email):
        return Reason.ROLE_ADDRESS
    if len(people) > 1:
        return Reason.AMBIGUOUS_IGNORED
    if not people and unsubscribed:
        return Reason.UNSUBSCRIBED_NO_ACCOUNT
    return None


def test_demo_counts_match_the_emulators_audience(store: Store) -> None:
    cid = _loaded(store)
    before = _people_by_email(store, cid)
    with demo_run(store, cid) as run:
        contacts = list(run.state.contacts.by_id.values())
        # the demo's campaigns, sent after the import, made real opt-outs of their own
        later = {t.contact_id for t in _campaign_optouts(run.state)}
    assert run.stats.count("campaigns") == DEMO_CAMPAIGNS
    unsubscribed = {c.contact_id for c in contacts if c.is_unsubscribed} - later
    counts, reasons = _expected(contacts, before, unsubscribed)
    imported = run.imported
    assert {k: imported.count(k) for k in counts} == dict(counts)
    assert imported.count("attempted") == sum(imported.count(k) for k in COUNTED)
    assert run.not_imported_by_reason() == reasons
    # The audience is the realistic mix the brief promises, not a lucky subset of it.
    assert set(reasons) == {
        Reason.ROLE_ADDRESS.message,
        Reason.UNSUBSCRIBED_NO_ACCOUNT.message,
        Reason.AMBIGUOUS_IGNORED.message,
        Reason.ACCOUNT_TAKEN.message,
    }
    assert len(unsubscribed) == 13
    # The eleven who unsubscribed and are in the CRM carry their opt-out over to the
    # account each is linked to (a household's: the one named as the contact).
    gone = unsubscribed
    known_gone = [
        c for c in contacts if c.contact_id in gone and match_key(c.email or "") in before
    ]
    linked = [a for a in BuiltinCrm(store, cid).changed_since(None) if a.cc_contact_id in gone]
    assert len(known_gone) == len(linked) == 11
    assert all(account.email_opt_out for account in linked)
    assert {lst.name for lst in run.lists} == {"Newsletter", "Volunteers", "Donors"}
    assert sum(lst.crm_members for lst in run.lists) > 0


COUNTED = ("created", "matched", "not_imported")


def _every_value(store: Store) -> str:
    with store.engine.connect() as conn:
        tables = inspect(conn).get_table_names()
        rows = [conn.execute(text(f'SELECT * FROM "{t}"')).all() for t in tables]
    return repr(rows)


def test_demo_keeps_no_token_in_clear_text(store: Store) -> None:
    cid = _loaded(store)
    with demo_run(store, cid) as run:
        issued = _tokens(run)
    assert issued, "the demo connected without a token"
    stored = _every_value(store)
    assert all(token not in stored for token in issued)
    record = load_connection(store, cid, secret_box(store))
    assert record is not None
    assert record.has_tokens


def _tokens(run: DemoRun) -> list[str]:
    with run.state.lock:
        return [token.value for token in run.state.tokens.values()]


def test_demo_serve_keeps_the_emulator_up_until_ctrl_c(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'served.db'}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    command = [sys.executable, "-m", "listbridge", "--db", db, "demo", "--serve"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as demo:
        try:
            url = _served_url(demo)
            assert httpx.get(f"{url}/v3/contact_lists").status_code == 401
            lists = subprocess.run(
                [sys.executable, "-m", "listbridge", "--db", db, "lists", "ls", "--json"],
                capture_output=True,
                text=True,
                timeout=120,
                env=env,
            )
            assert lists.returncode == 0, lists.stderr
            assert '"name": "Newsletter"' in lists.stdout
            assert _scheduled_reconciliation(db, env)["status"] == "succeeded"
        finally:
            demo.send_signal(signal.SIGINT)
        assert demo.wait(timeout=60) == 0
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/v3/contact_lists")


def _scheduled_reconciliation(db: str, env: dict[str, str]) -> dict[str, object]:
    """The in-process scheduler's first unsubscribe reconciliation (due at once: none ran yet)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        listed = subprocess.run(
            [sys.executable, "-m", "listbridge", "--db", db, "runs", "ls", "--json"],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        assert listed.returncode == 0, listed.stderr
        done = [
            run
            for run in json.loads(listed.stdout)
            if run["kind"] == "unsubscribes" and run["status"] != "running"
        ]
        if done:
            return done[0]
        time.sleep(0.5)
    raise AssertionError("the served demo's scheduler ran no unsubscribe reconciliation")


def _served_url(demo: subprocess.Popen[str]) -> str:
    assert demo.stdout is not None
    for line in demo.stdout:
        found = re.match(r"serving the emulator at (http://\S+) ", line)
        if found:
            return found.group(1)
    raise AssertionError(f"the demo ended ({demo.wait()}) without serving")


def test_demo_refuses_a_database_connected_to_a_real_account(cli: Cli, store: Store) -> None:
    cid = connection_id(store, "default")
    now = datetime.now(UTC)
    app = OAuthApp("real-app", API_BASE, AUTH_BASE, DEFAULT_REDIRECT)
    tokens = TokenSet("access", "refresh", now, now + timedelta(hours=24))
    save_connection(store, cid, secret_box(store), app, tokens, AccountIdentity("acc-1"))
    done = cli("demo")
    assert done.exit_code == 2
    assert f"connected to Constant Contact at {API_BASE}" in done.output
    assert BuiltinCrm(store, cid).get("P0001") is None
    record = load_connection(store, cid, secret_box(store))
    assert record is not None
    assert record.app.client_id == "real-app"
