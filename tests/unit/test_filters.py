"""The segment filter language (core.filters): each operator and field type, the defaults,
errors with their exact positions, and two Hypothesis properties."""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from listbridge.core.accounts import Account, AccountType, CustomFieldDef, FieldType
from listbridge.core.errors import UserError
from listbridge.core.filter_syntax import And, Comparison, Not, Or
from listbridge.core.filters import (
    DEFAULT_RULES,
    FilterError,
    Segment,
    compile_filter,
    meets_defaults,
    parse_filter,
)

DEFS = (
    CustomFieldDef("Member Level", FieldType.CHOICE, ("Gold", "Silver", "Bronze")),
    CustomFieldDef("Age", FieldType.NUMBER),
    CustomFieldDef("Joined", FieldType.DATE),
    CustomFieldDef("VIP", FieldType.BOOLEAN),
    CustomFieldDef("Notes"),
)


def acc(**fields: Any) -> Account:
    return Account(**{"id": "A1", **fields})


def matches(text: str, **fields: Any) -> bool:
    return compile_filter(text, DEFS).matches(acc(**fields))


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def test_the_example_selects_the_right_accounts() -> None:
    text = (
        'state = "MA" and custom."Member Level" in ("Gold","Silver") and created_at >= 2025-01-01'
    )
    segment = compile_filter(f"  {text}\n", DEFS)
    gold = {"Member Level": "Gold"}
    assert segment.text == text
    assert segment.selects(acc(state="MA", custom=gold, created_at=at("2025-01-01", 0)))
    assert segment.selects(
        acc(state=" ma ", custom={"Member Level": "silver"}, created_at=at("2026-03-04"))
    )
    assert not segment.selects(acc(state="NY", custom=gold, created_at=at("2025-02-01")))
    assert not segment.selects(
        acc(state="MA", custom={"Member Level": "Bronze"}, created_at=at("2025-02-01"))
    )
    assert not segment.selects(acc(state="MA", custom={}, created_at=at("2025-02-01")))
    assert not segment.selects(acc(state="MA", custom=gold, created_at=at("2024-12-31", 23)))
    assert not segment.selects(acc(state="MA", custom=gold, created_at=None))


