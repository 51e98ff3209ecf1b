"""The columns of CiviCRM's tables the adapter reads and writes, declared (never reflected).

Only what the adapter touches is declared; the other columns of a real install keep
their defaults on insert and are never read. Names and lengths are CiviCRM's own
(civicrm-core's schema/*/*.entityType.php).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Boolean, Column, DateTime, Integer, MetaData, String, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

MYSQL_DIALECTS = frozenset({"mysql", "mariadb"})


class Instant(TypeDecorator[datetime]):
    """A CiviCRM `timestamp`: an instant, handed over as an aware UTC datetime.

    MySQL keeps a TIMESTAMP in UTC and converts it to the session's time zone, so the
    adapter sets that zone to UTC on each connection and binds naive UTC values there
    (its drivers drop the offset); PostgreSQL takes the aware value as it is.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name in MYSQL_DIALECTS else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if not isinstance(value, datetime):
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()


def _id() -> Column[int]:
    return Column("id", Integer, primary_key=True)


def _text(name: str, length: int) -> Column[str]:
    return Column(name, String(length))


CONTACT = Table(
    "civicrm_contact", metadata, _id(),
    _text("contact_type", 64), _text("contact_sub_type", 255),
    _text("first_name", 64), _text("middle_name", 64), _text("last_name", 64),
    _text("organization_name", 128), _text("household_name", 128),
    _text("display_name", 128), _text("sort_name", 128), _text("hash", 32),
    _text("source", 255), _text("job_title", 255),
    Column("do_not_email", Boolean), Column("is_opt_out", Boolean),
    Column("is_deceased", Boolean), Column("is_deleted", Boolean),
    Column("created_date", Instant), Column("modified_date", Instant),
)  # fmt: skip

EMAIL = Table(
    "civicrm_email", metadata, _id(),
    Column("contact_id", Integer), Column("location_type_id", Integer), _text("email", 254),
    Column("is_primary", Boolean), Column("is_billing", Boolean), Column("on_hold", Integer),
    Column("is_bulkmail", Boolean), Column("hold_date", DateTime),
)  # fmt: skip

PHONE = Table(
    "civicrm_phone", metadata, _id(),
    Column("contact_id", Integer), Column("location_type_id", Integer),
    Column("is_primary", Boolean), Column("is_billing", Boolean),
    _text("phone", 32), _text("phone_numeric", 32), Column("phone_type_id", Integer),
)  # fmt: skip

ADDRESS = Table(
    "civicrm_address", metadata, _id(),
    Column("contact_id", Integer), Column("location_type_id", Integer),
    Column("is_primary", Boolean), Column("is_billing", Boolean),
    Column("manual_geo_code", Boolean), _text("street_address", 96), _text("city", 64),
    _text("postal_code", 64), Column("state_province_id", Integer), Column("country_id", Integer),
)  # fmt: skip

LOCATION_TYPE = Table(
    "civicrm_location_type", metadata, _id(),
    _text("name", 64), Column("is_default", Boolean), Column("is_active", Boolean),
)  # fmt: skip

COUNTRY = Table("civicrm_country", metadata, _id(), _text("name", 64), _text("iso_code", 2))

STATE = Table(
    "civicrm_state_province", metadata, _id(),
    _text("name", 64), _text("abbreviation", 4), Column("country_id", Integer),
)  # fmt: skip

GROUP = Table(
    "civicrm_group", metadata, _id(),
    _text("name", 64), _text("title", 255), _text("frontend_title", 255), _text("source", 64),
    Column("saved_search_id", Integer), Column("is_active", Boolean),
    Column("is_hidden", Boolean), Column("is_reserved", Boolean),
    _text("visibility", 24), _text("group_type", 128),
)  # fmt: skip

GROUP_CONTACT = Table(
    "civicrm_group_contact", metadata, _id(),
    Column("group_id", Integer), Column("contact_id", Integer), _text("status", 8),
    Column("email_id", Integer),
)  # fmt: skip

SUBSCRIPTION_HISTORY = Table(
    "civicrm_subscription_history", metadata, _id(),
    Column("contact_id", Integer), Column("group_id", Integer), Column("date", Instant),
    _text("method", 8), _text("status", 8), _text("tracking", 255),
)  # fmt: skip

#: the tables the adapter inserts rows into (the others it reads or updates): a column
#: of theirs not declared above that the database requires would refuse every insert
INSERTED = (CONTACT, EMAIL, PHONE, ADDRESS, GROUP, GROUP_CONTACT, SUBSCRIPTION_HISTORY)
