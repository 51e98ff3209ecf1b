"""Benchmark `crm load` of a 100,000-row CSV on SQLite and PostgreSQL.

Every measurement runs in its own child process and reads that child's own
resource usage (os.wait4), so peak RSS is the loader's and nothing else's.
Baselines in the same run make the figures comparable across machines:
a plain `csv` read of the same file, the same load with batch size 1
(one statement per row) on a subset, and SQLite's own share: the rows the load
wrote, replayed into an empty database of the same schema by the sqlite3 module
alone (the load's statements, no reading or validating), which bounds what any
Python above it can reach while the load writes these rows and indexes; the result file
gives each table's share of its CPU time, and the commit's.

    python bench/crm_load.py [--rows N] [--pg URL] [--no-pg] [--loads-only]

Prints a table and writes bench/results/crm_load-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import create_engine, text

RESULTS = Path(__file__).parent / "results"
PG_URL = os.environ.get("LISTBRIDGE_BENCH_PG_URL", "postgresql+psycopg://127.0.0.1:5432/test")
HEADER = [
    "id", "type", "first_name", "last_name", "company_name", "email", "email2", "phone1",
    "address_line1", "city", "state", "zip", "country", "individual_type", "deceased",
    "do_not_contact", "email_opt_out", "custom.Member Level", "custom.Donations",
]  # fmt: skip
SUBSET = 5_000
_ASCII = str.maketrans("éë", "ee")

BASELINE_READ = """
import csv, sys
with open(sys.argv[1], encoding="utf-8", newline="") as f:
    print(sum(1 for _ in csv.reader(f)) - 1)
"""
ONE_BY_ONE = """
import sys
from pathlib import Path
from listbridge.crm.builtin.load import load_file
from listbridge.store.connections import connection_id
from listbridge.store.db import open_store
store = open_store(sys.argv[2])
cid = connection_id(store, "default")
print(load_file(store, cid, Path(sys.argv[1]), started_by="bench", batch=1))
"""
# The load alone, in a process that has already imported and migrated: its CPU time
# does not count the command's start (imports, migrations), which at 100,000 rows is as
# much again as the load.
IN_PROCESS = """
import sys, time
from pathlib import Path
from listbridge.crm.builtin.load import load_file
from listbridge.store.connections import connection_id
from listbridge.store.db import open_store
store = open_store(sys.argv[2])
cid = connection_id(store, "default")
wall, cpu, own = time.perf_counter(), time.process_time(), time.thread_time()
result = load_file(store, cid, Path(sys.argv[1]), started_by="bench")
wall, cpu, own = time.perf_counter() - wall, time.process_time() - cpu, time.thread_time() - own
print(wall, cpu, own, result.created)
"""

REPLAY = """
import sqlite3, sys, time
source = sqlite3.connect(sys.argv[1])
target = sqlite3.connect(sys.argv[2], isolation_level=None)
schema = "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite%'"
for (sql,) in source.execute(schema):
    target.execute(sql)
for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
    target.execute(f"PRAGMA {pragma}")
tables = ("connections", "crm_custom_fields", "runs", "crm_accounts", "crm_custom_values",
          "journal")
