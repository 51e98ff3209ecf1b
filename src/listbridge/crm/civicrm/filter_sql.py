"""Segment filters run as SQL over CiviCRM's contacts, meaning exactly what the
predicates of core/filters.py mean (tests/unit/test_filter_sql_civicrm.py holds them
together). The tree walk is crm/filter_sql_tree.py's; here, where each field's value is.

SQL decides what the contact row holds as mapping.py reads it: the names, the job title,
the source, the type and the flags (by their distinct values), the created and modified
times, the id. The e-mails, phones and address (rows of other tables, the first ones
shown) and the company (the organization's or the household's name, by type) are left to
Python, as is text on MariaDB (its collations ignore case and accents: see
crm/sqlmap/filter_sql.py). The defaults are all on the contact row, so a list without a
filter, or a filter on those fields, is SQL alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, false, func, not_, select, true
from sqlalchemy.sql import ColumnElement

from listbridge.core.accounts import BOOLEAN_COLUMNS, Account
from listbridge.core.filters import Segment, Test
from listbridge.crm import filter_sql_tree as tree
from listbridge.crm.civicrm import reads
from listbridge.crm.civicrm.mapping import CONTACT_COLUMNS, account_type
from listbridge.crm.civicrm.tables import CONTACT
from listbridge.crm.filter_sql_tree import Condition, Verdict

#: the text fields kept on the contact row, and its id
TEXT = {a: c for a, c in CONTACT_COLUMNS.items() if a not in BOOLEAN_COLUMNS} | {"id": "id"}
TIMES = {"created_at": "created_date", "updated_at": "modified_date"}
#: contacts read at a time to judge the undecided ones in Python
PAGE = reads.IN_CHUNK


def select_ids(
    conn: Connection, segment: Segment | None, test: Callable[[Account], bool], *, defaults: bool
) -> list[str]:
    """The ids, sorted, of the contacts (not in the trash) `segment` selects (`defaults`)
    or matches; those SQL leaves undecided are read and judged by `test`."""
    sql = _ContactTranslator(conn)
    holds, undecided = tree.chosen(sql, segment, _live(), defaults=defaults)
    chosen = [str(i) for i in conn.execute(select(CONTACT.c.id).where(holds)).scalars()]
    after, full = 0, True
    while full:  # the undecided contacts in keyset pages, as the adapter reads them all
        page = reads.contacts().where(undecided, CONTACT.c.id > after).order_by(CONTACT.c.id)
        rows = list(conn.execute(page.limit(PAGE)).mappings())
        chosen += [a.id for a in reads.accounts(conn, rows) if test(a)]
        after, full = (rows[-1]["id"] if rows else after), len(rows) == PAGE
    return sorted(chosen)


def _live() -> Verdict:
    """reads.contacts(): not in the trash (a NULL is_deleted is not read either)."""
    kept = func.coalesce(CONTACT.c.is_deleted == false(), false())
    return Verdict(kept, not_(kept))


class _ContactTranslator(tree.ColumnTranslator):
    def test(self, t: Test) -> Verdict:
        if t.custom:  # CiviCRM's custom fields are not synced (mapping.NO_CUSTOM)
            return tree.UNDECIDED
        if t.field in BOOLEAN_COLUMNS:
            return self.by_values(t, CONTACT.c[CONTACT_COLUMNS[t.field]], False, bool)
        if t.field == "type":
            column = CONTACT.c.contact_type
            return self.by_values(t, column, None, lambda v: account_type(v).value)
        return super().test(t)

    def values(self, t: Test) -> tuple[Condition, list[ColumnElement[Any]]] | None:
        if t.field in TIMES:
            return true(), [self.utc_day(CONTACT.c[TIMES[t.field]], zoned=True)]
        if t.field not in TEXT:
            return None
        folded = self.folded(CONTACT.c[TEXT[t.field]])
        return None if folded is None else (folded[0], [folded[1]])
