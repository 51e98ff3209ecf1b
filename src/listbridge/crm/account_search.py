"""`/accounts?q=`: the connection's accounts matching a query, a page at a time, on any CRM.

The builtin CRM searches in SQL (crm/builtin/search.py: one bounded query a page). A CRM
held elsewhere offers no search in the protocol, so its accounts are streamed through
`changed_since(None)` (a page of 1,000 at a time, oldest change first) and matched by the
same rule (core/account_search.py): O(n) in its accounts, stopping as soon as the page
and one more hit are found, so early pages and common queries stay quick.
"""

from __future__ import annotations

from itertools import islice

from listbridge.core.account_search import PER_PAGE, SearchPage, cleaned, hit_of, matches
from listbridge.crm.builtin.search import search_accounts
from listbridge.crm.factory import crm_for
from listbridge.crm.protocol import CrmAdapter
from listbridge.store.crm_choice import CrmKind, load_crm_choice
from listbridge.store.db import Store


def find_accounts(store: Store, connection_id: int, query: str, page: int = 1) -> SearchPage:
    query = cleaned(query)
    choice = load_crm_choice(store, connection_id)
    if choice.kind is CrmKind.BUILTIN:
        return search_accounts(store, connection_id, query, page)
    return scan_accounts(crm_for(store, connection_id, choice), query, page)


def scan_accounts(crm: CrmAdapter, query: str, page: int) -> SearchPage:
    """The protocol's way: every account read until the page is full (see the module)."""
    found = (hit_of(a) for a in crm.changed_since(None) if matches(a, query))
    skip = (page - 1) * PER_PAGE
    window = list(islice(found, skip, skip + PER_PAGE + 1))
    return SearchPage(query, page, tuple(window[:PER_PAGE]), len(window) > PER_PAGE)
