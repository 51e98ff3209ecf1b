"""Push speed (issue 6); not part of the test suite.

    .venv/bin/python bench/push_speed.py [--accounts 100000] [--db URL]

An emulator in its own process; the builtin CRM (SQLite by default) holds N new
individual accounts with every standard field filled. Measured, each push being
`listbridge push --list Bench --json` in its own process:
1. the first push (every account created): wall time, peak RSS, API calls by endpoint
   (from /__emulator__/counters), and the JSON-import requests used against the
   minimum that the rows' payload sizes allow (4,000,000 bytes a request); its calls
   against the bulk minimum of the same work (bench/perf_minimum.py `initial_push`:
   the list was made in CC, not through listbridge, and CC has no tag yet), polls apart;
2. the same accounts with 1% changed: the same figures, to show that the second
   push's calls follow the 1% changed, not the N;
3. planning alone (in this process): `plan_push` over the N accounts, a chunk
   (`PushRequest.chunk_size`) at a time as the push plans them, in records/s.
`--data perf`: the CRM of the performance report instead (bench/perf_data.py: households,
opt-outs, accounts with no e-mail, organisations), 1% of it renamed for the second push;
no planning figures. Writes bench/results/push_speed-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx

import perf_data
import perf_minimum
from common import rss_mb, run_child, start_emulator, write_results
from listbridge.core.accounts import Account
from listbridge.core.batching import IMPORT_MAX_BYTES, IMPORT_MAX_CONTACTS
from listbridge.core.mapping import MappingPolicy, map_account
from listbridge.core.push_plan import PushPolicy, plan_push
from listbridge.crm.builtin import writes
from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.crm.builtin.records import FieldCatalog
from listbridge.store.connections import connection_id
from listbridge.store.db import open_store
from listbridge.sync.cc_connection import open_client
from listbridge.sync.push import PushRequest

IMPORT = "POST /v3/activities/contacts_json_import"
#: an activity read one at a time, or a page of them at once
POLLS = ("GET /v3/activities/{activity_id}", "GET /v3/activities")


def account(i: int) -> Account:
    return Account(
        f"crm-{i:06d}", first_name="Firstname", last_name=f"Lastname{i}",
        company_name="Some Organisation of Reasonable Length", email=f"person{i}@bench.example.org",
        phone1="555-0100", phone2="555-0101", phone3="555-0102", title="Volunteer Coordinator",
        address_line1=f"{i} Long Street Name Avenue", city="Springfield", state="IL",
        zip="62701", country="US",
    )  # fmt: skip


def build_crm(db_url: str, n: int) -> list[Account]:
    store = open_store(db_url)
    cid = connection_id(store, "default")
    now = datetime.now(UTC)
    accounts = [replace(account(i), created_at=now, updated_at=now) for i in range(n)]
    with store.session() as session:
        writes.insert_accounts(session, cid, accounts, FieldCatalog.read(session, cid))
    return accounts


def change_one_percent(db_url: str, n: int) -> int:
    store = open_store(db_url)
    crm = BuiltinCrm(store, connection_id(store, "default"))
    changed = list(range(0, n, 100))
    for i in changed:
        crm.update_fields(f"crm-{i:06d}", {"first_name": "Changed"}, reason="bench")
    return len(changed)


def fill_of(accounts: list[Account]) -> dict[str, Any]:
    """What `perf_data.fill` says of its accounts: the contacts a push sends, their bytes."""
    rows = [dict(map_account(a, MappingPolicy()).row) for a in accounts]
    payload = sum(len(json.dumps(r, separators=(",", ":")).encode()) + 1 for r in rows)
    return {"eligible_contacts": len(rows), "payload_bytes": payload}


def against_minimum(fill: dict[str, Any], push: dict[str, Any]) -> dict[str, Any]:
    """The push's calls against the bulk minimum of its work (`perf_minimum.initial_push`)."""
    sent = push["created"] + push["matched_existing"] + push["already_linked"]
    least = perf_minimum.initial_push(fill, sent, push["created"])
    polls = sum(push["by_endpoint"].get(p, 0) for p in POLLS)
    return {
        "polls": polls,
        "minimum": least,
        "ratio": round(push["api_calls"] / (least["calls"] + least["polls"]), 3),
        "ratio_without_polls": round((push["api_calls"] - polls) / least["calls"], 3),
    }


