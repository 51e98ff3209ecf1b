"""Which CRM accounts a push may send to Constant Contact, and why not the others."""

from __future__ import annotations

import re
from collections.abc import Collection
from enum import Enum

from listbridge.core.accounts import Account, AccountType
from listbridge.core.emails import ROLE_LOCAL_PARTS

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]{2,}")


class NotPushed(Enum):
    ORGANIZATION = "an organization, not an individual"
    NO_EMAIL = "the account has no e-mail address"
    INVALID_EMAIL = "the e-mail address is not valid"
    DECEASED = "the account is marked deceased"
    DO_NOT_CONTACT = "the account is marked do-not-contact"
    OPTED_OUT = "the account has opted out of e-mail"
    ROLE_ADDRESS = "a role address (info@, sales@, …), not a person"


def why_not_pushed(
    account: Account, role_local_parts: Collection[str] = ROLE_LOCAL_PARTS
) -> NotPushed | None:
    """The first reason the account may not be pushed, or None when it may.

    Asked twice of every account a push plans (who shares an address, then the account's
    own plan): straight tests, no tuple built per call."""
    if account.type is not AccountType.INDIVIDUAL:
        return NotPushed.ORGANIZATION
    email = account.email.strip()
    if not email:
        return NotPushed.NO_EMAIL
    if len(email) > 80 or not _EMAIL.fullmatch(email):
        return NotPushed.INVALID_EMAIL
    if account.deceased:
        return NotPushed.DECEASED
    if account.do_not_contact:
        return NotPushed.DO_NOT_CONTACT
    if account.email_opt_out:
        return NotPushed.OPTED_OUT
    # `match_key(email)`: `email` is trimmed already
    local = email.lower().rpartition("@")[0]
    return NotPushed.ROLE_ADDRESS if local in role_local_parts else None
