"""The CRM's database going away in the middle of a job, and a CRM whose schema lacks
what the adapter reads: the user gets the CLI's message and exit code (5, the run
interrupted and resumable; 2, run `crm check`), never the driver's traceback, and once
the database is back, running the job again finishes it with no one created twice.

CiviCRM on MariaDB, reached through a loopback relay the test cuts (tests/support/tcp_proxy.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine, make_url
from tests.conftest import Cli
from tests.constant_contact.conftest import (  # noqa: F401  (fixtures used here)
    CcEmulator,
    cc,
    cc_emulator_config,
    secret_key_file,
    wired,
)
from tests.support.civicrm_db import civicrm_engine
from tests.support.civicrm_schema import civicrm_contact, civicrm_email
from tests.support.tcp_proxy import TcpRelay

from listbridge.constant_contact.models import ContactBody
from listbridge.core.runs import RunStatus
from listbridge.crm.engines import dispose_engines
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.runs import list_runs
from listbridge.sync.imports import apply as imports_apply
from listbridge.sync.imports import batches as imports_batches
from listbridge.sync.imports import source as imports_source

PEOPLE = 5


@pytest.fixture
def civicrm() -> Iterator[Engine]:
    with civicrm_engine("mariadb") as engine:
        yield engine
    dispose_engines()


@pytest.fixture
def relay(civicrm: Engine) -> Iterator[TcpRelay]:
    url = civicrm.url
    relay = TcpRelay((url.host or "127.0.0.1", url.port or 3306))
    relay.restore()
    yield relay
    relay.cut()


def _connect(cli: Cli, wired: CcEmulator, url: str) -> None:  # noqa: F811
    assert cli("connect", "--emulator", wired.base_url).exit_code == 0
    chosen = cli("crm", "use", "civicrm", "--url", url)
    assert chosen.exit_code == 0, chosen.output
    news = wired.client().create_list("News").list_id
    for n in range(PEOPLE):
        body: dict[str, Any] = {
            "email_address": {
                "address": f"person{n}@example.org",
                "permission_to_send": "implicit",
            },
            "first_name": f"Person{n}",
            "create_source": "Account",
            "list_memberships": [news],
        }
        wired.client().create_contact(ContactBody.model_validate(body))


def _through(relay: TcpRelay, civicrm: Engine) -> str:
    return civicrm.url.set(host="127.0.0.1", port=relay.port).render_as_string(False)


def _cut_after_first_batch(relay: TcpRelay) -> Callable[..., None]:
    original = imports_apply._save_links
    calls = []

    def saving(*args: Any) -> None:
        original(*args)
        calls.append(1)
        if len(calls) == 1:
            relay.cut()

    return saving


def _people(civicrm: Engine) -> list[str]:
    with civicrm.connect() as conn:
        query = select(civicrm_email.c.email).join(
            civicrm_contact, civicrm_contact.c.id == civicrm_email.c.contact_id
        )
        return sorted(conn.scalars(query))


def test_the_crm_gone_mid_import_interrupts_the_run_and_a_rerun_finishes(
    cli: Cli,
    store: Store,
    wired: CcEmulator,  # noqa: F811
    relay: TcpRelay,
    civicrm: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _connect(cli, wired, _through(relay, civicrm))
    # Batches of two, so that the relay is cut between the first batch and the second.
    monkeypatch.setattr(imports_batches, "BATCH", 2)
    monkeypatch.setattr(imports_source, "BATCH", 2)
    with monkeypatch.context() as patched:
        patched.setattr(imports_apply, "_save_links", _cut_after_first_batch(relay))
        stopped = cli("import", "--list", "News")
    assert stopped.exit_code == 5, stopped.output
    run = list_runs(store, connection_id(store, "default"), kind="import")[0]
    where = f"the CRM database at 127.0.0.1:{relay.port} (database {civicrm.url.database})"
    assert f"{where} does not answer" in stopped.stderr
    assert f"the run {run.run_id} is interrupted and resumes" in stopped.stderr
    assert "Traceback" not in stopped.output
    assert "pymysql" not in stopped.stderr
    assert run.status is RunStatus.INTERRUPTED
    assert len(_people(civicrm)) == 2  # the first batch stands, committed with its journal

    relay.restore()
    again = cli("import", "--list", "News", "--json")
    assert again.exit_code == 0, again.output
    result = json.loads(again.stdout)
    # the first batch's two are linked already (the re-run reads them again, as the
    # interrupted run did not move the import's cursor): only the other three are created
    assert (result["created"], result["matched"]) == (PEOPLE - 2, 2), result
    assert _people(civicrm) == [f"person{n}@example.org" for n in range(PEOPLE)]


def test_a_crm_database_that_never_answers_is_exit_5_naming_it(
    cli: Cli,
    wired: CcEmulator,  # noqa: F811
    relay: TcpRelay,
    civicrm: Engine,
) -> None:
    _connect(cli, wired, _through(relay, civicrm))
    relay.cut()
    dispose_engines()  # no pooled connection left from `crm use`
    answer = cli("import", "--list", "News")
    assert answer.exit_code == 5, answer.output
    assert f"127.0.0.1:{relay.port} (database {civicrm.url.database}) does not answer" in (
        answer.stderr
    )
    assert "Traceback" not in answer.output


def test_a_crm_column_gone_is_exit_2_pointing_at_crm_check(
    cli: Cli,
    wired: CcEmulator,  # noqa: F811
    civicrm: Engine,
) -> None:
    url = civicrm.url.render_as_string(False)
    _connect(cli, wired, url)
    with civicrm.begin() as conn:
        conn.execute(text("ALTER TABLE civicrm_contact DROP COLUMN is_opt_out"))
    answer = cli("import", "--list", "News")
    assert answer.exit_code == 2, answer.output
    assert "is_opt_out" in answer.stderr
    assert "`listbridge crm check` lists every difference" in answer.stderr
    assert make_url(url).password is None or make_url(url).password not in answer.output
