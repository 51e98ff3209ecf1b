"""The Constant Contact half of an undo: memberships the run added taken away and those it
removed put back (bulk activities, ≤500 contacts each), top-level fields put back by
`PUT /contacts/{id}` with no permission sent. Never a resubscribe: the plan puts nobody
unsubscribed back on a list, and CC itself refuses to (its error is an error row).
Each change made is journaled (side `cc`) with the reason "undo of run N"."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from listbridge.constant_contact.bulk import Bulk, BulkResult, DictMemo
from listbridge.constant_contact.contacts import restore_body
from listbridge.constant_contact.errors import ApiError
from listbridge.core.journal import Change, Side
from listbridge.core.runs import ErrorRow
from listbridge.core.undo_plan import LIST_PREFIX, Membership, Restore, UndoPlan
from listbridge.store.journal import record_changes
from listbridge.sync.job import JobContext

MEMBER = "member"


def undo_cc(
    ctx: JobContext, plan: UndoPlan, run_id: int, reason: str, counts: Counter[str]
) -> list[ErrorRow]:
    changes: list[Change] = []
    errors = _memberships(ctx, plan.cc_memberships, reason, counts, changes)
    errors += _fields(ctx, plan.cc_fields, reason, counts, changes)
    with ctx.store.session() as session:
        record_changes(session, ctx.connection_id, run_id, changes)
    return errors


def _memberships(
    ctx: JobContext, members: Sequence[Membership], reason: str, counts: Counter[str],
    changes: list[Change],
) -> list[ErrorRow]:  # fmt: skip
    groups: dict[tuple[str, bool], list[str]] = defaultdict(list)
    for m in members:
        groups[(m.list_key, m.add)].append(m.record_id)
    # an undo is not resumed (a re-run re-plans): a failed activity is its contacts' error rows
    bulk = Bulk(ctx.client, DictMemo(), strict=False)
    errors: list[ErrorRow] = []
    for (list_id, add), ids in groups.items():
        ctx.check_lock()
        key = f"undo:{'add' if add else 'remove'}:{list_id}"
        write = bulk.add_to_lists if add else bulk.remove_from_lists
        refused = _refused(write(key, sorted(ids), [list_id]), sorted(ids), list_id)
        errors += refused
        done = [i for i in ids if i not in {e.cc_contact_id for e in refused}]
        counts["cc_memberships_restored" if add else "cc_memberships_removed"] += len(done)
        old, new = (None, MEMBER) if add else (MEMBER, None)
        field = f"{LIST_PREFIX}{list_id}"
        changes += [Change(Side.CC, i, field, old, new, reason, ctx.clock()) for i in done]
    return errors


def _refused(result: BulkResult, ids: list[str], list_id: str) -> list[ErrorRow]:
    """Error rows of the activity: per contact where CC names one, else for every contact."""
    rows = [
        ErrorRow(f"Constant Contact refused: {e.message}", cc_contact_id=ids[e.index],
                 field=f"{LIST_PREFIX}{list_id}")
        for e in result.errors if e.index is not None
    ]  # fmt: skip
    if result.failed:
        state = ", ".join(f"{a.activity_id} {a.state}" for a in result.failed)
        rows += [
            ErrorRow(f"bulk activity {state}", cc_contact_id=i, field=f"{LIST_PREFIX}{list_id}")
            for i in ids
        ]
    return rows


def _fields(
    ctx: JobContext, restores: Sequence[Restore], reason: str, counts: Counter[str],
    changes: list[Change],
) -> list[ErrorRow]:  # fmt: skip
    by_contact: dict[str, dict[str, str | None]] = defaultdict(dict)
    for r in restores:
        by_contact[r.record_id][r.field] = r.value
    errors = []
    for contact_id, fields in by_contact.items():
        ctx.check_lock()
        try:
            current = ctx.client.get_contact(contact_id)
            ctx.client.update_contact(contact_id, restore_body(current, fields))
        except (ApiError, ValueError) as error:  # one contact's refusal must not stop the undo
            errors.append(ErrorRow(f"not restored: {error}", cc_contact_id=contact_id,
                                   field=",".join(fields)))  # fmt: skip
            continue
        counts["cc_fields_restored"] += len(fields)
        changes += [
            Change(Side.CC, contact_id, name, getattr(current, name), value, reason, ctx.clock())
            for name, value in fields.items()
        ]
    return errors
