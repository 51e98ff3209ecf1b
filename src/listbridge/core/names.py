"""One full-name field as first and last name, and back: for CRMs that keep a person's
name in a single column ("Ann Lee", "Lee, Ann"), read as the account's first and last
name and written back joined.

The last word is the last name ("Mary Ann Lee" → "Mary Ann", "Lee"); a comma puts the
last name first ("Lee, Ann" → "Ann", "Lee"), as CRMs sort people. Joining writes
"first last", so a name read and written back unchanged keeps its words; an unchanged
name is not written at all (the adapter compares before writing).
"""

from __future__ import annotations


def split_full_name(text: str) -> tuple[str, str]:
    """(first, last) of a full name; a single word is the last name."""
    text = _spaced(text)
    if "," in text:
        last, _, first = text.partition(",")
        return first.strip(), last.strip()
    first, _, last = text.rpartition(" ")
    return first, last


def join_full_name(first: str, last: str) -> str:
    """The full name a first and last name make: "first last", either may be empty.

    A last name of several words keeps them together by the comma form ("van Dijk, Jan"),
    so that reading it back splits it where it was joined."""
    first, last = _spaced(first), _spaced(last)
    if " " in last or "," in first:
        return f"{last}, {first}" if first else last
    return " ".join(part for part in (first, last) if part)


def _spaced(text: str) -> str:
    """Words apart by one space; other characters (a tab inside a name) are kept."""
    return " ".join(word for word in text.split(" ") if word)
