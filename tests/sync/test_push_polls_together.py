"""A first push waits for its bulk activities as sets, not one by one: a group's imports
and its `contacts_taggings_add` batches are each submitted together and waited for with
pages of `GET /activities` (issue 19: the 1,000,000-account push within the day's budget).
Its calls are pinned here at a small size: fewer polls than activities."""

from __future__ import annotations

from tests.sync.conftest import Scene
from tests.sync.crms import edge
from tests.sync.test_push import push

from listbridge.core.accounts import Account

#: three `contacts_taggings_add` requests (≤ 500 ids each), one import
PEOPLE = 1_250
BY_ID = "GET /v3/activities/{activity_id}"
COLLECTION = "GET /v3/activities"


def people() -> list[Account]:
    return [Account(f"a{n:04d}", email=f"person{n}@example.org", first_name="P",
                    last_name=f"N{n}") for n in range(PEOPLE)]  # fmt: skip


@edge
def test_a_first_push_waits_for_its_activities_together(scene: Scene) -> None:
    scene.add_list("News")
    scene.add_accounts(people())
    scene.cc.control.post("/counters/reset").raise_for_status()
    result = push(scene, "--list", "News")
    calls: dict[str, int] = dict(scene.cc.counters()["by_endpoint"])
    assert result["created"] == PEOPLE
    # the one import is waited for by id (its own small answer), the three taggings
    # together with pages of the collection; a backoff between rounds keeps both few
    assert 1 <= calls.pop(BY_ID, 0) <= 4, calls
    assert 1 <= calls.pop(COLLECTION, 0) <= 4, calls
    assert calls == {
        "GET /v3/contact_lists": 1,
        # the addresses looked up, the new contacts' ids (no link yet: CC's opt-outs have
        # nothing to change, and are not read)
        "GET /v3/contacts": 1 + 3,
        "POST /v3/activities/contacts_json_import": 1,
        # the connection's first push: its tag is created directly, not looked for first
        "POST /v3/contact_tags": 1,
        "POST /v3/activities/contacts_taggings_add": 3,
    }
    tagged = [c for c in scene.cc.state.contacts.by_id.values() if c.taggings]
    assert len(tagged) == PEOPLE

    # The push ended a little after its last taggings (`steps.outlast_writes`): the next
    # one, reading CC's changes since, does not read those 1,250 contacts again.
    for account_id in list(scene.links())[:5]:
        scene.crm.update_fields(account_id, {"last_name": "Renamed"}, reason="staff")
    scene.cc.control.post("/counters/reset").raise_for_status()
    again = push(scene, "--list", "News")
    assert again["already_linked"] == PEOPLE
    calls = dict(scene.cc.counters()["by_endpoint"])
    assert calls.get("GET /v3/contacts") == 2, calls  # CC's opt-outs, one page of changes
