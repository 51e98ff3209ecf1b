"""`stats pull` against the emulator's send simulation, on every CRM: every counter against
the emulator's own totals, rows attached to accounts through the links, incremental
pulls, unlinked contacts, the window (issue 16, acceptance 1)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from tests.sync.conftest import Scene
from tests.sync.crms import edge

from listbridge.emulator.campaigns import campaign_store
from listbridge.store.models import CampaignEvent, CcCampaign

KINDS = ("sends", "opens", "clicks", "forwards", "optouts", "bounces")
RATES = {"open": 0.5, "click": 0.2, "forward": 0.1, "bounce": 0.15, "optout": 0.1}
PEOPLE = (
    ("ann@example.org", "Ann", "Archer"),
    ("Bob@Example.org", "Bob", "Baker"),
    ("chloé@example.org", "Chloé", "Cœur"),
    ("dan@example.org", "Dan", "Dunn"),
    ("eve@example.org", "Eve", "Evans"),
    ("fay@example.org", "Fay", "Fox"),
    ("gus@example.org", "Gus", "Green"),
    ("hal@example.org", "Hal", "Hill"),
)


def pull(scene: Scene, expect: int = 0) -> dict[str, Any]:
    answer = scene.cli("stats", "pull", "--json")
    assert answer.exit_code == expect, answer.output
    result: dict[str, Any] = json.loads(answer.stdout)
    return result


def send(scene: Scene, name: str, seed: int, lists: tuple[str, ...] = ("News",)) -> dict[str, Any]:
    body = {"name": name, "list_ids": [scene.lists[n] for n in lists], "rates": RATES, "seed": seed}
    answer = scene.cc.control.post("/campaigns/send", json=body)
    answer.raise_for_status()
    sent: dict[str, Any] = answer.json()
    return sent


def people(scene: Scene, linked: int = len(PEOPLE)) -> dict[str, str]:
    """A list with every person on it; the first `linked` of them imported into the CRM
    (and so linked), the others added to the list after the import; {contact_id: email}."""
    scene.add_list("News")
    contacts: dict[str, str] = {}
    for n, (email, first, last) in enumerate(PEOPLE):
        if n == linked:
            assert scene.import_json()["created"] == linked
        contacts[scene.add_contact(email, first, last, lists=("News",))] = email
    if linked == len(PEOPLE):
        assert scene.import_json()["created"] == linked
    return contacts


def emulator_rows(scene: Scene, activity_id: str) -> Counter[tuple[str, str]]:
    """(kind, contact id) → rows, as the emulator holds them."""
    with scene.cc.state.lock:
        store = campaign_store(scene.cc.state)
        return Counter((k, t.contact_id) for k in KINDS for t in store.tracks(activity_id, k))


def stored_rows(scene: Scene, campaign_id: str) -> Counter[tuple[str, str]]:
    query = select(CampaignEvent.kind, CampaignEvent.cc_contact_id, func.count()).where(
        CampaignEvent.connection_id == scene.connection_id,
        CampaignEvent.campaign_id == campaign_id,
    )
    with scene.store.session() as session:
        rows = session.execute(query.group_by(CampaignEvent.kind, CampaignEvent.cc_contact_id))
        return Counter({(kind, contact): int(n) for kind, contact, n in rows})


def stored_campaign(scene: Scene, campaign_id: str) -> CcCampaign:
    with scene.store.session() as session:
        row = session.get(CcCampaign, (scene.connection_id, campaign_id))
        assert row is not None
        session.expunge(row)
        return row


def test_a_pull_stores_every_counter_and_row_of_the_emulator(scene: Scene) -> None:
    people(scene)
    sent = send(scene, "Spring appeal — 2027", seed=3)
    result = pull(scene)
    assert (result["campaigns"], result["new_campaigns"], result["errors"]) == (1, 1, [])
    expected = emulator_rows(scene, sent["campaign_activity_id"])
    assert stored_rows(scene, sent["campaign_id"]) == expected
    assert result["events"] == sum(expected.values())
    stats = scene.client.reports.activity_stats([sent["campaign_activity_id"]]).results[0].stats
    row = stored_campaign(scene, sent["campaign_id"])
    assert row.name == "Spring appeal — 2027"
    assert (row.sends, row.opens, row.opens_all, row.clicks, row.clicks_all) == (
        stats["em_sends"],
        stats["em_opens"],
        stats["em_opens_all"],
        stats["em_clicks"],
        stats["em_clicks_all"],
    )
    assert (row.forwards, row.optouts, row.bounces, row.abuse, row.not_opened) == (
        stats["em_forwards"],
        stats["em_optouts"],
        stats["em_bounces"],
        stats["em_abuse"],
        stats["em_not_opened"],
    )
    unique = Counter(kind for kind, _contact in expected)
    assert (row.sends, row.bounces) == (unique["sends"], unique["bounces"]) == (8, row.bounces)
    assert row.opens == unique["opens"]
    assert row.opens_all == sum(n for (kind, _c), n in expected.items() if kind == "opens")


def test_rows_are_attached_to_the_linked_accounts_and_unlinked_ones_kept_apart(
    scene: Scene,
) -> None:
    contacts = people(scene, linked=6)
    sent = send(scene, "Autumn news", seed=5)
    result = pull(scene)
    assert result["unlinked_contacts"] == 2
    links = {c: a for a, c in scene.links().items()}
    query = select(CampaignEvent.cc_contact_id, CampaignEvent.account_id).where(
        CampaignEvent.connection_id == scene.connection_id
    )
    with scene.store.session() as session:
        pairs = set(session.execute(query))
    assert {c for c, _a in pairs} == set(contacts)
    for contact_id, account_id in pairs:
        assert account_id == links.get(contact_id), contact_id  # through the link, or None
    unlinked = {c for c, a in pairs if a is None}
    assert len(unlinked) == 2
    assert unlinked.isdisjoint(links)
    # the sends of the unlinked are counted in the campaign's totals all the same
    assert stored_campaign(scene, sent["campaign_id"]).sends == len(PEOPLE)


@edge
def test_a_second_pull_with_nothing_new_reads_no_report(scene: Scene) -> None:
    people(scene)
    send(scene, "Winter", seed=7)
    first = pull(scene)
    assert first["reports_read"] == len(KINDS)
    scene.cc.control.post("/counters/reset").raise_for_status()
    again = pull(scene)
    assert (again["events"], again["reports_read"], again["new_campaigns"]) == (0, 0, 0)
    calls = scene.cc.counters()["by_endpoint"]
    tracking = [k for k in calls if "/tracking/" in k or k.startswith("GET /v3/emails")]
    assert tracking == [], calls


@edge
def test_a_campaign_to_a_list_of_no_concern_is_not_pulled(scene: Scene) -> None:
    people(scene)
    scene.add_list("Board only")
    scene.add_contact("board@example.org", "Bo", "Ard", lists=("Board only",))
    scene.cli("settings", "set", "import.lists=News")
    send(scene, "Board minutes", seed=1, lists=("Board only",))
    mine = send(scene, "Newsletter", seed=2)
    result = pull(scene)
    assert (result["campaigns"], result["not_on_synced_lists"], result["new_campaigns"]) == (
        1,
        1,
        2,
    )
    with scene.store.session() as session:
        pulled = set(session.scalars(select(CampaignEvent.campaign_id).distinct()))
    assert pulled == {mine["campaign_id"]}


@edge
def test_campaigns_older_than_the_window_are_frozen(scene: Scene) -> None:
    people(scene)
    sent = send(scene, "Old news", seed=9)
    assert pull(scene)["campaigns"] == 1
    scene.cli("settings", "set", "stats.window_days=1")
    with scene.cc.state.lock:  # the send happened two days ago
        store = campaign_store(scene.cc.state)
        activity = store.activities[sent["campaign_activity_id"]]
        activity.sent_at = (activity.sent_at or 0) - int(timedelta(days=2).total_seconds() * 1e6)
    result = pull(scene)
    assert (result["campaigns"], result["frozen"]) == (0, 1)
    assert stored_campaign(scene, sent["campaign_id"]).frozen
    assert pull(scene)["frozen"] == 0


def test_a_household_sharing_an_address_gets_the_results_on_the_linked_account_only(
    scene: Scene,
) -> None:
    scene.add_list("News")
    pat = scene.add_account("Pat", "lee@example.org", "Pat", "Lee")
    sam = scene.add_account("Sam", "LEE@example.org ", "Sam", "Lee")
    contact = scene.add_contact("lee@example.org", "Pat", "Lee", lists=("News",))
    assert scene.import_json()["matched"] == 1
    linked = scene.links()
    assert linked.get(pat) == contact
    assert sam not in linked
    send(scene, "Household news", seed=4)
    assert pull(scene)["unlinked_contacts"] == 0
    query = select(CampaignEvent.account_id).where(
        CampaignEvent.connection_id == scene.connection_id
    )
    with scene.store.session() as session:
        assert set(session.scalars(query)) == {pat}
    shown = scene.cli("crm", "show", sam)
    assert "Household news" not in shown.stdout
    assert "Household news" in scene.cli("crm", "show", pat).stdout


@edge
def test_a_longer_window_thaws_a_frozen_campaign(scene: Scene) -> None:
    people(scene)
    sent = send(scene, "Thawed", seed=12)
    with scene.cc.state.lock:  # sent three days ago
        store = campaign_store(scene.cc.state)
        activity = store.activities[sent["campaign_activity_id"]]
        activity.sent_at = (activity.sent_at or 0) - int(timedelta(days=3).total_seconds() * 1e6)
    scene.cli("settings", "set", "stats.window_days=1")
    assert pull(scene)["outside_window"] == 1
    scene.cli("settings", "set", "stats.window_days=7")
    result = pull(scene)
    assert (result["campaigns"], result["new_campaigns"]) == (1, 1)
    assert not stored_campaign(scene, sent["campaign_id"]).frozen
    scene.cli("settings", "set", "stats.window_days=1")
    assert pull(scene)["frozen"] == 1
    scene.cli("settings", "set", "stats.window_days=7")
    again = pull(scene)
    assert (again["campaigns"], again["events"]) == (1, 0)
    assert not stored_campaign(scene, sent["campaign_id"]).frozen
