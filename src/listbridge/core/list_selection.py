"""Naming Constant Contact lists in one line of text: the `import.lists` setting.

Constant Contact allows any characters in a list name, so `lists create '*'` and
`lists create 'x,y'` make lists a plain comma-separated setting could never name. The
syntax is CSV's:

- items are separated by commas; spaces around an item are ignored;
- an item in double quotes is taken exactly, commas, spaces and all; a double quote
  inside it is written twice: `"x,y", "the ""A"" team"` names `x,y` and `the "A" team`;
- a bare `*` (the whole text) means every list; `"*"` is the list named `*`.

`format_names` quotes only what needs it, so `parse_names(format_names(names)) == names`
for any names (a Hypothesis property in tests/unit/test_list_selection.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

EVERY = "*"
QUOTE = '"'
SEPARATOR = ","
#: Constant Contact's limit (ListInput.name, facts §7)
MAX_LIST_NAME = 255
SYNTAX_HELP = (
    "comma-separated Constant Contact list names, or * for every list; "
    'put a name holding a comma or a double quote in double quotes, the quote doubled: "x,y", '
    '"the ""A"" team"; "*" is the list named *'
)


@dataclass(frozen=True)
class ListSelection:
    """Constant Contact lists by name; no names means every list (`*`)."""

    names: tuple[str, ...] = ()

    @property
    def every(self) -> bool:
        return not self.names

    def includes(self, name: str) -> bool:
        return self.every or name in self.names


def parse_list_selection(text: str) -> ListSelection:
    if not text.strip():
        raise ValueError("no list named (use * for every list)")
    items = _items(text)
    if items == [(EVERY, False)]:
        return ListSelection()
    if (EVERY, False) in items:
        raise ValueError('* means every list and cannot be combined with names ("*" is a list)')
    for name, quoted in items:
        _check(name, quoted)
    names = [name for name, _ in items]
    _refuse_duplicates(names)
    return ListSelection(tuple(names))


def render_list_selection(value: ListSelection) -> str:
    return format_names(value.names) if value.names else EVERY


def parse_names(text: str) -> tuple[str, ...]:
    """The names of `text`, taken as the syntax above says (no `*` meaning, no checks)."""
    return tuple(name for name, _ in _items(text))


def format_names(names: Iterable[str]) -> str:
    return ", ".join(format_name(name) for name in names)


def format_name(name: str) -> str:
    """The name bare when it reads back as itself, else in double quotes."""
    if name and name != EVERY and name == name.strip() and not _needs_quotes(name):
        return name
    return QUOTE + name.replace(QUOTE, QUOTE * 2) + QUOTE


def _needs_quotes(name: str) -> bool:
    return SEPARATOR in name or QUOTE in name


def _items(text: str) -> list[tuple[str, bool]]:
    """(name, was it quoted) for each item, in order."""
    items: list[tuple[str, bool]] = []
    at = 0
    while True:
        name, quoted, at = _item(text, at)
        items.append((name, quoted))
        if at >= len(text):
            return items
        at += 1  # past the comma


def _item(text: str, at: int) -> tuple[str, bool, int]:
    """The item starting at `at`: its name, whether it was quoted, where its comma is."""
    start = _skip_spaces(text, at)
    if text.startswith(QUOTE, start):
        name, end = _quoted(text, start + 1)
        return name, True, end
    end = text.find(SEPARATOR, at)
    end = len(text) if end < 0 else end
    return text[at:end].strip(), False, end


def _quoted(text: str, at: int) -> tuple[str, int]:
    """A quoted name from just past its opening quote: the name, and where its comma is."""
    parts: list[str] = []
    while True:
        close = text.find(QUOTE, at)
        if close < 0:
            raise ValueError(f"the quoted name {QUOTE}{text[at:][:20]}… has no closing quote")
        parts.append(text[at:close])
        if text.startswith(QUOTE, close + 1):  # a doubled quote is one quote of the name
            parts.append(QUOTE)
            at = close + 2
            continue
        end = _skip_spaces(text, close + 1)
        if end < len(text) and text[end] != SEPARATOR:
            raise ValueError(f"text after the quoted name {''.join(parts)!r}: put a comma between")
        return "".join(parts), end


def _skip_spaces(text: str, at: int) -> int:
    # str.isspace, as str.strip uses: a bare item is trimmed the same way.
    while at < len(text) and text[at].isspace():
        at += 1
    return at


def _check(name: str, quoted: bool) -> None:
    if not name:
        raise ValueError("a quoted name is empty" if quoted else "an item between commas is empty")
    if len(name) > MAX_LIST_NAME:
        raise ValueError(f"list name {name[:20]!r}… is longer than {MAX_LIST_NAME} characters")


def _refuse_duplicates(names: list[str]) -> None:
    # Constant Contact's names are unique ignoring case: two such items name one list.
    seen: set[str] = set()
    for name in names:
        if name.casefold() in seen:
            raise ValueError(f"list {name!r} is named twice")
        seen.add(name.casefold())
