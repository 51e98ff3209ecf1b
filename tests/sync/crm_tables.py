"""What the suites do to each CRM behind the protocol's back, as its own users and its
own tables do it: a list's members and a person read from the CRM's tables, an opt-out
set on its screens, a record deleted (kept in its trash) or purged. tests/sync/crms.py
names them in each CRM's entry; a new CRM adds its own here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Engine
from tests.support.civicrm_db import civicrm_engine
from tests.support.civicrm_schema import (
    civicrm_contact,
    civicrm_email,
    civicrm_group,
    civicrm_group_contact,
    civicrm_state_province,
)
from tests.support.sqlmap_schema import group_members, mailing_groups, people
from tests.support.vtiger_schema import CAMPAIGN, CAMPAIGNCONTREL, CONTACTDETAILS, CRMENTITY

from listbridge.core.names import split_full_name
from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.store.models import CrmAccount

if TYPE_CHECKING:
    from tests.sync.conftest import Scene

#: the name of a person as the CRM's tables hold it, and their opt-out
Person = tuple[str, str, bool]


def builtin_opt_out(scene: Scene, account_id: str, opted_out: bool) -> None:
    BuiltinCrm(scene.store, scene.connection_id).set_email_opt_out(
        account_id, opted_out, reason="staff"
    )


def builtin_delete(scene: Scene, account_id: str) -> None:
    answer = scene.cli("crm", "delete", account_id)
    assert answer.exit_code == 0, answer.output


def builtin_purge(scene: Scene, account_id: str) -> None:
    with scene.store.session() as session:
        session.execute(delete(CrmAccount).where(CrmAccount.id == account_id))


#: more of the states a CiviCRM install has, with its ids: those the tests and the samples
#: name (listbridge.sample.names.PLACES) beyond tests/support/civicrm_schema.py's few
STATES = [
    {"id": 1028, "name": "New Hampshire", "abbreviation": "NH", "country_id": 1228},
    {"id": 1036, "name": "Oregon", "abbreviation": "OR", "country_id": 1228},
    {"id": 1044, "name": "Vermont", "abbreviation": "VT", "country_id": 1228},
    {"id": 1048, "name": "Wisconsin", "abbreviation": "WI", "country_id": 1228},
]


@contextmanager
def civicrm_database(backend: str) -> Iterator[Engine]:
    with civicrm_engine(backend) as engine:
        with engine.begin() as conn:
            conn.execute(insert(civicrm_state_province), STATES)
        yield engine


def civicrm_members(engine: Engine, name: str) -> list[str]:
    group, member = civicrm_group.c, civicrm_group_contact.c
    query = (
        select(member.contact_id)
        .join(civicrm_group, group.id == member.group_id)
        .where(group.title == name, member.status == "Added")
    )
    with engine.connect() as conn:
        return sorted(str(i) for i in conn.scalars(query))


def civicrm_person(engine: Engine, email: str) -> Person:
    contact = civicrm_contact.c
    query = select(contact.first_name, contact.last_name, contact.is_opt_out).join(
        civicrm_email, civicrm_email.c.contact_id == contact.id
    )
    with engine.connect() as conn:
        (row,) = conn.execute(query.where(civicrm_email.c.email == email)).all()
    return row.first_name or "", row.last_name or "", bool(row.is_opt_out)


def civicrm_opt_out(scene: Scene, account_id: str, opted_out: bool) -> None:
    """As CiviCRM's contact form saves it (modified_date moves with the row)."""
    assert scene.engine is not None
    with scene.engine.begin() as conn:
        conn.execute(
            update(civicrm_contact)
            .where(civicrm_contact.c.id == int(account_id))
            .values(is_opt_out=opted_out)
        )


def civicrm_trash(scene: Scene, account_id: str) -> None:
    """CiviCRM's "Delete" moves a contact to the trash (its modified_date moves too)."""
    assert scene.engine is not None
    with scene.engine.begin() as conn:
        conn.execute(
            update(civicrm_contact)
            .where(civicrm_contact.c.id == int(account_id))
            .values(is_deleted=True)
        )


