"""What a CRM database must hold before a connection syncs it: each preset's core tables.

`crm use` checks them before it records the choice, so that a URL naming the wrong
database (an empty one, another application's) is refused there, naming what is
missing, rather than failing in the middle of the first import.
"""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from listbridge.core.errors import UserError
from listbridge.crm.engines import CrmUnreachableError, shown, where
from listbridge.store.crm_choice import CrmKind

#: contacts, their addresses, and the lists (groups, campaigns) with their members
CORE_TABLES: dict[CrmKind, tuple[str, ...]] = {
    CrmKind.CIVICRM: ("civicrm_contact", "civicrm_email", "civicrm_group", "civicrm_group_contact"),
    CrmKind.VTIGER: (
        "vtiger_crmentity",
        "vtiger_contactdetails",
        "vtiger_campaign",
        "vtiger_campaigncontrel",
    ),
}
LABELS = {CrmKind.CIVICRM: "CiviCRM", CrmKind.VTIGER: "Vtiger", CrmKind.SQL: "the mapped CRM"}


def check_core_tables(engine: Engine, kind: CrmKind, connection: str) -> None:
    """A UserError naming every core table of `kind` the database lacks."""
    try:
        present = set(inspect(engine).get_table_names())
    except DBAPIError as error:
        raise CrmUnreachableError(
            f"connection {connection!r}: the CRM database at {where(engine.url)} could not "
            f"be read ({error.orig}); check that the user may read its tables"
        ) from error
    missing = [t for t in CORE_TABLES[kind] if t not in present]
    if missing:
        raise UserError(
            f"the database at {shown(engine.url)} is not a {LABELS[kind]} database: it has "
            f"no table {', '.join(missing)} (a {LABELS[kind]} database has "
            f"{', '.join(CORE_TABLES[kind])})"
        )
