"""`import.link_companies`: an import ties people to the CRM organisation account of their
company name, made when missing, one per company whatever its spelling."""

from __future__ import annotations

from tests.sync.conftest import Scene
from tests.sync.crms import ORGANIZATIONS, only

from listbridge.core.accounts import Account, AccountType
from listbridge.core.companies import company_key
from listbridge.core.journal import Side
from listbridge.store.journal import history

ACME = ("Acme Ltd", "acme ltd ", "ACME  Ltd")  # one company, as three people typed it


def organisations(scene: Scene) -> list[Account]:
    return [a for a in scene.accounts() if a.type is AccountType.ORGANIZATION]


def link_companies(scene: Scene, on: bool = True) -> None:
    answer = scene.cli("settings", "set", f"import.link_companies={str(on).lower()}")
    assert answer.exit_code == 0, answer.output


def staff(scene: Scene) -> dict[str, str]:
    """Three people of Acme (case and space variants), one of Café Ørsted, one with none:
    their contact ids by address."""
    scene.add_list("Members")
    people = {
        "ada@acme.example": ("Ada", "Okafor", ACME[0]),
        "ben@acme.example": ("Ben", "Müller", ACME[1]),
        "chloé@acme.example": ("Chloé", "Dubois", ACME[2]),
        "dara@orsted.example": ("Dara", "Ní Bhriain", "Café Ørsted"),
        "eli@example.org": ("Eli", "Cohen", ""),
    }
    return {
        address: scene.add_contact(address, first, last, lists=("Members",), company_name=company)
        for address, (first, last, company) in people.items()
    }


@only(ORGANIZATIONS)
def test_one_organisation_per_company_whatever_the_spelling_and_none_on_a_second_run(
    scene: Scene,
) -> None:
    link_companies(scene)
    contacts = staff(scene)
    first = scene.import_json()
    assert (first["created"], first["not_imported"], first["errors"]) == (5, 0, [])

    made = organisations(scene)
    assert sorted(o.company_name for o in made) == ["Acme Ltd", "Café Ørsted"]
    for address, contact_id in contacts.items():
        person = scene.imported(contact_id)
        assert person.type is AccountType.INDIVIDUAL
        wanted = next((o.company_name for o in made if address.endswith(_domain(o))), "")
        assert person.company_name == wanted, address
    # each organisation's creation is journaled, with the run and the reason
    for organisation in made:
        [created] = history(scene.store, scene.connection_id, Side.CRM, organisation.id)
        assert created.run_id == first["run_id"]
        assert created.run_kind == "import"
        assert "import.link_companies" in created.change.reason

    # a second run, with a newcomer of Acme spelt yet another way: nothing new is made
    newcomer = scene.add_contact(
        "fay@acme.example", "Fay", "Lind", lists=("Members",), company_name=" ACME ltd"
    )
    second = scene.import_json()
    assert (second["created"], second["errors"]) == (1, [])
    assert sorted(o.id for o in organisations(scene)) == sorted(o.id for o in made)
    assert scene.imported(newcomer).company_name == "Acme Ltd"
    third = scene.import_json()
    assert third["created"] == 0
    assert len(organisations(scene)) == len(made)


def _domain(organisation: Account) -> str:
    return {"acme ltd": "@acme.example", "café ørsted": "@orsted.example"}[
        company_key(organisation.company_name)
    ]


@only(ORGANIZATIONS)
def test_an_organisation_the_crm_has_is_reused_in_its_own_spelling(scene: Scene) -> None:
    existing = scene.add_account(
        "acme", "office@acme.example", type=AccountType.ORGANIZATION, company_name="ACME Ltd."
    )
    same = scene.add_account(
        "acme-org", "hello@acme-ltd.example", type=AccountType.ORGANIZATION, company_name="Acme LTD"
    )
    link_companies(scene)
    contacts = staff(scene)
    result = scene.import_json()
    assert result["created"] == 5
    made = [o for o in organisations(scene) if o.id not in (existing, same)]
    # "ACME Ltd." is another name ("Acme Ltd" has no dot): only Café Ørsted and the
    # dot-less Acme would be new, and the dot-less Acme is "Acme LTD", there already
    assert [o.company_name for o in made] == ["Café Ørsted"]
    for address in ("ada@acme.example", "ben@acme.example", "chloé@acme.example"):
        assert scene.imported(contacts[address]).company_name == "Acme LTD"
    assert scene.account(existing).company_name == "ACME Ltd."  # untouched


@only(ORGANIZATIONS)
def test_a_matched_person_takes_the_organisation_name_when_update_fields_writes_it(
    scene: Scene,
) -> None:
    person = scene.add_account("ada", "ada@acme.example", "Ada", "Okafor")
    answer = scene.cli("settings", "set", "import.update_fields=empty_only")
    assert answer.exit_code == 0, answer.output
    link_companies(scene)
    staff(scene)
    result = scene.import_json()
    assert (result["created"], result["matched"]) == (4, 1)
    assert scene.account(person).company_name == "Acme Ltd"
    assert sorted(o.company_name for o in organisations(scene)) == ["Acme Ltd", "Café Ørsted"]


def test_off_by_default_no_organisation_is_made(scene: Scene) -> None:
    contacts = staff(scene)
    result = scene.import_json()
    assert (result["created"], result["errors"]) == (5, [])
    assert organisations(scene) == []
    # the company names as each contact has them
    assert scene.imported(contacts["ben@acme.example"]).company_name == "acme ltd"


def test_on_a_crm_without_organisations_people_go_in_and_the_run_says_so_once(
    scene: Scene,
) -> None:
    """On every CRM: where it can hold organisations they are made; where it cannot (Vtiger),
    the people are imported with their own company names and one error row says why."""
    link_companies(scene)
    contacts = staff(scene)
    result = scene.import_json()
    assert result["created"] == len(contacts)
    if scene.can(ORGANIZATIONS):
        assert result["errors"] == []
        assert len(organisations(scene)) == 2
        return
    [note] = result["errors"]
    assert "import.link_companies" in note["reason"]
    assert scene.under_test.kind.lower() in note["reason"].lower()
    assert scene.imported(contacts["ben@acme.example"]).company_name == "acme ltd"
    assert organisations(scene) == []
    again = scene.import_json()  # nothing new to import: nothing more to say
    assert again["errors"] == []
