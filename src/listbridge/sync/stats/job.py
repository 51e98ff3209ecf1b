"""`listbridge stats pull`: campaign counters and per-contact tracking rows, incrementally.

lists (the connection's, refreshed) → campaigns in the window (discover.py) → their
counters, ≤10 activities a call → for each campaign, the tracking reports whose counter
moved, each read down to its watermark (tracking.py) → then the campaign's counters are
saved: saved before its reports were read, a stop in between would leave the next pull
believing them read → rows of contacts linked since attached → recipients given
accounts (`stats.create_recipients`) → hard bounces flagged (`stats.hard_bounce_field`).

Every page is a checkpoint and the rows are kept once, so a pull stopped anywhere (the
daily budget, a kill, a lost lock) is resumed by running it again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import ClassVar

from listbridge.constant_contact.report_models import StatsResult as CcStats
from listbridge.core.campaign_stats import Counters, reports_to_read
from listbridge.core.list_selection import ListSelection
from listbridge.core.runs import ErrorRow
from listbridge.core.settings import (
    IMPORT_LISTS,
    STATS_CREATE_RECIPIENTS,
    STATS_HARD_BOUNCE_FIELD,
    STATS_WINDOW_DAYS,
)
from listbridge.store.campaigns import (
    StoredCampaign,
    attach_unlinked,
    count_unlinked,
    freeze,
    save_campaign,
    save_counters,
    set_included,
    stored_campaigns,
    synced_list_ids,
)
from listbridge.store.cc_lists import refresh_lists
from listbridge.store.runs import RunRecorder
from listbridge.sync.completion_mail import Completion, Mail
from listbridge.sync.job import Job, JobContext, JobResult, JobStart, run_job
from listbridge.sync.stats.bounces import flag_hard_bounces
from listbridge.sync.stats.discover import Discovery, discover
from listbridge.sync.stats.recipients import create_recipients
from listbridge.sync.stats.tracking import read_report

KIND = "stats"
COUNTS = (
    "campaigns",
    "new_campaigns",
    "not_on_synced_lists",
    "outside_window",
    "frozen",
    "reports_read",
    "events",
    "attached",
    "unlinked_contacts",
    "hard_bounces_flagged",
    "accounts_created",
    "accounts_linked",
    "recipients_not_imported",
)

#: what the completion e-mail's first lines say
HEADLINE = ("campaigns", "events", "unlinked_contacts", "hard_bounces_flagged")
MAIL = Mail("stats", "Every campaign result that could not be attached or flagged", HEADLINE)


@dataclass
class StatsResult(JobResult):
    notes: list[str] = field(default_factory=list)


def pull_stats(start: JobStart) -> StatsResult:
    """One pull; LockHeldError (and no run) when another job holds the connection."""
    return run_job(start, StatsJob())


@dataclass
class StatsJob(Job[StatsResult]):
    kind: ClassVar[str] = KIND

    def work(self, ctx: JobContext, run: RunRecorder) -> StatsResult:
        return stats_step(ctx, run)

    def completion(self, result: StatsResult) -> Completion:
        return MAIL.of(result, {key: result.count(key) for key in COUNTS})


def stats_step(ctx: JobContext, run: RunRecorder) -> StatsResult:
    """The pull inside a lock and run someone holds (the command, the scheduler)."""
    run.counts.update(dict.fromkeys(COUNTS, 0))
    pull = _Pull(ctx, run, run.counts)  # counted as it goes: a stopped pull says how far
    pull.execute()
    run.add_errors(pull.errors)
    if pull.notes:
        run.message = "; ".join(pull.notes)
    return StatsResult(run.run_id, run.outcome(), run.counts, pull.errors, pull.notes)


@dataclass
class _Pull:
    ctx: JobContext
    run: RunRecorder
    counts: Counter[str]
    errors: list[ErrorRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: contacts with no account among the rows this pull read
    unattached: set[str] = field(default_factory=set)

    def execute(self) -> None:
        ctx = self.ctx
        found = self._discover()
        self._count(found)
        with ctx.store.session() as session:
            self.counts["attached"] += attach_unlinked(session, ctx.connection_id)
        if ctx.settings.get(STATS_CREATE_RECIPIENTS) and self.unattached:
            self._create_recipients()
        with ctx.store.session() as session:
            self.counts["unlinked_contacts"] = count_unlinked(session, ctx.connection_id)
        flagged = flag_hard_bounces(ctx, ctx.settings.get(STATS_HARD_BOUNCE_FIELD), self.run.run_id)
        self.counts["hard_bounces_flagged"] = flagged.accounts
        self.errors += flagged.errors
        if flagged.note:
            self.notes.append(flagged.note)

    def _discover(self) -> Discovery:
        ctx, now = self.ctx, self.ctx.clock()
        cc_lists = [lst.to_core() for lst in ctx.client.iter_lists(status="all")]
        selection: ListSelection = ctx.settings.get(IMPORT_LISTS)
        with ctx.store.session() as session:
            refresh_lists(session, ctx.connection_id, cc_lists, now)
            synced = synced_list_ids(session, ctx.connection_id, selection)
            stored = stored_campaigns(session, ctx.connection_id)
        window = ctx.settings.get(STATS_WINDOW_DAYS)
        found = discover(ctx.client, stored, synced, now, window)
        with ctx.store.session() as session:
            for campaign in found.new:
                included = bool(synced & set(campaign.list_ids))
                save_campaign(session, ctx.connection_id, campaign, included=included)
            # a change of `import.lists` moves a known campaign in or out, at no cost
            set_included(
                session,
                ctx.connection_id,
                {c.campaign_id: bool(synced & set(c.list_ids)) for c in stored.values()},
            )
            for campaign in found.campaigns:
                save_campaign(session, ctx.connection_id, campaign, included=True)
            freeze(session, ctx.connection_id, found.frozen_now)
        self.counts.update(
            campaigns=len(found.campaigns),
            new_campaigns=len(found.new),
            not_on_synced_lists=found.elsewhere,
            outside_window=found.outside_window,
            frozen=len(found.frozen_now),
        )
        ctx.progress(f"{len(found.campaigns)} campaign(s) to pull, {len(found.new)} new")
        return found

    def _count(self, found: Discovery) -> None:
        by_activity = {c.activity_id: c for c in found.campaigns if c.activity_id}
        if not by_activity:
            return
        page = self.ctx.client.reports.activity_stats(list(by_activity))
        for error in page.errors:
            self.errors.append(ErrorRow(f"no campaign statistics: {error.error_message}"))
        for result in page.results:
            campaign = by_activity.get(result.campaign_activity_id)
            if campaign is not None:
                self._campaign(campaign, result)

    def _campaign(self, campaign: StoredCampaign, result: CcStats) -> None:
        ctx = self.ctx
        core = result.to_core()
        now = Counters(**{k: getattr(core, k) for k in Counters.__dataclass_fields__})
        kinds = reports_to_read(campaign.counters, now, campaign.watermarks)
        for kind in kinds:
            ctx.progress(f"{campaign.name}: {kind}")
            read = read_report(ctx, campaign, kind)
            self.counts["reports_read"] += 1
            self.counts["events"] += read.new
            self.unattached |= read.unattached
        with ctx.store.session() as session:
            save_counters(session, ctx.connection_id, campaign.campaign_id, now, ctx.clock())

    def _create_recipients(self) -> None:
        made = create_recipients(self.ctx, self.run.run_id, sorted(self.unattached))
        self.counts["accounts_created"] += made.counts["created"]
        self.counts["accounts_linked"] += made.counts["matched"]
        self.counts["recipients_not_imported"] += made.counts["not_imported"]
        self.errors += made.errors
        with self.ctx.store.session() as session:
            self.counts["attached"] += attach_unlinked(session, self.ctx.connection_id)
