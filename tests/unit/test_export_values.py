"""Values as exports write them: yes/no words, dates read only when they mean one day,
account types in other words, and the type of a row in a file without `type`."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from listbridge.core.accounts import AccountType, CustomFieldDef, FieldType
from listbridge.core.export_values import (
    TYPE_WORDS,
    inferred_type,
    parse_account_type,
    parse_export_custom,
    parse_export_date,
    row_type,
)
from listbridge.core.values import FALSE_WORDS, TRUE_WORDS, parse_bool

days = st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31))
MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


@st.composite
def any_case(draw: st.DrawFn, word: str) -> str:
    ups = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    return "".join(c.upper() if up else c for c, up in zip(word, ups, strict=True))


@st.composite
def bool_words(draw: st.DrawFn) -> tuple[str, bool]:
    words = [(w, True) for w in sorted(TRUE_WORDS)] + [(w, False) for w in sorted(FALSE_WORDS)]
    word, value = draw(st.sampled_from(words))
    padding = draw(st.sampled_from(["", " ", "\t"]))
    return padding + draw(any_case(word)) + padding, value


def test_the_yes_no_words_are_pinned() -> None:
    """One set for every reader of a yes/no (files, exports, undo): widening it changes
    what every path accepts, so it is a decision, not a side effect."""
    assert sorted(TRUE_WORDS) == ["1", "true", "x", "y", "yes"]
    assert sorted(FALSE_WORDS) == ["", "0", "false", "n", "no"]


@given(bool_words())
def test_yes_no_words_in_any_case(drawn: tuple[str, bool]) -> None:
    text, value = drawn
    assert parse_bool(text) is value


@given(st.text(max_size=6).filter(lambda t: t.strip().lower() not in TRUE_WORDS | FALSE_WORDS))
def test_anything_else_is_not_a_yes_no_value(text: str) -> None:
    with pytest.raises(ValueError, match="is not a yes/no value; use true/false, yes/no, 1/0, y/n"):
        parse_bool(text)


@given(
    days,
    st.sampled_from(["-", "/", "."]),
    st.sampled_from(["", " 00:00:00", "T00:00:00Z", " 0:00"]),
)
@settings(max_examples=200)
def test_year_first_is_always_one_day(day: date, sep: str, midnight: str) -> None:
    text = f"{day.year:04}{sep}{day.month:02}{sep}{day.day:02}{midnight}"
    assert parse_export_date(text) == day


@given(days, st.sampled_from(["/", ".", "-"]), st.booleans(), st.booleans())
@settings(max_examples=300)
def test_numbers_are_read_only_when_one_reading_is_a_day(
    day: date, sep: str, day_first: bool, padded: bool
) -> None:
    width = "02" if padded else ""
    parts = (day.day, day.month) if day_first else (day.month, day.day)
    text = f"{parts[0]:{width}}{sep}{parts[1]:{width}}{sep}{day.year:04}"
    if day.day > 12 or day.day == day.month:
        assert parse_export_date(text) == day
        return
    with pytest.raises(
        ValueError, match=r"could be .* \(day first\) or .* \(month first\)"
    ) as refused:
        parse_export_date(text)
    assert day.isoformat() in str(refused.value)  # the way to write it that means this day


@given(days, st.booleans(), st.booleans())
@settings(max_examples=200)
def test_a_month_name_is_one_day(day: date, short: bool, month_first: bool) -> None:
    month = MONTH_NAMES[day.month - 1]
    month = month[:3] if short else month
    text = (
        f"{month} {day.day}, {day.year:04}" if month_first else f"{day.day} {month} {day.year:04}"
    )
    assert parse_export_date(text) == day


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("31-Mar-2024", date(2024, 3, 31)),
        ("Sept 3 2024", date(2024, 9, 3)),
        ("September 3rd, 2024", date(2024, 9, 3)),
        ("3/31/2024 0:00", date(2024, 3, 31)),
        ("31.03.2024", date(2024, 3, 31)),
        ("4/4/2024", date(2024, 4, 4)),
        (" 2024-02-29 ", date(2024, 2, 29)),
    ],
)
def test_export_date_examples(text: str, day: date) -> None:
    assert parse_export_date(text) == day


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "03/04/2024",
            "'03/04/2024' could be 3 April 2024 (day first) or 4 March 2024 (month first); "
            "write it year first: 2024-04-03 or 2024-03-04",
        ),
        ("03/04/24", "'03/04/24' has a two-digit year, which could be of any century"),
        ("2024-02-30", "'2024-02-30' is not a date: day is out of range for month"),
        ("31/31/2024", "'31/31/2024' is not a date: month must be in 1..12"),
        ("Ma 3 2024", "'Ma 3 2024' is not a date: 'Ma' is not a month"),
        ("2024-03-31T14:05:00", "'2024-03-31T14:05:00' is not a date; use a date like 2024-03-31"),
        ("soon", "'soon' is not a date; use a date like"),
    ],
)
def test_dates_refused_with_their_reason(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        parse_export_date(text)


@given(st.sampled_from(sorted(TYPE_WORDS)), st.data())
def test_type_words_in_any_case(word: str, data: st.DataObject) -> None:
    text = data.draw(any_case(word))
    assert parse_account_type(text) is TYPE_WORDS[word]


def test_type_examples() -> None:
    assert parse_account_type("  ") is None
    assert parse_account_type("Company") is AccountType.ORGANIZATION
    with pytest.raises(ValueError, match="'Household' is not an account type; use individual"):
        parse_account_type("Household")


names = st.sampled_from(["", " ", "Ann", "O'Neil"])


@given(names, names, names)
def test_a_row_without_type_is_an_organization_only_when_it_names_only_a_company(
    first: str, last: str, company: str
) -> None:
    kind = inferred_type(first, last, company)
    only_company = bool(company.strip()) and not (first.strip() or last.strip())
    assert (kind is AccountType.ORGANIZATION) is only_company


@given(st.sampled_from(["", " ", *TYPE_WORDS]), names, names, names)
def test_a_type_cell_wins_and_an_empty_one_is_inferred(
    word: str, first: str, last: str, company: str
) -> None:
    """Issue 21's rule per row: an empty `type` cell is inferred like a missing column."""
    expected = TYPE_WORDS.get(word.strip()) or inferred_type(first, last, company)
    assert row_type(word, first, last, company) is expected
    assert row_type("", "", "", "Acme") is AccountType.ORGANIZATION
    assert row_type("", "Ann", "", "Acme") is AccountType.INDIVIDUAL


def test_custom_fields_take_export_values_and_keep_their_other_rules() -> None:
    assert parse_export_custom(CustomFieldDef("Since", FieldType.DATE), "31.03.2024") == date(
        2024, 3, 31
    )
    assert parse_export_custom(CustomFieldDef("Member", FieldType.BOOLEAN), "X") is True
    assert parse_export_custom(CustomFieldDef("Level"), "Gold") == "Gold"
    choice = CustomFieldDef("Level", FieldType.CHOICE, ("Gold", "Silver"))
    with pytest.raises(ValueError, match="is not one of the choices: Gold, Silver"):
        parse_export_custom(choice, "Bronze")
