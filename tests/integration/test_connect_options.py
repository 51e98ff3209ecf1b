"""`connect` options of issue 15, against the emulator over loopback, on both state-store
backends (and a mapped CRM on MariaDB where it has to be one): `connect.copy_lists` (every
Constant Contact list gets a paired CRM list of its name right after connecting), and
`connect --reuse OTHER` (one stored authorisation shared by two connections)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from tests.conftest import Cli
from tests.constant_contact.conftest import (  # noqa: F401  (fixtures used here)
    CcEmulator,
    cc,
    cc_emulator_config,
    secret_key_file,
    wired,
)
from tests.support.sqlmap_db import example_mapping, members_engine
from tests.support.sqlmap_schema import mailing_groups

from listbridge.constant_contact.models import ContactBody
from listbridge.core.accounts import Account
from listbridge.core.journal import Side
from listbridge.core.tokens import TokenSet
from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.crm.engines import dispose_engines
from listbridge.store.connections import connection_id
from listbridge.store.db import Store, open_store
from listbridge.store.journal import history
from listbridge.store.list_sync_state import list_pairs
from listbridge.store.models import CcAccount
from listbridge.store.secretbox import secret_box
from listbridge.store.tokens import StoredTokens
from listbridge.sync.lists.copy_to_crm import REASON


def connect(cli: Cli, cc: CcEmulator, *options: str) -> str:  # noqa: F811
    answer = cli(*options, "connect", "--emulator", cc.base_url)
    assert answer.exit_code == 0, answer.output
    return str(answer.stdout)


def contact(cc: CcEmulator, email: str, first: str, *lists: str) -> str:  # noqa: F811
    body: dict[str, Any] = {
        "email_address": {"address": email, "permission_to_send": "implicit"},
        "first_name": first,
        "last_name": "Okafor",
        "create_source": "Account",
        "list_memberships": list(lists),
    }
    made, _ = cc.client().create_contact(ContactBody.model_validate(body))
    return made.contact_id


def pairs(store: Store, crm: BuiltinCrm) -> dict[str, str | None]:
    """Each CC list's name → the name of the CRM list paired with it."""
    with store.session() as session:
        return {p.name: p.crm_name for p in list_pairs(session, crm.connection_id, crm.list_keys())}


def test_connect_copies_every_list_to_the_crm_pairing_one_of_the_same_name(
    wired: CcEmulator,  # noqa: F811
    cli: Cli,
    store: Store,
) -> None:
    crm = BuiltinCrm(store, connection_id(store, "default"))
    crm.create(Account("D1", email="dana.okafor@example.org", first_name="Dana"), reason="setup")
    crm.create_list("Donors", reason="made by staff")
    crm.add_to_list("Donors", ["D1"], reason="made by staff")
    client = wired.client()
    news, events, _donors = (client.create_list(n).list_id for n in ("News", "Events", "Donors"))
    contact(wired, "ife.okafor@example.org", "Ife", news, events)
    contact(wired, "chidi.okafor@example.org", "Chidi", news)

    shown = connect(cli, wired)

    assert "2 Constant Contact lists copied to the CRM: Events, News" in shown
    assert "1 Constant Contact list paired with the CRM list of the same name: Donors" in shown
    assert crm.lists() == ["Donors", "Events", "News"]  # Donors not made twice
    assert list(crm.list_members("Donors")) == ["D1"]
    assert pairs(store, crm) == {"Donors": "Donors", "Events": "Events", "News": "News"}
    for name in ("Events", "News"):
        [made] = history(store, crm.connection_id, Side.CRM, f"list:{name}")
        assert (made.change.old, made.change.new, made.change.reason) == (None, name, REASON)
        assert made.run_kind == "lists"
    assert history(store, crm.connection_id, Side.CRM, "list:Donors")[0].run_kind is None

    # The pairing is the one list syncs use: an import and a sync fill the copied lists.
    imported = cli("import", "--json")
    assert imported.exit_code == 0, imported.output
    synced = cli("lists", "sync", "--direction", "cc_to_crm", "--confirm")
    assert synced.exit_code == 0, synced.output
    overview = {row["name"]: row for row in json.loads(cli("lists", "ls", "--json").stdout)}
    assert (overview["News"]["crm_members"], overview["News"]["cc_members"]) == (2, 2)
    assert (overview["Events"]["crm_members"], overview["Events"]["cc_members"]) == (1, 1)

    # A reconnect copies the lists made since, and leaves the paired ones alone.
    client.create_list("Volunteers")
    again = connect(cli, wired)
    assert "1 Constant Contact list copied to the CRM: Volunteers" in again
    assert "Events" not in again
    assert crm.lists() == ["Donors", "Events", "News", "Volunteers"]
    assert pairs(store, crm)["Volunteers"] == "Volunteers"


