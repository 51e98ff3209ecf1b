"""A CC opt-out a job learns of, carried to the CRM at once.

The unsubscribe reconciliation acts on what moved since the consent a link last saw. A
job that marks a link unsubscribed (the push does, consent first) therefore has to carry
the opt-out to the CRM account itself (per `unsubscribe.cc_to_crm`), or the
reconciliation would find the link already unsubscribed, take the difference for an old
one, and the CRM would never hear of it.
"""

from __future__ import annotations

from collections.abc import Iterable

from listbridge.core.consent import Reason
from listbridge.core.settings import UNSUBSCRIBE_CC_TO_CRM, Settings
from listbridge.crm.protocol import CrmAdapter


def carry_cc_opt_outs(
    crm: CrmAdapter,
    account_ids: Iterable[str],
    settings: Settings,
    job: str,
    run_id: int | None = None,
) -> int:
    """Opt out these accounts (their contacts unsubscribed in CC); how many changed."""
    if not settings.get(UNSUBSCRIBE_CC_TO_CRM) or crm.read_only:
        return 0  # a read-only CRM: the unsubscribes job reports what it would write
    changed = 0
    for account_id in sorted(set(account_ids)):
        account = crm.get(account_id)
        if account is None or account.email_opt_out:
            continue
        why = f"{job}: {Reason.CC_UNSUBSCRIBED.value} (seen by the {job} before it planned)"
        crm.set_email_opt_out(account_id, True, reason=why, run_id=run_id)
        changed += 1
    return changed
