"""An opted-out housemate who writes a member's address in capitals holds it for the
member, whatever the letters: `ZOË.X@…` for `zoë.x@…` as `EMILE@…` for `emile@…`.

A push given some accounts (`lists add`, a list's job) asks the CRM for the rest of each
household (`with_primary_emails`). A CRM that folded case with SQLite's `lower()`, which
lowers ASCII letters only, did not find `ZOË.X@…`: the push created and subscribed a
contact at an address held for an opted-out account (crm/email_lookup.py)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.sync.conftest import Scene
from tests.sync.lists_support import lists
from tests.sync.test_push import adds_up, push
from tests.sync.test_push_shared import live_contacts

#: (member's first name, the address in the member's file, as the housemate wrote it)
HOUSEHOLDS = [
    ("Emile", "emile.obrien1@example.org", "EMILE.OBRIEN1@EXAMPLE.ORG"),
    ("Zoë", "zoë.nuñez1@example.org", "ZOË.NUÑEZ1@EXAMPLE.ORG"),
    ("Jürgen", "jürgen.straße1@example.de", " JÜRGEN.STRAẞE1@Example.DE"),
    ("Kateřina", "kateřina.kolářová1@example.cz", "\u212aATEŘINA.\u212aOLÁŘOVÁ1@EXAMPLE.CZ"),
    ("Σοφία", "σοφία.παππάς1@example.gr", "ΣΟΦΊΑ.ΠΑΠΠΆΣ1@EXAMPLE.GR"),
]
NAMES = [first for first, _, _ in HOUSEHOLDS]


def household(scene: Scene, first: str, address: str, written: str) -> tuple[str, str]:
    """The member and the opted-out housemate; their ids."""
    member = scene.add_account("P0001", address, first, "Household")
    housemate = scene.add_account("P0002", written, "Łukasz", "Household", email_opt_out=True)
    return member, housemate


def _refused(result: dict[str, Any], member: str, housemate: str) -> None:
    reasons = {e["account_id"]: e["reason"] for e in result["errors"]}
    assert f"account {housemate} has it too" in reasons[member]
    assert "opted-out" in reasons[member]


@pytest.mark.parametrize(("first", "address", "written"), HOUSEHOLDS, ids=NAMES)
def test_lists_add_of_the_member_refuses_the_address_the_housemate_holds(
    scene: Scene, first: str, address: str, written: str
) -> None:
    lists(scene, "create", "News")
    member, housemate = household(scene, first, address, written)
    done = lists(scene, "add", "News", "--account", member, "--json")
    [error] = done["errors"]
    assert error["account_id"] == member
    assert f"account {housemate} has it too" in error["reason"]
    assert live_contacts(scene) == []
    assert scene.contact_of(member) == ""


@pytest.mark.parametrize(("first", "address", "written"), HOUSEHOLDS, ids=NAMES)
def test_push_of_the_list_refuses_the_address_the_housemate_holds(
    scene: Scene, first: str, address: str, written: str
) -> None:
    scene.add_list("Newsletter")
    member, housemate = household(scene, first, address, written)
    result = push(scene, "--list", "Newsletter")
    adds_up(result, 2)
    assert (result["created"], result["matched_existing"]) == (0, 0)
    _refused(result, member, housemate)
    assert live_contacts(scene) == []
