"""A push streamed through the CRM: its accounts read, planned, applied and recorded a chunk
at a time (`PushRequest.chunk_size`), so a million accounts fit a small worker.

Up front (`outline`), over every account but keeping little of each: consent first (CC's
opt-outs), the addresses to look up in CC (one look-up or scan for the whole push, not one
per chunk), and who shares an address (`core.shared_emails`: accounts with one address are
decided together whichever chunks they fall in). Then each chunk: its links read from the
store, planned with what the outline decided (`core.push_plan.Known`), applied, journaled
and recorded in its own transaction. A push killed between chunks is resumed by the next
one as any interrupted push is: its activities settled, the chunks recorded seen as linked.
Last, the links of accounts no chunk held (deleted in the CRM, `push.on_crm_delete`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import islice

from listbridge.constant_contact.bulk import Bulk, import_batches
from listbridge.constant_contact.models import Contact
from listbridge.core.accounts import Account
from listbridge.core.eligibility import why_not_pushed
from listbridge.core.emails import match_key
from listbridge.core.push_plan import UNKNOWN_EMAIL, CcState, Known, Plan, plan_gone, plan_push
from listbridge.core.shared_emails import Sharing, shared_addresses
from listbridge.store.push_state import (
    StoredMemo,
    link_states_of,
    linked_account_ids,
    owners_of,
    unsubscribed_contact_ids,
)
from listbridge.store.runs import RunRecorder
from listbridge.sync.job import JobContext
from listbridge.sync.push import source
from listbridge.sync.push.apply import Item, import_groups
from listbridge.sync.push.fetch import (
    PushRequest,
    Setup,
    consent_first,
    emails_to_look_up,
    setup,
    with_consent,
    with_known_emails,
)
from listbridge.sync.push.journal import cc_changes, read_before
from listbridge.sync.push.record import PushResult, record_push
from listbridge.sync.push.source import Calls, Fetched
from listbridge.sync.push.steps import apply_push, states_of


@dataclass
class Outline:
    """What every chunk of a streamed push is planned with."""

    setup: Setup
    calls: Calls
    #: contacts unsubscribed in CC now
    gone: set[str]
    #: match key → the CC contact with that address, for every address looked up
    existing: dict[str, CcState]
    #: the match keys looked up (found or not)
    looked_up: set[str]
    sharing: dict[str, Sharing]
    opted_out: set[str]
    #: accounts with a link when the push began; those no chunk holds are gone from the CRM
    linked: set[str]
    link_total: int
    seen: dict[str, Contact] = field(default_factory=dict)
    row_of: source.RowReader | None = None


def account_chunks(ctx: JobContext, request: PushRequest) -> Iterator[list[Account]]:
    """The accounts a push considers, `request.chunk_size` at a time, as the CRM streams
    them (a list job's members: read by id, a chunk at a time)."""
    size = max(1, request.chunk_size)
    if request.accounts is None:
        stream: Iterator[Account] = ctx.crm.changed_since(None)
        while chunk := list(islice(stream, size)):
            yield chunk
        return
    ids = sorted(request.accounts)
    for start in range(0, len(ids), size):
        found = ctx.crm.get_many(ids[start : start + size])
        if found:
            yield list(found.values())


def chunk_links(ctx: JobContext, accounts: Iterable[Account], gone: set[str]) -> dict[str, CcState]:
    with ctx.store.session() as session:
        return with_consent(
            link_states_of(session, ctx.connection_id, (a.id for a in accounts)), gone
        )


def outline(ctx: JobContext, request: PushRequest, write: bool) -> Outline:
    """Consent first, then one pass over the accounts keeping their addresses alone."""
    calls = Calls()
    made = setup(ctx, request, calls, write)
    policy = made.policy
    gone = consent_first(ctx, calls, write)
    with ctx.store.session() as session:
        linked = linked_account_ids(session, ctx.connection_id)
        opted_out = unsubscribed_contact_ids(session, ctx.connection_id) | gone
    wanted: set[str] = set()
    first: dict[str, str] = {}  # match key → the first account with it
    shared: dict[str, list[str]] = {}  # match key → every account with it, when several
    siblings: dict[str, Account] = {}
    for chunk in account_chunks(ctx, request):
        links = chunk_links(ctx, chunk, gone)
        wanted.update(match_key(e) for e in emails_to_look_up(chunk, links, policy))
        accounts: list[Account] = chunk
        if request.accounts is not None:
            # The rest of each household: whether one of them holds the address matters too.
            found = ctx.crm.with_primary_emails(a.email for a in chunk)
            siblings |= {a.id: a for a in found if a.id not in request.accounts}
            accounts = [*chunk, *(a for a in found if a.id not in request.accounts)]
        for account in accounts:
            _by_address(first, shared, account)
    row_of = source.row_reader(policy.mapping, made.custom.names)
    seen: dict[str, Contact] = {}
    existing = (
        source.contacts_by_email(ctx.client, wanted, calls, source.fingerprinter(row_of), seen)
        if wanted
        else {}
    )
    opted_out |= {s.contact_id for s in existing.values() if s.unsubscribed}
    existing = _safe(existing, opted_out)
    sharing = _sharing(ctx, shared, siblings, existing, gone, policy.role_local_parts)
    return Outline(made, calls, gone, existing, wanted, sharing, opted_out, linked,
                   len(linked), seen, row_of)  # fmt: skip


def _by_address(first: dict[str, str], shared: dict[str, list[str]], account: Account) -> None:
    key = match_key(account.email)
    if not key:
        return
    other = first.setdefault(key, account.id)
    if other == account.id:
        return
    group = shared.setdefault(key, [other])
    if account.id not in group:
        group.append(account.id)


def _safe(states: dict[str, CcState], out: set[str]) -> dict[str, CcState]:
    return {k: replace(s, unsubscribed=True) if s.contact_id in out and not s.unsubscribed else s
            for k, s in states.items()}  # fmt: skip


def _sharing(
    ctx: JobContext,
    shared: dict[str, list[str]],
    siblings: dict[str, Account],
    existing: dict[str, CcState],
    gone: set[str],
    roles: frozenset[str],
) -> dict[str, Sharing]:
    """`shared_addresses` over the accounts that share an address with another, alone."""
    ids = {i for group in shared.values() for i in group}
    if not ids:
        return {}
    accounts = {**ctx.crm.get_many(sorted(ids - set(siblings))), **siblings}
    group = [accounts[i] for i in sorted(ids) if i in accounts]
    links = chunk_links(ctx, group, gone)
    learned = with_known_emails(group, links, existing)
    linked = {a: s.contact_id for a, s in (links | learned).items()}
    contacts = {k: (existing[k].contact_id, existing[k].first_name, existing[k].last_name)
                for k in shared if k in existing}  # fmt: skip

    def eligible(account: Account) -> bool:
        return why_not_pushed(account, roles) is None

    return shared_addresses(group, eligible, linked, contacts)


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
        plan_of.existing |= _safe(found, plan_of.opted_out)
        plan_of.looked_up |= late
    learned = with_known_emails(chunk, links, plan_of.existing)
    made = plan_of.setup
    fetched = Fetched(chunk, links | learned, plan_of.existing, policy, made.list_names,
                      plan_of.calls, made.tag, seen=plan_of.seen, row_of=plan_of.row_of,
                      link_total=plan_of.link_total)  # fmt: skip
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
    return plan_push(fetched.accounts, fetched.links, fetched.existing, fetched.policy,
                     known=known)  # fmt: skip


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
                   link_total=plan_of.link_total)  # fmt: skip


