"""Write calls of a push that follows an import (issue 23, item 3); not part of the tests.

    ./dev bench import_then_push [--contacts 10000] [--db URL]

An emulator in its own process holds N seeded contacts on a few lists. listbridge
connects, imports them all, then pushes: once with no list named (the imported links'
contacts are brought up to date), then with one of the seeded lists named. Nothing
changed in the CRM between the import and the pushes, so a push owes Constant Contact
no write at all. Measured per step (from /__emulator__/counters): write calls
(POST/PUT/PATCH/DELETE under /v3), read calls, wall time and peak RSS of the child.
The baseline is the import itself: its API calls, against which the pushes' are ratios.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from typing import Any

import httpx

from common import run_child, start_emulator, write_results

LISTBRIDGE = [sys.executable, "-m", "listbridge"]
WRITES = ("POST ", "PUT ", "PATCH ", "DELETE ")


def calls(control: httpx.Client) -> dict[str, Any]:
    by_endpoint: dict[str, int] = control.get("/counters").json()["by_endpoint"]
    control.post("/counters/reset").raise_for_status()
    api = {k: v for k, v in by_endpoint.items() if " /v3/" in k}
    written = {k: v for k, v in api.items() if k.startswith(WRITES)}
    writes = sum(written.values())
    return {"writes": writes, "reads": sum(api.values()) - writes, "write_calls": written}


def step(db: str, control: httpx.Client, *args: str) -> dict[str, Any]:
    out, seconds, peak = run_child([*LISTBRIDGE, "--db", db, *args])
    return {"seconds": round(seconds, 1), "peak_rss_mb": round(peak), **calls(control),
            "result": json.loads(out) if "--json" in args else None}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--db", default="")
    args = parser.parse_args()
    emulator, base = start_emulator()
    try:
        with (
            tempfile.TemporaryDirectory() as tmp,
            httpx.Client(base_url=f"{base}/__emulator__", timeout=120) as control,
        ):
            db = args.db or f"sqlite:///{tmp}/bench.db"
            seeded = {"contacts": args.contacts, "lists": 3, "custom_fields": 0, "seed": 7}
            control.post("/seed", json=seeded).raise_for_status()
            run_child([*LISTBRIDGE, "--db", db, "connect", "--emulator", base])
            control.post("/counters/reset").raise_for_status()
            results: dict[str, Any] = {"import": step(db, control, "import", "--json")}
            listed = json.loads(run_child([*LISTBRIDGE, "--db", db, "lists", "ls", "--json"])[0])
            target = listed[0]["name"]
            calls(control)
            plan = step(db, control, "push", "--dry-run", "--json")["result"]
            print("dry run of the push:", json.dumps({k: plan[k] for k in plan if k != "errors"}))
            results["push (no list)"] = step(db, control, "push", "--json")
            results[f"push --list {target}"] = step(db, control, "push", "--list", target, "--json")
            base_calls = results["import"]["reads"] + results["import"]["writes"]
            for name, row in results.items():
                row.pop("result", None)
                total = row["reads"] + row["writes"]
                row["calls_per_record"] = round(total / args.contacts, 4)
                row["calls_ratio_to_import"] = round(total / max(base_calls, 1), 3)
                print(f"{name:28} writes {row['writes']:6}  reads {row['reads']:6}  "
                      f"{row['seconds']:7.1f} s  {row['peak_rss_mb']:5} MB")  # fmt: skip
                print(f"{'':28} {row['write_calls']}")
            path = write_results("import_then_push", results, contacts=args.contacts)
            print(f"results: {path}")
    finally:
        emulator.terminate()
        emulator.wait()


if __name__ == "__main__":
    main()
