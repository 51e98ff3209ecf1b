"""Applying one batch of an import plan: the CRM's writes, then the links, as one step.

The accounts and their journal go through the CRM (`CrmAdapter.write_batch`); the
links, the contacts to reconsider and the caller's bookkeeping (error rows, the run's
counts and checkpoint) are written in the session it hands back. With the builtin
CRM all of it commits together: a process killed at any line leaves either the whole
batch or none of it, and a re-run redoes what is missing. Creates are idempotent
across a resume because new ids derive from the contact id and the link makes a
second run see the contact as already linked.

A CRM may refuse one account of a batch (CiviCRM has no row for its country): the
batch is written again without it, the contact is reported not imported (or, for an
account it matched, not updated) with the CRM's reason, and the others go in.

With `import.link_companies` the batch's new organisation accounts are written first, in
the same `write_batch` as the people tied to them, and journaled with them. Before the
run's first batch is written, the CRM's own organisations are read once, so that a
company the CRM has is reused, never made twice; a CRM that cannot hold organisations
(crm/organisations.py) gets the people with their company names, tied to nothing, and
the run says so once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from listbridge.core.accounts import Account
from listbridge.core.companies import organisation_names
from listbridge.core.contact_fields import field_updates
from listbridge.core.errors import AccountRefusedError
from listbridge.core.import_plan import (
    Link,
    Plan,
    Reason,
    Skip,
    message,
    reuse_organisations,
    untie_companies,
)
from listbridge.core.journal import Change, Side
from listbridge.core.runs import ErrorRow
from listbridge.core.values import reportable
from listbridge.crm.organisations import organisations_refused
from listbridge.crm.protocol import AccountBatch, CrmAdapter
from listbridge.store.import_state import forget_pending, remember_pending
from listbridge.store.links import LinkRow, save_links

#: What the caller commits with the batch: given the session and the batch's error rows.
Bookkeeping = Callable[[Session, list[ErrorRow]], None]
Update = tuple[Account, tuple[str, ...]]
READ_ONLY = Reason.CRM_READ_ONLY.message
OPT_OUT = "email_opt_out"
LINK_COMPANIES = "import.link_companies"


@dataclass(frozen=True)
class BatchTarget:
    """Where a batch goes: the connection, the run, the moment it is applied."""

    connection_id: int
    run_id: int
    at: datetime


def apply_plan(
    crm: CrmAdapter, target: BatchTarget, plan: Plan, bookkeeping: Bookkeeping
) -> list[ErrorRow]:
    """Write the plan, `bookkeeping` with it; returns the error rows of its skips. A
    create the CRM refuses becomes a skip of `plan` (which is changed in place)."""
    notes = _companies(crm, plan)  # about the run, not one contact: said once
    refused: dict[str, str] = {}  # the CRM's reason, by account id
    while True:
        try:
            return _write(crm, target, plan, bookkeeping, refused, notes)
        except AccountRefusedError as error:
            if error.account_id in refused or not _in_plan(plan, error.account_id):
                raise
            refused[error.account_id] = error.detail
            notes += _drop_refused_organisations(plan, refused)
            _skip_refused(plan, refused)


def _companies(crm: CrmAdapter, plan: Plan) -> list[ErrorRow]:
    """The CRM's organisations, read before the run's first batch is written (the plan
    made without them takes them now); or, where the CRM cannot hold any, no tie at all."""
    companies = plan.companies
    if companies is None:
        return []
    if not companies.known:
        companies.known = True
        companies.refused = organisations_refused(crm) or ""
        if not companies.refused:
            reuse_organisations(plan, organisation_names(crm.changed_since(None)))
    if not companies.refused:
        return []
    untie_companies(plan)
    if companies.reported:
        return []
    companies.reported = True
    why = (
        f"{LINK_COMPANIES} is true, but {companies.refused}: people are imported with "
        "their company name and tied to no organisation account"
    )
    return [ErrorRow(why, field=LINK_COMPANIES)]


def _drop_refused_organisations(plan: Plan, refused: Mapping[str, str]) -> list[ErrorRow]:
    """An organisation the CRM would not take: its people keep their company names."""
    gone = [o for o in plan.organisations if o.account.id in refused]
    untie_companies(plan, [o.key for o in gone])
    if plan.companies is not None:  # a later batch tries again
        for organisation in gone:
            plan.companies.names.pop(organisation.key, None)
    return [
        ErrorRow(
            f"organisation {o.account.company_name!r} not created: {Reason.CRM_REFUSED.message} "
            f"({refused[o.account.id]}); its people keep the company name, tied to nothing",
            field="company_name",
        )
        for o in gone
    ]


def _in_plan(plan: Plan, account_id: str) -> bool:
    ids = {c.account.id for c in plan.creates} | {link.account_id for link in plan.links}
    ids |= {o.account.id for o in plan.organisations}
    return account_id in ids


def _skip_refused(plan: Plan, refused: Mapping[str, str]) -> None:
    kept = [c for c in plan.creates if c.account.id not in refused]
    for create in plan.creates:
        if create.account.id in refused:
            skip = Skip(create.contact, Reason.CRM_REFUSED, refused[create.account.id])
            plan.skips.append(skip)
    plan.creates[:] = kept


def _write(
    crm: CrmAdapter,
    target: BatchTarget,
    plan: Plan,
    bookkeeping: Bookkeeping,
    refused: Mapping[str, str],
    notes: list[ErrorRow],
) -> list[ErrorRow]:
    errors = [*notes]
    errors += [_error_row(s.contact.contact_id, s.contact.email, message(s)) for s in plan.skips]
    updates, update_changes = _updates(crm, target, plan.links)
    if refused:  # matched accounts the CRM would not take the contact's values for
        errors += _not_updated(plan.links, updates, refused)
        updates, update_changes = _consent_only(updates, update_changes, refused)
    if crm.read_only:  # reported, not written (the creates are skips already: job.py)
        errors += _not_written(plan.links, updates)
        updates, update_changes = (), []
    # organisations first: a person is tied to one that is there
    accounts = [*(o.account for o in plan.organisations), *(c.account for c in plan.creates)]
    creates = [replace(a, created_at=target.at, updated_at=target.at) for a in accounts]
    changes = [
        *_organisation_changes(target, plan),
        *_create_changes(target, plan),
        *_link_changes(target, plan),
        *update_changes,
    ]
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


def _organisation_changes(target: BatchTarget, plan: Plan) -> list[Change]:
    why = f"import: {LINK_COMPANIES} is true and no organisation account is named"
    return [
        Change(
            Side.CRM,
            o.account.id,
            "*",
            None,
            "created",
            f"{why} {o.account.company_name!r}",
            target.at,
        )
        for o in plan.organisations
    ]


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


def _consent_only(
    updates: tuple[Update, ...], changes: list[Change], refused: Mapping[str, str]
) -> tuple[tuple[Update, ...], list[Change]]:
    """The refused accounts' updates cut down to their opt-out: consent goes in whatever
    the CRM thinks of the contact's other values."""
    kept = [(a, cols) for a, cols in updates if a.id not in refused]
    kept += [(a, (OPT_OUT,)) for a, cols in updates if a.id in refused and OPT_OUT in cols]
    written = {a.id for a, _ in kept}
    return tuple(kept), [
        c
        for c in changes
        if c.record_id in written and (c.record_id not in refused or c.field == OPT_OUT)
    ]


def _not_updated(
    links: list[Link], updates: tuple[Update, ...], refused: Mapping[str, str]
) -> list[ErrorRow]:
    contacts = {link.account_id: link.contact for link in links}
    return [
        _error_row(
            contacts[a.id].contact_id,
            contacts[a.id].email,
            f"account {a.id} not updated: {Reason.CRM_REFUSED.message} ({refused[a.id]})",
        )
        for a, _ in updates
        if a.id in refused
    ]


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
