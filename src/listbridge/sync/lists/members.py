"""`lists add | remove`: members of one linked list, on both sides at once.

Additions go through the push (new accounts are created or matched exactly as a push does);
removals are bulk activities, memberships only (≤ 500 ids each, submitted together and
waited for as a set; a killed run's are polled to their end, not submitted again). When
the list has synced before, the bases move with the change, so the next sync does not read
it as one side's change.
"""

from __future__ import annotations

from collections.abc import Sequence

from listbridge.core.errors import UserError
from listbridge.core.filters import compile_filter
from listbridge.crm.segments import segment_ids
from listbridge.store.db import Store
from listbridge.store.link_lists import link_memberships
from listbridge.store.list_sync_state import ListPair, read_bases, save_bases
from listbridge.sync.job import JobContext, Progress, quiet
from listbridge.sync.lists.admin import ListAction, list_run, named_pair
from listbridge.sync.lists.writes import ListWriter, pair_crm_list, settle_interrupted


def add_members(
    store: Store,
    connection_id: int,
    name: str,
    *,
    accounts: Sequence[str] = (),
    where: str | None = None,
    progress: Progress = quiet,
    origin: str = "cli",
) -> ListAction:
    """Push the accounts onto the list (created or matched as in push), then the CRM list."""
    if bool(accounts) == (where is not None):
        raise UserError("lists add: give --account ID ... or --where FILTER (one of them)")
    with list_run(store, connection_id, "add", name, progress, origin) as (ctx, run, done):
        pair = named_pair(ctx, name)
        chosen = _chosen(ctx, accounts, where)
        landed, done.errors = ListWriter(ctx).push_onto(run, pair, chosen)
        if pair.crm_name is None:
            why = "lists add: paired with the CC list"
            pair = pair_crm_list(ctx, pair, why, done.run_id)
        assert pair.crm_name is not None
        added = ctx.crm.add_to_list(pair.crm_name, landed, reason="lists add", run_id=done.run_id)
        _grow_bases(ctx, pair, frozenset(landed))
        done.counts = {"selected": len(chosen), "added": len(landed), "crm_added": added,
                       "not_added": len(chosen) - len(landed)}  # fmt: skip
    return done


def _chosen(ctx: JobContext, accounts: Sequence[str], where: str | None) -> frozenset[str]:
    if where is not None:
        segment = compile_filter(where, ctx.crm.custom_fields())
        return frozenset(segment_ids(ctx.crm, segment, defaults=True))
    missing = [a for a in accounts if ctx.crm.get(a) is None]
    if missing:
        raise UserError(f"--account: no CRM account with id {', '.join(missing[:5])}")
    return frozenset(accounts)


def _grow_bases(ctx: JobContext, pair: ListPair, added: frozenset[str]) -> None:
    """Both sides changed together: the next sync must not read it as one side's change."""
    if pair.last_sync is None or not added:
        return
    with ctx.store.session() as session:
        old = read_bases(session, ctx.connection_id, pair.cc_list_id)
        crm = old[0] if pair.rule_kind else old[0] | added
        save_bases(session, ctx.connection_id, pair.cc_list_id, old, (crm, old[1] | added))


def remove_members(
    store: Store, connection_id: int, name: str, accounts: Sequence[str], origin: str = "cli"
) -> ListAction:
    """Memberships only: the contacts and accounts stay."""
    if not accounts:
        raise UserError("lists remove: give --account ID ...")
    with list_run(store, connection_id, "remove", name, quiet, origin) as (ctx, run, done):
        pair = named_pair(ctx, name)
        _chosen(ctx, accounts, None)  # an unknown id: exit 2, nothing removed
        settle_interrupted(ctx)
        with store.session() as session:
            links = link_memberships(session, connection_id)
        ids = {links[a].contact_id: a for a in accounts if a in links}
        [result] = ListWriter(ctx).take_off(done.run_id, [(pair, ids)])
        crm_removed = 0
        if pair.crm_name is not None:
            crm_removed = ctx.crm.remove_from_list(
                pair.crm_name, list(accounts), reason="lists remove", run_id=done.run_id
            )
        _shrink_bases(ctx, pair, frozenset(accounts) - result.failed)
        done.errors = result.errors
        run.add_errors(done.errors)
        done.counts = {"removed": len(result.removed), "crm_removed": crm_removed}
    return done


def _shrink_bases(ctx: JobContext, pair: ListPair, gone: frozenset[str]) -> None:
    if pair.last_sync is None or not gone:
        return
    with ctx.store.session() as session:
        old = read_bases(session, ctx.connection_id, pair.cc_list_id)
        crm = old[0] if pair.rule_kind else old[0] - gone
        save_bases(session, ctx.connection_id, pair.cc_list_id, old, (crm, old[1] - gone))
