"""Row validation: a file row becomes an Account, or every reason it is refused."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from listbridge.core.accounts import Account, AccountType, CustomFieldDef, FieldType
from listbridge.core.errors import InvalidFileError, RowError
from listbridge.core.rows import MAX_LENGTHS, RawRow, RowValidator, ValidRow

FIELDS = {
    "Level": CustomFieldDef("Level", FieldType.CHOICE, ("Gold", "Silver")),
    "Since": CustomFieldDef("Since", FieldType.DATE),
    "Gift": CustomFieldDef("Gift", FieldType.NUMBER),
    "Active": CustomFieldDef("Active", FieldType.BOOLEAN),
}
BOOL_WORDS = {"true": True, "yes": True, "1": True, "y": True, "x": True}
BOOL_WORDS |= {"false": False, "no": False, "0": False, "n": False, "": False}
names = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=0, max_size=40).filter(
    lambda s: s == s.strip()
)


def validate(values: dict[str, str], row: int = 2) -> ValidRow | list[RowError]:
    return RowValidator(FIELDS).validate(RawRow("f.csv", row, values))


def errors_of(values: dict[str, str]) -> list[tuple[str, str]]:
    result = validate(values)
    assert isinstance(result, list), result
    return [(e.column, e.reason) for e in result]


def account_of(values: dict[str, str]) -> Account:
    result = validate(values)
    assert isinstance(result, ValidRow), result
    return result.account


@given(first=names, last=names, company=names.filter(bool))
@settings(max_examples=80)
def test_names_are_kept_as_given(first: str, last: str, company: str) -> None:
    account = account_of(
        {"id": "a1", "type": "organization", "first_name": first, "last_name": last,
         "company_name": company}
    )  # fmt: skip
    assert (account.first_name, account.last_name, account.company_name) == (first, last, company)
    assert account.type is AccountType.ORGANIZATION


@given(
    word=st.sampled_from(sorted(BOOL_WORDS)), upper=st.booleans(), pad=st.sampled_from(["", " "])
)
def test_boolean_words_in_any_case(word: str, upper: bool, pad: str) -> None:
    text = pad + (word.upper() if upper else word) + pad
    assert account_of({"id": "x", "deceased": text}).deceased is BOOL_WORDS[word]


@given(
    st.text(min_size=1, max_size=10).filter(
        lambda s: s.strip().lower() not in BOOL_WORDS and "\x00" not in s
    )
)
@settings(max_examples=60)
def test_other_boolean_text_is_refused_naming_the_allowed_values(text: str) -> None:
    result = validate({"id": "x", "email_opt_out": text})
    assert isinstance(result, list)
    assert [e.column for e in result] == ["email_opt_out"]
    assert "true/false, yes/no, 1/0, y/n" in result[0].reason


def test_email_is_trimmed_and_keeps_its_case() -> None:
    assert account_of({"id": "x", "email": "  Ann.Lee@Example.ORG "}).email == "Ann.Lee@Example.ORG"


@pytest.mark.parametrize("bad", ["ann", "ann@", "@x.org", "a..b@x.org", "a b@x.org", "a@x.test"])
def test_bad_email_syntax_names_the_column(bad: str) -> None:
    [(column, reason)] = errors_of({"id": "x", "email2": bad})
    assert column == "email2"
    assert "not a valid email address" in reason


@pytest.mark.parametrize(
    "column", sorted(c for c in MAX_LENGTHS if "email" not in c and c != "type")
)
def test_over_long_values_name_the_limit(column: str) -> None:
    limit = MAX_LENGTHS[column]
    ok = {"id": "x", column: "a" * limit} if column != "id" else {"id": "a" * limit}
    assert isinstance(validate(ok), ValidRow)
    too_long = (
        {"id": "x", column: "a" * (limit + 1)} if column != "id" else {"id": "a" * (limit + 1)}
    )
    [(named, reason)] = errors_of(too_long)
    assert named == column
    assert f"limit of {limit}" in reason


def test_over_long_email_names_the_limit() -> None:
    email = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".org"
    [(column, reason)] = errors_of({"id": "x", "email": email})
    assert column == "email"
    assert "limit of 254" in reason


def test_id_is_required_and_type_defaults_to_individual() -> None:
    assert errors_of({"id": " ", "first_name": "Ann"}) == [("id", "id is required")]
    assert account_of({"id": "x"}).type is AccountType.INDIVIDUAL


def test_type_must_be_known_and_an_organization_needs_a_company_name() -> None:
    [(column, reason)] = errors_of({"id": "x", "type": "household"})
    assert (column, "use individual" in reason and "organization" in reason) == ("type", True)
    assert errors_of({"id": "x", "type": "Organization"}) == [
        ("company_name", "an organization needs a company_name")
    ]


def test_duplicate_id_is_an_error_on_the_later_row() -> None:
    validator = RowValidator({})
    assert isinstance(validator.validate(RawRow("f.csv", 2, {"id": "A1"})), ValidRow)
    assert isinstance(validator.validate(RawRow("f.csv", 3, {"id": "B"})), ValidRow)
    [error] = validator.validate(RawRow("f.csv", 4, {"id": "A1"}))  # type: ignore[misc]
    assert (error.row, error.column, error.record_id) == (4, "id", "A1")
    assert "already on row 2" in error.reason


def test_unknown_column_refuses_the_file_and_export_columns_are_accepted() -> None:
    with pytest.raises(InvalidFileError) as refused:
        validate({"id": "x", "emial": "a@b.org", "nick": "y"})
    assert [(e.column, e.row) for e in refused.value.errors] == [("emial", 2), ("nick", 2)]
    assert refused.value.errors[0].reason.startswith("unknown column")
    assert "the file is refused; nothing was loaded" in str(refused.value)
    account = account_of(
        {"id": "x", "cc_contact_id": "c-1", "origin_category": "file", "origin_detail": "a.csv",
         "created_at": "2024-03-01T10:00:00Z", "updated_at": "2024-03-02T10:00:00+02:00"}
    )  # fmt: skip
    assert account.created_at == datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert account.updated_at == datetime(2024, 3, 2, 8, tzinfo=UTC)
    [(column, _)] = errors_of({"id": "x", "created_at": "yesterday"})
    assert column == "created_at"


@pytest.mark.parametrize(
    ("column", "text", "value"),
    [
        ("custom.Gift", "12.50", Decimal("12.5")),
        ("custom.Gift", "-3", Decimal("-3")),
        ("custom.Since", "2024-03-31", date(2024, 3, 31)),
        ("custom.Since", "03/31/2024", date(2024, 3, 31)),
        ("custom.Since", "31 Mar 2024", date(2024, 3, 31)),
        ("custom.Since", "Mar 31, 2024", date(2024, 3, 31)),
        ("custom.Active", "Yes", True),
        ("custom.Level", "Gold", "Gold"),
        ("custom.Undefined Yet", "anything", "anything"),
    ],
)
def test_custom_values_are_typed_by_their_field(column: str, text: str, value: object) -> None:
    name = column.removeprefix("custom.")
    assert account_of({"id": "x", column: text}).custom == {name: value}


@pytest.mark.parametrize(
    ("column", "text", "hint"),
    [
        ("custom.Gift", "1,000", "not a number"),
        ("custom.Gift", "$5", "not a number"),
        ("custom.Gift", "NaN", "finite"),
        ("custom.Since", "2024-02-30", "not a date"),
        ("custom.Active", "sometimes", "yes/no"),
        ("custom.Level", "gold", "Gold, Silver"),
    ],
)
def test_wrong_type_for_a_custom_field_names_the_column(column: str, text: str, hint: str) -> None:
    [(named, reason)] = errors_of({"id": "x", column: text})
    assert named == column
    assert hint in reason


def test_empty_custom_value_means_no_value_and_empty_field_name_is_refused() -> None:
    assert account_of({"id": "x", "custom.Gift": " "}).custom == {}
    with pytest.raises(InvalidFileError) as refused:
        validate({"id": "x", "custom.": "v"})
    assert [e.column for e in refused.value.errors] == ["custom."]


def test_every_error_of_a_row_is_reported_with_row_and_record() -> None:
    result = validate({"id": "r9", "deceased": "dunno", "email": "nope", "zip": "9" * 21}, row=7)
    assert isinstance(result, list)
    assert sorted(e.column for e in result) == ["deceased", "email", "zip"]
    assert {(e.source, e.row, e.record_id) for e in result} == {("f.csv", 7, "r9")}
    assert "f.csv: row 7 (id r9), column 'email'" in str(result[1])


def test_a_nul_character_is_refused() -> None:
    [(column, reason)] = errors_of({"id": "x", "city": "a\x00b"})
    assert column == "city"
    assert "NUL" in reason


def test_the_columns_given_are_remembered_for_partial_updates() -> None:
    result = validate({"id": "x", "phone1": "1", "custom.Gift": ""})
    assert isinstance(result, ValidRow)
    assert result.columns == frozenset({"id", "phone1", "custom.Gift"})
