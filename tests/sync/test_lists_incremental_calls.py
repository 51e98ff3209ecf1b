"""A list sync costs what changed (issue 19), not what Constant Contact holds: after the
first fill, a run with nothing changed reads the fill's own writes once and writes nothing,
and a run after a few CRM changes makes a few calls, however many other contacts CC has.
What changed in CC meanwhile is still seen, also a change made while a job ran with CC's
clock a little behind ours (the cursor's overlap)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from tests.sync.conftest import Scene
from tests.sync.crms import edge
from tests.sync.lists_support import (
    cc_members,
    cc_remove,
    lists,
    pushed_and_bound,
    reset_counters,
    sync,
)

from listbridge.core.accounts import Account
from listbridge.emulator.state import wall_clock_us
from listbridge.sync.lists import refresh as refresh_module
from listbridge.sync.lists import sync as sync_module

#: contacts in CC that are not the CRM's: reading them all takes 6 pages of 500
OTHERS = 2_800
SCAN = -(-OTHERS // 500)
#: an activity read by id, or a page of recent ones (a group waited for together)
POLLS = ("GET /v3/activities/{activity_id}", "GET /v3/activities")
FIRST = ("José", "Zoë", "Siobhán", "Łukasz", "Mei", "Kwame")
MEMBERS = [f"m{i}" for i in range(30)]


def mail(name: str) -> str:
    return f"{name}@example.org"


def member(name: str, **changes: Any) -> Account:
    i = int(name.lstrip("mn"))
    base = Account(name, email=mail(name), first_name=FIRST[i % len(FIRST)], last_name="Ndiaye",
                   state="MA")  # fmt: skip
    return replace(base, **changes)


def crm_of_households(scene: Scene) -> dict[str, str]:
    """30 members in MA, m7 opted out; 3 people in NY. Then a partner sharing m3's address,
    a twin writing m5's in capitals, an opted-out housemate who holds m9's address for
    both, and n1's partner in NY. Names → ids."""
    first = [member(n, email_opt_out=n == "m7") for n in MEMBERS]
    first += [member(f"n{i}", state="NY") for i in range(3)]
    later = {
        "m3-partner": member("m3", first_name="Partner"),
        "m5-twin": member("m5", email=mail("m5").upper(), first_name="Twin"),
        "m9-housemate": member("m9", first_name="Housemate", email_opt_out=True),
        "n1-partner": member("n1", first_name="Partner", state="NY"),
    }
    for batch in ({a.id: a for a in first}, later):
        made = scene.add_accounts([replace(a, id=name) for name, a in batch.items()])
        scene.ids.update(zip(batch, made, strict=True))
    return scene.ids


def others_in_cc(scene: Scene) -> None:
    """Contacts CC has held for a while (a minute), none of them the CRM's."""
    clock = scene.cc.state.clock
    scene.cc.state.clock = lambda: clock() - 60_000_000
    try:
        body = {"contacts": OTHERS, "seed": 19}
        scene.cc.control.post("/seed", json=body).raise_for_status()
    finally:
        scene.cc.state.clock = clock


def holding(scene: Scene, *addresses: str) -> dict[str, tuple[str, str]]:
    """Of each household at these addresses (`name`, `name-partner` or `-twin`): (the one
    linked, the other). The oldest holds the address, and a CRM that numbers its records
    may keep no creation time: then the push chose by id."""
    links = scene.links()
    found = {}
    for name in addresses:
        [other] = [n for n in scene.ids if n.startswith(f"{name}-") and "housemate" not in n]
        found[name] = (name, other) if scene.ids[name] in links else (other, name)
    return found


def members(scene: Scene) -> set[str]:
    """The CC list's addresses, in one case (a household's contact has the holder's)."""
    return {e.lower() for e in cc_members(scene, "Members")}


def calls(scene: Scene) -> dict[str, int]:
    found: dict[str, int] = scene.cc.counters()["by_endpoint"]
    return found


def contact_id(scene: Scene, name: str) -> str:
    return str(scene.cc.state.contacts.find_email(mail(name)).contact_id)


def move(scene: Scene, name: str, state: str) -> None:
    scene.crm.update_fields(scene.ids[name], {"state": state}, reason="staff")


