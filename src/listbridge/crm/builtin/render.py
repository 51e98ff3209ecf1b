"""An account and its history as lines of text, for `crm show`."""

from __future__ import annotations

from collections.abc import Iterable

from listbridge.core.accounts import EXPORT_ONLY_COLUMNS, STANDARD_COLUMNS, Account
from listbridge.core.values import format_custom, format_timestamp
from listbridge.store.journal import JournaledChange

WIDTH = 20


def account_lines(account: Account) -> list[str]:
    """Every non-empty column, then the custom values sorted by field name."""
    lines = [f"{'id':<{WIDTH}} {account.id}"]
    for column in (*STANDARD_COLUMNS[1:], *EXPORT_ONLY_COLUMNS):
        text = _text(getattr(account, column))
        if text:
            lines.append(f"{column:<{WIDTH}} {text}")
    for name in sorted(account.custom):
        lines.append(f"{'custom.' + name:<{WIDTH}} {format_custom(account.custom[name])}")
    return lines


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


def _text(value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if hasattr(value, "astimezone"):
        return format_timestamp(value)  # type: ignore[arg-type]
    return str(value)
