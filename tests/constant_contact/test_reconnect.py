"""`connect` again: to the same account (a new token) it just works; to another account it is
refused (exit 2, both accounts named, nothing saved) until `disconnect` (issue 12)."""

from __future__ import annotations

import json

from tests.conftest import Cli
from tests.constant_contact.conftest import CcEmulator

from listbridge.emulator.account_profile import ACCOUNT

OTHER = {"encoded_account_id": "b2otheracct", "organization_name": "Other Charity"}


def connect(cli: Cli, cc: CcEmulator, *global_options: str) -> tuple[int, str]:
    answer = cli(*global_options, "connect", "--emulator", cc.base_url, "--json")
    return answer.exit_code, answer.stdout if answer.exit_code == 0 else answer.stderr


def account_of(cli: Cli, *global_options: str) -> str:
    status = cli(*global_options, "status", "--json", "--offline")
    assert status.exit_code == 0, status.output
    return str(json.loads(status.stdout)["organization_name"])


def test_reconnecting_to_the_same_account_keeps_working(wired: CcEmulator, cli: Cli) -> None:
    assert connect(cli, wired)[0] == 0
    wired.faults(revoke_tokens=True)  # the authorisation is lost: a reconnect renews it
    code, shown = connect(cli, wired)
    assert code == 0, shown
    assert json.loads(shown)["account_id"] == ACCOUNT.encoded_account_id
    assert cli("status").exit_code == 0


def test_another_account_is_refused_naming_both_until_disconnect(
    wired: CcEmulator, cli: Cli
) -> None:
    assert connect(cli, wired)[0] == 0
    wired.control.post("/account", json=OTHER).raise_for_status()
    code, message = connect(cli, wired)
    assert code == 2
    assert (
        f"connection 'default' is linked to Constant Contact account "
        f"{ACCOUNT.encoded_account_id} ({ACCOUNT.organization_name}); this authorisation is "
        "for account b2otheracct (Other Charity): run `listbridge disconnect` first, "
        "or use another --connection"
    ) in " ".join(message.split())
    assert account_of(cli) == ACCOUNT.organization_name  # nothing saved
    assert connect(cli, wired, "--connection", "second")[0] == 0
    assert account_of(cli, "--connection", "second") == "Other Charity"
    assert cli("disconnect", "--yes").exit_code == 0
    assert connect(cli, wired)[0] == 0
    assert account_of(cli) == "Other Charity"
