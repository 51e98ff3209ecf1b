"""Segment filters run as SQL over Vtiger's contacts, meaning exactly what the predicates
of core/filters.py mean (tests/unit/test_filter_sql_vtiger.py holds them together). The
tree walk is crm/filter_sql_tree.py's; here, where each field's value is.

A contact is the row reads.CONTACT_ROWS joins (vtiger_crmentity with deleted = 0,
vtiger_contactdetails, its address and subdetails rows, its live organisation's name),
so SQL decides over the same row the adapter reads: the names, e-mails, phones, title,
mailing address, company and id as text, the created and modified days, the opt-out
checkbox by its distinct values (`fields.is_checked`). What Vtiger has no place for
(type, middle name, deceased …) is the same on every contact and decided at once.
On MariaDB/MySQL text is decided for ASCII values, compared as bytes
(`filter_sql_tree.TextTranslator`); other values are read and judged in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, false, func, not_, true
from sqlalchemy.sql import ColumnElement, and_

from listbridge.core.accounts import EMAIL_COLUMNS, Account, AccountType
from listbridge.core.filters import Segment, Test
from listbridge.crm import filter_sql_tree as tree
from listbridge.crm.filter_sql_tree import Condition, Verdict
from listbridge.crm.vtiger import reads
from listbridge.crm.vtiger.fields import FIELDS, FIXED, is_checked
from listbridge.crm.vtiger.tables import CONTACTDETAILS

ENTITY = reads.ENTITY
TIMES = {"created_at": ENTITY.createdtime, "updated_at": ENTITY.modifiedtime}
#: each field the same on every contact, in the filter's normal form: what Vtiger has no
#: place for, and what listbridge keeps itself (cc_contact_id, origin_*)
SAME = {f: tree.fold(v) if isinstance(v, str) else v for f, v in FIXED.items()} | {
    "type": AccountType.INDIVIDUAL.value,
    "cc_contact_id": None,
    "origin_category": None,
    "origin_detail": None,
}
#: contacts read at a time to judge the undecided ones in Python
PAGE = reads.IN_CHUNK


def select_ids(
    conn: Connection, segment: Segment | None, test: Callable[[Account], bool], *, defaults: bool
) -> list[str]:
    """The ids, sorted, of the live contacts `segment` selects (`defaults`) or matches;
    those SQL leaves undecided, found in the same pass, are read by id a page at a time
    and judged by `test`."""
    sql = _ContactTranslator(conn)
    holds, undecided = tree.chosen(sql, segment, _live(), defaults=defaults)
    sure, pending = tree.split(conn, ENTITY.crmid, reads.CONTACT_ROWS, holds, undecided)
    chosen = [str(i) for i in sure]
    for start in range(0, len(pending), PAGE):  # as the adapter reads them, a page at a time
        found = reads.read_many(conn, pending[start : start + PAGE])
        chosen += [i for i, a in found.items() if test(a)]
    return sorted(chosen)


def _live() -> Verdict:
    kept = func.coalesce(reads.is_live_contact(), false())
    return Verdict(kept, not_(kept))


class _ContactTranslator(tree.TextTranslator):
    def test(self, t: Test) -> Verdict:
        if t.custom:  # Vtiger's custom fields are not synced (adapter.custom_fields)
            return tree.UNDECIDED
        if t.field in SAME:
            return tree.HOLDS if tree.judged(t, SAME[t.field]) else tree.FAILS
        if t.field == "email_opt_out":
            return self.by_values(t, CONTACTDETAILS.c.emailoptout, False, is_checked)
        return super().test(t)

    def values(self, t: Test) -> tuple[Condition, list[ColumnElement[Any]]] | None:
        if t.field in TIMES:  # Vtiger keeps UTC (fields.to_db)
            return true(), [self.utc_day(TIMES[t.field], zoned=False)]
        columns = _columns(t.field)
        folded = [f for c in columns if (f := self.text(c)) is not None]
        if not columns or len(folded) < len(columns):
            return None
        return and_(true(), *(d for d, _ in folded)), [v for _, v in folded]


def _columns(field: str) -> list[ColumnElement[Any]]:
    """Where a text field is in reads.contact_query's row; none: not a text field there."""
    if field == "any_email":
        return [FIELDS[f].column for f in EMAIL_COLUMNS]
    if field == "id":
        return [ENTITY.crmid]
    if field == "company_name":
        return [reads.COMPANY]
    return [FIELDS[field].column] if field in FIELDS else []
