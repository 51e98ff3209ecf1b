"""`crm duplicates`' groups for the connection's CRM, whichever it is: the builtin CRM's
own query (its accounts are in the store's database), any other read through the
protocol. The CLI and the web admin's list both read them here."""

from __future__ import annotations

from listbridge.core.duplicates import DuplicateGroup
from listbridge.crm import reading
from listbridge.crm.builtin.duplicates import duplicate_groups
from listbridge.crm.factory import crm_for
from listbridge.store.crm_choice import CrmKind, load_crm_choice
from listbridge.store.db import Store


def possible_duplicates(store: Store, connection_id: int) -> list[DuplicateGroup]:
    choice = load_crm_choice(store, connection_id)
    if choice.kind is CrmKind.BUILTIN:
        return duplicate_groups(store, connection_id)
    return reading.duplicate_groups(crm_for(store, connection_id, choice), store, connection_id)
