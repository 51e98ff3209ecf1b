"""`listbridge import --dry-run`: the plan an import would carry out, every contact with its
decision and reason, and nothing written.

It reads as the run reads (batches.py: the scopes from their cursors, the opt-outs of
linked contacts, the contacts not imported last time) and plans with the same planner
and policy; then it stops. No lock, no run, no CRM write, no link, no journal, no cursor,
not even the mirror of CC's lists: the scopes are resolved from the lists as read.

What only the apply step can learn is not foreseen: an account the CRM refuses to keep
(CiviCRM's unknown country) shows here as a create.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from listbridge.core.cc_records import CcContact
from listbridge.core.import_plan import Action, Create, Link, Plan, plan_import, without_creates
from listbridge.core.import_plan import message as reason_of
from listbridge.core.settings import IMPORT_SINCE
from listbridge.core.values import reportable
from listbridge.sync.imports.batches import import_batches, read_known
from listbridge.sync.imports.job import COUNTS, ImportRequest, policy_of, resolve_scopes, tally
from listbridge.sync.job import JobContext, JobStart, job_context


@dataclass(frozen=True)
class PlannedRecord:
    """One contact's decision: `account_id` is the CRM account a link would tie it to."""

    cc_contact_id: str
    email: str
    action: str  # create | link | skip
    reason: str
    account_id: str | None = None


@dataclass
class ImportPreview:
    counts: Counter[str] = field(default_factory=lambda: Counter(dict.fromkeys(COUNTS, 0)))
    records: list[PlannedRecord] = field(default_factory=list)

    def count(self, key: str) -> int:
        return int(self.counts.get(key, 0))

    def add(self, plan: Plan) -> None:
        self.counts.update(tally(plan))
        actions: list[Action] = [*plan.creates, *plan.links, *plan.skips]
        self.records += [_record(a) for a in actions]

    def by_reason(self) -> Counter[str]:
        """How many contacts get each decision, per reason (the text output's table)."""
        return Counter(f"{r.action}: {r.reason}" for r in self.records)


def preview_import(start: JobStart, request: ImportRequest | None = None) -> ImportPreview:
    """What `run_import(start, request)` would do now; nothing is written."""
    request = request or ImportRequest()
    with job_context(start) as ctx:
        return preview_in(ctx, request)


def preview_in(ctx: JobContext, request: ImportRequest) -> ImportPreview:
    """The dry run with a context someone opened (the full sync's dry run)."""
    scopes = resolve_scopes(ctx, request.lists, mirror=False)
    policy = policy_of(ctx.settings)
    known = read_known(ctx)
    preview = ImportPreview()
    seen: set[str] = set()
    for label, batch in import_batches(ctx.client, scopes, ctx.settings.get(IMPORT_SINCE), known):
        fresh = _first_sight(batch, seen)
        if not fresh:
            continue
        plan = plan_import(fresh, known.index, policy)  # claims in the index, in memory only
        preview.add(without_creates(plan) if ctx.crm.read_only else plan)
        request.report(label, preview.counts)
    return preview


def _first_sight(batch: Sequence[CcContact], seen: set[str]) -> list[CcContact]:
    """A contact read twice (on a list and again among the active ones) is planned once."""
    fresh = [c for c in batch if c.contact_id not in seen]
    seen.update(c.contact_id for c in fresh)
    return fresh


def _record(action: Action) -> PlannedRecord:
    contact = action.contact
    email = reportable(contact.email)
    if isinstance(action, Create):
        return PlannedRecord(contact.contact_id, email, "create", reason_of(action))
    if isinstance(action, Link):
        return PlannedRecord(
            contact.contact_id, email, "link", reason_of(action), action.account_id
        )
    return PlannedRecord(contact.contact_id, email, "skip", reason_of(action))
