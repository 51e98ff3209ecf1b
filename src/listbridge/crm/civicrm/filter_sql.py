"""Segment filters run as SQL over CiviCRM's contacts, meaning exactly what the
predicates of core/filters.py mean (tests/unit/test_filter_sql_civicrm.py holds them
together). The tree walk is crm/filter_sql_tree.py's; here, where each field's value is.

SQL decides what the contact row holds as mapping.py reads it: the names, the job title,
the source, the company (the organization's or the household's name, by type), the type
and the flags (by their distinct values), the created and modified times, the id. The
e-mails and the address are rows of other tables, joined to the contact only when the
filter reads them, each as reads.py picks it: the first three non-empty e-mails and the
first address, primary first, with its state's and country's names. The phones (sorted
into slots by type, phones.py) and the subtypes are left to Python; on MariaDB, text that
is not plain ASCII (filter_sql_tree.TextTranslator). The defaults are all on the contact
row, so a list without a filter, or a filter on those fields, is SQL alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    Connection,
    FromClause,
    Subquery,
    Table,
    and_,
    case,
    false,
    func,
    not_,
    select,
    true,
)
from sqlalchemy.sql import ColumnElement

from listbridge.core.accounts import BOOLEAN_COLUMNS, Account
from listbridge.core.filters import Segment, Test
from listbridge.crm import filter_sql_tree as tree
from listbridge.crm.civicrm import reads
from listbridge.crm.civicrm.mapping import (
    CONTACT_COLUMNS,
    EMAIL_SLOTS,
    HOUSEHOLD,
    account_type,
)
from listbridge.crm.civicrm.reads import SHOWN
from listbridge.crm.civicrm.tables import ADDRESS, CONTACT, COUNTRY, EMAIL, STATE
from listbridge.crm.filter_sql_tree import Condition, Verdict

#: the text fields kept on the contact row, and its id
TEXT = {a: c for a, c in CONTACT_COLUMNS.items() if a not in BOOLEAN_COLUMNS} | {"id": "id"}
#: what listbridge keeps itself, "" on every contact (mapping.NOT_KEPT)
UNKEPT = frozenset({"cc_contact_id", "origin_category"})
TIMES = {"created_at": "created_date", "updated_at": "modified_date"}
#: contacts read at a time to judge the undecided ones in Python
PAGE = reads.IN_CHUNK


def select_ids(
    conn: Connection, segment: Segment | None, test: Callable[[Account], bool], *, defaults: bool
) -> list[str]:
    """The ids, sorted, of the contacts (not in the trash) `segment` selects (`defaults`)
    or matches; those SQL leaves undecided, found in the same pass, are read by id a page
    at a time and judged by `test`."""
    sql = _ContactTranslator(conn)
    holds, undecided = tree.chosen(sql, segment, _live(), defaults=defaults)
    sure, pending = tree.split(conn, CONTACT.c.id, sql.rows(), holds, undecided)
    chosen = [str(i) for i in sure]
    for start in range(0, len(pending), PAGE):  # as the adapter reads them, a page at a time
        found = reads.accounts_by_id(conn, [str(i) for i in pending[start : start + PAGE]])
        chosen += [i for i, a in found.items() if test(a)]
    return sorted(chosen)


def _live() -> Verdict:
    """reads.contacts(): not in the trash (a NULL is_deleted is not read either)."""
    kept = func.coalesce(CONTACT.c.is_deleted == false(), false())
    return Verdict(kept, not_(kept))


class _ContactTranslator(tree.TextTranslator):
    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        #: the other tables' rows the filter reads (rows() joins them)
        self.slots: set[int] = set()
        self.address = False

    def rows(self) -> FromClause:
        """The contact, joined to the rows of other tables the filter read."""
        return joined(self.slots, address=self.address)

    def test(self, t: Test) -> Verdict:
        if t.custom:  # CiviCRM's custom fields are not synced (mapping.NO_CUSTOM)
            return tree.UNDECIDED
        if t.field in BOOLEAN_COLUMNS:
            return self.by_values(t, CONTACT.c[CONTACT_COLUMNS[t.field]], False, bool)
        if t.field == "type":
            column = CONTACT.c.contact_type
            return self.by_values(t, column, None, lambda v: account_type(v).value)
        if t.field in UNKEPT:
            return tree.HOLDS if tree.judged(t, None) else tree.FAILS
        return super().test(t)

    def values(self, t: Test) -> tuple[Condition, list[ColumnElement[Any]]] | None:
        if t.field in TIMES:
            return true(), [self.utc_day(CONTACT.c[TIMES[t.field]], zoned=True)]
        stored = self.stored(t.field)
        folded = [(d, f) for d, c in stored if (f := self.text(c)) is not None]
        if not stored or len(folded) < len(stored):
            return None
        decided = and_(true(), *(and_(d, f[0]) for d, f in folded))
        return decided, [f[1] for _, f in folded]

    def stored(self, field: str) -> list[tuple[Condition, ColumnElement[Any]]]:
        """Where a text field is in rows(), and where SQL reads it as Python does; none:
        not one SQL decides."""
        if field in TEXT:
            return [(true(), CONTACT.c[TEXT[field]])]
        if field == "company_name":
            return [(true(), self.company())]
        slots = {"any_email": range(SHOWN)} | {s: [k] for k, s in enumerate(EMAIL_SLOTS)}
        if field in slots:
            self.slots.update(slots[field])
            return [(true(), SLOT_ROWS[k].c.email) for k in slots[field]]
        if field in PLACES:
            self.address = True
            return [PLACES[field]]
        return []

    def company(self) -> ColumnElement[Any]:
        """mapping.company_column's choice, by the type spelt exactly "Household"."""
        kind = CONTACT.c.contact_type
        household = (
            func.hex(kind) == HOUSEHOLD.encode().hex().upper() if self.mysql else kind == HOUSEHOLD
        )
        return case((household, CONTACT.c.household_name), else_=CONTACT.c.organization_name)


