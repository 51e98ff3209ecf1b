"""Regression tests for the two client defects the fault tests found (issue 20).

1. A 2xx whose JSON body arrived cut short escaped as `JSONDecodeError`: every job
   ended "unexpected failure" (exit 1). It is now a failed attempt like a dropped
   connection: retried, a create looking first for what the lost answer made.
2. A bulk activity that ended `failed` or `timed_out` was taken for done: a list sync
   recorded its members as added, and the next sync read their absence from the CC list
   as removals there (6 of 6 members of a list to be taken off the CRM list). Now it
   raises `ActivityEndedError` (resumable), its id left in the memo for the next run.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.constant_contact.conftest import (  # noqa: F401 (fixtures)
    CcEmulator,
    cc,
    cc_emulator_config,
    secret_key_file,
)

from listbridge.constant_contact.bulk import Bulk, DictMemo
from listbridge.constant_contact.client import ConstantContact
from listbridge.constant_contact.errors import ActivityEndedError, ServerError
from listbridge.constant_contact.http import ApiSession
from listbridge.constant_contact.limiter import Limiter
from listbridge.constant_contact.models import ContactBody
from listbridge.constant_contact.polling import Poller
from listbridge.constant_contact.ports import MemoryVault
from listbridge.core.errors import RetriableApiError

FAST_POLL = Poller(first=0.02, factor=2.0, cap=0.1, timeout=30)
#: with this seed, a request at rate 0.5 is faulted, the next one is not (draws 0.04, 0.89)
SEED = 2041


@pytest.fixture
def client(cc: CcEmulator) -> Iterator[ConstantContact]:  # noqa: F811
    """Our client, its responses not held to the spec: a cut-short body is the fault."""
    config = cc.config(max_attempts=4)
    session = ApiSession(config, MemoryVault(cc.login(config)), limiter=Limiter(50.0))
    made = ConstantContact(session)
    try:
        yield made
    finally:
        made.close()


def _body(email: str) -> ContactBody:
    return ContactBody.model_validate(
        {"email_address": {"address": email}, "first_name": "Chloé", "create_source": "Account"}
    )


def test_a_cut_short_body_is_retried_and_a_create_looks_before_it_sends_again(
    cc: CcEmulator,  # noqa: F811
    client: ConstantContact,
) -> None:
    cc.faults(malformed_json_rate=0.5, seed=SEED)
    contact, _ = client.create_contact(_body("chloé@example.org"))
    cc.faults()
    with cc.state.lock:
        made = [c.contact_id for c in cc.state.contacts.by_id.values()]
    assert made == [contact.contact_id]
    assert cc.counters()["faults"] == {"malformed_json": 1}
    assert client.session.stats.retries == 1


def test_bodies_cut_short_once_the_retries_are_spent_are_a_resumable_server_error(
    cc: CcEmulator,  # noqa: F811
    client: ConstantContact,
) -> None:
    cc.faults(malformed_json_rate=1.0)
    with pytest.raises(
        ServerError, match=r"GET /contact_lists: .* was not readable JSON"
    ) as caught:
        list(client.iter_lists())
    cc.faults()
    assert caught.value.resumable
    assert client.session.stats.attempts == 4


@pytest.mark.parametrize("outcome", ["failed", "timed_out"])
def test_an_activity_that_did_not_complete_stops_and_stays_remembered(
    cc: CcEmulator,  # noqa: F811
    client: ConstantContact,
    outcome: str,
) -> None:
    news = client.create_list("News").list_id
    ann, _ = client.create_contact(_body("ann@example.org"))
    memo = DictMemo()
    cc.faults(activity_outcome=outcome)
    with pytest.raises(ActivityEndedError) as caught:
        Bulk(client, memo, FAST_POLL).add_to_lists("job", [ann.contact_id], [news])
    cc.faults()
    assert isinstance(caught.value, RetriableApiError)
    assert f"(add_list_memberships) {outcome}" in str(caught.value)
    assert memo == {"job:0": caught.value.activity_id}  # the next run settles it


def test_a_caller_that_reports_failed_activities_itself_gets_them_back(
    cc: CcEmulator,  # noqa: F811
    client: ConstantContact,
) -> None:
    news = client.create_list("News").list_id
    ann, _ = client.create_contact(_body("ann@example.org"))
    cc.faults(activity_outcome="failed")
    result = Bulk(client, DictMemo(), FAST_POLL, strict=False).add_to_lists(
        "undo", [ann.contact_id], [news]
    )
    cc.faults()
    assert [a.state for a in result.failed] == ["failed"]
