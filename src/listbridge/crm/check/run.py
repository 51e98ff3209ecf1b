"""`check_crm`: the check of the CRM a connection syncs, picked by its kind.

One entry per kind of CRM: each check takes the store, the connection and its choice
(the URL of a CRM held elsewhere), and returns the report.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from listbridge.core.errors import UserError
from listbridge.crm.check.builtin import check_builtin
from listbridge.crm.check.civicrm import CIVICRM
from listbridge.crm.check.presets import check_preset_crm
from listbridge.crm.check.report import CheckReport
from listbridge.crm.check.vtiger import VTIGER
from listbridge.crm.sqlmap.check import check_mapping
from listbridge.store.crm_choice import CrmChoice, CrmKind, load_crm_choice
from listbridge.store.db import Store

Check = Callable[[Store, int, CrmChoice], CheckReport]

CHECKS: dict[CrmKind, Check] = {
    CrmKind.BUILTIN: check_builtin,
    CrmKind.CIVICRM: partial(check_preset_crm, CIVICRM),
    CrmKind.VTIGER: partial(check_preset_crm, VTIGER),
    CrmKind.SQL: check_mapping,
}


def check_crm(store: Store, connection_id: int) -> CheckReport:
    """What the connection's CRM database holds against what listbridge expects of it."""
    choice = load_crm_choice(store, connection_id)
    check = CHECKS.get(choice.kind)
    if check is None:  # a kind `crm use` learned before `crm check` did
        raise UserError(f"crm check does not check {choice.describe()} yet")
    return check(store, connection_id, choice)
