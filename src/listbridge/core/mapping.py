"""CRM account → Constant Contact JSON-import row (the other direction is contact_fields).

The mapping is fixed (issue 6): names, company, the first e-mail, phone1 → home,
phone2 → work, phone3 → mobile, fax → other, one home street address, title → job
title, and the `push.custom_fields` pairs as `cf:<name>`. A value longer than the API
takes is cut at a word boundary and reported as a warning, never sent to be refused.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pycountry

from listbridge.core.accounts import Account
from listbridge.core.setting_values import FieldPair, StateFormat

#: JSON-import key → (account attribute, the API's limit). Facts §5.2 and §9.2.
STANDARD: tuple[tuple[str, str, int], ...] = (
    ("first_name", "first_name", 50),
    ("last_name", "last_name", 50),
    ("company_name", "company_name", 50),
    ("job_title", "title", 50),
    ("home_phone", "phone1", 25),
    ("work_phone", "phone2", 25),
    ("mobile_phone", "phone3", 25),
    ("other_phone", "fax", 25),
    ("street", "address_line1", 255),
    ("city", "city", 50),
    ("zip", "zip", 50),
    ("country", "country", 50),
)
CUSTOM_VALUE_LIMIT = 255
PHONE_KEYS = ("home_phone", "work_phone", "mobile_phone", "other_phone")
MAX_PHONES = 3
IMPORT_EMAIL_LIMIT = 50
#: the row keys of the one street address a contact is sent, and of the company
ADDRESS_KEYS = frozenset({"street", "city", "state", "zip", "country"})
COMPANY_KEYS = frozenset({"company_name"})


@dataclass(frozen=True)
class FieldWarning:
    field: str
    message: str
    #: the value was left out entirely (no room for it), not cut
    dropped: bool = False


@dataclass(frozen=True)
class MappedContact:
    """One account as Constant Contact receives it, and what had to be cut to fit."""

    row: Mapping[str, str]
    warnings: tuple[FieldWarning, ...] = ()

    @property
    def email(self) -> str:
        return self.row.get("email", "")


@dataclass(frozen=True)
class MappingPolicy:
    state: StateFormat = StateFormat.NAME
    #: (CC custom field name, CRM field) — the CC *name* (the import's `cf:` key)
    custom: tuple[FieldPair, ...] = field(default_factory=tuple)
    #: `push.include_address`, `push.include_company`
    include_address: bool = True
    include_company: bool = True

    @property
    def left_out(self) -> frozenset[str]:
        """The row keys this policy never sends (Constant Contact keeps its own values)."""
        return (frozenset() if self.include_address else ADDRESS_KEYS) | (
            frozenset() if self.include_company else COMPANY_KEYS
        )

    def sending_everything(self) -> MappingPolicy:
        return replace(self, include_address=True, include_company=True)


def map_account(account: Account, policy: MappingPolicy) -> MappedContact:
    row: dict[str, str] = {"email": account.email.strip()}
    warnings: list[FieldWarning] = []
    for key, attribute, limit in STANDARD:
        _put(row, warnings, key, str(getattr(account, attribute)), limit)
    _put(row, warnings, "state", state_value(account.state, account.country, policy.state), 50)
    for pair in policy.custom:
        _put(row, warnings, f"cf:{pair.cc_field}", crm_value(account, pair.crm_field), 255)
    _at_most_three_phones(row, warnings)
    left_out = policy.left_out
    if left_out:
        # Neither sent nor warned about: a value cut to fit is no news when it stays home.
        row = {k: v for k, v in row.items() if k not in left_out}
        warnings = [w for w in warnings if w.field not in left_out]
    return MappedContact(row, tuple(warnings))


def _at_most_three_phones(row: dict[str, str], warnings: list[FieldWarning]) -> None:
    """A contact holds 3 phones (facts §5.2, §9.2): with all four, the fax stays behind."""
    present = [key for key in PHONE_KEYS if key in row]
    for key in present[MAX_PHONES:]:
        dropped = row.pop(key)
        message = f"{key} {dropped!r} not sent: Constant Contact keeps at most {MAX_PHONES} phones"
        warnings.append(FieldWarning(key, message, dropped=True))


def _put(row: dict[str, str], warnings: list[FieldWarning], key: str, value: str, n: int) -> None:
    text = value.strip()
    if not text:
        return
    fitted = cut_at_word(text, n)
    if fitted != text:
        message = f"{key} longer than {n} characters: sent as {fitted!r}"
        warnings.append(FieldWarning(key, message))
    row[key] = fitted


def cut_at_word(text: str, limit: int) -> str:
    """The longest prefix of whole words within `limit` (a hard cut if one word is longer)."""
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    cut = head.rstrip()[:limit].rsplit(" ", 1)[0] if " " in head[:limit] else text[:limit]
    return cut.rstrip(" ,;-") or text[:limit]


def crm_value(account: Account, crm_field: str) -> str:
    if crm_field.startswith("custom."):
        value = account.custom.get(crm_field.removeprefix("custom."))
        return "" if value is None else str(value)
    return str(getattr(account, crm_field, "") or "")


def state_value(state: str, country: str, wanted: StateFormat) -> str:
    """The state as its name or its code (pycountry); unknown ones go as they are."""
    text = state.strip()
    found = _subdivision(text, _country_code(country))
    if found is None:
        return text
    return str(found.name) if wanted is StateFormat.NAME else str(found.code).split("-", 1)[1]


def _country_code(country: str) -> str:
    text = country.strip()
    if not text:
        return "US"
    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        return ""


def _subdivision(state: str, country: str) -> Any:
    if not state or not country:
        return None
    lookup: Any = pycountry.subdivisions.get
    by_code = lookup(code=f"{country}-{state.upper()}")
    if by_code is not None:
        return by_code
    for sub in lookup(country_code=country) or ():
        if str(sub.name).casefold() == state.casefold():
            return sub
    return None


def fingerprint(row: Mapping[str, str], list_ids: Sequence[str]) -> str:
    """What was pushed, as a short stable hash: the mapped fields, and the lists when given.

    A push stores the fields alone (`list_ids=()`): memberships are planned from the
    lists themselves, so a list that changes never turns into a field update. Links
    stored before that carry fields and lists; the planner still recognises them.
    """
    canonical = json.dumps([sorted(row.items()), sorted(list_ids)], separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]
