"""Scale figures for the Constant Contact emulator (issue 3); not part of the test suite.

    .venv/bin/python bench/emulator_scale.py [--contacts 1000000] [--batch 5000]

Starts ``listbridge emulator --auto-approve`` as its own process, then measures:
1. RSS of the emulator holding N seeded contacts;
2. paging through all of them with ``GET /v3/contacts?limit=500`` over loopback (contacts/s);
3. importing N contacts through ``contacts_json_import`` batches, until every activity completes;
4. saving and loading a ``--state`` file of N contacts.
Prints the figures and writes bench/results/emulator_scale-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import json
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from common import rss_mb, start_emulator, write_results
from listbridge.emulator import persistence, seed
from listbridge.emulator.state import EmulatorState
from listbridge.emulator.testing import obtain_token


def page_all(api: httpx.Client) -> tuple[int, float]:
    began = time.perf_counter()
    seen, href = 0, "/contacts?limit=500&status=all"
    while href:
        page = api.get(href).json()
        seen += len(page["contacts"])
        href = page["_links"].get("next", {}).get("href", "").removeprefix("/v3")
    return seen, time.perf_counter() - began


def import_all(
    api: httpx.Client, control: httpx.Client, n: int, batch: int
) -> tuple[int, float, int]:
    list_id = api.post("/contact_lists", json={"name": "Bench import"}).json()["list_id"]
    began, ids, biggest = time.perf_counter(), [], 0
    for start_at in range(0, n, batch):
        rows = [
            {"email": f"person{i}@bench.example.org", "first_name": "Bench", "last_name": f"P{i}"}
            for i in range(start_at, min(n, start_at + batch))
        ]
        body = json.dumps({"import_data": rows, "list_ids": [list_id]}).encode()
        biggest = max(biggest, len(body))
        answer = api.post(
            "/activities/contacts_json_import",
            content=body,
            headers={"Content-Type": "application/json"},
        )
        answer.raise_for_status()
        ids.append(answer.json()["activity_id"])
    control.post("/activities/wait", timeout=3600).raise_for_status()
    elapsed = time.perf_counter() - began
    people = sum(api.get(f"/activities/{a}").json()["status"]["person_count"] for a in ids)
    return people, elapsed, biggest


def measure_api(base: str, pid: int, n: int, batch: int) -> dict[str, dict[str, Any]]:
    token = obtain_token(base)["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    with (
        httpx.Client(base_url=f"{base}/v3", headers=headers, timeout=600) as api,
        httpx.Client(base_url=f"{base}/__emulator__", timeout=3600) as control,
    ):
        idle = rss_mb(pid)
        began = time.perf_counter()
        control.post("/seed", json={"contacts": n, "lists": 5, "seed": 1}).raise_for_status()
        seeded = {"contacts": n, "seconds": round(time.perf_counter() - began, 1)}
        held = {"contacts": n, "rss_idle_mb": round(idle), "rss_mb": round(rss_mb(pid))}
        seen, elapsed = page_all(api)
        paged = {
            "contacts": seen,
            "seconds": round(elapsed, 1),
            "contacts_per_s": round(seen / elapsed),
        }
        control.post("/reset").raise_for_status()
        people, elapsed, biggest = import_all(api, control, n, batch)
    imported = {
        "contacts": people,
        "batch": batch,
        "largest_payload_mb": round(biggest / 1e6, 2),
        "seconds": round(elapsed, 1),
        "contacts_per_s": round(people / elapsed),
        "rss_after_mb": round(rss_mb(pid)),
    }
    return {"seed": seeded, "memory": held, "paging limit=500": paged, "json import": imported}


def measure_state_file(n: int) -> dict[str, float]:
    """Saving and loading ``--state`` in-process (the periodic save runs on a thread)."""
    state = EmulatorState()
    with state.lock:
        seed.seed(state, n, 5, 3, 1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "state.sqlite"
        began = time.perf_counter()
        persistence.save(state, path)
        saved, size = time.perf_counter() - began, path.stat().st_size
        began = time.perf_counter()
        persistence.load(EmulatorState(), path)
        loaded = time.perf_counter() - began
    return {
        "contacts": n,
        "save_seconds": round(saved, 1),
        "load_seconds": round(loaded, 1),
        "file_mb": round(size / 1e6),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--no-state-file", action="store_true", help="skip the --state timing")
    args = parser.parse_args()
    process, base = start_emulator()
    try:
        results = measure_api(base, process.pid, args.contacts, args.batch)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    if not args.no_state_file:
        results["state file"] = measure_state_file(args.contacts)
    for name, figures in results.items():
        print(f"{name:>18}: " + ", ".join(f"{k}={v:,}" for k, v in figures.items()))
    path = write_results(
        "emulator_scale",
        results,
        contacts=args.contacts,
        note="emulator in its own process (listbridge emulator); client over loopback",
    )
    print(f"written to {path}")


if __name__ == "__main__":
    main()
