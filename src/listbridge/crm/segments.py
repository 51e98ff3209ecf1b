"""The accounts a segment filter chooses, from whichever CRM: in its own database when
it can (`CrmWithSegments`: the builtin, the mapped SQL CRM, CiviCRM and Vtiger, each
deciding in SQL what it can and the rest in Python, account by account), else by testing
every account in Python (an adapter without `select_account_ids`, as tests may give)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from listbridge.core.accounts import Account
from listbridge.core.filters import Segment, meets_defaults
from listbridge.crm.protocol import CrmAdapter, CrmWithSegments


def segment_ids(
    crm: CrmAdapter,
    segment: Segment | None,
    *,
    defaults: bool,
    accounts: Callable[[], Iterable[Account]] | None = None,
) -> list[str]:
    """The live accounts' ids, sorted, that `segment` selects (`defaults`) or matches;
    None: all of them. `accounts`: the CRM's accounts as the caller reads them once for
    all its lists, asked for only when the CRM cannot query."""
    if isinstance(crm, CrmWithSegments):
        return crm.select_account_ids(segment, defaults=defaults)
    everyone = crm.changed_since(None) if accounts is None else accounts()
    if segment is None:
        return sorted(a.id for a in everyone if not defaults or meets_defaults(a))
    test = segment.selects if defaults else segment.matches
    return sorted(a.id for a in everyone if test(a))
