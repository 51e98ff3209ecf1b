"""A list sync takes members off all its lists at once (issue 19): every list's
`remove_list_memberships` requests are submitted, each id remembered as CC gives it, then
waited for together with pages of `GET /activities` rather than a `GET /activities/{id}`
each, one list after the other. A sync killed while it waits leaves the ids behind: the
next one polls them to their end first and submits none of them again."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from tests.sync.conftest import Scene
from tests.sync.crms import edge
from tests.sync.lists_support import cc_members, lists, reset_counters, sync

from listbridge.constant_contact.polling import Poller
from listbridge.core.accounts import Account
from listbridge.store.push_state import StoredMemo

BY_ID = "GET /v3/activities/{activity_id}"
COLLECTION = "GET /v3/activities"
REMOVE = "POST /v3/activities/remove_list_memberships"
#: a list bound to each state: who lives there
STATES = {"Massachusetts": "MA", "New York": "NY", "Québec": "QC"}
FIRST = ("José", "Zoë", "Siobhán", "Łukasz", "Mei", "Kwame", "Anna")


def person(name: str, state: str, **changes: Any) -> Account:
    i = int(name.lstrip("abcdefghijklmnopqrstuvwxyz"))
    first = FIRST[i % len(FIRST)]
    base = Account(name, email=f"{first.lower()}.{name}@example.org", first_name=first,
                   last_name="Okafor", state=state)  # fmt: skip
    return replace(base, **changes)


def crm_of_three_states(scene: Scene) -> dict[str, str]:
    """Seven people in each state, one of each state's opted out; then a partner sharing
    ma1's address, a twin writing ny1's in capitals, and an opted-out housemate of qc1
    (whose address is then held for both). Names → ids."""
    first = [
        person(f"{state.lower()}{i}", state, email_opt_out=i == 6)
        for state in STATES.values()
        for i in range(7)
    ]
    ma1, ny1, qc1 = (a for a in first if a.id in ("ma1", "ny1", "qc1"))
    later = [
        replace(ma1, id="ma1-partner", first_name="Partner"),
        replace(ny1, id="ny1-twin", first_name="Twin", email=ny1.email.upper()),
        replace(qc1, id="qc1-housemate", first_name="Housemate", email_opt_out=True),
    ]
    for batch in (first, later):
        made = scene.add_accounts(batch)
        scene.ids.update(zip((a.id for a in batch), made, strict=True))
    return scene.ids


def move(scene: Scene, name: str, state: str) -> None:
    scene.crm.update_fields(scene.ids[name], {"state": state}, reason="moved house")


def addresses(scene: Scene, name: str) -> set[str]:
    return {e.lower() for e in cc_members(scene, name)}


def bound_and_filled(scene: Scene) -> None:
    scene.add_list("All")
    pushed = scene.cli("push", "--list", "All", "--json")
    assert pushed.exit_code == 0, pushed.output
    for name, state in STATES.items():
        lists(scene, "create", name)
        lists(scene, "bind", name, "--where", f'state = "{state}"')
    sync(scene, *STATES, direction="crm_to_cc", extra=("--confirm",))


def on_lists(scene: Scene) -> dict[str, set[str]]:
    return {name: addresses(scene, name) for name in STATES}


def movers(scene: Scene) -> None:
    """Two people leave each state for California (ma1's partner stays behind)."""
    for name in ("ma2", "ma3", "ny2", "ny3", "qc2", "qc3"):
        move(scene, name, "CA")


@edge
def test_removals_from_several_lists_are_waited_for_together(scene: Scene) -> None:
    crm_of_three_states(scene)
    bound_and_filled(scene)
    before = on_lists(scene)
    assert "josé.ma0@example.org" in before["Massachusetts"]
    assert not any("qc1" in e or "6@" in e for e in before["Québec"])  # held; opted out

    movers(scene)
    reset_counters(scene)
    done = sync(scene, *STATES, direction="crm_to_cc", extra=("--confirm",))
    assert (done["added_to_cc"], done["removed_from_cc"]) == (0, 6)
    gone = {"ma2", "ma3", "ny2", "ny3", "qc2", "qc3"}
    assert {n: before[n] - on_lists(scene)[n] for n in STATES} == {
        name: {e for e in before[name] if e.split("@")[0].split(".")[1] in gone} for name in STATES
    }
    calls: dict[str, int] = dict(scene.cc.counters()["by_endpoint"])
    polls = calls.pop(COLLECTION, 0)
    # CC's lists, its changes and opt-outs (a page each); a request a list, all submitted
    # before any is waited for; no poll by id (one after the other: one each at least)
    assert calls == {"GET /v3/contact_lists": 1, "GET /v3/contacts": 2, REMOVE: 3}
    assert 1 <= polls <= 3
    assert StoredMemo(scene.store, scene.connection_id, lambda: None).remembered() == {}


class Killed(BaseException):
    """The process ended while it waited (not an error the job could catch)."""


@edge
def test_a_sync_killed_while_it_waits_is_resumed_without_resubmitting(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    crm_of_three_states(scene)
    bound_and_filled(scene)
    before = on_lists(scene)
    movers(scene)

    def killed(*_args: Any, **_kwargs: Any) -> Any:
        raise Killed

    with monkeypatch.context() as patched:
        patched.setattr(Poller, "wait_all", killed)
        reset_counters(scene)
        with pytest.raises(Killed):
            scene.cli("lists", "sync", *STATES, "--direction", "crm_to_cc", "--confirm")
    memo = StoredMemo(scene.store, scene.connection_id, lambda: None)
    left = memo.remembered()
    assert sorted(k.split(":")[-2] for k in left) == ["remove"] * 3
    assert scene.cc.counters()["by_endpoint"][REMOVE] == 3

    reset_counters(scene)
    again = sync(scene, *STATES, direction="crm_to_cc", extra=("--confirm",))
    calls: dict[str, int] = scene.cc.counters()["by_endpoint"]
    assert REMOVE not in calls, calls  # the killed run's three were polled, not sent again
    assert again["removed_from_cc"] == 0  # they had done it: the plan read it from CC
    assert memo.remembered() == {}
    after = on_lists(scene)
    for name in STATES:
        assert len(before[name] - after[name]) == 2, (name, before[name] - after[name])
        assert not after[name] - before[name]