def test_copy_lists_false_leaves_the_crm_without_lists(
    wired: CcEmulator,  # noqa: F811
    cli: Cli,
    store: Store,
) -> None:
    wired.client().create_list("News")
    assert cli("settings", "set", "connect.copy_lists=false").exit_code == 0
    answer = cli("connect", "--emulator", wired.base_url, "--json")
    assert answer.exit_code == 0, answer.output
    body = json.loads(answer.stdout)
    assert body["lists_skipped"] == "connect.copy_lists=false"
    assert body["lists_copied"] == body["lists_paired"] == []
    crm = BuiltinCrm(store, connection_id(store, "default"))
    assert crm.lists() == []
    assert pairs(store, crm) == {}  # the mirror is not even read: nothing was done


def test_connect_with_no_list_in_constant_contact_says_so(
    wired: CcEmulator,  # noqa: F811
    cli: Cli,
) -> None:
    assert "No Constant Contact list to copy to the CRM." in connect(cli, wired)
    assert json.loads(cli("runs", "ls", "--json").stdout) == []  # nothing done, no run


@pytest.fixture
def members() -> Iterator[Engine]:
    with members_engine("mariadb") as engine:
        yield engine
    dispose_engines()


def groups(members: Engine) -> int:
    with members.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(mailing_groups)) or 0)


def test_a_read_only_crm_or_one_without_lists_is_skipped_saying_why(
    wired: CcEmulator,  # noqa: F811
    members: Engine,
    tmp_path: Path,
) -> None:
    # The CRM is the mapped members database on MariaDB; the state store SQLite.
    cli = Cli(f"sqlite:///{tmp_path / 'listbridge.db'}")
    url = members.url.render_as_string(hide_password=False)
    wired.client().create_list("News")
    before = groups(members)

    read_only = tmp_path / "read-only.toml"
    read_only.write_text(example_mapping().replace("read_only = false", "read_only = true"))
    assert cli("crm", "use", "sql", "--mapping", str(read_only), "--url", url).exit_code == 0
    shown = connect(cli, wired)
    assert (
        "Constant Contact lists not copied to the CRM: the CRM is read-only for listbridge" in shown
    )

    no_lists = tmp_path / "no-lists.toml"
    no_lists.write_text(example_mapping().split("[groups]")[0])
    assert cli("crm", "use", "sql", "--mapping", str(no_lists), "--url", url).exit_code == 0
    shown = connect(cli, wired)
    assert "Constant Contact lists not copied to the CRM: " in shown
    assert "the mapping declares no [groups] and [members]" in shown
    assert groups(members) == before


# -- connect --reuse OTHER ----------------------------------------------------------------

BRANCH = ("--connection", "branch-office")


def stored_tokens(store: Store, name: str) -> TokenSet | None:
    return StoredTokens(store, connection_id(store, name), secret_box(store)).load()


def status(cli: Cli, *options: str) -> dict[str, Any]:
    answer = cli(*options, "status", "--json")
    assert answer.exit_code == 0, answer.output
    found: dict[str, Any] = json.loads(answer.stdout)
    return found


def token_rows(store: Store) -> int:
    query = select(func.count()).select_from(CcAccount).where(CcAccount.tokens_enc.is_not(None))
    with store.session() as session:
        return int(session.scalar(query) or 0)


def reused(cli: Cli, cc: CcEmulator) -> None:  # noqa: F811
    connect(cli, cc)
    issued = len(cc.issued_tokens())
    answer = cli(*BRANCH, "connect", "--reuse", "default")
    assert answer.exit_code == 0, answer.output
    assert "authorisation: connection 'default''s, shared (no new sign-in)" in answer.stdout
    assert "Listbridge Emulated Nonprofit" in answer.stdout
    assert len(cc.issued_tokens()) == issued  # no OAuth round trip


