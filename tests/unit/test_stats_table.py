"""Campaign results as spreadsheet rows (core/stats_table.py) and the widget's column
rules (core/campaign_rows.py): properties over any names, links and counters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from listbridge.core.campaign_rows import (
    RECENT_COLUMNS,
    CampaignDetail,
    CampaignRow,
    RecipientRow,
    check_columns,
    sorted_rows,
)
from listbridge.core.campaign_stats import Counters, RecipientResult
from listbridge.core.spreadsheet import FORMULA_TRIGGERS, restore_cell
from listbridge.core.stats_table import (
    Kind,
    campaign_table,
    csv_cells,
    recipient_table,
    sheet_cells,
)

counts = st.integers(min_value=0, max_value=10**6)
# Hypothesis bounds are naive; the times it draws carry UTC
times = st.datetimes(
    min_value=datetime(2000, 1, 1, tzinfo=UTC).replace(tzinfo=None),
    max_value=datetime(2100, 1, 1, tzinfo=UTC).replace(tzinfo=None),
    timezones=st.just(UTC),
)
texts = st.text(max_size=30) | st.sampled_from(['=HYPERLINK("x")', "+1", "-2", "@A1", "'=x"])
counters = st.builds(
    Counters, **dict.fromkeys(("sends", "opens", "clicks", "bounces", "optouts"), counts)
)
campaigns = st.builds(
    CampaignRow,
    campaign_id=texts,
    name=texts,
    sent_at=st.none() | times,
    counters=counters,
    frozen=st.booleans(),
    pulled_at=st.none() | times,
    unlinked=counts,
)
results = st.builds(
    RecipientResult,
    sent_at=st.none() | times,
    opens=counts,
    clicks=counts,
    links=st.lists(texts.filter(lambda t: " " not in t), max_size=3),
    forwards=counts,
    opted_out_at=st.none() | times,
    bounce_code=st.sampled_from(["", "B", "D", "=1"]),
)
recipients = st.builds(
    RecipientRow, account_id=st.none() | texts, cc_contact_id=texts, email=texts, result=results
)


def _written_safely(cell: object) -> bool:
    return not isinstance(cell, str) or not cell.startswith(FORMULA_TRIGGERS)


@given(st.lists(campaigns, max_size=8))
def test_campaign_cells_are_safe_typed_and_one_row_per_campaign(rows: list[CampaignRow]) -> None:
    table = campaign_table(rows)
    assert len(table.rows) == len(rows)
    for campaign, row in zip(rows, table.rows, strict=True):
        written = csv_cells(row)
        sheet = sheet_cells(table.columns, row)
        assert all(_written_safely(cell) for cell in [*written, *sheet])
        assert restore_cell(written[1]) == campaign.name  # quoting is undone exactly
        for column, cell in zip(table.columns, sheet, strict=True):
            if column.kind is Kind.COUNT:
                assert type(cell) is int
            elif column.kind is Kind.PERCENT:
                assert isinstance(cell, float)
                assert cell >= 0.0  # a fraction: Excel's % format shows 0.235 as 23.5%
            elif column.kind is Kind.TIME and cell is not None:
                assert isinstance(cell, datetime)
                assert cell.tzinfo is None  # Excel has no time zones: naive UTC


@given(st.lists(recipients, max_size=4), st.lists(recipients, max_size=4), campaigns)
def test_recipient_cells_are_safe_and_list_unlinked_last(
    accounts: list[RecipientRow], unlinked: list[RecipientRow], campaign: CampaignRow
) -> None:
    unlinked = [RecipientRow(None, r.cc_contact_id, r.email, r.result) for r in unlinked]
    table = recipient_table(CampaignDetail(campaign, accounts, unlinked))
    assert len(table.rows) == len(accounts) + len(unlinked)
    for row in table.rows[len(accounts) :]:
        assert row[0] == ""  # account_id empty
    for row in table.rows:
        assert all(_written_safely(cell) for cell in csv_cells(row))
        assert all(_written_safely(cell) for cell in sheet_cells(table.columns, row))


def test_times_are_utc_in_csv_and_naive_utc_in_sheets() -> None:
    sent = datetime(2026, 3, 10, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    row = CampaignRow("c1", "Spring", sent, Counters(sends=10, opens=5), False, None)
    table = campaign_table([row])
    assert csv_cells(table.rows[0])[2] == "2026-03-10T12:00:00Z"
    naive_utc = datetime(2026, 3, 10, 12, 0, tzinfo=UTC).replace(tzinfo=None)
    assert sheet_cells(table.columns, table.rows[0])[2] == naive_utc
    assert sheet_cells(table.columns, table.rows[0])[5] == pytest.approx(0.5)


@given(st.lists(campaigns, max_size=8), st.sampled_from(["name", "sent_at", "open_rate"]))
def test_sorting_keeps_every_campaign_and_puts_missing_values_last(
    rows: list[CampaignRow], sort: str
) -> None:
    for descending in (True, False):
        ordered = sorted_rows(rows, sort, descending)
        assert sorted(map(id, ordered)) == sorted(map(id, rows))
        values = [RECENT_COLUMNS[sort](row) for row in ordered]
        assert [v is None for v in values] == sorted(v is None for v in values)
        known = [v.casefold() if isinstance(v, str) else v for v in values if v is not None]
        assert known == sorted(known, reverse=descending)  # type: ignore[type-var]


def test_unknown_columns_are_named_with_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown column 'x'; allowed: name, sent_at, sends"):
        check_columns(("name", "x"), "sends")
    with pytest.raises(ValueError, match=r"unknown sort column 'y'"):
        check_columns(("name",), "y")
