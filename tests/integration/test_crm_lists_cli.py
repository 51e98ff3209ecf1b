"""`crm lists ls|create|add|remove`: the builtin CRM's own lists, journaled, with clear errors."""

from __future__ import annotations

from pathlib import Path


def test_a_crm_list_is_kept_by_hand_and_shows_on_the_account(cli, tmp_path: Path) -> None:
    file = tmp_path / "a.csv"
    file.write_text("id,first_name\nA1,Ann\nB2,Bo\n")
    assert cli("crm", "load", str(file)).exit_code == 0
    assert cli("crm", "lists", "create", "Board").exit_code == 0
    added = cli("crm", "lists", "add", "Board", "--account", "A1", "--account", "B2")
    assert added.stdout.strip() == "2 added to CRM list 'Board'"
    assert cli("crm", "lists", "remove", "Board", "--account", "B2").exit_code == 0
    assert cli("crm", "lists", "ls").stdout.strip() == "Board\t1 members"
    shown = cli("crm", "show", "A1").stdout
    assert "Board" in shown
    assert "list:Board" in shown  # the membership is in the account's history


def test_unknown_lists_accounts_and_clashes_exit_2(cli, tmp_path: Path) -> None:
    file = tmp_path / "a.csv"
    file.write_text("id,first_name\nA1,Ann\n")
    assert cli("crm", "load", str(file)).exit_code == 0
    missing = cli("crm", "lists", "add", "Nope", "--account", "A1")
    assert (missing.exit_code, "no CRM list named 'Nope'" in missing.stderr) == (2, True)
    assert cli("crm", "lists", "create", "Board").exit_code == 0
    clash = cli("crm", "lists", "create", "Board")
    assert (clash.exit_code, "already exists" in clash.stderr) == (2, True)
    stranger = cli("crm", "lists", "add", "Board", "--account", "ZZZ")
    assert stranger.exit_code == 2
    assert "no account with id 'ZZZ'" in stranger.stderr
