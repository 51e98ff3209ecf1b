"""One measured step of the performance report: a job in its own process, the API calls
it made by endpoint (the emulator's counters, reset before it), wall time, peak RSS."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import update

from common import run_job
from listbridge.store.db import open_store
from listbridge.store.models import ApiBudget

DATA = str(Path(__file__).with_name("perf_data.py"))
UNPACED = str(Path(__file__).with_name("unpaced_cli.py"))
#: Constant Contact's pace, which every measured step keeps (`--rate-limit 4`)
RATE = 4
#: an activity read one at a time, or a page of them at once (a push waits for a group)
POLLS = ("GET /v3/activities/{activity_id}", "GET /v3/activities")


@dataclass
class Harness:
    """The emulator's controls and the listbridge command line for one database."""

    base: str
    db_url: str
    control: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.control = httpx.Client(base_url=f"{self.base}/__emulator__", timeout=3600)

    @property
    def cli(self) -> list[str]:
        return [sys.executable, "-m", "listbridge", "--db", self.db_url]

    def data(self, action: str, *numbers: int) -> dict[str, Any]:
        """A bench/perf_data.py action in a child process (not measured)."""
        out, _, _ = run_job([sys.executable, DATA, action, self.db_url, *map(str, numbers)])
        return dict(json.loads(out))

    def quiet(self, *args: str) -> str:
        """A listbridge command that prepares a step (not measured)."""
        return run_job([*self.cli, *args])[0]

    def job(
        self, *args: str, records: int, minimum: dict[str, Any], paced: bool = True
    ) -> dict[str, Any]:
        """`listbridge ARGS --json`, measured; `minimum` holds `calls` (without polls),
        `polls` and `how` (the reasoning, for the report). `paced=False` is for the
        preparation only: neither the emulator nor the client keeps the 4 requests/s, so
        its calls and peak RSS are the job's, its time is not Constant Contact's."""
        self.new_budget_day()
        self.control.post("/counters/reset").raise_for_status()
        cli = self.cli if paced else [sys.executable, UNPACED, *self.cli[3:]]
        if not paced:
            self.control.post("/limits", json={"rate_limit": None}).raise_for_status()
        try:
            out, seconds, peak = run_job([*cli, *args, "--json"])
        finally:
            self.control.post("/limits", json={"rate_limit": RATE}).raise_for_status()
        counters = self.control.get("/counters").json()
        by_endpoint: dict[str, int] = counters["by_endpoint"]
        result = json.loads(out)
        polls = sum(by_endpoint.get(p, 0) for p in POLLS)
        least = minimum["calls"] + minimum["polls"]
        return {
            "command": " ".join(["listbridge", *args, "--json"]),
            "paced": paced,
            "records": records,
            "api_calls": counters["total"],
            "polls": polls,
            "by_endpoint": by_endpoint,
            "minimum": minimum,
            "ratio": round(counters["total"] / max(1, least), 3),
            "ratio_without_polls": round((counters["total"] - polls) / max(1, minimum["calls"]), 3),
            "seconds": round(seconds, 2),
            "records_per_s": round(records / seconds) if seconds else None,
            "planning_records_per_s": planning_rate(result),
            "peak_rss_mb": round(peak),
            "result": {k: v for k, v in result.items() if not isinstance(v, list | dict)},
            "errors": len(result.get("errors", []) or []),
        }

    def new_budget_day(self) -> None:
        """Each measured step on a day of its own: the steps at 1,000,000 accounts need
        about 2.5 days of Constant Contact's 10,000 calls (the initial push alone half a
        day), as an organisation would spend them; the ledger's day is moved back so the
        job starts with a whole day's budget, and its own refusal stays armed."""
        store = open_store(self.db_url)
        yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
        try:
            with store.session() as session:
                session.execute(update(ApiBudget).values(day=yesterday))
        finally:
            store.close()


def planning_rate(result: dict[str, Any]) -> float | None:
    """The planning speed a job reports, under whatever key names it."""
    for key, value in result.items():
        if "plan" in key and ("per_s" in key or "rate" in key) and isinstance(value, int | float):
            return float(value)
    timing = result.get("timings") or result.get("planning")
    if isinstance(timing, dict):
        return planning_rate(timing)
    return None