@edge
def test_a_list_sync_after_a_few_changes_costs_what_changed(scene: Scene) -> None:
    others_in_cc(scene)
    ids = crm_of_households(scene)
    pushed_and_bound(scene)

    fill = sync(scene, "Members", direction="crm_to_cc", extra=("--confirm",))
    on_list = {mail(n) for n in MEMBERS if n not in ("m7", "m9")}  # opted out; held
    assert members(scene) == on_list
    holders = holding(scene, "m3", "m5", "n1")  # of each household, the one the push linked
    refused = {e["account_id"] for e in fill["errors"]}
    assert refused == {ids[holders["m3"][1]], ids[holders["m5"][1]], ids["m9"]}
    assert fill["timings"]["planning_records_per_s"] > 0

    reset_counters(scene)
    settle = sync(scene, "Members", direction="crm_to_cc")
    assert (settle["added_to_cc"], settle["removed_from_cc"]) == (0, 0)
    assert {e["account_id"] for e in settle["errors"]} == refused  # reported again
    said = {e["account_id"]: e["reason"] for e in settle["errors"]}
    holder, other = holders["m3"]
    assert f"account {ids[holder]} has it too" in said[ids[other]]
    assert "opted-out or do-not-contact" in said[ids["m9"]]
    # the fill's own writes read once (one page), CC's opt-outs (one), its lists (one)
    assert calls(scene) == {"GET /v3/contact_lists": 1, "GET /v3/contacts": 2}

    move(scene, "m1", "NY")
    move(scene, "m2", "NY")
    move(scene, "n1", "MA")
    move(scene, "n1-partner", "MA")  # one holds their address: the other refused, no look-up
    cc_remove(scene, "Members", mail("m4"))  # someone took m4 off the list in CC
    scene.unsubscribe(contact_id(scene, "m6"))  # m6 unsubscribed through an e-mail link
    reset_counters(scene)
    changed = sync(scene, "Members", direction="crm_to_cc")
    assert (changed["added_to_cc"], changed["removed_from_cc"]) == (2, 2)  # n1's, m4 / m1, m2
    assert ids[holders["n1"][1]] in {e["account_id"] for e in changed["errors"]}
    assert changed["failed_subscriptions"] == 1  # m6: never put back
    now = (on_list - {mail("m1"), mail("m2"), mail("m6")}) | {mail("n1")}
    assert members(scene) == now
    made = calls(scene)
    polls = sum(made.pop(p, 0) for p in POLLS)
    assert made.pop("POST /v3/activities/add_list_memberships") == 1
    assert made.pop("POST /v3/activities/remove_list_memberships") == 1
    # reads: CC's lists, its changes and opt-outs (a page each), the push's (its lists, its
    # consent check, what changed in CC); n1's household moved (MA): the push sends the
    # address in one import. However many contacts CC holds: no scan.
    assert made.get("GET /v3/contacts", 0) <= 4 < SCAN
    assert sum(made.values()) <= 8, made
    assert 2 <= polls <= 5


@pytest.fixture
def cc_behind(scene: Scene) -> None:
    """CC's clock 3 s behind ours: what CC stamps now reads as 3 s ago to us."""
    scene.cc.state.clock = lambda: wall_clock_us() - 3_000_000


def after_the_read(monkeypatch: pytest.MonkeyPatch, change: Callable[[], None]) -> None:
    """`change` made in CC right after the next list job has read CC's changes."""
    read = sync_module.refresh_from_cc

    def then_change(*args: Any) -> refresh_module.Refreshed:
        found = read(*args)
        change()
        monkeypatch.setattr(sync_module, "refresh_from_cc", read)
        return found

    monkeypatch.setattr(sync_module, "refresh_from_cc", then_change)


@edge
@pytest.mark.usefixtures("cc_behind")
def test_a_change_made_in_cc_while_a_job_runs_is_read_by_the_next(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = crm_of_households(scene)
    lists(scene, "create", "Members")
    lists(scene, "bind", "Members", "--where", 'state = "MA"')
    sync(scene, "Members", direction="crm_to_cc", extra=("--confirm",))
    assert mail("m4") in cc_members(scene, "Members")

    after_the_read(monkeypatch, lambda: cc_remove(scene, "Members", mail("m4")))
    during = sync(scene, "Members", direction="crm_to_cc")
    assert (during["added_to_cc"], during["removed_from_cc"]) == (0, 0)
    assert mail("m4") not in cc_members(scene, "Members")

    after = sync(scene, "Members", direction="crm_to_cc")
    assert (after["added_to_cc"], after["removed_from_cc"]) == (1, 0)
    assert mail("m4") in cc_members(scene, "Members")
    assert ids["m4"] not in {e["account_id"] for e in after["errors"]}