@pytest.mark.parametrize(
    ("text", "fields", "expected"),
    [
        ('state = "ma"', {"state": " MA "}, True),
        ('STATE = "MA"', {"state": "ma"}, True),
        ('state != "MA"', {"state": "NY"}, True),
        ('state != "MA"', {"state": "ma"}, False),
        ('state != "MA"', {"state": ""}, True),  # != is true for a missing value
        ('state = "MA"', {"state": ""}, False),
        ('last_name < "m"', {"last_name": "Adams"}, True),
        ('last_name < "M"', {"last_name": "smith"}, False),
        ('last_name >= "smith"', {"last_name": "Smith"}, True),
        ('last_name < "m"', {"last_name": ""}, False),  # missing never compares
        ('city contains "BOST"', {"city": "South Boston"}, True),
        ('city contains "bost"', {"city": "Cambridge"}, False),
        ('city contains "x"', {"city": ""}, False),
        ('state in ("MA", "ny")', {"state": "NY"}, True),
        ('state in ("MA", "ny")', {"state": "CA"}, False),
        ('state in ("MA")', {"state": ""}, False),
        ('state not in ("MA", "ny")', {"state": "CA"}, True),
        ('state not in ("MA", "ny")', {"state": "ma"}, False),
        ('state not in ("MA")', {"state": ""}, True),  # not in is true for a missing value
        ("state is empty", {"state": "  "}, True),
        ("state is empty", {"state": "MA"}, False),
        ("state is not empty", {"state": "MA"}, True),
        ("zip = 02134", {"zip": "02134"}, True),  # a number literal on a text field is its text
        ('type = "organization"', {"type": AccountType.ORGANIZATION}, True),
        ('type = "Individual"', {"type": AccountType.INDIVIDUAL}, True),
        ('type != "individual"', {"type": AccountType.INDIVIDUAL}, False),
        ("deceased = true", {"deceased": True}, True),
        ("deceased = false", {"deceased": True}, False),
        ('deceased != "TRUE"', {"deceased": False}, True),
        ("deceased is empty", {"deceased": False}, False),
        ('email = "a@x.org"', {"email": "A@X.org"}, True),
        ('email = "b@x.org"', {"email": "a@x.org", "email2": "b@x.org"}, False),
        ('any_email = "b@x.org"', {"email": "a@x.org", "email2": "B@x.org"}, True),
        ('any_email = "c@x.org"', {"email": "a@x.org", "email3": "c@x.org"}, True),
        ('any_email != "b@x.org"', {"email": "a@x.org", "email2": "b@x.org"}, False),
        ('any_email contains "@x."', {"email3": "c@x.org"}, True),
        ('any_email in ("z@x.org", "c@x.org")', {"email3": "c@x.org"}, True),
        ("any_email is empty", {"email": " "}, True),
        ("any_email is empty", {"email2": "b@x.org"}, False),
        ("created_at = 2025-01-01", {"created_at": at("2025-01-01", 23)}, True),
        ('created_at = "2025-01-01"', {"created_at": at("2025-01-02", 0)}, False),
        ("created_at < 2025-01-01", {"created_at": at("2024-12-31", 23)}, True),
        ("created_at >= 2025-01-01", {"created_at": None}, False),
        ("created_at is empty", {"created_at": None}, True),
        # 23:30 at UTC-5 on 31 December is already 1 January in UTC.
        (
            "updated_at = 2025-01-01",
            {"updated_at": datetime(2024, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5)))},
            True,
        ),
        ("custom.Age > 30", {"custom": {"Age": Decimal("30.5")}}, True),
        ('custom.age >= "30"', {"custom": {"Age": Decimal(30)}}, True),
        ("custom.Age < -3.5", {"custom": {"Age": Decimal(-4)}}, True),
        ("custom.Age = 30", {"custom": {"Age": Decimal("30.00")}}, True),
        ("custom.Age in (1, 2, 30)", {"custom": {"Age": Decimal(30)}}, True),
        ("custom.Age != 30", {"custom": {}}, True),
        ("custom.Age <= 30", {"custom": {}}, False),
        ("custom.Age is empty", {"custom": {}}, True),
        ("custom.Joined > 2020-02-29", {"custom": {"Joined": date(2021, 1, 1)}}, True),
        ('custom.Joined = "2021-01-01"', {"custom": {"Joined": date(2021, 1, 1)}}, True),
        ("custom.VIP = true", {"custom": {"VIP": True}}, True),
        ("custom.VIP = false", {"custom": {}}, False),  # missing is not false
        ("custom.VIP != true", {"custom": {}}, True),
        ("custom.VIP is not empty", {"custom": {"VIP": False}}, True),
        ('custom."Member Level" = "GOLD"', {"custom": {"Member Level": "Gold"}}, True),
        ('custom."member level" contains "ol"', {"custom": {"Member Level": "Gold"}}, True),
        ('custom.Notes contains "vip"', {"custom": {"Notes": "Met at the VIP dinner"}}, True),
        ('custom.Notes = "x"', {"custom": {"Notes": ""}}, False),
        ("custom.Notes is empty", {"custom": {"Notes": ""}}, True),
        ('first_name = "Say \\"Hi\\" \\\\ bye"', {"first_name": 'say "hi" \\ BYE'}, True),
    ],
)
def test_operators_and_field_types(text: str, fields: dict[str, Any], expected: bool) -> None:
    assert matches(text, **fields) is expected


def test_custom_names_match_exactly_before_ignoring_case() -> None:
    defs = (CustomFieldDef("Code"), CustomFieldDef("code", FieldType.NUMBER))
    account = acc(custom={"Code": "abc", "code": Decimal(5)})
    assert compile_filter('custom.Code = "ABC"', defs).matches(account)
    assert compile_filter("custom.code = 5", defs).matches(account)
    assert compile_filter('custom.CODE = "abc"', defs).matches(account)  # the first by case


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('state = "MA" or state = "NY" and city = "Boston"', True),  # and binds tighter
        ('(state = "MA" or state = "NY") and city = "Boston"', False),
        ('not state = "NY" and city = "Cambridge"', True),  # not binds tighter than and
        ('not (state = "MA" and city = "Boston")', True),
        ('NOT state = "MA" OR City = "cambridge"', True),
        ('not not state = "MA"', True),
        ('((state = "MA"))', True),
        ('state = "NY" Or Not (city = "boston" aNd state = "MA")', True),
    ],
)
def test_precedence_parentheses_and_keyword_case(text: str, expected: bool) -> None:
    assert matches(text, state="MA", city="Cambridge") is expected


