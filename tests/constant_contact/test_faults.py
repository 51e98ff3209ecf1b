"""The client under the faults real integrations meet: 429 storms, 5xx, slow answers."""

from __future__ import annotations

import time
from typing import Any

import pytest
from tests.constant_contact.conftest import CcEmulator
from tests.support.net import free_port

from listbridge.constant_contact.bulk import Bulk, DictMemo
from listbridge.constant_contact.client import ConstantContact
from listbridge.constant_contact.errors import ServerError, UnreachableError
from listbridge.constant_contact.models import ContactBody
from listbridge.constant_contact.polling import Poller
from listbridge.constant_contact.ports import MemoryVault
from listbridge.core.errors import ListbridgeError

FAST_POLL = Poller(first=0.02, cap=0.2, timeout=120)


def small_job(client: ConstantContact, n: int = 25) -> dict[str, Any]:
    """A push in miniature: a list, single creates, one bulk import, a read-back."""
    lst = client.create_list("Fault drill")
    created = [
        client.create_contact(
            ContactBody.model_validate(
                {
                    "email_address": {"address": f"single{i}@example.org"},
                    "create_source": "Account",
                    "list_memberships": [lst.list_id],
                }
            )
        )[0].contact_id
        for i in range(n)
    ]
    rows = [{"email": f"bulk{i}@example.org", "first_name": "B"} for i in range(4 * n)]
    Bulk(client, DictMemo(), FAST_POLL).import_contacts("drill", rows, [lst.list_id])
    emails = [c.email_address.address for c in client.iter_contacts(limit=50) if c.email_address]
    return {"created": created, "emails": emails}


def assert_no_duplicates(result: dict[str, Any], n: int = 25) -> None:
    assert len(set(result["created"])) == n
    assert len(result["emails"]) == len(set(result["emails"])) == 5 * n


def test_a_429_storm_finishes_with_no_duplicates_and_the_limiter_backs_off(
    cc: CcEmulator,
) -> None:
    client = cc.client(max_attempts=40)
    cc.faults(rate_429=0.4)
    result = small_job(client)
    assert_no_duplicates(result)
    assert client.session.stats.statuses[429] > 3
    assert client.session.limiter.pauses == client.session.stats.statuses[429]
    assert client.session.stats.retries >= client.session.stats.statuses[429]


def test_ten_percent_5xx_finishes_with_no_duplicates(cc: CcEmulator) -> None:
    client = cc.client(max_attempts=20)
    cc.faults(rate_5xx=0.1)
    result = small_job(client, 60)  # ~80 requests: some 5xx is all but certain
    assert_no_duplicates(result, 60)
    assert client.session.stats.statuses[503] > 0


def test_two_second_latency_is_waited_out(cc: CcEmulator) -> None:
    client = cc.client()
    cc.faults(latency_ms=2000)
    started = time.monotonic()
    assert client.account_summary().organization_name
    assert client.create_list("Slow but sure").name == "Slow but sure"
    assert time.monotonic() - started >= 4.0
    assert client.session.stats.retries == 0


def test_timeouts_are_retried_then_reported(cc: CcEmulator) -> None:
    client = cc.client(MemoryVault(cc.login(cc.config())), timeout_seconds=0.2, max_attempts=3)
    cc.faults(latency_ms=600)
    with pytest.raises(ServerError, match="timed out"):
        client.account_summary()
    assert client.session.stats.attempts == 3


def test_no_answer_at_all_is_unreachable_once_the_retries_are_spent(cc: CcEmulator) -> None:
    """A dropped network is our error, naming where we tried, and a re-run resumes the job."""
    nowhere = f"http://127.0.0.1:{free_port()}/v3"
    client = cc.client(MemoryVault(cc.login(cc.config())), api_base=nowhere, max_attempts=3)
    with pytest.raises(UnreachableError) as caught:
        client.account_summary()
    assert str(caught.value).startswith(
        f"cannot reach Constant Contact at {nowhere}: GET /account/summary: connection failed ("
    )
    assert isinstance(caught.value, ListbridgeError)
    assert caught.value.resumable
    assert client.session.stats.attempts == 3
