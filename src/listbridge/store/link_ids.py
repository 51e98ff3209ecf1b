"""The Constant Contact contact some accounts are linked to, read from the links.

The builtin CRM keeps a copy of each link on its accounts (store/links.py); a CRM held
elsewhere keeps none, so `crm export` and `crm show` of any CRM read the links here.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from listbridge.store.db import Store
from listbridge.store.models import CcLink

#: ids per query: well under every backend's limit of bound parameters
CHUNK = 1000


def linked_contact_ids(
    store: Store, connection_id: int, account_ids: Sequence[str]
) -> dict[str, str]:
    """The linked contact id, by account id, of those of `account_ids` that are linked."""
    found: dict[str, str] = {}
    with store.session() as session:
        for start in range(0, len(account_ids), CHUNK):
            chunk = account_ids[start : start + CHUNK]
            query = select(CcLink.account_id, CcLink.cc_contact_id).where(
                CcLink.connection_id == connection_id, CcLink.account_id.in_(chunk)
            )
            found.update({row[0]: row[1] for row in session.execute(query)})
    return found
