"""Every CRM adapter finds an address by listbridge's key for it, `s.strip().lower()`,
whatever case it is stored in, on every database: SQLite's `lower()` folds ASCII letters
only, PostgreSQL's by its locale, MariaDB compares by collation. A push asks these
lookups whether an opted-out account holds an address (crm/email_lookup.py)."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.contract.adapters import ADAPTERS, only

from listbridge.core.accounts import Account
from listbridge.core.email_forms import sql_lowered_forms
from listbridge.crm.protocol import CrmAdapter

#: the letters of real names whose case SQL folds apart from Python: accented Latin,
#: Greek (with both small sigmas), Turkish dotted and dotless i, German sharp s, the
#: Kelvin sign, a titlecase digraph
LETTERS = "zoëËéÉáÁñÑłŁøØ" "ΣσςΟοΔδ" "İıIi" "ßẞ" "kK\u212a" "ǅǆ" "anN.-_%"  # fmt: skip
CASES: list[Callable[[str], str]] = [str.upper, str.lower, str.swapcase, str.title, str]
examples = itertools.count()


def written(local: str, n: int, case: Callable[[str], str], pad: str) -> str:
    """An address as someone typed it into the CRM."""
    return f"{pad}{case(local)}.{n}@Example.org{pad}"


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    local=st.text(LETTERS, min_size=1, max_size=8),
    cases=st.tuples(*[st.sampled_from(CASES)] * 3),
    pad=st.sampled_from(["", " ", "  "]),
)
def test_an_address_in_any_case_is_found_by_its_key_and_no_other(
    crm: CrmAdapter,
    local: str,
    cases: tuple[Callable[[str], str], ...],
    pad: str,
) -> None:
    n = next(examples)
    stored, third, near = (written(local, n, case, pad) for case in cases)
    key = stored.strip().lower()
    holder = crm.create(Account(f"H{n}", first_name="Zoë", email=stored), reason="t").id
    other = crm.create(Account(f"O{n}", email=f"o{n}@example.org", email3=third), reason="t")
    near_key = near.strip().lower()
    expected_third = {other.id} if third.strip().lower() == key else set()
    if near_key != key:  # `ß` upper-cased is `SS`: another key, one SQL folds alike
        crm.create(Account(f"N{n}", email=near, email_opt_out=True), reason="t")
    assert [a.id for a in crm.with_primary_emails([key, f"x{n}@example.org"])] == [holder]
    for lookup in (key, stored, f" {stored} "):
        assert {a.id for a in crm.find_by_email(lookup)} == {holder} | expected_third


def test_an_address_of_too_many_forms_for_an_in_is_found_too(crm: CrmAdapter) -> None:
    """Greek letters each have a capital: beyond CAP forms, a LIKE (a read on Vtiger)."""
    stored = "  ΟΔΥΣΣΈΑΣ.ΠΑΠΑΔΌΠΟΥΛΟΣ@Example.gr"
    key = stored.strip().lower()
    assert sql_lowered_forms(key) is None
    holder = crm.create(Account("G1", first_name="Οδυσσέας", email=stored), reason="t").id
    crm.create(
        Account("G2", email="ΟΔΥΣΣΈΑΣ.ΠΑΠΑΔΌΠΟΥΛΟΙ@example.gr", email_opt_out=True), reason="t"
    )
    crm.create(Account("G3", email="odysseas.papadopoulos@example.gr"), reason="t")
    assert [a.id for a in crm.with_primary_emails([key])] == [holder]
    assert [a.id for a in crm.find_by_email(key.upper())] == [holder]


#: MariaDB's TRIM takes spaces only (docs/crms.md)
NOT_MARIADB = frozenset(a for a in ADAPTERS if "mariadb" not in a)


@only(NOT_MARIADB)
def test_an_address_between_tabs_or_no_break_spaces_is_found(crm: CrmAdapter) -> None:
    """What a spreadsheet leaves around a pasted address, taken off as `str.strip()` does."""
    tab = crm.create(Account("W1", email="\tZOË.TAB@example.org \n"), reason="t").id
    nbsp = crm.create(Account("W2", email="\u00a0kim.nbsp@example.org\u3000"), reason="t").id
    plain = crm.create(Account("W3", email="ann.plain@example.org"), reason="t").id
    keys = ["zoë.tab@example.org", "kim.nbsp@example.org", "ann.plain@example.org"]
    assert sorted(a.id for a in crm.with_primary_emails(keys)) == sorted([tab, nbsp, plain])
    assert [a.id for a in crm.find_by_email(" kim.nbsp@example.org")] == [nbsp]
