"""`import.lists`: any Constant Contact list name can be named, and reads back as itself."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from listbridge.core.list_selection import (
    MAX_LIST_NAME,
    ListSelection,
    format_name,
    parse_list_selection,
    parse_names,
    render_list_selection,
)

# Any text CC could hold as a name: commas, quotes, `*`, spaces at the ends, control characters.
names = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=MAX_LIST_NAME)
tricky = st.text(st.sampled_from([",", '"', "*", " ", "\t", "a", "É"]), min_size=1, max_size=8)
any_name = st.one_of(names, tricky)


@given(any_name)
def test_a_formatted_name_parses_back_to_itself(name: str) -> None:
    assert parse_names(format_name(name)) == (name,)


@given(st.lists(any_name, min_size=1, max_size=6, unique_by=str.casefold))
def test_a_rendered_selection_parses_back_to_itself(chosen: list[str]) -> None:
    selection = ListSelection(tuple(chosen))
    assert parse_list_selection(render_list_selection(selection)) == selection


@pytest.mark.parametrize(
    ("text", "chosen"),
    [
        ("*", ()),
        (" * ", ()),
        ('"x,y", Newsletter', ("x,y", "Newsletter")),
        ('"*"', ("*",)),
        (' "*" , Members ', ("*", "Members")),
        ('"the ""A"" team"', ('the "A" team',)),
        ('Bob\'s "best"', ('Bob\'s "best"',)),  # a quote inside a bare name is just a quote
        ('"  spaced  "', ("  spaced  ",)),
        ("Members ,Donors", ("Members", "Donors")),
    ],
)
def test_quoting_names_what_a_bare_list_cannot(text: str, chosen: tuple[str, ...]) -> None:
    assert parse_list_selection(text).names == chosen


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Newsletter", "Newsletter"),
        ("*", '"*"'),
        ("x,y", '"x,y"'),
        ('say "hi"', '"say ""hi"""'),
        (" padded", '" padded"'),
    ],
)
def test_only_names_that_need_quotes_get_them(name: str, shown: str) -> None:
    assert format_name(name) == shown


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('"x,y', "no closing quote"),
        ('"x" y, z', "put a comma between"),
        ('*, "x"', "cannot be combined"),
        ('"", x', "a quoted name is empty"),
        ("a,,b", "an item between commas is empty"),
        ('News, "news"', "named twice"),
        ('"' + "n" * (MAX_LIST_NAME + 1) + '"', "longer than 255"),
    ],
)
def test_a_malformed_selection_says_what_is_wrong(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_list_selection(text)
