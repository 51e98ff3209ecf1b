"""The builtin CRM: accounts kept in the state store, behind the CrmAdapter port."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import or_, select, tuple_
from sqlalchemy.orm import Session

from listbridge.core.accounts import (
    CUSTOM_PREFIX,
    Account,
    AccountType,
    CustomFieldDef,
    CustomValue,
)
from listbridge.core.emails import match_key
from listbridge.core.errors import UserError
from listbridge.core.filters import Segment
from listbridge.core.journal import Change, Side
from listbridge.core.matching import AccountKeys
from listbridge.core.rows import KNOWN_COLUMNS, MAX_LENGTHS
from listbridge.core.values import format_custom, parse_custom
from listbridge.crm import email_lookup
from listbridge.crm.builtin import deletion, filter_sql, writes
from listbridge.crm.builtin.lists import BuiltinLists
from listbridge.crm.builtin.records import (
    ACCOUNTS,
    Clock,
    FieldCatalog,
    account_from_row,
    changed_columns,
    journal_text,
    read_accounts,
    read_custom,
    utc_now,
)
from listbridge.crm.protocol import AccountBatch, Batched, FieldValue
from listbridge.store.db import Store
from listbridge.store.journal import record_changes

PAGE = 1000
#: matching reads only a few columns, so more of them a page
MATCH_PAGE = 5000
_READ_ONLY = frozenset({"id", "created_at", "updated_at"})
T = TypeVar("T")


class BuiltinCrm(BuiltinLists):
    """The embedded CRM of one connection, with its lists (crm/builtin/lists.py)."""

    read_only = False

    def __init__(self, store: Store, connection_id: int, clock: Clock = utc_now) -> None:
        self.store = store
        self.connection_id = connection_id
        self.clock = clock

    def changed_since(self, since: datetime | None) -> Iterator[Account]:
        after: tuple[datetime, str] | None = None
        while True:
            page = self._page(since, after)
            yield from page
            if len(page) < PAGE:
                return
            last = page[-1]
            assert last.updated_at is not None
            after = (last.updated_at, last.id)

    def get(self, account_id: str) -> Account | None:
        """The account, unless it is unknown or deleted (see `get_stored`)."""
        return self.get_many([account_id]).get(account_id)

    def get_many(
        self, account_ids: Iterable[str], *, include_deleted: bool = False
    ) -> dict[str, Account]:
        """The accounts among these ids, the deleted ones only if asked for."""
        wanted = sorted(set(account_ids))
        with self.store.session() as session:
            catalog = FieldCatalog.read(session, self.connection_id)
            return read_accounts(
                session, self.connection_id, wanted, catalog, live_only=not include_deleted
            )

    def select_account_ids(self, segment: Segment | None, *, defaults: bool = True) -> list[str]:
        """In SQL (crm/builtin/filter_sql.py): a list's audience without reading everyone."""
        with self.store.session() as session:
            return filter_sql.select_ids(session, self.connection_id, segment, defaults=defaults)

    def get_stored(self, account_id: str) -> tuple[Account, datetime | None] | None:
        """The account even when deleted, with when it was deleted (None: it is not)."""
        with self.store.session() as session:
            account = self._read(session, account_id)
            state = deletion.stored_state(session, self.connection_id, [account_id])
        return None if account is None else (account, state.get(account_id))

    def delete(self, account_ids: Iterable[str], *, reason: str, run_id: int | None = None) -> int:
        """Mark accounts deleted (journaled); how many were not deleted already.

        An unknown id refuses the whole call, naming every unknown id.
        """
        wanted = sorted(set(account_ids))
        with self.store.session() as session:
            state = deletion.stored_state(session, self.connection_id, wanted)
            unknown = [i for i in wanted if i not in state]
            if unknown:
                raise UserError(f"no account with id {', '.join(map(repr, unknown))}")
            live = [i for i in wanted if state[i] is None]
            deletion.mark_deleted(session, self.connection_id, live, self.clock(), reason, run_id)
        return len(live)

    def match_keys(self) -> Iterator[AccountKeys]:
        a = ACCOUNTS.c
        columns = (a.id, a.type, a.first_name, a.last_name, a.created_at, a.deleted_at)
        query = select(*columns, a.email, a.email2, a.email3).where(
            a.connection_id == self.connection_id
        )
        with self.store.session() as session:
            for row in session.execute(query.execution_options(yield_per=MATCH_PAGE)):
                emails = () if row[5] is not None else tuple(e for e in row[6:] if e)
                individual = row[1] == AccountType.INDIVIDUAL
                yield AccountKeys(row[0], individual, row[2], row[3], emails, row[4])

    def opted_out_ids(self) -> frozenset[str]:
        """The accounts whose email opt-out is set."""
        query = select(ACCOUNTS.c.id).where(
            ACCOUNTS.c.connection_id == self.connection_id, ACCOUNTS.c.email_opt_out.is_(True)
        )
        with self.store.session() as session:
            return frozenset(str(i) for i in session.scalars(query))

    def find_by_email(self, email: str) -> list[Account]:
        key = match_key(email)
        if not key:
            return []
        columns = (ACCOUNTS.c.email, ACCOUNTS.c.email2, ACCOUNTS.c.email3)
        found = self._by_email(columns, [key])
        return [a for a in found if key in {match_key(e) for e in a.emails}]

    def with_primary_emails(self, emails: Iterable[str]) -> list[Account]:
        keys = sorted({match_key(e) for e in emails} - {""})
        wanted = set(keys)
        found = self._by_email((ACCOUNTS.c.email,), keys)
        return [a for a in found if match_key(a.email) in wanted]

    def _by_email(self, columns: Sequence[Any], keys: Sequence[str]) -> list[Account]:
        """The live accounts that may hold one of the keys in one of the columns, by id
        (crm/email_lookup.py: the callers keep those that do)."""
        found: dict[str, Account] = {}
        with self.store.session() as session:
            dialect = session.get_bind().dialect.name
            for lookup in email_lookup.lookups(keys):
                held = or_(*(email_lookup.holding(c, dialect, lookup) for c in columns))
                query = self._accounts().where(held).order_by(ACCOUNTS.c.id)
                found |= {a.id: a for a in self._with_custom(session, query)}
        return [found[i] for i in sorted(found)]

    def create(self, account: Account, *, reason: str, run_id: int | None = None) -> Account:
        now = self.clock()
        stored = dataclasses.replace(
            account, created_at=account.created_at or now, updated_at=account.updated_at or now
        )
        with self.store.session() as session:
            if self._read(session, account.id) is not None:
                raise UserError(f"account {account.id!r} already exists")
            catalog = FieldCatalog.read(session, self.connection_id)
            self._insert(session, catalog, [stored], now)
            created = Change(Side.CRM, account.id, "*", None, "created", reason, now)
            record_changes(session, self.connection_id, run_id, [created])
        return stored

    def update_fields(
        self,
        account_id: str,
        changes: Mapping[str, FieldValue],
        *,
        reason: str,
        run_id: int | None = None,
    ) -> Account:
        with self.store.session() as session:
            old = self._read(session, account_id)
            if old is None:
                raise UserError(f"no account with id {account_id!r}")
            new = _applied(old, changes)
            diff = changed_columns(old, new, changes)
            if not diff:
                return old
            new = dataclasses.replace(new, updated_at=self.clock())
            self._write(session, new, diff)
            record_changes(session, self.connection_id, run_id, self._changes(new, diff, reason))
        return new

    def set_email_opt_out(
        self, account_id: str, opted_out: bool, *, reason: str, run_id: int | None = None
    ) -> Account:
        return self.update_fields(
            account_id, {"email_opt_out": opted_out}, reason=reason, run_id=run_id
        )

    def custom_fields(self) -> list[CustomFieldDef]:
        with self.store.session() as session:
            return list(FieldCatalog.read(session, self.connection_id).defs.values())

    def write_batch(self, batch: AccountBatch, then: Batched[T]) -> T:
        """All of it, `then` included, in one transaction of the state store; the
        created accounts keep the ids proposed."""
        with self.store.session() as session:
            catalog = FieldCatalog.read(session, self.connection_id)
            self._insert(session, catalog, batch.creates, batch.at)
            self._update(session, catalog, batch.updates, batch.at)
            record_changes(session, self.connection_id, batch.run_id, batch.changes)
            return then(session, {a.id: a.id for a in batch.creates})

    def _insert(
        self, session: Session, catalog: FieldCatalog, accounts: Sequence[Account], at: datetime
    ) -> None:
        values = {name: v for account in accounts for name, v in account.custom.items()}
        writes.ensure_fields(session, self.connection_id, catalog, values, at)
        for account in accounts:
            _check_custom(catalog, account.custom)
        writes.insert_accounts(session, self.connection_id, accounts, catalog)

    def _update(
        self,
        session: Session,
        catalog: FieldCatalog,
        updates: Sequence[tuple[Account, tuple[str, ...]]],
        at: datetime,
    ) -> None:
        # One statement per set of columns, for all the accounts that share it.
        by_columns: dict[tuple[str, ...], list[Account]] = defaultdict(list)
        custom: list[tuple[str, str, CustomValue | None]] = []
        for account, columns in updates:
            standard = sorted(c for c in columns if not c.startswith(CUSTOM_PREFIX))
            by_columns[(*standard, "updated_at")].append(account)
            names = [c[len(CUSTOM_PREFIX) :] for c in columns if c.startswith(CUSTOM_PREFIX)]
            custom += [(account.id, name, account.custom.get(name)) for name in names]
        for table_columns, accounts in by_columns.items():
            writes.update_accounts(session, self.connection_id, table_columns, accounts)
        self._replace_custom(session, catalog, custom, at)

    def _replace_custom(
        self,
        session: Session,
        catalog: FieldCatalog,
        triples: Sequence[tuple[str, str, CustomValue | None]],
        at: datetime,
    ) -> None:
        if not triples:
            return
        first: dict[str, CustomValue | None] = {}
        for _, name, value in triples:
            if first.get(name) is None:
                first[name] = value  # a field new to the CRM is typed by a value, not a clear
        writes.ensure_fields(session, self.connection_id, catalog, first, at)
        for _, name, value in triples:
            _check_custom(catalog, {name: value})
        writes.replace_custom_values(session, self.connection_id, catalog, triples)

    def _write(self, session: Session, new: Account, diff: Mapping[str, Any]) -> None:
        catalog = FieldCatalog.read(session, self.connection_id)
        assert new.updated_at is not None
        self._update(session, catalog, [(new, tuple(diff))], new.updated_at)

    def _changes(self, new: Account, diff: Mapping[str, Any], reason: str) -> list[Change]:
        at = new.updated_at
        assert at is not None
        return [
            Change(Side.CRM, new.id, c, journal_text(old), journal_text(value), reason, at)
            for c, (old, value) in diff.items()
        ]

    def _accounts(self) -> Any:
        """The live accounts: what every job reads (crm/builtin/deletion.py)."""
        return select(ACCOUNTS).where(
            ACCOUNTS.c.connection_id == self.connection_id, ACCOUNTS.c.deleted_at.is_(None)
        )

    def _read(self, session: Session, account_id: str) -> Account | None:
        catalog = FieldCatalog.read(session, self.connection_id)
        return read_accounts(session, self.connection_id, [account_id], catalog).get(account_id)

    def _page(self, since: datetime | None, after: tuple[datetime, str] | None) -> list[Account]:
        query = self._accounts()
        if after is not None:
            # alone, so the index seeks on the whole row value (an `updated_at >= since`
            # beside it, implied anyway, makes SQLite seek on updated_at and scan the rest)
            query = query.where(tuple_(ACCOUNTS.c.updated_at, ACCOUNTS.c.id) > tuple_(*after))
        elif since is not None:
            query = query.where(ACCOUNTS.c.updated_at >= since)
        query = query.order_by(ACCOUNTS.c.updated_at, ACCOUNTS.c.id).limit(PAGE)
        with self.store.session() as session:
            return self._with_custom(session, query)

    def _with_custom(self, session: Session, query: Any) -> list[Account]:
        rows = list(session.execute(query).mappings())
        catalog = FieldCatalog.read(session, self.connection_id)
        custom = read_custom(session, self.connection_id, [r["id"] for r in rows], catalog)
        return [account_from_row(row, custom.get(row["id"], {})) for row in rows]


