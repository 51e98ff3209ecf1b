"""Applying one batch of an import plan: the CRM's writes, then the links, as one step.

The accounts and their journal go through the CRM (`CrmAdapter.write_batch`); the
links, the contacts to reconsider and the caller's bookkeeping (error rows, the run's
counts and checkpoint) are written in the session it hands back. With the builtin
CRM all of it commits together: a process killed at any line leaves either the whole
batch or none of it, and a re-run redoes what is missing. Creates are idempotent
across a resume because new ids derive from the contact id and the link makes a
second run see the contact as already linked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
from listbridge.crm.protocol import AccountBatch, CrmAdapter
from listbridge.store.import_state import forget_pending, remember_pending
from listbridge.store.links import LinkRow, save_links

#: What the caller commits with the batch: given the session and the batch's error rows.
Bookkeeping = Callable[[Session, list[ErrorRow]], None]
Update = tuple[Account, tuple[str, ...]]
READ_ONLY = Reason.CRM_READ_ONLY.message


@dataclass(frozen=True)
class BatchTarget:
    """Where a batch goes: the connection, the run, the moment it is applied."""

    connection_id: int
    run_id: int
    at: datetime


def apply_plan(
    crm: CrmAdapter, target: BatchTarget, plan: Plan, bookkeeping: Bookkeeping
) -> list[ErrorRow]:
    """Write the plan, `bookkeeping` with it; returns the error rows of its skips."""
    errors = [_error_row(s.contact.contact_id, s.contact.email, message(s)) for s in plan.skips]
    updates, update_changes = _updates(crm, target, plan.links)
    if crm.read_only:  # reported, not written (the creates are skips already: job.py)
        errors += _not_written(plan.links, updates)
        updates, update_changes = (), []
    creates = [replace(c.account, created_at=target.at, updated_at=target.at) for c in plan.creates]
    changes = [*_create_changes(target, plan), *_link_changes(target, plan), *update_changes]
    batch = AccountBatch(target.run_id, target.at, tuple(creates), updates, tuple(changes))

    def then(session: Session, ids: Mapping[str, str]) -> None:
        _save_links(session, target, plan, ids)
        bookkeeping(session, errors)

    crm.write_batch(batch, then)
    return errors


def _save_links(session: Session, target: BatchTarget, plan: Plan, ids: Mapping[str, str]) -> None:
    """`ids`: the id the CRM gave each created account, by the id the plan proposed."""
    rows = [LinkRow(ids[c.account.id], c.contact) for c in plan.creates]
    rows += [LinkRow(link.account_id, link.contact) for link in plan.links]
    save_links(session, target.connection_id, rows, target.at)
    skipped = [(s.contact, s.reason.name) for s in plan.skips]
    remember_pending(session, target.connection_id, skipped, target.run_id)
    forget_pending(session, target.connection_id, [r.contact.contact_id for r in rows])


def _error_row(contact_id: str, email: str, reason: str) -> ErrorRow:
    # An address with a NUL (refused as invalid) is still shown, in a form the store keeps.
    return ErrorRow(reason, cc_contact_id=contact_id, email=reportable(email))


def _create_changes(target: BatchTarget, plan: Plan) -> list[Change]:
    return [
        Change(Side.CRM, c.account.id, "*", None, "created", f"import: {message(c)}", target.at)
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


def _updates(
    crm: CrmAdapter, target: BatchTarget, links: list[Link]
) -> tuple[tuple[Update, ...], list[Change]]:
    """Field updates (per import.update_fields) and opt-outs the plan asked for."""
    wanted = [link for link in links if link.incoming or link.opt_out]
    if not wanted:
        return (), []
    # Deleted accounts too: a linked account deleted in the CRM still takes its opt-out.
    current = crm.get_many([w.account_id for w in wanted], include_deleted=True)
    updates: list[Update] = []
    changes: list[Change] = []
    for link in wanted:
        account = current.get(link.account_id)
        if account is None:
            continue
        diff = _diff(account, link)
        if not diff:
            continue
        updates.append((replace(account, **diff, updated_at=target.at), tuple(diff)))
        changes += _journal(target, link, account, diff)
    return tuple(updates), changes


def _not_written(links: list[Link], updates: tuple[Update, ...]) -> list[ErrorRow]:
    contacts = {link.account_id: link.contact for link in links}
    rows = []
    for account, columns in updates:
        contact = contacts[account.id]
        what = (
            f"would have opted out account {account.id} ({Reason.CC_UNSUBSCRIBED.message})"
            if "email_opt_out" in columns
            else f"would have updated account {account.id}: {', '.join(columns)}"
        )
        rows.append(_error_row(contact.contact_id, contact.email, f"{what}; {READ_ONLY}"))
    return rows


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
