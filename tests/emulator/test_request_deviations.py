"""Issue 22, request side: the operations the route collisions hid, every `source` kind of
the tagging activities, and a 405 that says what is allowed (RFC 9110 §15.5.6).

Every answer passes the fixture's conformance hook (official spec, facts §3 error shapes).
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi.routing import iter_route_contexts
from tests.support.campaigns import send

from listbridge.emulator.app import create_app
from listbridge.emulator.config import EmulatorConfig

UNKNOWN = "8987dc1a-48ef-433a-b836-7ca4f9aa3481"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _tag(emulator: Any, name: str) -> str:
    answer = emulator.api.post("/contact_tags", json={"name": name})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["tag_id"])


def _tags_of(emulator: Any, contact_id: str) -> list[str]:
    return list(emulator.contact(contact_id, include="taggings").get("taggings") or [])


def _people(emulator: Any) -> dict[str, str]:
    """Four contacts: two on a list, one unsubscribed, one deleted."""
    list_id = emulator.new_list("Members")
    ids = {
        "a": emulator.new_contact("a@example.org", [list_id])["contact_id"],
        "b": emulator.new_contact("b@example.org", [list_id])["contact_id"],
        "gone": emulator.new_contact("gone@example.org")["contact_id"],
        "out": emulator.new_contact("out@example.org")["contact_id"],
    }
    put = {
        "email_address": {"address": "out@example.org", "permission_to_send": "unsubscribed"},
        "update_source": "Account",
    }
    assert emulator.api.put(f"/contacts/{ids['out']}", json=put).status_code == 200
    assert emulator.api.delete(f"/contacts/{ids['gone']}").status_code == 204
    return {**ids, "list": list_id}


def test_taggings_add_takes_every_source_kind_of_the_spec(emulator: Any) -> None:
    people = _people(emulator)
    a, b = people["a"], people["b"]
    vip, seen, fresh = _tag(emulator, "vip"), _tag(emulator, "seen"), _tag(emulator, "fresh")

    by_list = {"source": {"list_ids": [people["list"]]}, "tag_ids": [vip]}
    done = emulator.run_activity(
        "contacts_taggings_add", {**by_list, "exclude": {"contact_ids": [b]}}
    )
    assert done["state"] == "completed", done
    assert done["status"] == {"items_total_count": 1, "items_completed_count": 1}
    assert (_tags_of(emulator, a), _tags_of(emulator, b)) == ([vip], [])

    by_tag = {"source": {"tag_ids": [vip]}, "tag_ids": [seen]}
    assert emulator.run_activity("contacts_taggings_add", by_tag)["state"] == "completed"
    assert _tags_of(emulator, a) == [vip, seen]

    # all active: live and subscribed contacts only (not the deleted, not the unsubscribed)
    active = {"source": {"all_active_contacts": True}, "tag_ids": [fresh]}
    done = emulator.run_activity("contacts_taggings_add", active)
    assert done["status"]["items_total_count"] == 2
    assert _tags_of(emulator, b) == [fresh]
    assert _tags_of(emulator, people["out"]) == []

    newcomer = _tag(emulator, "newcomer")
    by_new = {"source": {"new_subscriber": True}, "tag_ids": [newcomer]}
    done = emulator.run_activity("contacts_taggings_add", by_new)
    assert done["status"]["items_total_count"] == 2, "both opted in within 30 days"
    assert newcomer in _tags_of(emulator, a)


def test_a_source_must_name_exactly_one_kind(emulator: Any) -> None:
    tag_id = _tag(emulator, "vip")
    one = emulator.new_contact("one@example.org")["contact_id"]
    for path in ("contacts_taggings_add", "contacts_taggings_remove"):
        for source in (
            {},
            {"contact_ids": [one], "all_active_contacts": True},
            {"list_ids": [UNKNOWN], "tag_ids": [tag_id]},
            {"all_active_contacts": True, "new_subscriber": True},
        ):
            body = {"source": source, "tag_ids": [tag_id]}
            answer = emulator.api.post(f"/activities/{path}", json=body)
            assert answer.status_code == 400, (path, source, answer.text)
            assert "exactly one" in answer.json()[0]["error_message"]
        missing_list = {"source": {"list_ids": [UNKNOWN]}, "tag_ids": [tag_id]}
        answer = emulator.api.post(f"/activities/{path}", json=missing_list)
        assert answer.status_code == 400, answer.text  # as add_list_memberships answers it
        assert UNKNOWN in answer.json()[0]["error_message"]


def test_taggings_remove_takes_tags_off_and_keeps_the_tags(emulator: Any) -> None:
    people = _people(emulator)
    a, b = people["a"], people["b"]
    vip, keep = _tag(emulator, "vip"), _tag(emulator, "keep")
    tag_all = {"source": {"contact_ids": [a, b]}, "tag_ids": [vip, keep]}
    emulator.run_activity("contacts_taggings_add", tag_all)

    answer = emulator.api.post(
        "/activities/contacts_taggings_remove",
        json={"source": {"contact_ids": [a, UNKNOWN]}, "tag_ids": [vip]},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["state"] == "initialized"
    emulator.wait()
    done = emulator.api.get(f"/activities/{answer.json()['activity_id']}").json()
    assert done["state"] == "completed"
    assert done["percent_done"] == 100
    assert done["status"] == {"items_total_count": 2, "items_completed_count": 2}
    assert done["activity_errors"] == [f"contact {UNKNOWN} does not exist"]
    assert (_tags_of(emulator, a), _tags_of(emulator, b)) == ([keep], [vip, keep])

    by_list = {"source": {"list_ids": [people["list"]]}, "tag_ids": [keep]}
    emulator.run_activity("contacts_taggings_remove", by_list)
    assert (_tags_of(emulator, a), _tags_of(emulator, b)) == ([], [vip])
    assert emulator.api.get(f"/contact_tags/{keep}").status_code == 200, "the tag stays"

    unknown_tag = {"source": {"contact_ids": [b]}, "tag_ids": [UNKNOWN]}
    answer = emulator.api.post("/activities/contacts_taggings_remove", json=unknown_tag)
    assert answer.status_code == 404
    assert _tags_of(emulator, b) == [vip]


def test_contacts_tags_delete_deletes_tags_and_untags_contacts(emulator: Any) -> None:
    one = emulator.new_contact("one@example.org")["contact_id"]
    vip, old, keep = _tag(emulator, "vip"), _tag(emulator, "old"), _tag(emulator, "keep")
    emulator.run_activity(
        "contacts_taggings_add", {"source": {"contact_ids": [one]}, "tag_ids": [vip, old, keep]}
    )
    done = emulator.run_activity("contacts_tags_delete", {"tag_ids": [vip, old, UNKNOWN]})
    assert done["state"] == "completed"
    assert done["status"] == {"items_total_count": 3, "items_completed_count": 3}
    assert done["activity_errors"] == [f"tag {UNKNOWN} does not exist"]
    assert _tags_of(emulator, one) == [keep]
    assert emulator.api.get(f"/contact_tags/{vip}").status_code == 404
    names = [t["name"] for t in emulator.api.get("/contact_tags").json()["tags"]]
    assert names == ["keep"]
    too_many = {"tag_ids": [UNKNOWN] * 501}
    assert emulator.api.post("/activities/contacts_tags_delete", json=too_many).status_code == 400


def test_custom_fields_delete_deletes_fields_and_their_values(emulator: Any) -> None:
    fields = [
        emulator.api.post("/contact_custom_fields", json={"label": label, "type": "string"}).json()[
            "custom_field_id"
        ]
        for label in ("Shoe size", "Team", "Keep")
    ]
    values = [{"custom_field_id": fid, "value": "x"} for fid in fields]
    one = emulator.new_contact("one@example.org", custom_fields=values)["contact_id"]

    answer = emulator.api.post(
        "/activities/custom_fields_delete", json={"custom_field_ids": [fields[0], UNKNOWN]}
    )
    assert answer.status_code == 404, "the operation declares 404 for an unknown id"
    assert UNKNOWN in answer.json()[0]["error_message"]
    assert len(emulator.api.get("/contact_custom_fields").json()["custom_fields"]) == 3

    done = emulator.run_activity("custom_fields_delete", {"custom_field_ids": fields[:2]})
    assert done["state"] == "completed"
    assert done["status"] == {"items_total_count": 2, "items_completed_count": 2}
    assert done["activity_errors"] == []
    left = emulator.api.get("/contact_custom_fields").json()["custom_fields"]
    assert [f["label"] for f in left] == ["Keep"]
    kept = emulator.contact(one, include="custom_fields")["custom_fields"]
    assert [v["custom_field_id"] for v in kept] == [fields[2]]
    too_many = {"custom_field_ids": [UNKNOWN] * 101}
    assert emulator.api.post("/activities/custom_fields_delete", json=too_many).status_code == 400


def test_campaign_id_xrefs_maps_v2_ids_to_the_campaigns(emulator: Any) -> None:
    list_id = emulator.new_list("News")
    emulator.new_contact("one@example.org", [list_id])
    first = send(emulator.control, [list_id], name="First")
    second = send(emulator.control, [list_id], name="Second")
    answer = emulator.api.get(
        "/emails/campaign_id_xrefs",
        params={"v2_email_campaign_ids": "1100000000002,1100000000001,42,1100000000001"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "xrefs": [
            {
                "v2_email_campaign_id": "1100000000002",
                "campaign_id": second["campaign_id"],
                "campaign_activity_id": second["campaign_activity_id"],
            },
            {
                "v2_email_campaign_id": "1100000000001",
                "campaign_id": first["campaign_id"],
                "campaign_activity_id": first["campaign_activity_id"],
            },
        ]
    }
    fifty_one = ",".join(str(1100000000001 + i) for i in range(51))
    refused = emulator.api.get(
        "/emails/campaign_id_xrefs", params={"v2_email_campaign_ids": fifty_one}
    )
    assert refused.status_code == 400
    assert "at most 50" in refused.json()[0]["error_message"]
    assert emulator.api.get("/emails/campaign_id_xrefs").status_code == 400  # required
    # the campaign route still serves real campaign ids
    assert emulator.api.get(f"/emails/{first['campaign_id']}").status_code == 200


def _emulated_operations() -> dict[str, set[str]]:
    """Path template -> methods, from the route table of an app built as the server's is."""
    app = create_app(EmulatorConfig(auto_approve=True, testing_controls=True))
    table: dict[str, set[str]] = {}
    for route in iter_route_contexts(app.router.routes):
        if route.path and route.path.startswith("/v3/"):
            table.setdefault(route.path, set()).update(route.methods or ())
    return table


