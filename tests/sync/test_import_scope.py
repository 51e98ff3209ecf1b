"""`import.scope`: `lists` imports the contacts of the lists `import.lists` selects;
`all_active` every active contact too, also those on no list, with the same matching and
the same exclusions, and a cursor of its own so that later runs read only what changed."""

from __future__ import annotations

from sqlalchemy import select
from tests.sync.conftest import Scene

from listbridge.core.import_plan import Reason
from listbridge.store.models import ImportCursor


def settings(scene: Scene, *pairs: str) -> None:
    answer = scene.cli("settings", "set", *pairs)
    assert answer.exit_code == 0, answer.output


def cursor_scopes(scene: Scene) -> set[str]:
    with scene.store.session() as session:
        query = select(ImportCursor.scope).where(ImportCursor.connection_id == scene.connection_id)
        return set(session.scalars(query))


def reasons(result: dict[str, object], email: str) -> list[str]:
    errors = result["errors"]
    assert isinstance(errors, list)
    return [e["reason"] for e in errors if e["email"].lower() == email.lower()]


def members_and_strangers(scene: Scene) -> dict[str, str]:
    """One member of Members; on no list: a new person (unicode), a person the CRM has
    under another case of the address, an unsubscribed stranger and a role address."""
    scene.add_list("Members")
    scene.add_list("Volunteers")
    ids = {
        "member": scene.add_contact("ana.lima@example.org", "Ana", "Lima", lists=("Members",)),
        "helper": scene.add_contact("kofi@example.net", "Kofi", "Mensah", lists=("Volunteers",)),
        "new": scene.add_contact("bjorn.strom@example.se", "Björn", "Ström"),
        "known": scene.add_contact("Chen.Wei@Example.org", "Chen", "Wei"),
        "gone": scene.add_contact("gone@example.org", "Omar", "Haddad", unsubscribed=True),
        "role": scene.add_contact("info@example.org"),
    }
    scene.add_account("chen", "chen.wei@example.ORG", "Chen", "Wei")
    settings(scene, "import.lists=Members")
    return ids


def test_a_contact_on_no_list_is_imported_with_all_active_and_not_with_lists(
    scene: Scene,
) -> None:
    ids = members_and_strangers(scene)
    first = scene.import_json()  # import.scope = lists, the default
    assert (first["attempted"], first["created"], first["matched"]) == (1, 1, 0)
    assert set(scene.links().values()) == {ids["member"]}

    settings(scene, "import.scope=all_active")
    second = scene.import_json()
    linked = set(scene.links().values())
    assert linked == {ids["member"], ids["new"], ids["known"], ids["helper"]}
    assert scene.imported(ids["new"]).first_name == "Björn"
    assert scene.contact_of(scene.ids["chen"]) == ids["known"]  # matched, not duplicated
    # Members' contact is read again among the active ones (its list had not changed).
    assert (second["created"], second["matched"], second["not_imported"]) == (2, 2, 1)
    assert reasons(second, "info@example.org") == [Reason.ROLE_ADDRESS.message]
    # The unsubscribed stranger is not an active contact: neither read nor brought in.
    assert ids["gone"] not in linked
    assert "gone@example.org" not in {a.email for a in scene.accounts()}
    assert len(scene.accounts()) == 4


def test_all_active_reads_only_what_changed_since_its_own_cursor(scene: Scene) -> None:
    ids = members_and_strangers(scene)
    settings(scene, "import.scope=all_active")
    first = scene.import_json()
    assert first["created"] == 3
    assert cursor_scopes(scene) >= {"-active", scene.lists["Members"]}
    later = scene.add_contact("zoë.late@example.org", "Zoë", "Late")
    second = scene.import_json()
    # The new contact and the role address kept from last time; nobody read again.
    assert (second["attempted"], second["created"], second["not_imported"]) == (2, 1, 1)
    assert set(scene.links().values()) == {
        ids["member"],
        ids["helper"],
        ids["new"],
        ids["known"],
        later,
    }


def test_an_opt_out_still_reaches_the_crm_when_the_contact_is_on_no_list(scene: Scene) -> None:
    ids = members_and_strangers(scene)
    settings(scene, "import.scope=all_active")
    scene.import_json()
    account = scene.imported(ids["new"]).id
    scene.unsubscribe(ids["new"])
    result = scene.import_json()
    assert result["matched"] == 1
    assert scene.account(account).email_opt_out  # consent first, whatever the scope


def test_a_list_named_on_the_command_line_reads_that_list_alone(scene: Scene) -> None:
    ids = members_and_strangers(scene)
    settings(scene, "import.scope=all_active")
    result = scene.import_json("--list", "Volunteers")
    assert (result["attempted"], result["created"]) == (1, 1)
    assert set(scene.links().values()) == {ids["helper"]}
