"""Vtiger behind the CrmAdapter port: contacts read and written in Vtiger's own database.

Reads go through reads.py (one query per page, with its own short connection); each
write is one Vtiger transaction journaled in listbridge's store (base.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import TypeVar

from listbridge.core.accounts import Account, CustomFieldDef
from listbridge.core.email_forms import sql_lowered_forms
from listbridge.core.emails import match_key
from listbridge.core.errors import UserError
from listbridge.core.filters import Segment
from listbridge.core.journal import Change, Side
from listbridge.core.matching import AccountKeys
from listbridge.crm.filter_sql_tree import python_test
from listbridge.crm.protocol import AccountBatch, Batched, FieldValue
from listbridge.crm.vtiger import filter_sql, reads
from listbridge.crm.vtiger.checks import applied, check_columns, check_new
from listbridge.crm.vtiger.contacts import insert_contacts, update_contact
from listbridge.crm.vtiger.fields import journal_text
from listbridge.crm.vtiger.lists import VtigerLists
from listbridge.crm.vtiger.writes import Writer

PAGE = 1000
#: matching's keys are small: more of them per read
KEYS_PAGE = 10_000
T = TypeVar("T")


class VtigerCrm(VtigerLists):
    """The Vtiger 7/8 CRM of one connection, with its campaigns as lists (lists.py).

    Built as `VtigerCrm(store, connection_id, engine, clock, user_id=1)` (base.py).
    """

    read_only = False

    def changed_since(self, since: datetime | None) -> Iterator[Account]:
        """Keyset pages on (modifiedtime, crmid): one page in memory at a time, and no
        connection held while the caller works through it."""
        after: tuple[datetime, int] | None = None
        while True:
            with self.engine.connect() as conn:
                page = reads.read_page(conn, since, after, PAGE)
            yield from page
            if len(page) < PAGE:
                return
            last = page[-1]
            assert last.updated_at is not None
            after = (last.updated_at, int(last.id))

    def select_account_ids(self, segment: Segment | None, *, defaults: bool = True) -> list[str]:
        """In SQL where it decides as Python would (filter_sql.py), the rest in Python."""
        with self.engine.connect() as conn:
            return filter_sql.select_ids(
                conn, segment, python_test(segment, defaults), defaults=defaults
            )

    def get(self, account_id: str) -> Account | None:
        return self.get_many([account_id]).get(account_id)

    def get_many(
        self, account_ids: Iterable[str], *, include_deleted: bool = False
    ) -> dict[str, Account]:
        ids = reads.crmids(account_ids)
        with self.engine.connect() as conn:
            return reads.read_many(conn, ids, include_deleted=include_deleted)

    def match_keys(self) -> Iterator[AccountKeys]:
        """Every contact, deleted ones too, in keyset pages on crmid."""
        after = 0
        while True:
            with self.engine.connect() as conn:
                page = reads.keys_page(conn, after, KEYS_PAGE)
            yield from page
            if len(page) < KEYS_PAGE:
                return
            after = int(page[-1].id)

    def opted_out_ids(self) -> frozenset[str]:
        with self.engine.connect() as conn:
            return reads.opted_out(conn)

    def find_by_email(self, email: str) -> list[Account]:
        key = match_key(email)
        if not key:
            return []
        forms = sql_lowered_forms(key)
        found: dict[str, Account] = {}
        if forms is None:
            found = self._scanned({key}, lambda k: k.emails)
        with self.engine.connect() as conn:
            for form in sorted(forms or ()):
                found |= {a.id: a for a in reads.with_email(conn, form)}
        return _held(found, lambda a: key in {match_key(e) for e in a.emails})

    def with_primary_emails(self, emails: Iterable[str]) -> list[Account]:
        keys = {match_key(e) for e in emails} - {""}
        forms = {k: sql_lowered_forms(k) for k in keys}
        asked = sorted({f for fs in forms.values() for f in fs or ()})
        found = self._scanned({k for k, fs in forms.items() if fs is None}, lambda k: k.emails[:1])
        with self.engine.connect() as conn:
            found |= {a.id: a for a in reads.with_primary_email(conn, asked)}
        return _held(found, lambda a: match_key(a.email) in keys)

    def _scanned(
        self, keys: set[str], emails: Callable[[AccountKeys], tuple[str, ...]]
    ) -> dict[str, Account]:
        """The contacts holding one of these keys, by a read of every contact: for a key
        of too many forms to ask MariaDB for (crm/email_lookup.py)."""
        if not keys:
            return {}
        ids = [k.id for k in self.match_keys() if keys & {match_key(e) for e in emails(k)}]
        return self.get_many(ids)

    def create(self, account: Account, *, reason: str, run_id: int | None = None) -> Account:
        """A new contact under Vtiger's next crmid (`account.id` is not used), returned
        as stored."""
        check_new(account)
        with self.writing() as (writer, session):
            (crmid,), orgs = insert_contacts(writer, [account])
            created = Change(Side.CRM, str(crmid), "*", None, "created", reason, writer.noted)
            self.journal(session, run_id, [*_organisations(orgs.created, reason, writer), created])
            stored = reads.read_many(writer.conn, [crmid], include_deleted=True)
        return stored[str(crmid)]

    def update_fields(
        self,
        account_id: str,
        changes: Mapping[str, FieldValue],
        *,
        reason: str,
        run_id: int | None = None,
    ) -> Account:
        """Deleted contacts too: consent still reaches a contact deleted since it was linked."""
        old = self.get_many([account_id], include_deleted=True).get(account_id)
        if old is None:
            raise UserError(f"no account with id {account_id!r}")
        new = applied(old, changes)
        columns = [c for c in changes if getattr(new, c) != getattr(old, c)]
        if not columns:
            return old
        with self.writing() as (writer, session):
            orgs = update_contact(writer, int(account_id), new, columns)
            stored = reads.read_many(writer.conn, [int(account_id)], include_deleted=True)
            now = stored[account_id]
            texts = {c: _texts(old, now, c) for c in columns}
            changed = [
                Change(Side.CRM, account_id, c, *pair, reason, writer.noted)
                for c, pair in texts.items()
                if pair[0] != pair[1]  # "acme" linked to the existing "Acme" changes nothing
            ]
            self.journal(session, run_id, [*_organisations(orgs.created, reason, writer), *changed])
        return now

    def set_email_opt_out(
        self, account_id: str, opted_out: bool, *, reason: str, run_id: int | None = None
    ) -> Account:
        return self.update_fields(
            account_id, {"email_opt_out": opted_out}, reason=reason, run_id=run_id
        )

    def custom_fields(self) -> list[CustomFieldDef]:
        """None yet: Vtiger's custom fields (vtiger_contactscf) are not synced."""
        return []

    def write_batch(self, batch: AccountBatch, then: Batched[T]) -> T:
        """The batch in one Vtiger transaction with its journal (a create's entries under
        the id Vtiger gave it), committed; then `then` in a new store session."""
        for account in batch.creates:
            check_new(account)
        for account, columns in batch.updates:
            check_columns(account, columns)
        with self.writing(batch.at) as (writer, session):
            ids, orgs = _write(writer, batch)
            made = _organisations(orgs, "made for a contact's company name", writer)
            self.journal(session, batch.run_id, [*made, *(_renamed(c, ids) for c in batch.changes)])
        with self.store.session() as session:
            return then(session, ids)


