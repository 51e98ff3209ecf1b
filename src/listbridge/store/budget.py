"""The daily API budget of a connection, counted in the store so every process shares it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from listbridge.core.ratelimit import DEFAULT_DAILY_LIMIT, DailyBudget
from listbridge.store.db import Store
from listbridge.store.models import ApiBudget


class StoredBudget:
    """The client's ``BudgetLedger``: one row per connection, reset on a new UTC day."""

    def __init__(self, store: Store, connection_id: int, limit: int = DEFAULT_DAILY_LIMIT) -> None:
        self.store, self.connection_id, self.limit = store, connection_id, limit

    def current(self) -> DailyBudget:
        with self.store.session() as session:
            row = session.get(ApiBudget, self.connection_id)
            if row is None:
                return DailyBudget(self.limit)
            return DailyBudget(row.daily_limit, row.day, row.used)

    def spend(self, now: datetime, calls: int = 1) -> DailyBudget:
        with self.store.session() as session:
            row = session.scalars(
                select(ApiBudget)
                .where(ApiBudget.connection_id == self.connection_id)
                .with_for_update()
            ).first()
            if row is None:
                row = ApiBudget(connection_id=self.connection_id, day=now.date(), used=0)
                session.add(row)
            budget = DailyBudget(self.limit, row.day, row.used or 0).spend(now, calls)
            row.day, row.used, row.daily_limit = budget.day or now.date(), budget.used, self.limit
            return budget


def budget_today(store: Store, connection_id: int, now: datetime | None = None) -> tuple[int, int]:
    """(used, left) today, for ``status``."""
    now = now or datetime.now(UTC)
    budget = StoredBudget(store, connection_id).current()
    return budget.used_on(now), budget.remaining(now)
