"""What `crm load` is told about a file besides its name: which header is which column
(`--map`, `--map-file`, `--ignore-column`) and how a CSV file is written (`--encoding`,
`--delimiter`). Each is checked before the file is opened, so a mistyped option is named
as an option, not as a problem of the file (core/header_map.py, file_format.py)."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from listbridge.core.column_map_options import column_map_from_toml, parse_map_option
from listbridge.core.errors import UserError
from listbridge.core.header_map import ColumnMap, HeaderMapping
from listbridge.crm.builtin.file_format import delimiter_option, encoding_option


@dataclass(frozen=True)
class ReadOptions:
    column_map: ColumnMap = field(default_factory=ColumnMap)
    encoding: str | None = None  # None: detected (CSV files only)
    delimiter: str | None = None


@dataclass
class FileReport:
    """What reading a file found out, filled in by its reader as it opens the file."""

    file_format: str = ""  # a CSV file's encoding and delimiter (FileFormat.describe)
    header: HeaderMapping | None = None


def read_options(
    *,
    maps: Sequence[str] = (),
    map_file: Path | None = None,
    ignored: Sequence[str] = (),
    encoding: str | None = None,
    delimiter: str | None = None,
) -> ReadOptions:
    """The options as given on the command line; a `--map` wins over the map file's entry."""
    from_file = map_file_contents(map_file) if map_file is not None else ColumnMap()
    pairs = dict(parse_map_option(text) for text in maps)
    given = ColumnMap(pairs, frozenset(name.strip() for name in ignored))
    return ReadOptions(
        from_file.merged(given),
        encoding_option(encoding) if encoding else None,
        delimiter_option(delimiter) if delimiter else None,
    )


def map_file_contents(path: Path) -> ColumnMap:
    """The column map of a TOML map file (docs/crm-files.md)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise UserError(f"--map-file {path}: no such file") from None
    except UnicodeDecodeError as error:
        raise UserError(f"--map-file {path}: not UTF-8 text ({error.reason})") from None
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"--map-file {path}: not valid TOML: {error}") from None
    return column_map_from_toml(f"--map-file {path}", data)
