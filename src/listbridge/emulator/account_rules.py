"""What the account operations accept: D:CustomerPut, D:AccountPhysicalAddress and
D:AccountEmailInput with the rules their texts state, and the changes they make.

Each function takes the current profile and answers the new one (the caller swaps it in
under the lock) or raises the 400/409 a client caused, naming the property and the reason.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import replace
from typing import Annotated, Any

import pycountry
from pydantic import StringConstraints

from listbridge.emulator.account_profile import AccountEmail, AccountProfile, PhysicalAddress
from listbridge.emulator.contact_rules import check_email
from listbridge.emulator.errors import bad_request, conflict
from listbridge.emulator.schemas import Body

#: the countries whose addresses name a state by ``state_code`` (the others by ``state_name``)
STATE_CODE_COUNTRIES = ("US", "CA")
Line = Annotated[str, StringConstraints(min_length=1, max_length=80)]


class CustomerPutIn(Body):
    """D:CustomerPut; ``encoded_account_id`` is read-only and ignored when sent."""

    contact_email: str | None = None
    contact_phone: Annotated[str, StringConstraints(max_length=25)] | None = None
    country_code: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    organization_name: str | None = None
    organization_phone: str | None = None
    state_code: str | None = None
    time_zone_id: str | None = None
    website: str | None = None


class PhysicalAddressIn(Body):
    address_line1: Line
    address_line2: Line | None = None
    address_line3: Line | None = None
    city: str
    country_code: str
    postal_code: str | None = None
    state_code: Annotated[str, StringConstraints(max_length=2)] | None = None
    state_name: str | None = None


class AccountEmailIn(Body):
    email_address: Annotated[str, StringConstraints(max_length=80)] | None = None


def country(code: str, where: str) -> str:
    """An ISO 3166-1 alpha-2 code, upper case; anything else is a 400."""
    upper = code.strip().upper()
    if len(upper) != 2 or pycountry.countries.get(alpha_2=upper) is None:
        raise bad_request(f"{where}: {code!r} is not an ISO 3166-1 two-letter country code")
    return upper


def state_of_country(code: str, country_code: str, where: str) -> str:
    """A state or province code of ``country_code`` (US, CA), upper case."""
    upper = code.strip().upper()
    # pycountry's subdivisions database is untyped
    lookup: Any = pycountry.subdivisions.get
    if lookup(code=f"{country_code}-{upper}") is None:
        raise bad_request(f"{where}: {code!r} is not a state code of {country_code}")
    return upper


def update_summary(account: AccountProfile, body: CustomerPutIn) -> AccountProfile:
    """P:PUT /account/summary: a partial update of the properties sent."""
    changes = body.model_dump(exclude_none=True)
    if "country_code" in changes:
        changes["country_code"] = country(changes["country_code"], "country_code")
    new_country = changes.get("country_code", account.country_code)
    if new_country in STATE_CODE_COUNTRIES:
        state = changes.get("state_code", account.state_code)
        if not state:
            raise bad_request(f"state_code: required when country_code is {new_country}")
        changes["state_code"] = state_of_country(state, new_country, "state_code")
    elif "country_code" in changes and "state_code" not in changes:
        changes["state_code"] = ""  # the old country's state does not belong to the new one
    if "time_zone_id" in changes and changes["time_zone_id"] not in _time_zones():
        raise bad_request(
            f"time_zone_id: {changes['time_zone_id']!r} is not a time zone of the IANA database"
        )
    updated = replace(account, **changes)
    if "contact_email" in changes:
        updated = _move_contact_role(updated, changes["contact_email"])
    return updated


def _move_contact_role(account: AccountProfile, address: str) -> AccountProfile:
    """``contact_email`` must be a confirmed account address (D:CustomerPut); it takes the
    CONTACT role, which one address holds at a time (D:AccountEmails.roles)."""
    row = account.email(address)
    if row is None or not row.confirmed:
        raise bad_request(
            f"contact_email: {address!r} is not a confirmed e-mail address of the account "
            "(GET /account/emails?confirm_status=CONFIRMED)"
        )
    for email in account.emails:
        if "CONTACT" in email.roles and email.email_id != row.email_id:
            roles = tuple(r for r in email.roles if r != "CONTACT")
            account = account.with_email(replace(email, roles=roles))
    if "CONTACT" not in row.roles:
        account = account.with_email(replace(row, roles=(*row.roles, "CONTACT")))
    return replace(account, contact_email=row.email_address)


def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def physical_address(body: PhysicalAddressIn) -> PhysicalAddress:
    """The address the operation texts allow: US and CA addresses name their state by
    ``state_code`` and need a ``postal_code``; every other country names it by
    ``state_name`` (optional) and has no ``state_code``."""
    code = country(body.country_code, "country_code")
    if code in STATE_CODE_COUNTRIES:
        if body.state_name is not None:
            raise bad_request(f"state_name: not used for {code} addresses; send state_code")
        if body.state_code is None:
            raise bad_request(f"state_code: required for {code} addresses")
        if not (body.postal_code or "").strip():
            raise bad_request(f"postal_code: required for {code} addresses")
        state: str | None = state_of_country(body.state_code, code, "state_code")
    else:
        if body.state_code is not None:
            raise bad_request(
                f"state_code: only used for US and CA addresses; send state_name for {code}"
            )
        state = None
    return PhysicalAddress(
        address_line1=body.address_line1,
        address_line2=body.address_line2,
        address_line3=body.address_line3,
        city=body.city,
        country_code=code,
        state_code=state,
        postal_code=body.postal_code,
        state_name=body.state_name,
    )


def add_email(account: AccountProfile, body: AccountEmailIn) -> AccountEmail:
    """P:POST /account/emails: a new UNCONFIRMED address; one the account has is a 409."""
    if body.email_address is None:
        raise bad_request("email_address: required")
    address = check_email(body.email_address, "email_address")
    if account.email(address) is not None:
        raise conflict(f"email_address: {address} is already an e-mail address of the account")
    next_id = max((e.email_id for e in account.emails), default=0) + 1
    return AccountEmail(email_id=next_id, email_address=address)
