"""A push streamed through the CRM: its accounts read, planned, applied and recorded a chunk
at a time (`PushRequest.chunk_size`), so a million accounts fit a small worker.

Up front (`outline.py`), over every account but keeping little of each: consent first,
the contacts changed in CC since the last push (`held.py`), the addresses to look up in
CC, and who shares an address. Then each chunk: its links read from the
store, planned with what the outline decided (`core.push_plan.Known`), applied, journaled
and recorded in its own transaction. A push killed between chunks is resumed by the next
one as any interrupted push is: its activities settled, the chunks recorded seen as linked.
Last, the links of accounts no chunk held (deleted in the CRM, `push.on_crm_delete`), and
the watermark of CC's changes moved to the push's end (`held.py`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

from listbridge.constant_contact.bulk import Bulk, import_batches
from listbridge.core.accounts import Account
from listbridge.core.emails import match_key
from listbridge.core.few_collections import few_collections
from listbridge.core.push_plan import UNKNOWN_EMAIL, Known, Plan, plan_gone, plan_push
from listbridge.store.push_state import (
    CcHeld,
    StoredMemo,
    advance_push_watermark,
    cc_held_of,
    link_states_of,
    owners_of,
)
from listbridge.store.push_untagged import remember_untagged
from listbridge.store.runs import RunRecorder
from listbridge.sync.job import JobContext
from listbridge.sync.push import held, source
from listbridge.sync.push.apply import Item, import_groups
from listbridge.sync.push.fetch import (
    PushRequest,
    emails_to_look_up,
    with_consent,
    with_known_emails,
)
from listbridge.sync.push.journal import cc_changes, read_before
from listbridge.sync.push.outline import (
    Changes,
    Outline,
    account_chunks,
    chunk_links,
    made_safe,
    outline,
)
from listbridge.sync.push.record import PushResult, record_push
from listbridge.sync.push.source import Fetched
from listbridge.sync.push.steps import PushApplied, apply_push, outlast_writes, states_of


def chunk_fetched(ctx: JobContext, plan_of: Outline, chunk: list[Account]) -> Fetched:
    """A chunk's accounts with their links, and what the outline knows of every address."""
    links = chunk_links(ctx, chunk, plan_of.gone)
    policy = replace(plan_of.setup.policy, whole_crm=False)
    wanted = {match_key(e) for e in emails_to_look_up(chunk, links, policy)}
    late = wanted - plan_of.looked_up  # changed in the CRM since the outline read it
    if late:
        fp = source.fingerprinter(plan_of.row_of or source.row_reader(policy.mapping, {}))
        found = source.contacts_by_email(ctx.client, late, plan_of.calls, fp, plan_of.seen)
        plan_of.opted_out |= {s.contact_id for s in found.values() if s.unsubscribed}
        plan_of.existing |= made_safe(found, plan_of.opted_out)
        plan_of.looked_up |= late
    learned = with_known_emails(chunk, links, plan_of.existing)
    made = plan_of.setup
    fetched = Fetched(chunk, links | learned, plan_of.existing, policy, made.list_names,
                      plan_of.calls, made.tag, seen=plan_of.seen, row_of=plan_of.row_of,
                      link_total=plan_of.link_total, tag_ids=plan_of.tag_ids)  # fmt: skip
    fetched.learned.update({k: v for k, v in learned.items() if v.email != UNKNOWN_EMAIL})
    return fetched


def plan_chunk(ctx: JobContext, plan_of: Outline, fetched: Fetched) -> Plan:
    keys = {match_key(a.email) for a in fetched.accounts}
    contacts = {plan_of.existing[k].contact_id for k in keys if k in plan_of.existing}
    with ctx.store.session() as session:
        owners = owners_of(session, ctx.connection_id, contacts)
    for account_id, state in fetched.links.items():
        owners[state.contact_id] = account_id
    known = Known(plan_of.sharing, owners, plan_of.opted_out)
    began = time.perf_counter()
    with few_collections():
        plan = plan_push(fetched.accounts, fetched.links, fetched.existing, fetched.policy,
                         known=known)  # fmt: skip
    plan_of.planning_seconds += time.perf_counter() - began
    plan_of.planned += len(fetched.accounts)
    return plan