def minimum_imports(accounts: list[Account], list_id: str) -> int:
    """The fewest requests the payload allows: total bytes over the 4 MB a request carries."""
    rows = [dict(map_account(a, MappingPolicy()).row) for a in accounts]
    sizes = [len(json.dumps(r, separators=(",", ":")).encode()) + 1 for r in rows]
    overhead = len(json.dumps({"import_data": [], "list_ids": [list_id]}).encode())
    by_bytes = math.ceil(sum(sizes) / (IMPORT_MAX_BYTES - overhead))
    return max(by_bytes, math.ceil(len(rows) / IMPORT_MAX_CONTACTS))


def planning_speed(accounts: list[Account], list_id: str) -> dict[str, Any]:
    """`plan_push` chunk by chunk over accounts none of which is linked yet (the first push)."""
    policy = PushPolicy((list_id,))
    size = PushRequest().chunk_size
    began = time.perf_counter()
    creates = 0
    for start in range(0, len(accounts), size):
        plan = plan_push(accounts[start : start + size], {}, {}, policy)
        creates += len(plan.creates)
    seconds = time.perf_counter() - began
    return {"records": len(accounts), "creates": creates, "seconds": round(seconds, 2),
            "records_per_second": round(len(accounts) / seconds)}  # fmt: skip


def one_push(control: httpx.Client, cli: list[str]) -> dict[str, Any]:
    control.post("/counters/reset").raise_for_status()
    out, seconds, rss = run_child([*cli, "push", "--list", "Bench", "--json"])
    counters = control.get("/counters").json()
    result = json.loads(out)
    counts = {k: v for k, v in result.items() if k not in ("errors", "run_id")}
    return {
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(rss),
        "api_calls": counters["total"],
        "by_endpoint": counters["by_endpoint"],
        **counts,
        "errors": len(result["errors"]),
    }


def measure(
    base: str, emulator_pid: int, n: int, db_url: str, storm: float = 0.0, data: str = "uniform"
) -> dict[str, Any]:
    cli = [sys.executable, "-m", "listbridge", "--db", db_url]
    control = httpx.Client(base_url=f"{base}/__emulator__", timeout=3600)
    run_child([*cli, "connect", "--emulator", base])
    store = open_store(db_url)
    client = open_client(store, connection_id(store, "default"))
    list_id = client.create_list("Bench").list_id
    client.close()
    accounts = build_crm(db_url, n) if data == "uniform" else []
    fill = fill_of(accounts) if accounts else perf_data.fill(db_url, n)
    # A 429 storm: that share of every request is refused; the push must still finish
    # with no duplicates, its retries showing in the counters.
    control.post("/faults", json={"rate_429": storm}).raise_for_status()
    first = one_push(control, cli)
    least = minimum_imports(accounts, list_id) if accounts else fill["imports_minimum"]
    first["import_requests_minimum"] = least
    first["import_requests_ratio"] = round(first["by_endpoint"].get(IMPORT, 0) / least, 3)
    first.update(against_minimum(fill, first))
    if accounts:
        first["planning"] = planning_speed(accounts, list_id)
        changed = change_one_percent(db_url, n)
    else:
        changed = perf_data.rename(db_url, n, n // 100)["changed"]
    second = one_push(control, cli)
    second["accounts_changed"] = changed
    return {"first push": first, "1% changed": second,
            "emulator": {"rss_mb": round(rss_mb(emulator_pid))}}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--db", default="")
    parser.add_argument(
        "--storm", type=float, default=0.0, help="share of API requests refused with 429"
    )
    parser.add_argument(
        "--data", choices=("uniform", "perf"), default="uniform",
        help="uniform accounts, or the performance report's CRM (bench/perf_data.py)",
    )  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_url = args.db or f"sqlite:///{tmp}/bench.db"
        os.environ.setdefault("LISTBRIDGE_KEY_FILE", f"{tmp}/secret.key")
        process, base = start_emulator()
        try:
            results = measure(base, process.pid, args.accounts, db_url, args.storm, args.data)
        finally:
            process.terminate()
            process.wait(timeout=60)
    print(json.dumps(results, indent=2))
    path = write_results(
        "push_speed",
        results,
        accounts=args.accounts,
        rate_429=args.storm,
        data=args.data,
        database=db_url.split(":", 1)[0],
        note="emulator in its own process; client limited to 4 requests/s as against CC",
    )
    print(f"written to {path}")


if __name__ == "__main__":
    main()
