"""Values as CRM and spreadsheet exports write them: dates in local forms,
account types in other words, and the type of a row whose `type` cell is empty or missing.

Each parser takes the trimmed text of one cell and returns its value or raises
`ValueError` whose message is the reason a person reads next to the row. A date is read
only when its text can mean one day: `31/03/2024` and `03/31/2024` are the same day, but
`03/04/2024` is 3 April in most of the world and March 4 in the United States, so it is
refused with both readings and the unambiguous way to write it.
"""

from __future__ import annotations

import re
from datetime import date

from listbridge.core.accounts import AccountType, CustomFieldDef, CustomValue, FieldType
from listbridge.core.values import parse_bool, parse_custom

DATE_HELP = "a date like 2024-03-31, 31/03/2024, 03/31/2024, 31 Mar 2024 or Mar 31, 2024"
TYPE_WORDS: dict[str, AccountType] = {
    "individual": AccountType.INDIVIDUAL,
    "person": AccountType.INDIVIDUAL,
    "organization": AccountType.ORGANIZATION,
    "organisation": AccountType.ORGANIZATION,
    "company": AccountType.ORGANIZATION,
    "business": AccountType.ORGANIZATION,
}
TYPE_HELP = "use individual (or person) or organization (organisation, company, business)"
_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
# A midnight time after a date, as spreadsheets and databases write dates: it means no time.
_MIDNIGHT = r"(?:[ T]0?0:00(?::00(?:\.0+)?)?(?: ?AM)?(?:Z|[+-]00:?00)?)?"
_YEAR_FIRST = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})" + _MIDNIGHT, re.IGNORECASE)
_YEAR_LAST = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4})" + _MIDNIGHT, re.IGNORECASE)
_SHORT_YEAR = re.compile(r"\d{1,2}([-/.])\d{1,2}\1\d{2}" + _MIDNIGHT, re.IGNORECASE)
_DAY_MONTH = re.compile(r"(\d{1,2})[ -]([a-z]+)\.?,?[ -](\d{4})", re.IGNORECASE)
_MONTH_DAY = re.compile(r"([a-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})", re.IGNORECASE)


def parse_export_date(text: str) -> date:
    """One day, from ISO (`2024-03-31`), day-first or month-first numbers when only one
    reading is a date, or an English month name; a trailing midnight time is dropped."""
    value = text.strip()
    if match := _YEAR_FIRST.fullmatch(value):
        return _day(text, int(match[1]), int(match[3]), int(match[4]))
    if match := _YEAR_LAST.fullmatch(value):
        return _numeric_day(text, int(match[1]), int(match[3]), int(match[4]))
    if _SHORT_YEAR.fullmatch(value):
        raise ValueError(
            f"{text!r} has a two-digit year, which could be of any century; "
            "write the year in full, like 2024-03-31"
        )
    if match := _DAY_MONTH.fullmatch(value):
        return _day(text, int(match[3]), _month(text, match[2]), int(match[1]))
    if match := _MONTH_DAY.fullmatch(value):
        return _day(text, int(match[3]), _month(text, match[1]), int(match[2]))
    raise ValueError(f"{text!r} is not a date; use {DATE_HELP}")


def _numeric_day(text: str, first: int, second: int, year: int) -> date:
    """`first/second/year`: day-first, month-first, or refused when both are dates."""
    if first > 12 or first == second:
        return _day(text, year, second, first)
    if second > 12:
        return _day(text, year, first, second)
    day_first, month_first = _day(text, year, second, first), _day(text, year, first, second)
    raise ValueError(
        f"{text!r} could be {_spoken(day_first)} (day first) or {_spoken(month_first)} "
        f"(month first); write it year first: {day_first.isoformat()} or "
        f"{month_first.isoformat()}"
    )


def _day(text: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError as error:
        raise ValueError(f"{text!r} is not a date: {error}") from None


def _month(text: str, word: str) -> int:
    """1–12 for an English month name or its first three letters (`Sept` too)."""
    name = word.lower()
    for number, month in enumerate(_MONTHS, start=1):
        if len(name) >= 3 and month.startswith(name):
            return number
    raise ValueError(f"{text!r} is not a date: {word!r} is not a month; use {DATE_HELP}")


def _spoken(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1].title()} {day.year}"


def parse_export_custom(field: CustomFieldDef, text: str) -> CustomValue:
    """`values.parse_custom`, with dates as exports write them (yes/no words are
    `values.parse_bool`'s, the one set every reader takes)."""
    if field.type is FieldType.DATE:
        return parse_export_date(text)
    if field.type is FieldType.BOOLEAN:
        return parse_bool(text)
    return parse_custom(field, text)


def parse_account_type(text: str) -> AccountType | None:
    """The account type a `type` cell names, in the words exports use; None when empty."""
    word = text.strip().lower()
    if not word:
        return None
    kind = TYPE_WORDS.get(word)
    if kind is None:
        raise ValueError(f"{text!r} is not an account type; {TYPE_HELP}")
    return kind


def row_type(type_text: str, first_name: str, last_name: str, company_name: str) -> AccountType:
    """A row's type: its `type` cell's word, or inferred from its names when the cell is
    empty or the file has no `type` column (give "" for a column the file lacks)."""
    return parse_account_type(type_text) or inferred_type(first_name, last_name, company_name)


def inferred_type(first_name: str, last_name: str, company_name: str) -> AccountType:
    """A row without a type: an individual when it names a person, an organization when
    it names only a company, an individual when it names neither (as before inference)."""
    if company_name.strip() and not (first_name.strip() or last_name.strip()):
        return AccountType.ORGANIZATION
    return AccountType.INDIVIDUAL
