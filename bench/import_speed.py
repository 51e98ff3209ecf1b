"""Import speed (issue 5); not part of the test suite.

    .venv/bin/python bench/import_speed.py [--contacts 100000] [--db URL]

An emulator in its own process holds N seeded contacts; the builtin CRM (SQLite by
default) holds N accounts, half of them with the e-mail of a contact. Measured:
1. baseline: a plain fetch of the same contacts (same query, same client, its own
   process) — what any import must pay for the API;
2. planning alone (in this process): the match index built from the CRM, then
   `plan_import` over every contact, in contacts/s;
3. the import: `listbridge import --json` in its own process: wall time, API calls
   (from /__emulator__/counters), peak RSS (the child's rusage).
Ratios are import / baseline. Writes bench/results/import_speed-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx

from common import rss_mb, run_child, start_emulator, write_results
from listbridge.core.accounts import Account
from listbridge.core.cc_records import CcContact
from listbridge.core.import_plan import plan_import
from listbridge.crm.builtin import writes
from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.crm.builtin.records import FieldCatalog
from listbridge.store.connections import connection_id
from listbridge.store.db import open_store
from listbridge.store.links import load_match_index
from listbridge.store.settings import effective_settings
from listbridge.sync.cc_connection import open_client
from listbridge.sync.imports.job import policy_of
from listbridge.sync.imports.source import BATCH, INCLUDE


def fetch_only(db_url: str) -> None:
    """The baseline (run as a child): the import's query, contacts parsed, nothing else."""
    store = open_store(db_url)
    client = open_client(store, connection_id(store, "default"))
    n = sum(
        1 for c in client.iter_contacts(status="all", include=INCLUDE) if c.to_core() is not None
    )
    client.close()
    print(json.dumps({"contacts": n}))


def fetch_contacts(db_url: str) -> list[CcContact]:
    store = open_store(db_url)
    client = open_client(store, connection_id(store, "default"))
    try:
        return [c.to_core() for c in client.iter_contacts(status="all", include=INCLUDE)]
    finally:
        client.close()


def build_crm(db_url: str, contacts: list[CcContact], n: int) -> None:
    """N accounts: every other contact's e-mail (half match), the rest strangers."""
    store = open_store(db_url)
    cid = connection_id(store, "default")
    now = datetime.now(UTC)

    def email(i: int) -> str:
        return contacts[i].email if i % 2 == 0 and i < len(contacts) else f"x{i}@crm.example.org"

    accounts = [
        Account(f"crm-{i:06d}", first_name="Crm", last_name=f"P{i}", email=email(i))
        for i in range(n)
    ]
    accounts = [replace(a, created_at=now, updated_at=now) for a in accounts]
    with store.session() as session:
        writes.insert_accounts(session, cid, accounts, FieldCatalog.read(session, cid))


def plan_alone(db_url: str, contacts: list[CcContact]) -> dict[str, float]:
    store = open_store(db_url)
    cid = connection_id(store, "default")
    began = time.perf_counter()
    index = load_match_index(store, cid, BuiltinCrm(store, cid).match_keys())
    indexed = time.perf_counter() - began
    policy = policy_of(effective_settings(store, cid))
    began = time.perf_counter()
    plans = [
        plan_import(contacts[i : i + BATCH], index, policy) for i in range(0, len(contacts), BATCH)
    ]
    planned = time.perf_counter() - began
    return {
        "index_seconds": round(indexed, 2),
        "plan_seconds": round(planned, 3),
        "contacts_per_s": round(len(contacts) / planned),
        "links": sum(len(p.links) for p in plans),
        "creates": sum(len(p.creates) for p in plans),
        "skips": sum(len(p.skips) for p in plans),
    }


def measure(base: str, emulator_pid: int, n: int, db_url: str) -> dict[str, Any]:
    cli = [sys.executable, "-m", "listbridge", "--db", db_url]
    control = httpx.Client(base_url=f"{base}/__emulator__", timeout=3600)
    control.post("/seed", json={"contacts": n, "lists": 5, "seed": 1}).raise_for_status()
    run_child([*cli, "connect", "--emulator", base])
    contacts = fetch_contacts(db_url)
    build_crm(db_url, contacts, n)
    planning = plan_alone(db_url, contacts)  # in batches of 500, as the job plans
    control.post("/counters/reset").raise_for_status()
    _, base_s, base_rss = run_child([sys.executable, __file__, "--fetch-only", db_url])
    base_calls = control.get("/counters").json()["total"]
    control.post("/counters/reset").raise_for_status()
    out, import_s, import_rss = run_child([*cli, "import", "--json"])
    import_calls = control.get("/counters").json()["total"]
    result = json.loads(out)
    counts = {k: result[k] for k in ("attempted", "created", "matched", "not_imported")}
    return {
        "baseline fetch": _figures(base_s, base_calls, base_rss),
        "import": {
            **_figures(import_s, import_calls, import_rss),
            **counts,
            "contacts_per_s": round(len(contacts) / import_s),
        },
        "planning alone": planning,
        "ratios import/baseline": {
            "wall": round(import_s / base_s, 2),
            "api_calls": round(import_calls / base_calls, 2),
            "peak_rss": round(import_rss / base_rss, 2),
        },
        "emulator": {"rss_mb": round(rss_mb(emulator_pid))},
    }


def _figures(seconds: float, calls: int, rss: float) -> dict[str, float]:
    return {"seconds": round(seconds, 1), "api_calls": calls, "peak_rss_mb": round(rss)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--db", default="")
    parser.add_argument("--fetch-only", default="")
    args = parser.parse_args()
    if args.fetch_only:
        fetch_only(args.fetch_only)
        return
    with tempfile.TemporaryDirectory() as tmp:
        db_url = args.db or f"sqlite:///{tmp}/bench.db"
        os.environ.setdefault("LISTBRIDGE_KEY_FILE", f"{tmp}/secret.key")
        process, base = start_emulator()
        try:
            results = measure(base, process.pid, args.contacts, db_url)
        finally:
            process.terminate()
            process.wait(timeout=60)
    for name, figures in results.items():
        print(f"{name:>24}: " + ", ".join(f"{k}={v:,}" for k, v in figures.items()))
    path = write_results(
        "import_speed",
        results,
        contacts=args.contacts,
        crm_accounts=args.contacts,
        database=db_url.split(":", 1)[0],
        note="emulator in its own process; client limited to 4 requests/s as against CC",
    )
    print(f"written to {path}")


if __name__ == "__main__":
    main()
