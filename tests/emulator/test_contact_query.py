"""GET /contacts: filters, includes, counts, and cursor paging through ``_links.next.href``."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

INCLUDES = (
    "custom_fields",
    "list_memberships",
    "phone_numbers",
    "street_addresses",
    "taggings",
    "notes",
)


def all_pages(api: httpx.Client, params: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    page = api.get("/contacts", params=params).json()
    hrefs: set[str] = set()
    while True:
        rows += page["contacts"]
        href = page.get("_links", {}).get("next", {}).get("href")
        if not href:
            return rows
        assert href.startswith("/v3/contacts?"), href
        assert href not in hrefs, "a cursor must never repeat"
        hrefs.add(href)
        page = api.get(href.removeprefix("/v3")).json()


def test_paging_visits_every_contact_once(emulator) -> None:
    emulator.control.post("/seed", json={"contacts": 230, "lists": 3, "seed": 7}).raise_for_status()
    rows = all_pages(emulator.api, {"limit": 50, "status": "all"})
    assert len(rows) == 230
    assert len({r["contact_id"] for r in rows}) == 230


def test_the_next_href_keeps_the_filters_and_hides_the_position(emulator) -> None:
    emulator.control.post("/seed", json={"contacts": 5, "seed": 1}).raise_for_status()
    page = emulator.api.get("/contacts", params={"limit": 2, "include": "taggings"}).json()
    query = parse_qs(urlsplit(page["_links"]["next"]["href"]).query)
    assert query["limit"] == ["2"]
    assert query["include"] == ["taggings"]
    assert query["cursor"][0].isascii()


def test_the_last_page_has_no_next_link(emulator) -> None:
    emulator.control.post("/seed", json={"contacts": 4, "seed": 1}).raise_for_status()
    page = emulator.api.get("/contacts", params={"limit": 4}).json()
    assert len(page["contacts"]) == 4
    assert "next" not in page["_links"]


def test_a_bad_cursor_is_a_400(emulator) -> None:
    for cursor in ("garbage", "bGIxOmFiYw", "%%%"):
        answer = emulator.api.get("/contacts", params={"cursor": cursor})
        assert answer.status_code == 400
        assert "cursor" in answer.json()[0]["error_message"]


def test_limit_outside_1_to_500_is_a_400(emulator) -> None:
    assert emulator.api.get("/contacts", params={"limit": 0}).status_code == 400
    assert emulator.api.get("/contacts", params={"limit": 501}).status_code == 400
    assert emulator.api.get("/contacts", params={"limit": "ten"}).status_code == 400


def test_updated_after_is_exact(emulator) -> None:
    first = emulator.new_contact("a@example.org")
    second = emulator.new_contact("b@example.org")
    rows = emulator.api.get("/contacts", params={"updated_after": first["updated_at"]}).json()[
        "contacts"
    ]
    assert [r["contact_id"] for r in rows] == [second["contact_id"]]
    emulator.api.put(
        f"/contacts/{first['contact_id']}", json={"update_source": "Account", "first_name": "A"}
    )
    rows = emulator.api.get("/contacts", params={"updated_after": second["updated_at"]}).json()[
        "contacts"
    ]
    assert [r["contact_id"] for r in rows] == [first["contact_id"]]
    before = emulator.api.get("/contacts", params={"updated_before": second["updated_at"]}).json()
    assert before["contacts"] == []


def test_status_filters(emulator) -> None:
    keep = emulator.new_contact("keep@example.org")
    gone = emulator.new_contact("gone@example.org")
    out = emulator.new_contact("out@example.org")
    emulator.api.delete(f"/contacts/{gone['contact_id']}")
    emulator.control.post(f"/contacts/{out['contact_id']}/unsubscribe")

    def ids(status: str | None) -> set[str]:
        params = {"status": status} if status else {}
        return {
            c["contact_id"] for c in emulator.api.get("/contacts", params=params).json()["contacts"]
        }

    assert ids(None) == {keep["contact_id"], out["contact_id"]}
    assert ids("all") == {keep["contact_id"], out["contact_id"], gone["contact_id"]}
    assert ids("deleted") == {gone["contact_id"]}
    assert ids("unsubscribed") == {out["contact_id"]}
    assert ids("active") == {keep["contact_id"]}
    assert ids("unsubscribed,deleted") == {out["contact_id"], gone["contact_id"]}
    assert emulator.api.get("/contacts", params={"status": "explicit"}).status_code == 400


def test_optout_after_finds_new_opt_outs(emulator) -> None:
    early = emulator.new_contact("early@example.org")
    late = emulator.new_contact("late@example.org")
    emulator.control.post(f"/contacts/{early['contact_id']}/unsubscribe")
    mark = emulator.contact(early["contact_id"])["email_address"]["opt_out_date"]
    emulator.control.post(f"/contacts/{late['contact_id']}/unsubscribe")
    rows = emulator.api.get(
        "/contacts", params={"status": "unsubscribed", "optout_after": mark}
    ).json()
    assert [c["contact_id"] for c in rows["contacts"]] == [late["contact_id"]]


def test_email_lists_tags_and_created_after_filters(emulator) -> None:
    list_id = emulator.new_list("News")
    tag_id = emulator.api.post("/contact_tags", json={"name": "VIP"}).json()["tag_id"]
    on_list = emulator.new_contact("list@example.org", [list_id])
    tagged = emulator.new_contact("tag@example.org", taggings=[tag_id])

    def ids(**params: str) -> list[str]:
        return [
            c["contact_id"] for c in emulator.api.get("/contacts", params=params).json()["contacts"]
        ]

    assert ids(email="LIST@example.org") == [on_list["contact_id"]]
    assert ids(email="nobody@example.org") == []
    assert ids(lists=list_id) == [on_list["contact_id"]]
    assert ids(tags=tag_id) == [tagged["contact_id"]]
    assert ids(created_after=on_list["created_at"]) == [tagged["contact_id"]]
    assert emulator.api.get("/contacts", params={"updated_after": "yesterday"}).status_code == 400


def test_includes_add_sub_resources_only_when_asked(emulator) -> None:
    list_id = emulator.new_list("News")
    emulator.new_contact(
        "a@example.org", [list_id], phone_numbers=[{"phone_number": "555", "kind": "home"}]
    )
    bare = emulator.api.get("/contacts").json()["contacts"][0]
    assert "list_memberships" not in bare
    full = emulator.api.get(
        "/contacts",
        params={"include": ",".join(INCLUDES)},
    ).json()["contacts"][0]
    assert full["list_memberships"] == [list_id]
    assert full["phone_numbers"][0]["kind"] == "home"
    assert emulator.api.get("/contacts", params={"include": "secrets"}).status_code == 400


def test_include_count_is_the_total_matching(emulator) -> None:
    emulator.control.post("/seed", json={"contacts": 30, "seed": 3}).raise_for_status()
    page = emulator.api.get(
        "/contacts", params={"limit": 10, "include_count": "true", "status": "all"}
    ).json()
    assert len(page["contacts"]) == 10
    assert page["contacts_count"] == 30


def test_a_change_during_paging_is_not_missed(emulator) -> None:
    emulator.control.post("/seed", json={"contacts": 20, "seed": 4}).raise_for_status()
    page = emulator.api.get("/contacts", params={"limit": 10, "status": "all"}).json()
    seen = {c["contact_id"] for c in page["contacts"]}
    moved = page["contacts"][0]["contact_id"]
    emulator.api.put(f"/contacts/{moved}", json={"update_source": "Account", "first_name": "Moved"})
    href = page["_links"]["next"]["href"]
    rest: list[dict[str, Any]] = []
    while href:
        page = emulator.api.get(href.removeprefix("/v3")).json()
        rest += page["contacts"]
        href = page["_links"].get("next", {}).get("href")
    assert len(seen | {c["contact_id"] for c in rest}) == 20
    assert rest[-1]["contact_id"] == moved, "a changed contact comes round again at the end"
