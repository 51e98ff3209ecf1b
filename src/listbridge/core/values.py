"""Parsing one raw text value of a CRM file, and the canonical text of each kind.

Every parser takes the text as found in the file (already trimmed) and either
returns the typed value or raises `ValueError` whose message is the reason a
person reads in the error report. The canonical text forms are what the store
keeps for custom values, so a value survives export and load unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Context, Decimal, InvalidOperation

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

from listbridge.core.accounts import CustomFieldDef, CustomValue, FieldType

# The one set of yes/no words (any case, trimmed): what files and exports write, CRM
# exports' `x` for a ticked box included. Every reader of a yes/no takes these, so a value
# one path stores another reads back; tests/unit/test_export_values.py pins them.
TRUE_WORDS = frozenset({"true", "yes", "1", "y", "x"})
FALSE_WORDS = frozenset({"false", "no", "0", "n", ""})
BOOLEAN_HELP = "true/false, yes/no, 1/0, y/n or x (empty means false)"
MAX_NUMBER_TEXT = 40
DATE_HELP = "a date like 2024-03-31, 2024/03/31, 03/31/2024, 31 Mar 2024 or Mar 31, 2024"
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%m/%d/%Y",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
)
MAX_EMAIL = 254
MAX_LOCAL_PART = 64
_SPECIAL_USE = frozenset(SPECIAL_USE_DOMAIN_NAMES)
# One match decides it all, so a column of addresses is checked in C (`plain_emails`):
# at most MAX_EMAIL characters, a local part of at most MAX_LOCAL_PART, no "--" in the
# domain, and a last label that is no special-use name (any case).
_PLAIN_EMAIL = re.compile(
    rf"(?=.{{1,{MAX_EMAIL}}}\Z)(?=[^@]{{1,{MAX_LOCAL_PART}}}@)"
    r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*"
    r"@(?![^@]*--)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    rf"(?!(?i:{'|'.join(sorted(map(re.escape, _SPECIAL_USE)))})\Z)[A-Za-z]{{2,24}}"
)
_WIDE = Context(prec=2 * MAX_NUMBER_TEXT)


NUL = "\x00"
NUL_REFUSAL = "the value holds a NUL character (byte 0), which cannot be stored"


def unstorable(text: str) -> str | None:
    """Why the store cannot keep `text`, else None.

    PostgreSQL text holds no NUL byte, so a NUL is refused whatever the backend: a
    SQLite store that kept one would export a file `crm load` refuses. Every way text
    gets into the CRM (a loaded file, an import) asks this one question.
    """
    return NUL_REFUSAL if NUL in text else None


def reportable(text: str) -> str:
    """`text` as a report can keep it: a NUL shown as the symbol ␀ (U+2400)."""
    return text.replace(NUL, "\u2400")


def parse_bool(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"{text!r} is not a yes/no value; use {BOOLEAN_HELP}")


def format_bool(value: bool) -> str:
    return "true" if value else "false"


def parse_number(text: str) -> Decimal:
    """A decimal number; thousands separators and currency signs are refused."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number; use digits like 1234.5 or -12") from None
    if not number.is_finite():
        raise ValueError(f"{text!r} is not a finite number")
    if abs(number.adjusted()) > MAX_NUMBER_TEXT or len(format_number(number)) > MAX_NUMBER_TEXT:
        raise ValueError(f"{text!r} has more than {MAX_NUMBER_TEXT} characters once written out")
    return number


def format_number(number: Decimal) -> str:
    """Plain digits, no exponent, no trailing zeros: 1.50 → 1.5, 1E+3 → 1000, -0 → 0."""
    # A wide context: the default 28 digits would silently round long numbers.
    text = format(number.normalize(_WIDE), "f")
    return "0" if text in ("-0", "0") or Decimal(text).is_zero() else text


def parse_date(text: str) -> date:
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a date, no time zone
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date; use {DATE_HELP}")


def parse_timestamp(text: str) -> datetime:
    """ISO-8601; a time without zone is taken as UTC, as exports write UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO-8601 time like 2024-03-31T12:00:00Z") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def check_email(text: str) -> str:
    """The address as given (trimmed), once its syntax is valid; case is kept."""
    if is_plain_email(text):
        return text
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        raise ValueError(f"{text!r} is not a valid email address: {error}") from None
    return text


def is_plain_email(text: str) -> bool:
    """True for the plain ASCII shape almost every address has, which email-validator accepts.

    A shortcut, for speed: email-validator costs ~25 µs an address, too much for
    100,000-row files. Anything else (Unicode, quoting, odd labels, reserved
    names) is left to email-validator; tests check the shortcut never accepts
    what it would refuse.
    """
    return _PLAIN_EMAIL.fullmatch(text) is not None


def plain_emails(texts: Iterable[str]) -> bool:
    """`is_plain_email` of every non-empty text, in one pass in C."""
    return all(map(_PLAIN_EMAIL.fullmatch, filter(None, texts)))


def parse_custom(field: CustomFieldDef, text: str) -> CustomValue:
    """The typed value of `text` for `field`; the caller skips empty text (no value)."""
    if field.type is FieldType.NUMBER:
        return parse_number(text)
    if field.type is FieldType.DATE:
        return parse_date(text)
    if field.type is FieldType.BOOLEAN:
        return parse_bool(text)
    if field.type is FieldType.CHOICE and text not in field.choices:
        raise ValueError(f"{text!r} is not one of the choices: {', '.join(field.choices)}")
    return text


def format_custom(value: CustomValue) -> str:
    """The canonical text of a custom value, as the store keeps it."""
    if isinstance(value, bool):
        return format_bool(value)
    if isinstance(value, Decimal):
        return format_number(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
