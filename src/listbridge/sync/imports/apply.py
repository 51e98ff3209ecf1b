"""Applying one batch of an import plan to the builtin CRM and the links, in one transaction.

Accounts, links, opt-outs, journal entries, error rows, the contacts to reconsider
and the run's counts and checkpoint all commit together: a process killed at any
line leaves either the whole batch or none of it, and a re-run redoes what is
missing. Creates are idempotent across a resume because new ids derive from the
contact id and the link makes a second run see the contact as already linked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from listbridge.core.accounts import Account
from listbridge.core.contact_fields import field_updates
from listbridge.core.import_plan import Link, Plan, Reason, message
from listbridge.core.journal import Change, Side
from listbridge.core.runs import ErrorRow
from listbridge.core.values import reportable
from listbridge.crm.builtin import writes
from listbridge.crm.builtin.records import FieldCatalog, read_accounts
from listbridge.store.import_state import forget_pending, remember_pending
from listbridge.store.journal import record_changes
from listbridge.store.links import LinkRow, save_links


@dataclass(frozen=True)
class BatchTarget:
    """Where a batch goes: the connection, the run, the moment it is applied."""

    connection_id: int
    run_id: int
    at: datetime


def apply_plan(session: Session, target: BatchTarget, plan: Plan) -> list[ErrorRow]:
    """Write the plan; returns the error rows of its skips (the caller stores them)."""
    catalog = FieldCatalog.read(session, target.connection_id)
    changes = _create_accounts(session, target, plan, catalog)
    rows = [LinkRow(c.account.id, c.contact) for c in plan.creates]
    rows += [LinkRow(link.account_id, link.contact) for link in plan.links]
    save_links(session, target.connection_id, rows, target.at)
    changes += _link_changes(target, plan)
    changes += _update_accounts(session, target, plan.links, catalog)
    record_changes(session, target.connection_id, target.run_id, changes)
    skipped = [(s.contact, s.reason.name) for s in plan.skips]
    remember_pending(session, target.connection_id, skipped, target.run_id)
    forget_pending(session, target.connection_id, [r.contact.contact_id for r in rows])
    return [_error_row(s.contact.contact_id, s.contact.email, message(s)) for s in plan.skips]


def _error_row(contact_id: str, email: str, reason: str) -> ErrorRow:
    # An address with a NUL (refused as invalid) is still shown, in a form the store keeps.
    return ErrorRow(reason, cc_contact_id=contact_id, email=reportable(email))


def _create_accounts(
    session: Session, target: BatchTarget, plan: Plan, catalog: FieldCatalog
) -> list[Change]:
    at = target.at
    accounts = [replace(c.account, created_at=at, updated_at=at) for c in plan.creates]
    writes.insert_accounts(session, target.connection_id, accounts, catalog)
    return [
        Change(Side.CRM, c.account.id, "*", None, "created", f"import: {message(c)}", at)
        for c in plan.creates
    ]


def _link_changes(target: BatchTarget, plan: Plan) -> list[Change]:
    return [
        Change(
            Side.CRM,
            link.account_id,
            "cc_contact_id",
            None,
            link.contact.contact_id,
            f"import linked it: {message(link)}",
            target.at,
        )
        for link in plan.links
        if link.new
    ]


def _update_accounts(
    session: Session, target: BatchTarget, links: list[Link], catalog: FieldCatalog
) -> list[Change]:
    """Field updates (per import.update_fields) and opt-outs the plan asked for."""
    wanted = [link for link in links if link.incoming or link.opt_out]
    if not wanted:
        return []
    current = read_accounts(session, target.connection_id, [w.account_id for w in wanted], catalog)
    by_columns: dict[tuple[str, ...], list[Account]] = defaultdict(list)
    changes: list[Change] = []
    for link in wanted:
        account = current.get(link.account_id)
        if account is None:
            continue
        diff = _diff(account, link)
        if not diff:
            continue
        by_columns[tuple(sorted(diff))].append(replace(account, **diff, updated_at=target.at))
        changes += _journal(target, link, account, diff)
    for columns, accounts in by_columns.items():
        writes.update_accounts(session, target.connection_id, [*columns, "updated_at"], accounts)
    return changes


def _diff(account: Account, link: Link) -> dict[str, Any]:
    current = {column: getattr(account, column) for column in link.incoming}
    diff: dict[str, Any] = field_updates(current, link.incoming, link.update_fields)
    # Only ever set: clearing an opt-out is the contact's own re-subscription (issue 8).
    if link.opt_out and not account.email_opt_out:
        diff["email_opt_out"] = True
    return diff


def _journal(
    target: BatchTarget, link: Link, account: Account, diff: Mapping[str, Any]
) -> list[Change]:
    changes = []
    for column, value in diff.items():
        old = getattr(account, column)
        if column == "email_opt_out":
            reason = f"import: {Reason.CC_UNSUBSCRIBED.message}"
            old, value = str(old).lower(), str(value).lower()
        else:
            reason = f"import: import.update_fields is {link.update_fields.value}"
        changes.append(Change(Side.CRM, account.id, column, old, value, reason, target.at))
    return changes
