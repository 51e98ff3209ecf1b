"""Additions to a CC list that a push would refuse whatever Constant Contact holds, foreseen
from the CRM and the links alone (pure).

A list job adds through the push, and the push looks up the address of every unlinked
account it is given; more than a few addresses cost a scan of every contact page. Those the
push must refuse in any case are the household members of a list whose address another
account holds, asked again at every sync (an addition that did not land is tried again).
Only the certain cases are foreseen here, with the push's own reasons:

- an account the push never sends (`why_not_pushed`: no or invalid e-mail, a role address…);
- an account sharing its address with an opted-out or do-not-contact one;
- an unlinked account sharing its address with exactly one linked account: that one holds
  the contact whichever contact CC has at the address (`core.shared_emails.holder`).

What needs CC's answer (which of several accounts holds an address) is left to the push.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping

from listbridge.core.accounts import Account
from listbridge.core.eligibility import why_not_pushed
from listbridge.core.emails import match_key
from listbridge.core.push_actions import Reason, Skip
from listbridge.core.shared_emails import Verdict, shared_addresses


def foreseen_refusals(
    unlinked: Iterable[Account],
    households: Iterable[Account],
    linked: Mapping[str, str],
    roles: Collection[str],
) -> list[Skip]:
    """The push's refusals of `unlinked` (accounts with no link), as the push words them.

    `households`: every account whose first e-mail is one of theirs (any of them may hold
    the address); `linked`: account id → contact id, for those of them with a link."""
    accounts = list(unlinked)
    found = [
        Skip(a.id, a.email, Reason[why.name])
        for a in accounts
        if (why := why_not_pushed(a, roles)) is not None
    ]
    refused = {s.account_id for s in found}
    candidates = [a for a in accounts if a.id not in refused and a.id not in linked]
    if not candidates:
        return found
    everyone = {a.id: a for a in (*candidates, *households)}

    def eligible(account: Account) -> bool:
        return why_not_pushed(account, roles) is None

    sharing = shared_addresses(everyone.values(), eligible, linked, {})
    holders = Counter(
        match_key(a.email) for a in everyone.values() if a.id in linked and eligible(a)
    )
    for account in candidates:
        shared = sharing.get(account.id)
        if shared is None:
            continue
        if shared.verdict is Verdict.HELD:
            found.append(Skip(account.id, account.email, Reason.SHARED_EMAIL_HELD,
                              detail=shared.message))  # fmt: skip
        elif holders[match_key(account.email)] == 1 and shared.other in linked:
            found.append(Skip(account.id, account.email, Reason.SHARED_EMAIL,
                              detail=shared.message))  # fmt: skip
    return found
