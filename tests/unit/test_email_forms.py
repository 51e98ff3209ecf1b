"""The forms a database's `lower(trim(…))` gives an address listbridge keys as k
(core/email_forms.py): whatever case an address is stored in, an ASCII-folding database
holds one of its key's forms, or a value its LIKE pattern matches."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from listbridge.core.email_forms import (
    CAP,
    CASED_BELOW,
    LIKE_ESCAPE,
    _segmented_forms,
    like_pattern,
    python_spaces,
    sql_lowered_forms,
)

#: letters whose case Python and SQL fold apart: Greek sigmas, Turkish dotted and
#: dotless i, German sharp s, the Kelvin and Ångström signs, a titlecase digraph,
#: a combining dot, accented Latin; and what LIKE would read as a wildcard
LETTERS = (
    "aAkKzZiIsS.-_%\\" "ΣσςΟοΔδΥυ" "İıIi\u0307" "ßẞ" "\u212a\u212bÅå" "ǅǆǄ" "ËëÉéÁáŁłÑñ"
)  # fmt: skip
SPACES = " \t\u00a0\u3000\u2028"


def ascii_sql(stored: str) -> str:
    """SQLite's `lower(trim(x, spaces))`, PostgreSQL's with COLLATE "C"."""
    return "".join(c.lower() if c.isascii() else c for c in stored.strip(python_spaces()))


def like(value: str, pattern: str) -> bool:
    """LIKE as PostgreSQL reads it under "C" (case counts), with LIKE_ESCAPE."""
    parts, escaped = [], False
    for c in pattern:
        if escaped:
            parts.append(re.escape(c))
            escaped = False
        elif c == LIKE_ESCAPE:
            escaped = True
        else:
            parts.append({"%": ".*", "_": "."}.get(c, re.escape(c)))
    return re.fullmatch("".join(parts), value, re.DOTALL) is not None


addresses = st.builds(
    lambda pad, local, domain, end: f"{pad}{local}@{domain}.org{end}",
    st.text(SPACES, max_size=2),
    st.text(LETTERS, min_size=1, max_size=8),
    st.text("eExXÄäΣσ", min_size=1, max_size=3),
    st.text(SPACES, max_size=2),
)


@given(addresses)
def test_an_ascii_folding_database_holds_a_form_of_the_key(stored: str) -> None:
    key = stored.strip().lower()
    forms = sql_lowered_forms(key)
    held = ascii_sql(stored)
    if forms is None:
        assert like(held, like_pattern(key))
    else:
        assert held in forms
        assert key in forms
        assert len(forms) <= CAP


@given(addresses)
def test_the_like_pattern_matches_every_form_of_the_key(stored: str) -> None:
    key = stored.strip().lower()
    assert like(ascii_sql(stored), like_pattern(key))
    assert like(key, like_pattern(key))
    for form in sql_lowered_forms(key, cap=10_000) or ():
        assert like(form, like_pattern(key))


@given(addresses, st.lists(st.sampled_from([str.upper, str.lower, str.swapcase, str])))
def test_a_form_of_a_key_is_held_for_no_other_key_but_by_sigma(
    stored: str, cases: list[Callable[[str], str]]
) -> None:
    """The same letters in other cases (`ß` upper-cased is `SS`, another key): their
    SQL value is a form of the key if and only if their key is the key, Σ aside."""
    other = "".join(f(c) for f, c in zip(cases + [str] * len(stored), stored, strict=False))
    key, other_key = stored.strip().lower(), other.strip().lower()
    forms = sql_lowered_forms(key, cap=100_000)
    assert forms is not None
    if key.replace("ς", "σ") != other_key.replace("ς", "σ"):
        assert ascii_sql(other) not in forms
    elif key == other_key:
        assert ascii_sql(other) in forms


def test_the_examples_the_module_names() -> None:
    assert sql_lowered_forms("zoë.1257@example.org") == {
        "zoë.1257@example.org",
        "zoË.1257@example.org",
    }
    assert sql_lowered_forms("kim@x.org") == {"kim@x.org", "\u212aim@x.org"}
    assert sql_lowered_forms("i\u0307rem@x.org") == {"i\u0307rem@x.org", "İrem@x.org"}
    assert sql_lowered_forms("ann_lee@example.org") == {"ann_lee@example.org"}
    assert like_pattern("ann_lee%1@x.org") == "ann\\_lee\\%1@x.org"


def test_a_key_of_too_many_forms_is_left_to_its_like_pattern() -> None:
    key = "οδυσσεας@example.gr"
    assert sql_lowered_forms(key) is None
    assert like_pattern(key) == "________@example.gr"
    assert like("ΟΔΥΣΣΕΑΣ@example.gr", like_pattern(key))


def test_no_character_past_the_tables_has_a_case_or_is_a_space() -> None:
    later = map(chr, range(CASED_BELOW, sys.maxunicode + 1))
    assert [c for c in later if c.lower() != c or c.upper() != c or c.isspace()] == []


def test_python_spaces_are_what_strip_takes_off() -> None:
    spaces = set(python_spaces())
    assert {c for c in map(chr, range(sys.maxunicode + 1)) if not c.strip()} == spaces
    assert {" ", "\t", "\u00a0", "\u3000"} <= spaces


@given(addresses)
def test_the_short_ways_give_what_cutting_the_key_every_way_gives(stored: str) -> None:
    key = stored.strip().lower()
    assert sql_lowered_forms(key, cap=100_000) == _segmented_forms(key)
