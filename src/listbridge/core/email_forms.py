"""What a database's `lower(trim(address))` can hold for an address listbridge keys as k.

listbridge keys an address as Python does, `s.strip().lower()` (core/emails.py). SQL
folds less: SQLite's `lower()` lowers ASCII letters only, PostgreSQL's under the "C"
collation too, so a stored `ZOË@…` is `zoË@…` in SQL and equals no key. Asking SQL
for `lower(trim(col)) IN (k)` then misses it, and a push misses the opted-out account
that holds the address. So a lookup asks for every form such a database can give:

    >>> sorted(sql_lowered_forms("zoë@x.org"))
    ['zoË@x.org', 'zoë@x.org']

Each character of the key may be stored as any character that Python lowers to it
(`Ë` for `ë`, the Kelvin sign for `k`, `İ` for the two characters `i̇`, `Σ` for a final
`ς`); SQL lowers only the ASCII ones of those. A key with more than `cap` forms gets
None, and its caller asks for `like_pattern(key)` instead: fewer rows are excluded, and
the caller keeps only the rows whose Python key is the one wanted, as it always does.
The trim is Python's too: `python_spaces()` is what `str.strip()` takes off.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator
from functools import cache

#: forms of one key worth an `IN (…)`; beyond, a LIKE (a database's statement limits)
CAP = 64
LIKE_ESCAPE = "\\"
#: no character from here on has a case or is a space (tests/unit/test_email_forms.py
#: checks it over every character): the tables below are built from the ones before
CASED_BELOW = 0x20000

# Python lowers a capital sigma to a final sigma at the end of a word (the one rule of
# `str.lower()` that looks at a neighbour), so `Σ` is stored for either.
_IN_CONTEXT = {"ς": "Σ"}


@cache
def _stored_as() -> dict[str, frozenset[str]]:
    """Lowered text → the characters Python lowers to it, itself not counted: the
    inverse of `str.lower` over every character, built once."""
    found: dict[str, set[str]] = {}
    for c in map(chr, range(CASED_BELOW)):
        lowered = c.lower()
        if lowered != c:
            found.setdefault(lowered, set()).add(c)
    for lowered, c in _IN_CONTEXT.items():
        found.setdefault(lowered, set()).add(c)
    return {lowered: frozenset(cs) for lowered, cs in found.items()}


@cache
def python_spaces() -> str:
    """The characters `str.strip()` takes off, for a SQL trim that takes the same."""
    return "".join(c for c in map(chr, range(CASED_BELOW)) if c.isspace())


@cache
def _longer_pieces() -> tuple[str, ...]:
    """Lowered texts of more than one character that one stored character gives (`i̇`)."""
    return tuple(sorted(p for p in _stored_as() if len(p) > 1))


@cache
def _held(piece: str) -> frozenset[str]:
    """What SQL holds for a stored character that Python lowers to `piece`."""
    same = {piece} if len(piece) == 1 and piece.lower() == piece else set()
    return frozenset(
        same | {s if not s.isascii() else s.lower() for s in _stored_as().get(piece, ())}
    )


def _pieces(key: str, at: int) -> Iterator[tuple[int, frozenset[str]]]:
    """Where a stored character giving the start of `key[at:]` ends, and what SQL holds
    for it."""
    yield at + 1, _held(key[at])
    for piece in _longer_pieces():
        if key.startswith(piece, at):
            yield at + len(piece), _held(piece)


def _count(key: str) -> int:
    """How many ways there are to write `key` (an upper bound of its forms)."""
    ways = [0] * len(key) + [1]
    for at in reversed(range(len(key))):
        ways[at] = sum(len(held) * ways[end] for end, held in _pieces(key, at))
    return ways[0]


@cache
def _plain() -> re.Pattern[str]:
    """Text of characters that are stored as themselves alone, in SQL's lowering: most
    addresses (not a `k`, a letter with a capital outside ASCII, a combining dot)."""
    asked = {c for c in _stored_as() if len(c) == 1 and _held(c) != {c}}
    asked |= {piece[-1] for piece in _longer_pieces()}  # in the text if the piece is
    return re.compile(f"[^{''.join(re.escape(c) for c in sorted(asked))}]*")


def sql_lowered_forms(key: str, cap: int = CAP) -> frozenset[str] | None:
    """Every `lower(trim(s))` an ASCII-folding database holds for an `s` whose
    `s.strip().lower()` is `key`, and `key` itself (a database folding as Python does);
    None beyond `cap` of them."""
    if _plain().fullmatch(key):
        return frozenset({key})
    if not any(piece in key for piece in _longer_pieces()):  # one stored character each
        held = [_held(c) for c in key]
        if math.prod(map(len, held)) > cap:
            return None
        return frozenset({"".join(form) for form in itertools.product(*held)} | {key})
    return None if _count(key) > cap else _segmented_forms(key)


def _segmented_forms(key: str) -> frozenset[str]:
    """The forms of a key that one stored character may give two of (`i̇` from `İ`):
    every way of cutting it into pieces, from its end."""
    tails: list[set[str]] = [set() for _ in key] + [{""}]
    for at in reversed(range(len(key))):
        for end, held in _pieces(key, at):
            tails[at] |= {h + tail for h in held for tail in tails[end]}
    return frozenset(tails[0] | {key})


def like_pattern(key: str) -> str:
    """A LIKE pattern (escaped by `LIKE_ESCAPE`) that every form of `key` matches: a
    character with other forms is any character, a piece one character may give is any
    text."""
    parts: list[str] = []
    at = 0
    while at < len(key):
        longer = [p for p in _longer_pieces() if key.startswith(p, at)]
        if longer:
            parts.append("%")
            at += max(map(len, longer))
            continue
        (end, held), *_ = _pieces(key, at)
        parts.append("_" if held != {key[at]} else _escaped(key[at]))
        at = end
    return "".join(parts)


def _escaped(c: str) -> str:
    return LIKE_ESCAPE + c if c in ("%", "_", LIKE_ESCAPE) else c
