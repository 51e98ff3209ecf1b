"""Planning an undo: the run and its journal (store) → consent of the CC contacts it would
put back on a list (CC) → `core.undo_plan.plan_undo` → refused, or a plan to apply.

Everything that refuses does so here, before the lock and without a run: an unknown run,
a kind that is not undone, a run already undone, a run still going, and (unless forced)
records that later runs changed too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from listbridge.constant_contact.client import ConstantContact
from listbridge.constant_contact.errors import ApiError
from listbridge.core.errors import UserError
from listbridge.core.journal import Side
from listbridge.core.runs import RunStatus
from listbridge.core.undo_plan import (
    Conflict,
    Membership,
    UndoPlan,
    plan_undo,
    refusal,
    restores_needing_consent,
)
from listbridge.crm.protocol import CrmWithDeletion
from listbridge.store.runs import RunRecord, get_run
from listbridge.store.undo_reads import later_changes, run_entries, undone_by
from listbridge.sync.job import JobContext

#: conflicts named in the refusal, changes not reverted in the preview; the rest counted
NAMED = 10
SHOWN = 20


@dataclass(frozen=True)
class UndoRequest:
    run_id: int
    #: go on when later runs changed the same records (their changes are overwritten)
    force: bool = False


@dataclass(frozen=True)
class Planned:
    run: RunRecord
    plan: UndoPlan
    #: whether the CRM lets listbridge delete the accounts the run created
    can_delete: bool = True


def plan_for(ctx: JobContext, request: UndoRequest) -> Planned:
    """The plan, or a UserError saying why the run is not undone."""
    run = get_run(ctx.store, ctx.connection_id, request.run_id)
    _check_run(ctx, run)
    entries = run_entries(ctx.store, ctx.connection_id, run.run_id)
    records = {(e.side, e.record_id) for e in entries}
    later = later_changes(ctx.store, ctx.connection_id, run.run_id, records)
    unsubscribed = _unsubscribed(ctx.client, restores_needing_consent(entries))
    plan = plan_undo(entries, later, unsubscribed)
    if plan.conflicts and not request.force:
        raise UserError(_conflict_message(run, plan.conflicts))
    return Planned(run, plan, isinstance(ctx.crm, CrmWithDeletion))


def _check_run(ctx: JobContext, run: RunRecord) -> None:
    why = refusal(run.kind)
    if why is not None:
        raise UserError(f"run {run.run_id} ({run.kind}) cannot be undone: {why}")
    if run.status is RunStatus.RUNNING:
        raise UserError(f"run {run.run_id} is still running: undo it once it has finished")
    undo = undone_by(ctx.store, ctx.connection_id, run.run_id)
    if undo is not None:
        raise UserError(f"run {run.run_id} was already undone by run {undo}")


def _unsubscribed(client: ConstantContact, contact_ids: Iterable[str]) -> set[str]:
    """Contacts unsubscribed now; one whose consent cannot be read counts as unsubscribed,
    so that nobody is put back on a list on a guess."""
    found = set()
    for contact_id in sorted(contact_ids):
        try:
            contact = client.get_contact(contact_id).to_core()
        except ApiError:
            found.add(contact_id)
            continue
        if contact.unsubscribed or contact.deleted:
            found.add(contact_id)
    return found


def _conflict_message(run: RunRecord, conflicts: tuple[Conflict, ...]) -> str:
    lines = [_conflict_line(c) for c in conflicts[:NAMED]]
    if len(conflicts) > NAMED:
        lines.append(f"… and {len(conflicts) - NAMED} more record(s)")
    runs = sorted({r for c in conflicts for r in c.runs if r is not None})
    later = ", ".join(map(str, runs)) or "none (changes by hand)"
    return (
        f"run {run.run_id} cannot be undone: later changes touched the same records "
        f"(later runs: {later}):\n  "
        + "\n  ".join(lines)
        + "\nadd --force to undo it anyway (the later values are overwritten)"
    )


def _conflict_line(conflict: Conflict) -> str:
    what = "account" if conflict.side is Side.CRM else "Constant Contact contact"
    by = ", ".join("by hand" if r is None else f"run {r}" for r in conflict.runs)
    return f"{what} {conflict.record_id} ({', '.join(conflict.fields)}): changed by {by}"


def describe(planned: Planned) -> list[str]:
    """What the undo would do, a line each, for the preview and the confirmation."""
    plan, run = planned.plan, planned.run
    lines = [f"undo of run {run.run_id} ({run.kind}, started {run.started_at:%Y-%m-%d %H:%M})"]
    memberships = _split(plan.cc_memberships)
    removed = "removed" if planned.can_delete else "not removed (this CRM's own screens delete)"
    done = [
        (len(plan.crm_fields), "CRM field value(s) put back"),
        (len(plan.crm_memberships), "CRM list membership(s) reverted"),
        (len(plan.crm_unlinks), "link(s) to Constant Contact contacts the run made removed"),
        (len(plan.crm_removals), f"CRM account(s) the run created {removed}"),
        (len(plan.cc_fields), "Constant Contact field value(s) put back"),
        (memberships[0], "Constant Contact list membership(s) the run added taken away"),
        (memberships[1], "Constant Contact list membership(s) the run removed put back"),
    ]
    lines += [f"  {n} {what}" for n, what in done if n]
    if plan.empty:
        lines.append("  nothing to revert")
    if plan.conflicts:
        lines.append(f"  {len(plan.conflicts)} record(s) later runs changed too (--force)")
    lines += [
        f"  not reverted: {n.side.value} {n.record_id} {n.field}: {n.reason}"
        for n in plan.not_reverted[:SHOWN]
    ]
    if len(plan.not_reverted) > SHOWN:
        lines.append(f"  … {len(plan.not_reverted) - SHOWN} more not reverted (runs show)")
    return lines


def _split(memberships: tuple[Membership, ...]) -> tuple[int, int]:
    """(taken away, put back)"""
    adds = sum(1 for m in memberships if m.add)
    return len(memberships) - adds, adds
