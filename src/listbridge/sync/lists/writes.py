"""The writes every list job makes the same way: pairing a CRM list, renaming a CC list,
pushing accounts onto a CC list, taking contacts off CC lists (bulk, ≤ 500 ids a request,
every list's requests submitted together and waited for as sets), keeping the links in step.

Each activity id is remembered (`push_activities`) the moment CC gives it; a job killed
after that leaves it there, and the next list job polls it to its end before it reads
anything from CC (`settle_interrupted`): the new plan sees what it did, nothing is
submitted twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from listbridge.constant_contact.bulk import Bulk, BulkResult
from listbridge.constant_contact.bulk_groups import memberships_together
from listbridge.constant_contact.client import ConstantContact
from listbridge.constant_contact.errors import ConflictError
from listbridge.core.list_selection import MAX_LIST_NAME as MAX_CC_LIST_NAME
from listbridge.core.runs import ErrorRow
from listbridge.crm.protocol import CrmWithLists
from listbridge.store.link_lists import link_memberships, set_link_lists
from listbridge.store.list_sync_state import ListPair, pair_lists
from listbridge.store.push_state import StoredMemo
from listbridge.store.runs import RunRecorder
from listbridge.sync.job import JobContext
from listbridge.sync.lists.refusals import READ_CHUNK
from listbridge.sync.push import PushRequest, push
from listbridge.sync.push.steps import settle_remembered


def settle_interrupted(ctx: JobContext) -> int:
    """A killed job's remembered activities (a list job's, or a push's), polled to their
    end together and forgotten; how many there were."""
    memo = StoredMemo(ctx.store, ctx.connection_id, ctx.clock)
    return settle_remembered(ctx.client, memo, ctx.progress)


def pair_crm_list(ctx: JobContext, pair: ListPair, reason: str, run_id: int | None) -> ListPair:
    """The pair with the CRM list of the same name, made when missing."""
    if pair.name not in ctx.crm.lists():
        ctx.crm.create_list(pair.name, reason=reason, run_id=run_id)
    found = list_key(ctx.crm, pair.name)
    with ctx.store.session() as session:
        pair_lists(session, ctx.connection_id, pair.cc_list_id, found)
    return replace(pair, crm_list_key=found, crm_name=pair.name)


def list_key(crm: CrmWithLists, name: str) -> str:
    """The CRM's key of its list `name` (which exists)."""
    return next(key for key, listed in crm.list_keys().items() if listed == name)


def rename_cc_list(client: ConstantContact, cc_list_id: str, old: str, new: str) -> None:
    """Rename a CC list, also when only the case of its name changes (`Kl` → `kl`).

    CC keeps list names unique ignoring case (as the emulator and `lists create` do), and
    its specification does not say whether a list's own name counts. The emulator takes a
    case-only rename in one PUT; a service that refused it (409) or answered with the old
    spelling would leave it undone, so then the list goes through a temporary name first.
    """
    if _took(client, cc_list_id, new, case_only=old.casefold() == new.casefold()):
        return
    client.update_list(cc_list_id, temporary_name(cc_list_id, new))
    client.update_list(cc_list_id, new)


def _took(client: ConstantContact, cc_list_id: str, new: str, case_only: bool) -> bool:
    """Whether CC took `new` as given; a refusal is only ours to work around when the new
    name differs from the list's own by case alone (no other list can hold it then)."""
    try:
        return client.update_list(cc_list_id, new).name == new or not case_only
    except ConflictError:
        if case_only:
            return False
        raise


def temporary_name(cc_list_id: str, new: str) -> str:
    """Unlike any other list's name ignoring case (it carries the list's id), ≤ 255."""
    suffix = f" (renaming {cc_list_id})"
    return new[: MAX_CC_LIST_NAME - len(suffix)] + suffix


@dataclass
class Removed:
    removed: list[str] = field(default_factory=list)  # account ids
    failed: frozenset[str] = frozenset()  # account ids still on the list
    errors: list[ErrorRow] = field(default_factory=list)


#: a CC list and the contacts to take off it (contact id → account id)
Removal = tuple[ListPair, Mapping[str, str]]


@dataclass(frozen=True)
class ListWriter:
    """The CC-side membership writes of every list job, in the job's context."""

    ctx: JobContext

    def push_onto(
        self, run: RunRecorder, pair: ListPair, accounts: frozenset[str]
    ) -> tuple[list[str], list[ErrorRow]]:
        """Created or matched exactly as a push does: the accounts that landed on the list,
        and the push's error rows (also in `run`)."""
        ctx = self.ctx
        pushed = push(ctx, PushRequest(lists=[pair.name], accounts=accounts), run)
        ids, on_list = sorted(accounts), list[str]()
        with ctx.store.session() as session:
            for start in range(0, len(ids), READ_CHUNK):  # not every member's link at once
                chunk = ids[start : start + READ_CHUNK]
                links = link_memberships(session, ctx.connection_id, chunk)
                on_list += [a for a in chunk if a in links and pair.cc_list_id in links[a].list_ids]
        return on_list, pushed.errors

    def take_off(self, run_id: int, removals: Sequence[Removal]) -> list[Removed]:
        """Take these contacts (contact id → account id) off each CC list: every list's
        requests (≤ 500 ids each) submitted together and waited for as sets
        (`memberships_together`), each id remembered as soon as it is known."""
        ctx = self.ctx
        memo = StoredMemo(ctx.store, ctx.connection_id, ctx.clock)
        groups = {_key(run_id, pair): (sorted(contacts), [pair.cc_list_id])
                  for pair, contacts in removals}  # fmt: skip
        done = memberships_together(Bulk(ctx.client, memo), "remove_list_memberships", groups)
        results = [
            _removed(pair, contacts, done[_key(run_id, pair)]) for pair, contacts in removals
        ]
        with ctx.store.session() as session:
            for (pair, _contacts), result in zip(removals, results, strict=True):
                current = link_memberships(session, ctx.connection_id, result.removed)
                lists = {a: current[a].list_ids - {pair.cc_list_id} for a in result.removed
                         if a in current}  # fmt: skip
                set_link_lists(session, ctx.connection_id, lists, ctx.clock())
        memo.forget(k for result in done.values() for k in result.keys)
        return results


def _key(run_id: int, pair: ListPair) -> str:
    return f"lists:{run_id}:{pair.cc_list_id}:remove"


def _removed(pair: ListPair, contacts: Mapping[str, str], done: BulkResult) -> Removed:
    """What one list's removals did: a contact an error names is still on the list."""
    failed = {a for c, a in contacts.items() if any(c in e.message for e in done.errors)}
    result = Removed([a for a in contacts.values() if a not in failed], frozenset(failed))
    result.errors = [ErrorRow(f"not removed from {pair.name!r}: {e.message}")
                     for e in done.errors]  # fmt: skip
    return result