def test_reuse_survives_a_refresh_made_by_either_connection(
    wired: CcEmulator,  # noqa: F811
    cli: Cli,
    store: Store,
) -> None:
    reused(cli, wired)
    assert token_rows(store) == 1  # one stored authorisation, not a copy
    assert status(cli, *BRANCH)["shares_authorisation_with"] == ["default"]
    assert status(cli)["shares_authorisation_with"] == ["branch-office"]

    before = stored_tokens(store, "default")
    wired.expire_access_tokens()
    assert status(cli)["health"] == "ok"  # "default" refreshes, rotating the refresh token
    rotated = stored_tokens(store, "default")
    assert before is not None
    assert rotated is not None
    assert rotated.refresh_token != before.refresh_token
    assert stored_tokens(store, "branch-office") == rotated
    # the old refresh token is spent: a private copy of it would be refused now
    assert before.refresh_token in wired.recorder.refresh_tokens_sent
    assert status(cli, *BRANCH)["health"] == "ok"

    wired.expire_access_tokens()
    imported = cli(*BRANCH, "import", "--json")  # now "branch-office" refreshes
    assert imported.exit_code == 0, imported.output
    again = stored_tokens(store, "branch-office")
    assert again is not None
    assert again.refresh_token != rotated.refresh_token
    assert stored_tokens(store, "default") == again
    assert status(cli)["health"] == "ok"
    assert cli("import", "--json").exit_code == 0


@pytest.mark.parametrize("leaving", ["default", "branch-office"])
def test_disconnecting_one_leaves_the_other_connected(
    wired: CcEmulator,  # noqa: F811
    cli: Cli,
    store: Store,
    leaving: str,
) -> None:
    reused(cli, wired)
    staying = "branch-office" if leaving == "default" else "default"
    gone = cli("--connection", leaving, "disconnect", "--yes")
    assert gone.exit_code == 0, gone.output
    left = cli("--connection", leaving, "status", "--offline")
    assert left.exit_code == 4
    assert "not connected" in left.stdout
    shown = status(cli, "--connection", staying)
    assert (shown["health"], shown["shares_authorisation_with"]) == ("ok", [])
    assert token_rows(store) == 1
    wired.expire_access_tokens()  # and it refreshes on its own from now on
    imported = cli("--connection", staying, "import", "--json")
    assert imported.exit_code == 0, imported.output


def test_secrets_rotate_covers_both(
    wired: CcEmulator,  # noqa: F811
    cli: Cli,
    store: Store,
    secret_key_file: Path,  # noqa: F811
) -> None:
    reused(cli, wired)
    old_key = secret_key_file.read_bytes()
    rotated = cli("secrets", "rotate")
    assert rotated.exit_code == 0, rotated.output
    assert "Re-encrypted 1 secret(s)" in rotated.stdout  # the one shared token record
    assert secret_key_file.read_bytes() != old_key
    fresh = open_store(cli.db_url)  # a new process: only the new key in the file
    try:
        for name in ("default", "branch-office"):
            assert stored_tokens(fresh, name) is not None
    finally:
        fresh.close()
    wired.expire_access_tokens()
    assert status(cli, *BRANCH)["health"] == "ok"
    assert status(cli)["health"] == "ok"


def test_a_lost_authorisation_is_lost_for_both_and_a_reconnect_renews_both(
    wired: CcEmulator,  # noqa: F811
    cli: Cli,
) -> None:
    reused(cli, wired)
    wired.faults(revoke_tokens=True)
    assert cli("status").exit_code == 4
    offline = cli(*BRANCH, "status", "--offline", "--json")
    assert offline.exit_code == 4
    paused = json.loads(offline.stdout)
    assert paused["schedules_paused"] is True
    # the way back is the holder's sign-in, which renews both
    assert "listbridge --connection default connect" in paused["reconnect_command"]
    wired.faults(revoke_tokens=False)
    connect(cli, wired)  # "default" signs in again
    assert status(cli, *BRANCH)["health"] == "ok"


def test_reuse_refuses_what_it_cannot_share(wired: CcEmulator, cli: Cli) -> None:  # noqa: F811
    unknown = cli(*BRANCH, "connect", "--reuse", "head-office")
    assert unknown.exit_code == 2
    assert "no connection named 'head-office' to reuse" in unknown.stderr
    assert "Traceback" not in unknown.output
    assert cli("--connection", "empty", "settings", "show").exit_code == 0  # made, never connected
    unconnected = cli(*BRANCH, "connect", "--reuse", "empty")
    assert unconnected.exit_code == 2
    assert "connection 'empty' is not connected to Constant Contact" in unconnected.stderr
    connect(cli, wired)
    itself = cli("connect", "--reuse", "default")
    assert itself.exit_code == 2
    assert "cannot reuse its own authorisation" in itself.stderr
    mixed = cli(*BRANCH, "connect", "--reuse", "default", "--emulator", wired.base_url)
    assert mixed.exit_code == 2
    assert "takes none of the other connect options" in mixed.stderr
    branch = cli(*BRANCH, "status", "--offline")
    assert branch.exit_code == 4  # nothing was saved by the refusals
