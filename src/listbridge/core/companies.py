"""Company names as `import.link_companies` compares them, and the organisations an import
has tied people to so far.

A person is tied to an organisation account by name: the person's `company_name` is the
organisation's (the one field every CRM here has for it). Two spellings name one company
when they are equal ignoring case, the spaces around them and doubled spaces inside:
"Acme Ltd", "acme ltd " and "ACME  Ltd" are one company, and get one organisation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from listbridge.core.accounts import Account, AccountType
from listbridge.core.shared_emails import senior


def company_key(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass
class Companies:
    """The organisations of one import run, by `company_key`: the name each goes by (the
    CRM's own spelling where the CRM has it, else the first spelling the run met).

    Planning reads and extends it (so no later batch plans a company twice); applying
    fills it once with the CRM's organisations (`known`), before the first batch is
    written, so that a company the CRM has is reused rather than made again.
    """

    names: dict[str, str] = field(default_factory=dict)
    #: the CRM's organisations have been read into `names`
    known: bool = False
    #: why the CRM cannot hold organisation accounts ("" while it can, or is not asked yet):
    #: the run then ties no one, and says so once
    refused: str = ""
    reported: bool = False


def organisation_names(accounts: Iterable[Account]) -> dict[str, str]:
    """The CRM's organisations by `company_key`: the name of the oldest of those that share
    one (created_at, then id: the push's rule for a shared address)."""
    by_key: dict[str, list[Account]] = {}
    for account in accounts:
        key = company_key(account.company_name)
        if account.type is AccountType.ORGANIZATION and key:
            by_key.setdefault(key, []).append(account)
    names = {}
    for key, found in by_key.items():
        created: dict[str, datetime | None] = {a.id: a.created_at for a in found}
        oldest = senior(sorted(created), created)
        names[key] = next(a.company_name.strip() for a in found if a.id == oldest)
    return names
