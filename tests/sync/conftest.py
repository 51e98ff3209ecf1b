"""A job's scene: the emulator over loopback (every exchange held to the official spec),
a store connected to it through the CLI, the CRM the connection syncs (chosen by `crm
use`, as a user chooses it), and helpers to put contacts on one side and accounts on
the other.

A test that takes `scene` runs on every CRM of tests/sync/crms.py (the builtin one on
SQLite and PostgreSQL, the others on SQLite), or on those with the capabilities of its
`only(…)` mark. CiviCRM and Vtiger number their own records: `add_account` returns the
id the CRM gave, and the test names an account by that id, never by one it chose.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine
from tests.conftest import BACKENDS, Cli, empty_store_url
from tests.constant_contact.conftest import (  # noqa: F401  (fixtures used here)
    CcEmulator,
    cc,
    cc_emulator_config,
    secret_key_file,
    wired,
)
from tests.support.reused_db import ReusedDatabase
from tests.sync.crm_tables import Person
from tests.sync.crms import CALLER_IDS, CRMS, Crm, one_other, runs

from listbridge.constant_contact.client import ConstantContact
from listbridge.constant_contact.models import ContactBody
from listbridge.core.accounts import Account, AccountType
from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.crm.engines import dispose_engines
from listbridge.crm.factory import open_crm
from listbridge.crm.protocol import AccountBatch, CrmWithLists
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.models import CcLink

#: an account with every column at its default
BLANK = Account("")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Each test with a scene once per CRM (and state-store backend: crms.runs); any
    other test with a store once per backend."""
    if "crm_name" in metafunc.fixturenames:
        marks = metafunc.definition.iter_markers
        needed = {c for mark in marks("crm_can") for c in mark.args}
        bugs = {name: mark.kwargs["reason"] for mark in marks("crm_bug") for name in mark.args}
        assert set(bugs) <= set(CRMS), f"fails_on: no CRM {sorted(set(bugs) - set(CRMS))}"
        free = metafunc.definition.get_closest_marker("crm_free") is not None
        able = [
            (name, backend)
            for name, backend in runs(BACKENDS)
            if needed <= CRMS[name].capabilities and not (free and CRMS[name].database)
        ]
        if metafunc.definition.get_closest_marker("crm_edge") is not None:
            others = [name for name, _ in able if CRMS[name].database]
            if others:
                other = one_other(metafunc.definition.originalname, others)
                able = [(n, b) for n, b in able if not CRMS[n].database or n == other]
        chosen = [
            pytest.param(name, backend, id=f"{name}-{backend}", marks=_bug(bugs.get(name)))
            for name, backend in able
        ]
        metafunc.parametrize(("crm_name", "store_backend"), chosen)
    elif "db_url" in metafunc.fixturenames:
        metafunc.parametrize("store_backend", BACKENDS)


def _bug(reason: str | None) -> tuple[pytest.MarkDecorator, ...]:
    if reason is None:
        return ()
    return (pytest.mark.xfail(strict=True, raises=AssertionError, reason=reason),)


