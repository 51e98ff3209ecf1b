"""`listbridge push`: CRM accounts onto Constant Contact lists, consent first, bulk, resumable.

fetch (accounts, links, CC opt-outs, CC contacts for unlinked addresses) → plan
(`core.push_plan`, pure) → apply (bulk imports and memberships, each activity
remembered in `push_activities` before it is polled) → record (links with their
fingerprints, error rows, counts, in one transaction) → completion e-mail.
A dry run stops after the plan and prints what applying it would cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import ClassVar

from listbridge.constant_contact.bulk import Bulk
from listbridge.core.accounts import Account
from listbridge.core.eligibility import why_not_pushed
from listbridge.core.emails import match_key
from listbridge.core.mapping import MappingPolicy
from listbridge.core.push_plan import (
    UNKNOWN_EMAIL,
    CcState,
    Plan,
    PushPolicy,
    email_changed,
    plan_push,
)
from listbridge.core.runs import RunStatus
from listbridge.core.setting_values import FieldPair
from listbridge.core.settings import (
    IMPORT_ROLE_ADDRESSES,
    MAPPING_STATE,
    PUSH_CUSTOM_FIELDS,
    PUSH_NEW_CONTACT_ON_EMAIL_CHANGE,
    PUSH_ON_CRM_DELETE,
    PUSH_TAG,
)
from listbridge.store.push_state import StoredMemo, link_states, mark_unsubscribed
from listbridge.store.runs import RunRecorder
from listbridge.sync.completion_mail import Completion, Mail
from listbridge.sync.job import Job, JobContext, JobStart, job_context, run_job
from listbridge.sync.push import source
from listbridge.sync.push.consent_carry import carry_cc_opt_outs
from listbridge.sync.push.cost import estimate_calls
from listbridge.sync.push.record import COUNTS, PushResult, record_push
from listbridge.sync.push.source import Fetched
from listbridge.sync.push.steps import apply_push, settle_remembered

KIND = "push"
MAIL = Mail("push", "Every account not pushed and every failed subscription", COUNTS)


@dataclass(frozen=True)
class PushRequest:
    lists: Sequence[str] = ()
    subscription_only: bool = False
    dry_run: bool = False
    #: only these accounts (a list job's members); None: every account
    accounts: frozenset[str] | None = None


def run_push(start: JobStart, request: PushRequest) -> PushResult:
    if request.dry_run:
        with job_context(start) as ctx:
            return _dry_run(ctx, request)
    return run_job(start, PushJob(request))


@dataclass(frozen=True)
class PushJob(Job[PushResult]):
    request: PushRequest
    kind: ClassVar[str] = KIND

    def work(self, ctx: JobContext, run: RunRecorder) -> PushResult:
        return push(ctx, self.request, run)

    def completion(self, result: PushResult) -> Completion:
        return MAIL.of(result, {key: result.count(key) for key in COUNTS})


def push(ctx: JobContext, request: PushRequest, run: RunRecorder) -> PushResult:
    """A push inside a lock and run someone holds (`push`, a list job's members, `sync full`)."""
    memo = StoredMemo(ctx.store, ctx.connection_id, ctx.clock)
    settle_remembered(ctx.client, memo, ctx.progress)
    fetched = fetch(ctx, request, write=True)
    plan = plan_fetched(fetched)
    ctx.progress(f"plan: {plan.considered} accounts considered")
    applied = apply_push(Bulk(ctx.client, memo), ctx.client, plan, fetched, ctx.progress)
    ctx.check_lock()
    result = record_push(ctx.store, ctx.connection_id, run, plan, fetched, applied, ctx.clock())
    memo.forget(applied.keys)
    return result


def plan_fetched(fetched: Fetched) -> Plan:
    return plan_push(
        fetched.accounts, fetched.links, fetched.existing, fetched.policy, fetched.siblings
    )


def _dry_run(ctx: JobContext, request: PushRequest) -> PushResult:
    fetched = fetch(ctx, request, write=False)
    plan = plan_fetched(fetched)
    ctx.progress(f"dry run: {plan.considered} accounts considered, nothing changed")
    calls = estimate_calls(plan, fetched)
    return PushResult.of_plan(plan, fetched.list_names, RunStatus.SUCCEEDED, calls=calls)


def fetch(ctx: JobContext, request: PushRequest, write: bool) -> Fetched:
    client, settings, crm = ctx.client, ctx.settings, ctx.crm
    names = source.resolve_lists(client, request.lists)
    calls = source.Calls()
    calls.add("read lists", 1 if request.lists else 0)
    pairs: tuple[FieldPair, ...] = settings.get(PUSH_CUSTOM_FIELDS)
    roles: tuple[str, ...] = settings.get(IMPORT_ROLE_ADDRESSES)
    custom = source.resolve_custom_fields(client, pairs, calls, write)
    policy = PushPolicy(
        tuple(names.values()),
        request.subscription_only,
        MappingPolicy(settings.get(MAPPING_STATE), custom.pairs),
        frozenset(roles),
        settings.get(PUSH_NEW_CONTACT_ON_EMAIL_CHANGE),
        settings.get(PUSH_ON_CRM_DELETE),
        whole_crm=request.accounts is None,
    )
    # Consent first, then the accounts: an opt-out carried from CC holds in this plan.
    links = _consent_first(ctx, calls, write)
    siblings: list[Account] = []
    if request.accounts is None:
        accounts = list(crm.changed_since(None))
    else:
        accounts = list(crm.get_many(request.accounts).values())
        # The rest of each household: whether one of them holds the address matters too.
        shared = crm.with_primary_emails(a.email for a in accounts)
        siblings = [a for a in shared if a.id not in request.accounts]
    wanted = _emails_to_look_up(accounts, links, policy)
    fingerprint_of = source.fingerprinter(policy.mapping, custom.names)
    existing = source.contacts_by_email(client, wanted, calls, fingerprint_of) if wanted else {}
    learned = _with_known_emails(accounts, links, existing)
    by_id = {list_id: name for name, list_id in names.items()}
    fetched = Fetched(accounts, links | learned, existing, policy, by_id, calls,
                      settings.get(PUSH_TAG), siblings=siblings)  # fmt: skip
    fetched.learned.update({k: v for k, v in learned.items() if v.email != UNKNOWN_EMAIL})
    return fetched


def _consent_first(ctx: JobContext, calls: source.Calls, write: bool) -> dict[str, CcState]:
    """Links as Constant Contact's consent is now: no push acts on a stale opt-in."""
    store, connection_id, client = ctx.store, ctx.connection_id, ctx.client
    gone = source.unsubscribed_ids(client, calls)
    with store.session() as session:
        links = link_states(session, connection_id)
    stale = {
        a: s.contact_id for a, s in links.items() if s.contact_id in gone and not s.unsubscribed
    }
    if write and stale:
        # The CRM first: a crash before the links are marked leaves the reconciliation
        # a change to see (and an opt-out already made), never the other way round.
        carry_cc_opt_outs(ctx.crm, stale, ctx.settings, KIND)
        with store.session() as session:
            mark_unsubscribed(session, connection_id, sorted(stale.values()), ctx.clock())
    return {
        account_id: CcState(s.contact_id, True, frozenset(), s.fingerprint)
        if s.contact_id in gone
        else s
        for account_id, s in links.items()
    }


def _emails_to_look_up(
    accounts: list[Account], links: dict[str, CcState], policy: PushPolicy
) -> list[str]:
    """Addresses to find in CC: of unlinked accounts (when pushing to lists); of links
    with no fingerprint yet (made by an import), with their contact's address; and every
    new address of a linked account (another contact may hold it already)."""
    wanted = []
    for account in accounts:
        if why_not_pushed(account, policy.role_local_parts) is not None:
            continue
        link = links.get(account.id)
        if link is None:
            wanted += [account.email] if policy.list_ids else []
        elif not link.email or not link.fingerprint:
            wanted += [account.email, link.email] if link.email else [account.email]
        elif email_changed(link, account.email):
            wanted.append(account.email)
    return wanted


def _with_known_emails(
    accounts: list[Account], links: dict[str, CcState], existing: dict[str, CcState]
) -> dict[str, CcState]:
    """Links an import made, completed from their contacts as read now: the contact's
    address, its lists and the fields it holds. A link whose contact was found at neither
    address gets an address that differs, so the account's is sent as a change."""
    learned = {}
    for account in accounts:
        link = links.get(account.id)
        if link is None or (link.email and link.fingerprint):
            continue
        keys = {match_key(e) for e in (link.email, account.email) if e}
        found = [existing[k] for k in sorted(keys) if k in existing]
        contact = next((s for s in found if s.contact_id == link.contact_id), None)
        if contact is not None:
            lists = link.list_ids if link.unsubscribed else contact.list_ids
            fp = link.fingerprint or contact.fingerprint
            email = link.email or contact.email
            learned[account.id] = replace(link, list_ids=lists, fingerprint=fp, email=email)
        elif not link.email:
            learned[account.id] = replace(link, email=UNKNOWN_EMAIL)
    return learned
