"""contact_lists, contact_custom_fields and contact_tags over HTTP."""

from __future__ import annotations


def test_lists_crud_with_unique_names(emulator) -> None:
    list_id = emulator.new_list("Members")
    dup = emulator.api.post("/contact_lists", json={"name": "members"})
    assert dup.status_code == 409
    assert (
        "Members" in dup.json()[0]["error_message"] or "members" in dup.json()[0]["error_message"]
    )
    renamed = emulator.api.put(
        f"/contact_lists/{list_id}", json={"name": "Friends", "favorite": True}
    )
    assert renamed.json()["name"] == "Friends"
    assert renamed.json()["favorite"] is True
    assert emulator.api.get(f"/contact_lists/{list_id}").json()["name"] == "Friends"
    assert (
        emulator.api.get("/contact_lists/8987dc1a-48ef-433a-b836-7ca4f9aa3481").status_code == 404
    )
    # D:ListInput sets no minLength on the name (D:TagPost does): an empty name is valid.
    assert emulator.api.post("/contact_lists", json={"name": ""}).status_code == 201
    assert emulator.api.post("/contact_lists", json={"name": "x" * 256}).status_code == 400


def test_list_names_clash_ignoring_case_but_a_list_may_change_its_own_case(emulator) -> None:
    list_id = emulator.new_list("Straße")
    other = emulator.new_list("Other")
    assert emulator.api.post("/contact_lists", json={"name": "STRASSE"}).status_code == 409
    clash = emulator.api.put(f"/contact_lists/{other}", json={"name": "strasse"})
    # PUT declares no 409 (issue 22): a clash is a validation error there
    assert clash.status_code == 400
    assert "strasse" in clash.json()[0]["error_message"]
    own = emulator.api.put(f"/contact_lists/{list_id}", json={"name": "STRASSE"})
    assert own.status_code == 200
    assert emulator.api.get(f"/contact_lists/{list_id}").json()["name"] == "STRASSE"


def test_membership_counts_all_and_active(emulator) -> None:
    list_id = emulator.new_list("News")
    for i in range(3):
        emulator.new_contact(f"c{i}@example.org", [list_id])
    gone = emulator.new_contact("gone@example.org", [list_id])
    emulator.api.delete(f"/contacts/{gone['contact_id']}")
    counted = emulator.api.get(
        "/contact_lists", params={"include_membership_count": "all", "include_count": "true"}
    ).json()
    assert counted["lists_count"] == 1
    assert counted["lists"][0]["membership_count"] == 4
    active = emulator.api.get(
        f"/contact_lists/{list_id}", params={"include_membership_count": "active"}
    )
    assert active.json()["membership_count"] == 3
    bad = emulator.api.get("/contact_lists", params={"include_membership_count": "some"})
    assert bad.status_code == 400
    assert bad.json()[0]["error_message"] == "include_membership_count does not have a valid value"


def test_list_paging_and_name_filter(emulator) -> None:
    for i in range(7):
        emulator.new_list(f"List {i}")
    page = emulator.api.get("/contact_lists", params={"limit": 5}).json()
    assert len(page["lists"]) == 5
    rest = emulator.api.get(page["_links"]["next"]["href"].removeprefix("/v3")).json()
    assert len(rest["lists"]) == 2
    named = emulator.api.get("/contact_lists", params={"name": "List 3"}).json()["lists"]
    assert [lst["name"] for lst in named] == ["List 3"]


def test_delete_list_is_an_activity_with_a_location(emulator) -> None:
    list_id = emulator.new_list("Old")
    member = emulator.new_contact("a@example.org", [list_id])
    answer = emulator.api.delete(f"/contact_lists/{list_id}")
    assert answer.status_code == 202
    assert answer.headers["location"] == f"/v3/activities/{answer.json()['activity_id']}"
    emulator.wait()
    done = emulator.api.get(answer.headers["location"].removeprefix("/v3")).json()
    assert done["state"] == "completed"
    assert emulator.api.get(f"/contact_lists/{list_id}").status_code == 404
    assert emulator.contact(member["contact_id"])["list_memberships"] == []
    deleted = emulator.api.get("/contact_lists", params={"status": "deleted"}).json()["lists"]
    assert [lst["list_id"] for lst in deleted] == [list_id]
    assert "deleted_at" in deleted[0]