@pytest.fixture
def db_url(store_backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from empty_store_url(store_backend, request, tmp_path)


@pytest.fixture
def crm_name() -> str:
    """The builtin CRM, for the scenes of other directories (tests/runner)."""
    return "builtin"


@pytest.fixture(scope="session")
def crm_databases() -> Iterator[dict[str, ReusedDatabase]]:
    """Each CRM's database, made on this worker's first test that needs it."""
    made = {name: ReusedDatabase(crm.database) for name, crm in CRMS.items() if crm.database}
    try:
        yield made
    finally:
        dispose_engines()  # the jobs' pooled connections go before their databases do
        for database in made.values():
            database.close()


@dataclass
class Scene:
    cc: CcEmulator
    cli: Cli
    store: Store
    client: ConstantContact
    crm_name: str = "builtin"
    #: the CRM's own database (None: the builtin CRM, in the store)
    engine: Engine | None = None
    lists: dict[str, str] = field(default_factory=dict)
    #: each account the test added: the name it gave → the id the CRM gave
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def connection_id(self) -> int:
        return connection_id(self.store, "default")

    @property
    def under_test(self) -> Crm:
        return CRMS[self.crm_name]

    @property
    def crm(self) -> CrmWithLists:
        return open_crm(self.store, self.connection_id)

    def can(self, capability: str) -> bool:
        return capability in self.under_test.capabilities

    def keeps(self, column: str) -> bool:
        return column not in self.under_test.lacks

    def kept(self, **expected: Any) -> dict[str, Any]:
        """`expected` as the CRM keeps it: a column it has no place for reads as its default."""
        return {k: v if self.keeps(k) else getattr(BLANK, k) for k, v in expected.items()}

    def add_list(self, name: str) -> str:
        self.lists[name] = self.client.create_list(name).list_id
        return self.lists[name]

    def add_contact(
        self,
        email: str,
        first: str = "",
        last: str = "",
        lists: tuple[str, ...] = (),
        unsubscribed: bool = False,
        **extra: Any,
    ) -> str:
        body: dict[str, Any] = {
            "email_address": {"address": email, "permission_to_send": "implicit"},
            "first_name": first,
            "last_name": last,
            "create_source": "Account",
            **extra,
        }
        if lists:
            body["list_memberships"] = [self.lists[name] for name in lists]
        contact, _ = self.client.create_contact(ContactBody.model_validate(body))
        if unsubscribed:
            self.unsubscribe(contact.contact_id)
        return contact.contact_id

    def unsubscribe(self, contact_id: str) -> None:
        self.cc.control.post(f"/contacts/{contact_id}/unsubscribe").raise_for_status()

    def give_invalid_email(self, contact_id: str, email: str) -> None:
        """A record the API would refuse today (a legacy import), put straight into CC."""
        with self.cc.state.lock:
            contact = self.cc.state.contacts.by_id[contact_id]
            old, contact.email = contact.email, email
            self.cc.state.contacts.rekey_email(contact, old)

    def add_account(self, name: str, email: str, first: str = "", last: str = "", **kw: Any) -> str:
        """A new account; the id its CRM gave it (`name` on the builtin CRM)."""
        account = Account(name, email=email, first_name=first, last_name=last, **kw)
        made = self.crm.create(account, reason="test setup").id
        self.ids[name] = made
        return made

    def add_accounts(self, accounts: Sequence[Account]) -> list[str]:
        """Many new accounts in one batch, as an import writes them; their ids, in order."""
        now = datetime.now(UTC)
        made = tuple(replace(a, created_at=now, updated_at=now) for a in accounts)
        given = self.crm.write_batch(AccountBatch(None, now, made), lambda _session, ids: ids)
        return [given[a.id] for a in accounts]

    def add_organization(self, name: str, email: str) -> str:
        return self.add_account(
            name, email, type=AccountType.ORGANIZATION, company_name="Org " + name
        )

    def name_of(self, account_id: str) -> str:
        """The name the test gave the account (its id when the test added none)."""
        names = {made: name for name, made in self.ids.items()}
        return names.get(account_id, account_id)

    def import_json(self, *args: str, expect: int = 0) -> dict[str, Any]:
        answer = self.cli("import", "--json", *args)
        assert answer.exit_code == expect, answer.output
        result: dict[str, Any] = json.loads(answer.stdout) if expect == 0 else {}
        return result

    def account(self, account_id: str) -> Account:
        found = self.crm.get(account_id)
        assert found is not None, account_id
        return found

    def accounts(self) -> list[Account]:
        return list(self.crm.changed_since(None))

    def links(self) -> dict[str, str]:
        """Every link: account id → contact id (the builtin CRM's copy of each checked)."""
        query = select(CcLink.account_id, CcLink.cc_contact_id)
        with self.store.session() as session:
            rows = session.execute(query.where(CcLink.connection_id == self.connection_id))
            found = {str(a): str(c) for a, c in rows}
        if self.engine is None:  # its copy of the link never disagrees with the link
            accounts = self.accounts()
            copies = {a.id: a.cc_contact_id for a in accounts}
            assert copies == {a.id: found.get(a.id, "") for a in accounts}, "copy ≠ link"
        return found

    def contact_of(self, account_id: str) -> str:
        """The contact the account is linked to ("" when none)."""
        link = self.links().get(account_id, "")
        if self.engine is None and (stored := self._builtin_stored(account_id)) is not None:
            assert stored.cc_contact_id == link, (account_id, stored.cc_contact_id, link)
        return link

    def imported(self, contact_id: str) -> Account:
        """The account linked to the contact (on the builtin CRM, the id an import gives)."""
        [account_id] = [a for a, c in self.links().items() if c == contact_id]
        if self.can(CALLER_IDS):
            assert account_id == f"cc-{contact_id}"
        return self.account(account_id)

    def opt_out_in_the_crm(self, account_id: str, opted_out: bool = True) -> None:
        """The account's opt-out set as the CRM's own users set it (not through listbridge,
        for a CRM held elsewhere: its screens write its tables)."""
        assert self.under_test.opt_out is not None, self.crm_name
        self.under_test.opt_out(self, account_id, opted_out)

    def delete_account(self, account_id: str) -> None:
        """Deleted as the CRM's users delete one: kept, out of every job's sight."""
        assert self.under_test.delete is not None, self.crm_name
        self.under_test.delete(self, account_id)

    def purge_account(self, account_id: str) -> None:
        """Removed from the CRM for good."""
        assert self.under_test.purge is not None, self.crm_name
        self.under_test.purge(self, account_id)

    def members_in_tables(self, name: str) -> list[str]:
        """The list's members as the CRM's own tables hold them."""
        if self.engine is None or self.under_test.members is None:
            return sorted(self.crm.list_members(name))
        return self.under_test.members(self.engine, name)

    def person_in_tables(self, email: str) -> Person:
        """The person at this address as the CRM's own tables hold them."""
        if self.engine is None or self.under_test.person is None:
            (found,) = self.crm.find_by_email(email)
            return found.first_name, found.last_name, found.email_opt_out
        return self.under_test.person(self.engine, email)

    def schema(self) -> dict[str, list[tuple[str, str, bool]]]:
        """The CRM database's tables and columns ({} for the builtin CRM's)."""
        if self.engine is None:
            return {}
        found = inspect(self.engine)
        return {
            table: [
                (c["name"], str(c["type"]), bool(c["nullable"])) for c in found.get_columns(table)
            ]
            for table in sorted(found.get_table_names())
        }

    def _builtin_stored(self, account_id: str) -> Account | None:
        stored = BuiltinCrm(self.store, self.connection_id).get_stored(account_id)
        return None if stored is None else stored[0]


@pytest.fixture
def scene(
    wired: CcEmulator,  # noqa: F811
    cli: Cli,
    store: Store,
    crm_name: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> Scene:
    answer = cli("connect", "--emulator", wired.base_url)
    assert answer.exit_code == 0, answer.output
    chosen = CRMS[crm_name]
    engine = None
    if chosen.database is not None:
        databases: dict[str, ReusedDatabase] = request.getfixturevalue("crm_databases")
        engine = databases[crm_name].fresh()
        url = engine.url.render_as_string(hide_password=False)
        used = cli("crm", "use", *chosen.use(chosen, url, tmp_path))
        assert used.exit_code == 0, used.output
    return Scene(wired, cli, store, wired.client(), crm_name, engine)
