"""The CRM half of an undo, through the CRM protocol: list memberships reverted, field
values put back (`update_fields`), the links the run made removed, and the accounts it
created deleted where the CRM lets listbridge delete (`CrmWithDeletion`). Each write is
journaled by the adapter with the reason "undo of run N"; what a CRM refuses is an error
row and the undo goes on."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from listbridge.core.accounts import CUSTOM_PREFIX, Account, CustomFieldDef
from listbridge.core.errors import UserError
from listbridge.core.journal import Change, Side
from listbridge.core.runs import ErrorRow
from listbridge.core.undo_plan import LINK_FIELD, Membership, Restore, UndoPlan
from listbridge.core.values import parse_bool, parse_custom
from listbridge.crm.protocol import CrmWithDeletion, FieldValue
from listbridge.store.journal import record_changes
from listbridge.store.links import link_of_account
from listbridge.store.push_state import drop_links
from listbridge.store.undo_cursors import forget_cursors_of
from listbridge.store.undo_reads import undo_message
from listbridge.sync.job import JobContext

_BLANK = Account("")


def undo_crm(
    ctx: JobContext, plan: UndoPlan, undone: int, run_id: int, counts: Counter[str]
) -> list[ErrorRow]:
    reason = undo_message(undone)
    errors = _memberships(ctx, plan.crm_memberships, run_id, reason, counts)
    errors += _fields(ctx, plan.crm_fields, run_id, reason, counts)
    _unlink(ctx, plan.crm_unlinks, undone, run_id, reason, counts)
    errors += _remove(ctx, plan.crm_removals, run_id, reason, counts)
    return errors


def _memberships(
    ctx: JobContext, members: Sequence[Membership], run_id: int, reason: str, counts: Counter[str]
) -> list[ErrorRow]:
    groups: dict[tuple[str, bool], list[str]] = defaultdict(list)
    for m in members:
        groups[(m.list_key, m.add)].append(m.record_id)
    errors = []
    for (name, add), ids in groups.items():
        write = ctx.crm.add_to_list if add else ctx.crm.remove_from_list
        try:
            write(name, ids, reason=reason, run_id=run_id)
        except UserError as error:  # a list deleted since, an account gone
            errors += [ErrorRow(f"list {name!r}: {error}", i, field=f"list:{name}") for i in ids]
            continue
        counts["crm_memberships_reverted"] += len(ids)
    return errors


def _fields(
    ctx: JobContext, restores: Sequence[Restore], run_id: int, reason: str, counts: Counter[str]
) -> list[ErrorRow]:
    by_account: dict[str, dict[str, str | None]] = defaultdict(dict)
    for r in restores:
        by_account[r.record_id][r.field] = r.value
    defs = {d.name: d for d in ctx.crm.custom_fields()} if by_account else {}
    errors = []
    for account_id, fields in by_account.items():
        try:
            values = {name: field_value(name, text, defs) for name, text in fields.items()}
            ctx.crm.update_fields(account_id, values, reason=reason, run_id=run_id)
        except (UserError, ValueError) as error:
            errors.append(ErrorRow(f"not restored: {error}", account_id, field=",".join(fields)))
            continue
        counts["crm_fields_restored"] += len(fields)
    return errors


def field_value(column: str, text: str | None, defs: Mapping[str, CustomFieldDef]) -> FieldValue:
    """The journal's text of a column as `update_fields` takes it back."""
    if column.startswith(CUSTOM_PREFIX):
        name = column[len(CUSTOM_PREFIX) :]
        if name not in defs:
            raise UserError(f"the custom field {name!r} is no longer defined")
        return parse_custom(defs[name], text) if text else None
    if isinstance(getattr(_BLANK, column, None), bool):
        return parse_bool(text or "false")
    return text or ""


def _unlink(
    ctx: JobContext, account_ids: Sequence[str], undone: int, run_id: int, reason: str,
    counts: Counter[str],
) -> None:  # fmt: skip
    """The links the run made go, so the contacts are matched afresh (and a deleted
    account's contact is not handed to `push.on_crm_delete`); the cursors an undone import
    left go too, so the next import reads those contacts again."""
    if not account_ids:
        return
    with ctx.store.session() as session:
        forget_cursors_of(session, ctx.connection_id, undone)
        changes = []
        for account_id in account_ids:
            link = link_of_account(session, ctx.connection_id, account_id)
            if link is not None:
                old = link.cc_contact_id
                changes.append(
                    Change(Side.CRM, account_id, LINK_FIELD, old, None, reason, ctx.clock())
                )
        drop_links(session, ctx.connection_id, [c.record_id for c in changes])
        record_changes(session, ctx.connection_id, run_id, changes)
    counts["crm_links_removed"] += len(changes)


def _remove(
    ctx: JobContext, account_ids: Sequence[str], run_id: int, reason: str, counts: Counter[str]
) -> list[ErrorRow]:
    if not account_ids:
        return []
    crm = ctx.crm
    if not isinstance(crm, CrmWithDeletion):
        why = (
            "created by the run, not removed: listbridge does not delete accounts in this CRM; "
            "delete it in the CRM's own screens"
        )
        return [ErrorRow(why, i, field="*") for i in account_ids]
    stored = crm.get_many(account_ids, include_deleted=True)
    gone = [i for i in account_ids if i not in stored]
    counts["crm_accounts_removed"] += crm.delete(
        [i for i in account_ids if i in stored], reason=reason, run_id=run_id
    )
    return [ErrorRow("created by the run, already gone from the CRM", i, field="*") for i in gone]
