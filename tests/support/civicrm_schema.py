"""CiviCRM's own tables, as a CiviCRM install creates them, for the adapter's tests.

Source: civicrm/civicrm-core, the entity definitions the SQL is generated from —
schema/Contact/Contact.entityType.php, Group.entityType.php, GroupContact.entityType.php,
SubscriptionHistory.entityType.php, schema/Core/Email.entityType.php, Phone.entityType.php,
Address.entityType.php, LocationType.entityType.php, Country.entityType.php,
StateProvince.entityType.php (WorldRegion for the country's NOT NULL region_id) — and
the install data: sql/civicrm_data/civicrm_location_type.sqldata.php and
xml/templates/civicrm_country.tpl / civicrm_state_province.tpl for the few seeded rows.

Every column of those tables is here, with CiviCRM's names, lengths, defaults and NOT
NULL rules (a `'required' => TRUE` field is NOT NULL), so a writer that leaves out a
required column fails here as it would on a real install; the foreign keys CiviCRM
declares between these tables are here too, with its ON DELETE rules (keys to tables
not created here — saved searches, counties, address formats, loc blocks — are left out).

CiviCRM runs on MySQL/MariaDB only. On PostgreSQL the nearest types stand in: `int
unsigned` is INTEGER, a `boolean` (TINYINT in MySQL) is BOOLEAN, `timestamp` (an
instant, kept in UTC by MySQL) is TIMESTAMP WITH TIME ZONE to the second, `double` is
DOUBLE PRECISION; MySQL's `ON UPDATE CURRENT_TIMESTAMP` of civicrm_contact.modified_date
is a trigger there.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CHAR,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
    insert,
    text,
    true,
)
from sqlalchemy.dialects import mysql, postgresql
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import Boolean, TypeEngine

MYSQL = ("mysql", "mariadb")
UINT: TypeEngine[int] = Integer().with_variant(mysql.INTEGER(unsigned=True), *MYSQL)
FLAG: TypeEngine[bool] = Boolean().with_variant(mysql.TINYINT(), *MYSQL)
STAMP: TypeEngine[datetime] = postgresql.TIMESTAMP(timezone=True, precision=0).with_variant(
    mysql.TIMESTAMP(), *MYSQL
)
DOUBLE: TypeEngine[float] = Float(53).with_variant(mysql.DOUBLE(), *MYSQL)

metadata = MetaData()


def _id() -> Column[int]:
    return Column("id", UINT, primary_key=True, autoincrement=True)


def _flag(name: str, default: bool) -> Column[bool]:
    value: ColumnElement[bool] = true() if default else false()
    return Column(name, FLAG, nullable=False, server_default=value)


def _text(name: str, length: int | None = None) -> Column[str]:
    return Column(name, String(length) if length else Text())


def _fk(
    name: str, target: str, ondelete: str | None = None, *, required: bool = False
) -> Column[int]:
    return Column(name, UINT, ForeignKey(target, ondelete=ondelete), nullable=not required)


civicrm_worldregion = Table(
    "civicrm_worldregion", metadata, _id(), _text("name", 128)
)  # fmt: skip

civicrm_country = Table(
    "civicrm_country", metadata, _id(),
    _text("name", 64), Column("iso_code", CHAR(2)), _text("country_code", 4),
    Column("address_format_id", UINT), _text("idd_prefix", 4), _text("ndd_prefix", 4),
    _fk("region_id", "civicrm_worldregion.id", required=True),
    _flag("is_province_abbreviated", False), _flag("is_active", True),
    Index("UI_name_iso_code", "name", "iso_code", unique=True),
)  # fmt: skip

civicrm_state_province = Table(
    "civicrm_state_province", metadata, _id(),
    _text("name", 64), _text("abbreviation", 4),
    _fk("country_id", "civicrm_country.id", required=True), _flag("is_active", True),
    Index("UI_name_country_id", "name", "country_id", unique=True),
)  # fmt: skip

civicrm_location_type = Table(
    "civicrm_location_type", metadata, _id(),
    Column("name", String(64), nullable=False), Column("display_name", String(64), nullable=False),
    _text("vcard_name", 64), _text("description", 255),
    _flag("is_reserved", False), _flag("is_active", True), _flag("is_default", False),
    Index("UI_name", "name", unique=True),
)  # fmt: skip

civicrm_contact = Table(
    "civicrm_contact", metadata, _id(),
    _text("contact_type", 64), _text("external_identifier", 64), _text("display_name", 128),
    _text("organization_name", 128), _text("contact_sub_type", 255),
    _text("first_name", 64), _text("middle_name", 64), _text("last_name", 64),
    _flag("do_not_email", False), _flag("do_not_phone", False), _flag("do_not_mail", False),
    _flag("do_not_sms", False), _flag("do_not_trade", False), _flag("is_opt_out", False),
    _text("legal_identifier", 32), _text("sort_name", 128), _text("nick_name", 128),
    _text("legal_name", 128), _text("image_URL"), _text("preferred_communication_method", 255),
    _text("preferred_language", 5), _text("hash", 32), _text("api_key", 32),
    _text("source", 255), Column("prefix_id", UINT), Column("suffix_id", UINT),
    _text("formal_title", 64), Column("communication_style_id", UINT),
    Column("email_greeting_id", UINT), _text("email_greeting_custom", 128),
    _text("email_greeting_display", 255), Column("postal_greeting_id", UINT),
    _text("postal_greeting_custom", 128), _text("postal_greeting_display", 255),
    Column("addressee_id", UINT), _text("addressee_custom", 128),
    _text("addressee_display", 255), _text("job_title", 255), Column("gender_id", UINT),
    Column("birth_date", Date), _flag("is_deceased", False), Column("deceased_date", Date),
    _text("household_name", 128),
    _fk("primary_contact_id", "civicrm_contact.id", "SET NULL"),
    _text("sic_code", 8), _text("user_unique_id", 255),
    _fk("employer_id", "civicrm_contact.id", "SET NULL"),
    _flag("is_deleted", False),
    Column("created_date", STAMP, nullable=True),
    # ON UPDATE CURRENT_TIMESTAMP is added by create_civicrm (it is MySQL-only DDL)
    Column("modified_date", STAMP, nullable=True, server_default=text("CURRENT_TIMESTAMP")),
    Column("preferred_mail_format", String(8), server_default="Both"),
    Index("index_contact_type", "contact_type"),
    Index("UI_external_identifier", "external_identifier", unique=True),
    Index("index_organization_name", "organization_name"),
    Index("index_first_name", "first_name"), Index("index_last_name", "last_name"),
    Index("index_sort_name", "sort_name"), Index("index_hash", "hash"),
    Index("index_household_name", "household_name"),
    Index("index_is_deleted_sort_name", "is_deleted", "sort_name", "id"),
    Index("index_created_date", "created_date"), Index("index_modified_date", "modified_date"),
)  # fmt: skip

civicrm_email = Table(
    "civicrm_email", metadata, _id(),
    _fk("contact_id", "civicrm_contact.id", "CASCADE"), Column("location_type_id", UINT),
    _text("email", 254), _flag("is_primary", False), _flag("is_billing", False),
    Column("on_hold", UINT, nullable=False, server_default=text("0")),
    _flag("is_bulkmail", False), Column("hold_date", DateTime), Column("reset_date", DateTime),
    _text("signature_text"), _text("signature_html"),
    Index("index_location_type", "location_type_id"), Index("UI_email", "email"),
    Index("index_is_primary", "is_primary"), Index("index_is_billing", "is_billing"),
)  # fmt: skip

civicrm_phone = Table(
    "civicrm_phone", metadata, _id(),
    _fk("contact_id", "civicrm_contact.id", "CASCADE"), Column("location_type_id", UINT),
    _flag("is_primary", False), _flag("is_billing", False), Column("mobile_provider_id", UINT),
    _text("phone", 32), _text("phone_ext", 16), _text("phone_numeric", 32),
    Column("phone_type_id", UINT),
    Index("index_phone_location_type", "location_type_id"),
    Index("index_phone_numeric", "phone_numeric"),
)  # fmt: skip

civicrm_address = Table(
    "civicrm_address", metadata, _id(),
    _fk("contact_id", "civicrm_contact.id", "CASCADE"), Column("location_type_id", UINT),
    _flag("is_primary", False), _flag("is_billing", False),
    _text("street_address", 96), Column("street_number", Integer),
    _text("street_number_suffix", 8), _text("street_number_predirectional", 8),
    _text("street_name", 64), _text("street_type", 8), _text("street_number_postdirectional", 8),
    _text("street_unit", 16), _text("supplemental_address_1", 96),
    _text("supplemental_address_2", 96), _text("supplemental_address_3", 96),
    _text("city", 64), Column("county_id", UINT),
    _fk("state_province_id", "civicrm_state_province.id", "SET NULL"),
    _text("postal_code_suffix", 12), _text("postal_code", 64), _text("usps_adc", 32),
    _fk("country_id", "civicrm_country.id", "SET NULL"),
    Column("geo_code_1", DOUBLE), Column("geo_code_2", DOUBLE),
    _flag("manual_geo_code", False), _text("timezone", 8), _text("name", 255),
    _fk("master_id", "civicrm_address.id", "SET NULL"),
    Index("index_address_city", "city"),
)  # fmt: skip

civicrm_group = Table(
    "civicrm_group", metadata, _id(),
    Column("name", String(64), nullable=False), Column("title", String(255), nullable=False),
    _text("description"), _text("source", 64), Column("saved_search_id", UINT),
    _flag("is_active", True),
    Column("visibility", String(24), server_default="User and User Admin Only"),
    _text("where_clause"), _text("select_tables"), _text("where_tables"),
    _text("group_type", 128), Column("cache_date", STAMP, nullable=True),
    Column("cache_fill_took", DOUBLE), Column("refresh_date", STAMP, nullable=True),
    _text("parents"), _text("children"), _flag("is_hidden", False), _flag("is_reserved", False),
    _fk("created_id", "civicrm_contact.id", "SET NULL"),
    _fk("modified_id", "civicrm_contact.id", "SET NULL"),
    Column("frontend_title", String(255), nullable=False), _text("frontend_description"),
    Index("index_group_type", "group_type"),
    Index("UI_title", "title", unique=True), Index("UI_group_name", "name", unique=True),
)  # fmt: skip

civicrm_group_contact = Table(
    "civicrm_group_contact", metadata, _id(),
    _fk("group_id", "civicrm_group.id", "CASCADE", required=True),
    _fk("contact_id", "civicrm_contact.id", "CASCADE", required=True),
    _text("status", 8), Column("location_id", UINT), _fk("email_id", "civicrm_email.id"),
    Index("UI_contact_group", "contact_id", "group_id", unique=True),
)  # fmt: skip

civicrm_subscription_history = Table(
    "civicrm_subscription_history", metadata, _id(),
    _fk("contact_id", "civicrm_contact.id", "CASCADE", required=True),
    _fk("group_id", "civicrm_group.id", "CASCADE"),
    Column("date", STAMP, nullable=False, server_default=text("CURRENT_TIMESTAMP")),
    _text("method", 8), _text("status", 8), _text("tracking", 255),
)  # fmt: skip

# civicrm_location_type as the installer fills it (Home is the default).
LOCATION_TYPES = [
    {"id": 1, "name": "Home", "display_name": "Home", "vcard_name": "HOME",
     "description": "Place of residence", "is_default": True},
    {"id": 2, "name": "Work", "display_name": "Work", "vcard_name": "WORK",
     "description": "Work location"},
    {"id": 3, "name": "Main", "display_name": "Main", "description": "Main office location"},
    {"id": 4, "name": "Other", "display_name": "Other", "description": "Other location"},
    {"id": 5, "name": "Billing", "display_name": "Billing",
     "description": "Billing Address location", "is_reserved": True},
]  # fmt: skip
# A few of the installer's rows, with their real ids.
WORLD_REGIONS = [
    {"id": 1, "name": "Europe and Central Asia"},
    {"id": 2, "name": "America South, Central, North and Caribbean"},
]
COUNTRIES = [
    {"id": 1039, "name": "Canada", "iso_code": "CA", "region_id": 2,
     "is_province_abbreviated": True},
    {"id": 1076, "name": "France", "iso_code": "FR", "region_id": 1},
    {"id": 1082, "name": "Germany", "iso_code": "DE", "region_id": 1},
    {"id": 1226, "name": "United Kingdom", "iso_code": "GB", "region_id": 1},
    {"id": 1228, "name": "United States", "iso_code": "US", "region_id": 2,
     "is_province_abbreviated": True},
]  # fmt: skip
STATES = [
    {"id": 1004, "name": "California", "abbreviation": "CA", "country_id": 1228},
    {"id": 1012, "name": "Illinois", "abbreviation": "IL", "country_id": 1228},
    {"id": 1020, "name": "Massachusetts", "abbreviation": "MA", "country_id": 1228},
    {"id": 1066, "name": "Ontario", "abbreviation": "ON", "country_id": 1039},
    {"id": 1068, "name": "Quebec", "abbreviation": "QC", "country_id": 1039},
]

_LOCATION = {"vcard_name": None, "is_default": False, "is_reserved": False, "is_active": True}
_PG_MODIFIED_TRIGGER = (
    """CREATE FUNCTION civicrm_contact_modified() RETURNS trigger AS $$
    BEGIN
      IF NEW.modified_date IS NOT DISTINCT FROM OLD.modified_date THEN
        NEW.modified_date := CURRENT_TIMESTAMP;
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER civicrm_contact_modified BEFORE UPDATE ON civicrm_contact
    FOR EACH ROW EXECUTE FUNCTION civicrm_contact_modified()""",
)
_MYSQL_MODIFIED = (
    "ALTER TABLE civicrm_contact MODIFY modified_date TIMESTAMP NULL "
    "DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP",
)


def create_civicrm(engine: Engine) -> None:
    """The tables in an empty database, seeded as CiviCRM's installer seeds them."""
    metadata.create_all(engine)
    extra = _MYSQL_MODIFIED if engine.dialect.name in MYSQL else _PG_MODIFIED_TRIGGER
    with engine.begin() as conn:
        for statement in extra:
            conn.exec_driver_sql(statement)
        conn.execute(insert(civicrm_location_type), [_LOCATION | row for row in LOCATION_TYPES])
        conn.execute(insert(civicrm_worldregion), WORLD_REGIONS)
        conn.execute(
            insert(civicrm_country), [{"is_province_abbreviated": False} | c for c in COUNTRIES]
        )
        conn.execute(insert(civicrm_state_province), STATES)
