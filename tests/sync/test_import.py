"""`listbridge import` against the emulator: every matching branch and every not-imported reason."""

from __future__ import annotations

import pytest
from tests.sync.conftest import Scene
from tests.sync.crms import ORGANIZATIONS, edge, only

from listbridge.core.import_plan import Reason
from listbridge.core.journal import Side
from listbridge.store.journal import history

RESULT_KEYS = {"run_id", "attempted", "created", "matched", "not_imported", "errors"}


def not_imported_reasons(result: dict) -> dict[str, str]:
    return {e["email"]: e["reason"] for e in result["errors"]}


def _sorted(*account_ids: str) -> str:
    return ", ".join(sorted(account_ids))


def adds_up(result: dict) -> None:
    assert RESULT_KEYS <= set(result) <= RESULT_KEYS | {"timings"}  # keys are only ever added
    assert result["attempted"] == result["created"] + result["matched"] + result["not_imported"]
    assert len(result["errors"]) == result["not_imported"]


def test_the_import_reports_its_planning_speed(scene: Scene) -> None:
    """bench/perf_steps.py reads `timings.planning_records_per_s` (issue 19)."""
    scene.add_list("Newsletter")
    scene.add_account("A1", "Household@example.org", "Ann", "Lee")
    scene.add_account("A2", "household@example.org ", "Bo", "Lee")
    scene.add_contact("household@example.org", "Ann", "Lee", lists=("Newsletter",))
    scene.add_contact("zoë@example.org", "Zoë", "Ørsted", lists=("Newsletter",))
    scene.add_contact("gone@example.org", lists=("Newsletter",), unsubscribed=True)
    result = scene.import_json()
    adds_up(result)
    assert result["attempted"] == 3
    assert set(result["timings"]) == {"planning_seconds", "planning_records_per_s"}
    assert result["timings"]["planning_seconds"] > 0
    assert result["timings"]["planning_records_per_s"] > 0


def test_a_new_contact_becomes_an_account_with_its_fields_and_link(scene: Scene) -> None:
    scene.add_list("Newsletter")
    contact_id = scene.add_contact(
        "Ada.Lovelace@Example.org",
        "Ada",
        "Lovelace",
        lists=("Newsletter",),
        company_name="Analytical Engines",
        job_title="Programmer",
        phone_numbers=[
            {"phone_number": "555-0101", "kind": "home"},
            {"phone_number": "555-0102", "kind": "work"},
            {"phone_number": "555-0103", "kind": "mobile"},
        ],
        street_addresses=[
            {
                "kind": "home",
                "street": "1 Engine Way",
                "city": "Boston",
                "state": "MA",
                "postal_code": "02108",
                "country": "US",
            }
        ],
    )
    result = scene.import_json()
    adds_up(result)
    assert (result["created"], result["matched"], result["not_imported"]) == (1, 0, 0)
    account = scene.imported(contact_id)
    assert (account.first_name, account.last_name, account.email) == (
        "Ada",
        "Lovelace",
        "Ada.Lovelace@Example.org",
    )
    assert (account.company_name, account.title) == ("Analytical Engines", "Programmer")
    assert (account.phone1, account.phone2, account.phone3) == ("555-0101", "555-0102", "555-0103")
    assert (account.address_line1, account.city, account.state, account.zip, account.country) == (
        "1 Engine Way",
        "Boston",
        "MA",
        "02108",
        "US",
    )
    origin = {"origin_category": account.origin_category, "origin_detail": account.origin_detail}
    assert origin == scene.kept(origin_category="API", origin_detail="Constant Contact")
    changes = history(scene.store, scene.connection_id, Side.CRM, account.id)
    assert [c.change.field for c in changes] == ["*"]
    assert Reason.NO_MATCH.message in changes[0].change.reason


def test_one_email_match_links_ignoring_case_spaces_and_which_email_field(scene: Scene) -> None:
    grace = scene.add_account("A1", "other@example.org", "Grace", "Hopper",
                              email2=" GRACE@example.ORG ")  # fmt: skip
    contact_id = scene.add_contact("grace@example.org", "Grace", "Hopper")
    result = scene.import_json()
    adds_up(result)
    assert (result["created"], result["matched"]) == (0, 1)
    assert scene.contact_of(grace) == contact_id
    assert len(scene.accounts()) == 1


