"""`push --dry-run --diff [--json]` against the emulator: each field a push would change in
Constant Contact, old (what CC holds now) → new (what the push would send), and nothing
written: no call but GETs, no list or link made, no run recorded."""

from __future__ import annotations

import json
from typing import Any

from tests.sync.conftest import Scene
from tests.sync.lists_support import cc_list_names, email, reset_counters, writes
from tests.sync.test_push import push
from tests.sync.test_push_runs import _set, _snapshot

from listbridge.core.accounts import Account


def dry_diff(scene: Scene, *args: str) -> dict[str, Any]:
    answer = scene.cli("push", "--dry-run", "--diff", "--json", *args)
    assert answer.exit_code == 0, answer.output
    result: dict[str, Any] = json.loads(answer.stdout)
    return result


def changes(result: dict[str, Any], account_id: str) -> dict[str, tuple[Any, Any]]:
    return {c["field"]: (c["old"], c["new"]) for c in result["diff"]
            if c["account_id"] == account_id}  # fmt: skip


def runs_and_links(scene: Scene) -> tuple[str, dict[str, str]]:
    return scene.cli("runs", "ls", "--json").stdout, scene.links()


def test_the_diff_shows_old_and_new_and_writes_nothing(scene: Scene) -> None:
    scene.add_list("News")
    scene.add_list("Members")
    ann = scene.add_account("ann", email("ann"), "Ann", "Byrne", city="Boston")
    push(scene, "--list", "News")
    scene.crm.update_fields(ann, {"first_name": "Anna"}, reason="test")
    # an unlinked account whose address CC has, under another first name
    scene.add_contact(email("kim"), "Kimberly", "Okafor", lists=("News",))
    kim = scene.add_account("kim", email("kim"), "Kim", "Okafor")
    nia = scene.add_account("nia", email("nia"), "Nia", "Castillo", title="Treasurer")
    _set(scene, "push.main_list=Everyone")  # a list a push would make: the dry run does not
    before, state = _snapshot(scene), runs_and_links(scene)
    reset_counters(scene)

    result = dry_diff(scene, "--list", "Members")

    assert writes(scene) == {}
    assert all(k.startswith("GET ") for k in scene.cc.counters()["by_endpoint"])
    assert _snapshot(scene) == before
    assert runs_and_links(scene) == state
    assert "Everyone" not in cc_list_names(scene)
    assert (result["run_id"], result["dry_run"]) == (0, True)
    assert changes(result, ann) == {
        "first_name": ("Ann", "Anna"),
        "lists": (["News"], ["Everyone", "Members", "News"]),
    }
    assert changes(result, kim) == {
        "first_name": ("Kimberly", "Kim"),
        "lists": (["News"], ["Everyone", "Members", "News"]),
    }
    assert changes(result, nia) == {
        "email": (None, email("nia")),
        "first_name": (None, "Nia"),
        "last_name": (None, "Castillo"),
        "job_title": (None, "Treasurer"),
        "lists": (None, ["Everyone", "Members"]),
    }
    assert {c["account_id"] for c in result["diff"]} == {ann, kim, nia}
    assert all(set(c) == {"account_id", "field", "old", "new"} for c in result["diff"])

    # what the diff said is what the push does
    pushed = push(scene, "--list", "Members")
    assert (pushed["created"], pushed["matched_existing"], pushed["already_linked"]) == (1, 1, 1)
    contact = scene.cc.state.contacts.find_email(email("ann"))
    assert contact.first_name == "Anna"
    assert dry_diff(scene, "--list", "Members")["diff"] == []


def test_the_diff_in_words_and_its_usage(scene: Scene) -> None:
    scene.add_list("News")
    ann = scene.add_account("ann", email("ann"), "Ann", "Byrne")
    push(scene, "--list", "News")
    scene.crm.update_fields(ann, {"last_name": "Byrne-Ode", "city": "Salem"}, reason="test")
    answer = scene.cli("push", "--dry-run", "--diff")
    assert answer.exit_code == 0, answer.output
    assert f"account {ann}" in answer.stdout
    assert "last_name: 'Byrne' → 'Byrne-Ode'" in answer.stdout
    assert "city: (none) → 'Salem'" in answer.stdout
    plain = scene.cli("push", "--dry-run", "--json")
    assert "diff" not in json.loads(plain.stdout)
    refused = scene.cli("push", "--diff")
    assert refused.exit_code == 2
    assert "--dry-run" in refused.output
    assert "Traceback" not in refused.output


def test_many_linked_contacts_are_read_in_one_scan_and_an_opt_out_joins_nothing(
    scene: Scene,
) -> None:
    scene.add_list("News")
    names = [f"member{n:02}" for n in range(25)]
    people = [Account(n, email=email(n), first_name="Member", last_name=n.title()) for n in names]
    made = scene.add_accounts(people)
    push(scene, "--list", "News")
    for account_id, name in zip(made, names, strict=True):
        scene.crm.update_fields(account_id, {"last_name": f"{name.title()}-Ode"}, reason="test")
    gone = scene.contact_of(made[0])
    scene.unsubscribe(gone)
    scene.add_list("Members")
    reset_counters(scene)
    result = dry_diff(scene, "--list", "Members")
    reads = scene.cc.counters()["by_endpoint"]
    assert not any(k.startswith("GET /v3/contacts/") for k in reads), reads  # no read each
    assert writes(scene) == {}
    by_account = {a: changes(result, a) for a in made}
    assert by_account[made[0]] == {"last_name": (names[0].title(), f"{names[0].title()}-Ode")}
    for account_id, name in zip(made[1:], names[1:], strict=True):
        assert by_account[account_id] == {
            "last_name": (name.title(), f"{name.title()}-Ode"),
            "lists": (["News"], ["Members", "News"]),
        }
