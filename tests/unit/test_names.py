"""A single full-name column read as first and last name and written back (core/names.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from listbridge.core.names import join_full_name, split_full_name


@pytest.mark.parametrize(
    ("full", "first", "last"),
    [
        ("Ann Lee", "Ann", "Lee"),
        ("Mary Ann  Lee", "Mary Ann", "Lee"),
        ("Lee, Ann", "Ann", "Lee"),
        ("van Dijk, Jan", "Jan", "van Dijk"),
        ("Cher", "", "Cher"),
        ("  ", "", ""),
        ("Renée Müller", "Renée", "Müller"),
    ],
)
def test_a_full_name_is_split_where_crms_split_it(full: str, first: str, last: str) -> None:
    assert split_full_name(full) == (first, last)


def test_a_last_name_of_two_words_is_joined_in_the_comma_form() -> None:
    assert join_full_name("Jan", "van Dijk") == "van Dijk, Jan"
    assert join_full_name("", "Cher") == "Cher"
    assert join_full_name("Ann", "") == "Ann"


# a word: no spaces, no commas (a name's parts as people type them)
word = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters=","),
    min_size=1,
    max_size=12,
)
words = st.lists(word, min_size=1, max_size=3).map(" ".join)


@given(first=words, last=words)
def test_a_joined_name_splits_back_to_its_parts(first: str, last: str) -> None:
    assert split_full_name(join_full_name(first, last)) == (first, last)


@given(full=st.text(max_size=40))
def test_splitting_and_joining_keeps_every_word(full: str) -> None:
    first, last = split_full_name(full)
    again = join_full_name(first, last)
    assert sorted(again.replace(",", " ").split()) == sorted(full.replace(",", " ").split())
