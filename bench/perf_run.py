"""Every step of the performance report at one size, in order, on one database and one
emulator (rate-limited like Constant Contact): each measured step is a listbridge job in
its own process; the preparation between steps is not measured."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import perf_minimum as least
from listbridge.store.connections import connection_id
from listbridge.store.db import open_store
from listbridge.sync.cc_connection import open_client
from listbridge.sync.lists.refresh import OVERLAP
from perf_data import LEVEL
from perf_steps import Harness
from stats_pull import KINDS, RATES

SEGMENT = "Segment"
RULE = f'custom."{LEVEL}" = "Gold"'
CAMPAIGNS = 2


def cc_list_ids(db_url: str) -> dict[str, tuple[str, int]]:
    """The CC lists by name: id and member count."""
    store = open_store(db_url)
    client = open_client(store, connection_id(store, "default"))
    try:
        return {x.name: (x.list_id, x.membership_count or 0) for x in client.iter_lists()}
    finally:
        client.close()


def create_cc_list(db_url: str, name: str) -> None:
    store = open_store(db_url)
    client = open_client(store, connection_id(store, "default"))
    try:
        client.create_list(name)  # a push links only the accounts it puts on a list
    finally:
        client.close()


def measure(
    h: Harness, n: int, log: Any, saved: Any = None, unpaced_preparation: bool = False
) -> dict[str, Any]:
    """`saved(size)` after each step, with what is measured so far (a million accounts
    take hours: a run cut short keeps its finished steps). `unpaced_preparation`: the
    preparation jobs run without the 4 requests/s (their calls and RSS are the same)."""
    steps: dict[str, Any] = {}
    setup: dict[str, Any] = {}
    began = time.perf_counter()
    prep_paced = not unpaced_preparation

    def save() -> None:
        if saved is not None:
            saved({"accounts": n, "steps": steps, "setup": setup, "partial": True})

    def done(name: str, row: dict[str, Any]) -> None:
        steps[name] = row
        save()
        log(f"  {name}: {row['api_calls']} calls (minimum {row['minimum']['calls']} "
            f"+ {row['minimum']['polls']} polls), {row['seconds']} s, "
            f"{row['peak_rss_mb']} MB")  # fmt: skip

    h.quiet("connect", "--emulator", h.base)
    t = time.perf_counter()
    fill = h.data("fill", n)
    setup["fill"] = {**fill, "seconds": round(time.perf_counter() - t, 1)}
    log(f"  filled {n:,} accounts in {setup['fill']['seconds']} s")
    create_cc_list(h.db_url, "All")
    eligible = fill["eligible_contacts"]
    done("initial push", h.job("push", "--list", "All", records=n,
                               minimum=least.initial_push(fill)))  # fmt: skip

    changed = n // 100
    setup["rename"] = h.data("rename", n, changed)
    again = least.incremental_push(changed)
    done("incremental push (1%)", h.job("push", "--list", "All", records=changed, minimum=again))

    done("import (CC → CRM)", h.job("import", records=eligible,
                                    minimum=least.import_from_cc(eligible)))  # fmt: skip

    h.quiet("lists", "create", SEGMENT)
    h.quiet("lists", "bind", SEGMENT, "--where", RULE)
    sync = ("lists", "sync", SEGMENT, "--direction", "crm_to_cc")
    t = time.perf_counter()
    fill_row = h.job(*sync, "--confirm", records=0, minimum=least.list_fill(0), paced=prep_paced)
    # A list job's cursor starts OVERLAP before its read (CC's clock may lag ours): a
    # settle begun sooner after the fill than that reads the fill's last writes again,
    # and so would the step after it. Scheduled syncs are minutes apart; an unpaced
    # preparation is not, unless it waits.
    time.sleep(OVERLAP.total_seconds() + 1)
    members = cc_list_ids(h.db_url)[SEGMENT][1]
    fill_row.update(records=members, minimum=least.list_fill(members))
    setup["lists first fill"] = fill_row
    settle = h.job(*sync, records=members, minimum=least.lists_sync(0, 0), paced=prep_paced)
    setup["lists settle (no change)"] = settle
    save()
    log(f"  lists set up ({members:,} members) in {time.perf_counter() - t:.0f} s")
    moved = h.data("move_levels", n, max(2, members // 100))
    done("lists sync (1%)", h.job(*sync, records=moved["added"] + moved["removed"],
                                  minimum=least.lists_sync(moved["added"],
                                                           moved["removed"])))  # fmt: skip

    # the cursors, before anyone opts out: a first reconciliation reads every contact
    setup["unsubscribes first run"] = h.job("unsubscribes", "sync", "--confirm", records=eligible,
                                            minimum=least.unsubscribes(eligible, 0),
                                            paced=prep_paced)  # fmt: skip
    save()
    half = max(1, n * 5 // 1000 // 2)
    opted = h.data("opt_out", n, half)
    for contact_id in opted["cc_contact_ids"]:
        h.control.post(f"/contacts/{contact_id}/unsubscribe").raise_for_status()
    in_cc = len(opted["cc_contact_ids"])
    done("unsubscribes (0.5%)", h.job("unsubscribes", "sync", "--confirm", records=half + in_cc,
                                      minimum=least.unsubscribes(in_cc, half)))  # fmt: skip

    list_id = cc_list_ids(h.db_url)[SEGMENT][0]
    rows = send_campaigns(h, list_id)
    stats = h.job("stats", "pull", records=sum(rows), minimum=least.stats_pull(rows, CAMPAIGNS))
    stats["records"] = stats["result"].get("events") or sum(rows)
    done("stats pull", stats)
    setup["total_seconds"] = round(time.perf_counter() - began, 1)
    return {"accounts": n, "steps": steps, "setup": setup}


def send_campaigns(h: Harness, list_id: str) -> list[int]:
    """CAMPAIGNS campaigns to the segment, by the emulator's send simulation; the rows
    of each tracking report."""
    rows: list[int] = []
    kinds = Counter[str]()
    for i in range(CAMPAIGNS):
        body = {"name": f"Perf {i + 1}", "list_ids": [list_id], "rates": RATES, "seed": i}
        sent = h.control.post("/campaigns/send", json=body)
        sent.raise_for_status()
        totals = h.control.get(f"/campaigns/{sent.json()['campaign_id']}/totals",
                               params={"by_contact": "false"}).json()["rows"]  # fmt: skip
        kinds.update(totals)
        rows += [totals[k] for k in KINDS]
    return rows
