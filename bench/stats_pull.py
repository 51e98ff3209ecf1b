"""Campaign results pulled incrementally (issue 16); not part of the test suite.

    ./dev bench stats_pull [--campaigns 20] [--recipients 50000] [--db URL]
    ./dev bench stats_pull --campaigns 2 --recipients 2000      # a smoke run, under a minute

An emulator in its own process holds about `recipients` subscribed contacts on one list
(the seed leaves 5% unsubscribed, so it seeds that many more); listbridge connects and
imports them (every recipient has an account), then the emulator sends `campaigns`
campaigns to the list (rates open 0.4, click 0.05, forward 0.01, bounce 0.02, optout 0.01;
each campaign's opt-outs leave the next one a few recipients fewer). Three pulls, each
`listbridge stats pull --json` in its own process, measured for wall time, peak RSS, API
calls in total and by endpoint (/__emulator__/counters) and rows stored:
1. the first pull, everything new;
2. a second with no new activity: it should ask for the summaries and the counters only;
3. a third after later engagement (/__emulator__/campaigns/{id}/activity) on 2 campaigns.
The baseline is the fewest calls the reports' page sizes allow, from the emulator's own
totals (/__emulator__/campaigns/{id}/totals): ceil(rows / 500) per campaign and tracking
report with rows to read, the summary pages (500 campaigns a page), ceil(campaigns / 10)
stats calls, and 2 calls per campaign seen for the first time (GET /emails/{id}, GET
/emails/activities/{id}); the pull's own calls are reported as ratios to it, and its wall
time against the time those calls take at the client's rate limit.
Writes bench/results/stats_pull-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from collections import Counter
from typing import Any

import httpx

from common import rss_mb, run_child, start_emulator, write_results
from listbridge.core.ratelimit import DEFAULT_RATE

LISTBRIDGE = [sys.executable, "-m", "listbridge"]
RATES = {"open": 0.4, "click": 0.05, "forward": 0.01, "bounce": 0.02, "optout": 0.01}
LATER = {"open": 0.1, "click": 0.02, "forward": 0.005, "optout": 0.005}
KINDS = ("sends", "opens", "clicks", "forwards", "optouts", "bounces")
PAGE = 500  # rows of a tracking report page (facts §10.3)
SUMMARY_PAGE = 500  # campaigns of a summaries page (facts §10.2)
STATS_IDS = 10  # activities of one stats call (facts §10.2)
TRACKING = "GET /v3/reports/email_reports/{campaign_activity_id}/tracking/"
SEEDED_UNSUBSCRIBED = 0.05  # the share the emulator's seed leaves unsubscribed


def prepare(control: httpx.Client, cli: list[str], base: str, recipients: int) -> dict[str, Any]:
    """Contacts on one list, connected and imported: every recipient has an account."""
    contacts = math.ceil(recipients / (1 - SEEDED_UNSUBSCRIBED))
    seeded = control.post("/seed", json={"contacts": contacts, "lists": 1, "seed": 16})
    seeded.raise_for_status()
    run_child([*cli, "connect", "--emulator", base])
    out, seconds, _ = run_child([*cli, "import", "--json"])
    imported = json.loads(out)
    return {
        "list_id": seeded.json()["list_ids"][0],
        "contacts": contacts,
        "import_seconds": round(seconds, 1),
        "imported": {k: imported.get(k) for k in ("attempted", "created", "matched")},
    }


def send_campaigns(control: httpx.Client, list_id: str, campaigns: int) -> tuple[list[str], float]:
    began = time.perf_counter()
    ids = []
    for i in range(campaigns):
        body = {"name": f"Bench {i + 1}", "list_ids": [list_id], "rates": RATES, "seed": i}
        answer = control.post("/campaigns/send", json=body)
        answer.raise_for_status()
        ids.append(answer.json()["campaign_id"])
    return ids, time.perf_counter() - began


def totals(control: httpx.Client, campaign_ids: list[str]) -> dict[str, dict[str, int]]:
    """Rows per kind of each campaign, as the emulator holds them."""
    found = {}
    for campaign_id in campaign_ids:
        answer = control.get(f"/campaigns/{campaign_id}/totals", params={"by_contact": "false"})
        answer.raise_for_status()
        found[campaign_id] = answer.json()["rows"]
    return found


def least_calls(rows_read: list[int], campaigns: int, new_campaigns: int) -> int:
    """The fewest calls a pull can make: `rows_read` holds, per report with rows to read,
    how many; the summaries, the stats (≤10 a call) and 2 calls per new campaign besides."""
    pages = sum(math.ceil(n / PAGE) for n in rows_read)
    summaries = max(1, math.ceil(campaigns / SUMMARY_PAGE))
    return pages + summaries + math.ceil(campaigns / STATS_IDS) + 2 * new_campaigns


def pull(control: httpx.Client, cli: list[str], least: int, rows_expected: int) -> dict[str, Any]:
    """One `stats pull --json` in its own process, with its calls against `least`."""
    control.post("/counters/reset").raise_for_status()
    out, seconds, peak = run_child([*cli, "stats", "pull", "--json"])
    counters = control.get("/counters").json()
    result = json.loads(out)
    by_endpoint: dict[str, int] = counters["by_endpoint"]
    tracking = Counter[str]()
    for endpoint, calls in by_endpoint.items():
        if endpoint.startswith(TRACKING):
            tracking[endpoint.removeprefix(TRACKING)] += calls
    floor_seconds = least / DEFAULT_RATE  # the fewest calls, at the client's rate limit
    return {
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(peak),
        "api_calls": counters["total"],
        "api_calls_minimum": least,
        "calls_ratio_to_minimum": round(counters["total"] / max(least, 1), 3),
        "wall_ratio_to_rate_limited_minimum": round(seconds / max(floor_seconds, 1e-9), 2),
        "rows_stored": result.get("events"),
        "rows_expected": rows_expected,
        "tracking_pages_by_kind": dict(tracking),
        "by_endpoint": by_endpoint,
        "result": {k: v for k, v in result.items() if k not in ("errors", "notes")},
        "errors": len(result.get("errors", [])),
        "notes": result.get("notes", []),
    }


def later_activity(control: httpx.Client, campaign_ids: list[str]) -> dict[str, dict[str, int]]:
    added = {}
    for n, campaign_id in enumerate(campaign_ids):
        body = {"rates": LATER, "seed": 100 + n}
        answer = control.post(f"/campaigns/{campaign_id}/activity", json=body)
        answer.raise_for_status()
        added[campaign_id] = answer.json()["added"]
    return added


def measure(base: str, emulator_pid: int, args: argparse.Namespace, db: str) -> dict[str, Any]:
    cli = [*LISTBRIDGE, "--db", db]
    with httpx.Client(base_url=f"{base}/__emulator__", timeout=3600) as control:
        setup = prepare(control, cli, base, args.recipients)
        ids, send_seconds = send_campaigns(control, setup["list_id"], args.campaigns)
        held = totals(control, ids)
        setup.update(
            send_seconds=round(send_seconds, 1),
            rows_by_kind=dict(sum((Counter(rows) for rows in held.values()), Counter())),
        )
        every_report = [rows[k] for rows in held.values() for k in KINDS]
        n = len(ids)
        first = pull(control, cli, least_calls(every_report, n, n), sum(every_report))
        second = pull(control, cli, least_calls([], n, 0), 0)
        added = later_activity(control, ids[: args.active])
        moved = [k for kinds in added.values() for k in kinds.values() if k]
        third = pull(control, cli, least_calls(moved, n, 0), sum(moved))
        third["activity_added"] = added
        emulator = {"rss_mb": round(rss_mb(emulator_pid))}
    return {"setup": setup, "first pull": first, "second pull (nothing new)": second,
            f"third pull (activity on {len(added)})": third, "emulator": emulator}  # fmt: skip


def report(results: dict[str, Any]) -> None:
    print("setup:", json.dumps(results["setup"]))
    for name, row in results.items():
        if "api_calls" not in row:
            continue
        print(
            f"{name:32} {row['seconds']:8.1f} s  {row['peak_rss_mb']:5} MB  "
            f"calls {row['api_calls']:6} (minimum {row['api_calls_minimum']}, "
            f"ratio {row['calls_ratio_to_minimum']})  rows {row['rows_stored']} "
            f"of {row['rows_expected']}"
        )
        print(f"{'':32} {row['by_endpoint']}")
    print("emulator:", results["emulator"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--campaigns", type=int, default=20)
    parser.add_argument("--recipients", type=int, default=50_000)
    parser.add_argument("--active", type=int, default=2, help="campaigns with later activity")
    parser.add_argument("--db", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or f"sqlite:///{tmp}/bench.db"
        os.environ.setdefault("LISTBRIDGE_KEY_FILE", f"{tmp}/secret.key")
        process, base = start_emulator()
        try:
            results = measure(base, process.pid, args, db)
        finally:
            process.terminate()
            process.wait(timeout=60)
    report(results)
    path = write_results(
        "stats_pull",
        results,
        campaigns=args.campaigns,
        recipients=args.recipients,
        database=db.split(":", 1)[0],
        note="emulator in its own process; client limited to 4 requests/s as against CC",
    )
    print(f"written to {path}")


if __name__ == "__main__":
    main()
