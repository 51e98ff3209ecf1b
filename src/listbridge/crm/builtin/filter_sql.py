"""Segment filters run as SQL over the builtin CRM's tables, meaning exactly what the
predicates of core/filters.py mean (tests/unit/test_filter_sql_same.py holds them together).

Each checked comparison becomes two conditions: the accounts it surely holds for and
those it surely fails for. Where SQL cannot decide as Python would, an account is in
neither, and `not`, `and`, `or` combine the pairs (`not` swaps them). The accounts left
undecided by the whole filter are read and judged by the Python predicate, so every
answer is Python's; SQL only spares reading the accounts it decides.

What SQL cannot decide:

* PostgreSQL's `lower()` is not Python's `casefold()` ("ß", "ﬁ", Greek sigmas) and its
  `btrim()` knows no Unicode spaces, so PostgreSQL decides text comparisons for ASCII
  values only (octet length = character length); SQLite is given Python's own
  normalisation as a function of the connection and decides every value.
* SQLite compares numbers as doubles, exact up to 15 digits: a longer stored value is
  undecided, a longer number in the filter leaves its comparison to Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    REAL,
    Numeric,
    and_,
    cast,
    collate,
    false,
    func,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, FromClause
from sqlalchemy.sql.elements import False_

from listbridge.core.accounts import AccountType
from listbridge.core.filters import Segment, Test
from listbridge.core.values import format_number
from listbridge.crm.builtin.records import ACCOUNTS, IN_CHUNK, VALUES, FieldCatalog, read_accounts
from listbridge.crm.filter_sql_tree import (
    EXACT_DIGITS,
    UNDECIDED,
    Condition,
    Translator,
    Verdict,
    add_fold,
    ascii_folded,
)

_EMAILS = ("email", "email2", "email3")
_DATES = ("created_at", "updated_at")


def select_ids(
    session: Session, connection_id: int, segment: Segment | None, *, defaults: bool
) -> list[str]:
    """The live accounts `segment` selects (`defaults`: also the default exclusions) or
    matches (None: every live account), sorted."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        add_fold(session.connection())
    catalog = FieldCatalog.read(session, connection_id)
    sql = _Translator(dialect, catalog)
    verdict = Verdict(true(), false())
    if segment is not None:
        verdict = sql.verdict(segment.tree) if segment.tree is not None else UNDECIDED
    base = [ACCOUNTS.c.connection_id == connection_id, ACCOUNTS.c.deleted_at.is_(None)]
    if defaults:
        base.append(default_rules())
    source = sql.source()
    sure = _ids(session, source, and_(*base, verdict.holds))
    undecided = _ids(session, source, and_(*base, not_(verdict.holds), not_(verdict.fails)))
    if undecided and segment is not None:
        sure += _judged(session, connection_id, catalog, segment, undecided)
    return sorted(sure)


def default_rules() -> Condition:
    """core/filters.py's meets_defaults."""
    return and_(
        ACCOUNTS.c.type == AccountType.INDIVIDUAL.value,
        ACCOUNTS.c.deceased.is_(false()),
        ACCOUNTS.c.do_not_contact.is_(false()),
        ACCOUNTS.c.email_opt_out.is_(false()),
    )


def _ids(session: Session, source: FromClause, where: Condition) -> list[str]:
    if isinstance(where, False_):  # and_() reduced it: nothing to ask
        return []
    query = select(ACCOUNTS.c.id).select_from(source).where(where)
    return [str(account_id) for account_id in session.execute(query).scalars()]


def _judged(
    session: Session,
    connection_id: int,
    catalog: FieldCatalog,
    segment: Segment,
    account_ids: Sequence[str],
) -> list[str]:
    """The undecided accounts the Python predicate matches (the defaults held in SQL)."""
    found: list[str] = []
    for start in range(0, len(account_ids), IN_CHUNK * 10):
        chunk = list(account_ids[start : start + IN_CHUNK * 10])
        accounts = read_accounts(session, connection_id, chunk, catalog, live_only=True)
        found += [a.id for a in accounts.values() if segment.matches(a)]
    return found


class _Translator(Translator):
    def __init__(self, dialect: str, catalog: FieldCatalog) -> None:
        self.postgres = dialect == "postgresql"
        self.catalog = catalog
        self.joined: dict[int, FromClause] = {}

    def source(self) -> FromClause:
        """The accounts with one outer join per custom field the filter names."""
        source: FromClause = ACCOUNTS
        for field_id, values in self.joined.items():
            source = source.outerjoin(
                values,
                and_(
                    values.c.connection_id == ACCOUNTS.c.connection_id,
                    values.c.account_id == ACCOUNTS.c.id,
                    values.c.field_id == field_id,
                ),
            )
        return source

    def values(self, t: Test) -> tuple[Condition, list[ColumnElement[Any]]] | None:
        """Where SQL decides, and the field's value(s) in the normal form (NULL: missing)."""
        if t.custom:
            field_id = self.catalog.ids.get(t.field)
            if field_id is None:
                return None
            stored = self.custom_value(field_id)
            return self.normal(t.kind, stored)
        if t.field == "any_email":
            columns = [self.normal("text", ACCOUNTS.c[c]) for c in _EMAILS]
            return and_(*(d for d, _ in columns)), [v[0] for _, v in columns]
        column = ACCOUNTS.c[t.field]
        if t.kind == "date":
            return true(), [self.utc_day(column)]
        if t.kind == "boolean":
            return true(), [column]
        return self.normal("text", column)

    def custom_value(self, field_id: int) -> ColumnElement[Any]:
        if field_id not in self.joined:
            self.joined[field_id] = VALUES.alias(f"custom_{len(self.joined)}")
        return self.joined[field_id].c.value

    def normal(
        self, kind: str, stored: ColumnElement[Any]
    ) -> tuple[Condition, list[ColumnElement[Any]]]:
        """A stored text (custom values are canonical text) as core/filters.py normalises it."""
        if kind == "text":
            if not self.postgres:
                return true(), [func.lb_fold(stored)]
            ascii_only, folded = ascii_folded(stored)
            return ascii_only, [folded]
        if kind == "number":
            if self.postgres:
                return true(), [cast(stored, Numeric)]
            exact = or_(stored.is_(None), func.length(stored) <= EXACT_DIGITS)
            return exact, [cast(stored, REAL)]
        if kind == "date":  # canonical YYYY-MM-DD: ordered as text
            return true(), [collate(stored, "C") if self.postgres else stored]
        return true(), [stored]  # boolean: "true" or "false"

    def utc_day(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        if self.postgres:
            return func.date(func.timezone("UTC", column))
        return func.substr(column, 1, 10)  # SQLite keeps UTC as 'YYYY-MM-DD HH:MM:SS…'

    def target(self, t: Test, value: Any) -> Any:
        """The filter's value as the SQL value is compared with it; None: not exactly."""
        if isinstance(value, bool):
            return value if not t.custom else ("true" if value else "false")
        if isinstance(value, Decimal):
            if self.postgres:
                return value
            return float(value) if len(format_number(value)) <= EXACT_DIGITS else None
        if isinstance(value, date):
            return value if self.postgres and not t.custom else value.isoformat()
        return value
