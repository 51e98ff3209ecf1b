"""The CRM of a connection, behind the protocol: the one way a job reaches a CRM.

Only the builtin CRM exists today; a connection's `crm use …` choice will pick the
adapter here, and no job changes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.crm.protocol import CrmWithLists
from listbridge.store.db import Store


def _utc_now() -> datetime:
    return datetime.now(UTC)


def open_crm(
    store: Store, connection_id: int, clock: Callable[[], datetime] = _utc_now
) -> CrmWithLists:
    return BuiltinCrm(store, connection_id, clock)