def test_parse_filter_gives_the_tree_without_checking_fields() -> None:
    tree = parse_filter('not nosuch = 1 or a in ("x", "y") and custom."B b" is not empty')
    assert isinstance(tree, Or)
    first, second = tree.operands
    assert isinstance(first, Not)
    assert isinstance(first.operand, Comparison)
    assert first.operand.field.name == "nosuch"
    assert isinstance(second, And)
    in_, empty = second.operands
    assert isinstance(in_, Comparison)
    assert isinstance(empty, Comparison)
    assert (in_.op, [v.value for v in in_.values]) == ("in", ["x", "y"])
    assert (empty.field.prefix, empty.field.name, empty.op) == ("custom", "B b", "is not empty")


SELECTED = acc(state="MA")


@pytest.mark.parametrize(
    "excluded",
    [
        acc(state="MA", type=AccountType.ORGANIZATION),
        acc(state="MA", deceased=True),
        acc(state="MA", do_not_contact=True),
        acc(state="MA", email_opt_out=True),
    ],
)
def test_selects_applies_the_defaults_and_matches_does_not(excluded: Account) -> None:
    segment = compile_filter('state = "MA"')
    assert segment.matches(excluded)
    assert not segment.selects(excluded)
    assert not meets_defaults(excluded)
    assert segment.selects(SELECTED)
    assert meets_defaults(SELECTED)


def test_default_rules_say_what_meets_defaults_does() -> None:
    rules = compile_filter(DEFAULT_RULES)
    for account in [SELECTED, acc(type=AccountType.ORGANIZATION), acc(deceased=True)]:
        assert rules.matches(account) is meets_defaults(account)


def test_segment_is_a_frozen_value_named_by_its_text() -> None:
    segment = compile_filter(' state = "MA" ')
    assert isinstance(segment, Segment)
    assert segment == compile_filter('state = "MA"')
    assert repr(segment) == "Segment(text='state = \"MA\"')"


@pytest.mark.parametrize(
    ("text", "position", "token", "reason"),
    [
        ('state = "MA', 8, '"MA', "this text has no closing double quote"),
        ('state = "a\\n"', 10, "\\n", "'\\n' is not an escape"),
        ("state in ()", 10, ")", "expected a value after 'in (' but found ')'"),
        ("state =", 7, "", "expected a value after '=' but the filter ended"),
        ("state = ", 7, "", "expected a value after '=' but the filter ended"),
        ('stat = "MA"', 0, "stat", "unknown field 'stat'; did you mean state?"),
        ('custom."Membr Level" = "Gold"', 0, 'custom."Membr Level"', 'custom."Member Level"?'),
        ('Member_Level = "Gold"', 0, "Member_Level", 'did you mean custom."Member Level"?'),
        ('foo.bar = "x"', 0, "foo.bar", 'custom fields are written custom."Name"'),
        ("created_at >= 2025-13-01", 14, "2025-13-01", "'2025-13-01' is not a date"),
        ("created_at >= 2025-1-1", 14, "2025-1-1", "write YYYY-MM-DD"),
        ('created_at >= "soon"', 14, '"soon"', 'created_at holds a date, and "soon" is not'),
        ('deceased = "maybe"', 11, '"maybe"', "deceased holds true or false"),
        ('custom."Age" > "abc"', 15, '"abc"', 'custom.Age holds a number, and "abc" is not one'),
        ("custom.Age = true", 13, "true", "custom.Age holds a number"),
        ('deceased contains "x"', 9, "contains", "'contains' needs a text field"),
        ("deceased < true", 9, "<", "deceased is true or false: use = or !="),
        ("custom.VIP NOT IN (true)", 15, "IN", "custom.VIP is true or false"),
        ('type = "person"', 7, '"person"', 'type is "individual" or "organization"'),
        ('state = ""', 8, '""', "empty text never matches; use 'is empty'"),
        ('state = "MA" and', 16, "", "expected a field name or 'not' or '(' after 'and'"),
        ('state = "MA" and  \n', 16, "", "but the filter ended"),
        ('(state = "MA"', 13, "", "expected 'and' or 'or' or ')' after '\"MA\"'"),
        ('state = "MA")', 12, ")", "expected 'and' or 'or' or the end of the filter"),
        ('state == "MA"', 7, "=", "expected a value after '=' but found '='"),
        ("state = MA", 8, "MA", "found 'MA'; text values need double quotes: \"MA\""),
        ("state = 'MA'", 8, "'", "text values need double quotes"),
        ('state & "MA"', 6, "&", "expected an operator (=, !=, <, >, in, contains, is empty…)"),
        ('state is "MA"', 9, '"MA"', "expected 'empty' or 'not empty' after 'is'"),
        ('state not "MA"', 10, '"MA"', "expected 'in' after 'not'"),
        (') or state = "MA"', 0, ")", "expected a field name or 'not' or '(' at the start"),
        ("", 0, "", "the filter is empty"),
        (" \n\t", 0, "", "the filter is empty"),
    ],
)
def test_invalid_filters_name_the_position(
    text: str, position: int, token: str, reason: str
) -> None:
    with pytest.raises(FilterError) as caught:
        compile_filter(text, DEFS)
    error = caught.value
    assert (error.position, error.column, error.token) == (position, position + 1, token)
    assert reason in error.reason
    assert str(error).startswith(f"filter, column {position + 1}: {error.reason}\n")


