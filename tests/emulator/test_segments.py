"""Segments (issue 22): create, read, list, update, rename, delete; the criteria's checks and
the contacts a segment selects through GET /contacts?segment_id=. Every answer is checked
against the spec by the conformance hooks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from tests.emulator.conftest import Emulator

from listbridge.emulator import persistence
from listbridge.emulator import segment_criteria as rules
from listbridge.emulator.model import Contact
from listbridge.emulator.segments import segment_store, segment_view
from listbridge.emulator.state import EmulatorState

SPEC_EXAMPLE = (
    '{"version":"1.0.0","criteria":{"type":"and","group":[{"source":"tracking",'
    '"field":"not_opened","op":"contains-any","const_value":"last-n-campaigns","param":"5"}]}}'
)


def criteria(*conditions: dict[str, Any], kind: str = "and") -> str:
    return json.dumps({"version": "1.0.0", "criteria": {"type": kind, "group": list(conditions)}})


def in_list(list_id: str) -> dict[str, Any]:
    return {
        "source": "list_membership",
        "field": "list_id",
        "op": "contains-any",
        "const_value": list_id,
    }


def create(emulator: Emulator, name: str, text: str = SPEC_EXAMPLE) -> dict[str, Any]:
    answer = emulator.api.post("/segments", json={"name": name, "segment_criteria": text})
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def members(emulator: Emulator, segment_id: int, **params: Any) -> httpx.Response:
    return emulator.api.get("/contacts", params={"segment_id": segment_id, **params})


def emails(answer: httpx.Response) -> set[str]:
    assert answer.status_code == 200, answer.text
    return {c["email_address"]["address"] for c in answer.json()["contacts"]}


def _error(answer: httpx.Response, status: int, *words: str) -> None:
    assert answer.status_code == status, answer.text
    [error] = answer.json()
    for word in words:
        assert word in error["error_message"], error


def test_create_read_update_rename_delete(emulator: Emulator) -> None:
    made = create(emulator, "Re-engage")
    assert made["segment_criteria"] == SPEC_EXAMPLE
    assert made["created_at"] == made["edited_at"]
    sid = made["segment_id"]
    assert emulator.api.get(f"/segments/{sid}").json() == made
    put = emulator.api.put(
        f"/segments/{sid}", json={"name": "Lapsed", "segment_criteria": criteria(in_list("x"))}
    )
    assert put.status_code == 200, put.text
    assert put.json()["name"] == "Lapsed"
    assert put.json()["edited_at"] > made["edited_at"]
    renamed = emulator.api.patch(f"/segments/{sid}/name", json={"name": "Dormant"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["segment_criteria"] == criteria(in_list("x"))
    assert emulator.api.delete(f"/segments/{sid}").status_code == 204
    # a deleted segment keeps its details for reference, but leaves the collection
    assert emulator.api.get(f"/segments/{sid}").json()["name"] == "Dormant"
    assert emulator.api.get("/segments").json() == {"segments": []}
    _error(emulator.api.delete(f"/segments/{sid}"), 404, "deleted")
    _error(emulator.api.patch(f"/segments/{sid}/name", json={"name": "Again"}), 404)
    _error(members(emulator, sid), 404)
    # its name is free again
    assert create(emulator, "dormant")["segment_id"] == sid + 1


def test_names_are_unique_and_both_properties_required(emulator: Emulator) -> None:
    first = create(emulator, "VIP")
    second = create(emulator, "Others")
    _error(
        emulator.api.post("/segments", json={"name": "vip", "segment_criteria": SPEC_EXAMPLE}),
        409,
        "VIP",
    )
    sid = second["segment_id"]
    _error(emulator.api.patch(f"/segments/{sid}/name", json={"name": "VIP"}), 409)
    same = emulator.api.patch(f"/segments/{first['segment_id']}/name", json={"name": "VIP"})
    assert same.status_code == 200, same.text
    _error(emulator.api.put(f"/segments/{sid}", json={"name": "Only a name"}), 400)
    _error(emulator.api.post("/segments", json={"segment_criteria": SPEC_EXAMPLE}), 400, "name")
    _error(emulator.api.post("/segments", content=b"{}"), 415)
    _error(emulator.api.get("/segments/99"), 404)
    _error(emulator.api.get("/segments/abc"), 400)


def test_criteria_are_checked_as_the_spec_states(emulator: Emulator) -> None:
    def refused(text: str, *words: str) -> None:
        answer = emulator.api.post("/segments", json={"name": "S", "segment_criteria": text})
        _error(answer, 400, *words)

    refused("{not json", "JSON")
    refused('{"version":"1.0.0"}', "criteria")
    refused(criteria(in_list("a"), kind="or"), "top-level")
    refused(criteria(), "non-empty")
    refused(criteria({"source": "weather", "field": "rain"}), "weather")
    refused(criteria(in_list("a"), in_list("b")), "list_membership", "or")
    many = {"source": "tracking", "field": "opened", "op": "contains-any"}
    refused(criteria({**many, "const_value": "last-n-campaigns", "param": "501"}), "500")
    refused(criteria({**many, "const_value": "last-n-days", "param": "1826"}), "1825")
    refused("x" * 20001)
    # or-groups of list memberships are what the text allows
    create(emulator, "Either list", criteria({"type": "or", "group": [in_list("a"), in_list("b")]}))


def test_collection_sorts_and_pages(emulator: Emulator) -> None:
    for name in ("beta", "Alpha", "gamma"):
        create(emulator, name)
    by_date = emulator.api.get("/segments").json()["segments"]
    assert [s["name"] for s in by_date] == ["gamma", "Alpha", "beta"]
    assert "segment_criteria" not in by_date[0]
    page = emulator.api.get("/segments", params={"sort_by": "name", "limit": "2"}).json()
    assert [s["name"] for s in page["segments"]] == ["Alpha", "beta"]
    rest = emulator.api.get(page["_links"]["next"]["href"].removeprefix("/v3"))
    assert [s["name"] for s in rest.json()["segments"]] == ["gamma"]
    assert "_links" not in rest.json()
    example = emulator.api.get("/segments", params={"sort_by": "sort_by=name"})
    assert [s["name"] for s in example.json()["segments"]] == ["Alpha", "beta", "gamma"]
    _error(emulator.api.get("/segments", params={"limit": "0"}), 400, "limit")
    _error(emulator.api.get("/segments", params={"sort_by": "size"}), 400, "sort_by")


def test_contacts_of_list_and_tag_criteria(emulator: Emulator) -> None:
    donors, members_list = emulator.new_list("Donors"), emulator.new_list("Members")
    tag = emulator.api.post("/contact_tags", json={"name": "board"}).json()["tag_id"]
    gone = emulator.new_contact("gone@example.org", [donors])
    assert emulator.api.delete(f"/contacts/{gone['contact_id']}").status_code == 204
    emulator.new_contact("a@example.org", [donors])
    emulator.new_contact("b@example.org", [members_list], taggings=[tag])
    emulator.new_contact("c@example.org", [donors, members_list], taggings=[tag])
    emulator.new_contact("d@example.org")
    both = create(emulator, "Donors", criteria(in_list(donors)))
    assert emails(members(emulator, both["segment_id"])) == {"a@example.org", "c@example.org"}
    either = criteria({"type": "or", "group": [in_list(donors), in_list(members_list)]})
    sid = emulator.api.put(
        f"/segments/{both['segment_id']}", json={"name": "Either", "segment_criteria": either}
    )
    assert sid.status_code == 200, sid.text
    answer = members(emulator, both["segment_id"], include_count="true")
    assert emails(answer) == {"a@example.org", "b@example.org", "c@example.org"}
    assert answer.json()["contacts_count"] == 3
    tagged = {"source": "tags", "field": "tag_id", "op": "contains-any", "const_value": tag}
    donors_on_board = create(
        emulator, "Donors and board", criteria(in_list(donors), {"type": "or", "group": [tagged]})
    )
    assert emails(members(emulator, donors_on_board["segment_id"])) == {"c@example.org"}
    board = create(emulator, "Board", criteria(tagged))
    assert emails(members(emulator, board["segment_id"])) == {"b@example.org", "c@example.org"}
    _error(members(emulator, board["segment_id"], status="all"), 400, "only be combined")
    _error(emulator.api.get("/contacts", params={"segment_id": "1,2"}), 400, "single")


def test_tracking_criteria_over_sent_campaigns(emulator: Emulator) -> None:
    audience = emulator.new_list("Audience")
    for n in range(4):
        emulator.new_contact(f"p{n}@example.org", [audience])
    quiet = {"open": 0, "click": 0, "forward": 0, "bounce": 0, "optout": 0}
    for name, opens in (("Spring", 1.0), ("Summer", 0.0)):
        sent = emulator.control.post(
            "/campaigns/send",
            json={"name": name, "list_ids": [audience], "rates": {**quiet, "open": opens}},
        )
        assert sent.status_code == 200, sent.text
    everyone = {f"p{n}@example.org" for n in range(4)}
    latest_unopened = create(emulator, "Did not open the last", SPEC_EXAMPLE.replace('"5"', '"1"'))
    assert emails(members(emulator, latest_unopened["segment_id"])) == everyone
    opened_two = criteria(
        {
            "source": "tracking",
            "field": "opened",
            "op": "contains-all",
            "const_value": "last-n-campaigns",
            "param": "2",
        }
    )
    assert emails(members(emulator, create(emulator, "Opened both", opened_two)["segment_id"])) == (
        set()
    )
    recent = opened_two.replace("last-n-campaigns", "last-n-days").replace('"2"', '"30"')
    assert emails(members(emulator, create(emulator, "Opened lately", recent)["segment_id"])) == (
        set()
    )
    opened_any = opened_two.replace("contains-all", "contains-any")
    assert emails(members(emulator, create(emulator, "Opened one", opened_any)["segment_id"])) == (
        everyone
    )


def test_criteria_the_emulator_does_not_evaluate_are_stored_and_named(
    emulator: Emulator,
) -> None:
    birthday = {"source": "contact", "field": "birthday_month", "op": "eq", "const_value": "4"}
    made = create(emulator, "April birthdays", criteria(birthday))
    assert emulator.api.get(f"/segments/{made['segment_id']}").json()["segment_criteria"] == (
        criteria(birthday)
    )
    _error(members(emulator, made["segment_id"]), 400, "contact.birthday_month", "not evaluated")


def test_segments_survive_a_restart_with_state(tmp_path: Path) -> None:
    state = EmulatorState()
    with state.lock:
        store = segment_store(state)
        kept = store.create("Kept", SPEC_EXAMPLE, state.stamp())
        gone = store.create("Gone", criteria(in_list("a")), state.stamp())
        gone.deleted_at = state.stamp()
    persistence.save(state, tmp_path / "cc.sqlite")
    again = EmulatorState()
    persistence.load(again, tmp_path / "cc.sqlite")
    restored = segment_store(again)
    assert [segment_view(s) for s in restored.live()] == [segment_view(kept)]
    assert restored.get(gone.segment_id).deleted_at == gone.deleted_at
    assert restored.create("Next", SPEC_EXAMPLE, again.stamp()).segment_id == 3


def test_a_days_window_covers_the_campaigns_sent_within_it() -> None:
    day = rules.DAY_US
    now = 100 * day
    # two activities, newest first: "new" sent 10 days ago, "old" 50 days ago; both to a, b
    sent = frozenset({"a", "b"})
    engagement = rules.Engagement(
        activities=("new", "old"),
        rows={("new", "sends"): sent, ("old", "sends"): sent, ("old", "opens"): frozenset("a")},
        sent_at={"new": now - 10 * day, "old": now - 50 * day},
        now=now,
    )
    contacts = [Contact(cid, f"{cid}@example.org", 0, "Account") for cid in "abc"]

    def selected(field: str, op: str, days: int) -> set[str]:
        condition = {
            "source": "tracking",
            "field": field,
            "op": op,
            "const_value": "last-n-days",
            "param": str(days),
        }
        document = rules.check(criteria(condition))
        chosen = rules.predicate(document, engagement)
        return {c.contact_id for c in contacts if chosen(c)}

    assert selected("opened", "contains-any", 30) == set()
    assert selected("opened", "contains-any", 60) == {"a"}
    assert selected("not_opened", "contains-any", 30) == {"a", "b"}
    assert selected("not_opened", "contains-all", 60) == {"b"}
    assert selected("clicked", "contains-any", 1825) == set()
    assert selected("opened", "contains-any", 5) == set()  # no campaign in the window
