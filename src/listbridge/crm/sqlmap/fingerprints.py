"""Change detection for a CRM that stamps no change time on its rows.

listbridge keeps a fingerprint of every row it reads (a hash of the account it makes)
with the moment the fingerprint last changed, which stands in for the row's change
time. Reading the table finds the rows whose fingerprint moved and records the new one
at once, so a job that fails afterwards still sees them as changed when it runs again
(their change time stays after its cursor). A write by listbridge records the written
row's fingerprint, as a CRM's own updated-at would move.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import datetime

from listbridge.core.accounts import Account
from listbridge.core.values import format_custom

#: not part of what the row says: the times are what the fingerprint stands in for
IGNORED = frozenset({"created_at", "updated_at"})


def fingerprint(account: Account) -> str:
    values = {
        f.name: _plain(getattr(account, f.name))
        for f in dataclasses.fields(account)
        if f.name not in IGNORED
    }
    text = json.dumps(values, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: object) -> object:
    if isinstance(value, dict):
        return {k: format_custom(v) for k, v in sorted(value.items())}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool | int | str) or value is None:
        return value
    return str(value)
