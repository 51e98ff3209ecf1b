"""The CC additions of a list job that the push would refuse in any case, reported without
asking it (`core.list_refusals`): a household member whose address a linked account holds
is refused at every sync, and handing it to the push each time cost a scan of every
contact page (the push looks up the address of each unlinked account it is given).

The links are read now, not taken from the job's start: a list applied earlier in the
same job may have linked an account through its push.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.orm import Session

from listbridge.core.accounts import Account
from listbridge.core.emails import match_key
from listbridge.core.list_refusals import foreseen_refusals
from listbridge.core.push_actions import Reason, Skip
from listbridge.core.runs import ErrorRow
from listbridge.core.settings import IMPORT_ROLE_ADDRESSES
from listbridge.crm.protocol import CrmWithLists
from listbridge.store.link_lists import link_memberships
from listbridge.sync.job import JobContext

#: account ids whose links are read at a time (a first fill wants every member: their
#: links are not all held at once, only whether each has one)
READ_CHUNK = 50_000
#: refusals that are about the address (the push's error rows name the field so)
_ABOUT_THE_ADDRESS = frozenset({Reason.SHARED_EMAIL, Reason.SHARED_EMAIL_HELD})


def foreseen(ctx: JobContext, wanted: Collection[str]) -> tuple[frozenset[str], list[ErrorRow]]:
    """(the accounts still to push, the error rows of those the push would refuse)."""
    with ctx.store.session() as session:
        unlinked = unlinked_among(session, ctx.connection_id, wanted)
    if not unlinked:
        return frozenset(wanted), []
    roles: tuple[str, ...] = ctx.settings.get(IMPORT_ROLE_ADDRESSES)
    accounts = list(ctx.crm.get_many(unlinked).values())
    households = households_of(ctx.crm, accounts)
    with ctx.store.session() as session:
        links = link_memberships(session, ctx.connection_id, [a.id for a in households])
    linked = {account_id: link.contact_id for account_id, link in links.items()}
    skips = foreseen_refusals(accounts, households, linked, frozenset(roles))
    refused = {s.account_id for s in skips}
    return frozenset(a for a in wanted if a not in refused), [refusal_row(s) for s in skips]


def households_of(crm: CrmWithLists, accounts: Collection[Account]) -> list[Account]:
    """Every account whose first e-mail is one of theirs, as `match_key` compares them:
    the CRM finds an address by that key whatever its database's `lower()` folds
    (crm/email_lookup.py), so `ZOË@…` held by an opted-out housemate is found for
    `zoë@…` and the member is refused here, never given to the push."""
    keys = {match_key(a.email) for a in accounts} - {""}
    return crm.with_primary_emails(keys) if keys else []


def unlinked_among(session: Session, connection_id: int, wanted: Collection[str]) -> set[str]:
    """The accounts of `wanted` with no link, their links read `READ_CHUNK` at a time."""
    ids, unlinked = sorted(wanted), set[str]()
    for start in range(0, len(ids), READ_CHUNK):
        chunk = ids[start : start + READ_CHUNK]
        linked = link_memberships(session, connection_id, chunk).keys()
        unlinked.update(a for a in chunk if a not in linked)
    return unlinked


def refusal_row(skip: Skip) -> ErrorRow:
    """The row the push writes for the same refusal (sync/push/record.py)."""
    reason = skip.reason.message + (f": {skip.detail}" if skip.detail else "")
    field = "email" if skip.reason in _ABOUT_THE_ADDRESS else skip.detail and "value"
    return ErrorRow(reason, skip.account_id, email=skip.email, field=field)
