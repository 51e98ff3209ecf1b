"""Push planning alone (issue 19: ≥ 50,000 accounts/s); pure, no database, no emulator.

    .venv/bin/python bench/push_planning.py [--accounts 100000] [--repeat 3]

Builds N accounts in memory that look like a real CRM's (households sharing an address,
the same address in another case, unicode names, 2% opted out, 3% organisations, one
street address in several countries and spellings of the state, up to four phones,
custom fields of each type) and times `plan_push` chunk by chunk
(`PushRequest.chunk_size`), as a streamed push calls it, against two store states:
- `empty`: nothing linked, nothing in Constant Contact (the first push: every
  eligible account a create);
- `linked`: every pushable account linked to its contact with the fingerprint of what
  was pushed, 1% of them changed since (the incremental push: mostly unchanged).
Prints accounts/s (by the wall clock, and by this process's CPU time, which other work
on the machine disturbs less) and the peak memory of planning (tracemalloc), and writes
bench/results/push_planning-<UTC time>.json. The best of `--repeat` runs is
reported (the wall clock's and the CPU time's best each).
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from common import write_results
from listbridge.core.accounts import Account, AccountType
from listbridge.core.eligibility import why_not_pushed
from listbridge.core.few_collections import few_collections
from listbridge.core.mapping import MappingPolicy, fingerprint, map_account
from listbridge.core.push_plan import CcState, PushPolicy, plan_push
from listbridge.core.setting_values import FieldPair, StateFormat
from listbridge.sync.push.fetch import PushRequest

LIST_ID = "list-bench"
FIRST = ("Anna", "José", "Zoë", "Łukasz", "Øyvind", "Mei", "Siobhán", "Jürgen", "Amélie",
         "Kwame", "Priya", "Olu", "François", "Ines", "Dmitrij", "Haruto", "Nguyễn", "Lars",
         "Ayşe", "Tom", "Mary Ann", "Jean-Luc")  # fmt: skip
LAST = ("Müller", "García", "O'Brien", "Nakamura", "Kowalski", "Smith", "Dubois", "Øberg",
        "Ndiaye", "Rossi", "Janssen", "Papadopoulos", "Li", "Fernández", "Byrne", "Weiß",
        "van der Berg", "Nguyễn-Tran")  # fmt: skip
#: (city, state as the CRM holds it, zip, country as the CRM holds it)
PLACES = (("Springfield", "IL", "62701", "US"), ("Chicago", "Illinois", "60601", ""),
          ("Montréal", "QC", "H2X 1Y4", "CA"), ("Québec", "Québec", "G1R 4P5", "Canada"),
          ("Köln", "NW", "50667", "DE"), ("Dublin", "", "D02 X285", "IE"),
          ("Austin", "tx", "73301", "United States"), ("Portland", "Oregon", "97201", "USA"),
          ("Sydney", "NSW", "2000", "AU"), ("Nowhere", "Atlantis", "00000", "Neverland"),
          ("Boston", "MA", "02108", "US"), ("Seattle", "WA", "98101", "US"))  # fmt: skip
CUSTOM = (FieldPair("Member Level", "custom.Member Level"),
          FieldPair("Joined", "custom.Joined"), FieldPair("Gift Total", "custom.Gift Total"),
          FieldPair("Volunteer", "custom.Volunteer"), FieldPair("Type", "individual_type"),
          FieldPair("Middle", "middle_name"))  # fmt: skip
EPOCH = datetime(2015, 1, 1, tzinfo=UTC)


def email_of(i: int) -> str:
    """A household every 20th account (the previous one's address); the previous one's
    in capitals every 37th, or with spaces around it every 53rd; 1% have none."""
    if i % 100 == 99:
        return ""
    if i % 20 == 19:
        return email_of(i - 1)
    if i % 37 == 36:
        return email_of(i - 1).upper()
    if i % 53 == 52:
        return f"  {email_of(i - 1)} "
    return f"{FIRST[i % len(FIRST)].lower().replace(' ', '.')}.{i}@example-{i % 97}.org"


def account(i: int) -> Account:
    city, state, zip_, country = PLACES[i % len(PLACES)]
    organisation = i % 33 == 32
    custom: dict[str, Any] = {"Member Level": "Bronze" if i % 10 == 9 else "Gold"}
    if i % 3:
        custom |= {"Joined": date(2010, 1, 1) + timedelta(days=i % 4000),
                   "Gift Total": Decimal(i % 997) / 4, "Volunteer": i % 5 == 0}  # fmt: skip
    return Account(
        f"crm-{i:07d}",
        type=AccountType.ORGANIZATION if organisation else AccountType.INDIVIDUAL,
        first_name="" if organisation else FIRST[i % len(FIRST)],
        middle_name="Q." if i % 9 == 0 else "",
        last_name="" if organisation else LAST[(i // 7) % len(LAST)],
        company_name=f"Verein {LAST[i % len(LAST)]} e.V." if organisation or i % 6 == 0 else "",
        email=email_of(i), phone1=f"+1 555 {i % 10_000:04d}",
        phone2=f"(555) 01{i % 100:02d}" if i % 2 else "", phone3="555-0199" if i % 5 == 0 else "",
        fax="555-0100" if i % 11 == 0 else "",
        title="Volunteer Coordinator for the Northern and Western Districts of the Region"
        if i % 41 == 0 else ("Volunteer" if i % 4 else ""),
        address_line1=f"{i % 400 + 1} {LAST[i % len(LAST)]} Street", city=city, state=state,
        zip=zip_, country=country, individual_type="Donor" if i % 7 else "Member",
        email_opt_out=i % 50 == 7, do_not_contact=i % 211 == 5, deceased=i % 503 == 3,
        custom=custom, created_at=EPOCH + timedelta(minutes=i),
    )  # fmt: skip


def policy() -> PushPolicy:
    return PushPolicy((LIST_ID,), mapping=MappingPolicy(StateFormat.NAME, CUSTOM))


def linked_state(accounts: list[Account], chosen: PushPolicy) -> dict[str, CcState]:
    """Every pushable account linked, with the fingerprint of its row; 1% changed since."""
    links: dict[str, CcState] = {}
    for n, a in enumerate(accounts):
        if why_not_pushed(a, chosen.role_local_parts) is not None:
            continue
        row = dict(map_account(a, chosen.mapping).row)
        if n % 100 == 1:
            row["first_name"] = "Before"
        links[a.id] = CcState(f"cc-{n:07d}", list_ids=frozenset({LIST_ID}),
                              fingerprint=fingerprint(row, ()), email=a.email.strip())  # fmt: skip
    return links


def time_plan(
    accounts: list[Account], links: dict[str, CcState], chosen: PushPolicy
) -> dict[str, Any]:
    size = PushRequest().chunk_size
    counts = {"creates": 0, "updates": 0, "unchanged": 0, "not_pushed": 0, "warnings": 0}
    began, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(accounts), size):
        chunk = accounts[start : start + size]
        mine = {a.id: links[a.id] for a in chunk if a.id in links}
        with few_collections():  # as the push's chunks are planned (sync/push/stream.py)
            plan = plan_push(chunk, mine, {}, chosen)
        counts["creates"] += len(plan.creates)
        counts["updates"] += len(plan.updates)
        counts["unchanged"] += plan.unchanged
        counts["not_pushed"] += len(plan.not_pushed)
        counts["warnings"] += len(plan.warnings)
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    return {"seconds": round(seconds, 3), "accounts_per_s": round(len(accounts) / seconds),
            "cpu_seconds": round(cpu, 3), "accounts_per_cpu_s": round(len(accounts) / cpu),
            **counts}  # fmt: skip


def peak_mb(accounts: list[Account], links: dict[str, CcState], chosen: PushPolicy) -> float:
    """The most memory planning held at once (tracemalloc: slower, so not timed)."""
    tracemalloc.start()
    time_plan(accounts, links, chosen)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return round(peak / 2**20, 1)


def measure(n: int, repeat: int) -> dict[str, Any]:
    accounts = [account(i) for i in range(n)]
    chosen = policy()
    states: dict[str, dict[str, CcState]] = {"empty": {}, "linked": linked_state(accounts, chosen)}
    out: dict[str, Any] = {"accounts": n, "chunk_size": PushRequest().chunk_size}
    for name, links in states.items():
        runs = [time_plan(accounts, links, chosen) for _ in range(repeat)]
        best = max(runs, key=lambda r: r["accounts_per_s"])
        best["accounts_per_cpu_s"] = max(r["accounts_per_cpu_s"] for r in runs)
        best["peak_mb"] = peak_mb(accounts, links, chosen)
        out[name] = best
        print(f"{name:>6}: {best['accounts_per_s']:>8,} accounts/s ({best['seconds']} s), "
              f"{best['accounts_per_cpu_s']:>8,} a CPU second, peak {best['peak_mb']} MB "
              f"traced; {best}", file=sys.stderr)  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--label", default="", help="a word kept in the results (before/after)")
    args = parser.parse_args()
    results = measure(args.accounts, args.repeat)
    path = write_results("push_planning", results, label=args.label)
    print(path, file=sys.stderr)


if __name__ == "__main__":
    main()
