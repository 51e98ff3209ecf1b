"""A file's header row (row 1) → the columns of the builtin CRM, as people's exports name them.

Each header is decided once, in this order: a column the user ignores (`--ignore-column`)
or maps (`--map "Source Header=column"`, a map file); `custom.<Field Name>` as written;
a column's own name in any case and spacing (`First Name` → first_name); an alias of
core/header_aliases.py (`Zip Code` → zip). Anything else refuses the whole file, as a
column no account can have always did, now with the closest known column suggested:
loading the other columns would silently drop what that one meant.

Two headers meaning one column refuse the file too, except aliases of a family (the
three emails, the three phones), which take the family's first free column, and two
headers of one opt-out column (`OPT_OUT_COLUMNS`: CiviCRM writes both `Do Not Email` and
`No Bulk Emails (User Opt Out)`), which are read as one: a yes in either opts the
account out (`either_yes`), so no opt-out the file holds is lost.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from listbridge.core.accounts import CUSTOM_PREFIX, EXPORT_ONLY_COLUMNS, STANDARD_COLUMNS
from listbridge.core.errors import InvalidFileError, RowError, UserError
from listbridge.core.header_aliases import ALIASES, FAMILIES, header_key

KNOWN_COLUMNS: tuple[str, ...] = (*STANDARD_COLUMNS, *EXPORT_ONLY_COLUMNS)
HEADER_ROW = 1
#: yes/no columns that opt an account out: two headers of one are read as one (a yes in
#: either wins); never `deceased` or a custom field, whose two columns may disagree on a fact
OPT_OUT_COLUMNS = frozenset({"email_opt_out", "do_not_contact"})
_BY_KEY: Mapping[str, str] = {header_key(column): column for column in KNOWN_COLUMNS}
_ALIAS_KEYS: Mapping[str, str] = {
    header_key(alias): column for column, aliases in ALIASES.items() for alias in aliases
}
_FAMILY: Mapping[str, tuple[str, ...]] = {
    column: family for family in FAMILIES for column in family
}
_COLUMNS_HELP = (
    "name it as a standard column (id, type, first_name, … email_opt_out; docs/crm-files.md "
    "lists the aliases) or custom.<Field Name>"
)


class HowMatched(StrEnum):
    """How a header found its column (shown by `crm load --dry-run`)."""

    NAME = "its name"
    SPELLING = "its name, spelt otherwise"
    ALIAS = "an alias"
    FAMILY = "an alias, first free column of its kind"
    MAPPED = "--map"
    CUSTOM = "a custom field"
    IGNORED = "--ignore-column"
    MERGED = "the same opt-out as another header: a yes in either opts out"
    UNNAMED = "no name"


@dataclass(frozen=True)
class ColumnMap:
    """What the user says about a file's columns: source header → column, and headers to drop."""

    pairs: Mapping[str, str] = field(default_factory=dict)
    ignored: frozenset[str] = frozenset()

    def merged(self, other: ColumnMap) -> ColumnMap:
        """This map with `other`'s pairs and ignored headers added; `other` wins a pair."""
        return ColumnMap({**self.pairs, **other.pairs}, self.ignored | other.ignored)


@dataclass(frozen=True)
class MappedHeader:
    header: str  # as the file writes it (trimmed)
    column: str | None  # None: ignored or merged; "" for a header cell with no name
    how: HowMatched
    merged_into: str = ""  # HowMatched.MERGED: the opt-out column its cell is read into


@dataclass(frozen=True)
class HeaderMapping:
    """Each header of a file, position by position, with its column."""

    headers: tuple[MappedHeader, ...]
    #: (kept, folded) positions of two headers of one opt-out column: the folded cell is
    #: read into the kept one (`merged_cells`)
    merges: tuple[tuple[int, int], ...] = ()

    @property
    def columns(self) -> tuple[str | None, ...]:
        return tuple(mapped.column for mapped in self.headers)

    @property
    def labels(self) -> dict[str, str]:
        """Column → the file's header, for each header written otherwise than its column:
        what a message about the column names (RowError.header)."""
        return {
            mapped.column: mapped.header
            for mapped in self.headers
            if mapped.column and mapped.header != mapped.column
        }


def target_column(text: str) -> str:
    """The column `text` names as the target of a map: a column or an alias, in any
    spelling, or custom.<Field Name>; a UserError names anything else, with the closest."""
    name = text.strip()
    if name.startswith(CUSTOM_PREFIX) and name[len(CUSTOM_PREFIX) :].strip():
        return name
    key = header_key(name)
    column = _BY_KEY.get(key) or _ALIAS_KEYS.get(key)
    if column is None:
        raise UserError(f"{text!r} is not a column{_did_you_mean(name)}; {_COLUMNS_HELP}")
    return column


def map_header(source: str, header: Sequence[str], column_map: ColumnMap) -> HeaderMapping:
    """The column of each header of `source`; InvalidFileError names every header that has
    none, every column two headers claim and every map entry naming no header (row 1)."""
    names = [name.strip() for name in header]
    refusals: list[RowError] = []
    ignored = _resolve(names, column_map.ignored, refusals, source, "--ignore-column")
    mapped = _resolve(names, column_map.pairs, refusals, source, "--map")
    found = [
        _first_pass(index, name, ignored, mapped, column_map) for index, name in enumerate(names)
    ]
    merges: list[tuple[int, int]] = []
    headers = _assigned(found, names, source, refusals, merges)
    if refusals:
        raise InvalidFileError(refusals)
    return HeaderMapping(tuple(headers), tuple(merges))


