"""`listbridge push`: the field mapping, custom fields, subscription-only, changes-only,
the dry run, the lock and the completion e-mail — each checked in the emulator's state."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.conftest import Cli
from tests.support.smtp import smtp_server
from tests.sync.conftest import Scene
from tests.sync.crms import CUSTOM_FIELDS, crm_free, edge, only
from tests.sync.test_push import adds_up, cc_contact, push

from listbridge.core.push_plan import Reason
from listbridge.store.locks import connection_lock, holder_here

FULL = {
    "company_name": "Engines Ltd",
    "title": "Programmer", "phone1": "555-0101", "phone2": "555-0102", "phone3": "555-0103",
    "fax": "555-0104", "address_line1": "1 Engine Way", "city": "Sacramento",
    "state": "CA", "zip": "95814", "country": "US",
}  # fmt: skip


def _set(scene: Scene, *pairs: str) -> None:
    answer = scene.cli("settings", "set", *pairs)
    assert answer.exit_code == 0, answer.output


def _calls(scene: Scene) -> dict[str, int]:
    found: dict[str, int] = scene.cc.counters()["by_endpoint"]
    return found


def test_every_standard_field_is_mapped_and_the_state_goes_as_name_or_code(scene: Scene) -> None:
    scene.add_list("News")
    ada = scene.add_account("ada", "ada@example.org", "Ada", "Lovelace", **FULL)
    first = push(scene, "--list", "News")
    c = cc_contact(scene, "ada@example.org")
    assert (c.first_name, c.last_name, c.company_name, c.job_title) == (
        "Ada", "Lovelace", "Engines Ltd", "Programmer",
    )  # fmt: skip
    assert {kind: number for _, number, kind in c.phones} == {
        "home": "555-0101", "work": "555-0102", "mobile": "555-0103",
    }  # fmt: skip
    [address] = c.addresses
    assert address[1:] == ("home", "1 Engine Way", "Sacramento", "California", "95814", "US")
    shown = scene.cli("runs", "show", str(first["run_id"]), "--json").stdout
    assert "other_phone '555-0104' not sent" in shown
    scene.crm.update_fields(ada, {"phone3": ""}, reason="test")
    push(scene, "--list", "News")
    phones = {kind: number for _, number, kind in cc_contact(scene, "ada@example.org").phones}
    assert phones["other"] == "555-0104"
    _set(scene, "mapping.state=code")
    scene.crm.update_fields(ada, {"state": "California"}, reason="test")
    push(scene, "--list", "News")
    [address] = cc_contact(scene, "ada@example.org").addresses
    assert address[4] == "CA"


@edge
def test_a_long_name_is_cut_at_a_word_and_reported_as_a_warning(scene: Scene) -> None:
    scene.add_list("News")
    long_company = "The Very Long Named Society For The Preservation Of Engines"
    scene.add_account("co", "co@example.org", "Co", "Op", company_name=long_company)
    result = push(scene, "--list", "News")
    assert result["created"] == 1
    assert (
        cc_contact(scene, "co@example.org").company_name
        == "The Very Long Named Society For The Preservation"
    )
    runs = scene.cli("runs", "show", str(result["run_id"]), "--json")
    assert Reason.FIELD_CUT.message in runs.stdout


@only(CUSTOM_FIELDS)
def test_custom_fields_are_pushed_and_a_missing_one_is_created(scene: Scene) -> None:
    scene.add_list("News")
    scene.client.create_custom_field("Member Level")
    _set(scene, "push.custom_fields=Member Level=custom.Level,Middle Name=middle_name")
    scene.add_account(
        "m", "m@example.org", "Mo", "Member", middle_name="Q", custom={"Level": "Gold"}
    )
    push(scene, "--list", "News")
    fields = {f.custom_field_id: f.label for f in scene.cc.state.custom_fields.values()}
    assert sorted(fields.values()) == ["Member Level", "Middle Name"]
    values = {fields[i]: v for i, v in cc_contact(scene, "m@example.org").custom_fields}
    assert values == {"Member Level": "Gold", "Middle Name": "Q"}


def test_unchanged_accounts_cost_no_call_and_subscription_only_keeps_fields(scene: Scene) -> None:
    scene.add_list("News")
    other = scene.add_list("Other")
    made = [scene.add_account(f"a{n}", f"a{n}@example.org", "A", f"N{n}") for n in range(30)]
    push(scene, "--list", "News")
    scene.cc.control.post("/counters/reset").raise_for_status()
    again = push(scene, "--list", "News")
    assert again["already_linked"] == 30
    writes = {k: v for k, v in _calls(scene).items() if not k.startswith("GET")}
    assert writes == {}
    scene.crm.update_fields(made[1], {"first_name": "Changed"}, reason="test")
    push(scene, "--subscription-only", "--list", "Other")
    assert cc_contact(scene, "a1@example.org").first_name == "A"
    assert all(other in cc_contact(scene, f"a{n}@example.org").lists for n in range(30))
    assert _calls(scene).get("POST /v3/activities/add_list_memberships") == 1


def test_no_list_named_updates_only_linked_contacts(scene: Scene) -> None:
    scene.add_list("News")
    a = scene.add_account("a", "a@example.org", "A", "A")
    push(scene, "--list", "News")
    scene.add_account("b", "b@example.org", "B", "B")
    scene.crm.update_fields(a, {"last_name": "Zed"}, reason="test")
    result = push(scene)
    adds_up(result, 1)
    assert result["already_linked"] == 1
    assert cc_contact(scene, "a@example.org").last_name == "Zed"
    assert cc_contact(scene, "b@example.org") is None


def _snapshot(scene: Scene) -> dict[str, dict[str, Any]]:
    contacts = scene.cc.state.contacts.by_id.items()
    return {i: {s: getattr(c, s) for s in type(c).__slots__} for i, c in contacts}


@edge
def test_the_dry_run_changes_nothing_and_prints_the_cost(scene: Scene) -> None:
    scene.add_list("News")
    scene.add_contact("known@example.org", "K", "K")
    known = scene.add_account("known", "known@example.org", "K", "K")
    scene.add_account("new", "new@example.org", "N", "N")
    scene.add_account("org", "info@example.org")
    _set(scene, "push.custom_fields=Level=custom.Level")
    before = _snapshot(scene)
    scene.cc.control.post("/counters/reset").raise_for_status()
    answer = scene.cli("push", "--list", "News", "--dry-run")
    assert answer.exit_code == 0, answer.output
    assert "nothing changed" in answer.stdout
    assert "1 created, 1 matched existing, 0 already linked, 1 not pushed" in answer.stdout
    assert "contacts_json_import" in answer.stdout
    assert "create custom fields" in answer.stdout
    assert all(k.startswith("GET") for k in _calls(scene))
    assert _snapshot(scene) == before
    assert scene.cc.state.custom_fields == {}
    assert scene.contact_of(known) == ""
    assert json.loads(scene.cli("runs", "ls", "--json").stdout) == []
    as_json = json.loads(scene.cli("push", "--list", "News", "--dry-run", "--json").stdout)
    assert as_json["api_calls"]["contacts_json_import"] == 1
    scene.cc.control.post("/counters/reset").raise_for_status()
    real = push(scene, "--list", "News")
    assert (real["created"], real["matched_existing"]) == (1, 1)
    sent = _calls(scene)
    assert sent["POST /v3/activities/contacts_json_import"] == 1
    assert sent["POST /v3/contact_custom_fields"] == as_json["api_calls"]["create custom fields"]


@edge
def test_a_push_while_the_lock_is_held_is_exit_3(scene: Scene) -> None:
    scene.add_list("News")
    scene.add_account("a", "a@example.org", "A", "A")
    with connection_lock(scene.store, scene.connection_id, holder_here("import")):
        answer = scene.cli("push", "--list", "News", "--json")
    assert answer.exit_code == 3, answer.output
    assert "import" in answer.stderr
    assert cc_contact(scene, "a@example.org") is None
    assert push(scene, "--list", "News")["created"] == 1


@crm_free
def test_an_unknown_list_is_exit_2(scene: Scene) -> None:
    answer = scene.cli("push", "--list", "Nope")
    assert answer.exit_code == 2
    assert "'Nope'" in answer.stderr


@edge
def test_the_completion_email_and_progress(scene: Scene, monkeypatch: pytest.MonkeyPatch) -> None:
    scene.add_list("News")
    scene.add_account("ok", "ok@example.org", "Ok", "P")
    scene.add_account("out", "out@example.org", email_opt_out=True)
    _set(scene, "notify.email=admin@example.org")
    with smtp_server() as mailbox:
        monkeypatch.setenv("LISTBRIDGE_SMTP_URL", mailbox.url)
        answer = scene.cli("push", "--list", "News")
    assert answer.exit_code == 0, answer.output
    assert "push:" in answer.stderr
    [message] = mailbox.messages
    assert "1 created" in message["Subject"]
    assert "1 not pushed" in message["Subject"]
    body: Any = message.get_payload(decode=True)
    assert "--errors-csv" in body.decode()


@edge
def test_push_without_a_connection_is_exit_4(cli: Cli) -> None:
    answer = cli("push", "--list", "News", "--json")
    assert answer.exit_code == 4, answer.output
    assert "listbridge connect" in answer.stderr
    assert answer.stdout == ""
