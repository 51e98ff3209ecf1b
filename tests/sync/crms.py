"""The CRMs the jobs' suites (tests/sync) run on, in one place: a new CRM is one entry.

An entry of CRMS says how `crm use` chooses the CRM (`use`), how to make its database
(`database`: made once per pytest-xdist worker and put back as made before each test,
tests/support/reused_db.py), what it can do beyond the protocol's common ground (`can`,
`lacks`), how its own tables hold a list's members and a person (`members`, `person`:
the core cases read what a job wrote from there), and how its own users opt someone out
or delete a record (`opt_out`; `delete`, the trash, and `purge`, gone for good): those
are in tests/sync/crm_tables.py.

The conftest's `scene` runs each test that takes it on every CRM here, except a test
marked `only(CAPABILITY)` (on the CRMs that have it), `crm_free` (no CRM in it: the
builtin one alone) or `edge` (the builtin one and one other). `fails_on(CRM, reason=…)`
marks a product bug a test shows on some CRMs. The builtin CRM runs on both state-store
backends, the others on SQLite alone (CI time: their database is the CRM's, and the
store's backends are the builtin's tests'). `LISTBRIDGE_TEST_CRMS=builtin,vtiger-mariadb`
runs some of them only.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.engine import Engine
from tests.support.sqlmap_db import MAPPINGS, members_engine
from tests.support.vtiger_db import vtiger_engine
from tests.sync import crm_tables as tables
from tests.sync.crm_tables import Person

if TYPE_CHECKING:
    from tests.sync.conftest import Scene

#: `create` keeps the id it is given (the others number their records themselves)
CALLER_IDS = "caller ids"
#: `write_batch` commits the batch with the caller's links and checkpoint
ATOMIC_BATCHES = "atomic batches"
#: custom fields are defined, typed and stored (`custom.<Name>`, `crm fields add`)
CUSTOM_FIELDS = "custom fields"
#: accounts can be organizations (Vtiger syncs its contacts only)
ORGANIZATIONS = "organizations"
#: `crm load`, `crm export` and `crm delete`: the CLI's commands for listbridge's own CRM
BUILTIN_COMMANDS = "builtin commands"
#: a state and a country are any text (CiviCRM keeps them as rows of its own tables)
FREE_TEXT_PLACES = "free-text places"
#: accounts are deleted as the CRM's users delete them (`Crm.delete`, `Crm.purge`)
DELETES = "deletes"


def by_url(crm: Crm, url: str, _files: Path) -> tuple[str, ...]:
    """`crm use KIND --url URL`"""
    return (crm.kind, "--url", url)


@dataclass(frozen=True)
class Crm:
    """A CRM the suites run on, as `crm use KIND` names it."""

    kind: str
    #: a new database with the CRM's tables, dropped on exit (None: listbridge's own)
    database: Callable[[], AbstractContextManager[Engine]] | None = None
    can: frozenset[str] = frozenset()
    #: Account columns the CRM has no place for: they read as an Account's defaults
    lacks: frozenset[str] = frozenset()
    #: `crm use` arguments for the database at this URL (a file it needs goes in the dir)
    use: Callable[[Crm, str, Path], tuple[str, ...]] = by_url
    #: a list's member ids, and the person at an address, as its own tables hold them
    members: Callable[[Engine, str], list[str]] | None = None
    person: Callable[[Engine, str], Person] | None = None
    #: an account opted out (or back in) as the CRM's own users do it: on its screens,
    #: which write its tables (the builtin CRM's users, through listbridge)
    opt_out: Callable[[Scene, str, bool], None] | None = None
    #: deleted as its users delete a record (kept, out of the jobs' sight) …
    delete: Callable[[Scene, str], None] | None = None
    #: … and removed for good
    purge: Callable[[Scene, str], None] | None = None

    @property
    def capabilities(self) -> frozenset[str]:
        return self.can | ({DELETES} if self.delete and self.purge else set())


def only(*capabilities: str) -> pytest.MarkDecorator:
    """A test of these capabilities runs on the CRMs that have them all, and only those."""
    return pytest.mark.crm_can(*capabilities)


#: a test that reads and writes no CRM (a refusal before any job step, the scheduler, a
#: lock held): it runs with the builtin CRM alone, on each store backend
crm_free = pytest.mark.crm_free


#: an edge case of a job whose CRM-facing steps its core cases already run on every CRM
#: (what it adds is about Constant Contact's side, a refusal, a guard, the job's own
#: bookkeeping or output): it runs with the builtin CRM on each store backend and with one
#: other CRM, chosen by the test's name so that a file's edge cases spread over them all
edge = pytest.mark.crm_edge


def fails_on(*names: str, reason: str) -> pytest.MarkDecorator:
    """A product bug of these CRMs that the test shows: an expected failure on them (strict:
    it fails until the bug is fixed, then the mark goes), a pass on the others."""
    return pytest.mark.crm_bug(*names, reason=reason)


def _civicrm(backend: str) -> Crm:
    return Crm(
        "civicrm",
        lambda: tables.civicrm_database(backend),
        frozenset({ORGANIZATIONS}),
        frozenset({"cc_contact_id", "origin_category", "individual_type"}),
        members=tables.civicrm_members,
        person=tables.civicrm_person,
        opt_out=tables.civicrm_opt_out,
        delete=tables.civicrm_trash,
        purge=tables.civicrm_purge,
    )


def _sql_use(variant: str) -> Callable[[Crm, str, Path], tuple[str, ...]]:
    """`crm use sql --mapping FILE --url URL`, with the documented example mapping (or
    its fingerprint variant) written where the test's files go."""

    def use(crm: Crm, url: str, files: Path) -> tuple[str, ...]:
        path = files / f"{variant}.toml"
        path.write_text(MAPPINGS[variant](), encoding="utf-8")
        return (crm.kind, "--mapping", str(path), "--url", url)

    return use


