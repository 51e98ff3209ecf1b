"""What /setup shows: the connected account (as `status` reads it), the CRM in use and
`crm check`'s verdict (crm/check/run.py, the code `listbridge crm check` runs)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from listbridge.core.errors import ListbridgeError
from listbridge.crm.check.report import CheckReport
from listbridge.crm.check.run import check_crm
from listbridge.store.crm_choice import load_crm_choice
from listbridge.store.db import Store
from listbridge.store.disconnect import KEPT, PURGED
from listbridge.store.health import ConnectionStatus, connection_status
from listbridge.store.secretbox import secret_box
from listbridge.web.errors import page_message


@dataclass(frozen=True)
class SetupView:
    status: ConnectionStatus
    crm: str
    crm_check: CheckReport | None
    #: why the CRM could not be read or checked (its database down, a bad mapping …)
    crm_problem: str


def setup_view(store: Store, connection_id: int) -> SetupView:
    box = secret_box(store)
    status = connection_status(store, connection_id, box, datetime.now(UTC))
    try:
        crm = load_crm_choice(store, connection_id).describe()
        return SetupView(status, crm, check_crm(store, connection_id), "")
    except ListbridgeError as error:
        return SetupView(status, "", None, page_message(error))


def disconnect_terms() -> tuple[list[str], list[tuple[str, str]]]:
    """What `disconnect` forgets, and what it keeps with why (store/disconnect.py's lists)."""
    return list(PURGED.values()), [(table.replace("_", " "), why) for table, why in KEPT.items()]
