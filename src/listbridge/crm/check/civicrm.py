"""What `crm check` looks for in a CiviCRM database, beyond the tables the adapter declares.

The values the adapter translates (crm/civicrm/mapping.py, lists.py): a contact's type,
a group membership's status and the 0/1 flags; and one location type to give the
e-mails, phones and addresses it adds (places.py).
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from listbridge.crm.check.presets import Preset, flag_rules
from listbridge.crm.check.report import Problem
from listbridge.crm.check.samples import Finding, ValueRule
from listbridge.crm.check.structure import Structure, declared_at
from listbridge.crm.civicrm import tables
from listbridge.crm.civicrm.lists import ADDED, REMOVED
from listbridge.crm.civicrm.mapping import HOUSEHOLD, INDIVIDUAL, ORGANIZATION

#: every table the adapter declares, so that a table it starts to use is checked too
TABLES = tuple(tables.metadata.tables.values())
CONTACT_TYPES = frozenset({INDIVIDUAL, ORGANIZATION, HOUSEHOLD})
#: CiviCRM's group_contact statuses (Pending: a double opt-in not confirmed yet)
STATUSES = frozenset({ADDED, REMOVED, "Pending"})
LOCATION = tables.LOCATION_TYPE.c

RULES = (
    ValueRule(
        tables.CONTACT.c.contact_type,
        lambda v: v is None or v in CONTACT_TYPES,
        "Individual, Organization or Household",
        "listbridge reads another type as an organization, never pushed nor matched; "
        "set it to CiviCRM's own type",
    ),
    ValueRule(
        tables.GROUP_CONTACT.c.status,
        lambda v: v is None or v in STATUSES,
        "Added, Removed or Pending",
        "listbridge counts only Added as a member, and adding the contact to the list "
        "would overwrite it; set it to one of CiviCRM's statuses",
    ),
    *flag_rules(
        TABLES,
        "listbridge reads 0 as no and any other number as yes, but filters on 0 (a live "
        "contact is is_deleted = 0): set it to 0 or 1, as CiviCRM writes its flags",
    ),
)


def location_types(conn: Connection, structure: Structure) -> list[Finding]:
    """New e-mails, phones and addresses need a location type: the default, else any."""
    if not structure.has(LOCATION.id, LOCATION.is_active, LOCATION.is_default):
        return []
    active = LOCATION.is_active.is_not(False)
    query = select(func.count()).select_from(tables.LOCATION_TYPE).where(active)
    count = int(conn.scalar(query) or 0)
    if count == 0:
        return [
            Problem(
                declared_at(tables.LOCATION_TYPE),
                f"table {tables.LOCATION_TYPE.name}",
                "has no active location type, and every e-mail, phone and address "
                "listbridge adds needs one: enable Home (Administer, Location Types)",
            )
        ]
    return [f"{tables.LOCATION_TYPE.name}: {count} active location type(s)"]


CIVICRM = Preset(TABLES, tables.INSERTED, RULES, (location_types,))
