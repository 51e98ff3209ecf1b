"""What the scheduler reads: the connections to serve, whether their syncing is switched
on, and when a job last started."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from listbridge.core.settings import SYNC_ENABLED
from listbridge.store.db import Store
from listbridge.store.models import CcAccount, Connection, Run, Setting
from listbridge.store.settings import effective_settings

#: how the run log and `status` name the switch when it is off
SYNC_OFF = f"{SYNC_ENABLED.key}=false"


def connection_ids(store: Store) -> list[int]:
    """Connections with a Constant Contact account (the others have nothing to sync)."""
    query = select(Connection.id).join(CcAccount, CcAccount.connection_id == Connection.id)
    with store.session() as session:
        return sorted(int(i) for i in session.scalars(query))


def last_started(store: Store, connection_id: int, kind: str) -> datetime | None:
    query = select(func.max(Run.started_at)).where(
        Run.connection_id == connection_id, Run.kind == kind
    )
    with store.session() as session:
        found: datetime | None = session.scalar(query)
        return found


def in_force_since(store: Store, connection_id: int, key: str | None) -> datetime | None:
    """When the setting `key` took its present value (store/settings.py moves `updated_at`
    only on a change); a default has held since the connection was made."""
    set_at = select(Setting.updated_at).where(
        Setting.connection_id == connection_id, Setting.key == key
    )
    made = select(Connection.created_at).where(Connection.id == connection_id)
    with store.session() as session:
        found: datetime | None = session.scalar(set_at) if key is not None else None
        return found if found is not None else session.scalar(made)


def sync_enabled(store: Store, connection_id: int) -> bool:
    """False when the administrator switched the connection's scheduled syncing off
    (`sync.enabled`); commands run by hand do not ask."""
    enabled: bool = effective_settings(store, connection_id).get(SYNC_ENABLED)
    return enabled