def _sql(backend: str, variant: str) -> Crm:
    return Crm(
        "sql",
        lambda: members_engine(backend),
        frozenset({ORGANIZATIONS, FREE_TEXT_PLACES}),
        # what docs/mapping-example.toml maps no column for
        frozenset({"cc_contact_id", "origin_category", "origin_detail", "individual_type"})
        | ({"middle_name"} if variant == "fingerprints" else set()),
        use=_sql_use(variant),
        members=tables.sql_members,
        person=tables.sql_person,
        opt_out=tables.sql_opt_out,
        delete=tables.sql_archive,
        purge=tables.sql_purge,
    )


CRMS: dict[str, Crm] = {
    "builtin": Crm(
        "builtin",
        can=frozenset({CALLER_IDS, ATOMIC_BATCHES, CUSTOM_FIELDS, ORGANIZATIONS})
        | {BUILTIN_COMMANDS, FREE_TEXT_PLACES},
        opt_out=tables.builtin_opt_out,
        delete=tables.builtin_delete,
        purge=tables.builtin_purge,
    ),
    "civicrm-mariadb": _civicrm("mariadb"),
    "civicrm-postgresql": _civicrm("postgresql"),
    "vtiger-mariadb": Crm(
        "vtiger",
        vtiger_engine,
        frozenset({FREE_TEXT_PLACES}),
        frozenset({"cc_contact_id", "origin_category", "origin_detail", "individual_type"})
        | {"middle_name", "deceased", "do_not_contact"},
        members=tables.vtiger_members,
        person=tables.vtiger_person,
        opt_out=tables.vtiger_opt_out,
        delete=tables.vtiger_delete,
        purge=tables.vtiger_purge,
    ),
    # any SQL CRM, by docs/mapping-example.toml; and by its variant with one full-name
    # column and no updated-at, whose changes are found by fingerprints
    "sql-mariadb": _sql("mariadb", "example"),
    "sql-postgresql": _sql("postgresql", "fingerprints"),
}


def one_other(test_name: str, names: list[str]) -> str:
    """The CRM other than the builtin one that the edge case `test_name` runs on: the same
    on every run and every machine (crc32, not Python's salted hash)."""
    return names[zlib.crc32(test_name.encode()) % len(names)]


def runs(backends: list[str]) -> list[tuple[str, str]]:
    """(CRM, state-store backend) for each run of a test that takes `scene`: the builtin
    CRM on every backend, the others on SQLite (else the first backend chosen)."""
    chosen = os.environ.get("LISTBRIDGE_TEST_CRMS", ",".join(CRMS)).split(",")
    unknown = sorted(set(chosen) - set(CRMS) - {""})
    assert not unknown, f"LISTBRIDGE_TEST_CRMS: no CRM {unknown} (tests/sync/crms.py)"
    other = "sqlite" if "sqlite" in backends else backends[0]
    return [
        (name, backend)
        for name in CRMS
        if name in chosen
        for backend in (backends if CRMS[name].database is None else [other])
    ]
