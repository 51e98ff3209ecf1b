"""`stats show` as a table, CSV and Excel (the list, and one campaign's recipients), its
refusals, and `crm show`'s campaign history, from results stored as a pull leaves them."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from tests.conftest import Cli
from tests.support.campaign_results import (
    CAMPAIGN,
    DONATE,
    HIDDEN,
    HOSTILE,
    HOSTILE_LINK,
    HOSTILE_NAME,
    NEWS,
    SPRING_NAME,
    seed_results,
)

from listbridge.store.db import open_store

CAMPAIGN_HEADER = [
    "campaign_id", "name", "sent", "sends", "opens", "open_rate", "clicks", "click_rate",
    "forwards", "bounces", "optouts", "abuse", "not_opened", "unlinked",
]  # fmt: skip
RECIPIENT_HEADER = [
    "account_id", "email", "opens", "clicks", "links", "forwards", "opted_out", "bounced",
]  # fmt: skip


@pytest.fixture
def seeded(cli: Cli) -> Cli:
    store = open_store(cli.db_url)
    try:
        seed_results(store, hostile=True)
    finally:
        store.close()
    return cli


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_table_lists_included_campaigns_with_rates(seeded: Cli) -> None:
    done = seeded("stats", "show")
    assert done.exit_code == 0, done.output
    assert SPRING_NAME in done.stdout
    assert "Winter news" in done.stdout
    assert "66.7%" in done.stdout
    assert "Never shown" not in done.stdout


def test_table_of_one_campaign_lists_unlinked_contacts_apart(seeded: Cli) -> None:
    done = seeded("stats", "show", "--campaign", CAMPAIGN)
    assert done.exit_code == 0, done.output
    accounts, unlinked = done.stdout.split("not linked to an account (1)")
    assert "B hard" in accounts
    assert "bounced: B non-existent address (hard)" in accounts
    assert "A10" in accounts
    assert "zoë@example.net" in unlinked
    assert "zoë@example.net" not in accounts


def test_table_without_results_says_so(cli: Cli) -> None:
    done = cli("stats", "show")
    assert done.exit_code == 0, done.output
    assert "no campaign results pulled yet" in done.stdout


def test_csv_one_row_per_campaign(seeded: Cli) -> None:
    done = seeded("stats", "show", "--format", "csv")
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines()[0] == ",".join(CAMPAIGN_HEADER)
    rows = _csv(done.stdout)
    assert [row["campaign_id"] for row in rows] == [CAMPAIGN, HOSTILE, "c-winter"]
    spring = rows[0]
    assert (spring["name"], spring["sent"], spring["sends"]) == (
        SPRING_NAME,
        "2026-03-10T10:00:00Z",
        "4",
    )
    assert (spring["open_rate"], spring["click_rate"], spring["unlinked"]) == ("66.7", "50.0", "1")
    # a formula in a campaign's name comes out quoted: a spreadsheet shows it as text
    assert rows[1]["name"] == "'" + HOSTILE_NAME


def test_csv_of_one_campaign_one_row_per_account_then_unlinked(seeded: Cli) -> None:
    done = seeded("stats", "show", "--campaign", CAMPAIGN, "--format", "csv")
    assert done.exit_code == 0, done.output
    rows = _csv(done.stdout)
    assert list(rows[0])[: len(RECIPIENT_HEADER)] == RECIPIENT_HEADER
    assert [row["account_id"] for row in rows] == ["A1", "A10", "A2", "A3", ""]
    ann = rows[0]
    assert (ann["opens"], ann["clicks"], ann["forwards"]) == ("3", "2", "1")
    assert ann["links"].split(" ") == [DONATE, NEWS]
    assert (rows[2]["bounced"], rows[3]["opted_out"]) == ("B", "2026-03-11T12:00:00Z")
    assert (rows[4]["email"], rows[4]["cc_contact_id"]) == ("zoë@example.net", "c-x9")


def test_csv_to_a_file_says_where(seeded: Cli, tmp_path: Path) -> None:
    out = tmp_path / "campaigns.csv"
    done = seeded("stats", "show", "--format", "csv", "--out", str(out))
    assert done.exit_code == 0, done.output
    assert f"wrote 3 campaign row(s) to {out}" in done.stderr
    assert done.stdout == ""
    assert len(_csv(out.read_text(encoding="utf-8"))) == 3


def test_xlsx_of_the_campaigns_is_typed(seeded: Cli, tmp_path: Path) -> None:
    out = tmp_path / "campaigns.xlsx"
    done = seeded("stats", "show", "--format", "xlsx", "--out", str(out))
    assert done.exit_code == 0, done.output
    assert str(out) in done.stderr
    sheet = load_workbook(out).active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    assert header == CAMPAIGN_HEADER
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == 4
    spring = dict(zip(header, sheet[2], strict=True))
    assert spring["name"].value == SPRING_NAME
    assert isinstance(spring["sends"].value, int)
    assert spring["sends"].value == 4
    # Excel has no time zones: the UTC time, naive
    assert spring["sent"].value == datetime(2026, 3, 10, 10, 0, tzinfo=UTC).replace(tzinfo=None)
    assert spring["sent"].is_date
    assert spring["open_rate"].value == pytest.approx(0.667)
    assert "%" in spring["open_rate"].number_format
    assert sheet.column_dimensions["B"].width >= 30
    hostile = sheet.cell(row=3, column=2)
    assert (hostile.value, hostile.data_type) == ("'" + HOSTILE_NAME, "s")


def test_xlsx_of_one_campaign_quotes_a_formula_link(seeded: Cli, tmp_path: Path) -> None:
    out = tmp_path / "hostile.xlsx"
    done = seeded("stats", "show", "--campaign", HOSTILE, "--format", "xlsx", "--out", str(out))
    assert done.exit_code == 0, done.output
    sheet = load_workbook(out).active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, sheet[2], strict=True))
    assert row["account_id"].value == "A1"
    assert (row["links"].value, row["links"].data_type) == ("'" + HOSTILE_LINK, "s")
    assert row["clicks"].value == 1


def test_xlsx_without_out_exits_2(seeded: Cli) -> None:
    done = seeded("stats", "show", "--format", "xlsx")
    assert done.exit_code == 2
    assert "--out FILE.xlsx" in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize("campaign", ["no-such-campaign", HIDDEN])
def test_unknown_or_excluded_campaign_exits_2_naming_it(seeded: Cli, campaign: str) -> None:
    done = seeded("stats", "show", "--campaign", campaign)
    assert done.exit_code == 2
    assert f"no campaign with id {campaign!r}" in done.stderr


def test_unknown_format_exits_2(seeded: Cli) -> None:
    done = seeded("stats", "show", "--format", "pdf")
    assert done.exit_code == 2
    assert "pdf" in done.output


def test_an_unwritable_out_file_exits_2_naming_it(seeded: Cli, tmp_path: Path) -> None:
    out = tmp_path / "missing" / "campaigns.xlsx"
    done = seeded("stats", "show", "--format", "xlsx", "--out", str(out))
    assert done.exit_code == 2
    assert f"cannot write the Excel file to {out}" in done.stderr


def test_crm_show_has_the_campaign_history(seeded: Cli, tmp_path: Path) -> None:
    accounts = tmp_path / "a.csv"
    accounts.write_text("id,first_name,email\nA1,Ann,a1@example.org\nB7,Bo,b7@example.org\n")
    assert seeded("crm", "load", str(accounts)).exit_code == 0
    done = seeded("crm", "show", "A1")
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    history = lines[lines.index("Campaign history:") + 1 :]
    assert history[0] == (
        f"  2026-03-10  {SPRING_NAME}: opened 3×; clicked {DONATE}, {NEWS}; forwarded 1×"
    )
    assert history[1].startswith(f"  2026-02-01  {HOSTILE_NAME}: clicked")
    assert history[2] == "  2025-12-01  Winter news: opened 1×"
    assert "Never shown" not in done.stdout
    nothing = seeded("crm", "show", "B7").stdout.splitlines()
    assert nothing[nothing.index("Campaign history:") + 1] == (
        "  (no campaign results pulled for this account)"
    )
