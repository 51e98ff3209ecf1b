"""Commands are imported when they run (cli/lazy.py): `crm load` starts without the
Constant Contact client, the sync engine or the other CRMs' adapters, while every
command is still listed, run and suggested as before."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from listbridge.cli import crm
from listbridge.cli.lazy import Lazy, LazyCommands
from listbridge.cli.main import COMMANDS, app

#: what a command that neither talks to Constant Contact nor runs a job must not import
NOT_FOR_CRM_LOAD = (
    "listbridge.constant_contact.client",
    "listbridge.sync.job",
    "listbridge.crm.factory",
    "listbridge.crm.vtiger.adapter",
    "listbridge.crm.civicrm.adapter",
    "listbridge.crm.sqlmap.adapter",
    "listbridge.cli.crm_check",
    "httpx",
)

MODULES_AFTER = """
import json, sys
from listbridge.cli.main import main
sys.argv = ["listbridge", *sys.argv[1:]]
try:
    main()
except SystemExit as ended:
    code = ended.code
print(json.dumps({"exit": code, "modules": sorted(sys.modules)}))
"""


def _modules_after(*argv: str) -> tuple[int, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", MODULES_AFTER, *argv], capture_output=True, text=True, timeout=120
    )
    found = json.loads(done.stdout.splitlines()[-1])
    return found["exit"], set(found["modules"])


def test_crm_load_imports_no_job_layer_and_no_other_crm(tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("id,type,first_name,email\nB1,individual,Zoë,zoe@example.org\n")
    db = f"sqlite:///{tmp_path / 'lb.db'}"
    code, modules = _modules_after("--db", db, "crm", "load", str(people))
    assert code in (0, None)
    assert "listbridge.crm.builtin.load" in modules, "the command ran"
    assert not modules.intersection(NOT_FOR_CRM_LOAD), modules.intersection(NOT_FOR_CRM_LOAD)


def test_the_version_imports_no_command() -> None:
    code, modules = _modules_after("--version")
    assert code in (0, None)
    assert not {m for m in modules if m.startswith("listbridge.cli.") and m.count(".") == 2} - {
        "listbridge.cli.main",
        "listbridge.cli.lazy",
        "listbridge.cli.context",
        "listbridge.cli.errors",
    }


def test_every_command_loads_under_its_own_name_in_the_listed_order() -> None:
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    assert group.list_commands(typer.Context(group)) == list(COMMANDS)
    for table, parent in ((COMMANDS, group), (crm.COMMANDS, group.get_command(None, "crm"))):
        assert isinstance(parent, typer.core.TyperGroup)
        for name in table:
            command = parent.get_command(None, name)
            assert command is not None
            assert command.name == name
            assert command.help, f"{name} has its help"


def test_a_mistyped_command_is_still_suggested_from_every_name() -> None:
    result = CliRunner().invoke(app, ["crm", "lod"])
    assert result.exit_code == 2
    assert "Did you mean 'load'?" in result.output


def test_lazy_commands_map_loads_each_once_and_keeps_the_order() -> None:
    loads: list[str] = []

    class Counting(Lazy):
        def load(self, name: str) -> typer.core.TyperCommand | typer.core.TyperGroup:
            loads.append(name)
            return super().load(name)

    table = {"status": Counting("listbridge.cli.status", "status")}
    commands = LazyCommands({"extra": "given"}, table)
    assert list(commands) == ["status", "extra"]
    assert "status" in commands
    assert len(commands) == 2
    assert loads == [], "nothing loaded by listing names"
    assert commands["status"] is commands["status"]
    assert loads == ["status"]
    del commands["extra"]
    assert list(commands) == ["status"]