def test_the_message_points_a_caret_at_the_token() -> None:
    with pytest.raises(FilterError) as caught:
        compile_filter("state in ()")
    assert isinstance(caught.value, UserError)
    assert str(caught.value) == (
        "filter, column 11: expected a value after 'in (' but found ')'\n"
        "  state in ()\n"
        "            ^"
    )


def test_a_long_filter_is_shown_around_the_position() -> None:
    text = " and ".join(f'city = "{n}"' for n in range(20)) + " and nosuch = 1"
    with pytest.raises(FilterError) as caught:
        compile_filter(text)
    _, shown, caret = str(caught.value).split("\n")
    assert len(shown) < 70
    assert shown.startswith("  …")
    assert shown[caret.index("^") :].startswith("nosuch")


def test_too_deep_a_filter_is_refused_but_parentheses_alone_are_no_depth() -> None:
    with pytest.raises(FilterError, match="nests more than 100 levels") as caught:
        compile_filter("not (" * 150 + 'state = "MA" and city = "x"' + ")" * 150)
    assert caught.value.position == 5 * 101  # the first "not" past the limit
    with pytest.raises(FilterError, match="nests more than 100 levels"):
        compile_filter("not " * 2000 + 'state = "MA"')
    assert compile_filter("(" * 2000 + 'state = "MA"' + ")" * 2000).matches(SELECTED)


# Property 1: comparisons whose meaning Python can state directly, combined at random.
Check = Callable[[Account], bool]
OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _ref(value: Any, op: str, target: Any) -> bool:
    """The documented semantics: a missing value fails every comparison but !=."""
    if value is None:
        return op == "!="
    return OPS[op](value, target)


def _state(a: Account) -> str | None:
    return a.state.strip().casefold() or None


def _day(a: Account) -> date | None:
    return a.created_at.date() if a.created_at else None


def _leaf(draw: st.DrawFn) -> tuple[str, Check]:
    op = draw(st.sampled_from(sorted(OPS)))
    kind = draw(st.sampled_from(["text", "number", "date", "bool", "in", "empty"]))
    if kind == "text":
        v = draw(st.sampled_from(["MA", "ma", " NY ", "ca"]))
        return f'state {op} "{v}"', lambda a: _ref(_state(a), op, v.strip().casefold())
    if kind == "number":
        n = draw(st.sampled_from(["-1", "0", "30", "30.5"]))
        return f"custom.Age {op} {n}", lambda a: _ref(a.custom.get("Age"), op, Decimal(n))
    if kind == "date":
        d = draw(st.sampled_from(["2024-12-31", "2025-01-01", "2025-06-01"]))
        return f"created_at {op} {d}", lambda a: _ref(_day(a), op, date.fromisoformat(d))
    if kind == "bool":
        b, eq = draw(st.booleans()), draw(st.sampled_from(["=", "!="]))
        return f"deceased {eq} {str(b).lower()}", lambda a: OPS[eq](a.deceased, b)
    if kind == "in":
        vs = draw(st.lists(st.sampled_from(["MA", "NY", "ca"]), min_size=1, max_size=3))
        neg = draw(st.booleans())
        listed = ", ".join(f'"{v}"' for v in vs)
        folded = {v.casefold() for v in vs}
        return (
            f"state {'not in' if neg else 'in'} ({listed})",
            lambda a: neg is (_state(a) not in folded),
        )
    neg = draw(st.booleans())
    return (
        f"custom.Age is {'not ' if neg else ''}empty",
        lambda a: ("Age" in a.custom) is neg,
    )


