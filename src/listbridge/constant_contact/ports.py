"""What the client needs from the outside world, as protocols (implemented in ``store/``)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from listbridge.core.ratelimit import DailyBudget
from listbridge.core.tokens import TokenSet


class TokenVault(Protocol):
    """Where a connection's tokens live. ``save`` must be atomic and durable on return:
    with rotating refresh tokens the previous one is already dead."""

    def load(self) -> TokenSet | None: ...

    def save(self, tokens: TokenSet) -> None: ...

    def mark_needs_reconnect(self, reason: str) -> None: ...


class BudgetLedger(Protocol):
    """The connection's count of API calls today, shared by every process."""

    def spend(self, now: datetime, calls: int = 1) -> DailyBudget: ...

    def current(self) -> DailyBudget: ...


class MemoryVault:
    """A vault that only remembers: for a client used once, and for tests."""

    def __init__(self, tokens: TokenSet | None = None) -> None:
        self.tokens = tokens
        self.reconnect_reason: str | None = None

    def load(self) -> TokenSet | None:
        return self.tokens

    def save(self, tokens: TokenSet) -> None:
        self.tokens = tokens

    def mark_needs_reconnect(self, reason: str) -> None:
        self.reconnect_reason = reason


class MemoryLedger:
    def __init__(self, budget: DailyBudget | None = None) -> None:
        self.budget = budget or DailyBudget()

    def spend(self, now: datetime, calls: int = 1) -> DailyBudget:
        self.budget = self.budget.spend(now, calls)
        return self.budget

    def current(self) -> DailyBudget:
        return self.budget