def test_several_matches_narrowed_by_name_link_the_one(scene: Scene) -> None:
    alan = scene.add_account("A1", "family@example.org", "Alan", "Turing")
    ethel = scene.add_account("A2", "family@example.org", "Ethel", "Turing")
    contact_id = scene.add_contact("family@example.org", "ethel", "TURING")
    result = scene.import_json()
    assert result["matched"] == 1
    assert scene.contact_of(ethel) == contact_id
    assert scene.contact_of(alan) == ""


@only(ORGANIZATIONS)
def test_an_organization_never_matches(scene: Scene) -> None:
    org = scene.add_organization("ORG1", "maya@example.org")
    contact_id = scene.add_contact("maya@example.org", "Maya", "Okafor")
    result = scene.import_json()
    assert (result["created"], result["matched"]) == (1, 0)
    assert scene.contact_of(org) == ""
    assert scene.imported(contact_id).email == "maya@example.org"


def _ambiguous(scene: Scene) -> tuple[str, str, str]:
    """The contact, the older account and the newer one, of the same name and address."""
    older = scene.add_account("B2", "twins@example.org", "Kim", "Rossi")
    newer = scene.add_account("B1", "twins@example.org", "Kim", "Rossi")
    return scene.add_contact("twins@example.org", "Kim", "Rossi"), older, newer


def test_ambiguous_under_ignore_is_reported_not_imported(scene: Scene) -> None:
    contact_id, older, newer = _ambiguous(scene)
    result = scene.import_json()
    adds_up(result)
    assert result["not_imported"] == 1
    error = result["errors"][0]
    assert error == {
        "cc_contact_id": contact_id,
        "email": "twins@example.org",
        "reason": f"{Reason.AMBIGUOUS_IGNORED.message} (accounts {_sorted(older, newer)})",
    }
    assert len(scene.accounts()) == 2


def test_ambiguous_under_link_links_the_oldest_and_says_so(scene: Scene) -> None:
    """The push's rule for a shared address: the oldest account (B2 was made first)."""
    contact_id, older, newer = _ambiguous(scene)
    assert scene.cli("settings", "set", "import.ambiguous_match=link").exit_code == 0
    result = scene.import_json()
    assert result["matched"] == 1
    assert scene.contact_of(older) == contact_id
    assert scene.contact_of(newer) == ""
    reasons = [c.change.reason for c in history(scene.store, scene.connection_id, Side.CRM, older)]
    assert any(f"linked {older}, the oldest" in r for r in reasons)


def test_ambiguous_under_new_creates_an_account(scene: Scene) -> None:
    contact_id, older, newer = _ambiguous(scene)
    assert scene.cli("settings", "set", "import.ambiguous_match=new").exit_code == 0
    result = scene.import_json()
    assert (result["created"], result["matched"]) == (1, 0)
    assert scene.imported(contact_id).id not in (older, newer)
    assert len(scene.accounts()) == 3


def test_an_account_linked_to_another_contact_is_not_linked_twice(scene: Scene) -> None:
    lena = scene.add_account("C1", "first@example.org", "Lena", "Schmidt",
                             email2="second@example.org")  # fmt: skip
    first = scene.add_contact("first@example.org", "Lena", "Schmidt")
    second = scene.add_contact("second@example.org", "Lena", "Schmidt")
    result = scene.import_json()
    adds_up(result)
    assert (result["matched"], result["not_imported"]) == (1, 1)
    assert scene.contact_of(lena) == first
    assert result["errors"][0]["cc_contact_id"] == second
    assert Reason.ACCOUNT_TAKEN.message in result["errors"][0]["reason"]


@edge
def test_each_not_imported_reason(scene: Scene) -> None:
    scene.add_contact("gone@example.org", "Omar", "Haddad", unsubscribed=True)
    scene.add_contact("info@example.org")
    scene.add_contact("Sales@Example.com")
    scene.client.delete_contact(scene.add_contact("deleted@example.org", "Del", "Eted"))
    legacy = scene.add_contact("legacy@example.org")
    scene.give_invalid_email(legacy, "legacy at example.org")
    result = scene.import_json()
    adds_up(result)
    assert result["created"] == 0
    reasons = not_imported_reasons(result)
    assert reasons == {
        "gone@example.org": Reason.UNSUBSCRIBED_NO_ACCOUNT.message,
        "info@example.org": Reason.ROLE_ADDRESS.message,
        "Sales@Example.com": Reason.ROLE_ADDRESS.message,
        "legacy at example.org": Reason.INVALID_EMAIL.message,
        "deleted@example.org": Reason.DELETED_NO_ACCOUNT.message,
    }
    assert scene.accounts() == []


