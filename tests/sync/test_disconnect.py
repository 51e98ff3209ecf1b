"""`disconnect` forgets everything derived from the Constant Contact account and keeps the
CRM's data (issue 12); a reconnect to an emptied account then starts from zero. Against
the emulator, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select
from tests.sync.conftest import Scene
from tests.sync.test_push import adds_up, push

from listbridge.store.disconnect import PURGED
from listbridge.store.models import Base, JournalEntry

PEOPLE = ("p0", "p1", "p2")


def rows_of(scene: Scene, table_name: str) -> int:
    table = Base.metadata.tables[table_name]
    query = select(func.count()).select_from(table)
    with scene.store.session() as session:
        return int(session.scalar(query.where(table.c.connection_id == scene.connection_id)) or 0)


def journal_size(scene: Scene) -> int:
    with scene.store.session() as session:
        return int(session.scalar(select(func.count()).select_from(JournalEntry)) or 0)


def synced_both_ways(scene: Scene) -> None:
    """Import, push, a list sync and an unsubscribe reconciliation: every kind of state."""
    scene.add_list("News")
    scene.add_contact("kim@example.org", "Kim", "Known", lists=("News",))
    scene.add_contact("cora@example.org", "Cora", "Only", lists=("News",))
    scene.add_account("kim", "kim@example.org", "Kim", "Known")
    for n, account_id in enumerate(PEOPLE):
        scene.add_account(account_id, f"{account_id}@example.org", "P", str(n))
    scene.add_account("out", "out@example.org", "Opted", "Out", email_opt_out=True)
    scene.import_json()
    adds_up(push(scene, "--list", "News"), 6)
    adding = ("lists", "add", "Members", "--account", scene.ids["p0"])
    for args in (("lists", "create", "Members"), adding):
        answer = scene.cli(*args)
        assert answer.exit_code == 0, answer.output
    for args in (("lists", "sync", "Members"), ("unsubscribes", "sync")):
        answer = scene.cli(*args)
        assert answer.exit_code == 0, answer.output


def test_disconnect_forgets_cc_state_and_keeps_crm_data(scene: Scene) -> None:
    synced_both_ways(scene)
    for table in ("cc_accounts", "cc_links", "import_cursors", "cc_lists", "list_sync_members"):
        assert rows_of(scene, table) > 0, table  # the test sees each kind of state
    accounts, journal = len(scene.accounts()), journal_size(scene)
    gone = scene.cli("disconnect", "--yes")
    assert gone.exit_code == 0, gone.output
    assert "forgot: tokens" in gone.stdout
    assert {name: rows_of(scene, name) for name in PURGED} == dict.fromkeys(PURGED, 0)
    assert len(scene.accounts()) == accounts
    assert scene.links() == {}
    assert scene.account(scene.ids["out"]).email_opt_out
    assert journal_size(scene) == journal
    assert list(scene.crm.list_members("Members")) == [scene.ids["p0"]]
    assert scene.crm.lists() == ["Members"]


def test_after_disconnect_and_an_emptied_account_push_creates_every_contact_again(
    scene: Scene,
) -> None:
    synced_both_ways(scene)
    assert scene.cli("disconnect", "--yes").exit_code == 0
    scene.cc.control.post("/reset").raise_for_status()
    again = scene.cli("connect", "--emulator", scene.cc.base_url)
    assert again.exit_code == 0, again.output
    scene.lists.clear()
    scene.add_list("News")
    kim = scene.add_contact("kim@example.org", "Kim", "Known")
    result = push(scene, "--list", "News")
    adds_up(result, 6)
    assert (result["created"], result["matched_existing"], result["already_linked"]) == (4, 1, 0)
    assert [e["account_id"] for e in result["errors"]] == [scene.ids["out"]]
    assert scene.contact_of(scene.ids["kim"]) == kim
    live = scene.cc.state.contacts.by_id
    for account in scene.accounts():  # every link names a contact that exists
        contact = scene.contact_of(account.id)
        assert contact in (live if account.id != scene.ids["out"] else {""}), account.id
