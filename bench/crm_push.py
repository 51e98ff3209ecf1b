"""One push from each CRM listbridge syncs in place against the builtin CRM (issue 14);
not a test.

    .venv/bin/python bench/crm_push.py [--accounts 100000] [--mariadb URL]
        [--crms builtin,civicrm,sql,sql-fingerprints]

The same N people (push_speed's accounts: every standard field filled) in each CRM
`--crms` names (default all), each pushed by `listbridge push --list Bench --json` in its
own process, each against a fresh emulator in its own process and its own SQLite state
store:
1. builtin, the baseline: the accounts inserted into the state store;
2. civicrm: CiviCRM's tables, `crm use civicrm --url URL`;
3. sql: the members database of docs/mapping-example.toml, `crm use sql --mapping
   docs/mapping-example.toml --url URL`;
4. sql-fingerprints: the same tables with tests/support/sqlmap_db.py's fingerprint
   mapping (one full-name column, no updated-at: every read of changes compares each
   row with the fingerprint kept in the state store).
The last three each in a new MariaDB database (`--mariadb`, created with a unique name
and dropped at the end), the people bulk-inserted as crm_fill.py says.
Per CRM: the first push (every account created) and a second one with nothing changed
(no write owed): API calls in total and by endpoint (/__emulator__/counters), calls per
record, records per second, wall time and peak RSS of the push process. Per pair of
COMPARED: the ratios, whether the calls are equal (and equal but for the activity polls,
whose number follows the emulator's speed). Then, in this process, the CRM reads a
job makes, timed on each CRM: changed_since(None) streamed (the push's read),
match_keys, get_many of 1000 ids, find_by_email and with_primary_emails.
Writes bench/results/crm_push-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from common import run_child, start_emulator, tests_module, write_results
from crm_fill import fill_civicrm, fill_members, mariadb_database
from listbridge.core.accounts import Account
from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.crm.civicrm.adapter import CiviCrm
from listbridge.crm.protocol import CrmAdapter
from listbridge.crm.sqlmap.adapter import SqlCrm
from listbridge.crm.sqlmap.parse import read_mapping
from listbridge.store.connections import connection_id
from listbridge.store.db import Store, open_store
from listbridge.sync.cc_connection import open_client
from push_speed import account, build_crm, one_push

MARIADB = "mysql+pymysql://root@127.0.0.1:3306"
EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "mapping-example.toml"
IN_MARIADB = ("civicrm", "sql", "sql-fingerprints")
CRMS = ("builtin", *IN_MARIADB)
#: each CRM and the one it is compared with (both must have run)
COMPARED = (("civicrm", "builtin"), ("sql", "builtin"), ("sql-fingerprints", "builtin"),
            ("sql-fingerprints", "sql"))  # fmt: skip
#: how many ids and addresses the timed look-ups use
SAMPLE = 1000
LOOKUPS = 200
POLL = "GET /v3/activities/{activity_id}"


@dataclass(frozen=True)
class MariadbCrm:
    """A CRM in a MariaDB database: `fill` makes its tables and rows (the seconds the rows
    took), `use` is its `crm use` but for `--url`, `adapter` opens it for the reads."""

    fill: Callable[[Engine, list[Account]], float]
    use: list[str]
    adapter: Callable[[Store, int, Engine], CrmAdapter]


def now() -> datetime:
    return datetime.now(UTC)


def mapped(path: Path) -> MariadbCrm:
    """The members tables, switched to with the mapping file `path`; the reads' adapter
    reads the same file."""

    def adapter(store: Store, cid: int, engine: Engine) -> CrmAdapter:
        file = read_mapping(path.name, path.read_text(encoding="utf-8"))
        return SqlCrm(store, cid, engine, file, now)

    return MariadbCrm(fill_members, ["sql", "--mapping", str(path)], adapter)


def mariadb_crms(tmp: Path) -> dict[str, MariadbCrm]:
    """The CRMs of IN_MARIADB; the fingerprint mapping written into `tmp`."""
    fingerprints = tmp / "mapping-fingerprints.toml"
    text = tests_module("tests.support.sqlmap_db").fingerprint_mapping()
    fingerprints.write_text(text, encoding="utf-8")
    civicrm = MariadbCrm(
        fill_civicrm, ["civicrm"], lambda store, cid, engine: CiviCrm(store, cid, engine, now)
    )
    return {"civicrm": civicrm, "sql": mapped(EXAMPLE), "sql-fingerprints": mapped(fingerprints)}


def timed(run: Callable[[], int]) -> dict[str, float]:
    began = time.perf_counter()
    count = run()
    return {"seconds": round(time.perf_counter() - began, 3), "records": count}


def reads(crm: CrmAdapter, accounts: list[Account], ids: list[str]) -> dict[str, Any]:
    """The CRM reads of the jobs, timed in this process (the push uses the first)."""
    step = max(1, len(accounts) // LOOKUPS)
    addresses = [a.email for a in accounts[::step]][:LOOKUPS]
    sample = ids[:: max(1, len(ids) // SAMPLE)][:SAMPLE]
    found = {
        "changed_since(None)": timed(lambda: sum(1 for _ in crm.changed_since(None))),
        "match_keys": timed(lambda: sum(1 for _ in crm.match_keys())),
        f"get_many({len(sample)})": timed(lambda: len(crm.get_many(sample))),
        f"find_by_email x{len(addresses)}": timed(
            lambda: sum(len(crm.find_by_email(e)) for e in addresses)
        ),
        f"with_primary_emails({len(addresses)})": timed(
            lambda: len(crm.with_primary_emails(addresses))
        ),
    }
    per = found[f"find_by_email x{len(addresses)}"]
    per["ms_per_call"] = round(1000 * per["seconds"] / max(1, len(addresses)), 2)
    return found


def figures(push: dict[str, Any], n: int) -> dict[str, Any]:
    return push | {
        "calls_per_record": round(push["api_calls"] / n, 5),
        "records_per_second": round(n / push["seconds"], 1) if push["seconds"] else None,
    }


def crm_run(
    n: int,
    db_url: str,
    setup: Callable[[list[str]], dict[str, Any]],
    opened: Callable[[Store, int], CrmAdapter],
    people: tuple[list[Account], list[str]],
) -> dict[str, Any]:
    """An emulator, a connection to it with the list Bench, `setup` (the CRM), two
    pushes; then the reads of the CRM `opened` gives, timed here, on `people`: the
    accounts and their ids in that CRM."""
    cli = [sys.executable, "-m", "listbridge", "--db", db_url]
    process, base = start_emulator()
    try:
        control = httpx.Client(base_url=f"{base}/__emulator__", timeout=3600)
        run_child([*cli, "connect", "--emulator", base])
        store = open_store(db_url)
        cid = connection_id(store, "default")
        client = open_client(store, cid)
        client.create_list("Bench")
        client.close()
        prepared = setup(cli)
        first = figures(one_push(control, cli), n)
        again = figures(one_push(control, cli), n)
    finally:
        process.terminate()
        process.wait(timeout=60)
    return {"setup": prepared, "first push": first, "nothing changed": again,
            "reads": reads(opened(store, cid), *people)}  # fmt: skip


def ratios(crm: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    keys = ("api_calls", "calls_per_record", "records_per_second", "seconds", "peak_rss_mb")
    return {k: round(crm[k] / base[k], 3) if base[k] else None for k in keys}


def compared(names: tuple[str, str], crm: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """Equal calls, or by how much each endpoint differs. The polls of a bulk activity
    follow how soon the emulator's worker finishes it (machine load), not the CRM, so
    equality without them is reported too."""
    endpoints = sorted(set(crm["by_endpoint"]) | set(base["by_endpoint"]))
    counts = {e: (crm["by_endpoint"].get(e, 0), base["by_endpoint"].get(e, 0)) for e in endpoints}
    differ = {
        e: dict(zip(names, both, strict=True)) for e, both in counts.items() if both[0] != both[1]
    }
    return {
        "api_calls_equal": not differ,
        "equal_but_activity_polls": set(differ) <= {POLL},
        "differ": differ,
        "ratios": ratios(crm, base),
    }


def comparison(names: tuple[str, str], crm: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """Both pushes compared, and each read's seconds as a ratio of the base's."""
    pushes = {p: compared(names, crm[p], base[p]) for p in ("first push", "nothing changed")}
    return pushes | {
        "reads (seconds ratio)": {
            name: round(took["seconds"] / base["reads"][name]["seconds"], 2)
            for name, took in crm["reads"].items()
            if base["reads"][name]["seconds"]
        }
    }


def builtin_run(n: int, tmp: Path, people: list[Account]) -> dict[str, Any]:
    db = f"sqlite:///{tmp}/builtin.db"

    def setup(cli: list[str]) -> dict[str, Any]:
        began = time.perf_counter()
        build_crm(db, n)
        return {"load_seconds": round(time.perf_counter() - began, 1)}

    return crm_run(n, db, setup, BuiltinCrm, (people, [a.id for a in people]))


def mariadb_run(
    n: int, db: str, server: str, crm: MariadbCrm, people: list[Account]
) -> dict[str, Any]:
    """`crm` in a new database of `server`, its state store `db`."""
    with mariadb_database(server) as url:
        engine = create_engine(url)
        try:

            def setup(cli: list[str]) -> dict[str, Any]:
                loaded = crm.fill(engine, people)
                out, _, _ = run_child([*cli, "crm", "use", *crm.use, "--url", url, "--json"])
                return {"load_seconds": round(loaded, 1), "crm use": json.loads(out)}

            def opened(store: Store, cid: int) -> CrmAdapter:
                return crm.adapter(store, cid, engine)

            return crm_run(n, db, setup, opened, (people, [str(i + 1) for i in range(n)]))
        finally:
            engine.dispose()


def measure(n: int, tmp: Path, server: str, chosen: list[str]) -> dict[str, Any]:
    at = datetime.now(UTC)
    people = [replace(account(i), created_at=at, updated_at=at) for i in range(n)]
    runs = {"builtin": builtin_run(n, tmp, people)} if "builtin" in chosen else {}
    crms = mariadb_crms(tmp)
    for name in (c for c in IN_MARIADB if c in chosen):
        runs[name] = mariadb_run(n, f"sqlite:///{tmp}/{name}.db", server, crms[name], people)
    return runs | {
        f"{crm}/{base}": comparison((crm, base), runs[crm], runs[base])
        for crm, base in COMPARED
        if crm in runs and base in runs
    }


def crm_names(given: str) -> list[str]:
    names = [n.strip() for n in given.split(",") if n.strip()]
    unknown = sorted(set(names) - set(CRMS))
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"{', '.join(unknown) or given!r}: not one of {', '.join(CRMS)}"
        )
    return names


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--mariadb", default=MARIADB, help="server URL, no database")
    parser.add_argument(
        "--crms", type=crm_names, default=list(CRMS), help=f"comma-separated: {','.join(CRMS)}"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("LISTBRIDGE_KEY_FILE", f"{tmp}/secret.key")
        results = measure(args.accounts, Path(tmp), args.mariadb, args.crms)
    print(json.dumps(results, indent=2))
    path = write_results(
        "crm_push",
        results,
        accounts=args.accounts,
        crms=args.crms,
        state_store="sqlite",
        crm_databases="mariadb",
        note="emulator in its own process per CRM; client limited to 4 requests/s as against CC",
    )
    print(f"written to {path}")


if __name__ == "__main__":
    main()
