"""Planning a push: every account considered gets one outcome, and each decision its reason.

`plan_push(accounts, links, existing, policy)` is pure. `links` is what the store knows
of each linked contact (refreshed with Constant Contact's opt-outs before planning);
`existing` maps e-mail keys to the CC contacts found for unlinked accounts. An
unsubscribed contact is never put on a list: each list it would have joined is a
`Skip(reason=Reason.CONTACT_OPTED_OUT)`, a failed subscription.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property

from listbridge.core.accounts import Account
from listbridge.core.eligibility import NotPushed, why_not_pushed
from listbridge.core.emails import match_key
from listbridge.core.mapping import (
    FieldWarning,
    MappedContact,
    fingerprint,
    map_account,
)
from listbridge.core.push_actions import (
    UNKNOWN_EMAIL,
    Action,
    CcState,
    Create,
    DeleteContact,
    Link,
    Plan,
    PushPolicy,
    Reason,
    Skip,
    Subscribe,
    Unsubscribe,
    Update,
)
from listbridge.core.setting_values import OnCrmDelete
from listbridge.core.shared_emails import Sharing, Verdict, shared_addresses

# The plan's vocabulary lives in push_actions; the jobs import it from here.
__all__ = ["UNKNOWN_EMAIL", "Action", "CcState", "Create", "DeleteContact", "Known", "Link", "Plan",
           "PushPolicy", "Reason", "Skip", "Subscribe", "Unsubscribe", "Update", "email_changed",
           "plan_gone", "plan_push"]  # fmt: skip


def plan_push(
    accounts: Iterable[Account],
    links: Mapping[str, CcState],
    existing: Mapping[str, CcState],
    policy: PushPolicy,
    siblings: Iterable[Account] = (),
    known: Known | None = None,
) -> Plan:
    """`siblings`: accounts not pushed now that share an address with one that is.

    `known`: a streamed push plans its accounts a chunk at a time; what spans every chunk
    (who shares an address, whose link holds a contact, which contacts are opted out) is
    decided once, up front, and given here instead of being worked out from this chunk."""
    plan = Plan()
    links, existing = _opt_outs_everywhere(links, existing, known.opted_out if known else ())
    accounts = list(accounts)
    if known is None:
        sharing = _sharing(accounts, siblings, links, existing, policy)
        ctx = _Context(links, existing, policy, sharing)
    else:
        ctx = _Context(links, existing, policy, known.sharing, known.owners)
    seen: set[str] = set()
    for account in accounts:
        seen.add(account.id)
        link = links.get(account.id)
        if link is None and not policy.list_ids:
            continue  # no list named: only the contacts of linked accounts are updated
        plan.considered += 1
        _plan_account(plan, account, link, ctx)
    if policy.whole_crm:
        for account_id in sorted(set(links) - seen):
            _gone(plan, account_id, links[account_id], policy.on_crm_delete)
    return plan


def plan_gone(links: Mapping[str, CcState], rule: OnCrmDelete) -> Plan:
    """The links of accounts gone from the CRM (a streamed push: those no chunk held)."""
    plan = Plan()
    for account_id in sorted(links):
        _gone(plan, account_id, links[account_id], rule)
    return plan


@dataclass(frozen=True)
class Known:
    """What a chunk of a streamed push is planned with, decided over every account."""

    #: every account not pushed because it shares its address (`shared_addresses`)
    sharing: Mapping[str, Sharing]
    #: contact id → the account linked to it, for the contacts this chunk may match
    owners: Mapping[str, str]
    #: contacts seen unsubscribed anywhere (a link, the look-up by e-mail, CC's opt-outs)
    opted_out: Collection[str] = frozenset()


@dataclass(frozen=True)
class _Context:
    links: Mapping[str, CcState]
    existing: Mapping[str, CcState]
    policy: PushPolicy
    sharing: Mapping[str, Sharing]
    owners: Mapping[str, str] | None = None

    def owner_of(self, contact_id: str) -> str | None:
        if self.owners is not None:
            return self.owners.get(contact_id)
        return self._owners.get(contact_id)

    @cached_property
    def _owners(self) -> dict[str, str]:
        return {s.contact_id: account_id for account_id, s in self.links.items()}


def _sharing(
    accounts: list[Account],
    siblings: Iterable[Account],
    links: Mapping[str, CcState],
    existing: Mapping[str, CcState],
    policy: PushPolicy,
) -> dict[str, Sharing]:
    linked = {account_id: s.contact_id for account_id, s in links.items()}
    contacts = {k: (s.contact_id, s.first_name, s.last_name) for k, s in existing.items()}

    def eligible(account: Account) -> bool:
        return why_not_pushed(account, policy.role_local_parts) is None

    return shared_addresses([*accounts, *siblings], eligible, linked, contacts)


def _opt_outs_everywhere(
    links: Mapping[str, CcState], existing: Mapping[str, CcState], known: Collection[str] = ()
) -> tuple[Mapping[str, CcState], Mapping[str, CcState]]:
    """A contact any source saw unsubscribed is unsubscribed in every state that names it.

    Links and the by-email look-up are read at different moments; consent must not
    depend on which of the two a decision happens to consult.
    """
    if known:
        # a streamed push: `existing` (every address looked up) was made safe once already
        out = {s.contact_id for s in links.values() if s.unsubscribed} | set(known)
        return _safe(links, out), existing
    out = {s.contact_id for s in (*links.values(), *existing.values()) if s.unsubscribed}
    if not out:
        return links, existing
    return _safe(links, out), _safe(existing, out)


def _safe(states: Mapping[str, CcState], out: Collection[str]) -> Mapping[str, CcState]:
    if not any(s.contact_id in out and not s.unsubscribed for s in states.values()):
        return states
    return {
        key: replace(s, unsubscribed=True) if s.contact_id in out and not s.unsubscribed else s
        for key, s in states.items()
    }


def _gone(plan: Plan, account_id: str, link: CcState, rule: OnCrmDelete) -> None:
    """A linked account deleted in the CRM, or whose e-mail was blanked."""
    if rule is OnCrmDelete.DELETE_CONTACT:
        plan.deletes.append(DeleteContact(account_id, link.contact_id))
    elif rule is OnCrmDelete.REMOVE_FROM_LISTS and link.list_ids:
        plan.unsubscribes.append(
            Unsubscribe(account_id, link.contact_id, (*sorted(link.list_ids),))
        )


def _plan_account(plan: Plan, account: Account, link: CcState | None, ctx: _Context) -> None:
    policy, existing = ctx.policy, ctx.existing
    refused = why_not_pushed(account, policy.role_local_parts)
    if refused is not None:
        plan.not_pushed.append(Skip(account.id, account.email, Reason[refused.name]))
        if refused is NotPushed.NO_EMAIL and link is not None:
            _gone(plan, account.id, link, policy.on_crm_delete)
        return
    shared = ctx.sharing.get(account.id)
    if shared is not None:
        reason = (
            Reason.SHARED_EMAIL if shared.verdict is Verdict.SHARED else Reason.SHARED_EMAIL_HELD
        )
        plan.not_pushed.append(Skip(account.id, account.email, reason, detail=shared.message))
        return
    mapped = map_account(account, policy.mapping)
    plan.warnings += [_warning(account, w) for w in mapped.warnings]
    if link is None:
        _unlinked(plan, account, mapped, existing.get(match_key(account.email)), ctx)
    elif not email_changed(link, mapped.email) or policy.subscription_only:
        plan.already_linked += 1
        _update(plan, account, link, mapped, policy)
    elif policy.new_contact_on_email_change and link.unsubscribed:
        _opted_out_before(plan, account, link, policy)
    elif policy.new_contact_on_email_change:
        lists = policy.list_ids or (*sorted(link.list_ids),)
        found = existing.get(match_key(account.email))
        _unlinked(
            plan, account, mapped, found, replace(ctx, policy=replace(policy, list_ids=lists))
        )
    elif _held_elsewhere(account, link, existing):
        _keep_address(plan, account, link, mapped, ctx)
    else:
        plan.already_linked += 1
        _update(plan, account, link, mapped, policy, email_change=True)


def _held_elsewhere(account: Account, link: CcState, existing: Mapping[str, CcState]) -> bool:
    """The new address is another live contact's: CC would refuse the change (409)."""
    other = existing.get(match_key(account.email))
    return other is not None and other.contact_id != link.contact_id


