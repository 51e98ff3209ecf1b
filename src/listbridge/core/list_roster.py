"""`lists members NAME`: who is on a list on each side, and how the two sides agree.

Pure: the CRM list's accounts, the CC list's contacts and the links in, one row per
person out. A person is one row whichever sides hold them: an account and the contact
it is linked to are the same person.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from listbridge.core.accounts import Account, AccountType


class MemberState(StrEnum):
    LINKED = "linked"  # on the CRM list, and its linked contact on the CC list
    CRM_ONLY = "crm_only"  # on the CRM list; its contact is not on the CC list (or none)
    CC_ONLY = "cc_only"  # on the CC list; no account on the CRM list is linked to it
    # opted out in the CRM, do not contact, or unsubscribed in CC: it cannot be on the CC
    # list (consent is sacred), whichever side lists it
    BLOCKED_BY_CONSENT = "blocked_by_consent"

    @property
    def label(self) -> str:
        return {"linked": "linked", "crm_only": "CRM only", "cc_only": "CC only"}.get(
            self.value, "blocked by consent"
        )


@dataclass(frozen=True)
class ListedContact:
    """A contact on the CC list, as CC has it now."""

    contact_id: str
    email: str
    name: str
    unsubscribed: bool


@dataclass(frozen=True)
class RosterRow:
    account_id: str
    cc_contact_id: str
    email: str
    name: str
    state: MemberState


@dataclass(frozen=True)
class LinkedContact:
    """What the store knows of an account's contact: its id, and whether it had
    unsubscribed when a job last saw it."""

    contact_id: str
    unsubscribed: bool


def account_name(account: Account) -> str:
    if account.type is AccountType.ORGANIZATION:
        return account.company_name
    return " ".join(p for p in (account.first_name, account.last_name) if p)


def roster(
    crm_members: Iterable[Account],
    cc_members: Iterable[ListedContact],
    links: Mapping[str, LinkedContact],
    unsubscribed: frozenset[str] = frozenset(),
) -> list[RosterRow]:
    """Every person on either side once: the CRM list's accounts (by id), then the CC
    list's contacts no account of the CRM list is linked to (by address). `unsubscribed`:
    the contacts unsubscribed in CC now (CC takes them off every list, so the list's own
    contacts cannot tell that an account's contact left it that way)."""
    on_cc = {c.contact_id: c for c in cc_members}
    linked_to = {link.contact_id: account_id for account_id, link in links.items()}
    rows: list[RosterRow] = []
    seen: set[str] = set()
    for account in sorted(crm_members, key=lambda a: a.id):
        link = links.get(account.id)
        contact = on_cc.get(link.contact_id) if link else None
        gone = bool(link and (link.unsubscribed or link.contact_id in unsubscribed))
        gone = gone or bool(contact and contact.unsubscribed)
        blocked = account.email_opt_out or account.do_not_contact or gone
        state = (
            MemberState.BLOCKED_BY_CONSENT
            if blocked
            else MemberState.LINKED
            if contact is not None
            else MemberState.CRM_ONLY
        )
        contact_id = link.contact_id if link else ""
        seen.add(contact_id)
        rows.append(RosterRow(account.id, contact_id, account.email, account_name(account), state))
    for contact in sorted(on_cc.values(), key=lambda c: (c.email.casefold(), c.contact_id)):
        if contact.contact_id in seen:
            continue
        account_id = linked_to.get(contact.contact_id, "")
        link = links.get(account_id)
        blocked = contact.unsubscribed or contact.contact_id in unsubscribed
        blocked = blocked or bool(link and link.unsubscribed)
        state = MemberState.BLOCKED_BY_CONSENT if blocked else MemberState.CC_ONLY
        rows.append(RosterRow(account_id, contact.contact_id, contact.email, contact.name, state))
    return rows
