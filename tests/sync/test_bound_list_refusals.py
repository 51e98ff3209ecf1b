"""A bound list's CRM list is the rule's materialisation: what the CC list holds after the
sync. Those the rule selects but the push refuses (a role address, an address another
account already holds) stay off both sides, so both sides count the same."""

from __future__ import annotations

from tests.sync.conftest import Scene
from tests.sync.lists_support import cc_members, crm_members, emails, lists, people, sync


def test_whom_the_push_refuses_stays_off_the_bound_crm_list(scene: Scene) -> None:
    lists(scene, "create", "MA")
    people(scene, "a", "b", "info", state="MA")  # info@: a role address, never pushed
    scene.add_account("twin", "b@example.org", "T", "Twin", state="MA")  # b's address
    lists(scene, "bind", "MA", "--where", 'state = "MA"')

    done = sync(scene, "MA", direction="crm_to_cc")
    refused = {e["account_id"] for e in done["errors"]}
    assert refused == {scene.ids["info"], scene.ids["twin"]}
    assert cc_members(scene, "MA") == emails("a", "b")
    assert crm_members(scene, "MA") == {"a", "b"}
    again = sync(scene, "MA", direction="crm_to_cc")  # tried again, refused again
    assert (again["added_to_cc"], again["removed_from_cc"]) == (0, 0)
    assert crm_members(scene, "MA") == {"a", "b"}
