"""An account and its history as lines of text, for `crm show`."""

from __future__ import annotations

from collections.abc import Iterable

from listbridge.core.account_fields import shown_fields
from listbridge.core.accounts import Account
from listbridge.core.values import format_timestamp
from listbridge.store.journal import JournaledChange

WIDTH = 20


def account_lines(account: Account) -> list[str]:
    """Every non-empty column, then the custom values sorted by field name."""
    return [f"{column:<{WIDTH}} {text}" for column, text in shown_fields(account)]


def list_lines(names: Iterable[str]) -> list[str]:
    """The CRM lists an account is on."""
    lines = ["lists:", *(f"  {name}" for name in names)]
    if len(lines) == 1:
        lines.append("  (on no CRM list)")
    return lines


def history_lines(history: Iterable[JournaledChange]) -> list[str]:
    lines = ["history:"]
    for entry in history:
        change = entry.change
        run = f"run {entry.run_id} {entry.run_kind}" if entry.run_id is not None else "no run"
        what = (
            "created" if change.field == "*" else f"{change.field}: {change.old!r} → {change.new!r}"
        )
        lines.append(f"  {format_timestamp(change.at)}  {run}  {what}  ({change.reason})")
    if len(lines) == 1:
        lines.append("  (no recorded changes)")
    return lines
