"""POST /activities/contacts_taggings_add (facts §9.2): contacts tagged by id, asynchronously."""

from __future__ import annotations

UNKNOWN = "8987dc1a-48ef-433a-b836-7ca4f9aa3481"


def test_contacts_are_tagged_once_and_a_missing_contact_is_an_error(emulator) -> None:
    tag_id = emulator.api.post("/contact_tags", json={"name": "listbridge"}).json()["tag_id"]
    one = emulator.new_contact("one@example.org", first_name="One")["contact_id"]
    body = {"source": {"contact_ids": [one, one, UNKNOWN]}, "tag_ids": [tag_id]}
    done = emulator.run_activity("contacts_taggings_add", body)
    assert done["state"] == "completed"
    assert done["status"] == {"items_total_count": 2, "items_completed_count": 2}
    assert done["activity_errors"] == [f"contact {UNKNOWN} does not exist"]
    assert emulator.contact(one, include="taggings")["taggings"] == [tag_id]
    emulator.run_activity("contacts_taggings_add", body)
    assert emulator.contact(one, include="taggings")["taggings"] == [tag_id]


def test_an_unknown_tag_is_404_and_tags_nothing(emulator) -> None:
    one = emulator.new_contact("one@example.org", first_name="One")["contact_id"]
    body = {"source": {"contact_ids": [one]}, "tag_ids": [UNKNOWN]}
    answer = emulator.api.post("/activities/contacts_taggings_add", json=body)
    assert answer.status_code == 404
    assert not emulator.contact(one, include="taggings").get("taggings")
