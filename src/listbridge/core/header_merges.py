"""Two headers of one opt-out column read as one (core/header_map.py decides which:
`HeaderMapping.merges`): a yes in either opts the account out, so an export that writes
an opt-out twice (CiviCRM's `Do Not Email` and `No Bulk Emails (User Opt Out)`) loses
neither; a cell that is no yes/no word is kept, so validation refuses it by name."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from listbridge.core.values import parse_bool


def merged_cells(cells: list[str], merges: Iterable[tuple[int, int]]) -> list[str]:
    """A record's cells with each folded opt-out cell read into its kept one."""
    return merged_with_sources(cells, merges)[0]


def merged_with_sources(
    cells: list[str], merges: Iterable[tuple[int, int]]
) -> tuple[list[str], dict[int, int]]:
    """`merged_cells`, and for each kept cell now holding a folded cell's value that is no
    yes/no word, the folded cell's position: the refusal is that header's, not the kept
    one's."""
    merged = list(cells)
    sources: dict[int, int] = {}
    for kept, folded in merges:
        if folded < len(merged) and kept < len(merged):
            before = merged[kept]
            merged[kept] = either_yes(before, merged[folded])
            if _not_bool(merged[folded]) and not _not_bool(before):
                sources[kept] = folded
    return merged, sources


def named_by_sources(
    labels: Mapping[str, str],
    columns: Sequence[str | None],
    headers: Sequence[str],
    sources: Mapping[int, int],
) -> Mapping[str, str]:
    """`labels` (column → the file's header), with each kept column of `sources` named by
    the header of the folded cell whose value it holds."""
    if not sources:
        return labels
    named = dict(labels)
    for kept, folded in sources.items():
        column = columns[kept] if kept < len(columns) else None
        if column and folded < len(headers):
            named[column] = headers[folded]
    return named


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