def _applied(old: Account, changes: Mapping[str, FieldValue]) -> Account:
    """`old` with `changes` applied; refuses what the store could not hold."""
    standard: dict[str, Any] = {}
    custom: dict[str, CustomValue] = dict(old.custom)
    for column, value in changes.items():
        if column.startswith(CUSTOM_PREFIX):
            _apply_custom(custom, column[len(CUSTOM_PREFIX) :], value)
        elif column in KNOWN_COLUMNS and column not in _READ_ONLY:
            standard[column] = _checked(column, value)
        else:
            raise UserError(f"column {column!r} cannot be updated")
    return dataclasses.replace(old, **standard, custom=custom)


def _apply_custom(custom: dict[str, CustomValue], name: str, value: FieldValue) -> None:
    if value is None or value == "":
        custom.pop(name, None)
    else:
        custom[name] = value


def _checked(column: str, value: FieldValue) -> FieldValue:
    if column == "type":
        try:
            return AccountType(str(value))
        except ValueError:
            raise UserError(f"type: {value!r} is not individual or organization") from None
    limit = MAX_LENGTHS.get(column)
    if isinstance(value, str) and limit is not None and len(value) > limit:
        raise UserError(f"{column}: {len(value)} characters is longer than the limit of {limit}")
    return value


def _check_custom(catalog: FieldCatalog, values: Mapping[str, CustomValue | None]) -> None:
    """Refuse a value its field could not read back (text for a number field, …)."""
    for name, value in values.items():
        if value is None:
            continue
        try:
            parse_custom(catalog.defs[name], format_custom(value))
        except ValueError as error:
            raise UserError(f"custom.{name}: {error}") from None