def gone_fetched(ctx: JobContext, plan_of: Outline) -> Fetched | None:
    """The links of accounts no chunk held (deleted or gone from the CRM)."""
    made = plan_of.setup
    if not made.policy.whole_crm or not plan_of.linked:
        return None
    with ctx.store.session() as session:
        links = with_consent(
            link_states_of(session, ctx.connection_id, plan_of.linked), plan_of.gone
        )
    return Fetched([], links, {}, made.policy, made.list_names, plan_of.calls, made.tag,
                   link_total=plan_of.link_total, tag_ids=plan_of.tag_ids)  # fmt: skip


def push_streamed(
    ctx: JobContext, request: PushRequest, run: RunRecorder, memo: StoredMemo
) -> PushResult:
    """Chunk by chunk: each planned, applied, journaled and recorded before the next is read."""
    plan_of = outline(ctx, request, write=True)
    bulk = together(ctx, memo)
    total: PushResult | None = None
    carried: list[Account] = []
    for chunk, last in _with_last(account_chunks(ctx, request)):
        plan_of.linked.difference_update(a.id for a in chunk)
        fetched = chunk_fetched(ctx, plan_of, [*carried, *chunk])
        plan = plan_chunk(ctx, plan_of, fetched)
        carried = [] if last else _part_filled(plan, fetched)
        # no more than half a chunk waits for the next one: memory stays one chunk's
        if len(carried) * 2 >= max(2, request.chunk_size):
            carried = []
        if carried:
            fetched = _without(fetched, {a.id for a in carried})
            plan = plan_chunk(ctx, plan_of, fetched)
        ctx.progress(f"plan: {plan.considered} accounts considered")
        total = _merged(total, _applied(ctx, run, bulk, memo, plan, fetched, plan_of.changes))
        _forget_seen(plan_of, fetched.accounts)
    rest = gone_fetched(ctx, plan_of)
    if rest is not None:
        plan = plan_gone(rest.links, rest.policy.on_crm_delete)
        total = _merged(total, _applied(ctx, run, bulk, memo, plan, rest, plan_of.changes))
    if total is None:
        made = plan_of.setup
        nothing = Fetched([], {}, {}, made.policy, made.list_names, plan_of.calls, made.tag)
        total = _applied(ctx, run, bulk, memo, Plan(), nothing)
    total.calls = plan_of.calls
    total.timings = _timings(plan_of)
    if plan_of.changes is not None and plan_of.changes.advances:
        outlast_writes(ctx.client, bulk.ended)
        _advance_watermark(ctx, run)
    return total


def _timings(plan_of: Outline) -> dict[str, float]:
    seconds = plan_of.planning_seconds
    rate = plan_of.planned / seconds if seconds > 0 else 0.0
    return {"planning_seconds": round(seconds, 4), "planning_records_per_s": round(rate, 1)}


def _advance_watermark(ctx: JobContext, run: RunRecorder) -> None:
    """A complete push: every link knows what CC held at its end (`held.py`)."""
    at = ctx.client.session.last_date
    if at is not None:
        with ctx.store.session() as session:
            advance_push_watermark(session, ctx.connection_id, at - held.MARGIN, run.run_id)


def _with_last(chunks: Iterator[list[Account]]) -> Iterator[tuple[list[Account], bool]]:
    ahead = next(chunks, None)
    while ahead is not None:
        current, ahead = ahead, next(chunks, None)
        yield current, ahead is None


def _part_filled(plan: Plan, fetched: Fetched) -> list[Account]:
    """The accounts of each import's last request when it is not full: they go with the
    next chunk, so chunking sends no more import requests than one push of all would."""
    tail: set[str] = set()
    for list_ids, items in import_groups(plan, states_of(plan, fetched)).items():
        if not list_ids:
            continue
        batches = import_batches([dict(i.row) for i in items], list_ids).batches
        if batches and not _full(items, batches[-1], list_ids):
            tail.update(items[i].account_id for i in batches[-1])
    return [a for a in fetched.accounts if a.id in tail]


