"""`runs undo RUN_ID`: what a run changed, put back from the journal, on the CRM under test
and in the emulator; consent never undone, nobody re-subscribed; refused when later runs
changed the same records, unless forced; recorded as a run of kind `undo`."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from tests.sync.conftest import Scene
from tests.sync.crms import DELETES, edge, only
from tests.sync.lists_support import cc_remove, crm_members, email, sync
from tests.sync.test_lists_sync import seeded
from tests.sync.test_push import cc_contact, push

from listbridge.constant_contact.models import ContactBody
from listbridge.core.journal import Side
from listbridge.crm.protocol import CrmWithDeletion
from listbridge.store.models import JournalEntry


def undo(scene: Scene, run_id: int, *args: str, expect: int = 0) -> dict[str, Any]:
    answer = scene.cli("runs", "undo", str(run_id), "--json", *args)
    assert answer.exit_code == expect, answer.output
    result: dict[str, Any] = json.loads(answer.stdout) if expect == 0 else {}
    return result


def refusal(scene: Scene, *args: str) -> str:
    answer = scene.cli("runs", "undo", *args)
    assert answer.exit_code == 2, answer.output
    assert "Traceback" not in answer.output
    return answer.output


def runs(scene: Scene) -> list[dict[str, Any]]:
    answer = scene.cli("runs", "ls", "--json")
    assert answer.exit_code == 0, answer.output
    found: list[dict[str, Any]] = json.loads(answer.stdout)
    return found


def set_(scene: Scene, *pairs: str) -> None:
    answer = scene.cli("settings", "set", *pairs)
    assert answer.exit_code == 0, answer.output


def _imported_and_updated(scene: Scene) -> tuple[str, str, int]:
    """An import that creates one account and overwrites two fields of another: the
    existing account and the new contact's id, and the import's run."""
    scene.add_list("Volunteers")
    maria = scene.add_account("A1", "maria@example.org", "Maria", "Lopez", company_name="Old Co")
    scene.add_contact(
        "maria@example.org", "María", "Lopez", ("Volunteers",), job_title="Treasurer",
        company_name="Harbor Food Bank",
    )  # fmt: skip
    new = scene.add_contact("dev.shah@example.org", "Dev", "Shah", ("Volunteers",))
    set_(scene, "import.update_fields=overwrite")
    result = scene.import_json()
    assert (result["created"], result["matched"]) == (1, 1)
    assert scene.account(maria).company_name == "Harbor Food Bank"
    return maria, new, int(result["run_id"])


def test_undo_of_an_import_removes_its_accounts_and_puts_fields_back(scene: Scene) -> None:
    maria, new, run_id = _imported_and_updated(scene)
    created = scene.imported(new).id
    result = undo(scene, run_id, "--yes")
    account = scene.account(maria)
    assert (account.first_name, account.company_name) == ("Maria", "Old Co")
    assert scene.kept(title="")["title"] == account.title
    assert result["crm_fields_restored"] >= 2
    assert scene.links() == {}  # the links the import made are gone with it
    if isinstance(scene.crm, CrmWithDeletion):
        assert result["crm_accounts_removed"] == 1
        assert scene.crm.get(created) is None
        assert scene.crm.find_by_email("dev.shah@example.org") == []
    else:  # a CRM held elsewhere: listbridge deletes nothing there, and says so
        assert result["crm_accounts_removed"] == 0
        [row] = [e for e in result["errors"] if e["account_id"] == created]
        assert "delete it in the CRM's own screens" in row["reason"]
    # Constant Contact is untouched by undoing an import
    assert cc_contact(scene, "dev.shah@example.org").first_name == "Dev"
    [latest, *_] = runs(scene)
    assert (latest["run_id"], latest["kind"]) == (result["run_id"], "undo")
    assert latest["status"] in ("succeeded", "partial")
    assert latest["counts"]["crm_fields_restored"] == result["crm_fields_restored"]
    assert latest["message"] == f"undo of run {run_id}"


def test_after_an_undone_import_the_next_import_brings_the_contacts_again(scene: Scene) -> None:
    maria, _, run_id = _imported_and_updated(scene)
    undo(scene, run_id, "--yes")
    again = scene.import_json()
    assert again["not_imported"] == 0
    if isinstance(scene.crm, CrmWithDeletion):  # Dev's account was deleted: a new one
        assert (again["created"], again["matched"]) == (1, 1)
    else:  # Dev's account stayed (reported): linked again, not made twice
        assert (again["created"], again["matched"]) == (0, 2)
    assert scene.account(maria).company_name == "Harbor Food Bank"
    assert len(scene.crm.find_by_email("dev.shah@example.org")) == 1
    assert set(scene.links()) == {maria, scene.crm.find_by_email("dev.shah@example.org")[0].id}


def test_an_opt_out_the_import_set_is_never_undone(scene: Scene) -> None:
    yuki = scene.add_account("G1", "yuki@example.org", "Yuki", "Tanaka")
    scene.add_contact("yuki@example.org", "Yuki", "Tanaka", unsubscribed=True)
    run_id = scene.import_json()["run_id"]
    assert scene.account(yuki).email_opt_out is True
    result = undo(scene, run_id, "--yes")
    assert scene.account(yuki).email_opt_out is True
    [row] = [e for e in result["errors"] if e["field"] == "email_opt_out"]
    assert (row["account_id"], row["reason"]) == (yuki, "consent is never undone")
    assert result["not_reverted"] == len(result["errors"])


def test_refused_after_a_later_run_changed_the_same_records_and_forced_goes_on(
    scene: Scene,
) -> None:
    maria, _, first = _imported_and_updated(scene)
    contact = cc_contact(scene, "maria@example.org").contact_id
    scene.client.update_contact(contact, _renamed(scene, contact, "Mariana"))
    second = scene.import_json()["run_id"]
    assert scene.account(maria).first_name == "Mariana"
    said = refusal(scene, str(first), "--yes")
    assert maria in said
    assert f"run {second}" in said
    assert "--force" in said
    assert scene.account(maria).first_name == "Mariana"  # nothing changed
    assert "undo" not in [r["kind"] for r in runs(scene)]  # refused before any run
    undo(scene, first, "--yes", "--force")
    assert scene.account(maria).first_name == "Maria"


def _renamed(scene: Scene, contact_id: str, first: str) -> ContactBody:
    """The contact renamed in Constant Contact, as its owner would."""
    current = scene.client.get_contact(contact_id)
    assert current.email_address is not None
    body = {
        "email_address": {"address": current.email_address.address},
        "first_name": first,
        "last_name": current.last_name,
        "job_title": current.job_title,
        "company_name": current.company_name,
        "update_source": "Account",
    }
    return ContactBody.model_validate(body)


@edge
def test_refusals_name_the_reason(scene: Scene) -> None:
    assert "no run 99" in refusal(scene, "99", "--yes")
    _, _, run_id = _imported_and_updated(scene)
    assert "add --yes" in refusal(scene, str(run_id))  # not a terminal: no question asked
    assert scene.cli("unsubscribes", "sync", "--json").exit_code == 0
    unsubscribes = runs(scene)[0]["run_id"]
    assert "consent is never undone" in refusal(scene, str(unsubscribes), "--yes")
    answer = scene.cli("runs", "undo", str(run_id), "--yes")
    assert answer.exit_code == 0, answer.output
    done = runs(scene)[0]["run_id"]
    assert f"run {done}: undo of run {run_id}" in answer.stdout
    assert "CRM account(s) the run created" in answer.stderr  # what it was about to do
    assert f"already undone by run {done}" in refusal(scene, str(run_id), "--yes", "--force")
    assert "an undo is not undone" in refusal(scene, str(done), "--yes")


# --- the Constant Contact half -------------------------------------------------------


def test_undo_of_a_push_puts_cc_fields_back_and_takes_its_memberships_away(
    scene: Scene,
) -> None:
    news = scene.add_list("News")
    scene.add_list("Events")
    known = scene.add_contact("ana@example.org", "Ana", "Silva", ("Events",), job_title="Chair")
    scene.add_account("ana", "ana@example.org", "Ana Maria", "Silva", title="Board Chair")
    scene.add_account("ben", "ben@example.org", "Ben", "Okafor")
    run_id = push(scene, "--list", "News")["run_id"]
    ana = cc_contact(scene, "ana@example.org")
    assert (ana.first_name, news in ana.lists) == ("Ana Maria", True)
    result = undo(scene, run_id, "--yes")
    ana, ben = cc_contact(scene, "ana@example.org"), cc_contact(scene, "ben@example.org")
    assert (ana.contact_id, ana.first_name, ana.job_title) == (known, "Ana", "Chair")
    assert news not in ana.lists
    assert scene.lists["Events"] in ana.lists
    assert news not in (ben.lists or ())
    assert not ben.deleted_at
    assert ana.permission != "unsubscribed"
    assert ben.permission != "unsubscribed"
    assert result["cc_memberships_removed"] == 2
    assert result["cc_fields_restored"] >= 2


def test_a_push_journals_what_it_changes_in_cc_so_that_undo_reverts_it(scene: Scene) -> None:
    news = scene.add_list("News")
    scene.add_contact("ana@example.org", "Ana", "Silva", job_title="Chair")
    scene.add_account("ana", "ana@example.org", "Ana Maria", "Silva", title="Board Chair")
    run_id = push(scene, "--list", "News")["run_id"]
    undo(scene, run_id, "--yes")
    ana = cc_contact(scene, "ana@example.org")
    assert (ana.first_name, news in (ana.lists or ())) == ("Ana", False)


@only(DELETES)
def test_an_unsubscribed_contact_is_reported_never_put_back_on_a_list(scene: Scene) -> None:
    news = scene.add_list("News")
    stays = scene.add_account("stays", "stays@example.org", "Stay", "Subscribed")
    goes = scene.add_account("goes", "goes@example.org", "Go", "Unsubscribed")
    push(scene, "--list", "News")
    set_(scene, "push.on_crm_delete=remove_from_lists")
    scene.delete_account(stays)
    scene.delete_account(goes)
    run_id = push(scene)["run_id"]
    gone = cc_contact(scene, "goes@example.org")
    assert news not in (gone.lists or ())
    scene.unsubscribe(gone.contact_id)
    result = undo(scene, run_id, "--yes")
    assert news in cc_contact(scene, "stays@example.org").lists
    gone = cc_contact(scene, "goes@example.org")
    assert (gone.permission, news in (gone.lists or ())) == ("unsubscribed", False)
    [row] = [e for e in result["errors"] if e["cc_contact_id"] == gone.contact_id]
    assert "re-subscribe" in row["reason"]
    assert (result["cc_memberships_restored"], result["not_reverted"]) == (1, 1)


def test_undo_of_a_list_sync_reverts_the_crm_memberships_it_changed(scene: Scene) -> None:
    seeded(scene, "From CC", "a", "b")
    first = sync(scene, direction="cc_to_crm")
    seeded(scene, "From CC", "c")
    cc_remove(scene, "From CC", email("a"))
    second = sync(scene, direction="cc_to_crm", extra=("--confirm",))
    assert crm_members(scene, "From CC") == {"b", "c"}
    result = undo(scene, second["run_id"], "--yes")
    assert crm_members(scene, "From CC") == {"a", "b"}
    assert result["not_reverted"] == 0
    # the first sync made the CRM list: a list itself is not undone, its members are
    undone = undo(scene, first["run_id"], "--yes", "--force")
    assert scene.crm.lists() == ["From CC"]
    assert crm_members(scene, "From CC") == set()
    assert any("list's own create" in e["reason"] for e in undone["errors"])


def _journal(scene: Scene, run_id: int) -> list[tuple[str, str, str | None, str | None]]:
    """The run's Constant Contact entries: (contact id, field, old, new)."""
    with scene.store.session() as session:
        rows = session.execute(
            select(JournalEntry).where(
                JournalEntry.run_id == run_id, JournalEntry.side == Side.CC.value
            )
        ).scalars()
        return [(e.record_id, e.field, e.old_value, e.new_value) for e in rows]


