"""Countries and states as CiviCRM keeps them: rows of its own tables, named by id.

An address names its country and state by id (civicrm_country, civicrm_state_province).
A country is found by its ISO code or its name, or by any name pycountry knows for it
("United States of America", "USA"); a state by its abbreviation or name within the
country. A value that names none is refused, as CiviCRM's own import refuses it.
"""

from __future__ import annotations

import pycountry
from sqlalchemy import Connection, func, or_, select

from listbridge.core.errors import UserError
from listbridge.crm.civicrm.tables import COUNTRY, LOCATION_TYPE, STATE


class UnplacedError(Exception):
    """A country or state CiviCRM has no row for (the writer names the account)."""


def country_id(conn: Connection, text: str) -> int | None:
    if not text:
        return None
    found = _country(conn, text) or _country(conn, _iso_code(text))
    if found is None:
        raise UnplacedError(f"country: {text!r} is not a country of this CiviCRM")
    return found


def state_id(conn: Connection, text: str, country: int | None) -> int | None:
    """The state named, within the country when there is one, else in any one country."""
    if not text:
        return None
    key = text.lower()
    query = select(STATE.c.id).where(
        or_(func.lower(STATE.c.abbreviation) == key, func.lower(STATE.c.name) == key)
    )
    if country is not None:
        query = query.where(STATE.c.country_id == country)
    found = list(conn.scalars(query.order_by(STATE.c.id)))
    if len(found) > 1 and country is None:
        raise UnplacedError(f"state: {text!r} is in several countries; give the country")
    if len(found) != 1:
        where = "its country" if country is not None else "any country"
        raise UnplacedError(f"state: {text!r} is not a state or province of {where}")
    return int(found[0])


def location_type_id(conn: Connection, name: str | None = None) -> int:
    """The location type named (Home, Work, …), else the default one, as CiviCRM picks."""
    query = select(LOCATION_TYPE.c.id, LOCATION_TYPE.c.name, LOCATION_TYPE.c.is_default)
    rows = list(conn.execute(query.where(LOCATION_TYPE.c.is_active.is_not(False))))
    named = [r.id for r in rows if name is not None and r.name == name]
    default = [r.id for r in rows if r.is_default] + [r.id for r in rows]
    chosen = (named + default)[:1]
    if not chosen:
        raise UserError("CiviCRM has no active location type (civicrm_location_type)")
    return int(chosen[0])


def _country(conn: Connection, text: str) -> int | None:
    if not text:
        return None
    key = text.lower()
    query = select(COUNTRY.c.id).where(
        or_(func.lower(COUNTRY.c.iso_code) == key, func.lower(COUNTRY.c.name) == key)
    )
    return conn.scalar(query.order_by(COUNTRY.c.id).limit(1))


def _iso_code(text: str) -> str:
    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        return ""
