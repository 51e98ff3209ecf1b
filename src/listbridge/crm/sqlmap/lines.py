"""Where each key of a TOML file is, by its path: `tomllib` parses but keeps no lines,
and a mapping's every error names the line to fix.

Understands what mapping files use: `[table.headers]`, `key = value` lines with bare,
quoted or dotted keys. Multi-line values are skipped over by their brackets."""

from __future__ import annotations

import re

Path = tuple[str, ...]
_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY = re.compile(r'^\s*((?:"(?:[^"\\]|\\.)*"|\'[^\']*\'|[A-Za-z0-9_.\- ]+?)+)\s*=')
_PART = re.compile(r'\s*("(?:[^"\\]|\\.)*"|\'[^\']*\'|[A-Za-z0-9_\-]+)\s*(?:\.|$)')


def key_lines(text: str) -> dict[Path, int]:
    """Each table header's and key's path → its line number (1-based)."""
    found: dict[Path, int] = {}
    table: Path = ()
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if depth > 0:  # inside a multi-line array or inline table
            depth += _brackets(line)
            continue
        if header := _HEADER.match(line):
            table = _parts(header.group(1))
            found.setdefault(table, number)
            continue
        if key := _KEY.match(line):
            path = table + _parts(key.group(1))
            found.setdefault(path, number)
            depth = max(0, _brackets(line[key.end() :]))
    return found


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """The line of `path`, else of the nearest enclosing table or key that has one."""
    for end in range(len(path), 0, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def _parts(dotted: str) -> Path:
    parts: list[str] = []
    for match in _PART.finditer(dotted):
        part = match.group(1)
        parts.append(part[1:-1] if part[:1] in "\"'" else part)
    return tuple(parts)


def _brackets(text: str) -> int:
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'|#.*$', "", text)
    return text.count("[") + text.count("{") - text.count("]") - text.count("}")
