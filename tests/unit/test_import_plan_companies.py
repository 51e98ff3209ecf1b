"""`import.link_companies` in core/import_plan.py, property-tested: one organisation per
company whatever its spelling, across the batches of a run and over what the CRM has."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from listbridge.core.accounts import Account, AccountType
from listbridge.core.cc_records import CcContact
from listbridge.core.companies import Companies, company_key, organisation_names
from listbridge.core.import_plan import (
    Plan,
    Policy,
    plan_import,
    reuse_organisations,
    untie_companies,
)
from listbridge.core.matching import AccountKeys, MatchIndex
from listbridge.core.setting_values import UpdateFields

# Spellings of a few companies: case, spaces around and inside, unicode
COMPANIES = st.sampled_from(
    ["Acme Ltd", "acme ltd ", " ACME  Ltd", "Café Ørsted", "CAFÉ ØRSTED", "Globex", "", "  "]
)


@st.composite
def contacts(draw: st.DrawFn) -> list[CcContact]:
    count = draw(st.integers(0, 25))
    return [
        CcContact(
            f"c{i}",
            f"person{i % draw(st.integers(1, 25))}@example.org",  # some share an address
            first_name=draw(st.sampled_from(["Zoë", "Sam", "Kit"])),
            last_name="Okafor",
            company_name=draw(COMPANIES),
        )
        for i in range(count)
    ]


def _index(people: int = 0) -> MatchIndex:
    accounts = [
        AccountKeys(f"p{i}", True, "Sam", "Okafor", (f"person{i}@example.org",))
        for i in range(people)
    ]
    return MatchIndex.build(accounts, [])


def _batches(items: list[CcContact], size: int) -> list[list[CcContact]]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def _written_companies(plans: list[Plan]) -> list[str]:
    names = [c.account.company_name for p in plans for c in p.creates]
    names += [link.incoming["company_name"] for p in plans for link in p.links
              if "company_name" in link.incoming]  # fmt: skip
    return [n for n in names if n]


@given(contacts(), st.integers(1, 10), st.integers(0, 12), st.sampled_from(list(UpdateFields)))
def test_never_two_organisations_for_one_company_across_batches(
    people: list[CcContact], size: int, in_crm: int, update: UpdateFields
) -> None:
    policy = Policy(update_fields=update, link_companies=True)
    index = _index(in_crm)
    plans = [plan_import(batch, index, policy) for batch in _batches(people, size)]
    made = [o for p in plans for o in p.organisations]
    keys = [company_key(o.account.company_name) for o in made]
    assert len(keys) == len(set(keys))
    assert all(o.account.type is AccountType.ORGANIZATION for o in made)
    assert len({o.account.id for o in made}) == len(made)
    # every company a person gets is exactly the name of an organisation of the run
    names = {o.account.company_name for o in made}
    assert set(_written_companies(plans)) <= names
    # and each company met gets one
    met = {company_key(c.company_name) for c in people if company_key(c.company_name)}
    written = {company_key(n) for n in _written_companies(plans)}
    assert set(keys) == written <= met


@given(contacts(), st.integers(1, 10))
def test_the_crms_organisations_are_reused_not_made_again(
    people: list[CcContact], size: int
) -> None:
    crm = [Account("o1", type=AccountType.ORGANIZATION, company_name="ACME LTD"),
           Account("o2", type=AccountType.ORGANIZATION, company_name="acme ltd"),
           Account("p1", company_name="Globex")]  # fmt: skip
    existing = organisation_names(crm)
    assert existing == {"acme ltd": "ACME LTD"}  # the oldest of two (then the lower id)
    policy = Policy(link_companies=True)
    index = _index()
    plans = []
    for n, batch in enumerate(_batches(people, size)):
        plan = plan_import(batch, index, policy)
        if n == 0:  # as the job does: the CRM's read before its first batch is written
            reuse_organisations(plan, existing)
        plans.append(plan)
    made = {company_key(o.account.company_name) for p in plans for o in p.organisations}
    assert "acme ltd" not in made
    acme = [n for n in _written_companies(plans) if company_key(n) == "acme ltd"]
    assert set(acme) <= {"ACME LTD"}


@given(contacts())
def test_off_by_default_and_untied_the_plan_is_as_without_the_setting(
    people: list[CcContact],
) -> None:
    plain = plan_import(people, _index(3), Policy())
    assert plain.organisations == []
    assert plain.companies is None
    tied = plan_import(people, _index(3), Policy(link_companies=True, companies=Companies()))
    untie_companies(tied)
    assert tied.organisations == []
    assert tied.creates == plain.creates
    assert tied.links == plain.links
    assert tied.skips == plain.skips


def test_a_crm_that_refused_organisations_gets_no_tie() -> None:
    people = [CcContact("c1", "ada@acme.example", company_name=" acme  ltd")]
    policy = Policy(link_companies=True, companies=Companies(refused="the Vtiger CRM …"))
    plan = plan_import(people, _index(), policy)
    assert plan.organisations == []
    assert [c.account.company_name for c in plan.creates] == ["acme  ltd"]
