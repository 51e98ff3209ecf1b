"""`crm show ID`: the account's Constant Contact lists and its last push, after real
pushes and list jobs against the emulator."""

from __future__ import annotations

import json

from tests.sync.conftest import Scene
from tests.sync.lists_support import lists


def show(scene: Scene, account_id: str) -> list[str]:
    answer = scene.cli("crm", "show", account_id)
    assert answer.exit_code == 0, answer.output
    return str(answer.stdout).splitlines()


def cc_block(lines: list[str]) -> list[str]:
    """The lines from the Constant Contact heading on."""
    start = next(i for i, line in enumerate(lines) if line.startswith("Constant Contact"))
    return lines[start:]


def push(scene: Scene, *args: str) -> dict[str, object]:
    answer = scene.cli("push", "--json", *args)
    assert answer.exit_code == 0, answer.output
    result: dict[str, object] = json.loads(answer.stdout)
    return result


def cc_lists_shown(lines: list[str]) -> list[str]:
    block = cc_block(lines)
    start = block.index("  Constant Contact lists:") + 1
    end = next(i for i in range(start, len(block)) if not block[i].startswith("    "))
    return [line.strip() for line in block[start:end]]


def test_an_account_never_pushed_says_so(scene: Scene) -> None:
    ada = scene.add_account("ada", "ada.lovelace@example.org", "Ada", "Lovelace")
    assert cc_block(show(scene, ada)) == [
        "Constant Contact:",
        "  (not linked to a Constant Contact contact; never pushed)",
    ]


def test_a_pushed_account_shows_its_lists_and_the_push_that_wrote_it(scene: Scene) -> None:
    scene.add_list("Newsletter")
    scene.add_list("Bénévoles")
    zoe = scene.add_account("zoe", "zoe.angstrom@example.org", "Zoë", "Ångström")
    first = push(scene, "--list", "Newsletter")
    second = push(scene, "--list", "Bénévoles")
    contact = scene.contact_of(zoe)
    # crm show reads the store alone: a list whose name was never read shows its id
    unread = cc_lists_shown(cc_block(show(scene, zoe)))
    assert sorted(unread) == sorted(
        f"list {scene.lists[n]} (name not read yet: `listbridge lists ls` reads it)"
        for n in ("Newsletter", "Bénévoles")
    )
    lists(scene, "ls")  # reads CC's lists (their names) into the store
    lines = cc_block(show(scene, zoe))
    assert lines[0] == f"Constant Contact contact {contact}:"
    assert cc_lists_shown(lines) == ["Bénévoles", "Newsletter"]
    [last] = [line for line in lines if line.startswith("  last push:")]
    assert last.endswith(f"run {second['run_id']} push")
    assert first["run_id"] != second["run_id"]


def test_an_account_a_push_kept_out_shows_why(scene: Scene) -> None:
    scene.add_list("Newsletter")
    # a household: one address typed in two cases; Sam (the older) gets the contact
    sam = scene.add_account("sam", "okafor.family@example.org", "Sam", "Okafor")
    kit = scene.add_account("kit", "Okafor.Family@Example.org", "Kit", "Okafor")
    result = push(scene, "--list", "Newsletter")
    [error] = [e for e in result["errors"] if e["account_id"] == kit]  # type: ignore[attr-defined]
    lines = cc_block(show(scene, kit))
    assert lines[0] == "Constant Contact (not linked now):"
    assert cc_lists_shown(lines) == ["(on no Constant Contact list)"]
    assert any(line.endswith(f"run {result['run_id']} push") for line in lines)
    assert f"    not pushed: {error['reason']}" in lines
    assert scene.contact_of(sam) != ""


def test_the_changes_a_push_journaled_of_the_contact_are_shown(scene: Scene) -> None:
    scene.add_list("Newsletter")
    una = scene.add_account("una", "una.byrne@example.org", "Una", "Byrne")
    first = push(scene, "--list", "Newsletter")
    lists(scene, "ls")
    lines = cc_block(show(scene, una))
    start = next(i for i, line in enumerate(lines) if line.startswith("  last push:"))
    assert lines[start].endswith(f"run {first['run_id']} push")
    assert lines[start + 1 : start + 3] == [
        "    *: None → 'created'  (push)",
        "    list Newsletter: None → 'member'  (push)",
    ]
    scene.crm.update_fields(una, {"first_name": "Úna"}, reason="staff: the name as she spells it")
    second = push(scene)
    lines = cc_block(show(scene, una))
    start = next(i for i, line in enumerate(lines) if line.startswith("  last push:"))
    assert lines[start].endswith(f"run {second['run_id']} push")
    assert lines[start + 1] == "    first_name: 'Una' → 'Úna'  (push)"


def test_list_jobs_lists_show_by_their_names_now(scene: Scene) -> None:
    lists(scene, "create", "Members")
    wen = scene.add_account("wen", "wen.ng@example.org", "Wen", "Ng")
    lists(scene, "add", "Members", "--account", wen)
    lists(scene, "rename", "Members", "Friends")
    lines = cc_block(show(scene, wen))
    assert cc_lists_shown(lines) == ["Friends"]
    assert [line for line in lines if line.startswith("  last push:")] != ["  last push: never"]
