"""A large store for bench/web_render.py (issue 18): accounts, lists, campaign results, runs
and the journal at the sizes the quality bar names, written fast and laid out as the product
writes them.

The schema is the product's (the store opened, and so migrated, by `listbridge connect`); the
rows go straight into its tables with SQLAlchemy Core `insert()` executemany, in chunks, one
transaction per chunk or per campaign. The columns are named without types (`table()`,
`column()`), so no per-value Python conversion runs: datetimes are written in the text form
SQLAlchemy stores on SQLite (`YYYY-MM-DD HH:MM:SS.ffffff`, UTC), booleans as 0/1, JSON as
text. What each row holds follows the writers: store/campaigns.py (a stats pull's campaign,
counters and tracking rows), store/journal.py and the jobs' reasons, store/runs.py,
crm/builtin (accounts), store/links.py, the list tables of a paired list after a list sync.

A database built once is kept (`<db>.sizes.json` beside it, written when the build ends)
and reused by a run asking for the same sizes; a half-built one is built again.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import operator
import random
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, column, create_engine, event, insert, table, text
from sqlalchemy.dialects import sqlite

from listbridge.emulator import contact_rules, persistence
from listbridge.emulator.model import UNSUBSCRIBED, Contact, ContactList
from listbridge.emulator.state import EmulatorState

CHUNK = 10_000
#: what the rows look like: a database built by another version of this file is built again
LAYOUT = 2
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
YEAR = timedelta(days=365)

FIRST = (  # noqa: SIM905 (a list of words reads best as words)
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William "
    "Barbara Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Nancy "
    "Matthew Lisa Anthony Betty Mark Sandra Zoë José Ann Bo Chloé Amélie Noah Olivia "
    "Liam Emma Ava Mia"
).split()
LAST = (  # noqa: SIM905 (a list of words reads best as words)
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez "
    "Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King "
    "Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera "
    "Campbell Mitchell Carter Roberts Goldsmith Smithers Müller Park O'Brien Blacksmith "
    "Kowalski Schmidt Rossi"
).split()
CITIES = (
    ("Springfield", "IL", "62701"),
    ("Portland", "OR", "97201"),
    ("Austin", "TX", "73301"),
    ("Boston", "MA", "02108"),
    ("Denver", "CO", "80202"),
    ("Madison", "WI", "53703"),
)
#: the builtin CRM's lists, paired with CC lists, and the share of the accounts on each
LISTS = (
    ("Newsletter", 1.0),
    ("Donors", 0.2),
    ("Events 2026", 0.12),
    ("Volunteers", 0.05),
    ("Board", 0.0005),
)
#: CC lists no CRM list is paired with (imported by `import.lists`), members linked
CC_ONLY = (("Press contacts", 0.01), ("Old newsletter (archive)", 0.3))
LINKS = (
    "https://example.org/donate",
    "https://example.org/events",
    "https://example.org/news/2026/annual-report",
    "https://example.org/volunteer",
    "https://example.org/unsubscribe-help",
    "https://shop.example.org/?utm_source=cc",
)
BOUNCES = ("B", "D", "F", "S", "V", "Z")
DEVICES = ("computer", "mobile", "tablet", "other")
KINDS = ("import", "push", "unsubscribes", "lists", "full", "stats")


@dataclass(frozen=True)
class Sizes:
    accounts: int
    campaigns: int
    recipients: int
    journal: int
    runs: int


@dataclass(frozen=True)
class Built:
    """What web_render.py needs to know of the built data to ask for its screens."""

    big_list: str
    account_id: str
    campaign_id: str
    journal_field: str
    journal_record: str


def stamp(at: datetime) -> str:
    """A UTC datetime as SQLAlchemy's DateTime stores it on SQLite (UTCDateTime drops the
    zone there)."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


_EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001 (naive: SQLite keeps UTC without a zone)


@functools.lru_cache(maxsize=1 << 20)
def second(epoch: int) -> str:
    """`stamp` of a whole second since 1970 (as Constant Contact's report times are), fast:
    the tracking rows' times repeat within a campaign."""
    return (_EPOCH + timedelta(seconds=epoch)).isoformat(" ") + ".000000"


