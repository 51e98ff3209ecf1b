"""The fast path of row validation: a valid row in as few steps as possible.

``RowValidator`` (core/rows.py) decides the rules of each column once per file; a
``RowShape`` lays them out for one set of columns, and ``RowShape.account`` turns a
row into its account, or gives up at the first doubt, leaving the row to the slow
path that names every reason. So the fast path never decides a refusal: it only has
to be right about what it accepts, which tests/unit/test_rows_fast.py checks against
the slow path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field
from dataclasses import fields as dataclass_fields
from operator import gt
from typing import Any

from listbridge.core.accounts import Account, AccountType, CustomValue
from listbridge.core.export_values import TYPE_WORDS, inferred_type

#: a `type` cell's words (lower case), as exports write them (core/export_values.py)
ACCOUNT_TYPES = TYPE_WORDS


@dataclass(frozen=True)
class Rule:
    """How the text of one column becomes a value (decided once per column of a file)."""

    limit: int = 10**9
    parse: Callable[[str], Any] | None = None  # None: the text itself
    custom: str | None = None  # the field name of a custom.<Name> column
    refusal: str = ""  # a column refused whatever its value


@dataclass(frozen=True)
class RowShape:
    """The rules of one set of columns, laid out so that a valid row costs few steps."""

    columns: frozenset[str]
    id_limit: int
    names: tuple[str, ...]
    limits: tuple[int, ...]
    parsed: tuple[tuple[str, Callable[[str], Any]], ...]
    custom: tuple[tuple[str, str, Callable[[str], Any]], ...]
    #: custom column → each text parsed so far (a file repeats its values chunk after
    #: chunk: amounts, levels, dates), filled by row_columns
    memo: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, names: tuple[str, ...], rules: Mapping[str, Rule], id_limit: int) -> RowShape:
        picked = [(name, rules[name]) for name in names]
        return cls(
            frozenset(names),
            id_limit,
            names,
            tuple(rule.limit for _, rule in picked),
            tuple((n, r.parse) for n, r in picked if r.parse and r.custom is None),
            tuple((n, r.custom, r.parse) for n, r in picked if r.parse and r.custom),
        )

    def account(self, raw: Mapping[str, str], seen: Mapping[str, int]) -> Account | None:
        """The account of a row with nothing to report, else None: the caller then checks
        the row the slow way, so no reason is ever lost."""
        texts = list(map(str.strip, raw.values()))
        if any(map(gt, map(len, texts), self.limits)) or "\x00" in "".join(texts):
            return None
        kwargs: dict[str, Any] = dict(zip(self.names, texts, strict=True))
        custom: dict[str, CustomValue] = {}
        try:
            for column, parse in self.parsed:
                kwargs[column] = parse(kwargs[column])
            for column, name, parse in self.custom:
                if text := kwargs.pop(column):
                    custom[name] = parse(text)
        except ValueError:
            return None
        record_id, kind = kwargs.get("id", ""), _kind(kwargs)
        if not record_id or len(record_id) > self.id_limit or record_id in seen:
            return None
        if kind is None or (kind is AccountType.ORGANIZATION and not kwargs.get("company_name")):
            return None
        kwargs["type"], kwargs["custom"] = kind, custom
        return new_account(kwargs)


def _kind(kwargs: Mapping[str, Any]) -> AccountType | None:
    """The row's type: its `type` cell, else (empty or missing) inferred from its names."""
    if kind := ACCOUNT_TYPES.get(kwargs.get("type", "").lower()):
        return kind
    if kwargs.get("type", ""):
        return None  # not a type word: the slow path says why
    names = kwargs.get("first_name", ""), kwargs.get("last_name", "")
    return inferred_type(*names, kwargs.get("company_name", ""))


# Account's generated __init__ sets each of its ~30 frozen fields through
# object.__setattr__, a fifth of a valid row's cost in a large load. A valid row's
# values are complete and already typed, so they go straight into the instance; the
# result equals Account(**kwargs) (tests/unit/test_rows_fast.py holds the two together).
_ACCOUNT_DEFAULTS = {
    f.name: f.default for f in dataclass_fields(Account) if f.default is not MISSING
}


def new_account(kwargs: dict[str, Any]) -> Account:
    account = object.__new__(Account)
    account.__dict__.update(_ACCOUNT_DEFAULTS, **kwargs)
    return account
