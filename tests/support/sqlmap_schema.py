"""The home-grown members database of docs/mapping-example.toml, as its tables would be
on MariaDB or PostgreSQL: NOT NULL columns without defaults (a writer that forgets one
fails here as on a real install), a one-letter kind, an opt-IN newsletter flag."""

from __future__ import annotations

from sqlalchemy import (
    CHAR,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    text,
)
from sqlalchemy.engine import Engine

metadata = MetaData()

people = Table(
    "people",
    metadata,
    Column("person_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", CHAR(1), nullable=False, server_default=text("'P'")),
    Column("first_name", String(64)),
    Column("middle_name", String(64)),
    Column("last_name", String(64)),
    Column("name", String(160), nullable=False, server_default=text("''")),
    Column("organisation", String(128)),
    Column("email", String(254)),
    Column("email_work", String(254)),
    Column("email_other", String(254)),
    Column("mobile", String(32)),
    Column("home_phone", String(32)),
    Column("work_phone", String(32)),
    Column("fax", String(32)),
    Column("street", String(96)),
    Column("town", String(64)),
    Column("region", String(64)),
    Column("postcode", String(20)),
    Column("country", String(64)),
    Column("job_title", String(255)),
    Column("deceased", SmallInteger, nullable=False, server_default=text("0")),
    Column("no_contact", SmallInteger, nullable=False, server_default=text("0")),
    Column("newsletter", CHAR(1), nullable=False, server_default=text("'Y'")),
    Column("archived", SmallInteger, nullable=False, server_default=text("0")),
    Column("member_since", Date),
    Column("source", String(40), nullable=False),
    Column("changed_on", DateTime),
    Column("created_on", DateTime),
)
mailing_groups = Table(
    "mailing_groups",
    metadata,
    Column("group_id", Integer, primary_key=True, autoincrement=True),
    Column("label", String(255), nullable=False, unique=True),
)
group_members = Table(
    "group_members",
    metadata,
    Column("person_id", Integer, ForeignKey("people.person_id"), primary_key=True),
    Column("group_id", Integer, ForeignKey("mailing_groups.group_id"), primary_key=True),
    Column("state", String(10), nullable=False),
)


def create_members_db(engine: Engine) -> None:
    metadata.create_all(engine)
