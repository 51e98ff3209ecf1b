"""Migration 0024 (web_login_failures.in_flight) on both backends: the failures an older
listbridge kept are failures after `db upgrade`, still locking what they locked, and a
downgrade keeps every row (an attempt in flight is a failure again, as it was before).
tests/reliability/test_upgrade_every_version.py walks every revision with rows in every
table; here, what the rows mean."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import column, table, text
from tests.conftest import Cli

from listbridge.core.login_limit import DEFAULT_LIMIT
from listbridge.store.db import Store
from listbridge.store.migrate import current_revision, downgrade
from listbridge.store.types import UTCDateTime
from listbridge.store.web_sessions import failures_since, login_locked_for, record_failure

pytestmark = pytest.mark.db

NOW = datetime.now(UTC).replace(microsecond=0)
#: web_login_failures as 0023 has it: no in_flight column
BEFORE_0024 = table(
    "web_login_failures", column("user_key"), column("address"), column("at", UTCDateTime())
)


def test_failures_kept_before_0024_are_failures_after_it(db_url: str, store: Store) -> None:
    downgrade(store.engine, "0023")
    with store.engine.begin() as conn:  # an older listbridge's failures
        conn.execute(
            BEFORE_0024.insert(),
            [
                {"user_key": "ann", "address": "203.0.113.9", "at": NOW - timedelta(minutes=m)}
                for m in range(DEFAULT_LIMIT.per_user)
            ],
        )
    store.engine.dispose()
    upgraded = Cli(db_url)("db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert "upgraded to revision 0024" in upgraded.stdout
    since = NOW - DEFAULT_LIMIT.window
    assert failures_since(store, user_key="ann", address="203.0.113.9", since=since) == 5
    wait = login_locked_for(store, "ann", "198.51.100.4", NOW)
    assert wait == DEFAULT_LIMIT.window - timedelta(minutes=4)


def test_a_downgrade_keeps_attempts_in_flight_as_failures(store: Store) -> None:
    record_failure(store, "ann", "203.0.113.9", NOW)
    record_failure(store, "bob", "203.0.113.9", NOW, in_flight=True)
    downgrade(store.engine, "0023")
    assert current_revision(store.engine) == "0023"
    with store.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT user_key, address FROM web_login_failures ORDER BY user_key")
        ).all()
    assert [tuple(row) for row in rows] == [("ann", "203.0.113.9"), ("bob", "203.0.113.9")]
