"""The typed calls the jobs make: query strings, dates and bodies are the client's to build.

Pure checks of the wire shapes first, then the same calls against the emulator (every
exchange held to the official spec by the `cc` fixture's hooks).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from tests.constant_contact.conftest import CcEmulator

from listbridge.constant_contact.bulk import Bulk, DictMemo
from listbridge.constant_contact.contacts import (
    ContactPart,
    contact_query,
    create_body,
    include_param,
    update_body,
)
from listbridge.constant_contact.errors import ConflictError
from listbridge.constant_contact.models import ContactBody
from listbridge.constant_contact.polling import Poller

FAST_POLL = Poller(first=0.02, factor=2.0, cap=0.2, timeout=120)
ROW = {"email": "ada@example.org", "first_name": "Ada", "home_phone": "555-0101",
       "work_phone": "555-0102", "city": "London", "zip": "N1"}  # fmt: skip


def test_dates_go_out_as_utc_instants_and_unset_filters_not_at_all() -> None:
    summer = timezone(timedelta(hours=2))
    query = contact_query(status="unsubscribed", email=None, lists=["l1", "l2"],
                          updated_after=None,
                          optout_after=datetime(2026, 6, 1, 14, 30, tzinfo=summer))  # fmt: skip
    assert query == {"status": "unsubscribed", "lists": "l1,l2",
                     "optout_after": "2026-06-01T12:30:00Z"}  # fmt: skip
    assert include_param((ContactPart.LIST_MEMBERSHIPS, ContactPart.TAGGINGS)) == {
        "include": "list_memberships,taggings"
    }
    assert include_param(()) == {}


def test_an_update_sends_fields_but_no_consent_and_blanks_no_name() -> None:
    assert update_body(ROW).wire() == {
        "email_address": {"address": "ada@example.org"},
        "update_source": "Account",
        "first_name": "Ada",
        "last_name": "",
        "job_title": "",
        "company_name": "",
        "phone_numbers": [
            {"phone_number": "555-0101", "kind": "home"},
            {"phone_number": "555-0102", "kind": "work"},
        ],
        "street_addresses": [{"kind": "home", "city": "London", "postal_code": "N1"}],
    }


def test_a_create_is_implied_consent_on_its_lists() -> None:
    wire = create_body({"email": "bo@example.org"}, ("list-1",)).wire()
    assert wire["email_address"] == {"address": "bo@example.org", "permission_to_send": "implicit"}
    assert (wire["create_source"], wire["list_memberships"]) == ("Account", ["list-1"])
    assert "update_source" not in wire
    assert "list_memberships" not in create_body({"email": "bo@example.org"}).wire()


def test_a_body_refuses_a_property_the_api_does_not_have() -> None:
    with pytest.raises(ValueError, match="extra"):
        ContactBody.model_validate({"email_address": {"address": "a@b.org"}, "nickname": "x"})


def test_unsubscribe_keeps_the_contacts_properties_and_says_why(cc: CcEmulator) -> None:
    client = cc.client()
    news = client.create_list("News")
    body = create_body({"email": "cy@example.org", "first_name": "Cy", "job_title": "Cook"},
                       [news.list_id])  # fmt: skip
    made, _ = client.create_contact(body)
    done = client.unsubscribe(made.contact_id, "asked by phone")
    assert done.to_core().unsubscribed
    again = client.get_contact(made.contact_id)
    assert (again.first_name, again.job_title) == ("Cy", "Cook")
    assert again.email_address is not None
    assert again.email_address.opt_out_reason == "asked by phone"
    client.request_resubscribe(made.contact_id, [news.list_id])
    with pytest.raises(ConflictError):  # CC sends the request once
        client.request_resubscribe(made.contact_id, [news.list_id])


def test_iter_contacts_filters_by_typed_values(cc: CcEmulator) -> None:
    client = cc.client()
    news = client.create_list("News")
    client.create_contact(create_body({"email": "on@example.org"}, [news.list_id]))
    client.create_contact(create_body({"email": "off@example.org"}))
    on_news = client.iter_contacts(lists=news.list_id, include=(ContactPart.LIST_MEMBERSHIPS,))
    assert [c.list_memberships for c in on_news] == [[news.list_id]]
    later = datetime.now(UTC) + timedelta(hours=1)
    assert list(client.iter_contacts(status="all", updated_after=later)) == []
    assert {c.to_core().email for c in client.iter_contacts(status="all", include=())} == {
        "on@example.org",
        "off@example.org",
    }


def test_run_many_submits_every_request_before_polling_and_never_twice(cc: CcEmulator) -> None:
    client = cc.client()
    tag = client.create_tag("pushed")
    ids = [client.create_contact(create_body({"email": f"t{n}@example.org"}))[0].contact_id
           for n in range(3)]  # fmt: skip
    memo = DictMemo()
    bodies = {f"tag:{n}": {"source": {"contact_ids": [i]}, "tag_ids": [tag.tag_id]}
              for n, i in enumerate(ids)}  # fmt: skip
    start = len(cc.recorder.exchanges)
    done = Bulk(client, memo, FAST_POLL).run_many("contacts_taggings_add", bodies)
    assert [a.state for a in done] == ["completed"] * 3
    sent = [(m, p) for m, p, _ in cc.recorder.exchanges[start:] if "/activities" in p]
    assert [m for m, _ in sent[:3]] == ["POST"] * 3  # all submitted first
    assert sorted(memo) == sorted(bodies)
    Bulk(client, memo, FAST_POLL).run_many("contacts_taggings_add", bodies)
    posts = cc.counters()["by_endpoint"]["POST /v3/activities/contacts_taggings_add"]
    assert posts == 3  # remembered: polled again, not submitted again
    tagged = Bulk(client, DictMemo(), FAST_POLL).tag_contacts("tag-all", ids, [tag.tag_id])
    assert [a.state for a in tagged.activities] == ["completed"]
