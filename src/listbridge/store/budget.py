"""The daily API budget of a Constant Contact account, counted in the store so every process
and every connection of the account shares it.

Constant Contact counts the allowance per account, so every connection holding the same
account id spends from one row: the one of the lowest such connection id. A connection whose
account is not known yet (never connected, or connected before identities were stored)
counts on its own row. The row moves when that lowest connection is disconnected or a lower
one connects to the account; the calls counted on the old row that day are then not seen
(the allowance resets at midnight UTC in any case).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from listbridge.core.ratelimit import DEFAULT_DAILY_LIMIT, DailyBudget
from listbridge.store.db import Store
from listbridge.store.models import ApiBudget, CcAccount


def budget_row_of(session: Session, connection_id: int) -> int:
    """The connection id whose ``api_budget`` row counts this connection's calls."""
    account = session.scalar(
        select(CcAccount.account_id).where(CcAccount.connection_id == connection_id)
    )
    if not account:
        return connection_id
    lowest = session.scalar(
        select(func.min(CcAccount.connection_id)).where(CcAccount.account_id == account)
    )
    return int(lowest) if lowest is not None else connection_id


class StoredBudget:
    """The client's ``BudgetLedger``: one row per account, reset on a new UTC day.

    The row is chosen when the ledger is made (one per client), so a connect that
    identifies the account counts from its next client on."""

    def __init__(self, store: Store, connection_id: int, limit: int = DEFAULT_DAILY_LIMIT) -> None:
        self.store, self.connection_id, self.limit = store, connection_id, limit
        with store.session() as session:
            self.row_id = budget_row_of(session, connection_id)

    def current(self) -> DailyBudget:
        with self.store.session() as session:
            row = session.get(ApiBudget, self.row_id)
            if row is None:
                return DailyBudget(self.limit)
            return DailyBudget(row.daily_limit, row.day, row.used)

    def spend(self, now: datetime, calls: int = 1) -> DailyBudget:
        try:
            return self._spend(now, calls)
        except IntegrityError:
            # Another process made the account's first row of all between our read and
            # our insert: it exists now, so the second try updates it.
            return self._spend(now, calls)

    def _spend(self, now: datetime, calls: int) -> DailyBudget:
        with self.store.session() as session:
            row = session.scalars(
                select(ApiBudget).where(ApiBudget.connection_id == self.row_id).with_for_update()
            ).first()
            if row is None:
                row = ApiBudget(connection_id=self.row_id, day=now.date(), used=0)
                session.add(row)
            budget = DailyBudget(self.limit, row.day, row.used or 0).spend(now, calls)
            row.day, row.used, row.daily_limit = budget.day or now.date(), budget.used, self.limit
            return budget


def budget_today(store: Store, connection_id: int, now: datetime | None = None) -> tuple[int, int]:
    """(used, left) today for the connection's account, for ``status``."""
    now = now or datetime.now(UTC)
    budget = StoredBudget(store, connection_id).current()
    return budget.used_on(now), budget.remaining(now)
