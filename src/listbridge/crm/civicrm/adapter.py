"""CiviCRM in its own database, behind the CrmAdapter port (crm/civicrm/__init__.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    RowMapping,
    Select,
    and_,
    bindparam,
    false,
    or_,
    select,
    true,
)

from listbridge.core.accounts import Account, AccountType, CustomFieldDef
from listbridge.core.errors import UserError
from listbridge.core.filters import Segment
from listbridge.core.journal import Change, Side
from listbridge.core.matching import AccountKeys
from listbridge.crm import email_lookup
from listbridge.crm.civicrm import filter_sql, reads
from listbridge.crm.civicrm.lists import CiviLists
from listbridge.crm.civicrm.mapping import account_type, applied, check_new, journal_text
from listbridge.crm.civicrm.tables import CONTACT, EMAIL, MYSQL_DIALECTS
from listbridge.crm.civicrm.writes import ContactWriter
from listbridge.crm.filter_sql_tree import python_test
from listbridge.crm.protocol import AccountBatch, Batched, FieldValue

PAGE = 1000
#: contacts per page of match_keys (a few columns each)
MATCH_PAGE = 5000
T = TypeVar("T")


class CiviCrm(CiviLists):
    """One CiviCRM database (`engine`); the journal goes to listbridge's `store`."""

    read_only = False

    def changed_since(self, since: datetime | None) -> Iterator[Account]:
        """Keyset pages on (modified_date, id); contacts never stamped come first. From
        `since`'s whole second: a contact stamped in it may have changed after `since`."""
        if since is None:
            yield from self._pages(CONTACT.c.modified_date.is_(None), ("id",))
        stamped: ColumnElement[bool] = CONTACT.c.modified_date.is_not(None)
        if since is not None:
            stamped = and_(stamped, CONTACT.c.modified_date >= _second(since))
        yield from self._pages(stamped, ("modified_date", "id"))

    def select_account_ids(self, segment: Segment | None, *, defaults: bool = True) -> list[str]:
        """In SQL where it decides as Python would (filter_sql.py), the rest in Python."""
        test = python_test(segment, defaults)
        with self.reading() as conn:
            return filter_sql.select_ids(conn, segment, test, defaults=defaults)

    def get(self, account_id: str) -> Account | None:
        return self.get_many([account_id]).get(account_id)

    def get_many(
        self, account_ids: Iterable[str], *, include_deleted: bool = False
    ) -> dict[str, Account]:
        with self.reading() as conn:
            return reads.accounts_by_id(conn, account_ids, include_deleted=include_deleted)

    def match_keys(self) -> Iterator[AccountKeys]:
        """Every contact by id, in pages; one in the trash with no emails (its id is taken)."""
        after = 0
        while True:
            query = reads.contacts(include_deleted=True).where(CONTACT.c.id > after)
            with self.reading() as conn:
                rows = list(conn.execute(query.order_by(CONTACT.c.id).limit(MATCH_PAGE)).mappings())
                emails = reads.emails_of(conn, [r["id"] for r in rows if not r["is_deleted"]])
            yield from (_keys(row, emails.get(row["id"], [])) for row in rows)
            if len(rows) < MATCH_PAGE:
                return
            after = rows[-1]["id"]

    def opted_out_ids(self) -> frozenset[str]:
        query = select(CONTACT.c.id).where(CONTACT.c.is_opt_out == true())
        with self.reading() as conn:
            ids = conn.scalars(query.where(CONTACT.c.is_deleted == false()))
            return frozenset(str(i) for i in ids)

    def find_by_email(self, email: str) -> list[Account]:
        key = _key(email)
        if not key:
            return []
        found = self._by_emails([key])
        return [a for a in found if key in {_key(e) for e in a.emails}]

    def with_primary_emails(self, emails: Iterable[str]) -> list[Account]:
        keys = sorted({_key(e) for e in emails} - {""})
        found: list[Account] = []
        for start in range(0, len(keys), PAGE):
            chunk = set(keys[start : start + PAGE])
            found += [a for a in self._by_emails(chunk) if _key(a.email) in chunk]
        return found

    def create(self, account: Account, *, reason: str, run_id: int | None = None) -> Account:
        """A new contact with CiviCRM's own id; `account.id` is not kept."""
        now = self.clock()  # the journal's, as precise as the jobs'; CiviCRM's to the second
        with self.writing() as (conn, session):
            new_id = self._insert(ContactWriter(conn), account, now)
            stored = self._stored(conn, new_id)
            self.journal(
                session, run_id, [Change(Side.CRM, new_id, "*", None, "created", reason, now)]
            )
        return stored

    def update_fields(
        self,
        account_id: str,
        changes: Mapping[str, FieldValue],
        *,
        reason: str,
        run_id: int | None = None,
    ) -> Account:
        with self.writing() as (conn, session):
            old = self._current(conn, account_id)
            new = applied(old, changes)
            columns = [c for c in changes if _value(old, c) != _value(new, c)]
            if not columns:
                return old
            at = self.clock()
            ContactWriter(conn).update(new, frozenset(columns), _second(at))
            stored = self._stored(conn, old.id)
            self.journal(session, run_id, _changes(old, stored, columns, reason, at))
        return stored

    def set_email_opt_out(
        self, account_id: str, opted_out: bool, *, reason: str, run_id: int | None = None
    ) -> Account:
        return self.update_fields(
            account_id, {"email_opt_out": opted_out}, reason=reason, run_id=run_id
        )

    def custom_fields(self) -> list[CustomFieldDef]:
        """None: CiviCRM's custom fields (civicrm_custom_field) are not synced yet."""
        return []

    def write_batch(self, batch: AccountBatch, then: Batched[T]) -> T:
        """The batch in one CiviCRM transaction, committed with its journal; then `then`
        in a session of the state store, with each create's proposed id → CiviCRM id."""
        with self.writing() as (conn, session):
            writer = ContactWriter(conn)
            ids = {a.id: self._insert(writer, a, batch.at) for a in batch.creates}
            for account, columns in batch.updates:
                old = self._current(conn, account.id)
                new = applied(old, {c: _value(account, c) for c in columns})
                writer.update(new, frozenset(columns), _second(account.updated_at or batch.at))
            changes = [
                dataclasses.replace(c, record_id=ids.get(c.record_id, c.record_id))
                for c in batch.changes
            ]
            self.journal(session, batch.run_id, changes)
        with self.store.session() as session:
            return then(session, ids)

    def _insert(self, writer: ContactWriter, account: Account, at: datetime) -> str:
        new = check_new(account)
        created = _second(account.created_at or at)
        modified = _second(account.updated_at or at)
        return str(writer.insert(new, f"new account {account.id}", created, modified))

    def _current(self, conn: Connection, account_id: str) -> Account:
        """The account a writer changes: in the trash too (consent reaches it there)."""
        found = reads.accounts_by_id(conn, [account_id], include_deleted=True)
        if account_id not in found:
            raise UserError(f"no account with id {account_id!r}")
        return found[account_id]

    def _stored(self, conn: Connection, account_id: str) -> Account:
        return reads.accounts_by_id(conn, [account_id], include_deleted=True)[account_id]

    def _by_emails(self, keys: Iterable[str]) -> list[Account]:
        """Live contacts with a row in civicrm_email that may match one of `keys`, by id
        (crm/email_lookup.py: the callers keep those that do)."""
        dialect = self.engine.dialect.name
        ids: set[str] = set()
        with self.reading() as conn:
            for lookup in email_lookup.lookups(sorted(keys)):
                if dialect in MYSQL_DIALECTS:
                    # CiviCRM's MySQL tables compare ignoring case (utf8mb4_unicode_ci),
                    # which lets the email index serve; elsewhere the column is folded
                    held = email_lookup.matches(EMAIL.c.email, lookup)
                else:
                    held = email_lookup.holding(EMAIL.c.email, dialect, lookup)
                query = select(EMAIL.c.contact_id).where(held).distinct()
                ids |= {str(i) for i in conn.scalars(query)}
            found = reads.accounts_by_id(conn, sorted(ids))
        return [found[i] for i in sorted(found, key=int)]

    def _pages(self, where: Any, order: tuple[str, ...]) -> Iterator[Account]:
        keys = [CONTACT.c[name] for name in order]
        after: tuple[Any, ...] | None = None
        while True:
            query: Select[Any] = reads.contacts().where(where).order_by(*keys).limit(PAGE)
            if after is not None:
                query = query.where(_after(keys, after))
            with self.reading() as conn:
                rows = list(conn.execute(query).mappings())
                page = reads.accounts(conn, rows)
            yield from page
            if len(rows) < PAGE:
                return
            after = tuple(rows[-1][name] for name in order)


