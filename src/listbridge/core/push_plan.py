"""Planning a push: every account considered gets one outcome, and each decision its reason.

`plan_push(accounts, links, existing, policy)` is pure. `links` is what the store knows
of each linked contact (refreshed with Constant Contact's opt-outs before planning);
`existing` maps e-mail keys to the CC contacts found for unlinked accounts. An
unsubscribed contact is never put on a list: each list it would have joined is a
`Skip(reason=Reason.CONTACT_OPTED_OUT)`, a failed subscription.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum

from listbridge.core.accounts import Account
from listbridge.core.eligibility import NotPushed, why_not_pushed
from listbridge.core.emails import ROLE_LOCAL_PARTS, match_key
from listbridge.core.mapping import MappedContact, MappingPolicy, fingerprint, map_account
from listbridge.core.setting_values import OnCrmDelete


class Reason(Enum):
    CREATED = "no Constant Contact contact has this e-mail: created"
    MATCHED_EXISTING = "a Constant Contact contact has this e-mail: linked to it"
    ALREADY_LINKED = "linked by an earlier push or import: its contact is updated"
    UNCHANGED = "unchanged since the last push: nothing sent"
    EMAIL_CHANGED = "the account's e-mail changed: the linked contact's address is updated"
    NEW_CONTACT_ON_EMAIL_CHANGE = (
        "the account's e-mail changed and push.new_contact_on_email_change is true: new contact"
    )
    CONTACT_OPTED_OUT = (
        "the contact unsubscribed in Constant Contact: not added to the list (failed subscription)"
    )
    FIELD_CUT = "a value longer than Constant Contact allows was cut at a word boundary"
    ORGANIZATION = NotPushed.ORGANIZATION.value
    NO_EMAIL = NotPushed.NO_EMAIL.value
    INVALID_EMAIL = NotPushed.INVALID_EMAIL.value
    DECEASED = NotPushed.DECEASED.value
    DO_NOT_CONTACT = NotPushed.DO_NOT_CONTACT.value
    OPTED_OUT = NotPushed.OPTED_OUT.value
    ROLE_ADDRESS = NotPushed.ROLE_ADDRESS.value

    @property
    def message(self) -> str:
        return str(self.value)


@dataclass(frozen=True)
class CcState:
    """What listbridge knows of one Constant Contact contact."""

    contact_id: str
    unsubscribed: bool = False
    list_ids: frozenset[str] = frozenset()
    fingerprint: str = ""
    #: the address last pushed or seen; "" when not known
    email: str = ""


@dataclass(frozen=True)
class PushPolicy:
    list_ids: tuple[str, ...] = ()
    subscription_only: bool = False
    mapping: MappingPolicy = field(default_factory=MappingPolicy)
    role_local_parts: frozenset[str] = ROLE_LOCAL_PARTS
    new_contact_on_email_change: bool = False
    on_crm_delete: OnCrmDelete = OnCrmDelete.KEEP


@dataclass(frozen=True)
class Create:
    account_id: str
    contact: MappedContact
    list_ids: tuple[str, ...]


@dataclass(frozen=True)
class Link:
    account_id: str
    contact_id: str
    reason: Reason = Reason.MATCHED_EXISTING


@dataclass(frozen=True)
class Update:
    account_id: str
    contact_id: str
    contact: MappedContact
    #: lists the import may add the contact to (empty for an unsubscribed contact)
    list_ids: tuple[str, ...]
    #: the account's e-mail changed: a bulk import (keyed by e-mail) cannot carry it
    email_changed: bool = False


@dataclass(frozen=True)
class Subscribe:
    account_id: str
    contact_id: str
    list_ids: tuple[str, ...]


@dataclass(frozen=True)
class Unsubscribe:
    account_id: str
    contact_id: str
    list_ids: tuple[str, ...]


@dataclass(frozen=True)
class DeleteContact:
    """`push.on_crm_delete=delete_contact`: the contact of a deleted or blanked account goes."""

    account_id: str
    contact_id: str


@dataclass(frozen=True)
class Skip:
    account_id: str
    email: str
    reason: Reason
    list_id: str = ""
    detail: str = ""


Action = Create | Update | Link | Subscribe | Unsubscribe | DeleteContact | Skip


@dataclass
class Plan:
    considered: int = 0
    creates: list[Create] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    subscribes: list[Subscribe] = field(default_factory=list)
    #: the contacts of accounts deleted or blanked in the CRM, per `push.on_crm_delete`
    unsubscribes: list[Unsubscribe] = field(default_factory=list)
    deletes: list[DeleteContact] = field(default_factory=list)
    not_pushed: list[Skip] = field(default_factory=list)
    failed_subscriptions: list[Skip] = field(default_factory=list)
    warnings: list[Skip] = field(default_factory=list)
    already_linked: int = 0
    unchanged: int = 0
    #: the fingerprint each touched account's link gets once the push is applied
    fingerprints: dict[str, str] = field(default_factory=dict)

    def actions(self) -> list[Action]:
        return [*self.creates, *self.links, *self.updates, *self.subscribes, *self.unsubscribes,
                *self.deletes, *self.not_pushed, *self.failed_subscriptions]  # fmt: skip


def plan_push(
    accounts: Iterable[Account],
    links: Mapping[str, CcState],
    existing: Mapping[str, CcState],
    policy: PushPolicy,
) -> Plan:
    plan = Plan()
    links, existing = _opt_outs_everywhere(links, existing)
    seen: set[str] = set()
    for account in accounts:
        seen.add(account.id)
        link = links.get(account.id)
        if link is None and not policy.list_ids:
            continue  # no list named: only the contacts of linked accounts are updated
        plan.considered += 1
        _plan_account(plan, account, link, existing, policy)
    for account_id in sorted(set(links) - seen):
        _gone(plan, account_id, links[account_id], policy.on_crm_delete)
    return plan


def _opt_outs_everywhere(
    links: Mapping[str, CcState], existing: Mapping[str, CcState]
) -> tuple[Mapping[str, CcState], Mapping[str, CcState]]:
    """A contact any source saw unsubscribed is unsubscribed in every state that names it.

    Links and the by-email look-up are read at different moments; consent must not
    depend on which of the two a decision happens to consult.
    """
    out = {s.contact_id for s in (*links.values(), *existing.values()) if s.unsubscribed}
    if not out:
        return links, existing

    def safe(states: Mapping[str, CcState]) -> dict[str, CcState]:
        return {
            key: replace(s, unsubscribed=True) if s.contact_id in out else s
            for key, s in states.items()
        }

    return safe(links), safe(existing)


def _gone(plan: Plan, account_id: str, link: CcState, rule: OnCrmDelete) -> None:
    """A linked account deleted in the CRM, or whose e-mail was blanked."""
    if rule is OnCrmDelete.DELETE_CONTACT:
        plan.deletes.append(DeleteContact(account_id, link.contact_id))
    elif rule is OnCrmDelete.REMOVE_FROM_LISTS and link.list_ids:
        plan.unsubscribes.append(
            Unsubscribe(account_id, link.contact_id, (*sorted(link.list_ids),))
        )


def _plan_account(
    plan: Plan,
    account: Account,
    link: CcState | None,
    existing: Mapping[str, CcState],
    policy: PushPolicy,
) -> None:
    refused = why_not_pushed(account, policy.role_local_parts)
    if refused is not None:
        plan.not_pushed.append(Skip(account.id, account.email, Reason[refused.name]))
        if refused is NotPushed.NO_EMAIL and link is not None:
            _gone(plan, account.id, link, policy.on_crm_delete)
        return
    mapped = map_account(account, policy.mapping)
    plan.warnings += [
        Skip(account.id, account.email, Reason.FIELD_CUT, detail=w.message) for w in mapped.warnings
    ]
    if link is None:
        _unlinked(plan, account, mapped, existing.get(match_key(account.email)), policy)
    elif not email_changed(link, mapped.email) or policy.subscription_only:
        plan.already_linked += 1
        _update(plan, account, link, mapped, policy)
    elif policy.new_contact_on_email_change:
        lists = policy.list_ids or ((*sorted(link.list_ids),) if not link.unsubscribed else ())
        found = existing.get(match_key(account.email))
        _unlinked(plan, account, mapped, found, replace(policy, list_ids=lists))
    else:
        plan.already_linked += 1
        _update(plan, account, link, mapped, policy, email_change=True)


def email_changed(link: CcState, email: str) -> bool:
    return bool(link.email) and match_key(link.email) != match_key(email)


def _unlinked(
    plan: Plan,
    account: Account,
    mapped: MappedContact,
    match: CcState | None,
    policy: PushPolicy,
) -> None:
    if match is None:
        plan.creates.append(Create(account.id, mapped, policy.list_ids))
        plan.fingerprints[account.id] = fingerprint(mapped.row, policy.list_ids)
        return
    plan.links.append(Link(account.id, match.contact_id))
    _update(plan, account, match, mapped, policy)


def _update(
    plan: Plan,
    account: Account,
    cc: CcState,
    mapped: MappedContact,
    policy: PushPolicy,
    email_change: bool = False,
) -> None:
    wanted = tuple(sorted(set(policy.list_ids) | cc.list_ids))
    if cc.unsubscribed:
        _failed(plan, account, [i for i in policy.list_ids if i not in cc.list_ids])
        wanted = tuple(sorted(cc.list_ids))
    new_fp = fingerprint(mapped.row, wanted)
    joins = () if cc.unsubscribed else tuple(i for i in policy.list_ids if i not in cc.list_ids)
    # The fingerprint speaks for the fields; a list the contact left since (a list job
    # took it off) must still be joined, whatever the fingerprint says.
    if new_fp == cc.fingerprint and not email_change and not joins:
        plan.unchanged += 1
        return
    if policy.subscription_only:
        # Fields were not sent, so the fingerprint stays what was pushed last.
        if joins:
            plan.subscribes.append(Subscribe(account.id, cc.contact_id, joins))
        return
    plan.fingerprints[account.id] = new_fp
    plan.updates.append(Update(account.id, cc.contact_id, mapped, joins, email_change))


def _failed(plan: Plan, account: Account, list_ids: Collection[str]) -> None:
    plan.failed_subscriptions += [
        Skip(account.id, account.email, Reason.CONTACT_OPTED_OUT, list_id=i) for i in list_ids
    ]