def _keep_address(
    plan: Plan, account: Account, link: CcState, mapped: MappedContact, ctx: _Context
) -> None:
    """One person, two contacts (signed up twice): the linked one keeps its own address
    and gets the account's other fields; nothing asks CC for a move it must refuse."""
    plan.already_linked += 1
    other = ctx.existing[match_key(account.email)].contact_id
    detail = f"contact {other} has {account.email}; contact {link.contact_id} keeps {link.email}"
    plan.warnings.append(
        Skip(account.id, account.email, Reason.EMAIL_HELD_ELSEWHERE, detail=detail)
    )
    if link.email != UNKNOWN_EMAIL:
        kept = replace(mapped, row={**mapped.row, "email": link.email})
        _update(plan, account, link, kept, ctx.policy)


def _warning(account: Account, warning: FieldWarning) -> Skip:
    reason = Reason.FIELD_DROPPED if warning.dropped else Reason.FIELD_CUT
    return Skip(account.id, account.email, reason, detail=warning.message)


def _opted_out_before(plan: Plan, account: Account, link: CcState, policy: PushPolicy) -> None:
    """A new address is the same person: their unsubscribe holds for it too. The old
    contact stays as it is (unsubscribed); nothing is made under the new address."""
    plan.already_linked += 1
    reason = Reason.OPTED_OUT_BEFORE_EMAIL_CHANGE
    plan.failed_subscriptions += [Skip(account.id, account.email, reason, list_id=i)
                                  for i in policy.joining]  # fmt: skip
    if not policy.joining:
        plan.warnings.append(Skip(account.id, account.email, reason, detail=link.contact_id))