def _filled(column: ColumnElement[Any]) -> Condition:
    """A text Python reads as true: neither NULL nor '' (MariaDB's '' = ' ', by padding)."""
    return func.char_length(column) > 0


def _either(
    first: ColumnElement[Any], second: ColumnElement[Any]
) -> tuple[Condition, ColumnElement[Any]]:
    """`first or second or ""`, as reads._address reads a state's or a country's name;
    undecided where `first` equals '' but for padding (a CHAR's spaces: Python reads
    PostgreSQL's, MariaDB drops them, and both compare them as '')."""
    kept = first != ""
    value = case((kept, first), (_filled(second), second), else_="")
    return func.coalesce(kept, true()), value


def _first_ids(table: Table, count: int, filled: str | None = None) -> Subquery:
    """Each contact's first `count` rows of `table` (with their `filled` column filled)
    as reads.py orders them, primary first: their ids in columns id0, id1 … (NULL: none).
    Ranked in one pass over the table: a subquery per contact would want an index on
    contact_id, which a CiviCRM on PostgreSQL need not have."""
    order = (table.c.is_primary.desc(), table.c.id)
    rank = func.row_number().over(partition_by=table.c.contact_id, order_by=order)
    ranked = select(table.c.contact_id, table.c.id, rank.label("n"))
    if filled is not None:
        ranked = ranked.where(_filled(table.c[filled]))
    r = ranked.subquery()
    ids = [func.max(case((r.c.n == k + 1, r.c.id))).label(f"id{k}") for k in range(count)]
    query = select(r.c.contact_id, *ids).where(r.c.n <= count).group_by(r.c.contact_id)
    return query.subquery(f"lb_{table.name}_ids")


EMAIL_IDS = _first_ids(EMAIL, SHOWN, "email")
ADDRESS_IDS = _first_ids(ADDRESS, 1)
SLOT_ROWS = [EMAIL.alias(f"lb_email_{k}") for k in range(SHOWN)]
FIRST_ADDRESS = ADDRESS.alias("lb_address")
PLACE_STATE, PLACE_COUNTRY = STATE.alias("lb_state"), COUNTRY.alias("lb_country")
#: reads._address's fields, on FIRST_ADDRESS and its state and country
PLACES: dict[str, tuple[Condition, ColumnElement[Any]]] = {
    "address_line1": (true(), FIRST_ADDRESS.c.street_address),
    "city": (true(), FIRST_ADDRESS.c.city),
    "zip": (true(), FIRST_ADDRESS.c.postal_code),
    "state": _either(PLACE_STATE.c.abbreviation, PLACE_STATE.c.name),
    "country": _either(PLACE_COUNTRY.c.iso_code, PLACE_COUNTRY.c.name),
}


def joined(slots: set[int], *, address: bool) -> FromClause:
    """The contact and, each at most once: its k-th non-empty e-mail of `slots` (as
    reads.emails_of skips an empty one), its first address with its state and country."""
    rows: FromClause = CONTACT
    if slots:
        rows = rows.outerjoin(EMAIL_IDS, EMAIL_IDS.c.contact_id == CONTACT.c.id)
    for k in sorted(slots):
        rows = rows.outerjoin(SLOT_ROWS[k], SLOT_ROWS[k].c.id == EMAIL_IDS.c[f"id{k}"])
    if address:
        place = FIRST_ADDRESS
        rows = (
            rows.outerjoin(ADDRESS_IDS, ADDRESS_IDS.c.contact_id == CONTACT.c.id)
            .outerjoin(place, place.c.id == ADDRESS_IDS.c.id0)
            .outerjoin(PLACE_STATE, PLACE_STATE.c.id == place.c.state_province_id)
            .outerjoin(PLACE_COUNTRY, PLACE_COUNTRY.c.id == place.c.country_id)
        )
    return rows
