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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, column, create_engine, event, insert, table, text
from sqlalchemy.dialects import sqlite

from listbridge.emulator import contact_rules, persistence
from listbridge.emulator.model import UNSUBSCRIBED, Contact, ContactList
from listbridge.emulator.state import EmulatorState

T = TypeVar("T")
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


def _columns(name: str, names: str) -> Any:
    """The table `name` with the columns `names` (one string), untyped: values go as given."""
    return table(name, *(column(n) for n in names.split()))


def _chunks(rows: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    pending = iter(rows)
    while chunk := list(itertools.islice(pending, size)):
        yield chunk


def _write(conn: Connection, target: Any, rows: Iterable[tuple[Any, ...]]) -> None:
    """`rows` into `target`, a transaction per chunk."""
    for chunk in _chunks(rows):
        with conn.begin():
            many(conn, target, chunk)


def _fast(dbapi_conn: Any, _record: Any) -> None:
    # Build-time settings of this writer's connections alone (not the product's): a lost
    # build is built again, so nothing needs syncing; a big page cache keeps the indexes
    # of 10 M tracking rows in memory while they grow.
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=OFF")  # the product's connections set WAL again
    # the build's one connection keeps the file to itself: a reader passing by (a helper's
    # sqlite3 shell) would otherwise hold a commit of 50,000 rows up until it gave up
    cursor.execute("PRAGMA locking_mode=EXCLUSIVE")
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
    engine = create_engine(f"sqlite:///{db_path}", connect_args={"timeout": 120})
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
    facts = {"sizes": asdict(sizes), "layout": LAYOUT, "built": asdict(built)}
    sizes_file(db_path).write_text(json.dumps(facts, indent=2) + "\n")
    return built


Account = tuple[str, str, bool]  # id, e-mail, individual
ACCOUNTS = _columns(
    "crm_accounts",
    "connection_id id type first_name middle_name last_name company_name email email2 email3 "
    "phone1 phone2 phone3 fax address_line1 city state zip country title individual_type "
    "deceased do_not_contact email_opt_out cc_contact_id origin_category origin_detail "
    "created_at updated_at deleted_at",
)


def _accounts(conn: Connection, connection: int, count: int, rng: random.Random) -> list[Account]:
    """Accounts as `crm load` leaves them (a tenth organisations, a few opted out or deleted);
    `cc_contact_id` is written with the link."""
    made: list[Account] = []

    def rows() -> Iterator[tuple[Any, ...]]:
        for n in range(count):
            org = n % 10 == 0
            first, last = rng.choice(FIRST), rng.choice(LAST)
            company = f"{last} & {rng.choice(LAST)} {rng.choice(('LLC', 'Inc', 'Trust'))}"
            local = "info" if org else f"{first.lower()}.{last.lower()}{n}"
            email = "" if n % 53 == 0 else f"{local}@example{n % 97}.org".replace("'", "")
            city, state, zip_code = CITIES[n % len(CITIES)]
            created = NOW - YEAR * 2 * rng.random()
            updated = created + (NOW - created) * rng.random()
            made.append((f"B{n:07d}", email, not org))
            yield (
                connection, f"B{n:07d}", "organization" if org else "individual",
                "" if org else first, "", "" if org else last, company if org else "", email,
                f"alt{n}@example.com" if n % 7 == 0 else "", "",
                f"+1 555-{n % 1000:03d}-{n % 10000:04d}", "", "", "", f"{n % 9999} Main St",
                city, state, zip_code, "US", "", "" if org else "Donor", 0, int(n % 211 == 0),
                int(n % 37 == 0), "", "API" if n % 3 == 0 else "",
                "Constant Contact import" if n % 3 == 0 else "", stamp(created), stamp(updated),
                stamp(NOW - timedelta(days=3)) if n % 499 == 0 else None,
            )  # fmt: skip

    _write(conn, ACCOUNTS, rows())
    return made


Link = tuple[str, str, str, str]  # account id, contact id, e-mail, permission to send
Recipient = tuple[str | None, str, str]  # the same, None: no account linked
LINKS_TABLE = _columns(
    "cc_links",
    "connection_id account_id cc_contact_id list_ids permission_to_send opt_out_source "
    "cc_updated_at fingerprint email crm_opt_out linked_at updated_at",
)
SET_CONTACT = text(
    "UPDATE crm_accounts SET cc_contact_id = :c WHERE connection_id = :conn AND id = :a"
)


def _permission(n: int) -> str:
    return UNSUBSCRIBED if n % 41 == 0 else ("explicit" if n % 3 else "implicit")


def _links(
    conn: Connection, connection: int, accounts: Sequence[Account], rng: random.Random
) -> dict[str, Link]:
    """Most individuals with an address are linked; the account carries the contact's id."""
    chosen = [(a, e) for a, e, individual in accounts if individual and e and rng.random() < 0.8]
    links = {
        account_id: (account_id, contact_id(rng), email, _permission(n))
        for n, (account_id, email) in enumerate(chosen)
    }

    def rows() -> Iterator[tuple[Any, ...]]:
        for account_id, contact, email, permission in links.values():
            at = stamp(NOW - YEAR * rng.random())
            out = "Contact" if permission == UNSUBSCRIBED else ""
            fingerprint = f"{rng.getrandbits(128):032x}"
            yield (connection, account_id, contact, "[]", permission, out, at, fingerprint,
                   email, 0, at, at)  # fmt: skip

    for chunk in _chunks(rows()):
        with conn.begin():
            many(conn, LINKS_TABLE, chunk)
            conn.execute(SET_CONTACT, [{"c": r[2], "conn": connection, "a": r[1]} for r in chunk])
    return links


CRM_LISTS = _columns("crm_lists", "connection_id name created_at updated_at")
MEMBERS = _columns("crm_list_members", "list_id account_id connection_id added_at")
MIRROR = _columns(
    "cc_lists",
    "connection_id cc_list_id name description hidden deleted cc_members last_sync "
    "refreshed_at crm_list_key synced_name rule_kind rule",
)
BASE = _columns("list_sync_members", "connection_id cc_list_id side account_id")
SET_LISTS = text("UPDATE cc_links SET list_ids = :ids WHERE connection_id = :c AND account_id = :a")


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
    on_lists: dict[str, list[str]] = {}
    made: list[tuple[str, str]] = []
    big = ("", "")
    for name, share in (*LISTS, *CC_ONLY):
        cc_id = contact_id(rng)
        chosen = (
            accounts if share >= 1 else rng.sample(accounts, max(1, int(len(accounts) * share)))
        )
        # CC takes an unsubscribed contact off every list
        linked = [a[0] for a in chosen if a[0] in links and links[a[0]][3] != UNSUBSCRIBED]
        key = _list_row(conn, connection, cc_id, name, len(linked), now)
        for account_id in linked:
            on_lists.setdefault(account_id, []).append(cc_id)
        if (name, share) in LISTS:
            _write(conn, MEMBERS, ((key, a[0], connection, now) for a in chosen))
            _write(conn, BASE, ((connection, cc_id, "crm", a[0]) for a in chosen))
            _write(conn, BASE, ((connection, cc_id, "cc", a) for a in linked))
        made.append((cc_id, name))
        if share >= 1:
            big = (name, cc_id)
    updates = [
        {"ids": json.dumps(ids), "c": connection, "a": account_id}
        for account_id, ids in on_lists.items()
    ]
    for chunk in _chunks(updates):
        with conn.begin():
            conn.execute(SET_LISTS, chunk)
    return big, made, on_lists


def _list_row(conn: Connection, connection: int, cc_id: str, name: str, members: int,
              now: str) -> int | None:  # fmt: skip
    """The CC list's mirror row, and the CRM list paired with it (its id) for a CRM list."""
    paired = name in dict(LISTS)
    key = None
    with conn.begin():
        if paired:
            many(conn, CRM_LISTS, [(connection, name, now, now)])
            query = text("SELECT id FROM crm_lists WHERE connection_id = :c AND name = :n")
            key = int(conn.execute(query, {"c": connection, "n": name}).scalar_one())
        many(conn, MIRROR, [(connection, cc_id, name, f"{name} (bench)", 0, 0, members,
                             now if paired else None, now, str(key) if paired else None,
                             name if paired else "", "", "")])  # fmt: skip
    return key


RUNS = _columns(
    "runs",
    "connection_id kind status started_at finished_at started_by counts checkpoint message",
)
RUN_ERRORS = _columns("run_errors", "run_id account_id cc_contact_id email field reason row")


def _runs(conn: Connection, connection: int, count: int, rng: random.Random) -> list[int]:
    """Runs of every kind over the year, oldest first, a few with error rows."""
    starts = sorted(NOW - YEAR * rng.random() for _ in range(count))
    values = []
    for n, began in enumerate(starts):
        status = "partial" if n % 9 == 0 else ("failed" if n % 97 == 0 else "succeeded")
        counts = {"created": n % 70, "matched": n % 1100, "not_imported": n % 4}
        finished = began + timedelta(seconds=40 + n % 600)
        message = "" if status != "failed" else "Constant Contact answered 503"
        values.append((connection, KINDS[n % len(KINDS)], status, stamp(began), stamp(finished),
                       "scheduler" if n % 3 else "admin (web)", json.dumps(counts), None,
                       message))  # fmt: skip
    with conn.begin():
        many(conn, RUNS, values)
        query = text("SELECT id FROM runs WHERE connection_id = :c ORDER BY id")
        ids = [int(i) for i in conn.execute(query, {"c": connection}).scalars()][-count:]
        bad = [
            (run_id, f"B{(n * 7919 + k) % 99991:07d}", "", f"bad{n}.{k}@example", "email",
             "not a valid e-mail address", None)
            for n, run_id in enumerate(ids) if n % 9 == 0 for k in range(1 + n % 5)
        ]  # fmt: skip
        if bad:
            many(conn, RUN_ERRORS, bad)
    return ids


#: the fields the jobs journal most, on each side
_CRM_FIELDS = ("first_name", "last_name", "phone1", "address_line1", "city", "zip", "email")
_CC_FIELDS = ("first_name", "last_name", "job_title", "company_name", "email_address")
Change = tuple[str, str, str, str | None, str | None, str]  # side, record, field, old, new, why


def _journal_row(n: int, account: Account, link: Link | None) -> Change:
    """The `n`th change, as the jobs journal them (store/journal.py, their reasons), in the
    proportions a year of imports, pushes, list and unsubscribe syncs leaves."""
    pick, account_id = n % 20, account[0]
    if pick < 4:
        return ("crm", account_id, "*", None, "created", "import: new contact on Newsletter")
    if pick < 6 and link:
        why = "import linked it: the same e-mail address"
        return ("crm", account_id, "cc_contact_id", None, link[1], why)
    if pick < 10:
        field = _CRM_FIELDS[n % len(_CRM_FIELDS)]
        why = "import: Constant Contact's is newer"
        return ("crm", account_id, field, f"old {field} {n}", f"new {field} {n}", why)
    if pick < 11:
        why = "unsubscribes CC → CRM: unsubscribed in Constant Contact"
        return ("crm", account_id, "email_opt_out", "false", "true", why)
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
    why = f"unsubscribes CRM → CC: opted out in the CRM (account {account_id})"
    return ("cc", contact, "permission_to_send", "subscribed", "unsubscribed", why)


def _epoch_of(stored: str) -> int:
    return int((datetime.fromisoformat(stored) - _EPOCH).total_seconds())


JOURNAL = _columns(
    "journal", "connection_id run_id at side record_id field old_value new_value reason"
)


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
    with conn.begin():
        query = text("SELECT id, started_at FROM runs WHERE connection_id = :c")
        rows = conn.execute(query, {"c": connection}).tuples()
        run_times = {run_id: _epoch_of(started) for run_id, started in rows}
    hot = accounts[12345 % len(accounts)]

    def changes() -> Iterator[tuple[Any, ...]]:
        for n in range(count):
            # a run's share is uneven, as real runs are: a few big imports, many small syncs
            run_id = run_ids[min(len(run_ids) - 1, int(len(run_ids) * rng.random() ** 1.5))]
            account = hot if n % 997 == 0 else accounts[rng.randrange(len(accounts))]
            change = _journal_row(n, account, links.get(account[0]))
            at = run_times[run_id] + int(rng.random() * 600)
            yield (connection, None if n % 50 == 0 else run_id, second(at), *change)

    with _without_secondary_indexes(conn, "journal"):
        _write(conn, JOURNAL, changes())
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


CAMPAIGNS = _columns(
    "cc_campaigns",
    "connection_id campaign_id activity_id name sent_at list_ids included frozen sends opens "
    "opens_all clicks clicks_all forwards optouts bounces abuse not_opened stats_at "
    "watermarks pulled_at",
)
EVENTS = _columns(
    "cc_campaign_events",
    "connection_id campaign_id kind cc_contact_id email at detail detail_key device "
    "account_id flagged_at",
)
COUNTERS = ("opens", "opens_all", "clicks", "clicks_all", "forwards", "optouts", "bounces")
REPORTS = ("sends", "opens", "clicks", "forwards", "optouts", "bounces")


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
    linked: list[Recipient] = [(link[0], link[1], link[2]) for link in links.values()]
    # a few recipients per campaign are contacts no account is linked to
    strangers: list[Recipient] = [
        (None, contact_id(rng), f"stranger{n}@example.net") for n in range(50_000)
    ]
    middle = ""
    with _without_secondary_indexes(conn, "cc_campaign_events"):
        for c in range(sizes.campaigns):
            campaign = contact_id(rng)
            ago = YEAR * (sizes.campaigns - c) / max(1, sizes.campaigns)
            sent = (NOW - ago).replace(microsecond=0)
            sample = rng.sample(linked, min(len(linked), sizes.recipients * 97 // 100))
            pool = [*sample, *strangers[: sizes.recipients - len(sample)]]
            rows, counts = _tracking(connection, campaign, sent, pool, rng)
            for start in range(0, len(rows), 5 * CHUNK):
                with conn.begin():
                    many(conn, EVENTS, rows[start : start + 5 * CHUNK])
            with conn.begin():
                many(conn, CAMPAIGNS, [_campaign_row(connection, campaign, c, sent, list_id,
                                                     len(pool), counts, rng)])  # fmt: skip
            if c == sizes.campaigns // 2:
                middle = campaign
            if c % 10 == 9 or c == sizes.campaigns - 1:
                _say(f"campaign {c + 1}/{sizes.campaigns} ({len(rows):,} rows in the last)", began)
    return middle


def _campaign_row(
    connection: int, campaign: str, c: int, sent: datetime, list_id: str, sends: int,
    counts: dict[str, int], rng: random.Random,
) -> tuple[Any, ...]:  # fmt: skip
    """The campaign's row once its counters and every report were pulled, three days on."""
    pulled = stamp(min(NOW, sent + timedelta(days=3)))
    marks = {kind: (sent + timedelta(days=2)).isoformat() for kind in REPORTS}
    name = f"{sent:%B %Y} appeal #{c + 1}" if c % 4 else f"Newsletter {sent:%Y-%m-%d}"
    frozen = int(NOW - sent > timedelta(days=90))
    not_opened = sends - counts["opens"] - counts["bounces"]
    return (connection, campaign, contact_id(rng), name, stamp(sent), json.dumps([list_id]), 1,
            frozen, sends, *(counts[k] for k in COUNTERS), int(c % 3 == 0), not_opened, pulled,
            json.dumps(marks), pulled)  # fmt: skip


def _tracking(
    connection: int,
    campaign: str,
    sent: datetime,
    pool: Sequence[Recipient],
    rng: random.Random,
) -> tuple[list[tuple[Any, ...]], dict[str, int]]:
    """One campaign's tracking rows (as tuples in the table's column order) and counters."""
    rows: list[tuple[Any, ...]] = []
    counts = dict.fromkeys(COUNTERS, 0)
    open_rate = 0.18 + 0.14 * rng.random()
    click_share = 0.12 + 0.16 * rng.random()  # of the openers
    s0 = int((sent.replace(tzinfo=None) - _EPOCH).total_seconds())

    def add(kind: str, who: Recipient, at: int, detail: str = "", key: str = "",
            device: str = "") -> None:  # fmt: skip
        rows.append((connection, campaign, kind, who[1], who[2], second(at), detail, key,
                     device, who[0], None))  # fmt: skip
        if kind != "sends":
            counts[kind + ("_all" if kind in ("opens", "clicks") else "")] += 1

    for n, who in enumerate(pool):
        at = s0 + n % 900
        add("sends", who, at)
        roll = rng.random()
        if roll < 0.004:
            code = BOUNCES[n % len(BOUNCES)]
            add("bounces", who, at + 120, code, code)
            continue
        if roll >= 0.004 + open_rate:
            continue
        counts["opens"] += 1
        opened, device = at + 300 + int(180_000 * rng.random()), DEVICES[n % 4]
        for again in range(1 + (n % 3 == 0)):
            add("opens", who, opened + 3600 * again, "", "", device)
        if roll < 0.004 + open_rate * click_share:
            counts["clicks"] += 1
            for again in range(1 + (n % 4 == 0)):
                url = (n + again) % len(LINKS)
                add("clicks", who, opened + 60 * (1 + again), LINKS[url], str(1000 + url), device)
        if n % 700 == 0:
            add("forwards", who, opened + 540)
        if n % 450 == 1:
            add("optouts", who, opened + 180, "Too many e-mails")
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