def email_changed(link: CcState, email: str) -> bool:
    return bool(link.email) and match_key(link.email) != match_key(email)


def _unlinked(
    plan: Plan,
    account: Account,
    mapped: MappedContact,
    match: CcState | None,
    ctx: _Context,
) -> None:
    policy = ctx.policy
    if match is None:
        plan.creates.append(Create(account.id, mapped, policy.joining))
        plan.fingerprints[account.id] = fingerprint(mapped.row, ())
        return
    owner = ctx.owner_of(match.contact_id)
    if owner is not None and owner != account.id:
        # One contact, one account: the address's contact is another account's already.
        detail = f"contact {match.contact_id} is linked to account {owner}"
        plan.not_pushed.append(Skip(account.id, account.email, Reason.CONTACT_TAKEN, detail=detail))
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
    """Fields and memberships are decided apart: a field change is an update, a list to
    join alone is a membership (bulk `add_list_memberships`), never a contact update."""
    if cc.unsubscribed:
        _failed(plan, account, [i for i in policy.joining if i not in cc.list_ids])
    new_fp = fingerprint(mapped.row, ())
    joins = () if cc.unsubscribed else tuple(i for i in policy.joining if i not in cc.list_ids)
    same = not email_change and _same_fields(cc, account, mapped, new_fp, policy)
    if same and cc.fingerprint != new_fp:
        plan.refreshed[account.id] = new_fp
    if same and not joins:
        plan.unchanged += 1
        return
    if same or policy.subscription_only:
        # Fields were not sent, so the fingerprint stays what was pushed last.
        if joins:
            plan.subscribes.append(Subscribe(account.id, cc.contact_id, joins))
        return
    plan.refreshed.pop(account.id, None)
    plan.fingerprints[account.id] = new_fp
    plan.updates.append(Update(account.id, cc.contact_id, mapped, joins, email_change))


def _same_fields(
    cc: CcState, account: Account, mapped: MappedContact, new_fp: str, policy: PushPolicy
) -> bool:
    """The contact already holds these fields: by the fields-only fingerprint, or by one
    stored with the lists it was pushed to (links pushed before fingerprints left lists out),
    or, while the address or company is left out, by the fingerprint of everything (pushed
    before it was left out: CC holds more than is sent now, and nothing is owed)."""
    if cc.fingerprint == new_fp:
        return True
    if policy.mapping.left_out and cc.fingerprint:
        whole = map_account(account, policy.mapping.sending_everything()).row
        if cc.fingerprint == fingerprint(whole, ()):
            return True
    lists = set(policy.list_ids) | cc.list_ids
    legacy = {fingerprint(mapped.row, tuple(sorted(ids))) for ids in (lists, cc.list_ids)}
    return cc.fingerprint in legacy


def _failed(plan: Plan, account: Account, list_ids: Collection[str]) -> None:
    plan.failed_subscriptions += [
        Skip(account.id, account.email, Reason.CONTACT_OPTED_OUT, list_id=i) for i in list_ids
    ]
