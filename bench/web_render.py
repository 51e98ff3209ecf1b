"""Render time of every web admin screen with a large database (issues 17 and 18); not a test.

    ./dev bench web_render [--accounts 100000] [--campaigns 200] [--recipients 50000]
                           [--journal 1000000] [--runs 1000] [--repeat 20] [--db PATH]

Issue 18's bar: every page renders in under 300 ms with 100,000 accounts, 200 campaigns of
50,000 recipients and 1,000,000 journal rows. A SQLite store connected to an emulator in its
own process (`listbridge connect --emulator`), then filled by bench/web_data.py straight into
the product's tables: `accounts` builtin-CRM accounts, most linked to CC contacts, on paired
lists (one holds every account) and CC-only ones; `runs` runs over a year with error rows;
`journal` changes over those runs; `campaigns` campaigns with every recipient's tracking rows
(sends, ~25 % opens, ~5 % clicks, a few bounces, opt-outs, forwards). The database is built
once into `--db` (default under the temporary directory, named for its sizes) and reused by
a later run of the same sizes; the full size takes several minutes to build.

Each screen is asked for `repeat` + 1 times in-process through the ASGI app, signed in as an
administrator (Starlette's test client: no network, so the figure is the server's own work);
the first answer (a cold start: templates compiled) is reported apart, then the median and
the slowest of `repeat` more, beside a baseline in the same run: the login page,
which reads nothing. A screen whose route is not there (404/405 on every try) is reported as
missing; any other status than 200 is reported with its figures. Writes
bench/results/web_render-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from sqlalchemy import event

from common import EMULATOR, free_port, write_results
from listbridge.cli.schedules import default_registry
from listbridge.store.connections import connection_id
from listbridge.store.db import Store, open_store
from listbridge.store.users import add_user
from web_data import NOW, Built, Sizes, fill, reusable, sizes_file

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from listbridge.web.app import create_app

PASSWORD = "bench password, long enough"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
BUDGET_MS = 300.0
#: the seconds a screen is asked for at most (beyond its first three answers)
BUDGET_S = 30.0
#: statuses that say the screen's route is not there (yet)
MISSING = (404, 405)


def screens(built: Built, sizes: Sizes, run_id: int) -> list[str]:
    """The paths asked for, in order: the baseline first, then issue 17's, then issue 18's;
    `run_id` is the run with the most journal rows."""
    big = quote(built.big_list)
    late_members = max(1, sizes.accounts // 50 // 2)  # half-way through at 50 a page
    late_events = max(1, sizes.recipients // 50 // 2)
    where = urlencode({"where": 'city = "Springfield"'})
    month = (NOW.replace(day=1)).date()
    since = urlencode({"since": f"{month.year}-{max(1, month.month - 3):02d}-01",
                       "until": f"{month.year}-{max(1, month.month - 2):02d}-01"})  # fmt: skip
    campaign = quote(built.campaign_id)
    return [
        "/login",
        # issue 17
        "/", "/setup", "/getting-started", "/settings", "/sync", "/sync?page=20",
        f"/sync/runs/{run_id}",
        # issue 18
        "/dashboard/duplicates",
        "/lists", f"/lists/{big}", f"/lists/{big}?page={late_members}", f"/lists/{big}?q=smith",
        f"/lists/{big}/add?{where}", f"/lists/{big}/check?{where}",
        "/accounts", "/accounts?q=smith", f"/accounts/{quote(built.account_id)}",
        "/stats", "/stats?sort=open_rate&dir=desc", "/stats/chart.svg",
        f"/stats/{campaign}", f"/stats/{campaign}?page={late_events}",
        "/audit", f"/audit?field={quote(built.journal_field)}",
        f"/audit?record={quote(built.journal_record)}", f"/audit?{since}",
        f"/audit?run={run_id}", f"/audit?side=cc&field=permission_to_send&{since}",
        "/connections",
    ]  # fmt: skip


def busiest_run(path: Path) -> int:
    with sqlite3.connect(path) as db:
        query = "SELECT run_id FROM journal WHERE run_id IS NOT NULL GROUP BY run_id "
        found = db.execute(query + "ORDER BY count(*) DESC LIMIT 1").fetchone()
    db.close()
    return int(found[0]) if found else 1


def listbridge(db: str, *args: str) -> None:
    command = [sys.executable, "-m", "listbridge", "--db", db, *args]
    subprocess.run(command, check=True, capture_output=True, text=True)


def timed(client: TestClient, path: str, repeat: int) -> dict[str, Any]:
    """The first answer apart (it compiles the screen's templates: a cold start), then the
    median and the slowest of `repeat` more (fewer, at least 3, for a screen whose first
    answer took seconds). A server error is a status like the others."""
    began = time.perf_counter()
    first = client.get(path, follow_redirects=False)
    first_ms = round(1000 * (time.perf_counter() - began), 1)
    if first.status_code in MISSING:
        return {"status": "missing", "code": first.status_code}
    seconds = []
    statuses = {first.status_code}
    # a screen of several seconds is asked fewer times (at least 3): the run stays short
    for _ in range(min(repeat, max(3, int(BUDGET_S / max(first_ms / 1000, 0.001))))):
        began = time.perf_counter()
        answer = client.get(path, follow_redirects=False)
        seconds.append(time.perf_counter() - began)
        statuses.add(answer.status_code)
    return {
        "status": 200 if statuses == {200} else sorted(statuses),
        "first_ms": first_ms,
        "asked": len(seconds),
        "median_ms": round(1000 * statistics.median(seconds), 1),
        "max_ms": round(1000 * max(seconds), 1),
    }


def slow_statements(
    store: Store, client: TestClient, path: str, emulator: str, top: int = 3
) -> dict[str, Any]:
    """One more request of `path` with every SQL statement timed: the request's time, the
    time in SQL and the `top` slowest statements, each SELECT with SQLite's EXPLAIN QUERY
    PLAN: what the screen's owner needs to make it fast (little time in SQL: the time is
    Python's, the rendering or the objects built), and the calls made to Constant Contact
    (the emulator's counters)."""
    seen: list[tuple[float, str, Any]] = []

    def before(conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        conn.info["bench_began"] = time.perf_counter()

    def after(conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((time.perf_counter() - conn.info["bench_began"], statement, parameters))

    event.listen(store.engine, "before_cursor_execute", before)
    event.listen(store.engine, "after_cursor_execute", after)
    httpx.post(f"{emulator}/__emulator__/counters/reset")
    began = time.perf_counter()
    try:
        client.get(path, follow_redirects=False)
    finally:
        request_ms = round(1000 * (time.perf_counter() - began), 1)
        event.remove(store.engine, "before_cursor_execute", before)
        event.remove(store.engine, "after_cursor_execute", after)
    calls = httpx.get(f"{emulator}/__emulator__/counters").json()
    queries = [q for q in seen if not q[1].lstrip().upper().startswith(("BEGIN", "COMMIT"))]
    slowest = []
    raw = store.engine.raw_connection()
    try:
        for seconds, statement, parameters in sorted(queries, key=lambda q: -q[0])[:top]:
            plan: list[str] = []
            if statement.lstrip().upper().startswith(("SELECT", "WITH")):
                cursor = raw.cursor()
                cursor.execute(f"EXPLAIN QUERY PLAN {statement}", parameters or ())
                plan = [str(row[-1]) for row in cursor.fetchall()]
                cursor.close()
            slowest.append(
                {"ms": round(1000 * seconds, 1), "sql": " ".join(statement.split()),
                 "parameters": [str(p) for p in (parameters or ())], "plan": plan}
            )  # fmt: skip
    finally:
        raw.close()
    return {
        "request_ms": request_ms,
        "sql_ms": round(1000 * sum(q[0] for q in queries), 1),
        "statements": len(queries),
        "slowest": slowest,
        "cc_calls": calls.get("by_endpoint", {}),
    }


def emulator_of(path: Path) -> Path:
    """The emulator's `--state` file of the database at `path`: its account's contacts and
    lists (the same as the store's) and the connection's tokens."""
    return path.with_name(path.name + ".emulator")


def start_emulator(state: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`listbridge emulator --auto-approve --state STATE` in its own process; its base URL."""
    port = free_port()
    command = [*EMULATOR, "--port", str(port), "--state", str(state)]
    process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(1200):  # a state of 100,000 contacts takes a while to load
        try:
            httpx.get(f"{base}/oauth2/default/v1/authorize", timeout=1)
            return process, base
        except httpx.TransportError:
            if process.poll() is not None:
                raise SystemExit(f"the emulator stopped ({process.returncode})") from None
            time.sleep(0.1)
    raise SystemExit("emulator did not start")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the emulator; it saves its state as it stops."""
    process.terminate()
    process.wait(timeout=120)


def point_at(path: Path, base: str) -> None:
    """The connection reaches Constant Contact at `base` (the emulator's port of this run)."""
    with sqlite3.connect(path) as db:
        for (api,) in db.execute("SELECT api_base FROM cc_accounts").fetchall():
            old = api.removesuffix("/v3")
            db.execute(
                "UPDATE cc_accounts SET api_base = replace(api_base, ?, ?), "
                "auth_base = replace(auth_base, ?, ?)",
                (old, base, old, base),
            )
    db.close()


def prepare(args: argparse.Namespace, sizes: Sizes) -> tuple[Path, Built, float]:
    """The database at `args.db` holding `sizes`, built unless a complete build is there."""
    path = Path(args.db) if args.db else default_db(sizes)
    url = f"sqlite:///{path}"
    built = reusable(path, sizes)
    if built is not None and emulator_of(path).exists():
        print(f"reusing {path}", file=sys.stderr)
        return path, built, 0.0
    path.parent.mkdir(parents=True, exist_ok=True)
    stale = (path, sizes_file(path), emulator_of(path), *path.parent.glob(path.name + "-*"))
    for old in stale:
        old.unlink(missing_ok=True)
    print(f"building {path} ({sizes})", file=sys.stderr)
    began = time.perf_counter()
    emulator, base = start_emulator(emulator_of(path))
    try:
        listbridge(url, "connect", "--emulator", base)
    finally:
        stop(emulator)
    store = open_store(url)
    cid = connection_id(store, "default")
    add_user(store, "admin", PASSWORD, admin=True)
    store.close()
    built = fill(path, cid, sizes, emulator_of(path))
    return path, built, time.perf_counter() - began


def default_db(sizes: Sizes) -> Path:
    name = (f"web-a{sizes.accounts}-c{sizes.campaigns}x{sizes.recipients}"
            f"-j{sizes.journal}-r{sizes.runs}.db")  # fmt: skip
    return Path(tempfile.gettempdir()) / "listbridge-bench" / name


def measure(args: argparse.Namespace, sizes: Sizes) -> dict[str, Any]:
    path, built, build_seconds = prepare(args, sizes)
    emulator, base = start_emulator(emulator_of(path))
    try:
        point_at(path, base)
        store = open_store(f"sqlite:///{path}")
        client = TestClient(
            create_app(store, schedules=default_registry()), raise_server_exceptions=False
        )
        page = client.get("/login")
        token = _CSRF.search(page.text)
        assert token is not None
        signed = client.post(
            "/login", data={"name": "admin", "password": PASSWORD, "csrf_token": token[1]}
        )
        assert signed.status_code == 200, signed.status_code
        # the baseline is the sign-in form as an anonymous visitor sees it (signed in, it
        # redirects); every other screen is asked as the administrator, redirects not followed
        anonymous = TestClient(
            create_app(store, schedules=default_registry()), raise_server_exceptions=False
        )
        timings = {}
        for path_asked in screens(built, sizes, busiest_run(path)):
            asker = anonymous if path_asked == "/login" else client
            timings[path_asked] = timed(asker, path_asked, args.repeat)
            if timings[path_asked].get("median_ms", 0) > BUDGET_MS:
                timings[path_asked]["sql"] = slow_statements(store, client, path_asked, base)
            print(f"  {path_asked}: {timings[path_asked]}", file=sys.stderr, flush=True)
        store.close()
        return {
            "db": str(path),
            "db_mb": round(path.stat().st_size / 2**20),
            "build_seconds": round(build_seconds, 1),
            "built": asdict(built),
            "screens": timings,
        }
    finally:
        stop(emulator)


def table(results: dict[str, Any], sizes: Sizes) -> str:
    base = results["screens"]["/login"]["median_ms"]
    lines = [
        f"{sizes.accounts:,} accounts, {sizes.campaigns} campaigns × {sizes.recipients:,} "
        f"recipients, {sizes.journal:,} journal rows, {sizes.runs:,} runs "
        f"(database {results['db_mb']:,} MB)",
        f"{'path':<56} {'status':>7} {'median ms':>10} {'slowest ms':>11} {'× login':>8}",
    ]
    for path, figures in results["screens"].items():
        if figures["status"] == "missing":
            lines.append(f"{path:<56} {'missing':>7}")
            continue
        status = figures["status"]
        ratio = figures["median_ms"] / base if base else 0.0
        over = "  over 300 ms" if figures["median_ms"] > BUDGET_MS else ""
        lines.append(
            f"{path:<56} {status!s:>7} {figures['median_ms']:>10} {figures['max_ms']:>11}"
            f" {ratio:>8.1f}{over}"
        )
    for path, figures in results["screens"].items():
        sql = figures.get("sql")
        if sql is None:
            continue
        lines.append(
            f"\n{path}: {sql['request_ms']} ms, of which {sql['sql_ms']} ms in "
            f"{sql['statements']} SQL statements; calls to Constant Contact: "
            f"{sql['cc_calls'] or 'none'}; the slowest statements:"
        )
        for query in sql["slowest"]:
            lines.append(f"  {query['ms']} ms  {query['sql'][:400]}")
            lines.extend(f"      {step}" for step in query["plan"])
    return "\n".join(lines)


def markdown(results: dict[str, Any]) -> str:
    """The figures as the table of docs/web-admin.md."""
    lines = ["| screen | status | median ms | slowest ms | SQL ms (statements) |",
             "|---|---|---:|---:|---|"]  # fmt: skip
    campaign = results["built"]["campaign_id"]
    for asked, figures in results["screens"].items():
        path = asked.replace(campaign, "{campaign_id}")
        if figures["status"] == "missing":
            lines.append(f"| `{path}` | missing | | | |")
            continue
        sql = figures.get("sql")
        spent = f"{sql['sql_ms']} ({sql['statements']})" if sql else ""
        over = " **over**" if figures["median_ms"] > BUDGET_MS else ""
        lines.append(f"| `{path}` | {figures['status']} | {figures['median_ms']}{over} "
                     f"| {figures['max_ms']} | {spent} |")  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--campaigns", type=int, default=200)
    parser.add_argument("--recipients", type=int, default=50_000)
    parser.add_argument("--journal", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--markdown", action="store_true", help="print the table in Markdown too")
    parser.add_argument("--db", help="the database file, built when missing (or of other sizes)")
    args = parser.parse_args()
    sizes = Sizes(args.accounts, args.campaigns, args.recipients, args.journal, args.runs)
    results = measure(args, sizes)
    print(table(results, sizes))
    if args.markdown:
        print(markdown(results))
    out = write_results("web_render", results, **asdict(sizes), repeat=args.repeat)
    print(f"written to {out}")


if __name__ == "__main__":
    main()
