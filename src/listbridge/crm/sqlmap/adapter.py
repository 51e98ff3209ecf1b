"""A SQL CRM described by a mapping file, behind the CrmWithLists port (crm/sqlmap)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, RowMapping, insert, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from listbridge.core.accounts import (
    CUSTOM_PREFIX,
    STANDARD_COLUMNS,
    Account,
    AccountType,
    CustomFieldDef,
)
from listbridge.core.emails import match_key
from listbridge.core.errors import UserError
from listbridge.core.filters import Segment
from listbridge.core.journal import Change, Side
from listbridge.core.matching import AccountKeys
from listbridge.core.values import format_custom
from listbridge.crm.filter_sql_tree import python_test
from listbridge.crm.protocol import AccountBatch, Batched, FieldValue
from listbridge.crm.sql_session import Clock
from listbridge.crm.sqlmap import filter_sql, reads
from listbridge.crm.sqlmap.fingerprints import fingerprint
from listbridge.crm.sqlmap.groups import SqlGroups
from listbridge.crm.sqlmap.parse import MappingFile
from listbridge.crm.sqlmap.rows import account_from, account_id, column_values, is_deleted
from listbridge.crm.sqlmap.values import text
from listbridge.store.crm_fingerprints import keep_fingerprints, stored_fingerprints
from listbridge.store.db import Store

T = TypeVar("T")
#: the account fields a new row is written with (those the mapping maps)
ALL_FIELDS = tuple(f.name for f in dataclasses.fields(Account) if f.name not in ("id", "custom"))
#: the fields a change may name (custom.<Name> too): the times and the link are listbridge's
WRITABLE = frozenset(STANDARD_COLUMNS) - {"id"}


class SqlCrm(SqlGroups):
    """The mapped CRM in `engine`; its journal and fingerprints go to listbridge's `store`."""

    def __init__(
        self, store: Store, connection_id: int, engine: Engine, file: MappingFile, clock: Clock
    ) -> None:
        super().__init__(store, connection_id, engine, clock)
        self.file = file
        self.read_only = file.mapping.read_only

    def changed_since(self, since: datetime | None) -> Iterator[Account]:
        """With an updated-at column, keyset pages on (updated_at, key), rows never stamped
        first, from `since`'s whole second (a CRM's times rarely keep a fraction: a row
        stamped in that second may have changed after `since`); without one, every row
        against its fingerprint (fingerprints.py)."""
        shape, key = self.shape(), reads.key_column(self.shape())
        stamp = shape.mapping.accounts.updated_at
        if stamp is None:
            yield from self._by_fingerprint(since)
            return
        column = shape.column(stamp)
        if since is None:
            for rows in reads.pages(self.reading, shape, column.is_(None), [key]):
                yield from self._live(rows)
        stamped = column.is_not(None) if since is None else column >= _naive(_second(since))
        for rows in reads.pages(self.reading, shape, stamped, [column, key]):
            yield from self._live(rows)

    def select_account_ids(self, segment: Segment | None, *, defaults: bool = True) -> list[str]:
        """In SQL where it decides as Python would (filter_sql.py), the rest in Python."""
        test, shape = python_test(segment, defaults), self.shape()
        with self.reading() as conn:
            chosen, undecided = filter_sql.select_ids(conn, shape, segment, defaults=defaults)
            for rows in undecided:
                chosen += [a.id for a in self._live(rows) if test(a)]
        return sorted(chosen)

    def get(self, account_id: str) -> Account | None:
        return self.get_many([account_id]).get(account_id)

    def get_many(
        self, account_ids: Iterable[str], *, include_deleted: bool = False
    ) -> dict[str, Account]:
        with self.reading() as conn:
            rows = reads.rows_by_key(conn, self.shape(), account_ids)
        return {a.id: a for a in self._accounts(rows, include_deleted=include_deleted)}

    def match_keys(self) -> Iterator[AccountKeys]:
        shape = self.shape()
        for rows in reads.pages(self.reading, shape, None, [reads.key_column(shape)]):
            for row in rows:
                account = account_from(row, shape)
                emails = () if is_deleted(row, shape) else account.emails
                individual = account.type is AccountType.INDIVIDUAL
                first, last = account.first_name, account.last_name
                yield AccountKeys(account.id, individual, first, last, emails, account.created_at)

    def opted_out_ids(self) -> frozenset[str]:
        shape = self.shape()
        found: set[str] = set()
        for rows in reads.pages(self.reading, shape, None, [reads.key_column(shape)]):
            found |= {a.id for a in self._live(rows) if a.email_opt_out}
        return frozenset(found)

    def find_by_email(self, email: str) -> list[Account]:
        key = match_key(email)
        if not key:
            return []
        with self.reading() as conn:
            rows = reads.rows_by_email(conn, self.shape(), [key])
        found = self._live(rows)
        return [a for a in found if key in {match_key(e) for e in a.emails}]

    def with_primary_emails(self, emails: Iterable[str]) -> list[Account]:
        keys = sorted({match_key(e) for e in emails} - {""})
        with self.reading() as conn:
            rows = reads.rows_by_email(conn, self.shape(), keys, first_only=True)
        wanted = set(keys)
        return [a for a in self._live(rows) if match_key(a.email) in wanted]

    def create(self, account: Account, *, reason: str, run_id: int | None = None) -> Account:
        """A new row, keyed as the mapping says (`new_keys`); `account.id` is not kept."""
        self.refuse_write(f"create an account for {account.email or account.id}")
        now = self.clock()  # the journal's, as precise as the jobs'; the row's to the second
        with self.writing() as (conn, session):
            new_id = self._insert(conn, account, now)
            stored = self._stored(conn, new_id, now)
            self._remember(session, [stored], now)
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
        self.refuse_write(f"change account {account_id}")
        with self.writing() as (conn, session):
            old = self._current(conn, account_id, session)
            new = _applied(old, changes)
            columns = [c for c in self._kept(changes) if _value(old, c) != _value(new, c)]
            if not columns:
                return old
            at = self.clock()
            self._update(conn, new, columns, at)
            stored = self._stored(conn, old.id, at)
            self._remember(session, [stored], at)
            self.journal(session, run_id, _changes(old, stored, columns, reason, at))
        return stored

    def set_email_opt_out(
        self, account_id: str, opted_out: bool, *, reason: str, run_id: int | None = None
    ) -> Account:
        return self.update_fields(
            account_id, {"email_opt_out": opted_out}, reason=reason, run_id=run_id
        )

    def custom_fields(self) -> list[CustomFieldDef]:
        return self.shape().custom_fields()

    def write_batch(self, batch: AccountBatch, then: Batched[T]) -> T:
        """The batch in one transaction of the CRM, committed with its journal; then
        `then` in a session of the state store, with each proposed id → the row's key."""
        if batch.creates or batch.updates:
            self.refuse_write("write a batch of accounts")
        with self.writing() as (conn, session):
            ids = {a.id: self._insert(conn, a, batch.at) for a in batch.creates}
            written: list[str] = list(ids.values())
            for account, columns in batch.updates:
                old = self._current(conn, account.id, session)
                new = _applied(old, {c: _value(account, c) for c in columns})
                kept = [c for c in self._kept(columns) if _value(old, c) != _value(new, c)]
                if kept:
                    self._update(conn, new, kept, _second(account.updated_at or batch.at))
                    written.append(old.id)
            at = batch.at
            self._remember(session, [self._stored(conn, i, at) for i in written], at)
            changes = [
                dataclasses.replace(c, record_id=ids.get(c.record_id, c.record_id))
                for c in batch.changes
            ]
            self.journal(session, batch.run_id, changes)
        with self.store.session() as session:
            return then(session, ids)

    def _insert(self, conn: Connection, account: Account, at: datetime) -> str:
        shape, m = self.shape(), self.file.mapping.accounts
        values: dict[str, Any] = dict(m.defaults)
        values |= column_values(shape, account, _every_field(account))
        if m.created_at:
            values[m.created_at] = _second(_naive(account.created_at or at))
        if m.updated_at:
            values[m.updated_at] = _second(_naive(account.updated_at or at))
        if m.new_keys == "uuid":
            values[m.key] = str(uuid.uuid4())
        result = conn.execute(insert(shape.accounts).values(values))
        if m.new_keys == "uuid":
            return str(values[m.key])
        key = result.inserted_primary_key
        if key is None or key[0] is None:
            raise UserError(
                f"{self.file.where('accounts', 'new_keys')}: the database gave the new row "
                f"no key: {shape.accounts.name}.{m.key} is not numbered by the database "
                '(use new_keys = "uuid" for a text key)'
            )
        return text(key[0])

    def _update(
        self, conn: Connection, account: Account, columns: Sequence[str], at: datetime
    ) -> None:
        shape, m = self.shape(), self.file.mapping.accounts
        values = column_values(shape, account, columns)
        if m.updated_at:
            values[m.updated_at] = _second(_naive(at))
        key = reads.key_values(shape, [account.id])
        conn.execute(update(shape.accounts).where(reads.key_column(shape) == key[0]).values(values))

    def _kept(self, columns: Iterable[str]) -> list[str]:
        """The fields among these the mapping keeps (first and last name in a full name)."""
        m = self.file.mapping.accounts
        names = {"first_name", "last_name"} if m.full_name else set()
        return [c for c in columns if c in m.columns or c in names]

    def _current(self, conn: Connection, account_id: str, session: Session) -> Account:
        """The account a writer changes (deleted too: consent reaches it there), its
        change time read in the writing's own store session."""
        found = self._accounts(reads.rows_by_key(conn, self.shape(), [account_id]), True, session)
        if not found:
            raise UserError(f"no account with id {account_id!r}")
        return found[0]

    def _stored(self, conn: Connection, account_id: str, at: datetime) -> Account:
        """The account as just written at `at` (its change time, fingerprints or not)."""
        (row,) = reads.rows_by_key(conn, self.shape(), [account_id])
        stamped = self.file.mapping.accounts.updated_at is not None
        return account_from(row, self.shape(), None if stamped else at)

    def _accounts(
        self,
        rows: Iterable[RowMapping],
        include_deleted: bool = False,
        session: Session | None = None,
    ) -> list[Account]:
        """The rows' accounts, their change times from the fingerprints where the CRM
        keeps none (read in `session`, else in a session of their own)."""
        shape = self.shape()
        kept = [r for r in rows if include_deleted or not is_deleted(r, shape)]
        if shape.mapping.accounts.updated_at is not None:
            return [account_from(r, shape) for r in kept]
        ids = [account_id(r, shape) for r in kept]
        if session is None:
            with self.store.session() as own:
                times = stored_fingerprints(own, self.connection_id, ids)
        else:
            times = stored_fingerprints(session, self.connection_id, ids)
        return [
            account_from(r, shape, times.get(i, ("", None))[1])
            for r, i in zip(kept, ids, strict=True)
        ]

    def _live(self, rows: Iterable[RowMapping]) -> list[Account]:
        return self._accounts(rows)

    def _by_fingerprint(self, since: datetime | None) -> Iterator[Account]:
        """Every row against its fingerprint, then the changed ones oldest first: the scan
        keeps only ids and times, the accounts are read again a page at a time."""
        shape, changed = self.shape(), []
        for rows in reads.pages(self.reading, shape, None, [reads.key_column(shape)]):
            live = [account_from(r, shape) for r in rows if not is_deleted(r, shape)]
            prints = {a.id: fingerprint(a) for a in live}
            now = self.clock()
            with self.store.session() as session:
                stored = stored_fingerprints(session, self.connection_id, prints)
                moved = {i: p for i, p in prints.items() if stored.get(i, ("", None))[0] != p}
                keep_fingerprints(session, self.connection_id, moved, now)
            for account in live:
                at = now if account.id in moved else stored[account.id][1]
                if since is None or at >= since:
                    changed.append((at, _order_key(account.id), account.id))
        changed.sort()
        for start in range(0, len(changed), reads.PAGE):
            page = changed[start : start + reads.PAGE]
            found = self.get_many(i for _, _, i in page)
            yield from (found[i] for _, _, i in page if i in found)

    def _remember(self, session: Session, accounts: Sequence[Account], at: datetime) -> None:
        """A write moves the fingerprints of what it wrote, as an updated-at would move."""
        if self.file.mapping.accounts.updated_at is None:
            prints = {a.id: fingerprint(a) for a in accounts}
            keep_fingerprints(session, self.connection_id, prints, at)