def _write(writer: Writer, batch: AccountBatch) -> tuple[dict[str, str], list[str]]:
    """Proposed id → Vtiger's id of each create, and the organisations made for the
    batch's company names; the updates written too."""
    crmids, orgs = insert_contacts(writer, batch.creates)
    made = list(orgs.created)
    wanted = [account.id for account, _ in batch.updates]
    found = reads.read_many(writer.conn, reads.crmids(wanted), include_deleted=True)
    unknown = sorted(set(wanted) - found.keys())
    if unknown:
        raise UserError(f"no account with id {', '.join(map(repr, unknown))}; nothing was written")
    for account, columns in batch.updates:
        made += update_contact(writer, int(account.id), account, columns).created
    return {a.id: str(i) for a, i in zip(batch.creates, crmids, strict=True)}, made


def _renamed(change: Change, ids: Mapping[str, str]) -> Change:
    return dataclasses.replace(change, record_id=ids.get(change.record_id, change.record_id))


def _texts(old: Account, new: Account, column: str) -> tuple[str | None, str | None]:
    return journal_text(getattr(old, column)), journal_text(getattr(new, column))


def _organisations(names: Iterable[str], reason: str, writer: Writer) -> list[Change]:
    """The organisations created for contacts, journaled as the builtin CRM journals a new
    list: record `organization:<name>`, field `name`."""
    return [
        Change(Side.CRM, f"organization:{name}", "name", None, name, reason, writer.noted)
        for name in names
    ]


def _held(found: Mapping[str, Account], holds: Callable[[Account], bool]) -> list[Account]:
    """The contacts that do hold a key wanted, by id: MariaDB's `lower()` lowers by its
    collation's tables (they leave `ẞ` and `İ` as they are), so forms of a key
    (core/email_forms.py) are asked for and a few others come back too."""
    return sorted((a for a in found.values() if holds(a)), key=lambda a: int(a.id))
