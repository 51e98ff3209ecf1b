"""Campaign results read back (store/campaign_reads.py), on SQLite and PostgreSQL: the
campaign list, the dashboard widget's recent campaigns, one campaign's recipients and one
account's history; a campaign a pull did not include never shows anywhere."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tests.support.campaign_results import (
    CAMPAIGN,
    DONATE,
    FROZEN,
    HIDDEN,
    NEWS,
    SPRING_NAME,
    SPRING_SENT,
    at,
    seed_results,
)

from listbridge.store.campaign_reads import (
    account_history,
    campaign_detail,
    campaign_rows,
    recent_campaigns,
)
from listbridge.store.db import Store


@pytest.fixture
def seeded(store: Store) -> int:
    seed_results(store, "other")  # another connection's results: never seen from "default"
    return seed_results(store)


def test_campaign_rows_newest_first_with_counters_and_unlinked(store: Store, seeded: int) -> None:
    with store.session() as session:
        rows = campaign_rows(session, seeded)
    assert [row.campaign_id for row in rows] == [CAMPAIGN, FROZEN]
    spring, winter = rows
    assert (spring.name, spring.sent_at, spring.frozen) == (SPRING_NAME, SPRING_SENT, False)
    assert (spring.counters.sends, spring.counters.opens, spring.counters.bounces) == (4, 2, 1)
    assert (spring.counters.open_rate, spring.counters.click_rate) == (66.7, 50.0)
    assert spring.unlinked == 1
    assert spring.pulled_at == datetime(2026, 4, 2, tzinfo=UTC)
    assert (winter.name, winter.frozen, winter.unlinked) == ("Winter news", True, 0)


def test_recent_campaigns_chosen_columns_limit_and_sort(store: Store, seeded: int) -> None:
    with store.session() as session:
        newest = recent_campaigns(session, seeded, 1, ["name", "sends", "open_rate"], "sent_at")
        by_rate = recent_campaigns(session, seeded, 10, ["name", "open_rate"], "open_rate")
        rising = recent_campaigns(session, seeded, 10, ["open_rate"], "open_rate", False)
        by_name = recent_campaigns(session, seeded, 10, ["sent_at"], "name", descending=False)
    assert newest == [{"name": SPRING_NAME, "sends": 4, "open_rate": 66.7}]
    assert by_rate == [
        {"name": SPRING_NAME, "open_rate": 66.7},
        {"name": "Winter news", "open_rate": 50.0},
    ]
    assert rising == [{"open_rate": 50.0}, {"open_rate": 66.7}]
    # the sort column need not be shown; "Frühjahrs…" before "Winter…"
    assert by_name == [
        {"sent_at": SPRING_SENT},
        {"sent_at": datetime(2025, 12, 1, 9, 30, tzinfo=UTC)},
    ]


@pytest.mark.parametrize(
    ("columns", "sort", "named"),
    [
        (["name", "colour"], "sends", "unknown column 'colour'"),
        (["name"], "list_ids", "unknown sort column 'list_ids'"),
        ([], "sends", "choose at least one column"),
    ],
)
def test_recent_campaigns_refuses_unknown_columns_naming_them_and_the_allowed(
    store: Store, seeded: int, columns: list[str], sort: str, named: str
) -> None:
    with store.session() as session, pytest.raises(ValueError, match=named) as refused:
        recent_campaigns(session, seeded, 5, columns, sort)
    assert "name, sent_at, sends, opens, open_rate" in str(refused.value)
    assert "optout_rate" in str(refused.value)


def test_recent_campaigns_refuses_a_limit_below_one(store: Store, seeded: int) -> None:
    with store.session() as session, pytest.raises(ValueError, match="limit must be at least 1"):
        recent_campaigns(session, seeded, 0, ["name"], "name")


def test_campaign_detail_per_account_and_unlinked_apart(store: Store, seeded: int) -> None:
    with store.session() as session:
        detail = campaign_detail(session, seeded, CAMPAIGN)
    assert detail is not None
    assert (detail.campaign.name, detail.campaign.unlinked) == (SPRING_NAME, 1)
    # by account id (as text, the same on both backends)
    assert [row.account_id for row in detail.accounts] == ["A1", "A10", "A2", "A3"]
    ann, only_sent, bounced, opted_out = (row.result for row in detail.accounts)
    assert (ann.opens, ann.clicks, ann.links, ann.forwards) == (3, 2, [DONATE, NEWS], 1)
    assert (ann.sent_at, ann.opted_out_at, ann.bounce_code) == (SPRING_SENT, None, "")
    assert (only_sent.opens, only_sent.clicks, only_sent.opened) == (0, 0, False)
    assert (bounced.bounce_code, bounced.hard_bounce, bounced.opens) == ("B", True, 0)
    assert (opted_out.opted_out_at, opted_out.opens) == (at(26), 1)
    assert detail.accounts[0].email == "a1@example.org"
    [unlinked] = detail.unlinked
    assert (unlinked.account_id, unlinked.cc_contact_id, unlinked.email) == (
        None,
        "c-x9",
        "zoë@example.net",
    )
    assert unlinked.result.opens == 1


def test_campaign_detail_of_an_excluded_or_unknown_campaign_is_none(
    store: Store, seeded: int
) -> None:
    with store.session() as session:
        assert campaign_detail(session, seeded, HIDDEN) is None
        assert campaign_detail(session, seeded, "no-such-campaign") is None


def test_account_history_newest_first_without_excluded_campaigns(store: Store, seeded: int) -> None:
    with store.session() as session:
        ann = account_history(session, seeded, "A1")
        bo = account_history(session, seeded, "A2")
        nobody = account_history(session, seeded, "Z9")
    assert [(row.campaign_id, row.name) for row in ann] == [
        (CAMPAIGN, SPRING_NAME),
        (FROZEN, "Winter news"),
    ]
    spring, winter = ann
    assert (spring.sent_at, spring.result.opens, spring.result.links) == (
        SPRING_SENT,
        3,
        [DONATE, NEWS],
    )
    assert (spring.result.forwards, winter.result.opens, winter.result.clicks) == (1, 1, 0)
    assert [(row.campaign_id, row.result.bounce_code) for row in bo] == [(CAMPAIGN, "B")]
    assert nobody == []


def test_reads_of_a_connection_without_results_are_empty(store: Store) -> None:
    seed_results(store, "other")
    from listbridge.store.connections import connection_id

    empty = connection_id(store, "default")
    with store.session() as session:
        assert campaign_rows(session, empty) == []
        assert recent_campaigns(session, empty, 5, ["name"], "sent_at") == []
        assert campaign_detail(session, empty, CAMPAIGN) is None
        assert account_history(session, empty, "A1") == []