def _full(items: list[Item], batch: range, list_ids: tuple[str, ...]) -> bool:
    """Whether one more row of the same size would have opened a new request."""
    rows = [dict(items[i].row) for i in batch]
    again = import_batches([*rows, rows[-1]], list_ids).batches
    return len(again) > 1


def _without(fetched: Fetched, ids: set[str]) -> Fetched:
    kept = [a for a in fetched.accounts if a.id not in ids]
    learned = {k: v for k, v in fetched.learned.items() if k not in ids}
    return replace(fetched, accounts=kept, learned=learned)


def _applied(
    ctx: JobContext,
    run: RunRecorder,
    bulk: Bulk,
    memo: StoredMemo,
    plan: Plan,
    fetched: Fetched,
    changes: Changes | None = None,
) -> PushResult:
    """`changes`: when the links know what CC holds (`held.py`), the journal reads them."""
    fields = held.compared(fetched.policy)
    known: dict[str, dict[str, str]] = {}
    if plan.updates and changes is not None and changes.trusted():
        with ctx.store.session() as session:
            stored = cc_held_of(session, ctx.connection_id, (u.account_id for u in plan.updates))
        known = held.known_before(plan, stored, fields)
    before = read_before(ctx.client, plan, fetched, ctx.progress, known)
    if plan.creates:  # until the chunk is recorded: a re-run tags what a kill left untagged
        remember_untagged(ctx.store, run.run_id, (c.contact.email for c in plan.creates))
    applied = apply_push(bulk, ctx.client, plan, fetched, ctx.progress, True)
    ctx.check_lock()
    journal = cc_changes(plan, fetched, applied, before, ctx.clock())
    after = _held_after(plan, fetched, applied, before, fields)
    result = record_push(ctx.store, ctx.connection_id, run, plan, fetched, applied, ctx.clock(),
                         journal, after)  # fmt: skip
    memo.forget(applied.keys)
    return result


def together(ctx: JobContext, memo: StoredMemo) -> Bulk:
    """The push's independent activities (a group's imports, its ≤ 500-id batches) go out
    as sets waited for together, one `GET /activities` page a round (`Bulk.run_together`)."""
    return Bulk(ctx.client, memo, together=True)


def _held_after(
    plan: Plan,
    fetched: Fetched,
    applied: PushApplied,
    before: dict[str, dict[str, str]],
    fields: tuple[str, ...],
) -> dict[str, CcHeld | None]:
    """What CC holds of the chunk's contacts now: as the look-up read them, then what
    the chunk wrote over that."""
    row_of = fetched.row_of or source.row_reader(fetched.policy.mapping, {})
    ids = {s.contact_id for s in fetched.links.values()} | {k.contact_id for k in plan.links}
    read = {i: held.held_of(c, row_of, fields) for i, c in (fetched.seen or {}).items()
            if i in ids}  # fmt: skip
    by_put = {i.account_id for i in import_groups(plan, states_of(plan, fetched)).get((), [])}
    wrote = held.held_after(plan, applied.created_ids, applied.refused, before, by_put, fields)
    return {**read, **wrote}


def _forget_seen(plan_of: Outline, chunk: list[Account]) -> None:
    """The contacts the look-up read for this chunk are not needed by the next ones."""
    if not plan_of.seen:
        return
    for account in chunk:
        state = plan_of.existing.get(match_key(account.email))
        if state is not None:
            plan_of.seen.pop(state.contact_id, None)


def _merged(total: PushResult | None, part: PushResult) -> PushResult:
    if total is None:
        return part
    total.counts.update(part.counts)
    total.errors += part.errors
    total.warnings += part.warnings
    total.by_reason.update(part.by_reason)
    total.run_id, total.status = part.run_id, part.status
    return total
