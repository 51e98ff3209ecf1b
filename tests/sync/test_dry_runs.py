"""`import --dry-run` and `sync full --dry-run`: the plan, each record with its reason, and
nothing written anywhere: every table of the store (runs, links, journal, cursors, locks,
pending contacts, the builtin CRM's accounts) and of a CRM held elsewhere reads the same
afterwards but for the API budget the reads used, and Constant Contact received no write."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import MetaData, select
from tests.sync.conftest import Scene
from tests.sync.crms import edge
from tests.sync.test_full_sync import three_opted_out_in_the_crm_over_a_guard_of_two

from listbridge.core.consent import Action
from listbridge.core.consent import Reason as ConsentReason
from listbridge.core.import_plan import Reason
from listbridge.store.models import Base

Snapshot = dict[str, list[str]]
#: what a dry run may change: the reads it makes count against CC's daily budget
READS = frozenset({"api_budget"})
#: and a full sync's: the list sync's preview refreshes its cache of CC's lists
#: (sync/lists/refresh.py), and reading the changed accounts of a mapped CRM without an
#: updated-at column records their fingerprints, which stand in for that column
#: (crm/sqlmap/fingerprints.py): what the CRM says is untouched
CACHES = READS | {"cc_lists", "crm_fingerprints"}


def everything_stored(scene: Scene, leave_out: frozenset[str] = frozenset()) -> Snapshot:
    """Every row of every table: the store's, and the CRM's own database when it has one."""
    found: Snapshot = {}
    with scene.store.session() as session:
        for table in Base.metadata.sorted_tables:
            if table.name not in leave_out:
                found[table.name] = sorted(map(repr, session.execute(select(table))))
    if scene.engine is not None:
        tables = MetaData()
        tables.reflect(scene.engine)
        with scene.engine.connect() as connection:
            for table in tables.sorted_tables:
                found[f"crm.{table.name}"] = sorted(map(repr, connection.execute(select(table))))
    return found


def cc_writes(scene: Scene) -> int:
    """Calls to Constant Contact's API that are not reads."""
    counted: dict[str, int] = scene.cc.counters()["by_endpoint"]
    return sum(n for call, n in counted.items() if "/v3/" in call and not call.startswith("GET"))


def dry(scene: Scene, *command: str) -> tuple[Any, Snapshot]:
    """The command's JSON; asserts it wrote nothing anywhere."""
    leave_out = CACHES if command[0] == "sync" else READS
    before, writes = everything_stored(scene, leave_out), cc_writes(scene)
    answer = scene.cli(*command, "--dry-run", "--json")
    assert answer.exit_code == 0, answer.output
    assert cc_writes(scene) == writes
    after = everything_stored(scene, leave_out)
    assert after == before
    return json.loads(answer.stdout), after


def people(scene: Scene) -> dict[str, str]:
    """Contacts of every kind an import meets, on CC's list Members."""
    scene.add_list("Members")
    scene.add_account("ines", "ines.garcia@example.es", "Inés", "García")
    scene.add_account("twin1", "family@example.org", "Sam", "Park")
    scene.add_account("twin2", "FAMILY@example.org", "Alex", "Park")
    on = ("Members",)
    return {
        "new": scene.add_contact("Søren.Kierkegaard@example.dk", "Søren", "Kierkegaard", lists=on),
        "case": scene.add_contact("Ines.Garcia@Example.ES", "Inés", "García", lists=on),
        "shared": scene.add_contact("family@example.org", "Jo", "Park", lists=on),
        "role": scene.add_contact("sales@example.org", lists=on),
        "gone": scene.add_contact("left@example.org", "Lea", "Weiss", unsubscribed=True),
    }


def test_an_import_dry_run_shows_every_decision_and_writes_nothing(scene: Scene) -> None:
    ids = people(scene)
    shown, _ = dry(scene, "import")
    assert shown["dry_run"] is True
    by_contact = {r["cc_contact_id"]: r for r in shown["records"]}
    assert by_contact[ids["new"]]["action"] == "create"
    assert by_contact[ids["new"]]["reason"] == Reason.NO_MATCH.message
    assert "account_id" not in by_contact[ids["new"]]
    case = by_contact[ids["case"]]
    assert (case["action"], case["account_id"]) == ("link", scene.ids["ines"])
    assert case["reason"] == Reason.EMAIL_MATCH.message
    assert by_contact[ids["shared"]]["action"] == "skip"
    assert by_contact[ids["shared"]]["reason"].startswith(Reason.AMBIGUOUS_IGNORED.message)
    assert by_contact[ids["role"]]["reason"] == Reason.ROLE_ADDRESS.message
    assert by_contact[ids["gone"]]["reason"] == Reason.UNSUBSCRIBED_NO_ACCOUNT.message
    assert by_contact[ids["new"]]["email"] == "Søren.Kierkegaard@example.dk"
    counts = {k: shown[k] for k in ("attempted", "created", "matched", "not_imported")}
    assert counts == {"attempted": 5, "created": 1, "matched": 1, "not_imported": 3}
    assert scene.links() == {}

    # The real import does what the dry run showed.
    done = scene.import_json()
    assert {k: done[k] for k in counts} == counts
    assert scene.contact_of(scene.ids["ines"]) == ids["case"]