PRECEDENCE = {"or": 1, "and": 2, "not": 3}


def _expression(draw: st.DrawFn, depth: int) -> tuple[str, int, Check]:
    """Filter text, the precedence of its top operator (4: a comparison), its meaning."""
    shape = draw(st.sampled_from(["leaf", "not", "and", "or"])) if depth < 4 else "leaf"
    if shape == "leaf":
        text, check = _leaf(draw)
        return text, 4, check
    word = draw(st.sampled_from([shape, shape.upper(), shape.title()]))
    if shape == "not":
        inner = _operand(draw, depth, PRECEDENCE["not"])
        return f"{word} {inner[0]}", PRECEDENCE["not"], lambda a: not inner[1](a)
    left, right = _operand(draw, depth, PRECEDENCE[shape]), _operand(draw, depth, PRECEDENCE[shape])
    if shape == "and":
        return f"{left[0]} {word} {right[0]}", 2, lambda a: left[1](a) and right[1](a)
    return f"{left[0]} {word} {right[0]}", 1, lambda a: left[1](a) or right[1](a)


def _operand(draw: st.DrawFn, depth: int, needed: int) -> tuple[str, Check]:
    """A sub-expression, in parentheses when precedence needs them, and at random."""
    text, precedence, check = _expression(draw, depth + 1)
    if precedence < needed or draw(st.booleans()):
        text = f"({text})"
    return text, check


accounts = st.builds(
    Account,
    id=st.just("A1"),
    state=st.sampled_from(["MA", " ma ", "NY", "", "CA"]),
    deceased=st.booleans(),
    created_at=st.sampled_from([None, at("2024-12-31", 23), at("2025-01-01", 0), at("2025-06-01")]),
    custom=st.sampled_from(
        [
            {},
            {"Age": Decimal(-1)},
            {"Age": Decimal(0)},
            {"Age": Decimal(30)},
            {"Age": Decimal("30.5")},
        ]
    ),
)


@settings(max_examples=300)
@given(data=st.data(), people=st.lists(accounts, min_size=1, max_size=8))
def test_random_filters_mean_what_python_says(data: st.DataObject, people: list[Account]) -> None:
    text, _, check = data.draw(st.composite(lambda draw: _expression(draw, 0))())
    segment = compile_filter(text, DEFS)
    for person in people:
        assert segment.matches(person) is check(person), (text, person)


# Property 2: whatever the text, the result is a segment or a FilterError.
PIECES = [
    "state", "custom.", '"Age"', "Age", "any_email", "created_at", "deceased", "=", "!=", "<",
    ">=", "in", "not", "and", "or", "(", ")", ",", "contains", "is", "empty", '"MA"', '"',
    "\\", "12", "-3.5", "2025-01-01", "2025-02-30", "true", "false", "'", "==", ".", "x",
]  # fmt: skip
texts = st.text() | st.lists(st.sampled_from(PIECES), max_size=12).map(" ".join)
texts |= st.lists(st.sampled_from(PIECES), max_size=12).map("".join)


def _outcome(text: str) -> FilterError | None:
    try:
        compile_filter(text, DEFS)
    except FilterError as e:
        return e
    return None


@settings(max_examples=500)
@given(texts)
def test_any_text_compiles_or_raises_a_filter_error(text: str) -> None:
    error = _outcome(text)  # any other exception fails the test
    if error is not None:
        assert 0 <= error.position <= len(text)
        assert error.column == error.position + 1
        assert str(error).startswith(f"filter, column {error.column}: ")
        assert "__ANON" not in str(error)
        assert "$END" not in str(error)
