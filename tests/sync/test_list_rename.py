"""Renaming a CC list when only its case changes, against a service stricter than the
emulator: one that holds a list's own name against it (the specification is silent).

The emulator takes `Kl` → `kl` in one PUT (tests/sync/test_lists_commands.py); these odd
answers come from a `MockTransport`, as the house style keeps it for shapes the emulator
does not produce.
"""

from __future__ import annotations

import json

import httpx
import pytest
from tests.constant_contact.conftest import CcEmulator

from listbridge.constant_contact.client import ConstantContact
from listbridge.constant_contact.errors import ConflictError
from listbridge.constant_contact.ports import MemoryVault
from listbridge.sync.lists.writes import rename_cc_list, temporary_name

LIST_ID = "0b7e4a3c-1f7d-4c89-9a55-2a9f4b1f6e01"


class StrictLists:
    """PUT /contact_lists/{id} of a CC that counts the list's own name as a clash: a
    case-only rename is refused (409) or, `silent`, answered with the old spelling."""

    def __init__(self, silent: bool, others: tuple[str, ...] = ()) -> None:
        self.name = "Kl"
        self.silent = silent
        self.others = {name.casefold() for name in others}
        self.puts: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":  # a rename reads the list to keep its description
            return httpx.Response(200, json={"list_id": LIST_ID, "name": self.name})
        name = json.loads(request.content)["name"]
        self.puts.append(name)
        if name.casefold() == self.name.casefold() and name != self.name and self.silent:
            name = self.name
        elif name.casefold() == self.name.casefold() or name.casefold() in self.others:
            return httpx.Response(409, json=[{"error_key": "conflict", "error_message": "taken"}])
        self.name = name
        return httpx.Response(200, json={"list_id": LIST_ID, "name": name})


def _client(cc: CcEmulator, server: StrictLists) -> ConstantContact:
    return cc.client(MemoryVault(cc.login(cc.config())), transport=httpx.MockTransport(server))


@pytest.mark.parametrize("silent", [False, True], ids=["refused", "ignored"])
def test_a_case_only_rename_cc_will_not_take_goes_through_a_temporary_name(
    cc: CcEmulator, silent: bool
) -> None:
    server = StrictLists(silent)
    rename_cc_list(_client(cc, server), LIST_ID, "Kl", "kl")
    assert server.name == "kl"
    assert server.puts == ["kl", temporary_name(LIST_ID, "kl"), "kl"]


def test_a_real_clash_is_refused_not_worked_around(cc: CcEmulator) -> None:
    server = StrictLists(False, others=("Other",))
    with pytest.raises(ConflictError):
        rename_cc_list(_client(cc, server), LIST_ID, "Kl", "OTHER")
    assert (server.name, server.puts) == ("Kl", ["OTHER"])


def test_the_temporary_name_fits_and_is_the_lists_own() -> None:
    long = temporary_name(LIST_ID, "n" * 255)
    assert len(long) == 255
    assert LIST_ID in long
