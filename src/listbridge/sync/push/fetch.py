"""Fetching what a push plans from, before anything is written: consent first (CC's
opt-outs, carried to the CRM), the target lists (`targets.py`), the accounts, the links and
the CC contacts of the addresses that need one looked up (`source.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from listbridge.constant_contact.models import Contact
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
from listbridge.core.setting_values import FieldPair
from listbridge.core.settings import (
    IMPORT_ROLE_ADDRESSES,
    MAPPING_STATE,
    PUSH_CUSTOM_FIELDS,
    PUSH_INCLUDE_ADDRESS,
    PUSH_INCLUDE_COMPANY,
    PUSH_MAIN_LIST,
    PUSH_NEW_CONTACT_ON_EMAIL_CHANGE,
    PUSH_ON_CRM_DELETE,
    PUSH_TAG,
)
from listbridge.store.push_state import link_states, links_of_contacts, mark_unsubscribed
from listbridge.sync.job import JobContext
from listbridge.sync.push import source
from listbridge.sync.push.consent_carry import carry_cc_opt_outs
from listbridge.sync.push.source import Fetched
from listbridge.sync.push.targets import resolve_targets

KIND = "push"
#: a push's accounts at a time: one JSON import's worth of contacts (facts §9)
DEFAULT_CHUNK = 40_000


@dataclass(frozen=True)
class PushRequest:
    lists: Sequence[str] = ()
    subscription_only: bool = False
    dry_run: bool = False
    #: only these accounts (a list job's members); None: every account
    accounts: frozenset[str] | None = None
    #: a dry run also says, field by field, what would change in Constant Contact
    diff: bool = False
    #: accounts read, planned, applied and recorded at a time (a push streams its CRM)
    chunk_size: int = DEFAULT_CHUNK


def plan_fetched(fetched: Fetched) -> Plan:
    return plan_push(
        fetched.accounts, fetched.links, fetched.existing, fetched.policy, fetched.siblings
    )


@dataclass(frozen=True)
class Setup:
    """What a push plans with besides its accounts: the lists, the policy, the mapping."""

    policy: PushPolicy
    list_names: dict[str, str]
    tag: str
    custom: source.CustomFields


def setup(ctx: JobContext, request: PushRequest, calls: source.Calls, write: bool) -> Setup:
    """The target lists and custom fields (made when missing, unless `write` is False)."""
    client, settings = ctx.client, ctx.settings
    targets = resolve_targets(client, request.lists, settings.get(PUSH_MAIN_LIST), calls,
                              create=write, every_name=request.diff)  # fmt: skip
    pairs: tuple[FieldPair, ...] = settings.get(PUSH_CUSTOM_FIELDS)
    roles: tuple[str, ...] = settings.get(IMPORT_ROLE_ADDRESSES)
    custom = source.resolve_custom_fields(client, pairs, calls, write)
    mapping = MappingPolicy(
        settings.get(MAPPING_STATE),
        custom.pairs,
        include_address=settings.get(PUSH_INCLUDE_ADDRESS),
        include_company=settings.get(PUSH_INCLUDE_COMPANY),
    )
    policy = PushPolicy(
        tuple(targets.named.values()),
        request.subscription_only,
        mapping,
        frozenset(roles),
        settings.get(PUSH_NEW_CONTACT_ON_EMAIL_CHANGE),
        settings.get(PUSH_ON_CRM_DELETE),
        whole_crm=request.accounts is None,
        main_list_id=targets.main_list_id,
    )
    return Setup(policy, targets.names, settings.get(PUSH_TAG), custom)


def fetch(ctx: JobContext, request: PushRequest, write: bool) -> Fetched:
    """`write=False` (a dry run): reads alone; nothing made in CC, nothing stored."""
    client, crm = ctx.client, ctx.crm
    calls = source.Calls()
    made = setup(ctx, request, calls, write)
    policy, custom = made.policy, made.custom
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
    wanted = emails_to_look_up(accounts, links, policy)
    row_of = source.row_reader(policy.mapping, custom.names)
    # kept for the diff, and for a push's journal (the old values of the fields it sends)
    seen: dict[str, Contact] = {}
    existing = (
        source.contacts_by_email(client, wanted, calls, source.fingerprinter(row_of), seen)
        if wanted
        else {}
    )
    learned = with_known_emails(accounts, links, existing)
    fetched = Fetched(accounts, links | learned, existing, policy, made.list_names, calls,
                      made.tag, siblings=siblings, seen=seen, row_of=row_of)  # fmt: skip
    fetched.learned.update({k: v for k, v in learned.items() if v.email != UNKNOWN_EMAIL})
    return fetched


def _consent_first(ctx: JobContext, calls: source.Calls, write: bool) -> dict[str, CcState]:
    """Links as Constant Contact's consent is now: no push acts on a stale opt-in. No link
    at all: CC's opt-outs have nothing to change (a contact looked up brings its own)."""
    with ctx.store.session() as session:
        links = link_states(session, ctx.connection_id)
    if not links:
        return {}
    gone = consent_first(ctx, calls, write)
    if write:  # the carry marked links unsubscribed
        with ctx.store.session() as session:
            links = link_states(session, ctx.connection_id)
    return with_consent(links, gone)


def consent_first(ctx: JobContext, calls: source.Calls, write: bool) -> set[str]:
    """CC's opt-outs (contact ids), carried to the CRM and the links (unless a dry run).
    They act through the links alone: a caller whose connection has none skips the read."""
    store, connection_id, client = ctx.store, ctx.connection_id, ctx.client
    gone = source.unsubscribed_ids(client, calls)
    with store.session() as session:
        links = links_of_contacts(session, connection_id, gone)
    stale = {a: s.contact_id for a, s in links.items() if not s.unsubscribed}
    if write and stale:
        # The CRM first: a crash before the links are marked leaves the reconciliation
        # a change to see (and an opt-out already made), never the other way round.
        carry_cc_opt_outs(ctx.crm, stale, ctx.settings, KIND)
        with store.session() as session:
            mark_unsubscribed(session, connection_id, sorted(stale.values()), ctx.clock())
    return gone


def with_consent(links: dict[str, CcState], gone: set[str]) -> dict[str, CcState]:
    """Links refreshed with CC's opt-outs (`consent_first`)."""
    return {
        account_id: CcState(s.contact_id, True, frozenset(), s.fingerprint)
        if s.contact_id in gone
        else s
        for account_id, s in links.items()
    }


def emails_to_look_up(
    accounts: list[Account], links: dict[str, CcState], policy: PushPolicy
) -> list[str]:
    """Addresses to find in CC: of unlinked accounts (when pushing to lists); of links
    with no fingerprint yet (made by an import), with their contact's address; and every
    new address of a linked account (another contact may hold it already)."""
    unlinked, others = lookups(accounts, links, policy)
    return [*unlinked, *others]


def lookups(
    accounts: list[Account], links: dict[str, CcState], policy: PushPolicy
) -> tuple[list[str], list[str]]:
    """`emails_to_look_up`, as (those of unlinked accounts, the others)."""
    unlinked: list[str] = []
    others: list[str] = []
    for account in accounts:
        if why_not_pushed(account, policy.role_local_parts) is not None:
            continue
        link = links.get(account.id)
        if link is None:
            unlinked += [account.email] if policy.list_ids else []
        elif not link.email or not link.fingerprint:
            others += [account.email, link.email] if link.email else [account.email]
        elif email_changed(link, account.email):
            others.append(account.email)
    return unlinked, others


def with_known_emails(
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
