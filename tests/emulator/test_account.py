"""The account operations (issue 22): summary update, physical address, e-mail addresses.

Every answer goes through the conformance hooks (tests/support/conformance.py), so each
response is checked against the operation's declared statuses and schemas.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from tests.emulator.conftest import Emulator

from listbridge.emulator import persistence
from listbridge.emulator.account_profile import (
    ACCOUNT,
    AccountEmail,
    PhysicalAddress,
    is_confirmed_sender,
)
from listbridge.emulator.state import EmulatorState
from listbridge.emulator.testing import ALL_SCOPES, obtain_token


@pytest.fixture
def owner(emulator: Emulator) -> Iterator[httpx.Client]:
    """A client whose token may update the account; the account is put back afterwards
    (a reset keeps the account, as it keeps its owner)."""
    before = emulator.state.account
    token = obtain_token(emulator.base_url, scope=f"{ALL_SCOPES} account_update")
    with emulator.client(token["access_token"]) as client:
        yield client
    emulator.state.account = before


def _error(answer: httpx.Response, status: int, *words: str) -> None:
    assert answer.status_code == status, answer.text
    [error] = answer.json()
    for word in words:
        assert word in error["error_message"], error


def test_put_summary_changes_only_the_properties_sent(owner: httpx.Client) -> None:
    answer = owner.put(
        "/account/summary",
        json={"first_name": "Robin", "encoded_account_id": "other", "website": "https://x.org"},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["first_name"] == "Robin"
    assert body["website"] == "https://x.org"
    assert body["encoded_account_id"] == ACCOUNT.encoded_account_id  # read-only, ignored
    assert body["last_name"] == ACCOUNT.last_name
    assert owner.get("/account/summary").json()["first_name"] == "Robin"


def test_put_summary_checks_country_state_time_zone_and_contact_email(
    owner: httpx.Client,
) -> None:
    _error(owner.put("/account/summary", json={"country_code": "XX"}), 400, "country_code")
    _error(owner.put("/account/summary", json={"state_code": "ZZ"}), 400, "state_code", "US")
    _error(owner.put("/account/summary", json={"time_zone_id": "Mars/Olympus"}), 400)
    _error(owner.put("/account/summary", json={"contact_phone": "1" * 26}), 400, "contact_phone")
    _error(
        owner.put("/account/summary", json={"contact_email": "nobody@example.org"}),
        400,
        "contact_email",
        "confirmed",
    )
    moved = owner.put("/account/summary", json={"country_code": "ca", "state_code": "QC"})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["country_code"], moved.json()["state_code"]) == ("CA", "QC")
    abroad = owner.put("/account/summary", json={"country_code": "FR"})
    assert abroad.status_code == 200, abroad.text
    assert abroad.json()["state_code"] == ""


def test_updates_need_the_account_update_scope(emulator: Emulator) -> None:
    answer = emulator.api.put("/account/summary", json={"first_name": "X"})
    assert answer.status_code == 403
    answer = emulator.api.post("/account/emails", json={"email_address": "a@example.org"})
    assert answer.status_code == 403


def test_physical_address_put_replaces_it_and_follows_the_country_rules(
    owner: httpx.Client, emulator: Emulator
) -> None:
    assert owner.get("/account/summary/physical_address").json()["state_code"] == "MA"
    uk = {"address_line1": "1 Deansgate", "city": "Manchester", "country_code": "GB"}
    answer = owner.put("/account/summary/physical_address", json={**uk, "state_name": "Lancs"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {**uk, "state_name": "Lancs"}
    # left out is removed: the state_name goes
    assert owner.put("/account/summary/physical_address", json=uk).json() == uk
    assert (
        owner.get("/account/summary", params={"extra_fields": "physical_address"}).json()[
            "physical_address"
        ]
        == uk
    )
    assert emulator.state.account.footer()["address_line1"] == "1 Deansgate"
    us = {"address_line1": "2 Main St", "city": "Austin", "country_code": "US"}
    path = "/account/summary/physical_address"
    _error(owner.put(path, json={**uk, "state_code": "MA"}), 400, "state_code", "state_name")
    _error(owner.put(path, json={**us, "postal_code": "73301"}), 400, "state_code", "required")
    _error(owner.put(path, json={**us, "state_code": "TX"}), 400, "postal_code")
    _error(owner.put(path, json={**us, "state_code": "XY", "postal_code": "73301"}), 400, "XY")
    _error(
        owner.put(path, json={**us, "state_code": "TX", "postal_code": "1", "state_name": "T"}),
        400,
        "state_name",
    )
    _error(owner.put(path, json={**uk, "country_code": "ZZ"}), 400, "country_code")
    _error(owner.put(path, json={"city": "Austin", "country_code": "US"}), 400, "address_line1")
    _error(owner.put(path, content=b"{}"), 415)


def test_physical_address_post_adds_one_and_refuses_a_second(
    owner: httpx.Client, emulator: Emulator
) -> None:
    address = {
        "address_line1": "9 Rue de Rivoli",
        "address_line2": "Bâtiment B",
        "city": "Paris",
        "country_code": "FR",
        "postal_code": "75001",
    }
    path = "/account/summary/physical_address"
    _error(owner.post(path, json=address), 409, "already", "PUT")
    emulator.control.delete("/account/physical_address").raise_for_status()
    _error(owner.get(path), 400, "POST")
    answer = owner.post(path, json=address)
    assert answer.status_code == 201, answer.text
    assert answer.json() == address
    assert owner.get(path).json() == address


def test_account_emails_filters_one_at_a_time(owner: httpx.Client) -> None:
    [first] = owner.get("/account/emails").json()
    assert first["email_address"] == ACCOUNT.contact_email
    assert first["confirm_status"] == "CONFIRMED"
    assert set(first["roles"]) == {"CONTACT", "BILLING", "REPLY_TO"}
    added = owner.post("/account/emails", json={"email_address": "events@example.org"})
    assert added.status_code == 201, added.text
    assert added.json() == {
        "email_id": 2,
        "email_address": "events@example.org",
        "confirm_status": "UNCONFIRMED",
    }

    def addresses(**params: str) -> list[str]:
        answer = owner.get("/account/emails", params=params)
        assert answer.status_code == 200, answer.text
        return [row["email_address"] for row in answer.json()]

    assert addresses(confirm_status="U") == ["events@example.org"]
    assert addresses(confirm_status="CONFIRMED") == [ACCOUNT.contact_email]
    assert addresses(role_code="B") == [ACCOUNT.contact_email]
    assert addresses(role_code="JOURNALING") == []
    assert addresses(email_address="EVENTS@example.org") == ["events@example.org"]
    _error(owner.get("/account/emails", params={"role_code": "X"}), 400, "role_code")
    _error(
        owner.get("/account/emails", params={"role_code": "C", "confirm_status": "C"}),
        400,
        "one of these filters",
    )


def test_adding_an_address_twice_or_a_bad_one_is_refused(owner: httpx.Client) -> None:
    _error(
        owner.post("/account/emails", json={"email_address": ACCOUNT.contact_email.upper()}),
        409,
        "already",
    )
    _error(owner.post("/account/emails", json={"email_address": "not-an-address"}), 400)
    _error(owner.post("/account/emails", json={}), 400, "email_address")
    _error(owner.post("/account/emails", json={"email_address": "a" * 75 + "@x.org"}), 400)


def test_a_confirmed_address_may_send_campaigns_and_become_the_contact_email(
    owner: httpx.Client, emulator: Emulator
) -> None:
    email_id = owner.post("/account/emails", json={"email_address": "news@example.org"}).json()[
        "email_id"
    ]
    assert not is_confirmed_sender(emulator.state.account, "news@example.org")
    _error(owner.put("/account/summary", json={"contact_email": "news@example.org"}), 400)
    confirmed = emulator.control.post(f"/account/emails/{email_id}/confirm")
    assert confirmed.status_code == 200, confirmed.text
    assert is_confirmed_sender(emulator.state.account, "NEWS@example.org")
    answer = owner.put("/account/summary", json={"contact_email": "news@example.org"})
    assert answer.status_code == 200, answer.text
    rows = {r["email_address"]: r for r in owner.get("/account/emails").json()}
    assert "CONTACT" in rows["news@example.org"]["roles"]
    assert "CONTACT" not in rows[ACCOUNT.contact_email]["roles"]
    assert rows["news@example.org"]["confirm_source_type"] == "SITE_OWNER"
    assert emulator.control.post("/account/emails/99/confirm").status_code == 404


def test_account_changes_survive_a_restart_with_state(tmp_path: Path) -> None:
    state = EmulatorState()
    added = AccountEmail(email_id=2, email_address="x@example.org", pending_roles=("OTHER",))
    address = PhysicalAddress("1 Deansgate", "Manchester", "GB", None, None, state_name="Lancs")
    state.account = replace(state.account, first_name="Robin", physical_address=address)
    state.account = state.account.with_email(added)
    persistence.save(state, tmp_path / "cc.sqlite")
    again = EmulatorState()
    persistence.load(again, tmp_path / "cc.sqlite")
    assert again.account == state.account
    state.account = replace(state.account, physical_address=None)
    persistence.save(state, tmp_path / "cc.sqlite")
    persistence.load(again, tmp_path / "cc.sqlite")
    assert again.account.physical_address is None
