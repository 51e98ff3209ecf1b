"""`crm show ID`: one account's fields, custom values, CRM lists and change history."""

from __future__ import annotations

from pathlib import Path

from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.store.connections import connection_id
from listbridge.store.db import open_store


def test_show_lists_fields_custom_values_and_history(cli, tmp_path: Path) -> None:
    first = tmp_path / "a.csv"
    first.write_text("id,first_name,email,custom.Level\nA1,Ann,Ann@Example.org,Gold\n")
    second = tmp_path / "b.csv"
    second.write_text("id,first_name\nA1,Anna\n")
    assert cli("crm", "load", str(first)).exit_code == 0
    assert cli("crm", "load", str(second)).exit_code == 0
    done = cli("crm", "show", "A1")
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    assert "first_name           Anna" in lines
    assert "email                Ann@Example.org" in lines
    assert "custom.Level         Gold" in lines
    start = lines.index("history:") + 1
    history = lines[start : lines.index("", start)]  # the Constant Contact side follows
    assert len(history) == 2
    assert "run 1 crm_load  created  (crm load a.csv)" in history[0]
    assert "run 2 crm_load  first_name: 'Ann' → 'Anna'  (crm load b.csv)" in history[1]


def test_show_of_an_unknown_id_exits_2(cli) -> None:
    done = cli("crm", "show", "nobody")
    assert done.exit_code == 2
    assert "no account with id 'nobody'" in done.stderr


def test_show_names_the_crm_lists_of_the_account(cli, tmp_path: Path) -> None:
    file = tmp_path / "a.csv"
    file.write_text("id,first_name\nA1,Ann\nB2,Bo\n")
    assert cli("crm", "load", str(file)).exit_code == 0
    store = open_store(cli.db_url)
    try:
        crm = BuiltinCrm(store, connection_id(store, "default"))
        for name in ("newsletter", "Board"):
            crm.create_list(name, reason="t")
            crm.add_to_list(name, ["A1"], reason="joined")
    finally:
        store.close()
    lines = cli("crm", "show", "A1").stdout.splitlines()
    assert lines[lines.index("lists:") + 1 : lines.index("history:")] == [
        "  Board",
        "  newsletter",
        "",
    ]
    assert any("list:Board: None → 'member'  (joined)" in line for line in lines)
    others = cli("crm", "show", "B2").stdout.splitlines()
    assert others[others.index("lists:") + 1] == "  (on no CRM list)"
