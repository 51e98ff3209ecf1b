"""A list name as long as Constant Contact allows (255 characters), through every list
command and the journal, on both state stores: PostgreSQL enforces column widths, and the
journal keys a list's entries `list:<name>` (migration 0023)."""

from __future__ import annotations

from tests.sync.conftest import Scene
from tests.sync.crms import crm_free
from tests.sync.lists_support import (
    accounts,
    cc_list_names,
    cc_members,
    email,
    ids,
    lists,
    people,
    sync,
)

from listbridge.core.journal import Side
from listbridge.store.journal import history

LONG = "Förderkreis " + "Ä" * 191 + " – Rundbrief an alle Mitglieder und Freundinnen " + "x" * 4
RENAMED = LONG[:-1] + "y"


@crm_free
def test_a_list_named_with_255_characters_is_made_filled_renamed_and_journaled(
    scene: Scene,
) -> None:
    assert len(LONG) == 255
    lists(scene, "create", LONG)
    people(scene, "zoë", "ann")
    lists(scene, "add", LONG, *accounts(scene, "zoë", "ann"))
    assert sync(scene, LONG)["errors"] == []
    assert cc_members(scene, LONG) == {email("zoë"), email("ann")}
    lists(scene, "rename", LONG, RENAMED)
    assert cc_list_names(scene) == {RENAMED}
    zoe = ids(scene, "zoë")[0]
    joined = history(scene.store, scene.connection_id, Side.CRM, zoe)
    assert f"list:{LONG}" in {entry.change.field for entry in joined}
    renamed = [
        entry.change
        for name in (LONG, RENAMED)
        for entry in history(scene.store, scene.connection_id, Side.CRM, f"list:{name}")
    ]
    assert [(c.old, c.new) for c in renamed if c.field == "name"][-1:] == [(LONG, RENAMED)]
