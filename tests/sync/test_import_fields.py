"""What an import keeps of a contact's values on each CRM: its phones under their kinds,
an address the CRM cannot place, control characters (a NUL refused, as `crm load`
refuses it; the others kept)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Cli
from tests.sync.conftest import Scene
from tests.sync.crms import BUILTIN_COMMANDS, FREE_TEXT_PLACES, only
from tests.sync.test_import import adds_up, not_imported_reasons

from listbridge.core.import_plan import Reason
from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.store.connections import connection_id
from listbridge.store.db import open_store


def test_a_home_and_a_mobile_phone_come_back_as_such(scene: Scene) -> None:
    phones = [
        {"phone_number": "555-0101", "kind": "home"},
        {"phone_number": "555-0103", "kind": "mobile"},
    ]
    contact_id = scene.add_contact("ada@example.org", "Ada", "L", phone_numbers=phones)
    assert scene.import_json()["created"] == 1
    account = scene.imported(contact_id)
    assert (account.phone1, account.phone2, account.phone3) == ("555-0101", "", "555-0103")
    scene.cc.control.post("/counters/reset").raise_for_status()
    assert scene.cli("push", "--json").exit_code == 0
    written = scene.cc.counters()["by_endpoint"]
    assert not [call for call in written if not call.startswith("GET")], written


def test_an_address_the_crm_cannot_place_stops_no_import(scene: Scene) -> None:
    far = {"kind": "home", "city": "London", "state": "LDN", "country": "UK"}
    away = scene.add_contact("ann@example.org", "Ann", "Away", street_addresses=[far])
    home = scene.add_contact("bo@example.org", "Bo", "Home")
    result = scene.import_json()
    adds_up(result)
    assert scene.imported(home).email == "bo@example.org"
    if scene.can(FREE_TEXT_PLACES):
        assert (result["created"], result["not_imported"]) == (2, 0)
        assert (scene.imported(away).state, scene.imported(away).country) == ("LDN", "UK")
    else:
        assert (result["created"], result["not_imported"]) == (1, 1)
        assert "'UK'" in not_imported_reasons(result)["ann@example.org"]


CONTROLS = ("Tab\tbed", "Bell\x07 Esc\x1b Del\x7f")


def _nul_and_other_controls(scene: Scene) -> str:
    """A NUL in a name and in an address, refused; other control characters, kept (as crm
    load keeps them); the contact imported."""
    odd = scene.add_contact("odd@example.org", "An\x00n", "Lee")
    scene.give_invalid_email(scene.add_contact("nul@example.org", "Nu", "L"), "n\x00l@example.org")
    kept = scene.add_contact("kept@example.org", *CONTROLS)
    result = scene.import_json()
    adds_up(result)
    assert (result["created"], result["not_imported"]) == (1, 2)
    assert not_imported_reasons(result) == {
        "odd@example.org": f"{Reason.UNSTORABLE_VALUE.message} (first_name)",
        "n\u2400l@example.org": Reason.INVALID_EMAIL.message,
    }
    assert list(scene.links().values()) == [kept]
    assert odd not in scene.links().values()
    return kept


def test_a_nul_in_a_name_is_refused_as_crm_load_refuses_it(scene: Scene) -> None:
    account = scene.imported(_nul_and_other_controls(scene))
    assert (account.first_name, account.last_name) == CONTROLS


@only(BUILTIN_COMMANDS)  # the export and `crm load` of the builtin CRM
def test_a_nul_in_a_name_is_refused_and_the_export_loads_back(scene: Scene, tmp_path: Path) -> None:
    kept = _nul_and_other_controls(scene)
    exported = tmp_path / "accounts.csv"
    assert scene.cli("crm", "export", "--out", str(exported)).exit_code == 0
    fresh = Cli(f"sqlite:///{tmp_path / 'fresh.db'}")
    loaded = fresh("crm", "load", str(exported))
    assert loaded.exit_code == 0, loaded.output
    store = open_store(fresh.db_url)
    try:
        again = BuiltinCrm(store, connection_id(store, "default")).get(f"cc-{kept}")
    finally:
        store.close()
    assert again is not None
    assert (again.first_name, again.last_name) == CONTROLS
