"""The outline of a streamed push (`stream.py`): what every chunk is planned with, read in
one pass over the accounts that keeps little of each.

Consent first (CC's opt-outs); the contacts changed in CC since the last push, onto their
links (`held.py`); the addresses to look up in CC (one look-up or scan for the whole push,
not one per chunk), less those whose answer cannot change a decision (`_answered`); and
who shares an address (`core.shared_emails`: accounts with one address are decided
together whichever chunks they fall in).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import islice

from listbridge.constant_contact.models import Contact
from listbridge.core.accounts import Account
from listbridge.core.eligibility import why_not_pushed
from listbridge.core.emails import match_key
from listbridge.core.push_plan import CcState
from listbridge.core.shared_emails import Sharing, blocks_address, shared_addresses
from listbridge.store.push_state import (
    CcHeld,
    cc_held_of,
    forget_cc_held,
    link_states_of,
    linked_account_ids,
    push_watermark,
    refresh_cc_held,
    unsubscribed_contact_ids,
)
from listbridge.sync.job import JobContext
from listbridge.sync.push import held, source
from listbridge.sync.push.fetch import (
    PushRequest,
    Setup,
    consent_first,
    lookups,
    setup,
    with_consent,
    with_known_emails,
)
from listbridge.sync.push.source import Calls


@dataclass
class Changes:
    """The contacts changed in CC since the last push (`held.py`), read once, when a
    decision first needs what the links say of CC: a push that needs nothing of it (no
    update to journal, no shared address to settle) reads nothing and leaves the
    watermark where it was."""

    ctx: JobContext
    calls: Calls
    row_of: source.RowReader
    fields: tuple[str, ...]
    #: the watermark (None: there is none, and no link is trusted)
    since: datetime | None
    read: bool = False

    def trusted(self) -> bool:
        """Whether the links' `cc_fields` are what CC holds (read now, if not yet)."""
        if self.since is None:
            return False
        if not self.read:
            changed = held.read_changes(self.ctx.client, self.since, self.calls, self.row_of,
                                        self.fields)  # fmt: skip
            with self.ctx.store.session() as session:
                refresh_cc_held(session, self.ctx.connection_id, changed)
            self.read = True
        return True

    @property
    def advances(self) -> bool:
        """Whether a complete push may move the watermark to its end: the links were
        brought up to date with CC's changes, or none was trusted to begin with."""
        return self.since is None or self.read


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
    #: CC's changes since the last push, read when first needed (`held.py`)
    changes: Changes | None = None
    #: wall time in `plan_push`, and the accounts it planned
    planning_seconds: float = 0.0
    planned: int = 0
    #: `push.tag`'s id once resolved (by the first chunk that makes contacts)
    tag_ids: dict[str, str] = field(default_factory=dict)


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
    with ctx.store.session() as session:
        linked = linked_account_ids(session, ctx.connection_id)
    # CC's opt-outs act on links alone (a contact looked up brings its own consent): a
    # connection with none (its first push) has nothing for them to change
    gone = consent_first(ctx, calls, write) if linked else set()
    with ctx.store.session() as session:
        opted_out = unsubscribed_contact_ids(session, ctx.connection_id) | gone
    row_of = source.row_reader(policy.mapping, made.custom.names)
    changes = _changes(ctx, calls, row_of, held.compared(policy), write)
    wanted: set[str] = set()
    unlinked: set[str] = set()  # the addresses of unlinked accounts alone
    first: dict[str, str] = {}  # match key → the first account with it
    shared: dict[str, list[str]] = {}  # match key → every account with it, when several
    siblings: dict[str, Account] = {}
    for chunk in account_chunks(ctx, request):
        links = chunk_links(ctx, chunk, gone)
        alone, others = lookups(chunk, links, policy)
        unlinked.update(match_key(e) for e in alone)
        wanted.update(match_key(e) for e in others)
        accounts: list[Account] = chunk
        if request.accounts is not None:
            # The rest of each household: whether one of them holds the address matters too.
            found = ctx.crm.with_primary_emails(a.email for a in chunk)
            siblings |= {a.id: a for a in found if a.id not in request.accounts}
            accounts = [*chunk, *(a for a in found if a.id not in request.accounts)]
        for account in accounts:
            _by_address(first, shared, account)
    looked_up = wanted | unlinked
    answered: dict[str, CcState | None] = {}
    candidates = {k: shared[k] for k in unlinked - wanted if k in shared}
    if candidates:
        answered = _answered(ctx, candidates, siblings, gone, changes)
    wanted = looked_up - set(answered)
    seen: dict[str, Contact] = {}
    existing = (
        source.contacts_by_email(ctx.client, wanted, calls, source.fingerprinter(row_of), seen)
        if wanted
        else {}
    )
    existing |= {k: s for k, s in answered.items() if s is not None}
    opted_out |= {s.contact_id for s in existing.values() if s.unsubscribed}
    existing = made_safe(existing, opted_out)
    sharing = _sharing(ctx, shared, siblings, existing, gone, policy.role_local_parts)
    return Outline(made, calls, gone, existing, looked_up, sharing, opted_out, linked,
                   len(linked), seen, row_of, changes)  # fmt: skip


