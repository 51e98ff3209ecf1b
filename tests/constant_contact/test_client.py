"""Reading and writing through the client: paging, creates that never duplicate, reports."""

from __future__ import annotations

import httpx
import pytest
from tests.constant_contact.conftest import CcEmulator

from listbridge.constant_contact.errors import NotFoundError
from listbridge.constant_contact.models import ContactBody
from listbridge.constant_contact.paging import RepeatedCursorError
from listbridge.constant_contact.ports import MemoryVault


def test_paging_follows_next_hrefs_to_the_last_page(cc: CcEmulator) -> None:
    cc.control.post("/seed", json={"contacts": 120, "lists": 3, "seed": 7}).raise_for_status()
    client = cc.client()
    contacts = list(client.iter_contacts(limit=50))
    assert len(contacts) == 120
    assert len({c.contact_id for c in contacts}) == 120
    assert cc.recorder.statuses("/v3/contacts") == [200, 200, 200]
    core = contacts[0].to_core()
    assert core.email
    assert core.contact_id == contacts[0].contact_id
    assert {lst.name for lst in client.iter_lists()}
    assert len(list(client.iter_lists())) == 3


def _looping_pages(request: httpx.Request) -> httpx.Response:
    """A server that sends the same cursor again: the emulator never would."""
    href = "/v3/contacts?limit=1&cursor=c2"
    row = {"contact_id": "6f0c1c34-3a3e-4a3b-9b7e-1d2b3c4d5e6f"}
    return httpx.Response(200, json={"contacts": [row], "_links": {"next": {"href": href}}})


def test_a_repeated_cursor_is_refused_instead_of_looping(cc: CcEmulator) -> None:
    vault = MemoryVault(cc.login(cc.config()))
    client = cc.client(vault, transport=httpx.MockTransport(_looping_pages))
    contacts = client.iter_contacts(limit=1)
    assert next(contacts).contact_id  # the first page
    assert next(contacts).contact_id  # the page its cursor led to
    with pytest.raises(RepeatedCursorError, match="repeats a cursor"):
        next(contacts)


def test_named_creates_resolve_a_conflict_to_the_existing_record(cc: CcEmulator) -> None:
    client = cc.client()
    first = client.create_list("Volunteers", "people who help")
    again = client.create_list("Volunteers")
    assert again.list_id == first.list_id
    field = client.create_custom_field("Member Level")
    assert client.create_custom_field("Member Level").custom_field_id == field.custom_field_id
    tag = client.create_tag("donor")
    assert client.create_tag("donor").tag_id == tag.tag_id
    renamed = client.update_list(first.list_id, "Volunteers 2026")
    assert renamed.name == "Volunteers 2026"
    assert renamed.description == "people who help"  # a rename keeps the description
    assert client.find_list("Volunteers 2026") is not None


def _contact_body(email: str, list_id: str) -> ContactBody:
    return ContactBody.model_validate(
        {
            "email_address": {"address": email, "permission_to_send": "implicit"},
            "first_name": "Ada",
            "create_source": "Account",
            "list_memberships": [list_id],
        }
    )


def test_creating_a_contact_twice_gives_the_same_contact(cc: CcEmulator) -> None:
    client = cc.client()
    lst = client.create_list("Members")
    made, created = client.create_contact(_contact_body("ada@example.org", lst.list_id))
    again, created_again = client.create_contact(_contact_body("ada@example.org", lst.list_id))
    assert (created, created_again) == (True, False)
    assert again.contact_id == made.contact_id
    assert client.get_contact(made.contact_id).list_memberships == [lst.list_id]
    client.delete_contact(made.contact_id)
    assert client.get_contact(made.contact_id).to_core().deleted
    with pytest.raises(NotFoundError):
        client.get_contact("00000000-0000-4000-8000-000000000000")


