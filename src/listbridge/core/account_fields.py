"""An account's fields as text, in the file's column order: what `crm show ID` prints and
the web admin's account page lists."""

from __future__ import annotations

from datetime import datetime

from listbridge.core.accounts import EXPORT_ONLY_COLUMNS, STANDARD_COLUMNS, Account
from listbridge.core.values import format_custom, format_timestamp


def shown_fields(account: Account) -> list[tuple[str, str]]:
    """(column, text): the id, every non-empty column (a flag only when set), then the
    custom values (`custom.<Name>`) sorted by field name."""
    shown = [("id", account.id)]
    for column in (*STANDARD_COLUMNS[1:], *EXPORT_ONLY_COLUMNS):
        text = field_text(getattr(account, column))
        if text:
            shown.append((column, text))
    for name in sorted(account.custom):
        shown.append((f"custom.{name}", format_custom(account.custom[name])))
    return shown


def field_text(value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, datetime):
        return format_timestamp(value)
    return str(value)