def test_a_push_journals_each_real_change_in_the_format_undo_reads(scene: Scene) -> None:
    news = scene.add_list("News")
    events = scene.add_list("Events")
    scene.add_contact("ana@example.org", "Ana", "Silva", ("Events",), job_title="Chair",
                      company_name="Harbor")  # fmt: skip
    scene.add_account("ana", "ana@example.org", "Ana Maria", "Silva", title="Chair",
                      company_name="Harbor")  # fmt: skip
    scene.add_account("ben", "ben@example.org", "Ben", "Okafor")
    run_id = push(scene, "--list", "News", "--list", "Events")["run_id"]
    ana = cc_contact(scene, "ana@example.org").contact_id
    ben = cc_contact(scene, "ben@example.org").contact_id
    assert sorted(_journal(scene, run_id)) == sorted([
        (ana, "first_name", "Ana", "Ana Maria"),  # title, company, Events: no change
        (ana, f"list:{news}", None, "member"),
        (ben, "*", None, "created"),
        (ben, f"list:{news}", None, "member"),
        (ben, f"list:{events}", None, "member"),
    ])  # fmt: skip
    again = push(scene, "--list", "News")["run_id"]  # nothing changed: nothing journaled
    assert _journal(scene, again) == []


def test_undo_of_a_second_push_puts_back_what_the_first_one_sent(scene: Scene) -> None:
    """The linked contact is read before its update (not found by e-mail this time)."""
    scene.add_list("News")
    ana = scene.add_account("ana", "ana@example.org", "Ana", "Silva", title="Chair",
                            company_name="Harbor")  # fmt: skip
    push(scene, "--list", "News")
    set_(scene, "push.include_company=false")
    scene.crm.update_fields(ana, {"first_name": "Anna", "company_name": "Elsewhere"},
                            reason="test")  # fmt: skip
    dry = json.loads(scene.cli("push", "--dry-run", "--json").stdout)
    assert dry["api_calls"]["read contacts (journal)"] == 1  # the bill counts the read
    second = push(scene)["run_id"]
    contact = cc_contact(scene, "ana@example.org")
    assert (contact.first_name, contact.company_name) == ("Anna", "Harbor")
    assert [f for _, f, _, _ in _journal(scene, second)] == ["first_name"]
    result = undo(scene, second, "--yes")
    contact = cc_contact(scene, "ana@example.org")
    assert (contact.first_name, contact.job_title, contact.company_name) == (
        "Ana",
        "Chair",
        "Harbor",
    )
    assert result["cc_fields_restored"] == 1
