"""`unsubscribes report`: every linked pair whose consent differs, which side changed
when, and what the next `unsubscribes sync` will do about it.

Read from the store alone (no API call): Constant Contact's side is the consent the
last reconciliation or import saw, the CRM's is the account now.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from listbridge.core.cc_records import Permission
from listbridge.core.consent import Decision, PairState, decide
from listbridge.crm.factory import open_crm
from listbridge.crm.protocol import CrmAdapter
from listbridge.store.consent_links import CHUNK, SeenLink, all_links, opt_out_changed
from listbridge.store.db import Store
from listbridge.store.import_state import read_cursors
from listbridge.store.settings import effective_settings
from listbridge.sync.unsubscribes.job import CRM_CURSOR, policy_of
from listbridge.sync.unsubscribes.source import KIND

COLUMNS = (
    "account_id",
    "cc_contact_id",
    "email",
    "crm",
    "constant_contact",
    "opt_out_source",
    "crm_changed_at",
    "cc_changed_at",
    "next_sync",
    "why",
)


@dataclass(frozen=True)
class Mismatch:
    decision: Decision
    crm_changed_at: datetime
    cc_changed_at: datetime | None

    def row(self) -> dict[str, str]:
        pair = self.decision.pair
        return {
            "account_id": pair.account_id,
            "cc_contact_id": pair.contact_id,
            "email": pair.email,
            "crm": "opted out" if pair.crm_opted_out else "subscribed",
            "constant_contact": "unsubscribed" if pair.cc_unsubscribed else "subscribed",
            "opt_out_source": pair.opt_out_source,
            "crm_changed_at": self.crm_changed_at.isoformat(),
            "cc_changed_at": self.cc_changed_at.isoformat() if self.cc_changed_at else "",
            "next_sync": self.decision.action.value,
            "why": self.decision.reason.value,
        }


@dataclass(frozen=True)
class LinkedAccount:
    link: SeenLink
    opted_out: bool
    email: str
    updated_at: datetime


def mismatch_report(store: Store, connection_id: int) -> list[Mismatch]:
    policy = policy_of(effective_settings(store, connection_id))
    crm = open_crm(store, connection_id)
    with store.session() as session:
        cursor = read_cursors(session, connection_id).get(CRM_CURSOR)
        links = list(all_links(session, connection_id))
    differing = [x for x in _with_accounts(crm, links) if _differs(x)]
    with store.session() as session:
        ids = [x.link.account_id for x in differing]
        out = [x.link.account_id for x in differing if x.opted_out]
        moved = opt_out_changed(session, connection_id, ids, cursor, KIND, opted_out=out)
    return [
        Mismatch(decide(_pair(x, moved), policy), x.updated_at, x.link.cc_updated_at)
        for x in differing
    ]


def _with_accounts(crm: CrmAdapter, links: list[SeenLink]) -> Iterator[LinkedAccount]:
    """Each link with its account as the CRM has it now (a deleted one too: its
    consent still counts); a link whose account the CRM no longer has is left out."""
    for start in range(0, len(links), CHUNK):
        chunk = links[start : start + CHUNK]
        accounts = crm.get_many([x.account_id for x in chunk], include_deleted=True)
        for link in chunk:
            account = accounts.get(link.account_id)
            if account is not None and account.updated_at is not None:
                yield LinkedAccount(link, account.email_opt_out, account.email, account.updated_at)


def _differs(linked: LinkedAccount) -> bool:
    return linked.opted_out != (linked.link.permission == Permission.UNSUBSCRIBED.value)


def _pair(linked: LinkedAccount, moved: set[str]) -> PairState:
    link = linked.link
    changed = link.account_id in moved
    out = link.permission == Permission.UNSUBSCRIBED.value
    return PairState(
        link.account_id,
        link.contact_id,
        linked.email,
        linked.opted_out,
        changed,
        out,
        out,
        link.opt_out_source,
    )


def rows(report: list[Mismatch]) -> Iterator[dict[str, str]]:
    return (m.row() for m in report)