def test_list_id_xrefs_map_sequence_ids(emulator) -> None:
    first = emulator.new_list("First")
    xrefs = emulator.api.get("/contact_lists/list_id_xrefs", params={"sequence_ids": "1,99"}).json()
    assert xrefs == {"xrefs": [{"sequence_id": "1", "list_id": first}]}


def test_custom_fields_crud_and_derived_name(emulator) -> None:
    created = emulator.api.post(
        "/contact_custom_fields", json={"label": "Member Since", "type": "date"}
    )
    assert created.status_code == 201
    field = created.json()
    assert field["name"] == "member_since"
    dup = emulator.api.post(
        "/contact_custom_fields", json={"label": "member  since", "type": "string"}
    )
    assert dup.status_code == 409
    field_id = field["custom_field_id"]
    other = emulator.api.post("/contact_custom_fields", json={"label": "Other", "type": "string"})
    clash = emulator.api.put(f"/contact_custom_fields/{field_id}", json={"label": "other"})
    assert clash.status_code == 400, "PUT declares no 409 (issue 22)"
    assert "'other'" in clash.json()[0]["error_message"]
    emulator.api.delete(f"/contact_custom_fields/{other.json()['custom_field_id']}")
    put = emulator.api.put(f"/contact_custom_fields/{field_id}", json={"label": "Joined"})
    assert put.json()["name"] == "joined"
    listed = emulator.api.get("/contact_custom_fields", params={"limit": 100}).json()[
        "custom_fields"
    ]
    assert [f["label"] for f in listed] == ["Joined"]
    assert emulator.api.delete(f"/contact_custom_fields/{field_id}").status_code == 204
    assert emulator.api.get(f"/contact_custom_fields/{field_id}").status_code == 404
    assert (
        emulator.api.post(
            "/contact_custom_fields", json={"label": "x" * 51, "type": "string"}
        ).status_code
        == 400
    )


def test_at_most_100_custom_fields_per_account(emulator) -> None:
    emulator.control.post("/seed", json={"custom_fields": 100, "seed": 1}).raise_for_status()
    answer = emulator.api.post(
        "/contact_custom_fields", json={"label": "One Too Many", "type": "string"}
    )
    assert answer.status_code == 400
    assert "100" in answer.json()[0]["error_message"]


def test_at_most_25_custom_field_values_per_contact(emulator) -> None:
    ids = emulator.control.post("/seed", json={"custom_fields": 26, "seed": 1}).json()[
        "custom_field_ids"
    ]
    values = [{"custom_field_id": fid, "value": "v"} for fid in ids]
    too_many = emulator.api.post(
        "/contacts", json={"email_address": {"address": "a@example.org"}, "custom_fields": values}
    )
    assert too_many.status_code == 400
    assert "custom_fields" in too_many.json()[0]["error_message"]
    created = emulator.new_contact("a@example.org", custom_fields=values[:25])
    assert len(emulator.contact(created["contact_id"], "custom_fields")["custom_fields"]) == 25


def test_a_custom_field_value_needs_an_existing_field(emulator) -> None:
    answer = emulator.api.post(
        "/contacts",
        json={
            "email_address": {"address": "a@example.org"},
            "custom_fields": [
                {"custom_field_id": "8987dc1a-48ef-433a-b836-7ca4f9aa3481", "value": "x"}
            ],
            "create_source": "Account",
        },
    )
    assert answer.status_code == 400
    assert "custom_fields[0].custom_field_id" in answer.json()[0]["error_message"]


def test_tags_crud_counts_and_async_delete(emulator) -> None:
    tag = emulator.api.post("/contact_tags", json={"name": "VIP"})
    assert tag.status_code == 201
    tag_id = tag.json()["tag_id"]
    assert emulator.api.post("/contact_tags", json={"name": "vip"}).status_code == 409
    contact = emulator.new_contact("a@example.org", taggings=[tag_id])
    counted = emulator.api.get("/contact_tags", params={"include_count": "true"}).json()["tags"]
    assert counted[0]["contacts_count"] == 1
    renamed = emulator.api.put(f"/contact_tags/{tag_id}", json={"name": "Gold"})
    assert renamed.json()["name"] == "Gold"
    deleted = emulator.api.delete(f"/contact_tags/{tag_id}")
    assert deleted.status_code == 202
    emulator.wait()
    assert emulator.contact(contact["contact_id"], "taggings")["taggings"] == []
    assert emulator.api.get(f"/contact_tags/{tag_id}").status_code == 404