def _concrete(template: str) -> str:
    return re.sub(r"\{[^/]+\}", UNKNOWN, template)


def _matches(template: str, path: str) -> bool:
    return re.fullmatch(re.sub(r"\{[^/]+\}", "[^/]+", template), path) is not None


def _literals(template: str) -> int:
    return sum(1 for part in template.split("/") if part and not part.startswith("{"))


def test_every_emulated_path_answers_an_unserved_method_with_405_and_allow(emulator: Any) -> None:
    table = _emulated_operations()
    assert len(table) >= 40
    checked = 0
    for template in sorted(table):
        path = _concrete(template)
        # a literal path beats a parameter on the same path (`/emails/campaign_id_xrefs`)
        matching = [t for t in table if _matches(t, path)]
        best = max(_literals(t) for t in matching)
        served = set().union(*(table[t] for t in matching if _literals(t) == best))
        for method in METHODS:
            answer = emulator.api.request(method, path.removeprefix("/v3"))
            if method in served:
                assert answer.status_code != 405, (method, path)
                continue
            # Not even the parameter route on the same path serves it: the literal path is
            # the resource (GET /activities/add_list_memberships is not an activity lookup).
            assert answer.status_code == 405, (method, path, answer.status_code)
            allow = {m.strip() for m in answer.headers["allow"].split(",")}
            assert allow == served, (method, path, allow, served)
            assert answer.json()[0]["error_key"] == "method.not.allowed"
            checked += 1
    assert checked > 100


def test_the_collided_paths_are_no_longer_405(emulator: Any) -> None:
    for path in (
        "/activities/contacts_taggings_remove",
        "/activities/contacts_tags_delete",
        "/activities/custom_fields_delete",
    ):
        answer = emulator.api.post(path, json={})
        assert answer.status_code == 400, (path, answer.text)  # the body, not the method
        put = emulator.api.put(path, json={})
        assert put.status_code == 405
        assert put.headers["allow"] == "POST"
    wrong = emulator.api.delete("/emails/campaign_id_xrefs")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "GET"


def test_an_error_body_without_a_token_still_has_the_spec_shape(emulator: Any) -> None:
    with httpx.Client(base_url=f"{emulator.base_url}/v3", timeout=30) as anonymous:
        answer = anonymous.post("/activities/contacts_tags_delete", json={"tag_ids": []})
    assert answer.status_code == 401
    assert answer.json()["error_key"] == "unauthorized"
