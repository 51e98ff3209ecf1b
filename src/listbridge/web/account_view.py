"""What `/accounts/{id}` shows, read for one request: the account card `crm show` prints
(crm/account_card.py) as rows a template lists, the Constant Contact lists it may push
to (our mirror of them), and what its last push did to it.

The last push's outcome is said as a person needs it: pushed, not pushed (why), or a
failed subscription: the contact opted out, so the push did not put it back on a list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from listbridge.core.account_fields import shown_fields
from listbridge.core.campaign_facts import campaign_facts
from listbridge.core.errors import UserError
from listbridge.core.push_actions import Reason
from listbridge.core.values import format_timestamp
from listbridge.crm.account_card import AccountCard, account_card
from listbridge.store.campaign_reads import HistoryRow
from listbridge.store.cc_lists import mirrored_lists
from listbridge.store.db import Store
from listbridge.store.journal import JournaledChange
from listbridge.store.last_push import CcList, LastPush
from listbridge.store.runs import get_run
from listbridge.store.tokens import stored_identity
from listbridge.sync.push import COUNTS as PUSH_COUNTS
from listbridge.web.job_notice import starter

LIST_FIELD = "list:"
#: the reasons a push gives for not putting a contact on a list because it opted out (an
#: error row's reason starts with one, then names the list)
FAILED_SUBSCRIPTIONS = (
    Reason.CONTACT_OPTED_OUT.message,
    Reason.OPTED_OUT_BEFORE_EMAIL_CHANGE.message,
)


@dataclass(frozen=True)
class ChangeRow:
    at: str
    who: str
    run_id: int | None
    run_kind: str
    side: str
    field: str
    old: str | None
    new: str | None
    reason: str

    @property
    def created(self) -> bool:
        return self.field == "*"


@dataclass(frozen=True)
class CampaignLine:
    sent: str
    campaign_id: str
    name: str
    facts: str


@dataclass(frozen=True)
class PushView:
    run_id: int
    run_kind: str
    at: str
    #: pushed | not pushed | failed subscription
    outcome: str
    changes: list[ChangeRow]
    not_pushed: list[str]
    #: the run's counts (of every account it pushed), as `push --json` names them
    counts: list[tuple[str, int]]


@dataclass(frozen=True)
class AccountView:
    card: AccountCard
    title: str
    fields: list[tuple[str, str]]
    deleted_at: str
    cc_lists: list[CcList]
    linked_contact: str
    last_push: PushView | None
    consent: list[ChangeRow]
    campaigns: list[CampaignLine]
    changes: list[ChangeRow]
    #: the connection's Constant Contact lists a push may name (live ones, as last read)
    push_lists: list[str]
    connected: bool


def account_view(store: Store, connection_id: int, account_id: str) -> AccountView:
    """UserError when there is no such account."""
    card = account_card(store, connection_id, account_id)
    names = card.cc.list_names if card.cc else {}
    with store.session() as session:
        mirrored = mirrored_lists(session, connection_id)
    a = card.account
    return AccountView(
        card,
        " ".join(p for p in (a.first_name, a.last_name) if p) or a.company_name or a.id,
        shown_fields(a),
        _when(card.deleted_at) if card.deleted_at else "",
        card.cc.lists if card.cc else [],
        card.cc.contact_id if card.cc else "",
        _push_view(store, connection_id, card.cc.last_push, names) if card.cc else None,
        [_row(c, names) for c in card.consent_history()],
        [_campaign(row) for row in card.campaigns],
        [_row(c, names) for c in card.changes],
        sorted((m.name for m in mirrored if not m.deleted), key=str.casefold),
        stored_identity(store, connection_id) is not None,
    )


def _row(entry: JournaledChange, list_names: dict[str, str]) -> ChangeRow:
    change = entry.change
    field = change.field
    if field.startswith(LIST_FIELD) and change.side == "cc":
        list_id = field[len(LIST_FIELD) :]
        field = f"list {list_names.get(list_id, list_id)}"
    who = str(starter(entry.started_by)) if entry.started_by else ""
    return ChangeRow(
        _when(change.at), who, entry.run_id, entry.run_kind or "", str(change.side), field,
        change.old, change.new, change.reason,
    )  # fmt: skip


def _push_view(
    store: Store, connection_id: int, push: LastPush | None, names: dict[str, str]
) -> PushView | None:
    if push is None:
        return None
    outcome = "pushed"
    if any(reason.startswith(FAILED_SUBSCRIPTIONS) for reason in push.not_pushed):
        outcome = "failed subscription"
    elif push.not_pushed:
        outcome = "not pushed"
    try:
        counts = get_run(store, connection_id, push.run_id).counts
    except UserError:  # purged since: the journal and error rows still tell
        counts = {}
    return PushView(
        push.run_id, push.run_kind, _when(push.at), outcome,
        [_row(JournaledChange(c, push.run_id, push.run_kind, None), names) for c in push.changes],
        list(push.not_pushed),
        [(key, int(counts[key])) for key in PUSH_COUNTS if key in counts],
    )  # fmt: skip


def _campaign(row: HistoryRow) -> CampaignLine:
    sent = format_timestamp(row.sent_at)[:10] if row.sent_at else "date unknown"
    return CampaignLine(sent, row.campaign_id, row.name, campaign_facts(row.result))


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
