"""The jobs' core cases on every CRM listbridge syncs: the builtin one, CiviCRM (on
MariaDB and PostgreSQL) and Vtiger (on MariaDB), each chosen by `crm use` as a user
chooses it. What a job writes is read back from the CRM's own tables, and the CRM's
schema is the same after the jobs as before them: listbridge never alters it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine
from tests.support.civicrm_db import civicrm_engine
from tests.support.civicrm_schema import civicrm_group, civicrm_group_contact
from tests.support.vtiger_db import vtiger_engine
from tests.support.vtiger_schema import CAMPAIGN, CAMPAIGNCONTREL, CONTACTDETAILS
from tests.sync.conftest import Scene

from listbridge.core.accounts import Account
from listbridge.crm.factory import open_crm
from listbridge.crm.protocol import CrmWithLists
from listbridge.sync.imports import ImportRequest, run_import
from listbridge.sync.imports import apply as imports_apply
from listbridge.sync.job import JobStart

#: CRM kind, and the database it runs on (None: listbridge's own)
CRMS = {
    "builtin": ("builtin", None),
    "civicrm-mariadb": ("civicrm", "mariadb"),
    "civicrm-postgresql": ("civicrm", "postgresql"),
    "vtiger-mariadb": ("vtiger", "mariadb"),
}


@dataclass
class OnCrm:
    """A scene whose connection syncs one of the CRMs."""

    scene: Scene
    kind: str
    engine: Engine | None  # the CRM's own database (None: the builtin CRM)

    @property
    def crm(self) -> CrmWithLists:
        return open_crm(self.scene.store, self.scene.connection_id)

    def run(self, *args: str) -> dict[str, Any]:
        answer = self.scene.cli(*args, "--json")
        assert answer.exit_code == 0, answer.output
        found: dict[str, Any] = json.loads(answer.stdout)
        return found

    def add_account(self, email: str, first: str, last: str) -> str:
        account = Account("new", email=email, first_name=first, last_name=last)
        return self.crm.create(account, reason="test setup").id

    def schema(self) -> dict[str, list[tuple[str, str, bool]]]:
        assert self.engine is not None
        found = inspect(self.engine)
        return {
            table: [
                (c["name"], str(c["type"]), bool(c["nullable"])) for c in found.get_columns(table)
            ]
            for table in sorted(found.get_table_names())
        }


def _engine(kind: str, backend: str | None) -> AbstractContextManager[Engine] | None:
    if kind == "civicrm":
        assert backend is not None
        return civicrm_engine(backend)
    if kind == "vtiger":
        return vtiger_engine()
    return None


@pytest.fixture(params=sorted(CRMS))
def on_crm(request: pytest.FixtureRequest, scene: Scene) -> Iterator[OnCrm]:
    kind, backend = CRMS[request.param]
    with ExitStack() as stack:
        opened = _engine(kind, backend)
        engine = None if opened is None else stack.enter_context(opened)
        if engine is not None:
            url = engine.url.render_as_string(hide_password=False)
            chosen = scene.cli("crm", "use", kind, "--url", url)
            assert chosen.exit_code == 0, chosen.output
        yield OnCrm(scene, kind, engine)


def test_import_creates_and_matches_accounts_in_the_crm(on_crm: OnCrm) -> None:
    scene = on_crm.scene
    scene.add_list("News")
    known = on_crm.add_account("Ann.Lee@example.org", "Ann", "Lee")
    scene.add_contact("ann.lee@example.org", "Ann", "Lee", lists=("News",))
    scene.add_contact("bo.renée@example.org", "Bo", "Renée", lists=("News",))
    before = on_crm.schema() if on_crm.engine is not None else None
    result = on_crm.run("import", "--list", "News")
    assert (result["created"], result["matched"], result["not_imported"]) == (1, 1, 0)
    (bo,) = on_crm.crm.find_by_email("bo.renée@example.org")
    assert (bo.first_name, bo.last_name) == ("Bo", "Renée")
    assert bo.id != known
    # A second import finds both linked: nothing created twice.
    again = on_crm.run("import", "--list", "News")
    assert (again["created"], again["matched"]) == (0, 0)
    assert len(list(on_crm.crm.changed_since(None))) == 2
    if before is not None:
        assert on_crm.schema() == before


def test_push_creates_the_crm_accounts_contacts(on_crm: OnCrm) -> None:
    scene = on_crm.scene
    scene.add_list("News")
    on_crm.add_account("cleo@example.org", "Cleo", "Ng")
    result = on_crm.run("push", "--list", "News")
    assert result["created"] == 1, result
    contacts = [c for c in scene.cc.state.contacts.by_id.values() if c.email == "cleo@example.org"]
    assert [(c.first_name, c.last_name) for c in contacts] == [("Cleo", "Ng")]


def test_an_unsubscribe_in_constant_contact_opts_the_account_out_in_the_crm(
    on_crm: OnCrm,
) -> None:
    scene = on_crm.scene
    scene.add_list("News")
    contact = scene.add_contact("dee@example.org", "Dee", "Roe", lists=("News",))
    on_crm.run("import", "--list", "News")
    scene.unsubscribe(contact)
    result = on_crm.run("unsubscribes", "sync")
    assert result["crm_opted_out"] == 1, result
    (dee,) = on_crm.crm.find_by_email("dee@example.org")
    assert dee.email_opt_out is True
    assert on_crm.crm.opted_out_ids() == frozenset({dee.id})


def test_a_cc_list_becomes_a_crm_list_with_its_members(on_crm: OnCrm) -> None:
    scene = on_crm.scene
    scene.add_list("Volunteers")
    scene.add_contact("eve@example.org", "Eve", "Ode", lists=("Volunteers",))
    on_crm.run("import", "--list", "Volunteers")
    on_crm.run("lists", "sync", "--direction", "cc_to_crm")
    (eve,) = on_crm.crm.find_by_email("eve@example.org")
    assert on_crm.crm.account_lists(eve.id) == ["Volunteers"]
    assert _members_in_tables(on_crm, "Volunteers") == [eve.id]


def _members_in_tables(on_crm: OnCrm, name: str) -> list[str]:
    """The list's members as the CRM's own tables hold them."""
    if on_crm.engine is None:
        return sorted(on_crm.crm.list_members(name))
    with on_crm.engine.connect() as conn:
        if on_crm.kind == "civicrm":
            query = (
                select(civicrm_group_contact.c.contact_id)
                .join(civicrm_group, civicrm_group.c.id == civicrm_group_contact.c.group_id)
                .where(civicrm_group.c.title == name, civicrm_group_contact.c.status == "Added")
            )
        else:
            query = (
                select(CAMPAIGNCONTREL.c.contactid)
                .join(CAMPAIGN, CAMPAIGN.c.campaignid == CAMPAIGNCONTREL.c.campaignid)
                .join(CONTACTDETAILS, CONTACTDETAILS.c.contactid == CAMPAIGNCONTREL.c.contactid)
                .where(CAMPAIGN.c.campaignname == name)
            )
        return sorted(str(i) for i in conn.scalars(query))


def test_a_full_sync_runs_every_step_on_the_crm(on_crm: OnCrm) -> None:
    scene = on_crm.scene
    scene.add_list("News")
    scene.add_contact("fay@example.org", "Fay", "Poe", lists=("News",))
    on_crm.add_account("gus@example.org", "Gus", "Ray")
    scene.cli("settings", "set", "import.lists=News")
    result = on_crm.run("sync", "full", "--direction", "both", "--confirm")
    assert result["status"] == "succeeded", result
    emails = sorted(a.email for a in on_crm.crm.changed_since(None))
    assert emails == ["fay@example.org", "gus@example.org"]


def test_an_import_killed_between_the_crm_and_its_links_creates_no_one_twice(
    on_crm: OnCrm, monkeypatch: pytest.MonkeyPatch
) -> None:
    scene = on_crm.scene
    scene.add_list("News")
    scene.add_contact("hal@example.org", "Hal", "Ito", lists=("News",))

    def killed(*_args: object) -> None:
        raise RuntimeError("killed after the CRM's writes")

    with monkeypatch.context() as patched:
        patched.setattr(imports_apply, "save_links", killed)
        with pytest.raises(RuntimeError, match="killed"):
            run_import(JobStart(scene.store, scene.connection_id), ImportRequest(["News"]))
    result = on_crm.run("import", "--list", "News")
    # The builtin CRM lost the whole batch with its links; a CRM held elsewhere kept the
    # account, which the re-run matches by its address.
    assert result["created"] + result["matched"] == 1, result
    assert [a.email for a in on_crm.crm.changed_since(None)] == ["hal@example.org"]
    assert on_crm.run("import", "--list", "News")["created"] == 0
