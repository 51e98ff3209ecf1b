"""Applying the linked lists' plans: names, CC additions (through the push), CC removals (bulk,
every list's together), CRM writes (journaled), then the bases for the next three-way merge.

An addition that did not land (not pushable, or refused by CC) is left out of the bases,
so the next sync tries it again and reports it again rather than reading it as a removal.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from listbridge.constant_contact import polling
from listbridge.core.list_names import NameDecision
from listbridge.core.list_plan import ListPlan, Why
from listbridge.core.runs import ErrorRow
from listbridge.core.setting_values import Direction
from listbridge.store.list_sync_state import (
    ListPair,
    mark_deleted,
    mark_list_synced,
    save_bases,
    set_names,
)
from listbridge.store.runs import RunRecorder
from listbridge.sync.job import JobContext
from listbridge.sync.lists.refusals import foreseen
from listbridge.sync.lists.result import ListOutcome, ListSyncResult, conflict_reason
from listbridge.sync.lists.sides import Audience
from listbridge.sync.lists.writes import ListWriter, pair_crm_list, rename_cc_list

EMPTY: frozenset[str] = frozenset()
REASON = "list sync"


#: memberships written to the CRM list a call at a time: a first fill of a million
#: members does not build every row (and journal entry) of it at once
CRM_WRITE_CHUNK = 20_000


def chunks(accounts: frozenset[str]) -> Iterator[list[str]]:
    """`accounts` sorted, `CRM_WRITE_CHUNK` at a time."""
    ids = sorted(accounts)
    for start in range(0, len(ids), CRM_WRITE_CHUNK):
        yield ids[start : start + CRM_WRITE_CHUNK]


def _without(accounts: frozenset[str], gone: frozenset[str]) -> frozenset[str]:
    """`accounts - gone`, without a copy of a big set when nothing goes."""
    return accounts - gone if gone else accounts


@dataclass
class Planned:
    pair: ListPair
    names: NameDecision
    plan: ListPlan | None  # None: the list itself goes (deleted on one side)
    paired: frozenset[str]  # the paired CRM list's members now
    outcome: ListOutcome
    bases: tuple[frozenset[str], frozenset[str]] = (EMPTY, EMPTY)
    to_pair: bool = False  # pair (or make) the CRM list before applying
    missed: frozenset[str] = EMPTY  # additions that did not land
    kept: frozenset[str] = EMPTY  # removals that failed: still on the CC list


def crm_writes(planned: Planned) -> tuple[frozenset[str], frozenset[str]]:
    """(add, remove) on the paired CRM list. A bound list's paired list holds what the CC
    list holds after the sync, whichever way it ran: it is the rule's materialisation."""
    plan = planned.plan
    if plan is None:
        return EMPTY, EMPTY
    if not planned.pair.rule_kind:
        return plan.add_to_crm, plan.remove_from_crm
    target = plan.crm_target if plan.crm_target is not None else plan.new_base_cc
    return target - planned.paired, planned.paired - target


