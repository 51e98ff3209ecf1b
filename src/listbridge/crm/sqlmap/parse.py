"""A mapping file read and checked, every refusal naming the file's line (lines.py)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass

from pydantic import ValidationError

from listbridge.core.errors import UserError
from listbridge.crm.sqlmap.lines import Path, key_lines, line_of
from listbridge.crm.sqlmap.model import KeyedError, Mapping


@dataclass(frozen=True)
class MappingFile:
    """A checked mapping, with what its messages name: the file's name and its lines."""

    name: str
    text: str
    mapping: Mapping

    def where(self, *path: str) -> str:
        """`people.toml line 12 (accounts.columns.email)`: where a key is declared."""
        return locate(self.name, key_lines(self.text), path)


def locate(name: str, lines: dict[Path, int], path: Path) -> str:
    line = line_of(lines, path)
    at = f" line {line}" if line is not None else ""
    return f"{name}{at} ({'.'.join(path)})" if path else f"{name}{at}"


def read_mapping(name: str, text: str) -> MappingFile:
    """The mapping in `text` (the file `name`), or a UserError naming each refused line."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"{name}: not a TOML file ({error})") from error
    try:
        mapping = Mapping.model_validate(raw)
    except ValidationError as error:
        lines = key_lines(text)
        problems = [_problem(name, lines, e) for e in error.errors()]
        raise UserError(f"{name}: " + "; ".join(problems)) from error
    return MappingFile(name, text, mapping)


def _problem(name: str, lines: dict[Path, int], error: object) -> str:
    assert isinstance(error, dict)
    path = tuple(str(p) for p in error["loc"])
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, KeyedError):
        path += cause.path
        reason = str(cause)
    elif error["type"] == "missing":
        reason = f"{path[-1]} is required here"
    elif error["type"] == "extra_forbidden":
        reason = f"{path[-1]!r} is not a key a mapping has (see docs/mapping-example.toml)"
    else:
        reason = str(error["msg"]).removeprefix("Value error, ")
    return f"line {_line(lines, path)} ({'.'.join(path)}): {reason}".replace("line ? ", "")


def _line(lines: dict[Path, int], path: Path) -> str:
    line = line_of(lines, path)
    return "?" if line is None else str(line)
