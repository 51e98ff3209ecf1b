"""`lists create | rename | delete | hide | bind`: one list, both sides at once (its members:
`list_members`).

Each takes the connection's lock and records a run (kind `lists`) with its counts and
error rows. Names follow CC's rules (1–255 characters, unique ignoring case); a clash or
a bad name is a UserError (exit 2) before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from listbridge.constant_contact import polling
from listbridge.core.errors import UserError
from listbridge.core.filters import compile_filter
from listbridge.core.runs import ErrorRow, RunStatus
from listbridge.store.cc_lists import refresh_lists
from listbridge.store.db import Store
from listbridge.store.link_lists import link_memberships, set_link_lists
from listbridge.store.list_sync_state import (
    ListPair,
    bind_rule,
    find_pair,
    list_pairs,
    mark_deleted,
    pair_lists,
    pair_named,
    set_hidden,
    set_names,
)
from listbridge.store.runs import RunRecorder
from listbridge.sync.job import JobContext, JobStart, Progress, job_run, quiet
from listbridge.sync.lists.sides import CRM_LIST, WHERE, check_crm_source
from listbridge.sync.lists.writes import list_key, rename_cc_list

KIND = "lists"
MAX_NAME = 255


@dataclass
class ListAction:
    """What one list command did: its run, counts and error rows."""

    run_id: int
    action: str
    name: str
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[ErrorRow] = field(default_factory=list)
    status: RunStatus = RunStatus.SUCCEEDED


def named_pair(ctx: JobContext, name: str) -> ListPair:
    crm_lists = ctx.crm.list_keys()
    with ctx.store.session() as session:
        pairs = list_pairs(session, ctx.connection_id, crm_lists)
    found = pair_named(pairs, name)
    live = [p.name for p in pairs if not p.deleted]
    if found is None:
        known = ", ".join(live) or "none"
        raise UserError(f"no Constant Contact list named {name!r} (lists: {known})")
    return found


@contextmanager
def list_run(
    store: Store, connection_id: int, action: str, name: str, progress: Progress, origin: str
) -> Iterator[tuple[JobContext, RunRecorder, ListAction]]:
    """A list command's context, lock and run, with CC's lists read fresh first."""
    with job_run(KIND, JobStart(store, connection_id, origin, progress=progress)) as (ctx, run):
        lists = [lst.to_core() for lst in ctx.client.iter_lists()]
        with store.session() as session:
            refresh_lists(session, connection_id, lists, ctx.clock())
        done = ListAction(run.run_id, action, name)
        run.message = f"lists {action} {name!r}"
        yield ctx, run, done
        run.counts.update(done.counts)
        done.status = run.outcome()


def check_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise UserError("a list name cannot be empty")
    if len(cleaned) > MAX_NAME:
        raise UserError(f"list name {cleaned[:40]!r}…: {len(cleaned)} characters, at most 255")
    return cleaned


def create_list(
    store: Store, connection_id: int, name: str, *, hidden: bool = False, origin: str = "cli"
) -> ListAction:
    name = check_name(name)
    with list_run(store, connection_id, "create", name, quiet, origin) as (ctx, _run, done):
        crm_lists = ctx.crm.list_keys()
        with store.session() as session:
            clash = find_pair(session, connection_id, name, crm_lists)
        if clash is not None:
            raise UserError(f"a Constant Contact list named {clash.name!r} already exists")
        created = ctx.client.create_list(name).to_core()
        with store.session() as session:
            refresh_lists(session, connection_id, [created], ctx.clock())
        if name not in ctx.crm.lists():
            ctx.crm.create_list(name, reason="lists create", run_id=done.run_id)
        key = list_key(ctx.crm, name)
        with store.session() as session:
            pair_lists(session, connection_id, created.list_id, key)
            set_names(session, connection_id, created.list_id, name)
            set_hidden(session, connection_id, created.list_id, hidden)
        done.counts = {"lists_created": 1}
    return done


def rename_list(
    store: Store, connection_id: int, old: str, new: str, origin: str = "cli"
) -> ListAction:
    new = check_name(new)
    with list_run(store, connection_id, "rename", old, quiet, origin) as (ctx, _run, done):
        pair = named_pair(ctx, old)
        crm_lists = ctx.crm.list_keys()
        with store.session() as session:
            clash = find_pair(session, connection_id, new, crm_lists)
        if clash is not None and clash.cc_list_id != pair.cc_list_id:
            raise UserError(f"a Constant Contact list named {clash.name!r} already exists")
        if new in ctx.crm.lists() and new != pair.crm_name:
            raise UserError(f"a CRM list named {new!r} already exists")
        rename_cc_list(ctx.client, pair.cc_list_id, pair.name, new)
        if pair.crm_name is not None:
            ctx.crm.rename_list(pair.crm_name, new, reason="lists rename", run_id=done.run_id)
        with store.session() as session:
            # Never paired: the name is CC's alone (a synced name marks a pairing).
            set_names(session, connection_id, pair.cc_list_id, new, pair.crm_name is not None)
        done.counts = {"lists_renamed": 1}
    return done


def delete_list(store: Store, connection_id: int, name: str, origin: str = "cli") -> ListAction:
    """Through CC's `list_delete` activity; the contacts and CRM accounts stay."""
    with list_run(store, connection_id, "delete", name, quiet, origin) as (ctx, _run, done):
        pair = named_pair(ctx, name)
        activity = ctx.client.delete_lists([pair.cc_list_id])
        polling.Poller().wait(ctx.client, activity, polling.quiet)
        if pair.crm_name is not None:
            ctx.crm.delete_list(pair.crm_name, reason="lists delete", run_id=done.run_id)
        with store.session() as session:
            mark_deleted(session, connection_id, pair.cc_list_id, ctx.clock())
            current = link_memberships(session, connection_id)
            lists = {a: m.list_ids - {pair.cc_list_id} for a, m in current.items()
                     if pair.cc_list_id in m.list_ids}  # fmt: skip
            set_link_lists(session, connection_id, lists, ctx.clock())
        done.counts = {"lists_deleted": 1}
    return done


def hide_list(
    store: Store, connection_id: int, name: str, hidden: bool, origin: str = "cli"
) -> ListAction:
    """Ours alone (CC's lists have no hidden status): hidden lists keep syncing."""
    action = "hide" if hidden else "unhide"
    with list_run(store, connection_id, action, name, quiet, origin) as (ctx, _run, done):
        pair = named_pair(ctx, name)
        with store.session() as session:
            set_hidden(session, connection_id, pair.cc_list_id, hidden)
    return done


def bind_list(
    store: Store,
    connection_id: int,
    name: str,
    *,
    where: str | None = None,
    crm_list: str | None = None,
    origin: str = "cli",
) -> ListAction:
    if (where is None) == (crm_list is None):
        raise UserError("lists bind: give exactly one of --where FILTER or --crm-list X")
    with list_run(store, connection_id, "bind", name, quiet, origin) as (ctx, _run, done):
        pair = named_pair(ctx, name)
        if where is not None:
            segment = compile_filter(where, ctx.crm.custom_fields())
            kind, rule = WHERE, segment.text
        else:
            assert crm_list is not None
            check_crm_source(ctx.crm, crm_list)
            kind, rule = CRM_LIST, crm_list
        with store.session() as session:
            bind_rule(session, connection_id, pair.cc_list_id, kind, rule)
        done.counts = {"lists_bound": 1}
    return done
