"""The demo's second half: an in-process emulator, a real connection, a real import.

Nothing here is a shortcut around the product: the emulator is a real HTTP server on
loopback, the connection goes through the PKCE code flow (approved headlessly, as
``connect --emulator`` does), and the import and list overview are the jobs the CLI runs.
Only the audience is put straight into the emulator's memory (sync/demo/audience.py).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from listbridge.constant_contact import oauth
from listbridge.constant_contact.config import DEFAULT_REDIRECT
from listbridge.core.errors import UserError
from listbridge.core.import_plan import Reason
from listbridge.core.tokens import AccountIdentity, OAuthApp
from listbridge.emulator.campaign_send import seed_campaigns
from listbridge.emulator.config import EmulatorConfig
from listbridge.emulator.state import EmulatorState
from listbridge.emulator.testing import running_emulator
from listbridge.sample import demo_sample
from listbridge.store.db import Store
from listbridge.store.secretbox import secret_box
from listbridge.store.tokens import load_connection
from listbridge.sync.cc_connection import connect
from listbridge.sync.demo.audience import seed_audience
from listbridge.sync.imports.job import ImportRequest, ImportResult, Progress, run_import
from listbridge.sync.job import JobStart
from listbridge.sync.lists.overview import ListOverview, list_overview
from listbridge.sync.stats import StatsResult, pull_stats

CLIENT_ID = "listbridge-demo"
#: campaigns the demo's emulator has sent before the first stats pull, a day apart
DEMO_CAMPAIGNS = 3
Say = Callable[[str], None]


def _silent(_line: str) -> None:
    return None


def _no_progress(_label: str, _counts: Counter[str]) -> None:
    return None


@dataclass(frozen=True)
class DemoRun:
    emulator_url: str
    state: EmulatorState  # the emulator's memory, for tests that check the counts against it
    identity: AccountIdentity
    imported: ImportResult
    lists: list[ListOverview]
    stats: StatsResult

    def not_imported_by_reason(self) -> Counter[str]:
        return Counter(reason_group(e.reason) for e in self.imported.errors)


def reason_group(text: str) -> str:
    """An error's reason without its detail ("accounts P0006, P0007"), for counting."""
    return next((r.message for r in Reason if text.startswith(r.message)), text)


def refuse_real_connection(store: Store, connection_id: int) -> None:
    """The demo connects its database to an emulator: never over a real account's tokens."""
    record = load_connection(store, connection_id, secret_box(store))
    if record is None or not record.has_tokens:
        return
    host = httpx.URL(record.app.api_base).host
    if not (host.startswith("127.") or host in ("localhost", "::1")):
        raise UserError(
            f"this database is connected to Constant Contact at {record.app.api_base}; "
            "run the demo on its own database (leave out --db)"
        )


@contextmanager
def demo_run(
    store: Store,
    connection_id: int,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    say: Say = _silent,
    progress: Progress = _no_progress,
) -> Iterator[DemoRun]:
    """Start, seed, connect, import, send campaigns and pull their results; the emulator
    serves until the block ends."""
    state = EmulatorState()
    sample = demo_sample()
    seed_audience(state, sample)
    config = EmulatorConfig(host=host, auto_approve=True, testing_controls=True)
    with running_emulator(config, state, port) as url:
        say(f"emulator: {len(sample.contacts)} contacts in {len(state.lists)} lists at {url}")
        identity = connect(store, connection_id, demo_app(url), _approve).identity
        say(f"connected to {identity.organization_name} (PKCE code flow, approved headlessly)")
        imported = run_import(
            JobStart(store, connection_id, "demo"), ImportRequest(report=progress)
        )
        # Sent after the import, as an organisation's newsletters go out to its members.
        seed_campaigns(state, DEMO_CAMPAIGNS, seed=7)
        say(f"emulator: {DEMO_CAMPAIGNS} campaigns sent to the sample lists, a day apart")
        stats = pull_stats(JobStart(store, connection_id, "demo"))
        lists = list_overview(store, connection_id)
        yield DemoRun(url, state, identity, imported, lists, stats)


def demo_app(url: str) -> OAuthApp:
    return OAuthApp(CLIENT_ID, f"{url}/v3", f"{url}/oauth2/default/v1", DEFAULT_REDIRECT)


def _approve(pending: oauth.PendingAuthorization, http: httpx.Client) -> str:
    return oauth.follow_authorize(http, pending)


def wait_until_interrupted() -> None:
    """Block the main thread (the emulator serves from its own) until Ctrl-C."""
    while True:
        time.sleep(3600)
