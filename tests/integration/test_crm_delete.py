"""`crm delete`: accounts marked deleted (journaled), out of every job's reads and of
`crm export` unless --include-deleted, and restored by `crm load` of their ids."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.conftest import Cli

from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.store.connections import connection_id
from listbridge.store.db import Store

ROWS = "id,first_name,last_name,email\nA1,Ann,Lee,ann@example.org\nB2,Bo,Lee,bo@example.org\n"


def _loaded(cli: Cli, tmp_path: Path) -> Path:
    file = tmp_path / "a.csv"
    file.write_text(ROWS, encoding="utf-8")
    assert cli("crm", "load", str(file)).exit_code == 0
    return file


def _crm(store: Store) -> BuiltinCrm:
    return BuiltinCrm(store, connection_id(store, "default"))


def _exported_ids(cli: Cli, *args: str) -> list[str]:
    answer = cli("crm", "export", "--format", "json", *args)
    assert answer.exit_code == 0, answer.output
    return [a["id"] for a in json.loads(answer.stdout)]


def test_a_deleted_account_leaves_every_read_and_the_export(
    cli: Cli, store: Store, tmp_path: Path
) -> None:
    _loaded(cli, tmp_path)
    answer = cli("crm", "delete", "A1")
    assert answer.exit_code == 0, answer.output
    assert answer.stdout.strip() == "1 account(s) marked deleted"
    assert "push.on_crm_delete" in answer.stderr
    crm = _crm(store)
    assert crm.get("A1") is None
    assert list(crm.get_many(["A1", "B2"])) == ["B2"]
    assert sorted(crm.get_many(["A1", "B2"], include_deleted=True)) == ["A1", "B2"]
    assert [a.id for a in crm.changed_since(None)] == ["B2"]
    assert crm.find_by_email("ANN@example.org") == []
    assert _exported_ids(cli) == ["B2"]
    assert "A1" not in cli("crm", "export").stdout


def test_include_deleted_shows_them_with_a_deleted_column(cli: Cli, tmp_path: Path) -> None:
    _loaded(cli, tmp_path)
    assert cli("crm", "delete", "B2").exit_code == 0
    answer = cli("crm", "export", "--format", "json", "--include-deleted")
    accounts = json.loads(answer.stdout)
    assert {a["id"]: a["deleted"] for a in accounts} == {"A1": False, "B2": True}
    assert list(accounts[0])[-1] == "deleted"
    rows = list(csv.DictReader(io.StringIO(cli("crm", "export", "--include-deleted").stdout)))
    assert {r["id"]: r["deleted"] for r in rows} == {"A1": "false", "B2": "true"}
    # Without the option the columns are the file columns, unchanged.
    assert "deleted" not in json.loads(cli("crm", "export", "--format", "json").stdout)[0]


def test_unknown_ids_exit_2_naming_them_and_change_nothing(
    cli: Cli, store: Store, tmp_path: Path
) -> None:
    _loaded(cli, tmp_path)
    answer = cli("crm", "delete", "A1", "NOPE", "ZZ9")
    assert answer.exit_code == 2
    assert "no account with id 'NOPE', 'ZZ9'" in answer.stderr
    assert "Traceback" not in answer.output
    assert _crm(store).get("A1") is not None
    assert "deleted" not in cli("crm", "show", "A1").stdout
    assert cli("crm", "delete").exit_code == 2  # no id at all: a usage error


def test_deleting_twice_is_harmless_and_said(cli: Cli, tmp_path: Path) -> None:
    _loaded(cli, tmp_path)
    assert cli("crm", "delete", "A1").exit_code == 0
    again = cli("crm", "delete", "A1", "B2", "B2")
    assert again.stdout.strip() == "1 account(s) marked deleted, 1 already were"


def test_the_deletion_is_journaled_and_crm_show_says_so(cli: Cli, tmp_path: Path) -> None:
    _loaded(cli, tmp_path)
    assert cli("crm", "delete", "A1").exit_code == 0
    shown = cli("crm", "show", "A1")
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith("DELETED ")
    assert "deleted: 'false' → 'true'  (crm delete (by hand))" in shown.stdout


def test_crm_load_of_the_same_id_restores_it(cli: Cli, store: Store, tmp_path: Path) -> None:
    file = _loaded(cli, tmp_path)
    assert cli("crm", "delete", "A1", "B2").exit_code == 0
    (tmp_path / "one.csv").write_text("id,first_name\nA1,Ann\n", encoding="utf-8")
    loaded = cli("crm", "load", str(tmp_path / "one.csv"))
    assert "0 created, 1 updated, 0 unchanged" in loaded.stdout  # unchanged fields, restored
    assert _exported_ids(cli) == ["A1"]
    assert _crm(store).get("A1") is not None
    shown = cli("crm", "show", "A1").stdout
    assert not shown.startswith("DELETED")
    assert "deleted: 'true' → 'false'  (crm load one.csv)" in shown
    # A changed row restores and updates at once.
    file.write_text(ROWS.replace("Bo,", "Bob,"), encoding="utf-8")
    assert "0 created, 1 updated, 1 unchanged" in cli("crm", "load", str(file)).stdout
    assert _exported_ids(cli) == ["A1", "B2"]


def test_a_deleted_account_still_takes_an_opt_out(store: Store, cli: Cli, tmp_path: Path) -> None:
    """Consent is never lost: a job that opts out a linked account reaches it even deleted,
    and the opt-out is there when the account is restored."""
    _loaded(cli, tmp_path)
    crm = _crm(store)
    assert crm.delete(["A1"], reason="test") == 1
    crm.set_email_opt_out("A1", True, reason="unsubscribed in CC")
    stored = crm.get_stored("A1")
    assert stored is not None
    assert stored[0].email_opt_out
    assert stored[1] is not None


def test_a_deleted_account_keeps_its_memberships_but_is_no_member(
    cli: Cli, store: Store, tmp_path: Path
) -> None:
    file = _loaded(cli, tmp_path)
    assert cli("crm", "lists", "create", "Board").exit_code == 0
    assert cli("crm", "lists", "add", "Board", "--account", "A1", "--account", "B2").exit_code == 0
    assert cli("crm", "delete", "A1").exit_code == 0
    assert list(_crm(store).list_members("Board")) == ["B2"]
    assert cli("crm", "lists", "ls").stdout.strip() == "Board\t1 members"
    assert "Board" in cli("crm", "show", "A1").stdout  # kept, for the restore
    assert cli("crm", "load", str(file)).exit_code == 0
    assert list(_crm(store).list_members("Board")) == ["A1", "B2"]
