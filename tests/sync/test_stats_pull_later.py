"""`stats pull` over time: activity that arrives after a pull, a pull stopped half-way by
the daily budget, the hard-bounce flag and recipients given accounts (issue 16)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from tests.support.smtp import smtp_server
from tests.sync.conftest import Scene
from tests.sync.crms import CUSTOM_FIELDS, crm_free, edge, only
from tests.sync.test_stats_pull import (
    KINDS,
    emulator_rows,
    people,
    pull,
    send,
    stored_campaign,
    stored_rows,
)

from listbridge.core.campaign_stats import HARD_BOUNCE_CODES
from listbridge.emulator.campaigns import campaign_store
from listbridge.store.budget import StoredBudget
from listbridge.store.models import ApiBudget, CampaignEvent
from listbridge.store.runs import list_runs

LATER = {"open": 0.5, "click": 0.3, "forward": 0.2, "optout": 0.1}


def later_activity(scene: Scene, campaign_id: str, seed: int) -> dict[str, int]:
    answer = scene.cc.control.post(
        f"/campaigns/{campaign_id}/activity", json={"rates": LATER, "seed": seed}
    )
    answer.raise_for_status()
    added: dict[str, int] = answer.json()["added"]
    return added


def tracking_calls(scene: Scene) -> Counter[str]:
    calls = scene.cc.counters()["by_endpoint"]
    return Counter({k.rsplit("/", 1)[-1]: n for k, n in calls.items() if "/tracking/" in k})


def test_a_later_pull_reads_only_what_is_new_and_only_the_reports_that_moved(
    scene: Scene,
) -> None:
    people(scene)
    sent = send(scene, "Gala invitation", seed=11)
    pull(scene)
    added = later_activity(scene, sent["campaign_id"], seed=4)
    assert added["opens"] > 0
    scene.cc.control.post("/counters/reset").raise_for_status()
    again = pull(scene)
    assert again["events"] == sum(added.values())
    assert stored_rows(scene, sent["campaign_id"]) == emulator_rows(
        scene, sent["campaign_activity_id"]
    )
    moved = {kind for kind, n in added.items() if n}
    assert set(tracking_calls(scene)) == moved  # no send or bounce report read again
    assert all(n == 1 for n in tracking_calls(scene).values())  # the first page reaches back
    row = stored_campaign(scene, sent["campaign_id"])
    stats = scene.client.reports.activity_stats([sent["campaign_activity_id"]]).results[0]
    assert (row.opens_all, row.clicks_all, row.optouts) == (
        stats.stats["em_opens_all"],
        stats.stats["em_clicks_all"],
        stats.stats["em_optouts"],
    )


@edge
def test_a_pull_the_budget_stopped_is_finished_by_the_next_without_a_row_twice(
    scene: Scene,
) -> None:
    people(scene)
    first = send(scene, "Part one", seed=1)
    second = send(scene, "Part two", seed=2)
    budget = StoredBudget(scene.store, scene.connection_id)
    budget.spend(datetime.now(UTC), budget.limit - budget.current().used - 8)
    stopped = scene.cli("stats", "pull", "--json")
    assert stopped.exit_code != 0, stopped.output
    assert "budget" in stopped.stderr
    [run] = list_runs(scene.store, scene.connection_id, kind="stats")
    assert run.status.value == "interrupted"
    with scene.store.session() as session:  # midnight UTC passes
        yesterday = datetime.now(UTC).date() - timedelta(days=1)
        session.execute(update(ApiBudget).values(day=yesterday))
    done = pull(scene)
    assert done["errors"] == []
    for sent in (first, second):
        assert stored_rows(scene, sent["campaign_id"]) == emulator_rows(
            scene, sent["campaign_activity_id"]
        )
    assert pull(scene)["events"] == 0


def flags(scene: Scene) -> dict[str, Any]:
    return {
        a.id: a.custom.get("Address bounced")
        for a in scene.accounts()
        if a.custom.get("Address bounced") is not None
    }


def hard_bounced(scene: Scene, activity_id: str) -> set[str]:
    with scene.cc.state.lock:
        rows = campaign_store(scene.cc.state).tracks(activity_id, "bounces")
        return {t.contact_id for t in rows if t.code in HARD_BOUNCE_CODES}


def every_one_bounces(scene: Scene) -> dict[str, Any]:
    """A campaign to News that bounces for every recipient, hard or soft by the seed."""
    rates = {"open": 0.0, "click": 0.0, "forward": 0.0, "bounce": 1.0, "optout": 0.0}
    body = {"name": "Bouncy", "list_ids": [scene.lists["News"]], "rates": rates, "seed": 21}
    answer = scene.cc.control.post("/campaigns/send", json=body)
    answer.raise_for_status()
    sent: dict[str, Any] = answer.json()
    return sent


@only(CUSTOM_FIELDS)
def test_a_hard_bounce_sets_the_crm_flag_once(scene: Scene) -> None:
    contacts = people(scene)
    added = scene.cli("crm", "fields", "add", "Address bounced", "--type", "boolean")
    assert added.exit_code == 0, added.output
    scene.cli("settings", "set", "stats.hard_bounce_field=custom.Address bounced")
    sent = every_one_bounces(scene)
    hard = hard_bounced(scene, sent["campaign_activity_id"])
    assert 0 < len(hard) < len(contacts)  # some bounced hard, the others soft
    result = pull(scene)
    assert result["hard_bounces_flagged"] == len(hard)
    linked = {c: a for a, c in scene.links().items()}
    assert flags(scene) == {linked[c]: True for c in hard}
    one = linked[sorted(hard)[0]]
    scene.crm.update_fields(one, {"custom.Address bounced": False}, reason="staff fixed it")
    assert pull(scene)["hard_bounces_flagged"] == 0
    assert scene.account(one).custom.get("Address bounced") is False


def test_without_the_field_in_the_crm_the_pull_says_so_and_flags_nothing(scene: Scene) -> None:
    people(scene)
    scene.cli("settings", "set", "stats.hard_bounce_field=custom.No such field")
    every_one_bounces(scene)
    result = pull(scene)
    assert result["hard_bounces_flagged"] == 0
    assert any("no custom field 'custom.No such field'" in n for n in result["notes"])


def test_recipients_with_no_account_get_one_with_the_imports_rules(scene: Scene) -> None:
    contacts = people(scene, linked=5)
    role = scene.add_contact("info@example.org", "", "", lists=("News",))
    scene.cli("settings", "set", "stats.create_recipients=true")
    sent = send(scene, "Welcome", seed=8)
    result = pull(scene)
    assert (result["accounts_created"], result["recipients_not_imported"]) == (3, 1)
    assert result["unlinked_contacts"] == 1  # the role address, reported, not imported
    [refused] = result["errors"]
    assert (refused["cc_contact_id"], refused["email"]) == (role, "info@example.org")
    assert "role address" in refused["reason"]
    links = {c: a for a, c in scene.links().items()}
    assert set(contacts) <= set(links)
    query = select(CampaignEvent.cc_contact_id, CampaignEvent.account_id).where(
        CampaignEvent.campaign_id == sent["campaign_id"]
    )
    with scene.store.session() as session:
        for contact_id, account_id in session.execute(query):
            assert account_id == links.get(contact_id)
    assert {k for k, _c in emulator_rows(scene, sent["campaign_activity_id"])} <= set(KINDS)


@crm_free
def test_the_completion_email_says_what_the_pull_did(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    people(scene, linked=6)
    send(scene, "Mailed results", seed=2)
    scene.cli("settings", "set", "notify.email=office@example.org")
    with smtp_server() as mailbox:
        monkeypatch.setenv("LISTBRIDGE_SMTP_URL", mailbox.url)
        answer = scene.cli("stats", "pull")
    assert answer.exit_code == 0, answer.output
    [message] = mailbox.messages
    assert message["To"] == "office@example.org"
    subject = " ".join(str(message["Subject"]).split())  # folded when long
    assert subject.startswith("listbridge stats succeeded: 1 campaigns, ")
    assert "2 unlinked contacts" in subject
    body: Any = message.get_payload(decode=True)
    assert "hard bounces flagged: 0" in body.decode()


@only(CUSTOM_FIELDS)
@pytest.mark.parametrize(
    ("field_type", "expected"),
    [("date", "date"), ("text", "hard bounce: ")],
)
def test_a_date_or_text_flag_says_when_and_what_bounced(
    scene: Scene, field_type: str, expected: str
) -> None:
    people(scene)
    added = scene.cli("crm", "fields", "add", "Address bounced", "--type", field_type)
    assert added.exit_code == 0, added.output
    scene.cli("settings", "set", "stats.hard_bounce_field=custom.address BOUNCED")
    sent = every_one_bounces(scene)
    hard = hard_bounced(scene, sent["campaign_activity_id"])
    assert pull(scene)["hard_bounces_flagged"] == len(hard)
    values = flags(scene)
    assert len(values) == len(hard)
    today = datetime.now(UTC).date()
    for value in values.values():
        if expected == "date":
            assert value in (today, today - timedelta(days=1))  # the send was an hour ago
        else:
            assert value.startswith(expected)
            assert "non-existent address" in value or "undeliverable" in value
