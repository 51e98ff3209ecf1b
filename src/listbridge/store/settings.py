"""A connection's settings as stored: only the keys set explicitly, as canonical text."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from listbridge.core.settings import SETTINGS, Registry, Settings, parse_assignments, resolve
from listbridge.store.db import Store
from listbridge.store.models import Setting


def effective_settings(store: Store, connection_id: int, registry: Registry = SETTINGS) -> Settings:
    """Stored values over defaults (a job reads them once, at its start)."""
    with store.session() as session:
        return read_settings(session, connection_id, registry)


def read_settings(session: Session, connection_id: int, registry: Registry = SETTINGS) -> Settings:
    rows = session.execute(
        select(Setting.key, Setting.value).where(Setting.connection_id == connection_id)
    )
    return resolve(dict(rows.all()), registry)


def set_settings(
    store: Store, connection_id: int, pairs: Sequence[str], registry: Registry = SETTINGS
) -> Settings:
    """Apply KEY=VALUE pairs all together, or none of them (UserError names each bad pair)."""
    parsed = parse_assignments(pairs, registry)
    with store.session() as session:
        _upsert(session, connection_id, parsed)
        return read_settings(session, connection_id, registry)


def reset_settings(
    store: Store, connection_id: int, keys: Iterable[str], registry: Registry = SETTINGS
) -> Settings:
    """Back to the defaults for `keys` (each must be a known key)."""
    known = [registry.spec(key).key for key in keys]
    with store.session() as session:
        session.execute(
            delete(Setting).where(Setting.connection_id == connection_id, Setting.key.in_(known))
        )
        return read_settings(session, connection_id, registry)


def _upsert(session: Session, connection_id: int, values: Mapping[str, str]) -> None:
    if not values:
        return
    now = datetime.now(UTC)
    rows = [
        {"connection_id": connection_id, "key": key, "value": text, "updated_at": now}
        for key, text in values.items()
    ]
    insert = sqlite.insert if session.get_bind().dialect.name == "sqlite" else postgresql.insert
    statement = insert(Setting).values(rows)
    # An upsert, so two administrators setting the same key never trip on each other. A
    # value set again unchanged keeps its `updated_at`: the scheduler counts a schedule's
    # missed slots from when it was set (store/schedule_state.py).
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[Setting.connection_id, Setting.key],
            set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
            where=Setting.value != statement.excluded.value,
        )
    )
