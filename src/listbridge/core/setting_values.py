"""The kinds of setting values: parse the text a person types, render it back.

Every parser raises `ValueError` whose message is the reason a person reads;
`core.settings` adds the key and the allowed values. Each renderer writes the
canonical text, which is what the store keeps, so parse(render(v)) == v.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from enum import IntEnum, StrEnum
from typing import TypeVar

from email_validator import EmailNotValidError, validate_email

E = TypeVar("E", bound=StrEnum)

_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
MAX_CC_FIELD_NAME = 50
CRM_FIELDS_FOR_CC = ("middle_name", "individual_type")
CUSTOM_PREFIX = "custom."


class AmbiguousMatch(StrEnum):
    NEW = "new"
    LINK = "link"
    IGNORE = "ignore"


class Direction(StrEnum):
    BOTH = "both"
    CRM_TO_CC = "crm_to_cc"
    CC_TO_CRM = "cc_to_crm"

    @property
    def writes_cc(self) -> bool:
        return self is not Direction.CC_TO_CRM

    @property
    def writes_crm(self) -> bool:
        return self is not Direction.CRM_TO_CC


class UpdateFields(StrEnum):
    NONE = "none"
    EMPTY_ONLY = "empty_only"
    OVERWRITE = "overwrite"


class StateFormat(StrEnum):
    NAME = "name"
    CODE = "code"


class OnCrmDelete(StrEnum):
    """What a push does to the contact of a linked account deleted (or blanked) in the CRM."""

    KEEP = "keep"
    REMOVE_FROM_LISTS = "remove_from_lists"
    DELETE_CONTACT = "delete_contact"


class Frequency(StrEnum):
    OFF = "off"
    DAILY = "daily"
    WEEKLY = "weekly"


class Weekday(IntEnum):
    """Numbered like `datetime.weekday()`."""

    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


@dataclass(frozen=True)
class FieldPair:
    """A Constant Contact custom field filled from a CRM field."""

    cc_field: str
    crm_field: str


@dataclass(frozen=True)
class Schedule:
    """`off`, `daily HH:MM` or `weekly DAY HH:MM`."""

    frequency: Frequency = Frequency.OFF
    at: time | None = None
    day: Weekday | None = None


def parse_bool(text: str) -> bool:
    word = text.strip().lower()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise ValueError("not a yes/no value")


def render_bool(value: bool) -> str:
    return "true" if value else "false"


def integer(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        stripped = text.strip()
        if not re.fullmatch(r"[+-]?\d{1,12}", stripped):
            raise ValueError("not a whole number")
        value = int(stripped)
        if not low <= value <= high:
            raise ValueError(f"{value} is out of range")
        return value

    return parse


def choice(kind: type[E]) -> Callable[[str], E]:
    def parse(text: str) -> E:
        try:
            return kind(text.strip().lower())
        except ValueError:
            raise ValueError("not one of the choices") from None

    return parse


def parse_clock(text: str) -> time:
    found = _CLOCK.fullmatch(text.strip())
    if found is None:
        raise ValueError("not a time of day like 02:00")
    hour, minute = int(found[1]), int(found[2])
    if hour > 23 or minute > 59:
        raise ValueError("hours go from 00 to 23 and minutes from 00 to 59")
    return time(hour, minute)


def render_clock(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def _items(text: str) -> list[str]:
    """Comma-separated items, trimmed; an empty item is a mistake worth naming."""
    items = [item.strip() for item in text.split(",")]
    if any(not item for item in items):
        raise ValueError("an item between commas is empty")
    return items


def field_pairs(max_pairs: int) -> Callable[[str], tuple[FieldPair, ...]]:
    def parse(text: str) -> tuple[FieldPair, ...]:
        if not text.strip():
            return ()
        pairs = tuple(_field_pair(item) for item in _items(text))
        if len(pairs) > max_pairs:
            raise ValueError(f"{len(pairs)} pairs given, at most {max_pairs} are allowed")
        _refuse_duplicates([pair.cc_field for pair in pairs], "Constant Contact field")
        return pairs

    return parse


def _field_pair(item: str) -> FieldPair:
    cc_field, equals, crm_field = (part.strip() for part in item.partition("="))
    if not equals or not cc_field or not crm_field:
        raise ValueError(f"{item!r} is not a pair like 'CC field=CRM field'")
    _check_length(cc_field, MAX_CC_FIELD_NAME, "Constant Contact field name")
    if "=" in crm_field:
        raise ValueError(f"{item!r} has more than one '='")
    if not _pushable(crm_field):
        raise ValueError(f"{crm_field!r} is not a CRM field that can be pushed")
    return FieldPair(cc_field, crm_field)


def _pushable(crm_field: str) -> bool:
    if crm_field.startswith(CUSTOM_PREFIX):
        return bool(crm_field.removeprefix(CUSTOM_PREFIX).strip())
    return crm_field in CRM_FIELDS_FOR_CC


def render_field_pairs(value: tuple[FieldPair, ...]) -> str:
    return ", ".join(f"{pair.cc_field}={pair.crm_field}" for pair in value)


def parse_tag(text: str) -> str:
    tag = text.strip()
    if not tag or len(tag) > 255:
        raise ValueError("a tag name has 1 to 255 characters")
    return tag


class ImportScope(StrEnum):
    """Which Constant Contact contacts an import reads."""

    LISTS = "lists"  # those on the lists import.lists selects
    ALL_ACTIVE = "all_active"  # every active contact, also those on no list


def parse_list_name_or_empty(text: str) -> str:
    name = text.strip()
    if len(name) > 255:
        raise ValueError("a list name has at most 255 characters")
    return name


def parse_custom_field_or_empty(text: str) -> str:
    """`custom.<Name>` (a CRM custom field), or empty for none."""
    name = text.strip()
    if not name:
        return ""
    if not name.startswith(CUSTOM_PREFIX) or not name[len(CUSTOM_PREFIX) :].strip():
        raise ValueError(f"{name!r} is not custom.<Name>, the name of a CRM custom field")
    return CUSTOM_PREFIX + name[len(CUSTOM_PREFIX) :].strip()


def parse_email_or_empty(text: str) -> str:
    address = text.strip()
    if not address:
        return ""
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValueError(f"not a valid email address ({error})") from None


def parse_schedule(text: str) -> Schedule:
    words = text.strip().lower().split()
    if words == ["off"]:
        return Schedule()
    if len(words) == 2 and words[0] == Frequency.DAILY:
        return Schedule(Frequency.DAILY, parse_clock(words[1]))
    if len(words) == 3 and words[0] == Frequency.WEEKLY:
        return Schedule(Frequency.WEEKLY, parse_clock(words[2]), _weekday(words[1]))
    raise ValueError("not a schedule like 'off', 'daily 02:00' or 'weekly sunday 03:30'")


def _weekday(word: str) -> Weekday:
    for day in Weekday:
        if word in (day.name.lower(), day.name.lower()[:3]):
            return day
    raise ValueError(f"{word!r} is not a day of the week (monday … sunday, or mon … sun)")


def render_schedule(value: Schedule) -> str:
    if value.frequency is Frequency.OFF or value.at is None:
        return "off"
    if value.frequency is Frequency.DAILY or value.day is None:
        return f"daily {render_clock(value.at)}"
    return f"weekly {value.day.name.lower()} {render_clock(value.at)}"


def _refuse_duplicates(names: list[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name.casefold() in seen:
            raise ValueError(f"{what} {name!r} is named twice")
        seen.add(name.casefold())


def _check_length(name: str, limit: int, what: str) -> None:
    if len(name) > limit:
        raise ValueError(f"{what} {name[:20]!r}… is longer than {limit} characters")


def parse_date_or_empty(text: str) -> date | None:
    stripped = text.strip()
    if not stripped:
        return None
    try:
        return date.fromisoformat(stripped)
    except ValueError:
        raise ValueError(f"{stripped!r} is not a date like 2024-01-31") from None


def render_date_or_empty(value: date | None) -> str:
    return value.isoformat() if value else ""


def parse_local_parts(text: str) -> tuple[str, ...]:
    """Local parts (the bit before @) of role addresses; empty means none at all."""
    if not text.strip():
        return ()
    parts = [item.lower().removesuffix("@") for item in _items(text)]
    for part in parts:
        if "@" in part or " " in part:
            raise ValueError(f"{part!r} is not the part of an address before the @")
    _refuse_duplicates(parts, "local part")
    return tuple(parts)


def render_local_parts(value: tuple[str, ...]) -> str:
    return ", ".join(value)