def _after(keys: Sequence[Any], after: tuple[Any, ...]) -> Any:
    """`keys > after`, spelled out: MariaDB seeks a row-value comparison on its first
    column only, so page k of contacts sharing a modified_date would read k pages."""
    bounds = [bindparam(None, v, type_=k.type) for k, v in zip(keys, after, strict=True)]
    later = keys[-1] > bounds[-1]
    for key, bound in zip(reversed(keys[:-1]), reversed(bounds[:-1]), strict=True):
        later = or_(key > bound, and_(key == bound, later))
    return later


def _keys(row: RowMapping, emails: Sequence[str]) -> AccountKeys:
    individual = account_type(row["contact_type"]) is AccountType.INDIVIDUAL
    first, last = row["first_name"] or "", row["last_name"] or ""
    return AccountKeys(str(row["id"]), individual, first, last, tuple(emails), row["created_date"])


def _key(email: str) -> str:
    return email.strip().lower()


def _value(account: Account, column: str) -> Any:
    return getattr(account, column, None)


def _second(at: datetime) -> datetime:
    return at.replace(microsecond=0)


def _changes(
    old: Account, stored: Account, columns: Iterable[str], reason: str, at: datetime
) -> list[Change]:
    """One entry per column whose stored value moved, before and after."""
    return [
        Change(
            Side.CRM,
            old.id,
            c,
            journal_text(_value(old, c)),
            journal_text(_value(stored, c)),
            reason,
            at,
        )
        for c in columns
        if _value(old, c) != _value(stored, c)
    ]