def many(conn: Connection, target: Any, rows: Sequence[tuple[Any, ...]]) -> None:
    """`insert(target)` executemany of rows given as tuples in the table's column order:
    the statement compiled once and handed to the driver as is (the big tables' millions
    of rows spend no time in per-row parameter handling)."""
    conn.exec_driver_sql(str(insert(target).compile(dialect=sqlite.dialect())), list(rows))


def contact_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _columns(name: str, *names: str) -> Any:
    return table(name, *(column(n) for n in names))


def _chunks(rows: Iterator[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _fast(dbapi_conn: Any, _record: Any) -> None:
    # Build-time settings of this writer's connections alone (not the product's): a lost
    # build is built again, so nothing needs syncing; a big page cache keeps the indexes
    # of 10 M tracking rows in memory while they grow.
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=OFF")  # the product's connections set WAL again
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA cache_size=-1500000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _say(message: str, began: float) -> None:
    print(f"  [{time.perf_counter() - began:7.1f} s] {message}", file=sys.stderr, flush=True)


def sizes_file(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".sizes.json")


def reusable(db_path: Path, sizes: Sizes) -> Built | None:
    """The built data's facts when `db_path` holds a complete build of these sizes."""
    meta = sizes_file(db_path)
    if not (db_path.exists() and meta.exists()):
        return None
    saved = json.loads(meta.read_text())
    if saved.get("sizes") != asdict(sizes) or saved.get("layout") != LAYOUT:
        return None
    return Built(**saved["built"])


def fill(db_path: Path, connection: int, sizes: Sizes, emulator_state: Path) -> Built:
    """Write every row into the store at `db_path` (already migrated, `connection` made),
    and the same contacts and lists into the emulator's `--state` file (its process
    stopped): the screens that ask Constant Contact (/lists) find what the store says."""
    engine = create_engine(f"sqlite:///{db_path}")
    event.listen(engine, "connect", _fast)
    began = time.perf_counter()
    rng = random.Random(18)
    with engine.connect() as conn:
        accounts = _accounts(conn, connection, sizes.accounts, rng)
        _say(f"{sizes.accounts:,} accounts", began)
        links = _links(conn, connection, accounts, rng)
        _say(f"{len(links):,} links to CC contacts", began)
        big, cc_lists, on_lists = _lists(conn, connection, accounts, links, rng)
        _say("lists, their members and their list-sync base", began)
        seed_emulator(emulator_state, cc_lists, links, on_lists)
        _say("the emulator's account holds the same contacts and lists", began)
        run_ids = _runs(conn, connection, sizes.runs, rng)
        _say(f"{sizes.runs:,} runs", began)
        field, record = _journal(conn, connection, sizes.journal, run_ids, accounts, links, rng)
        _say(f"{sizes.journal:,} journal rows", began)
        campaign = _campaigns(conn, connection, sizes, links, big[1], rng, began)
        _say("tracking rows' indexes made", began)
    engine.dispose()
    built = Built(big[0], accounts[len(accounts) // 2][0], campaign, field, record)
    sizes_file(db_path).write_text(
        json.dumps({"sizes": asdict(sizes), "layout": LAYOUT, "built": asdict(built)}, indent=2)
        + "\n"
    )
    return built


Account = tuple[str, str, bool]  # id, e-mail, individual


def _accounts(conn: Connection, connection: int, count: int, rng: random.Random) -> list[Account]:
    target = _columns(
        "crm_accounts",
        "connection_id",
        "id",
        "type",
        "first_name",
        "middle_name",
        "last_name",
        "company_name",
        "email",
        "email2",
        "email3",
        "phone1",
        "phone2",
        "phone3",
        "fax",
        "address_line1",
        "city",
        "state",
        "zip",
        "country",
        "title",
        "individual_type",
        "deceased",
        "do_not_contact",
        "email_opt_out",
        "cc_contact_id",
        "origin_category",
        "origin_detail",
        "created_at",
        "updated_at",
        "deleted_at",
    )
    made: list[Account] = []

    def rows() -> Iterator[dict[str, Any]]:
        for n in range(count):
            org = n % 10 == 0
            first, last = rng.choice(FIRST), rng.choice(LAST)
            company = f"{last} & {rng.choice(LAST)} {rng.choice(('LLC', 'Inc', 'Trust'))}"
            local = "info" if org else f"{first.lower()}.{last.lower()}{n}"
            email = "" if n % 53 == 0 else f"{local}@example{n % 97}.org".replace("'", "")
            city = CITIES[n % len(CITIES)]
            created = NOW - YEAR * 2 * rng.random()
            made.append((f"B{n:07d}", email, not org))
            yield {
                "connection_id": connection,
                "id": f"B{n:07d}",
                "type": "organization" if org else "individual",
                "first_name": "" if org else first,
                "middle_name": "",
                "last_name": "" if org else last,
                "company_name": company if org else "",
                "email": email,
                "email2": f"alt{n}@example.com" if n % 7 == 0 else "",
                "email3": "",
                "phone1": f"+1 555-{n % 1000:03d}-{n % 10000:04d}",
                "phone2": "",
                "phone3": "",
                "fax": "",
                "address_line1": f"{n % 9999} Main St",
                "city": city[0],
                "state": city[1],
                "zip": city[2],
                "country": "US",
                "title": "",
                "individual_type": "" if org else "Donor",
                "deceased": 0,
                "do_not_contact": int(n % 211 == 0),
                "email_opt_out": int(n % 37 == 0),
                # written with the link, below
                "cc_contact_id": "",
                "origin_category": "API" if n % 3 == 0 else "",
                "origin_detail": "Constant Contact import" if n % 3 == 0 else "",
                "created_at": stamp(created),
                "updated_at": stamp(created + (NOW - created) * rng.random()),
                "deleted_at": stamp(NOW - timedelta(days=3)) if n % 499 == 0 else None,
            }

    for chunk in _chunks(rows()):
        with conn.begin():
            conn.execute(insert(target), chunk)
    return made


Link = tuple[str, str, str, str]  # account id, contact id, e-mail, permission to send
Recipient = tuple[str | None, str, str]  # the same, None: no account linked


def _permission(n: int) -> str:
    return UNSUBSCRIBED if n % 41 == 0 else ("explicit" if n % 3 else "implicit")


def _links(
    conn: Connection, connection: int, accounts: Sequence[Account], rng: random.Random
) -> dict[str, Link]:
    """Most individuals with an address are linked; the account carries the contact's id."""
    target = _columns(
        "cc_links",
        "connection_id",
        "account_id",
        "cc_contact_id",
        "list_ids",
        "permission_to_send",
        "opt_out_source",
        "cc_updated_at",
        "fingerprint",
        "email",
        "crm_opt_out",
        "linked_at",
        "updated_at",
    )
    chosen = [(a, e) for a, e, individual in accounts if individual and e and rng.random() < 0.8]
    links = {
        account_id: (account_id, contact_id(rng), email, _permission(n))
        for n, (account_id, email) in enumerate(chosen)
    }

    def rows() -> Iterator[dict[str, Any]]:
        for account_id, contact, email, permission in links.values():
            at = NOW - YEAR * rng.random()
            out = permission == UNSUBSCRIBED
            yield {
                "connection_id": connection,
                "account_id": account_id,
                "cc_contact_id": contact,
                "list_ids": "[]",
                "permission_to_send": permission,
                "opt_out_source": "Contact" if out else "",
                "cc_updated_at": stamp(at),
                "fingerprint": f"{rng.getrandbits(128):032x}",
                "email": email,
                "crm_opt_out": 0,
                "linked_at": stamp(at),
                "updated_at": stamp(at),
            }

    for chunk in _chunks(rows()):
        with conn.begin():
            conn.execute(insert(target), chunk)
            conn.execute(
                text(
                    "UPDATE crm_accounts SET cc_contact_id = :c "
                    "WHERE connection_id = :conn AND id = :a"
                ),
                [
                    {"c": r["cc_contact_id"], "conn": connection, "a": r["account_id"]}
                    for r in chunk
                ],
            )
    return links


def _lists(
    conn: Connection,
    connection: int,
    accounts: Sequence[Account],
    links: dict[str, Link],
    rng: random.Random,
) -> tuple[tuple[str, str], list[tuple[str, str]], dict[str, list[str]]]:
    """CRM lists paired with CC lists after a list sync (both sides' members in the base,
    the links' list ids), and CC-only lists: the biggest list's name and CC id, every CC
    list's id and name, and the CC lists of each linked account."""
    now = stamp(NOW - timedelta(hours=5))
    crm_list = _columns("crm_lists", "connection_id", "name", "created_at", "updated_at")
    members = _columns("crm_list_members", "list_id", "account_id", "connection_id", "added_at")
    mirror = _columns(
        "cc_lists",
        "connection_id",
        "cc_list_id",
        "name",
        "description",
        "hidden",
        "deleted",
        "cc_members",
        "last_sync",
        "refreshed_at",
        "crm_list_key",
        "synced_name",
        "rule_kind",
        "rule",
    )
    base = _columns("list_sync_members", "connection_id", "cc_list_id", "side", "account_id")
    on_lists: dict[str, list[str]] = {}
    made: list[tuple[str, str]] = []
    live = list(accounts)
    big = ("", "")
    for name, share in (*LISTS, *CC_ONLY):
        cc_id = contact_id(rng)
        chosen = live if share >= 1 else rng.sample(live, max(1, int(len(live) * share)))
        # CC takes an unsubscribed contact off every list
        linked = [a[0] for a in chosen if a[0] in links and links[a[0]][3] != UNSUBSCRIBED]
        paired = (name, share) in LISTS
        key = None
        with conn.begin():
            if paired:
                conn.execute(
                    insert(crm_list),
                    [
                        {
                            "connection_id": connection,
                            "name": name,
                            "created_at": now,
                            "updated_at": now,
                        }
                    ],
                )
                key = conn.execute(
                    text("SELECT id FROM crm_lists WHERE connection_id = :c AND name = :n"),
                    {"c": connection, "n": name},
                ).scalar_one()
            conn.execute(
                insert(mirror),
                [
                    {
                        "connection_id": connection,
                        "cc_list_id": cc_id,
                        "name": name,
                        "description": f"{name} (bench)",
                        "hidden": 0,
                        "deleted": 0,
                        "cc_members": len(linked),
                        "last_sync": now if paired else None,
                        "refreshed_at": now,
                        "crm_list_key": str(key) if paired else None,
                        "synced_name": name if paired else "",
                        "rule_kind": "",
                        "rule": "",
                    }
                ],
            )
        for account_id in linked:
            on_lists.setdefault(account_id, []).append(cc_id)
        if paired:
            rows = (
                {"list_id": key, "account_id": a[0], "connection_id": connection, "added_at": now}
                for a in chosen
            )
            for chunk in _chunks(rows):
                with conn.begin():
                    conn.execute(insert(members), chunk)
            sides = (
                *(
                    {
                        "connection_id": connection,
                        "cc_list_id": cc_id,
                        "side": "crm",
                        "account_id": a[0],
                    }
                    for a in chosen
                ),
                *(
                    {
                        "connection_id": connection,
                        "cc_list_id": cc_id,
                        "side": "cc",
                        "account_id": a,
                    }
                    for a in linked
                ),
            )
            for chunk in _chunks(iter(sides)):
                with conn.begin():
                    conn.execute(insert(base), chunk)
        made.append((cc_id, name))
        if share >= 1:
            big = (name, cc_id)
    updates = [
        {"ids": json.dumps(ids), "c": connection, "a": account_id}
        for account_id, ids in on_lists.items()
    ]
    for start in range(0, len(updates), CHUNK):
        with conn.begin():
            conn.execute(
                text(
                    "UPDATE cc_links SET list_ids = :ids "
                    "WHERE connection_id = :c AND account_id = :a"
                ),
                updates[start : start + CHUNK],
            )
    return big, made, on_lists


def _runs(conn: Connection, connection: int, count: int, rng: random.Random) -> list[int]:
    """Runs of every kind over the year, oldest first, a few with error rows."""
    runs = _columns(
        "runs",
        "connection_id",
        "kind",
        "status",
        "started_at",
        "finished_at",
        "started_by",
        "counts",
        "checkpoint",
        "message",
    )
    errors = _columns(
        "run_errors", "run_id", "account_id", "cc_contact_id", "email", "field", "reason", "row"
    )
    starts = sorted(NOW - YEAR * rng.random() for _ in range(count))
    values = []
    for n, began in enumerate(starts):
        kind = KINDS[n % len(KINDS)]
        status = "partial" if n % 9 == 0 else ("failed" if n % 97 == 0 else "succeeded")
        counts = {"created": n % 70, "matched": n % 1100, "not_imported": n % 4}
        values.append(
            {
                "connection_id": connection,
                "kind": kind,
                "status": status,
                "started_at": stamp(began),
                "finished_at": stamp(began + timedelta(seconds=40 + n % 600)),
                "started_by": "scheduler" if n % 3 else "admin (web)",
                "counts": json.dumps(counts),
                "checkpoint": None,
                "message": "" if status != "failed" else "Constant Contact answered 503",
            }
        )
    with conn.begin():
        conn.execute(insert(runs), values)
        ids = list(
            conn.execute(
                text("SELECT id FROM runs WHERE connection_id = :c ORDER BY id"), {"c": connection}
            ).scalars()
        )[-count:]
        bad = [
            {
                "run_id": run_id,
                "account_id": f"B{(n * 7919 + k) % 99991:07d}",
                "cc_contact_id": "",
                "email": f"bad{n}.{k}@example",
                "field": "email",
                "reason": "not a valid e-mail address",
                "row": None,
            }
            for n, run_id in enumerate(ids)
            if n % 9 == 0
            for k in range(1 + n % 5)
        ]
        if bad:
            conn.execute(insert(errors), bad)
    return [int(i) for i in ids]


#: (side, field, old → new, reason) as the jobs journal them, weighted by how often they do
_CRM_FIELDS = ("first_name", "last_name", "phone1", "address_line1", "city", "zip", "email")
_CC_FIELDS = ("first_name", "last_name", "job_title", "company_name", "email_address")


def _journal_row(
    n: int, account: Account, link: Link | None, rng: random.Random
) -> tuple[str, str, str, str | None, str | None, str]:
    pick = n % 20
    account_id = account[0]
    if pick < 4:
        return ("crm", account_id, "*", None, "created", "import: new contact on Newsletter")
    if pick < 6 and link:
        return (
            "crm",
            account_id,
            "cc_contact_id",
            None,
            link[1],
            "import linked it: the same e-mail address",
        )
    if pick < 10:
        field = _CRM_FIELDS[n % len(_CRM_FIELDS)]
        return (
            "crm",
            account_id,
            field,
            f"old {field} {n}",
            f"new {field} {n}",
            "import: Constant Contact's is newer",
        )
    if pick < 11:
        return (
            "crm",
            account_id,
            "email_opt_out",
            "false",
            "true",
            "unsubscribes CC → CRM: unsubscribed in Constant Contact",
        )
    if pick < 13:
        return ("crm", account_id, "list:Newsletter", None, "member", "lists: added on CC")
    if link is None:
        return ("crm", account_id, "phone1", None, f"+1 555-{n % 10000:04d}", "import: filled in")
    contact = link[1]
    if pick < 15:
        return ("cc", contact, "*", None, "created", "push")
    if pick < 18:
        field = _CC_FIELDS[n % len(_CC_FIELDS)]
        return ("cc", contact, field, f"was {n}", f"now {n}", "push")
    if pick < 19:
        return ("cc", contact, "list_memberships", "Newsletter", "Newsletter, Donors", "push")
    return (
        "cc",
        contact,
        "permission_to_send",
        "subscribed",
        "unsubscribed",
        f"unsubscribes CRM → CC: opted out in the CRM (account {account_id})",
    )


def _epoch_of(stored: str) -> int:
    return int((datetime.fromisoformat(stored) - _EPOCH).total_seconds())


def _journal(
    conn: Connection,
    connection: int,
    count: int,
    run_ids: Sequence[int],
    accounts: Sequence[Account],
    links: dict[str, Link],
    rng: random.Random,
) -> tuple[str, str]:
    """`count` changes over the year; a run's changes at its time, a few by no run; a field
    and a record that have many rows (for the /audit filters)."""
    target = _columns(
        "journal",
        "connection_id",
        "run_id",
        "at",
        "side",
        "record_id",
        "field",
        "old_value",
        "new_value",
        "reason",
    )
    with conn.begin():
        query = text("SELECT id, started_at FROM runs WHERE connection_id = :c")
        run_times = {
            run_id: _epoch_of(started)
            for run_id, started in conn.execute(query, {"c": connection}).tuples()
        }
    hot = accounts[12345 % len(accounts)]

    def rows() -> Iterator[tuple[Any, ...]]:
        for n in range(count):
            # a run's share is uneven, as real runs are: a few big imports, many small syncs
            run_id = run_ids[min(len(run_ids) - 1, int(len(run_ids) * rng.random() ** 1.5))]
            account = hot if n % 997 == 0 else accounts[rng.randrange(len(accounts))]
            side, record, field, old, new, reason = _journal_row(
                n, account, links.get(account[0]), rng
            )
            at = run_times[run_id] + int(rng.random() * 600)
            yield (
                connection,
                None if n % 50 == 0 else run_id,
                second(at),
                side,
                record,
                field,
                old,
                new,
                reason,
            )

    pending = rows()
    with _without_secondary_indexes(conn, "journal"):
        while chunk := list(itertools.islice(pending, CHUNK)):
            with conn.begin():
                many(conn, target, chunk)
    return "email_opt_out", hot[0]


def seed_emulator(
    path: Path,
    cc_lists: Sequence[tuple[str, str]],
    links: dict[str, Link],
    on_lists: dict[str, list[str]],
) -> None:
    """The linked contacts and the CC lists, with the same ids, in the emulator's state file
    (through the emulator's own records and rules, as its seed control makes them)."""
    state = EmulatorState()
    persistence.load(state, path)  # the connection's client and tokens
    for cc_id, name in cc_lists:
        state.lists[cc_id] = ContactList(cc_id, name, state.stamp(), state.next_sequence())
    for account_id, contact_id_, email, permission in links.values():
        contact = Contact(contact_id_, email, state.now(), "Account")
        contact.permission = permission if permission != UNSUBSCRIBED else "implicit"
        state.add_contact(contact)
        if permission == UNSUBSCRIBED:
            contact_rules.unsubscribe(state, contact, "Contact", "bench: unsubscribed")
        else:
            contact_rules.set_lists(state, contact, on_lists.get(account_id, ()))
    persistence.save(state, path)


def _campaigns(
    conn: Connection,
    connection: int,
    sizes: Sizes,
    links: dict[str, Link],
    list_id: str,
    rng: random.Random,
    began: float,
) -> str:
    """Campaigns as a stats pull leaves them: counters, watermarks, and every tracking row
    (sends to every recipient, opens, clicks with links, a few bounces, opt-outs, forwards),
    attached to the recipient's account when linked. The id of one in the middle."""
    campaigns = _columns(
        "cc_campaigns",
        "connection_id",
        "campaign_id",
        "activity_id",
        "name",
        "sent_at",
        "list_ids",
        "included",
        "frozen",
        "sends",
        "opens",
        "opens_all",
        "clicks",
        "clicks_all",
        "forwards",
        "optouts",
        "bounces",
        "abuse",
        "not_opened",
        "stats_at",
        "watermarks",
        "pulled_at",
    )
    events = _columns(
        "cc_campaign_events",
        "connection_id",
        "campaign_id",
        "kind",
        "cc_contact_id",
        "email",
        "at",
        "detail",
        "detail_key",
        "device",
        "account_id",
        "flagged_at",
    )
    linked: list[Recipient] = [(link[0], link[1], link[2]) for link in links.values()]
    # a few recipients per campaign are contacts no account is linked to
    strangers: list[Recipient] = [
        (None, contact_id(rng), f"stranger{n}@example.net") for n in range(50_000)
    ]
    middle = ""
    with _without_secondary_indexes(conn, "cc_campaign_events"):
        for c in range(sizes.campaigns):
            campaign = contact_id(rng)
            sent = (NOW - YEAR * (sizes.campaigns - c) / max(1, sizes.campaigns)).replace(
                microsecond=0
            )
            pool: list[Recipient] = list(
                rng.sample(linked, min(len(linked), sizes.recipients * 97 // 100))
            )
            pool += strangers[: sizes.recipients - len(pool)]
            rows, counts = _tracking(connection, campaign, sent, pool, rng)
            for start in range(0, len(rows), 5 * CHUNK):
                with conn.begin():
                    many(conn, events, rows[start : start + 5 * CHUNK])
            pulled = stamp(min(NOW, sent + timedelta(days=3)))
            marks = {
                kind: (sent + timedelta(days=2)).isoformat()
                for kind in ("sends", "opens", "clicks", "forwards", "optouts", "bounces")
            }
            with conn.begin():
                conn.execute(
                    insert(campaigns),
                    [
                        {
                            "connection_id": connection,
                            "campaign_id": campaign,
                            "activity_id": contact_id(rng),
                            "name": f"{sent:%B %Y} appeal #{c + 1}"
                            if c % 4
                            else f"Newsletter {sent:%Y-%m-%d}",
                            "sent_at": stamp(sent),
                            "list_ids": json.dumps([list_id]),
                            "included": 1,
                            "frozen": int(NOW - sent > timedelta(days=90)),
                            "sends": len(pool),
                            **counts,
                            "abuse": int(c % 3 == 0),
                            "not_opened": len(pool) - counts["opens"] - counts["bounces"],
                            "stats_at": pulled,
                            "watermarks": json.dumps(marks),
                            "pulled_at": pulled,
                        }
                    ],
                )
            if c == sizes.campaigns // 2:
                middle = campaign
            if c % 10 == 9 or c == sizes.campaigns - 1:
                _say(f"campaign {c + 1}/{sizes.campaigns} ({len(rows):,} rows in the last)", began)
    return middle


def _tracking(
    connection: int,
    campaign: str,
    sent: datetime,
    pool: Sequence[tuple[Any, ...]],
    rng: random.Random,
) -> tuple[list[tuple[Any, ...]], dict[str, int]]:
    """One campaign's tracking rows (as tuples in the table's column order) and counters."""
    rows: list[tuple[Any, ...]] = []
    counts = dict.fromkeys(
        ("opens", "opens_all", "clicks", "clicks_all", "forwards", "optouts", "bounces"), 0
    )
    open_rate = 0.18 + 0.14 * rng.random()
    click_share = 0.12 + 0.16 * rng.random()  # of the openers
    s0 = int((sent.replace(tzinfo=None) - _EPOCH).total_seconds())

    def add(
        kind: str, who: tuple[Any, ...], at: int, detail: str = "", key: str = "", device: str = ""
    ) -> None:
        rows.append(
            (
                connection,
                campaign,
                kind,
                who[1],
                who[2],
                second(at),
                detail,
                key,
                device,
                who[0],
                None,
            )
        )

    for n, who in enumerate(pool):
        at = s0 + n % 900
        add("sends", who, at)
        roll = rng.random()
        if roll < 0.004:
            code = BOUNCES[n % len(BOUNCES)]
            add("bounces", who, at + 120, code, code)
            counts["bounces"] += 1
            continue
        if roll >= 0.004 + open_rate:
            continue
        counts["opens"] += 1
        opened = at + 300 + int(180_000 * rng.random())
        device = DEVICES[n % 4]
        for again in range(1 + (n % 3 == 0)):
            add("opens", who, opened + 3600 * again, "", "", device)
            counts["opens_all"] += 1
        if roll < 0.004 + open_rate * click_share:
            counts["clicks"] += 1
            for again in range(1 + (n % 4 == 0)):
                url = (n + again) % len(LINKS)
                add("clicks", who, opened + 60 * (1 + again), LINKS[url], str(1000 + url), device)
                counts["clicks_all"] += 1
        if n % 700 == 0:
            add("forwards", who, opened + 540)
            counts["forwards"] += 1
        if n % 450 == 1:
            add("optouts", who, opened + 180, "Too many e-mails")
            counts["optouts"] += 1
    # A pull stores a campaign's rows report by report (kind by kind); in the order of the
    # row key within a kind, so the key's index grows at its end rather than everywhere.
    rows.sort(key=operator.itemgetter(2, 3, 5, 7))
    return rows, counts


@contextlib.contextmanager
def _without_secondary_indexes(conn: Connection, name: str) -> Iterator[None]:
    """Drop the table's own indexes (not its unique key) while it fills, then make them again
    with their very DDL: one sorted build of each is much faster than millions of random
    inserts into them."""
    with conn.begin():
        query = text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t "
            "AND sql IS NOT NULL"
        )
        indexes = conn.execute(query, {"t": name}).tuples().all()
        for index, _sql in indexes:
            conn.exec_driver_sql(f'DROP INDEX "{index}"')
    yield
    with conn.begin():
        for _index, sql in indexes:
            conn.exec_driver_sql(sql)
