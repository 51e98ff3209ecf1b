"""Helpers for the `lists …` tests: run a command, read both sides (the emulator's own
state for CC, the connection's CRM for the other), count write calls. Accounts are
named by the test (`people`); a CRM list's members read as those names."""

from __future__ import annotations

import json
from typing import Any

from tests.sync.conftest import Scene

from listbridge.constant_contact.bulk import Bulk, DictMemo
from listbridge.constant_contact.polling import Poller

WRITES = ("PUT", "POST", "DELETE", "PATCH")
FAST_POLL = Poller(first=0.02, factor=2.0, cap=0.2, timeout=60)


def lists(scene: Scene, *args: str, expect: int = 0) -> Any:
    """`listbridge lists ARGS`; the parsed JSON when it printed JSON, else the output."""
    answer = scene.cli("lists", *args)
    assert answer.exit_code == expect, answer.output
    if expect == 0 and "--json" in args:
        return json.loads(answer.stdout)
    return answer


def pushed_and_bound(scene: Scene, name: str = "Members", where: str = 'state = "MA"') -> None:
    """Every account pushed to the CC list All, then the list `name` bound to `where`:
    linked contacts, an unfilled list."""
    scene.add_list("All")
    pushed = scene.cli("push", "--list", "All", "--json")
    assert pushed.exit_code == 0, pushed.output
    lists(scene, "create", name)
    lists(scene, "bind", name, "--where", where)


def failed(scene: Scene, *args: str, expect: int = 2) -> str:
    """The message of a command that must fail (stderr and stdout together)."""
    answer = scene.cli("lists", *args)
    assert answer.exit_code == expect, answer.output
    return str(answer.output)


def sync(scene: Scene, *names: str, direction: str = "both", extra: tuple[str, ...] = ()) -> Any:
    return lists(scene, "sync", *names, "--direction", direction, "--json", *extra)


def cc_list_id(scene: Scene, name: str) -> str | None:
    """The live CC list of that name (the emulator's state), None when there is none."""
    with scene.cc.state.lock:
        found = [lst.list_id for lst in scene.cc.state.live_lists() if lst.name == name]
    return found[0] if found else None


def cc_list_names(scene: Scene) -> set[str]:
    with scene.cc.state.lock:
        return {lst.name for lst in scene.cc.state.live_lists()}


def cc_members(scene: Scene, name: str) -> set[str]:
    """E-mail addresses of the live contacts on the CC list `name`."""
    list_id = cc_list_id(scene, name)
    assert list_id is not None, f"no CC list {name!r}"
    with scene.cc.state.lock:
        contacts = scene.cc.state.contacts.by_id.values()
        return {c.email for c in contacts if not c.is_deleted and list_id in (c.lists or ())}


def crm_members(scene: Scene, name: str) -> set[str]:
    """The names of the accounts on the CRM list `name` (Scene.name_of)."""
    return {scene.name_of(i) for i in scene.crm.list_members(name)}


def cc_add(scene: Scene, name: str, *emails: str) -> None:
    """A membership added in CC by someone else (a bulk activity)."""
    _bulk(scene, name, emails, add=True)


def cc_remove(scene: Scene, name: str, *emails: str) -> None:
    _bulk(scene, name, emails, add=False)


def _bulk(scene: Scene, name: str, emails: tuple[str, ...], add: bool) -> None:
    list_id = cc_list_id(scene, name)
    assert list_id is not None
    ids = [scene.cc.state.contacts.find_email(e).contact_id for e in emails]
    bulk = Bulk(scene.client, DictMemo(), FAST_POLL)
    done = (bulk.add_to_lists if add else bulk.remove_from_lists)("t", ids, [list_id])
    assert not done.errors
    assert not done.failed


def reset_counters(scene: Scene) -> None:
    scene.cc.control.post("/counters/reset").raise_for_status()


def writes(scene: Scene) -> dict[str, int]:
    calls = scene.cc.counters()["by_endpoint"]
    return {k: n for k, n in calls.items() if k.split(" ")[0] in WRITES}


def people(scene: Scene, *names: str, **extra: Any) -> list[str]:
    """CRM accounts named `names`, each with the address `<name>@example.org`; their ids."""
    return [scene.add_account(name, email(name), "F", name, **extra) for name in names]


def ids(scene: Scene, *names: str) -> list[str]:
    """The ids of the accounts the test named so."""
    return [scene.ids[name] for name in names]


def accounts(scene: Scene, *names: str) -> list[str]:
    """`--account ID` for each account named."""
    return [arg for account_id in ids(scene, *names) for arg in ("--account", account_id)]


def email(name: str) -> str:
    return f"{name}@example.org"


def emails(*names: str) -> set[str]:
    return {email(name) for name in names}


def runs(scene: Scene) -> list[dict[str, Any]]:
    answer = scene.cli("runs", "ls", "--json")
    assert answer.exit_code == 0, answer.output
    found: list[dict[str, Any]] = json.loads(answer.stdout)
    return found


def run(scene: Scene, run_id: int) -> dict[str, Any]:
    answer = scene.cli("runs", "show", str(run_id), "--json")
    assert answer.exit_code == 0, answer.output
    found: dict[str, Any] = json.loads(answer.stdout)
    return found


def overview(scene: Scene) -> dict[str, dict[str, Any]]:
    """`lists ls --json`, by name."""
    return {lst["name"]: lst for lst in lists(scene, "ls", "--json")}