def _changes(
    ctx: JobContext, calls: Calls, row_of: source.RowReader, fields: tuple[str, ...],
    write: bool,
) -> Changes:  # fmt: skip
    """With no watermark, what links say of CC may be stale: forgotten (unless a dry run)."""
    with ctx.store.session() as session:
        since = push_watermark(session, ctx.connection_id)
        if since is None and write:
            forget_cc_held(session, ctx.connection_id)
    return Changes(ctx, calls, row_of, fields, since if write else None)


def _answered(
    ctx: JobContext,
    groups: dict[str, list[str]],
    siblings: dict[str, Account],
    gone: set[str],
    changes: Changes,
) -> dict[str, CcState | None]:
    """Addresses of unlinked accounts whose look-up cannot change what the plan decides
    for them, and what a look-up would answer (None: it does not matter).

    Each is shared by several accounts (`shared_addresses` decides for all of them):
    - one of them is opted out or do-not-contact: the address is held for every one,
      whichever contact CC has;
    - one of them is linked to the contact that holds the address in CC (its link says
      so, and the store has every change made in CC since the last push: `changes`):
      that contact is the answer, and the account linked to it keeps it."""
    ids = {i for group in groups.values() for i in group}
    if not ids:
        return {}
    accounts = {**ctx.crm.get_many(sorted(ids - set(siblings))), **siblings}
    members = {k: [accounts[i] for i in group if i in accounts] for k, group in groups.items()}
    answered: dict[str, CcState | None] = {
        k: None for k, group in members.items() if any(blocks_address(a) for a in group)
    }
    rest = {k: group for k, group in members.items() if k not in answered}
    if not rest or not changes.trusted():
        return answered
    links = chunk_links(ctx, [a for group in rest.values() for a in group], gone)
    with ctx.store.session() as session:
        known = cc_held_of(session, ctx.connection_id, links)
    for key, group in rest.items():
        state = _holder_state(key, group, links, known)
        if state is not None:
            answered[key] = state
    return answered


def _holder_state(
    key: str, members: list[Account], links: dict[str, CcState], known: dict[str, CcHeld]
) -> CcState | None:
    """The contact at this address as a link of one of its accounts knows it, if one does."""
    for account in members:
        link, cc = links.get(account.id), known.get(account.id)
        if link is None or cc is None or match_key(account.email) != key:
            continue
        if match_key(cc.email) == key and cc.contact_id == link.contact_id:
            first, last = cc.fields.get("first_name", ""), cc.fields.get("last_name", "")
            return replace(link, email=cc.email, first_name=first, last_name=last)
    return None


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


def made_safe(states: dict[str, CcState], out: set[str]) -> dict[str, CcState]:
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