def test_a_dry_run_after_an_import_reads_from_the_cursors_and_moves_none(scene: Scene) -> None:
    ids = people(scene)
    scene.import_json()
    later = scene.add_contact("mateo.rossi@example.it", "Mateo", "Rossi", lists=("Members",))
    shown, _ = dry(scene, "import")
    actions = {r["cc_contact_id"]: r["action"] for r in shown["records"]}
    # The new contact, and the contacts not imported last time (reconsidered each run).
    assert actions == {later: "create", ids["shared"]: "skip", ids["role"]: "skip",
                       ids["gone"]: "skip"}  # fmt: skip
    again, _ = dry(scene, "import")
    assert again == shown  # nothing moved: the same window, the same plan


@edge
def test_the_dry_run_text_lists_the_plan_and_each_contact(scene: Scene) -> None:
    ids = people(scene)
    answer = scene.cli("import", "--dry-run")
    assert answer.exit_code == 0, answer.output
    out = answer.stdout
    assert "import dry run (nothing changed): 5 attempted, 1 created, 1 matched" in out
    assert f"skip: {Reason.ROLE_ADDRESS.message}" in out
    assert f"link   {ids['case']} Ines.Garcia@Example.ES → account {scene.ids['ines']}" in out
    assert scene.links() == {}


@edge
def test_an_unknown_list_in_a_dry_run_is_exit_2(scene: Scene) -> None:
    scene.add_list("Members")
    answer = scene.cli("import", "--list", "Nope", "--dry-run", "--json")
    assert answer.exit_code == 2
    assert "'Nope'" in answer.stderr
    assert "Traceback" not in answer.output


def test_a_full_sync_dry_run_shows_each_step_and_writes_nothing(scene: Scene) -> None:
    ids = people(scene)
    out = scene.add_account("opted", "noor@example.org", "Noor", "Aziz")
    assert scene.cli("push", "--list", "Members").exit_code == 0
    scene.opt_out_in_the_crm(out)
    shown, _ = dry(scene, "sync", "full")
    assert shown["dry_run"] is True
    steps = shown["steps"]
    assert list(steps) == ["unsubscribes", "import", "push", "lists"]
    [decision] = steps["unsubscribes"]["decisions"]
    assert (decision["account_id"], decision["action"]) == (out, Action.UNSUBSCRIBE_CC.value)
    assert decision["reason"] == ConsentReason.CRM_OPTED_OUT.value
    assert steps["unsubscribes"]["cc_unsubscribed"] == 1
    records = {r["cc_contact_id"]: r["action"] for r in steps["import"]["records"]}
    assert records[ids["new"]] == "create"
    assert steps["push"]["dry_run"] is True
    assert steps["lists"]["dry_run"] is True
    assert shown["stopped"] is None

    # The run does what the dry run showed.
    answer = scene.cli("sync", "full", "--json")
    assert answer.exit_code == 0, answer.output
    ran = json.loads(answer.stdout)["steps"]
    assert ran["unsubscribes"]["cc_unsubscribed"] == 1
    for key in ("attempted", "created", "matched", "not_imported"):
        assert ran["import"][key] == steps["import"][key]


@edge
def test_a_full_sync_dry_run_follows_the_direction(scene: Scene) -> None:
    people(scene)
    shown, _ = dry(scene, "sync", "full", "--direction", "crm_to_cc")
    assert list(shown["steps"]) == ["unsubscribes", "push", "lists"]
    shown, _ = dry(scene, "sync", "full", "--direction", "cc_to_crm")
    assert list(shown["steps"]) == ["unsubscribes", "import", "lists"]
    answer = scene.cli("sync", "full", "--dry-run", "--direction", "cc_to_crm")
    assert answer.exit_code == 0, answer.output
    assert "full sync dry run (nothing changed), direction cc_to_crm:" in answer.stdout
    assert "  import: import dry run (nothing changed): 5 attempted, 1 created" in answer.stdout
    assert "consent_after_import: not previewed" in answer.stdout


@edge
def test_a_full_sync_dry_run_says_where_the_guard_would_stop_the_run(scene: Scene) -> None:
    three_opted_out_in_the_crm_over_a_guard_of_two(scene)
    shown, _ = dry(scene, "sync", "full")
    assert "would unsubscribe 3 contacts, over sync.guard_count = 2" in shown["stopped"]
    assert len(shown["steps"]["unsubscribes"]["decisions"]) == 3