def _resolve(
    names: Sequence[str],
    wanted: Iterable[str],
    refusals: list[RowError],
    source: str,
    option: str,
) -> dict[int, str]:
    """Position in the header → the map's source header it answers to: the same text,
    else the same key; a source answering to no header, or to several, is refused."""
    positions: dict[int, str] = {}
    for wanted_name in wanted:
        exact = [i for i, name in enumerate(names) if name == wanted_name]
        same = exact or [i for i, n in enumerate(names) if header_key(n) == header_key(wanted_name)]
        if len(same) == 1:
            positions[same[0]] = wanted_name
            continue
        where = "several columns" if same else "no column"
        reason = f"{option} names {where} of the file; its columns are: {', '.join(names)}"
        refusals.append(RowError(source, HEADER_ROW, wanted_name, reason))
    return positions


def _first_pass(
    index: int, name: str, ignored: Mapping[int, str], mapped: Mapping[int, str], cmap: ColumnMap
) -> MappedHeader | None:
    """The header's column, unless it is an alias or unknown (None: the second pass)."""
    if index in ignored:
        return MappedHeader(name, None, HowMatched.IGNORED)
    if index in mapped:
        return MappedHeader(name, cmap.pairs[mapped[index]], HowMatched.MAPPED)
    if not name:
        return MappedHeader(name, "", HowMatched.UNNAMED)
    if name.startswith(CUSTOM_PREFIX):
        return MappedHeader(name, name, HowMatched.CUSTOM)
    column = _BY_KEY.get(header_key(name))
    if column is None:
        return None
    return MappedHeader(name, column, HowMatched.NAME if column == name else HowMatched.SPELLING)


def _assigned(
    found: list[MappedHeader | None],
    names: list[str],
    source: str,
    refusals: list[RowError],
    merges: list[tuple[int, int]],
) -> list[MappedHeader]:
    """Aliases and unknown headers decided once the named columns are taken: an alias
    takes its own column if free, then (after every other alias) its family's first free;
    a second header of an opt-out column is merged into the first."""
    taken: dict[str, str] = {}
    user_mapped = frozenset(
        i for i, m in enumerate(found) if m is not None and m.how is HowMatched.MAPPED
    )
    for index, mapped in enumerate(found):
        if mapped is not None and mapped.column:
            if _merged(taken, mapped, names, index, merges, user_mapped):
                found[index] = _folded(mapped)
            else:
                _take(taken, mapped, source, refusals)
    headers = list(found)
    crowded: list[int] = []
    for index, name in enumerate(names):
        if headers[index] is not None:
            continue
        column = _ALIAS_KEYS.get(header_key(name))
        if column is None:
            refusals.append(RowError(source, HEADER_ROW, name, _unknown(name)))
            headers[index] = MappedHeader(name, None, HowMatched.IGNORED)
        elif column in taken:
            crowded.append(index)
        else:
            headers[index] = MappedHeader(name, column, HowMatched.ALIAS)
            taken[column] = name
    for index in crowded:
        headers[index] = mapped = _next_free(names[index], taken)
        if _merged(taken, mapped, names, index, merges, user_mapped):
            headers[index] = _folded(mapped)
        else:
            _take(taken, mapped, source, refusals)
    return [mapped for mapped in headers if mapped is not None]


def _merged(
    taken: dict[str, str],
    mapped: MappedHeader,
    names: list[str],
    index: int,
    merges: list[tuple[int, int]],
    user_mapped: frozenset[int],
) -> bool:
    """Whether `mapped` is a second header of an opt-out column a header has taken (neither
    by --map, which says what the user means): then noted in `merges`."""
    column = mapped.column
    if column not in OPT_OUT_COLUMNS or column not in taken or mapped.how is HowMatched.MAPPED:
        return False
    kept = names.index(taken[column])
    if kept in user_mapped:
        return False
    merges.append((kept, index))
    return True


def _folded(mapped: MappedHeader) -> MappedHeader:
    return MappedHeader(mapped.header, None, HowMatched.MERGED, mapped.column or "")


def _take(taken: dict[str, str], mapped: MappedHeader, source: str, out: list[RowError]) -> None:
    assert mapped.column
    other = taken.setdefault(mapped.column, mapped.header)
    if other != mapped.header:
        reason = (
            f"{other!r} and {mapped.header!r} both mean column {mapped.column}; "
            f"--map one of them to another column or --ignore-column it"
        )
        out.append(RowError(source, HEADER_ROW, mapped.header, reason))


def _next_free(name: str, taken: Mapping[str, str]) -> MappedHeader:
    """An alias whose column is taken: the first free column of its family, else its own
    (which `_take` then refuses, naming both headers)."""
    column = _ALIAS_KEYS[header_key(name)]
    free = [c for c in _FAMILY.get(column, ()) if c not in taken]
    if free:
        return MappedHeader(name, free[0], HowMatched.FAMILY)
    return MappedHeader(name, column, HowMatched.ALIAS)


def _unknown(name: str) -> str:
    return (
        f"unknown column{_did_you_mean(name)}; {_COLUMNS_HELP}, or give "
        f"--map {name + '=COLUMN'!r} or --ignore-column {name!r}"
    )


def closest_column(name: str) -> str | None:
    """The known column whose name or alias is nearest to `name`, if any is near."""
    keys = [*_BY_KEY, *_ALIAS_KEYS]
    near = difflib.get_close_matches(header_key(name), keys, n=1, cutoff=0.75)
    if not near:
        return None
    return _BY_KEY.get(near[0]) or _ALIAS_KEYS[near[0]]


def _did_you_mean(name: str) -> str:
    column = closest_column(name)
    return f" (did you mean {column}?)" if column else ""