plan = []
for table in tables:  # as bulk.py writes them: up to 256 rows per INSERT
    rows = source.execute(f"SELECT * FROM {table}").fetchall()
    width = len(rows[0])
    per = max(1, min(256, 32766 // width))
    whole = len(rows) - len(rows) % per
    one = "(" + ",".join("?" * width) + ")"
    chunks = [tuple(v for r in rows[i : i + per] for v in r) for i in range(0, whole, per)]
    plan.append((f"INSERT INTO {table} VALUES " + ",".join([one] * per), chunks))
    plan.append((f"INSERT INTO {table} VALUES {one}", rows[whole:]))
start = time.perf_counter()
shares = {}
target.execute("BEGIN IMMEDIATE")
for table, (statement, params) in zip([t for t in tables for _ in (0, 1)], plan):
    began = time.process_time()
    target.executemany(statement, params)
    shares[table] = shares.get(table, 0.0) + time.process_time() - began
began = time.process_time()
target.execute("COMMIT")
shares["commit"] = time.process_time() - began
print(time.perf_counter() - start, *(f"{k}={v:.3f}" for k, v in shares.items() if v >= 0.001))
"""


def make_csv(path: Path, rows: int) -> None:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            writer.writerow(_row(rng, n))


def _row(rng: random.Random, n: int) -> list[str]:
    org = n % 5 == 0
    first, last = rng.choice(["Ann", "Bo", "Zoë", "José"]), rng.choice(["Lee", "Müller", "Park"])
    # Names carry accents; addresses, as nearly all real ones, are ASCII.
    local = "info" if org else f"{first.lower().translate(_ASCII)}.{n}"
    email = f"{local}@example{n % 97}.org"
    return [
        f"B{n:07d}", "organization" if org else "individual", "" if org else first,
        "" if org else last, f"Company {n}" if org else "", email,
        f"alt{n}@example.com" if n % 7 == 0 else "", f"+1 555-{n % 1000:03d}-{n % 10000:04d}",
        f"{n % 9999} Main St", "Springfield", "IL", "62701", "US", "Donor",
        "no", "no", "yes" if n % 11 == 0 else "no", rng.choice(["Gold", "Silver", ""]),
        str(rng.randint(0, 5000)),
    ]  # fmt: skip


def run_child(args: list[str]) -> dict[str, Any]:
    """Wall time and peak RSS (MB) of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    out, err = child.communicate()
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{err.decode()}")
    return {
        "seconds": seconds,
        # CPU time of the child: on a machine other jobs share, the wall time is theirs too
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "stdout": out.decode(),
    }


def load(db_url: str, path: Path, rows: int) -> dict[str, float]:
    cmd = [sys.executable, "-m", "listbridge", "--db", db_url, "crm", "load", str(path)]
    figures = run_child(cmd)
    assert f"{rows} created" in str(figures["stdout"]), figures["stdout"]
    result = _figures(figures, rows)
    # The run's own start and finish: the load without process start-up and imports.
    seconds = run_seconds(db_url)
    result["load_only_seconds"] = round(seconds, 3)
    result["load_only_rows_per_s"] = round(rows / seconds)
    return result


def in_process(path: Path, db_url: str, rows: int) -> dict[str, float]:
    """The load's own wall and CPU time, and the peak RSS of its process."""
    figures = run_child([sys.executable, "-c", IN_PROCESS, str(path), db_url])
    wall, cpu, own, created = str(figures["stdout"]).split()
    assert int(created) == rows, figures["stdout"]
    return {
        "rows": rows,
        "seconds": round(float(wall), 3),
        "rows_per_s": round(rows / float(wall)),
        "cpu_seconds": round(float(cpu), 3),
        "rows_per_cpu_s": round(rows / float(cpu)),
        # The load's writer (the calling thread) and its reader (a prefetch thread, see
        # crm/builtin/prefetch.py): on two free cores the wall time nears the larger.
        "cpu_seconds_writer": round(float(own), 3),
        "cpu_seconds_reader": round(float(cpu) - float(own), 3),
        "peak_rss_mb": round(figures["peak_rss_mb"], 1),
    }


def run_seconds(db_url: str) -> float:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            started, finished = conn.execute(
                text("SELECT started_at, finished_at FROM runs ORDER BY id DESC LIMIT 1")
            ).one()
    finally:
        engine.dispose()
    if isinstance(started, str):  # SQLite keeps text
        started, finished = datetime.fromisoformat(started), datetime.fromisoformat(finished)
    return float((finished - started).total_seconds())


def _figures(raw: dict[str, Any], rows: int) -> dict[str, float]:
    return {
        "rows": rows,
        "seconds": round(raw["seconds"], 3),
        "rows_per_s": round(rows / raw["seconds"]),
        "cpu_seconds": round(raw["cpu_seconds"], 3),
        "rows_per_cpu_s": round(rows / raw["cpu_seconds"]),
        "peak_rss_mb": round(raw["peak_rss_mb"], 1),
    }


class PgSchema:
    """A schema of its own in the `test` database, dropped afterwards."""

    def __init__(self, url: str) -> None:
        self.admin = url.replace("postgresql+psycopg", "postgresql")
        self.schema = f"lbbench_{uuid.uuid4().hex[:10]}"
        self.url = f"{url}?options=-csearch_path%3D{self.schema}"

    def __enter__(self) -> str:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{self.schema}"')
        return self.url

    def __exit__(self, *_: object) -> None:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{self.schema}" CASCADE')


def measure(
    rows: int, pg_url: str | None, work: Path, loads_only: bool = False
) -> dict[str, dict[str, float]]:
    full, subset = work / "accounts.csv", work / "subset.csv"
    make_csv(full, rows)
    make_csv(subset, SUBSET)
    results = {
        "csv read (baseline)": _figures(
            run_child([sys.executable, "-c", BASELINE_READ, str(full)]), rows
        )
    }
    sqlite = f"sqlite:///{work / 'bench.db'}"
    results["sqlite crm load"] = load(sqlite, full, rows)
    results["sqlite crm load, in process"] = in_process(full, f"sqlite:///{work / 'own.db'}", rows)
    if loads_only:
        return results
    replay = run_child(
        [sys.executable, "-c", REPLAY, str(work / "bench.db"), str(work / "replay.db")]
    )
    seconds, *shares = str(replay["stdout"]).split()
    results["sqlite: its own share (replay)"] = {
        "rows": rows,
        "seconds": round(float(seconds), 3),
        "rows_per_s": round(rows / float(seconds)),
        "peak_rss_mb": round(replay["peak_rss_mb"], 1),
        # CPU seconds of each table's inserts and of the commit, in the one transaction
        **{f"cpu_seconds_{k}": float(v) for k, v in (s.split("=") for s in shares)},
    }
    one = run_child([sys.executable, "-c", ONE_BY_ONE, str(subset), f"sqlite:///{work / 'one.db'}"])
    results[f"sqlite batch=1 ({SUBSET} rows)"] = _figures(one, SUBSET)
    if pg_url:
        with PgSchema(pg_url) as url:
            results["postgresql crm load"] = load(url, full, rows)
        with PgSchema(pg_url) as url:
            one = run_child([sys.executable, "-c", ONE_BY_ONE, str(subset), url])
            results[f"postgresql batch=1 ({SUBSET} rows)"] = _figures(one, SUBSET)
    return results


def report(results: dict[str, dict[str, float]], rows: int) -> Path:
    print(
        f"{'measurement':<32} {'rows':>7} {'seconds':>8} {'rows/s':>8} {'CPU s':>8}"
        f" {'rows/CPU s':>10} {'peak RSS MB':>12} {'load-only s':>12} {'load-only rows/s':>17}"
    )
    for name, f in results.items():
        cpu = f"{f.get('cpu_seconds', ''):>8} {f.get('rows_per_cpu_s', ''):>10}"
        figures = f"{f['rows']:>7} {f['seconds']:>8} {f['rows_per_s']:>8} {cpu}"
        figures += f" {f['peak_rss_mb']:>12}"
        only = f" {f.get('load_only_seconds', ''):>12} {f.get('load_only_rows_per_s', ''):>17}"
        print(f"{name:<32} {figures}{only}")
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"crm_load-{stamp}.json"
    meta = {
        "rows": rows,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "cpu": _cpu_model(),
        "at": stamp,
        "note": "seconds are wall time of the whole command: process start and migrations too",
    }
    out.write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")
    print(f"written to {out}")
    return out


def _cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor()
    return next((line.split(":", 1)[1].strip() for line in lines if "model name" in line), "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pg", default=PG_URL)
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument(
        "--loads-only", action="store_true", help="the csv read and the SQLite loads alone"
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lb-bench-") as work:
        pg = None if options.no_pg else options.pg
        results = measure(options.rows, pg, Path(work), options.loads_only)
    report(results, options.rows)


if __name__ == "__main__":
    main()