def _every_field(account: Account) -> list[str]:
    """What a new row is written with: every field, the account's custom ones too."""
    return [*ALL_FIELDS, *(CUSTOM_PREFIX + name for name in account.custom)]


def _order_key(account_id: str) -> tuple[int, str]:
    """Ids in the key's order: numbers by value."""
    return (int(account_id), "") if account_id.isdigit() else (0, account_id)


def _applied(old: Account, changes: Mapping[str, object]) -> Account:
    """`old` with `changes`; a name that is no account field (or one listbridge keeps
    itself) is refused. A field the mapping maps no column for is taken and not written:
    a CRM that keeps no phone number is not an error for a job that brings one."""
    values: dict[str, Any] = {}
    custom = dict(old.custom)
    for column, value in changes.items():
        if column not in WRITABLE and not column.startswith(CUSTOM_PREFIX):
            raise UserError(f"account {old.id}: column {column!r} cannot be updated")
        if column.startswith(CUSTOM_PREFIX):
            name = column[len(CUSTOM_PREFIX) :]
            if value is None:
                custom.pop(name, None)
            else:
                custom[name] = value  # type: ignore[assignment]
        elif hasattr(old, column):
            values[column] = (
                "" if value is None and isinstance(getattr(old, column), str) else value
            )
    return dataclasses.replace(old, custom=custom, **values)


def _value(account: Account, column: str) -> Any:
    if column.startswith(CUSTOM_PREFIX):
        return account.custom.get(column[len(CUSTOM_PREFIX) :])
    return getattr(account, column, None)


def _second(at: datetime) -> datetime:
    return at.replace(microsecond=0)


def _naive(at: datetime) -> datetime:
    """A UTC time as the CRM's columns take it: no zone (read back as UTC)."""
    return at.astimezone(UTC).replace(tzinfo=None)


def _changes(
    old: Account, stored: Account, columns: Iterable[str], reason: str, at: datetime
) -> list[Change]:
    return [
        Change(Side.CRM, old.id, c, _shown(_value(old, c)), _shown(_value(stored, c)), reason, at)
        for c in columns
        if _value(old, c) != _value(stored, c)
    ]


def _shown(value: Any) -> str | None:
    """How a value reads in the journal, as the builtin CRM writes it."""
    if value is None:
        return None
    if isinstance(value, AccountType):
        return value.value
    return format_custom(value)
