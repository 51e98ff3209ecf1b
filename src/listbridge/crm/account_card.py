"""One account with everything listbridge knows of it: what `crm show ID` prints and the
web admin's `/accounts/{id}` shows, read once here for both.

Read from the CRM (through the protocol): the account and its CRM lists. Read from the
store alone (it works offline): the account's change journal, its campaign results (as
`stats pull` stored them), its link to a Constant Contact contact with the lists the
link last recorded and its last push (store/last_push.py), and the journal of what our
jobs did to that contact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from listbridge.core.accounts import Account
from listbridge.core.errors import UserError
from listbridge.core.journal import Side
from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.crm.factory import open_crm
from listbridge.crm.protocol import CrmWithLists
from listbridge.crm.reading import with_links
from listbridge.store.campaign_reads import HistoryRow, account_history
from listbridge.store.db import Store
from listbridge.store.journal import JournaledChange, history
from listbridge.store.last_push import CcSide, cc_side

#: the CRM fields that say whether the account may be e-mailed
CONSENT_FIELDS = frozenset({"email_opt_out", "do_not_contact"})
#: the contact's fields that are its consent in Constant Contact: its permission, its lists
CC_CONSENT_FIELD, CC_LIST_PREFIX = "permission_to_send", "list:"


@dataclass(frozen=True)
class AccountCard:
    account: Account
    #: when `crm delete` marked it (None: it is not deleted)
    deleted_at: datetime | None
    crm_lists: list[str]
    #: the account's journal (side `crm`), oldest first
    changes: list[JournaledChange]
    campaigns: list[HistoryRow]
    #: its link and last push (None: never linked, never pushed)
    cc: CcSide | None
    #: what our jobs did to its contact (side `cc`), oldest first
    cc_changes: list[JournaledChange]

    def consent_history(self) -> list[JournaledChange]:
        """The changes that gave or took consent, on both sides, oldest first: the CRM's
        opt-out and do-not-contact, the contact's permission and list memberships."""
        crm = [c for c in self.changes if c.change.field in CONSENT_FIELDS]
        cc = [c for c in self.cc_changes if _cc_consent(c.change.field)]
        return sorted(crm + cc, key=lambda c: c.change.at)


def _cc_consent(field: str) -> bool:
    return field == CC_CONSENT_FIELD or field.startswith(CC_LIST_PREFIX)


def account_card(store: Store, connection_id: int, account_id: str) -> AccountCard:
    """UserError when the CRM has no account `account_id` (deleted ones are shown)."""
    crm = open_crm(store, connection_id)
    account, deleted_at = stored_account(store, connection_id, crm, account_id)
    changes = history(store, connection_id, Side.CRM, account_id)
    lists = crm.account_lists(account_id)
    with store.session() as session:
        campaigns = account_history(session, connection_id, account_id)
        side = cc_side(session, connection_id, account_id)
    cc_changes = []
    if account.cc_contact_id:
        cc_changes = history(store, connection_id, Side.CC, account.cc_contact_id)
    return AccountCard(account, deleted_at, lists, changes, campaigns, side, cc_changes)


def stored_account(
    store: Store, connection_id: int, crm: CrmWithLists, account_id: str
) -> tuple[Account, datetime | None]:
    """The account with when it was deleted (only the builtin CRM shows deleted ones)."""
    stored: tuple[Account, datetime | None] | None = None
    if isinstance(crm, BuiltinCrm):
        stored = crm.get_stored(account_id)
    elif (found := crm.get(account_id)) is not None:  # its link is in listbridge's store
        stored = (with_links(store, connection_id, [found])[0], None)
    if stored is None:
        raise UserError(f"no account with id {account_id!r}")
    return stored
