"""Values of CRM files: canonical text forms survive a round trip."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from email_validator import validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from listbridge.core.accounts import CustomFieldDef, FieldType
from listbridge.core.emails import is_role_address, match_key
from listbridge.core.values import (
    MAX_NUMBER_TEXT,
    check_email,
    format_custom,
    format_number,
    format_timestamp,
    is_plain_email,
    parse_custom,
    parse_date,
    parse_number,
    parse_timestamp,
    plain_emails,
)

decimals = st.decimals(
    allow_nan=False, allow_infinity=False, min_value=-(10**15), max_value=10**15, places=6
)


@given(decimals)
@settings(max_examples=100)
def test_number_canonical_text_is_stable_and_exact(number: Decimal) -> None:
    text = format_number(number)
    assert parse_number(text) == number
    assert format_number(parse_number(text)) == text
    assert "E" not in text.upper()
    assert not text.startswith("-0") or text.startswith("-0.")


@pytest.mark.parametrize(
    ("text", "canonical"), [("1.50", "1.5"), ("1E+3", "1000"), ("-0", "0"), ("0.000", "0")]
)
def test_number_canonical_examples(text: str, canonical: str) -> None:
    assert format_number(parse_number(text)) == canonical


def test_numbers_too_long_to_write_out_are_refused() -> None:
    with pytest.raises(ValueError, match=f"more than {MAX_NUMBER_TEXT}"):
        parse_number("1e100")
    assert format_number(parse_number("1" * 35)) == "1" * 35


@given(st.dates(min_value=date(1000, 1, 1)))
@settings(max_examples=100)
def test_dates_in_every_accepted_form_read_back(day: date) -> None:
    forms = [day.isoformat(), day.strftime("%Y/%m/%d"), day.strftime("%m/%d/%Y"),
             day.strftime("%d %b %Y"), day.strftime("%b %d, %Y")]  # fmt: skip
    assert {parse_date(form) for form in forms} == {day}


@given(st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5))])))
@settings(max_examples=100)
def test_timestamps_round_trip_in_utc(moment: datetime) -> None:
    text = format_timestamp(moment)
    assert text.endswith("Z")
    assert parse_timestamp(text) == moment


@given(
    st.one_of(
        decimals.map(lambda d: (CustomFieldDef("n", FieldType.NUMBER), d)),
        st.dates().map(lambda d: (CustomFieldDef("d", FieldType.DATE), d)),
        st.booleans().map(lambda b: (CustomFieldDef("b", FieldType.BOOLEAN), b)),
        st.sampled_from(["A", "B c"]).map(
            lambda c: (CustomFieldDef("c", FieldType.CHOICE, ("A", "B c")), c)
        ),
        st.text(min_size=1).map(lambda t: (CustomFieldDef("t"), t)),
    )
)
@settings(max_examples=100)
def test_custom_values_round_trip_through_canonical_text(
    pair: tuple[CustomFieldDef, object],
) -> None:
    field, value = pair
    text = format_custom(value)  # type: ignore[arg-type]
    assert parse_custom(field, text) == value
    assert format_custom(parse_custom(field, text)) == text


@pytest.mark.parametrize(
    ("email", "role"),
    [("info@x.org", True), ("Sales@X.org", True), (" support@x.org ", True), ("ann@x.org", False),
     ("information@x.org", False), ("info", False)],
)  # fmt: skip
def test_role_addresses(email: str, role: bool) -> None:
    assert is_role_address(email) is role
    assert match_key(" A@B.org ") == "a@b.org"


_LABEL = st.from_regex(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,8}[A-Za-z0-9])?", fullmatch=True)
_LOCAL = st.from_regex(r"[A-Za-z0-9_%+-]{1,10}(?:\.[A-Za-z0-9_%+-]{1,10}){0,2}", fullmatch=True)
_TLD = st.sampled_from(["org", "com", "TEST", "local", "onion", "arpa", "de", "xn--p1ai", "museum"])
plain_shaped = st.builds(
    lambda local, labels, tld: f"{local}@{'.'.join([*labels, tld])}",
    _LOCAL,
    st.lists(_LABEL, min_size=1, max_size=3),
    _TLD,
)


@given(st.one_of(plain_shaped, st.emails(), st.text(max_size=30)))
@settings(max_examples=100)
def test_the_plain_email_shortcut_never_accepts_what_email_validator_refuses(text: str) -> None:
    if is_plain_email(text):
        validate_email(text, check_deliverability=False)


@pytest.mark.parametrize(
    "email", ["a@b.co", "Ann.Lee+news@Example.ORG", "x_y%z@mail.example-1.org"]
)
def test_common_addresses_take_the_shortcut(email: str) -> None:
    assert is_plain_email(email)
    assert check_email(email) == email


@pytest.mark.parametrize("email", ["a@b.test", "a@b.localhost", "a@xn--ab--c.org", "zoë@x.org"])
def test_unusual_addresses_go_to_email_validator(email: str) -> None:
    assert not is_plain_email(email)


@pytest.mark.parametrize(
    ("email", "plain"),
    [("a" * 64 + "@x.org", True), ("a" * 65 + "@x.org", False), ("a--b@x.org", True),
     ("a@" + "b" * 61 + "." + "c" * 61 + "." + "d" * 61 + "." + "e" * 61 + ".info", True),
     ("a@" + "b" * 61 + "." + "c" * 61 + "." + "d" * 61 + "." + "e" * 61 + ".infos", False),
     ("a@x.TeSt", False), ("a@x.tests", True), ("a@x.test.org", True), ("a@x.org\n", False)],
)  # fmt: skip
def test_the_shortcut_keeps_every_limit(email: str, plain: bool) -> None:
    """At most 254 characters, 64 before the @, no special-use last label in any case."""
    assert is_plain_email(email) is plain


@given(st.lists(st.one_of(plain_shaped, st.just(""), st.text(max_size=12)), max_size=6))
@settings(max_examples=100)
def test_a_column_of_addresses_is_plain_as_each_of_them_is(texts: list[str]) -> None:
    assert plain_emails(texts) is all(is_plain_email(t) for t in texts if t)
