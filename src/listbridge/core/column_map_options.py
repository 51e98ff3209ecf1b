"""The column map as the user writes it: `--map "Source Header=column"` and a TOML map
file (docs/crm-files.md); each target is a column, an alias or custom.<Field Name>
(core/header_map.target_column), checked before any file is opened."""

from __future__ import annotations

from collections.abc import Mapping

from listbridge.core.errors import UserError
from listbridge.core.header_map import ColumnMap, target_column


def parse_map_option(text: str) -> tuple[str, str]:
    """`--map "Source Header=column"` → (source header, column)."""
    source, equals, target = text.rpartition("=")
    if not equals or not source.strip():
        raise UserError(f'--map {text!r}: write it as "Source Header=column"')
    try:
        return source.strip(), target_column(target)
    except UserError as error:
        raise UserError(f"--map {text!r}: {error}") from None


def column_map_from_toml(source: str, data: Mapping[str, object]) -> ColumnMap:
    """A map file's contents (as tomllib reads them): a `[columns]` table of
    `"Source Header" = "column"` and an optional `ignore = ["Header", …]`."""
    unknown = sorted(set(data) - {"columns", "ignore"})
    if unknown:
        raise UserError(f"{source}: unknown key(s) {', '.join(unknown)}; use [columns] and ignore")
    columns, ignore = data.get("columns", {}), data.get("ignore", [])
    if not isinstance(columns, Mapping) or not all(isinstance(v, str) for v in columns.values()):
        raise UserError(f'{source}: [columns] must be a table of "Source Header" = "column"')
    if not isinstance(ignore, list) or not all(isinstance(v, str) for v in ignore):
        raise UserError(f'{source}: ignore must be a list of headers, like ignore = ["Notes"]')
    pairs: dict[str, str] = {}
    for header, target in columns.items():
        try:
            pairs[str(header).strip()] = target_column(target)
        except UserError as error:
            raise UserError(f"{source}: [columns] {header!r}: {error}") from None
    return ColumnMap(pairs, frozenset(v.strip() for v in ignore))
