"""Writing a batch of valid file rows: new ids are created, known ids updated.

A new account is marked with the load's run (its "created" entry is the load's own,
store/journal.py). An update touches only the columns the file gave, journals each
value that changed (old → new), and moves updated_at only when something did change.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from listbridge.core.accounts import CUSTOM_PREFIX, Account
from listbridge.core.errors import RowError
from listbridge.core.journal import Change, Side
from listbridge.core.row_columns import ColumnRows
from listbridge.core.rows import ValidRow, custom_field_name
from listbridge.crm.builtin import deletion, writes
from listbridge.crm.builtin.fresh import (
    ORIGIN,
    LoadStamp,
    ReadyColumns,
    insert_columns,
    insert_ready,
    ready_columns,
)
from listbridge.crm.builtin.records import (
    FieldCatalog,
    changed_columns,
    has_accounts,
    journal_text,
    read_accounts,
)
from listbridge.store.journal import record_changes

#: Columns a re-load never overwrites: the id names the account, the store keeps the times.
_KEPT = frozenset({"id", "created_at", "updated_at"})
_CREATED, _UPDATED = writes.position("created_at"), writes.position("updated_at")
_CATEGORY, _DETAIL = writes.position("origin_category"), writes.position("origin_detail")


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0
    errors: list[RowError] = field(default_factory=list)

    def refuse(self, errors: list[RowError]) -> None:
        self.invalid += 1
        self.errors.extend(errors)


class BatchWriter:
    """Writes batches of one file inside the caller's transaction."""

    def __init__(
        self,
        session: Session,
        connection_id: int,
        run_id: int,
        catalog: FieldCatalog,
        file_name: str,
        now: datetime,
    ) -> None:
        self.session = session
        self.connection_id = connection_id
        self.run_id = run_id
        self.catalog = catalog
        self.file_name = file_name
        self.now = now
        self.reason = f"crm load {file_name}"
        self.stamp = LoadStamp(connection_id, run_id, now, file_name, self.reason)
        self.tally = Tally()
        self.batches = 0
        # A file never repeats an id (RowValidator refuses the second), so a load into
        # an empty CRM can only create: no batch needs to look for accounts to update.
        # (Were another load to race this one, the primary key still refuses doubles.)
        self.only_creates = not has_accounts(session, connection_id)

    def write(self, batch: Sequence[ValidRow]) -> None:
        if not batch:
            return
        self._ensure_fields(frozenset[str]().union(*(row.columns for row in batch)))
        existing = self._existing([row.account.id for row in batch])
        fresh = [row for row in batch if row.account.id not in existing]
        accounts = [row.account for row in fresh]
        rows = [self._values(row) for row in fresh]
        writes.insert_accounts(
            self.session, self.connection_id, accounts, self.catalog, rows, self.run_id
        )
        self._write_known([r for r in batch if r.account.id in existing], existing)
        self.tally.created += len(fresh)
        self._written()

    def ready(self, block: ColumnRows, dialect: Dialect, limit: int) -> ReadyColumns | None:
        """The INSERTs of `block` made ready, without the database (SQLite: `limit` is
        `bulk.variable_limit`), where they cannot depend on what is stored: a load into
        an empty CRM. `write_columns` takes them."""
        if not self.only_creates or dialect.name != "sqlite" or not len(block):
            return None
        return ready_columns(block, self.stamp, dialect, limit)

    def write_columns(self, block: ColumnRows, ready: ReadyColumns | None = None) -> None:
        """`write` for rows validated column by column: new accounts go in as columns
        (made ready beforehand by `ready`, if given)."""
        if not len(block):
            return
        self._ensure_fields(block.columns)
        if ready is not None:
            insert_ready(self.session, self.catalog, ready)
            self.tally.created += len(block)
            self._written()
            return
        existing = self._existing(block.ids)
        fresh = block
        if existing:
            fresh = block.picked([i for i, a in enumerate(block.ids) if a not in existing])
        insert_columns(self.session, self.catalog, fresh, self.stamp)
        known = [
            ValidRow(block.rows[i], block.account(i), block.columns)
            for i, account_id in enumerate(block.ids)
            if account_id in existing
        ]
        self._write_known(known, existing)
        self.tally.created += len(fresh)
        self._written()

    def _ensure_fields(self, columns: frozenset[str]) -> None:
        names = {n: "" for c in columns if (n := custom_field_name(c))}
        writes.ensure_fields(self.session, self.connection_id, self.catalog, names, self.now)

    def _existing(self, ids: list[str]) -> dict[str, Account]:
        if self.only_creates:
            return {}
        return read_accounts(self.session, self.connection_id, ids, self.catalog)

    def _write_known(self, known: Sequence[ValidRow], existing: dict[str, Account]) -> None:
        # A deleted account given again comes back (`crm delete` is undone by a load).
        restored = self._restore(sorted(existing))
        changes = self._update(known, existing, restored)
        record_changes(self.session, self.connection_id, self.run_id, changes)

    def _written(self) -> None:
        self.batches += 1
        if self.batches & (self.batches - 1) == 0:
            writes.refresh_statistics(self.session)

    def _values(self, row: ValidRow) -> list[Any]:
        """A new account's row, with times and origin unless the file gave them (exports do)."""
        values = writes.account_values(self.connection_id, row.account)
        values[_CREATED] = values[_CREATED] or self.now
        values[_UPDATED] = values[_UPDATED] or values[_CREATED]
        if "origin_category" not in row.columns:
            values[_CATEGORY] = ORIGIN
        if "origin_detail" not in row.columns:
            values[_DETAIL] = self.file_name
        return values

    def _restore(self, account_ids: list[str]) -> set[str]:
        if not account_ids:
            return set()
        return deletion.restore(
            self.session, self.connection_id, account_ids, self.now, self.reason, self.run_id
        )

    def _update(
        self, rows: Sequence[ValidRow], existing: dict[str, Account], restored: set[str]
    ) -> list[Change]:
        groups: dict[tuple[str, ...], list[Account]] = defaultdict(list)
        custom: list[tuple[str, str, Any]] = []
        changes: list[Change] = []
        for row in rows:
            old = existing[row.account.id]
            diff = changed_columns(old, row.account, sorted(row.columns - _KEPT))
            if not diff:  # coming back from deleted is a change of its own
                if old.id in restored:
                    self.tally.updated += 1
                else:
                    self.tally.unchanged += 1
                continue
            self.tally.updated += 1
            new = _merged(old, diff, self.now)
            table_columns = tuple(c for c in diff if not c.startswith(CUSTOM_PREFIX))
            groups[(*table_columns, "updated_at")].append(new)
            custom += [(new.id, n, new.custom.get(n)) for c in diff if (n := custom_field_name(c))]
            changes += [self._change(new.id, c, old_v, new_v) for c, (old_v, new_v) in diff.items()]
        for columns, accounts in groups.items():
            writes.update_accounts(self.session, self.connection_id, columns, accounts)
        writes.replace_custom_values(self.session, self.connection_id, self.catalog, custom)
        return changes

    def _change(self, record_id: str, column: str, old: Any, new: Any) -> Change:
        return Change(
            Side.CRM, record_id, column, journal_text(old), journal_text(new), self.reason, self.now
        )


def _merged(old: Account, diff: dict[str, tuple[Any, Any]], now: datetime) -> Account:
    standard = {c: after for c, (_, after) in diff.items() if not c.startswith(CUSTOM_PREFIX)}
    custom = dict(old.custom)
    for column, (_, after) in diff.items():
        name = custom_field_name(column)
        if name is None:
            continue
        if after is None:
            custom.pop(name, None)
        else:
            custom[name] = after
    return dataclasses.replace(old, **standard, custom=custom, updated_at=now)
