"""What ``/connections`` shows of each named connection: its CRM, its Constant Contact
account (or whose authorisation it shares), its health as `listbridge status --offline`
reads it (store/health.py), and its last run. A page load calls no outside service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from listbridge.core.tokens import Health
from listbridge.store.connections import connection_name, connection_names, find_connection
from listbridge.store.crm_choice import stored_crm_kind
from listbridge.store.db import Store
from listbridge.store.health import connection_status
from listbridge.store.runs import RunRecord, list_runs
from listbridge.store.secretbox import SecretBox, secret_box
from listbridge.store.tokens import load_connection
from listbridge.web.job_notice import KIND_TITLES


@dataclass(frozen=True)
class ConnectionRow:
    name: str
    crm: str
    #: the Constant Contact organisation; "" when not connected
    organization: str
    #: the connection whose authorisation this one uses ("" : its own, or none)
    shares: str
    health: str
    health_reason: str
    last_run: RunRecord | None

    @property
    def last_run_text(self) -> str:
        run = self.last_run
        if run is None:
            return "none yet"
        what = KIND_TITLES.get(run.kind, run.kind)
        return f"{what}, {run.status.value}, {run.started_at.strftime('%Y-%m-%d %H:%M')} UTC"

    @property
    def healthy(self) -> bool:
        return self.health == Health.OK.value


def connection_rows(store: Store) -> list[ConnectionRow]:
    box, now = secret_box(store), datetime.now(UTC)
    rows = []
    for name in connection_names(store):
        connection_id = find_connection(store, name)
        if connection_id is not None:  # None: removed since the names were read
            rows.append(_row(store, box, now, name, connection_id))
    return rows


def _row(
    store: Store, box: SecretBox, now: datetime, name: str, connection_id: int
) -> ConnectionRow:
    status = connection_status(store, connection_id, box, now, store.config.idle_policy)
    record = load_connection(store, connection_id, box)
    shares = (
        ""
        if record is None or record.tokens_of is None
        else connection_name(store, record.tokens_of)
    )
    runs = list_runs(store, connection_id, limit=1)
    return ConnectionRow(
        name, str(stored_crm_kind(store, connection_id)), status.organization_name, shares,
        status.health, status.reason, runs[0] if runs else None,
    )  # fmt: skip
