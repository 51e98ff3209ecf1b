"""What a Vtiger contact can hold: every write is checked here before anything is written.

A value Vtiger has no place for is refused, naming the account, the column and why,
rather than dropped: a do-not-contact flag that vanished on the way would be consent
lost. The identity and bookkeeping columns (id, times, the Constant Contact link and
origin) are Vtiger's or listbridge's own and are not written through the adapter.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from listbridge.core.accounts import CUSTOM_PREFIX, Account, AccountType
from listbridge.core.errors import AccountRefusedError
from listbridge.core.rows import MAX_LENGTHS
from listbridge.crm.protocol import FieldValue
from listbridge.crm.vtiger.fields import FIELDS, FIXED, WHY_FIXED

TEXT = frozenset({*FIELDS, "company_name"})
NOT_SYNCED = "Vtiger custom fields are not synced yet"
ORGANISATIONS = (
    "organisations are not synced with Vtiger (a contact's company_name links it to "
    "a Vtiger Organization)"
)


def check_new(account: Account) -> None:
    """Refuse a new account Vtiger could not keep as given."""
    refuse = _refusal(account.id)
    if account.type is not AccountType.INDIVIDUAL:
        raise refuse(f"type {account.type}: {ORGANISATIONS}")
    if account.custom:
        raise refuse(f"custom.{min(account.custom)}: {NOT_SYNCED}")
    for column, value in FIXED.items():
        if getattr(account, column) != value:
            raise refuse(f"{column}: {WHY_FIXED[column]}")


def applied(old: Account, changes: Mapping[str, FieldValue]) -> Account:
    """`old` with `changes` applied, each checked."""
    values = {column: checked(old.id, column, value) for column, value in changes.items()}
    return dataclasses.replace(old, **values)


def check_columns(account: Account, columns: tuple[str, ...]) -> None:
    """Refuse an update (of a batch) that names a column Vtiger cannot take."""
    for column in columns:
        value = None if column.startswith(CUSTOM_PREFIX) else getattr(account, column, None)
        checked(account.id, column, value)


def checked(account_id: str, column: str, value: FieldValue) -> Any:
    """The value `column` takes, or an AccountRefusedError naming the account, column
    and reason."""
    refuse = _refusal(account_id)
    if column.startswith(CUSTOM_PREFIX):
        raise refuse(f"{column}: {NOT_SYNCED}")
    if column == "type":
        return _type(refuse, value)
    if column in FIXED:
        fixed = FIXED[column]
        if value in (None, "", fixed):
            return fixed
        raise refuse(f"column {column!r} cannot be updated: {WHY_FIXED[column]}")
    if column == "email_opt_out":
        if not isinstance(value, bool):
            raise refuse(f"email_opt_out: {value!r} is not true or false")
        return value
    if column in TEXT:
        return _text(refuse, column, value)
    raise refuse(f"column {column!r} cannot be updated")


Refusal = Callable[[str], AccountRefusedError]


def _refusal(account_id: str) -> Refusal:
    return partial(AccountRefusedError, f"account {account_id!r}", account_id)


def _type(refuse: Refusal, value: FieldValue) -> AccountType:
    try:
        kind = AccountType(str(value))
    except ValueError:
        raise refuse(f"type: {value!r} is not individual or organization") from None
    if kind is not AccountType.INDIVIDUAL:
        raise refuse(f"column 'type' cannot be updated: {ORGANISATIONS}")
    return kind


def _text(refuse: Refusal, column: str, value: FieldValue) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise refuse(f"{column}: {value!r} is not text")
    limit = MAX_LENGTHS[column]
    if len(value) > limit:
        raise refuse(f"{column}: {len(value)} characters is longer than the limit of {limit}")
    return value