@edge
def test_role_addresses_are_configurable(scene: Scene) -> None:
    scene.add_contact("info@example.org")
    scene.add_contact("frontdesk@example.org")
    assert scene.cli("settings", "set", "import.role_addresses=frontdesk").exit_code == 0
    result = scene.import_json()
    assert result["created"] == 1
    assert not_imported_reasons(result) == {"frontdesk@example.org": Reason.ROLE_ADDRESS.message}


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("none", ("", "Old Co", "")),
        ("empty_only", ("Engineer", "Old Co", "555-0199")),
        ("overwrite", ("Engineer", "New Co", "555-0199")),
    ],
)
def test_update_fields_modes(scene: Scene, mode: str, expected: tuple[str, str, str]) -> None:
    raj = scene.add_account("D1", "raj@example.org", "Raj", "Patel", company_name="Old Co")
    scene.add_contact(
        "raj@example.org",
        "Raj",
        "Patel",
        job_title="Engineer",
        company_name="New Co",
        phone_numbers=[{"phone_number": "555-0199", "kind": "home"}],
    )
    assert scene.cli("settings", "set", f"import.update_fields={mode}").exit_code == 0
    scene.import_json()
    account = scene.account(raj)
    assert (account.title, account.company_name, account.phone1) == expected
    assert (account.first_name, account.email) == ("Raj", "raj@example.org")


@pytest.mark.parametrize("cc_to_crm", [True, False])
def test_a_cc_unsubscribe_sets_the_linked_accounts_opt_out(scene: Scene, cc_to_crm: bool) -> None:
    sofia = scene.add_account("E1", "sofia@example.org", "Sofia", "Rossi")
    contact_id = scene.add_contact("sofia@example.org", "Sofia", "Rossi")
    scene.cli("settings", "set", f"unsubscribe.cc_to_crm={str(cc_to_crm).lower()}")
    scene.import_json()
    assert scene.account(sofia).email_opt_out is False
    scene.unsubscribe(contact_id)
    result = scene.import_json()
    assert result["matched"] == 1
    assert scene.account(sofia).email_opt_out is cc_to_crm
    if cc_to_crm:
        entries = history(scene.store, scene.connection_id, Side.CRM, sofia)
        assert [e.change.reason for e in entries if e.change.field == "email_opt_out"] == [
            f"import: {Reason.CC_UNSUBSCRIBED.message}"
        ]


def test_an_existing_opt_out_is_never_cleared(scene: Scene) -> None:
    tom = scene.add_account("F1", "tom@example.org", "Tom", "Nguyen", email_opt_out=True)
    scene.add_contact("tom@example.org", "Tom", "Nguyen")
    assert scene.cli("settings", "set", "import.update_fields=overwrite").exit_code == 0
    scene.import_json()
    assert scene.account(tom).email_opt_out is True


def test_an_unsubscribed_contact_with_an_account_links_and_opts_out(scene: Scene) -> None:
    yuki = scene.add_account("G1", "yuki@example.org", "Yuki", "Tanaka")
    contact_id = scene.add_contact("yuki@example.org", "Yuki", "Tanaka", unsubscribed=True)
    result = scene.import_json()
    assert (result["matched"], result["not_imported"]) == (1, 0)
    assert (scene.contact_of(yuki), scene.account(yuki).email_opt_out) == (contact_id, True)


def test_a_linked_account_keeps_its_field_where_the_contact_has_a_nul(scene: Scene) -> None:
    nina = scene.add_account("N1", "nina@example.org", "Nina", "Old")
    scene.add_contact("nina@example.org", "Ni\x00na", "New", unsubscribed=True)
    assert scene.cli("settings", "set", "import.update_fields=overwrite").exit_code == 0
    result = scene.import_json()
    adds_up(result)
    assert (result["matched"], result["not_imported"]) == (1, 0)
    account = scene.account(nina)
    # The link and the opt-out stand; the value the store cannot keep is not written.
    assert (account.first_name, account.last_name, account.email_opt_out) == ("Nina", "New", True)
