"""/accounts in a real browser: an administrator finds an account, opens it, pushes it to
one Constant Contact list (contact and subscription) and sees its last push and the list;
`listbridge crm show` tells the same. One server for the module (conftest.py)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.browser.conftest import Loaded, OpenSession

from listbridge.core.eligibility import why_not_pushed
from listbridge.core.emails import match_key

pytestmark = pytest.mark.slow

LIST = "Accounts page news"


def _pushable(accounts: list[dict[str, Any]]) -> dict[str, Any]:
    """An individual a push takes alone: eligible, its address its own, a last name."""
    from listbridge.core.accounts import Account, AccountType

    owners = Counter(match_key(a["email"]) for a in accounts if a["email"])
    for row in accounts:
        account = Account(
            row["id"], AccountType(row["type"]), email=row["email"],
            deceased=row["deceased"], do_not_contact=row["do_not_contact"],
            email_opt_out=row["email_opt_out"],
        )  # fmt: skip
        alone = row["email"] and owners[match_key(row["email"])] == 1
        if alone and row["last_name"] and why_not_pushed(account) is None:
            return row
    raise AssertionError("the sample has no account a push takes alone")


def test_admin_finds_opens_and_pushes_an_account(loaded: Loaded, visit: OpenSession) -> None:
    site = loaded.site
    site.cli("lists", "create", LIST)
    chosen = _pushable(json.loads(site.cli("crm", "export", "--format", "json")))
    account_id, last_name = str(chosen["id"]), str(chosen["last_name"])
    admin = visit("admin")
    admin.open("/accounts")
    page = admin.open(f"/accounts?q={last_name}", "search")
    expect(page.locator("#account-results")).to_contain_text(chosen["email"])

    with page.expect_navigation():
        page.locator("#account-results").get_by_role("link", name=account_id, exact=True).click()
    expect(page.locator("#fields")).to_contain_text(chosen["email"])
    expect(page.locator("#last-push")).to_contain_text("Never pushed")
    admin.shoot()

    form = page.locator("#push-account")
    form.get_by_label(LIST, exact=True).check()
    form.locator("[name=mode][value=contact]").check()
    with page.expect_navigation():
        form.get_by_role("button", name="Push to Constant Contact").click()
    expect(page.locator("#push-outcome")).to_have_text("pushed")
    expect(page.locator("#cc-lists")).to_contain_text(LIST)
    expect(page.locator("#consent-history")).to_contain_text(LIST)
    admin.shoot("pushed")

    shown = site.cli("crm", "show", account_id)
    assert "Constant Contact contact " in shown
    contact_id = shown.split("Constant Contact contact ", 1)[1].split(":", 1)[0]
    expect(page.locator("#cc-contact")).to_contain_text(contact_id)
    lists = shown.split("Constant Contact lists:", 1)[1].split("last push:", 1)[0]
    assert LIST in lists
    assert "last push: never" not in shown
