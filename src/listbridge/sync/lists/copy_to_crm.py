"""Right after `connect` (`connect.copy_lists`, on by default): every Constant Contact list
gets a CRM list of its name, paired with it as `lists create` pairs the two, so that the
first list sync has somewhere to put each list's members.

A CRM list of the same name (exactly: the CRM's names count case) is paired, never
duplicated; a CC list already paired (a reconnect) is left as it is. Each CRM list made
is journaled by the adapter's `create_list`, under a `lists` run of its own. A CRM that
keeps no lists, or that listbridge may not write to, is skipped whole, saying why; a list
the CRM refuses (a name it cannot hold) is reported and the others are copied.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from listbridge.core.errors import UserError
from listbridge.core.runs import ErrorRow
from listbridge.core.settings import CONNECT_COPY_LISTS
from listbridge.crm.factory import open_crm
from listbridge.crm.protocol import CrmWithLists
from listbridge.store.db import Store
from listbridge.store.list_sync_state import list_pairs, pair_lists, set_names
from listbridge.store.settings import effective_settings
from listbridge.sync.job import JobStart, job_context, quiet
from listbridge.sync.lists.admin import list_run
from listbridge.sync.lists.writes import list_key

#: the journal's reason for a CRM list made here
REASON = "connect: Constant Contact list copied (connect.copy_lists)"


@dataclass
class ListCopy:
    """What the copy did; `skipped` says why it did nothing at all ("" when it ran)."""

    skipped: str = ""
    run_id: int | None = None
    #: CRM lists made for a CC list, and CRM lists found under a CC list's name, now paired
    created: list[str] = field(default_factory=list)
    paired: list[str] = field(default_factory=list)
    #: lists the CRM refused, with its reason
    refused: list[ErrorRow] = field(default_factory=list)


def copy_cc_lists(store: Store, connection_id: int, origin: str = "cli") -> ListCopy:
    """Give every live CC list of the connection a paired CRM list of its name."""
    if not effective_settings(store, connection_id).get(CONNECT_COPY_LISTS):
        return ListCopy(skipped=f"{CONNECT_COPY_LISTS.key}=false")
    why_not = _cannot_copy(open_crm(store, connection_id))
    if why_not:
        return ListCopy(skipped=why_not)
    if not _anything_to_copy(JobStart(store, connection_id, origin)):
        return ListCopy()  # no run, no lock: a connect to an account without lists, or again
    with list_run(store, connection_id, "copy", "every list", quiet, origin) as (ctx, run, done):
        copy, refusals = ListCopy(run_id=done.run_id), dict[str, str]()
        with store.session() as session:
            pairs = list_pairs(session, connection_id, ctx.crm.list_keys())
        for pair in pairs:
            if pair.deleted or pair.crm_list_key is not None:
                continue
            if pair.name in ctx.crm.lists():
                copy.paired.append(pair.name)
            else:
                try:
                    ctx.crm.create_list(pair.name, reason=REASON, run_id=done.run_id)
                except UserError as error:  # a name this CRM cannot hold, or no lists at all
                    refusals[pair.name] = str(error)
                    continue
                copy.created.append(pair.name)
            key = list_key(ctx.crm, pair.name)
            with store.session() as session:
                pair_lists(session, connection_id, pair.cc_list_id, key)
                set_names(session, connection_id, pair.cc_list_id, pair.name)
        if refusals and not copy.created and len(set(refusals.values())) == 1:
            # Every list refused for one reason (a mapped CRM without lists): say it once.
            copy.skipped = next(iter(refusals.values()))
        copy.refused = [ErrorRow(f"list {name!r}: {why}") for name, why in refusals.items()]
        run.add_errors(copy.refused)
        done.counts = {"lists_created": len(copy.created), "lists_paired": len(copy.paired)}
    return copy


def _anything_to_copy(start: JobStart) -> bool:
    """Whether a live CC list has no CRM list paired with it (read without a run)."""
    with job_context(start) as ctx:
        live = [lst.list_id for lst in ctx.client.iter_lists() if not lst.to_core().deleted]
        with start.store.session() as session:
            pairs = list_pairs(session, start.connection_id, ctx.crm.list_keys())
    paired = {p.cc_list_id for p in pairs if p.crm_list_key is not None}
    return any(list_id not in paired for list_id in live)


def _cannot_copy(crm: object) -> str:
    if not isinstance(crm, CrmWithLists):
        return "the CRM keeps no lists"
    if crm.read_only:
        return "the CRM is read-only for listbridge (read_only = true in its mapping)"
    return ""
