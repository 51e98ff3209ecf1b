"""An import as a job: list selection, the lock, incremental runs, the report, the e-mail,
and `lists ls` — against the emulator, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from tests.conftest import Cli
from tests.support.smtp import smtp_server
from tests.sync.conftest import Scene
from tests.sync.crms import crm_free, edge
from tests.sync.lists_support import cc_list_id

from listbridge.core.errors import LockHeldError
from listbridge.core.import_plan import Reason
from listbridge.store.locks import connection_lock, holder_here
from listbridge.sync.imports.job import ImportRequest, run_import
from listbridge.sync.job import JobStart


def test_list_selection_imports_only_those_lists(scene: Scene) -> None:
    scene.add_list("Donors")
    scene.add_list("Volunteers")
    scene.add_list("Board")
    donor = scene.add_contact("d@example.org", "Dee", "Onor", lists=("Donors",))
    scene.add_contact("v@example.org", "Vee", "Olunteer", lists=("Volunteers",))
    both = scene.add_contact("b@example.org", "Bo", "Th", lists=("Donors", "Board"))
    result = scene.import_json("--list", "Donors", "--list", "Board")
    assert (result["attempted"], result["created"]) == (2, 2)
    assert set(scene.links().values()) == {donor, both}
    assert len(scene.accounts()) == 2


def test_the_import_lists_setting_selects_when_no_list_is_named(scene: Scene) -> None:
    scene.add_list("Donors")
    scene.add_list("Volunteers")
    scene.add_contact("d@example.org", "Dee", "Onor", lists=("Donors",))
    scene.add_contact("v@example.org", "Vee", "Olunteer", lists=("Volunteers",))
    assert scene.cli("settings", "set", "import.lists=Volunteers").exit_code == 0
    result = scene.import_json()
    assert result["created"] == 1
    assert [a.email for a in scene.accounts()] == ["v@example.org"]


@edge
def test_the_setting_names_lists_called_star_or_holding_a_comma_by_quoting(
    scene: Scene,
) -> None:
    for name in ("*", "x,y", "x", "y"):
        assert scene.cli("lists", "create", name).exit_code == 0
        scene.lists[name] = str(cc_list_id(scene, name))
    star = scene.add_contact("s@example.org", "S", "Tar", lists=("*",))
    comma = scene.add_contact("c@example.org", "C", "Omma", lists=("x,y",))
    scene.add_contact("x@example.org", "X", "Only", lists=("x", "y"))
    answer = scene.cli("settings", "set", 'import.lists="x,y", "*"')
    assert answer.exit_code == 0, answer.output
    shown = json.loads(scene.cli("settings", "show", "--json").stdout)
    assert shown["import.lists"] == '"x,y", "*"'
    result = scene.import_json()
    assert (result["attempted"], result["created"]) == (2, 2)
    assert set(scene.links().values()) == {star, comma}
    # `--list` takes one exact name per option: `*` and commas are part of the name.
    later = scene.add_contact("s2@example.org", "S", "Two", lists=("*",))
    assert scene.import_json("--list", "*")["created"] == 1
    assert set(scene.links().values()) == {star, comma, later}
    assert len(scene.accounts()) == 3


@crm_free
def test_an_unknown_list_is_exit_2_naming_it(scene: Scene) -> None:
    scene.add_list("Donors")
    answer = scene.cli("import", "--list", "Donors", "--list", "Nope")
    assert answer.exit_code == 2
    assert "'Nope'" in answer.stderr
    assert "Donors" in answer.stderr
    runs = json.loads(scene.cli("runs", "ls", "--json").stdout)
    assert runs == []


@edge
def test_a_second_import_while_the_lock_is_held_is_exit_3(scene: Scene) -> None:
    scene.add_contact("a@example.org", "A", "B")
    with connection_lock(scene.store, scene.connection_id, holder_here("push")):
        answer = scene.cli("import", "--json")
    assert answer.exit_code == 3, answer.output
    assert "push" in answer.stderr
    assert answer.stdout == ""
    assert scene.accounts() == []
    assert scene.import_json()["created"] == 1


@edge
def test_the_import_holds_the_lock_while_it_runs(scene: Scene) -> None:
    seen: list[str] = []

    def during(label: str, counts: object) -> None:
        with (
            pytest.raises(LockHeldError) as refused,
            connection_lock(scene.store, scene.connection_id, holder_here("push")),
        ):
            pass
        seen.append(str(refused.value))

    scene.add_contact("a@example.org", "A", "B")
    result = run_import(JobStart(scene.store, scene.connection_id), ImportRequest(report=during))
    assert len(seen) == 1
    assert "import" in seen[0]
    assert result.count("created") == 1


def test_incremental_run_fetches_only_changes_and_reconsiders_the_not_imported(
    scene: Scene,
) -> None:
    for i in range(6):
        scene.add_contact(f"person{i}@example.org", f"P{i}", "Person")
    role = scene.add_contact("office@example.org")
    first = scene.import_json()
    assert (first["attempted"], first["created"], first["not_imported"]) == (7, 6, 1)
    scene.cc.control.post("/counters/reset").raise_for_status()
    again = scene.import_json()
    # Nothing changed: only the contact not imported last time is reconsidered (from its snapshot).
    assert (again["attempted"], again["created"], again["not_imported"]) == (1, 0, 1)
    pages = scene.cc.counters()["by_endpoint"].get("GET /v3/contacts", 0)
    assert pages == 1
    # The administrator no longer treats office@ as a role; a contact changes in CC.
    assert scene.cli("settings", "set", "import.role_addresses=info").exit_code == 0
    scene.add_contact("late@example.org", "Late", "Comer")
    third = scene.import_json()
    assert (third["attempted"], third["created"], third["not_imported"]) == (2, 2, 0)
    assert scene.imported(role).email == "office@example.org"
    assert scene.import_json()["attempted"] == 0


@crm_free
def test_import_since_limits_the_first_import(scene: Scene) -> None:
    scene.add_contact("old@example.org", "Old", "Timer")
    assert scene.cli("settings", "set", "import.since=2999-01-01").exit_code == 0
    assert scene.import_json()["attempted"] == 0
    assert scene.cli("settings", "set", "import.since=").exit_code == 0


@edge
def test_the_report_and_runs_show_errors_csv(scene: Scene, tmp_path: Path) -> None:
    contact_id = scene.add_contact("support@example.org")
    scene.add_contact("ok@example.org", "Ok", "Person")
    result = scene.import_json()
    run = json.loads(scene.cli("runs", "show", str(result["run_id"]), "--json").stdout)
    assert run["status"] == "partial"
    assert run["counts"] == {"attempted": 2, "created": 1, "matched": 0, "not_imported": 1}
    out = tmp_path / "errors.csv"
    answer = scene.cli("runs", "show", str(result["run_id"]), "--errors-csv", str(out))
    assert answer.exit_code == 0, answer.output
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["cc_contact_id"], r["email"], r["reason"]) for r in rows] == [
        (contact_id, "support@example.org", Reason.ROLE_ADDRESS.message)
    ]


@edge
def test_the_completion_email_has_the_counts(scene: Scene, monkeypatch: pytest.MonkeyPatch) -> None:
    scene.add_contact("ok@example.org", "Ok", "Person")
    scene.add_contact("info@example.org")
    assert scene.cli("settings", "set", "notify.email=admin@example.org").exit_code == 0
    with smtp_server() as mailbox:
        monkeypatch.setenv("LISTBRIDGE_SMTP_URL", mailbox.url)
        result = scene.import_json()
    [message] = mailbox.messages
    assert message["To"] == "admin@example.org"
    assert "1 created" in message["Subject"]
    assert "1 not imported" in message["Subject"]
    body = message.get_payload(decode=True).decode()
    assert "attempted: 2" in body
    assert "matched: 0" in body
    assert f"listbridge runs show {result['run_id']} --errors-csv" in body


@edge
def test_human_output_and_progress_on_stderr(scene: Scene) -> None:
    scene.add_contact("ok@example.org", "Ok", "Person")
    answer = scene.cli("import")
    assert answer.exit_code == 0, answer.output
    assert "1 attempted, 1 created, 0 matched, 0 not imported" in answer.stdout
    assert "every list: 1 contacts" in answer.stderr


@edge
def test_lists_ls_json(scene: Scene) -> None:
    scene.add_list("Donors")
    scene.add_list("Volunteers")
    scene.add_contact("a@example.org", "A", "A", lists=("Donors",))
    scene.add_contact("b@example.org", "B", "B", lists=("Donors", "Volunteers"))
    scene.add_contact("c@example.org", "C", "C", lists=("Volunteers",))
    before = json.loads(scene.cli("lists", "ls", "--json").stdout)
    assert [(x["name"], x["crm_members"], x["cc_members"], x["last_sync"]) for x in before] == [
        ("Donors", 0, 2, None),
        ("Volunteers", 0, 2, None),
    ]
    scene.import_json("--list", "Donors")
    after = json.loads(scene.cli("lists", "ls", "--json").stdout)
    assert set(after[0]) == {
        "name",
        "status",
        "cc_list_id",
        "crm_members",
        "cc_members",
        "last_sync",
    }
    by_name = {x["name"]: x for x in after}
    assert by_name["Donors"]["cc_list_id"] == scene.lists["Donors"]
    assert (by_name["Donors"]["status"], by_name["Donors"]["crm_members"]) == ("active", 2)
    assert by_name["Volunteers"]["crm_members"] == 1  # b@ is linked and on Volunteers too
    assert by_name["Donors"]["last_sync"] is not None
    assert by_name["Volunteers"]["last_sync"] is None
    table = scene.cli("lists", "ls")
    assert table.exit_code == 0
    assert "Volunteers" in table.stdout


def test_a_list_import_still_sees_the_opt_out_of_a_contact_who_left_every_list(
    scene: Scene,
) -> None:
    scene.add_list("Donors")
    donor = scene.add_contact("d@example.org", "Dee", "Onor", lists=("Donors",))
    scene.add_contact("stranger@example.org", "Not", "Linked", unsubscribed=True)
    assert scene.import_json("--list", "Donors")["created"] == 1
    scene.unsubscribe(donor)  # leaves Donors, as in CC
    again = scene.import_json("--list", "Donors")
    # Only the linked contact's opt-out is taken; an unlinked opt-out is none of this import's.
    assert (again["attempted"], again["matched"], again["not_imported"]) == (1, 1, 0)
    assert scene.imported(donor).email_opt_out is True


@edge
def test_import_without_a_connection_is_exit_4(cli: Cli) -> None:
    answer = cli("import", "--json")
    assert answer.exit_code == 4, answer.output
    assert "listbridge connect" in answer.stderr
    assert answer.stdout == ""