def push_streamed(
    ctx: JobContext, request: PushRequest, run: RunRecorder, memo: StoredMemo
) -> PushResult:
    """Chunk by chunk: each planned, applied, journaled and recorded before the next is read."""
    plan_of = outline(ctx, request, write=True)
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
        total = _merged(total, _applied(ctx, run, memo, plan, fetched))
        _forget_seen(plan_of, fetched.accounts)
    rest = gone_fetched(ctx, plan_of)
    if rest is not None:
        plan = plan_gone(rest.links, rest.policy.on_crm_delete)
        total = _merged(total, _applied(ctx, run, memo, plan, rest))
    if total is None:
        made = plan_of.setup
        nothing = Fetched([], {}, {}, made.policy, made.list_names, plan_of.calls, made.tag)
        total = _applied(ctx, run, memo, Plan(), nothing)
    total.calls = plan_of.calls
    return total


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
    ctx: JobContext, run: RunRecorder, memo: StoredMemo, plan: Plan, fetched: Fetched
) -> PushResult:
    before = read_before(ctx.client, plan, fetched, ctx.progress)
    applied = apply_push(Bulk(ctx.client, memo), ctx.client, plan, fetched, ctx.progress, True)
    ctx.check_lock()
    journal = cc_changes(plan, fetched, applied, before, ctx.clock())
    result = record_push(
        ctx.store, ctx.connection_id, run, plan, fetched, applied, ctx.clock(), journal
    )
    memo.forget(applied.keys)
    return result


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
