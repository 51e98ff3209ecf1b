"""`lists sync` speed (issue 7); not part of the test suite.

    .venv/bin/python bench/lists_sync.py [--accounts 50000] [--changed 500] [--db URL]

An emulator in its own process; the builtin CRM holds N individuals with the choice
custom field "Member Level" = Gold, plus `changed` more with Bronze. All are pushed
(`listbridge push --list All`) so every account is linked; the CC list "Segment" is bound
to `custom."Member Level" = "Gold"` (N members). Measured, each command in its own process:
1. baseline: the first `lists sync Segment --direction crm_to_cc --confirm` (N added);
2. after `--changed` CRM edits through `BuiltinCrm.update_fields`, half removals
   (Gold → Bronze) and half additions (Bronze → Gold), so the segment stays N strong and
   both write paths (bulk removal, push addition) are exercised: the second sync;
3. as 2 with other accounts ("changed again"): the steady state, where the previous
   sync wrote only `--changed` memberships (after step 1, CC reports all N contacts as
   updated since the last list job, and the second sync's refresh reads them all).
Each: API calls by endpoint (/__emulator__/counters), wall seconds, peak RSS. Separately,
in this process, the planning of step 2 through the library: the "sides" step (links,
accounts, rule evaluation, bases) and `plan_list_sync` alone.
Writes bench/results/lists_sync-<UTC time>.json.
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
from listbridge.core.accounts import Account, FieldType
from listbridge.core.list_plan import MembershipSides, plan_list_sync
from listbridge.core.setting_values import Direction
from listbridge.crm.builtin import writes
from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.crm.builtin.fields import add_field
from listbridge.crm.builtin.records import FieldCatalog
from listbridge.store.connections import connection_id
from listbridge.store.db import open_store
from listbridge.store.link_lists import link_memberships
from listbridge.store.list_sync_state import list_pairs, read_bases
from listbridge.sync.cc_connection import open_client
from listbridge.sync.lists.sides import Audience
from push_speed import account

LEVEL = "Member Level"
LIST = "Segment"
RULE = 'custom."Member Level" = "Gold"'


def account_id(i: int) -> str:
    return f"crm-{i:06d}"


def build_crm(db_url: str, n: int, extra: int) -> None:
    """N Gold individuals, then `extra` Bronze ones (the additions to come)."""
    store = open_store(db_url)
    cid = connection_id(store, "default")
    add_field(store, cid, LEVEL, FieldType.CHOICE, ("Gold", "Silver", "Bronze"))
    now = datetime.now(UTC)

    def one(i: int) -> Account:
        level = "Gold" if i < n else "Bronze"
        return replace(account(i), custom={LEVEL: level}, created_at=now, updated_at=now)

    with store.session() as session:
        catalog = FieldCatalog.read(session, cid)
        writes.insert_accounts(session, cid, [one(i) for i in range(n + extra)], catalog)


def change(db_url: str, n: int, removals: int, additions: int, round_: int) -> None:
    """Round r (1, 2): `removals` Gold accounts, spread over the N and offset by r - 1,
    become Bronze; the r-th `additions` Bronze extras become Gold. (Fresh accounts join:
    one a list sync removed is not re-added, see the report of issue 7.)"""
    store = open_store(db_url)
    crm = BuiltinCrm(store, connection_id(store, "default"))
    step = max(2, n // max(1, removals))
    for i in range(round_ - 1, step * removals, step):
        crm.update_fields(account_id(i), {f"custom.{LEVEL}": "Bronze"}, reason="bench")
    for i in range(n + (round_ - 1) * additions, n + round_ * additions):
        crm.update_fields(account_id(i), {f"custom.{LEVEL}": "Gold"}, reason="bench")


def one_sync(control: httpx.Client, cli: list[str], confirm: bool) -> dict[str, Any]:
    control.post("/counters/reset").raise_for_status()
    args = [*cli, "lists", "sync", LIST, "--direction", "crm_to_cc", "--json"]
    out, seconds, rss = run_child(args + (["--confirm"] if confirm else []))
    counters = control.get("/counters").json()
    outcome = json.loads(out)
    return {
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(rss),
        "api_calls": counters["total"],
        "by_endpoint": counters["by_endpoint"],
        "status": outcome.get("status"),
        **{k: outcome.get(k) for k in ("added_to_cc", "removed_from_cc", "failed_subscriptions")},
        "errors": len(outcome.get("errors", [])),
    }


def time_planning(db_url: str, repeats: int) -> dict[str, Any]:
    """The second sync's planning, as `ListJob._plan` does it, without any API call."""
    store = open_store(db_url)
    cid = connection_id(store, "default")
    lap: dict[str, float] = {}
    began = mark = time.perf_counter()

    def tick(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        lap[name], mark = round(now - mark, 3), now

    builtin = BuiltinCrm(store, cid)
    crm_lists = builtin.list_keys()
    with store.session() as session:
        audience = Audience(builtin, link_memberships(session, cid))
        pair = next(p for p in list_pairs(session, cid, crm_lists) if p.name == LIST)
        tick("links_and_pairs_s")
        bases = read_bases(session, cid, pair.cc_list_id)
        tick("bases_s")
    _ = audience.accounts
    tick("accounts_read_s")
    crm = audience.crm_members(pair)
    tick("rule_eval_s")
    sides = MembershipSides(
        crm=crm,
        cc=audience.cc_members(pair.cc_list_id),
        base_crm=bases[0],
        base_cc=bases[1],
        unsubscribed=audience.opted_out,
        bound=True,
    )
    tick("cc_side_and_opt_outs_s")
    sides_s = time.perf_counter() - began
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        plan = plan_list_sync(sides, Direction.CRM_TO_CC)
        runs.append(time.perf_counter() - start)
    return {
        "sides_s": round(sides_s, 3),
        **lap,
        "plan_s_best": round(min(runs), 4),
        "plan_s_worst": round(max(runs), 4),
        "crm_side": len(sides.crm),
        "cc_side": len(sides.cc),
        "plan_adds": len(plan.add_to_cc),
        "plan_removes": len(plan.remove_from_cc),
    }


def cc_members(db_url: str) -> int:
    store = open_store(db_url)
    client = open_client(store, connection_id(store, "default"))
    try:
        found = [lst for lst in client.iter_lists() if lst.name == LIST]
        return (found[0].membership_count or 0) if found else -1
    finally:
        client.close()


def measure(base: str, pid: int, n: int, changed: int, db_url: str) -> dict[str, Any]:
    cli = [sys.executable, "-m", "listbridge", "--db", db_url]
    control = httpx.Client(base_url=f"{base}/__emulator__", timeout=3600)
    run_child([*cli, "connect", "--emulator", base])
    additions = changed // 2
    removals = changed - additions
    build_crm(db_url, n, 2 * additions)
    store = open_store(db_url)
    client = open_client(store, connection_id(store, "default"))
    client.create_list("All")  # a push links only accounts it puts on a list
    client.close()
    _, push_s, _ = run_child([*cli, "push", "--list", "All", "--json"])
    run_child([*cli, "lists", "create", LIST])
    run_child([*cli, "lists", "bind", LIST, "--where", RULE])
    runs = {"first fill": one_sync(control, cli, confirm=True)}
    runs["first fill"]["records"] = n
    planning: dict[str, Any] = {}
    for round_, label in ((1, "changed"), (2, "changed again")):
        change(db_url, n, removals, additions, round_)
        planning = planning or time_planning(db_url, repeats=5)
        runs[label] = one_sync(control, cli, confirm=False)
        runs[label]["records"] = changed
    members = cc_members(db_url)
    if members != n:  # sanity only
        raise SystemExit(f"the CC list holds {members} members, expected {n}")
    return {
        "setup": {"push_seconds": round(push_s, 1), "removals": removals, "additions": additions},
        **runs,
        "cc_members_at_end": members,
        "planning": planning,
        "emulator": {"rss_mb": round(rss_mb(pid))},
    }


RUNS = ("first fill", "changed", "changed again")


def table(results: dict[str, Any]) -> str:
    runs, plan = [results[k] for k in RUNS], results["planning"]

    def figures(r: dict[str, Any]) -> list[float]:
        per = r["api_calls"] / r["records"]
        return [r["records"], r["api_calls"], per, r["records"] / r["seconds"], r["peak_rss_mb"],
                r["seconds"]]  # fmt: skip

    names = ["records", "API calls", "calls/record", "records/s", "peak RSS MB", "seconds"]
    a, b, c = (figures(r) for r in runs)
    head = "".join(f"{h:>15}" for h in (*RUNS, "changed/first", "again/first"))
    lines = [f"{'':13}{head}"]
    for name, x, y, z in zip(names, a, b, c, strict=True):
        lines.append(f"{name:13}{x:>15,.3f}{y:>15,.3f}{z:>15,.3f}{y / x:>15.4f}{z / x:>15.4f}")
    for label, r in zip(RUNS, runs, strict=True):
        lines.append(f"calls by endpoint, {label}:")
        ranked = sorted(r["by_endpoint"].items(), key=lambda kv: -kv[1])
        lines += [f"  {calls:>7,}  {endpoint}" for endpoint, calls in ranked]
    lines.append(
        f"planning: sides {plan['sides_s']:.3f}s (links+pairs {plan['links_and_pairs_s']}, "
        f"bases {plan['bases_s']}, accounts {plan['accounts_read_s']}, "
        f"rule {plan['rule_eval_s']}, cc side+opt-outs {plan['cc_side_and_opt_outs_s']}); "
        f"plan_list_sync {plan['plan_s_best']:.4f}s best of 5 "
        f"(+{plan['plan_adds']}/-{plan['plan_removes']} over {plan['crm_side']:,} members)"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--changed", type=int, default=500)
    parser.add_argument("--db", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_url = args.db or f"sqlite:///{tmp}/bench.db"
        os.environ.setdefault("LISTBRIDGE_KEY_FILE", f"{tmp}/secret.key")
        process, base = start_emulator()
        try:
            results = measure(base, process.pid, args.accounts, args.changed, db_url)
        finally:
            process.terminate()
            process.wait(timeout=60)
    print(json.dumps(results, indent=2))
    print(table(results))
    path = write_results(
        "lists_sync",
        results,
        accounts=args.accounts,
        changed=args.changed,
        database=db_url.split(":", 1)[0],
        note="emulator in its own process; client limited to 4 requests/s as against CC",
    )
    print(f"written to {path}")


if __name__ == "__main__":
    main()