@dataclass
class ListApplier:
    ctx: JobContext
    audience: Audience
    run: RunRecorder | None  # None: a dry run
    result: ListSyncResult

    @property
    def writing(self) -> bool:
        return self.run is not None

    def paired(
        self, pair: ListPair, direction: Direction, outcome: ListOutcome
    ) -> tuple[ListPair, bool]:
        """The pair as planning sees it, and whether applying must first pair a CRM list with
        it (the one of the same name, made when missing): nothing is written before the
        guard. A note on `outcome` when the list cannot be synced this way."""
        if pair.crm_list_key is not None:
            return pair, False
        if pair.deleted:
            outcome.note = "deleted in Constant Contact"
            return pair, False
        exists = pair.name in self.audience.crm.lists()
        if pair.synced_name and not exists:
            # Paired before (a list job gave both sides this name): its CRM list was deleted
            # since. The names planner deletes the CC list in the directions that write it.
            # (`last_sync` would not do: an import sets it too.)
            if not direction.writes_cc:
                outcome.note = (
                    "its CRM list was deleted: sync it with --direction crm_to_cc or both "
                    "to delete it in Constant Contact"
                )
            return pair, False
        if not exists and not direction.writes_crm and not pair.rule_kind:
            outcome.note = (
                "no CRM list is paired with it: sync it with --direction cc_to_crm or "
                "both first, or bind it (lists bind)"
            )
            return pair, False
        return replace(pair, crm_name=pair.name if exists else None), True

    def _pair(self, planned: Planned) -> None:
        """Pair the CRM list of the CC list's name with it, made when missing."""
        why = f"{REASON}: paired with the CC list"
        planned.pair = pair_crm_list(self.ctx, planned.pair, why, self._id)

    @property
    def _id(self) -> int | None:
        return self.run.run_id if self.run else None

    def apply(self, planned: Sequence[Planned]) -> None:
        """Each list's names, reported refusals and additions (through the push); then every
        list's removals at once (independent activities, submitted together and waited for
        as sets); then each list's CRM writes and bases."""
        kept = [p for p in planned if self._add(p)]
        self._remove_from_cc(kept)
        for p in kept:
            self._write_crm(p, p.missed)
            if self.writing:
                self._save(p, p.missed, p.kept)

    def _add(self, planned: Planned) -> bool:
        """Up to the additions; False when the list itself went (deleted on one side)."""
        if planned.to_pair:
            self._pair(planned)
        if planned.names.conflict:
            self._note(ErrorRow(f"list {planned.pair.name!r}: {planned.names.conflict}"))
        if planned.plan is None:
            self._drop_list(planned)
            return False
        self._rename(planned)
        plan, outcome, name = planned.plan, planned.outcome, planned.pair.name
        for account_id, why in plan.refused:
            outcome.failed_subscriptions += why is Why.UNSUBSCRIBED
            self._error(ErrorRow(f"{why.value} (list {name!r})", account_id))
        outcome.conflicts = list(plan.conflicts)
        for conflict in plan.conflicts:
            self._note(ErrorRow(conflict_reason(name, conflict), conflict.account_id))
        planned.missed = self._add_to_cc(planned)
        return True

    def _add_to_cc(self, planned: Planned) -> frozenset[str]:
        """Adds through the push; returns the accounts that did not land on the list. Those
        the push would refuse whatever CC holds are reported without asking it (refusals.py)."""
        wanted = planned.plan.add_to_cc if planned.plan else EMPTY
        if not wanted or not self.writing or self.run is None:
            planned.outcome.added_to_cc = len(wanted)
            return EMPTY
        pushable, foreseen_rows = foreseen(self.ctx, wanted)
        for row in foreseen_rows:
            self._error(row)
        landed: list[str] = []
        if pushable:
            landed, refused = ListWriter(self.ctx).push_onto(self.run, planned.pair, pushable)
            # The push put its refusals in the run; the result (--json, the summary) names
            # them too.
            self.result.errors += refused
        planned.outcome.added_to_cc = len(landed)
        return wanted - set(landed)

    def _remove_from_cc(self, planned: Sequence[Planned]) -> None:
        """Every list's bulk removals together; each list `kept` those whose removal failed."""
        links, removals = self.audience.links, list[tuple[Planned, dict[str, str]]]()
        for p in planned:
            doomed = p.plan.remove_from_cc if p.plan else EMPTY
            p.outcome.removed_from_cc = len(doomed)
            ids = {links[a].contact_id: a for a in doomed if a in links}
            if ids and self.writing:
                removals.append((p, ids))
        if not removals or self.run is None:
            return
        done = ListWriter(self.ctx).take_off(self.run.run_id, [(p.pair, i) for p, i in removals])
        for (p, _ids), result in zip(removals, done, strict=True):
            for error in result.errors:
                self._error(error)
            p.outcome.removed_from_cc, p.kept = len(result.removed), result.failed

    def _write_crm(self, planned: Planned, missed: frozenset[str] = EMPTY) -> None:
        plan, pair = planned.plan, planned.pair
        if plan is None:
            return
        adds, removes = crm_writes(planned)
        if pair.rule_kind:
            # a bound list's CRM list holds what the CC list holds: not whom the push refused
            adds -= missed
        planned.outcome.added_to_crm, planned.outcome.removed_from_crm = len(adds), len(removes)
        if not self.writing or pair.crm_name is None:
            return
        crm, why = self.audience.crm, f"{REASON} ({plan.direction.value})"
        for chunk in chunks(adds):
            crm.add_to_list(pair.crm_name, chunk, reason=why, run_id=self._id)
        for chunk in chunks(removes):
            crm.remove_from_list(pair.crm_name, chunk, reason=why, run_id=self._id)

    def preview(self, planned: Planned) -> None:
        """The outcome's counts as planned (what a dry run or a stopped run shows)."""
        plan, outcome = planned.plan, planned.outcome
        if plan is None:
            outcome.deleted = True
            return
        outcome.added_to_cc, outcome.removed_from_cc = len(plan.add_to_cc), len(plan.remove_from_cc)
        adds, removes = crm_writes(planned)
        outcome.added_to_crm, outcome.removed_from_crm = len(adds), len(removes)
        outcome.failed_subscriptions = sum(why is Why.UNSUBSCRIBED for _a, why in plan.refused)
        outcome.conflicts = list(plan.conflicts)
        outcome.renamed_to = planned.names.rename_cc_to or planned.names.rename_crm_to or ""

    def _save(self, planned: Planned, missed: frozenset[str], kept: frozenset[str]) -> None:
        plan, pair, job = planned.plan, planned.pair, self.ctx
        assert plan is not None
        new = (_without(plan.new_base_crm, missed), _without(plan.new_base_cc, missed) | kept)
        with job.store.session() as session:
            save_bases(session, job.connection_id, pair.cc_list_id, planned.bases, new)
            mark_list_synced(session, job.connection_id, pair.cc_list_id, pair.name, job.clock())

    def _rename(self, planned: Planned) -> None:
        names, pair = planned.names, planned.pair
        new_name = names.rename_cc_to or names.rename_crm_to
        if new_name is None:
            return
        planned.outcome.renamed_to = new_name
        if not self.writing:
            return
        if names.rename_cc_to:
            rename_cc_list(self.ctx.client, pair.cc_list_id, pair.name, names.rename_cc_to)
        if names.rename_crm_to and pair.crm_name is not None:
            why = f"{REASON}: renamed in Constant Contact"
            self.audience.crm.rename_list(pair.crm_name, names.rename_crm_to, reason=why,
                                          run_id=self._id)  # fmt: skip
        with self.ctx.store.session() as session:
            set_names(session, self.ctx.connection_id, pair.cc_list_id, new_name)
        planned.pair = replace(pair, name=new_name, crm_name=new_name, synced_name=new_name)

    def _drop_list(self, planned: Planned) -> None:
        names, pair, job = planned.names, planned.pair, self.ctx
        planned.outcome.deleted = True
        if not self.writing:
            return
        if names.delete_cc and not pair.deleted:
            activity = job.client.delete_list(pair.cc_list_id)
            polling.Poller().wait(job.client, activity, polling.quiet)
        if names.delete_crm and pair.crm_name is not None:
            why = f"{REASON}: deleted in Constant Contact"
            self.audience.crm.delete_list(pair.crm_name, reason=why, run_id=self._id)
        with job.store.session() as session:
            mark_deleted(session, job.connection_id, pair.cc_list_id, job.clock())

    def _error(self, row: ErrorRow) -> None:
        self.result.errors.append(row)
        if self.run is not None:
            self.run.add_errors([row])

    def _note(self, row: ErrorRow) -> None:
        """In the report, but not an error: the run still succeeds."""
        self._error(row)
        self.result.notes.append(row)