class LoseFirstPostResponse(httpx.BaseTransport):
    """Forwards every request, but the first POST /contacts answer is lost (a timeout
    after the server did the work): the ambiguous failure check-before-retry is for."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.lost = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method == "POST" and request.url.path == "/v3/contacts" and not self.lost:
            self.lost += 1
            response.read()
            response.close()
            raise httpx.ReadTimeout("answer lost", request=request)
        return response

    def close(self) -> None:
        self.inner.close()


def test_a_lost_create_answer_is_checked_before_retrying_so_no_duplicate(
    cc: CcEmulator,
) -> None:
    vault = MemoryVault(cc.login(cc.config()))
    transport = LoseFirstPostResponse()
    client = cc.client(vault, transport=transport)
    lst = client.create_list("Members")
    contact, _ = client.create_contact(_contact_body("grace@example.org", lst.list_id))
    assert transport.lost == 1
    posts = cc.counters()["by_endpoint"].get("POST /v3/contacts")
    assert posts == 1  # the lookup found it: the POST was not sent again
    found = list(client.iter_contacts(email="grace@example.org", status="all"))
    assert [c.contact_id for c in found] == [contact.contact_id]


def test_campaigns_stats_and_tracking_rows_parse_into_core_values(cc: CcEmulator) -> None:
    seeded = cc.control.post("/seed", json={"contacts": 40, "lists": 1, "seed": 3}).json()
    rates = {"open": 0.5, "click": 0.2, "forward": 0.05, "bounce": 0.05, "optout": 0.05}
    send = {"name": "Autumn appeal", "list_ids": seeded["list_ids"], "rates": rates, "seed": 1}
    sent = cc.control.post("/campaigns/send", json=send).json()
    client = cc.client()
    campaigns = list(client.reports.iter_campaigns())
    assert "Autumn appeal" in {c.name for c in campaigns}
    campaign = client.reports.campaign(sent["campaign_id"])
    assert campaign.activity_id() == sent["campaign_activity_id"]
    stats = client.reports.activity_stats([sent["campaign_activity_id"]])
    core = stats.results[0].to_core()
    assert core.sends == sent["sends"]
    assert core.opens > 0
    rows = [r.to_core() for r in client.reports.iter_tracking(core.campaign_activity_id, "sends")]
    assert len(rows) == sent["sends"]
    clicks = list(client.reports.iter_tracking(core.campaign_activity_id, "clicks"))
    assert all(r.to_core().detail.startswith("http") for r in clicks)
    assert any(s.campaign_id == sent["campaign_id"] for s in client.reports.iter_summaries())


def test_calls_stop_once_todays_budget_is_used_up(cc: CcEmulator) -> None:
    from listbridge.constant_contact.client import ConstantContact
    from listbridge.constant_contact.http import ApiSession
    from listbridge.constant_contact.limiter import Limiter
    from listbridge.constant_contact.ports import MemoryLedger
    from listbridge.core.ratelimit import BudgetExhaustedError, DailyBudget

    config = cc.config(daily_limit=3)
    ledger = MemoryLedger(DailyBudget(3))
    session = ApiSession(
        config,
        MemoryVault(cc.login(config)),
        ledger,
        event_hooks=cc.recorder.hooks(),
        limiter=Limiter(50.0),
    )
    client = ConstantContact(session)
    try:
        for _ in range(3):
            client.account_summary()
        with pytest.raises(BudgetExhaustedError, match=r"budget of 3 .* is used up"):
            client.account_summary()
    finally:
        client.close()
    assert cc.recorder.statuses("/account/summary") == [200, 200, 200]


def test_retry_after_is_honoured_by_the_retry_and_the_whole_connection(cc: CcEmulator) -> None:
    """The emulator sends no Retry-After, so this odd shape comes from a MockTransport."""
    from listbridge.constant_contact.client import ConstantContact
    from listbridge.constant_contact.http import ApiSession
    from listbridge.constant_contact.limiter import Limiter

    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "3"}, json=[{"error_message": "slow"}]),
            httpx.Response(503, json=[{"error_message": "busy"}]),
            httpx.Response(200, json={"organization_name": "Mock Org"}),
        ]
    )
    retry_sleeps: list[float] = []
    limiter_sleeps: list[float] = []
    config = cc.config(backoff_initial=0.01, max_wait_seconds=60)
    session = ApiSession(
        config,
        MemoryVault(cc.login(config)),
        transport=httpx.MockTransport(lambda _request: next(answers)),
        limiter=Limiter(1000.0, sleep=limiter_sleeps.append),
        sleep=retry_sleeps.append,
    )
    client = ConstantContact(session)
    try:
        assert client.account_summary().organization_name == "Mock Org"
    finally:
        client.close()
    assert retry_sleeps[0] == 3.0  # Retry-After, not the backoff
    assert retry_sleeps[1] < 1.0  # a 5xx: exponential backoff with jitter
    assert max(limiter_sleeps) == pytest.approx(3.0, abs=0.05)  # everyone waited too
    assert session.stats.statuses == {429: 1, 503: 1, 200: 1}