def civicrm_purge(scene: Scene, account_id: str) -> None:
    assert scene.engine is not None
    with scene.engine.begin() as conn:  # its emails, phones and memberships cascade
        conn.execute(delete(civicrm_contact).where(civicrm_contact.c.id == int(account_id)))


def vtiger_members(engine: Engine, name: str) -> list[str]:
    query = (
        select(CAMPAIGNCONTREL.c.contactid)
        .join(CAMPAIGN, CAMPAIGN.c.campaignid == CAMPAIGNCONTREL.c.campaignid)
        .join(CONTACTDETAILS, CONTACTDETAILS.c.contactid == CAMPAIGNCONTREL.c.contactid)
        .where(CAMPAIGN.c.campaignname == name)
    )
    with engine.connect() as conn:
        return sorted(str(i) for i in conn.scalars(query))


def vtiger_person(engine: Engine, email: str) -> Person:
    details = CONTACTDETAILS.c
    query = select(details.firstname, details.lastname, details.emailoptout)
    with engine.connect() as conn:
        (row,) = conn.execute(query.where(details.email == email)).all()
    return row.firstname or "", row.lastname or "", row.emailoptout == "1"


def vtiger_opt_out(scene: Scene, account_id: str, opted_out: bool) -> None:
    """As a save in Vtiger writes it: the checkbox, and the record modified now."""
    assert scene.engine is not None
    with scene.engine.begin() as conn:
        conn.execute(
            update(CONTACTDETAILS)
            .where(CONTACTDETAILS.c.contactid == int(account_id))
            .values(emailoptout="1" if opted_out else "0")
        )
        vtiger_touch(conn, account_id)


def vtiger_touch(conn: Connection, account_id: str, **values: object) -> None:
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    query = update(CRMENTITY).where(CRMENTITY.c.crmid == int(account_id))
    conn.execute(query.values(modifiedtime=now, modifiedby=1, **values))


def vtiger_delete(scene: Scene, account_id: str) -> None:
    """Vtiger's Delete keeps the record for its recycle bin: deleted = 1, modified now."""
    assert scene.engine is not None
    with scene.engine.begin() as conn:
        vtiger_touch(conn, account_id, deleted=1)


def vtiger_purge(scene: Scene, account_id: str) -> None:
    """Emptied from the recycle bin: the contact's rows cascade from its crmentity row."""
    assert scene.engine is not None
    with scene.engine.begin() as conn:
        conn.execute(delete(CRMENTITY).where(CRMENTITY.c.crmid == int(account_id)))


def sql_members(engine: Engine, name: str) -> list[str]:
    query = (
        select(group_members.c.person_id)
        .join(mailing_groups, mailing_groups.c.group_id == group_members.c.group_id)
        .where(mailing_groups.c.label == name, group_members.c.state == "in")
    )
    with engine.connect() as conn:
        return sorted(str(i) for i in conn.scalars(query))


def sql_person(engine: Engine, email: str) -> Person:
    p = people.c
    query = select(p.first_name, p.last_name, p.name, p.newsletter).where(p.email == email)
    with engine.connect() as conn:
        (row,) = conn.execute(query).all()
    if row.first_name is None and row.last_name is None:  # the full-name variant
        first, last = split_full_name(row.name or "")
        return first, last, row.newsletter == "N"
    return row.first_name or "", row.last_name or "", row.newsletter == "N"


def sql_touch(scene: Scene, account_id: str, **values: object) -> None:
    """A save in the members database's own screens: the row, and its change time."""
    assert scene.engine is not None
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    with scene.engine.begin() as conn:
        query = update(people).where(people.c.person_id == int(account_id))
        conn.execute(query.values(changed_on=now, **values))


def sql_opt_out(scene: Scene, account_id: str, opted_out: bool) -> None:
    sql_touch(scene, account_id, newsletter="N" if opted_out else "Y")


def sql_archive(scene: Scene, account_id: str) -> None:
    sql_touch(scene, account_id, archived=1)


def sql_purge(scene: Scene, account_id: str) -> None:
    assert scene.engine is not None
    with scene.engine.begin() as conn:
        conn.execute(delete(group_members).where(group_members.c.person_id == int(account_id)))
        conn.execute(delete(people).where(people.c.person_id == int(account_id)))
