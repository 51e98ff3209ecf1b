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
from functools import cached_property, lru_cache
from json.encoder import encode_basestring_ascii
from operator import attrgetter
from typing import Any

import pycountry

from listbridge.core.accounts import CUSTOM_PREFIX, Account
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

    # Cached: map_account asks for each account, and the policy never changes.
    @cached_property
    def left_out(self) -> frozenset[str]:
        """The row keys this policy never sends (Constant Contact keeps its own values)."""
        return (frozenset() if self.include_address else ADDRESS_KEYS) | (
            frozenset() if self.include_company else COMPANY_KEYS
        )

    @cached_property
    def custom_slots(self) -> tuple[tuple[str, str, bool], ...]:
        """Each custom pair as (row key, the CRM field's name, whether it is a custom one)."""
        return tuple(
            (f"cf:{p.cc_field}", p.crm_field.removeprefix(CUSTOM_PREFIX), _is_custom(p.crm_field))
            for p in self.custom
        )

    def sending_everything(self) -> MappingPolicy:
        return replace(self, include_address=True, include_company=True)


def map_account(account: Account, policy: MappingPolicy) -> MappedContact:
    # Called for every account a push plans (100,000s a run): one loop, no call per field
    # unless a value must be cut.
    row: dict[str, str] = {"email": account.email.strip()}
    warnings: list[FieldWarning] = []
    for (key, limit), value in zip(_STANDARD_SLOTS, _standard_values(account), strict=True):
        if value != "":
            text = str(value).strip()
            if text:
                row[key] = _fitted(warnings, key, text, limit) if len(text) > limit else text
    state = state_value(account.state, account.country, policy.state).strip()
    if state:
        row["state"] = _fitted(warnings, "state", state, 50) if len(state) > 50 else state
    values = account.custom
    for key, name, custom in policy.custom_slots:
        if custom:
            found = values.get(name)
            text = "" if found is None else str(found).strip()
        else:
            text = str(getattr(account, name, "") or "").strip()
        if text:
            row[key] = _fitted(warnings, key, text, 255) if len(text) > 255 else text
    if PHONE_KEYS[-1] in row:
        # More phones than a contact holds means every kind is there, the last one too.
        _at_most_three_phones(row, warnings)
    left_out = policy.left_out
    if left_out:
        # Neither sent nor warned about: a value cut to fit is no news when it stays home.
        row = {k: v for k, v in row.items() if k not in left_out}
        warnings = [w for w in warnings if w.field not in left_out]
    return MappedContact(row, tuple(warnings))


_STANDARD_SLOTS = tuple((key, limit) for key, _, limit in STANDARD)
_standard_values = attrgetter(*(attribute for _, attribute, _ in STANDARD))


def _fitted(warnings: list[FieldWarning], key: str, text: str, limit: int) -> str:
    """`text`, longer than `limit`, cut to fit; the cut is reported."""
    fitted = cut_at_word(text, limit)
    warnings.append(FieldWarning(key, f"{key} longer than {limit} characters: sent as {fitted!r}"))
    return fitted


def _at_most_three_phones(row: dict[str, str], warnings: list[FieldWarning]) -> None:
    """A contact holds 3 phones (facts §5.2, §9.2): with all four, the fax stays behind."""
    present = [key for key in PHONE_KEYS if key in row]
    for key in present[MAX_PHONES:]:
        dropped = row.pop(key)
        message = f"{key} {dropped!r} not sent: Constant Contact keeps at most {MAX_PHONES} phones"
        warnings.append(FieldWarning(key, message, dropped=True))


def cut_at_word(text: str, limit: int) -> str:
    """The longest prefix of whole words within `limit` (a hard cut if one word is longer)."""
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    cut = head.rstrip()[:limit].rsplit(" ", 1)[0] if " " in head[:limit] else text[:limit]
    return cut.rstrip(" ,;-") or text[:limit]


def crm_value(account: Account, crm_field: str) -> str:
    if _is_custom(crm_field):
        value = account.custom.get(crm_field.removeprefix(CUSTOM_PREFIX))
        return "" if value is None else str(value)
    return str(getattr(account, crm_field, "") or "")


def _is_custom(crm_field: str) -> bool:
    return crm_field.startswith(CUSTOM_PREFIX)


@lru_cache(maxsize=4096)
def state_value(state: str, country: str, wanted: StateFormat) -> str:
    """The state as its name or its code (pycountry); unknown ones go as they are.

    Cached: a CRM holds a few hundred (state, country) pairs, and a pycountry look-up
    costs as much as the rest of an account's mapping."""
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

    The hash is of `json.dumps([sorted(row.items()), sorted(list_ids)], separators=(",",
    ":"))`, as it always was (fingerprints are stored); `_canonical` writes that same text
    at twice the speed, and anything but text falls back to json itself.
    """
    try:
        canonical = _canonical(row, list_ids)
    except TypeError:
        canonical = _JSON([sorted(row.items()), sorted(list_ids)])
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


_JSON = json.JSONEncoder(separators=(",", ":")).encode
#: the JSON string of a text as json.dumps writes it (the same C function); TypeError for
#: anything but text
_string = encode_basestring_ascii
#: row keys in the order a row holds them → (the text before the values, the sorted keys)
_TEMPLATES: dict[tuple[str, ...], tuple[str, tuple[str, ...]]] = {}


def _canonical(row: Mapping[str, str], list_ids: Sequence[str]) -> str:
    """`_JSON([sorted(row.items()), sorted(list_ids)])` for text keys and values, the
    JSON around the values written once per set of keys (a CRM's rows have few)."""
    keys = tuple(row)
    found = _TEMPLATES.get(keys)
    if found is None:
        if len(_TEMPLATES) >= 1024:
            _TEMPLATES.clear()
        found = _TEMPLATES[keys] = _template(keys)
    head, order = found
    values = tuple(map(_string, map(row.__getitem__, order)))
    if not list_ids:  # what a push stores
        return f"{head % values}]]"
    return f"{head % values}{','.join(map(_string, sorted(list_ids)))}]]"


def _template(keys: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    order = tuple(sorted(keys))
    pairs = "],[".join(f"{_string(key).replace('%', '%%')},%s" for key in order)
    return (f"[[[{pairs}]],[" if order else "[[],["), order
