"""Two headers of one opt-out column read as one (core/header_map.py decides which:
`HeaderMapping.merges`): a yes in either opts the account out, so an export that writes
an opt-out twice (CiviCRM's `Do Not Email` and `No Bulk Emails (User Opt Out)`) loses
neither; a cell that is no yes/no word is kept, so validation refuses it by name."""

from __future__ import annotations

from collections.abc import Iterable

from listbridge.core.values import parse_bool


def merged_cells(cells: list[str], merges: Iterable[tuple[int, int]]) -> list[str]:
    """A record's cells with each folded opt-out cell read into its kept one."""
    merged = list(cells)
    for kept, folded in merges:
        if folded < len(merged) and kept < len(merged):
            merged[kept] = either_yes(merged[kept], merged[folded])
    return merged


def either_yes(first: str, second: str) -> str:
    """Two cells of one opt-out as one: a yes in either is a yes. A cell that is no yes/no
    word is kept, so the row is refused naming it rather than guessed."""
    try:
        yes = [parse_bool(first), parse_bool(second)]
    except ValueError:
        return first if _not_bool(first) else second
    return "true" if any(yes) else first


def _not_bool(text: str) -> bool:
    try:
        parse_bool(text)
    except ValueError:
        return True
    return False
