"""listbridge.sample: the same seed gives the same data, and every seed and size (30 and
up) gives every kind of record that breaks a naive sync — the property tests of the jobs
(tests/sync/test_realistic_data.py) rely on meeting all of them."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from listbridge.core.accounts import Account, AccountType
from listbridge.core.emails import is_role_address, match_key
from listbridge.core.rows import RawRow, RowValidator
from listbridge.sample import FIELDS, Sample, Sizes, generate
from listbridge.sample.files import write_csv

seeds = st.integers(0, 2**32)
sizes = st.builds(Sizes, st.integers(30, 90), st.integers(1, 12), st.integers(3, 12))


def _owners(sample: Sample) -> dict[str, list[Account]]:
    found: dict[str, list[Account]] = defaultdict(list)
    for account in sample.accounts:
        found[match_key(account.email)].append(account)
    return found


@given(seeds, sizes)
def test_the_same_seed_gives_the_same_sample(seed: int, size: Sizes) -> None:
    assert generate(seed, size) == generate(seed, size)


@given(seeds, sizes)
def test_every_kind_of_crm_record_is_there(seed: int, size: Sizes) -> None:
    sample = generate(seed, size)
    people = [a for a in sample.accounts if a.type is AccountType.INDIVIDUAL]
    assert len(people) == size.people
    assert len({a.id for a in sample.accounts}) == len(sample.accounts)
    shared = [group for group in _owners(sample).values() if len(group) > 1]
    spellings = {a.email for group in shared for a in group}
    assert shared, "households sharing an address"
    assert any(e != e.strip() for e in spellings), "an address with spaces around it"
    assert any(e.isupper() for e in spellings), "an address in capitals"
    assert any(a.email2 for a in people), "a second address"
    assert any(a.email3 for a in people), "a third address"
    twins = Counter((a.first_name, a.last_name, a.phone1) for a in people)
    assert any(n > 1 for n in twins.values()), "one person as two accounts"
    assert any(is_role_address(a.email) for a in people), "a person at a role address"
    assert any(is_role_address(a.email) for a in sample.accounts if a not in people)
    for flag in ("deceased", "do_not_contact", "email_opt_out"):
        assert any(getattr(a, flag) for a in people), flag
    assert any(a.email_opt_out for group in shared for a in group), "an opted-out household"


@given(seeds, sizes)
def test_names_come_in_every_script_and_shape(seed: int, size: Sizes) -> None:
    names = " ".join(f"{a.first_name} {a.last_name}" for a in generate(seed, size).accounts)
    assert "'" in names, "O'Brien"
    assert "-" in names, "Jean-Luc, Smith-Jones"
    assert any("\u4e00" <= c <= "\u9fff" for c in names), "Chinese"
    assert any("\u0600" <= c <= "\u06ff" for c in names), "Arabic"
    assert any(c in "éëøüáíóřãễ" for c in names.lower()), "accents"


@given(seeds, sizes)
def test_constant_contact_has_every_kind_of_contact(seed: int, size: Sizes) -> None:
    sample = generate(seed, size)
    keys = [match_key(c.email) for c in sample.contacts]
    assert len(keys) == len(set(keys)), "one contact per address"
    owners = _owners(sample)
    secondary = {match_key(e) for a in sample.accounts for e in (a.email2, a.email3) if e}
    known = [c for c in sample.contacts if match_key(c.email) in owners]
    assert any(c.unsubscribed for c in known), "a known person unsubscribed in CC"
    assert any(c.unsubscribed for c in sample.contacts if c not in known), "a stranger gone"
    assert any(match_key(c.email) in secondary for c in sample.contacts), "a second address"
    assert any(c.email.isupper() for c in known)
    assert any(
        c.first_name != owners[match_key(c.email)][0].first_name
        for c in known
        if len(owners[match_key(c.email)]) == 1 and c.first_name
    ), "a nickname on one side"
    assert any(is_role_address(c.email) for c in sample.contacts)
    assert len(known) < len(sample.contacts), "contacts only in CC"
    in_cc = set(keys) | secondary
    assert any(match_key(a.email) not in in_cc for a in sample.accounts), "CRM-only accounts"


@given(seeds, sizes)
def test_the_crm_file_loads_back_as_the_same_accounts(seed: int, size: Sizes) -> None:
    """What `crm load` reads from the file is the account generated (spaces trimmed)."""
    sample = generate(seed, size)
    out = io.StringIO()
    assert write_csv(sample, out) == len(sample.accounts)
    rows = csv.DictReader(io.StringIO(out.getvalue()))
    validator = RowValidator({f.name: f for f in FIELDS})
    for n, (row, account) in enumerate(zip(rows, sample.accounts, strict=True), start=2):
        valid = validator.validate(RawRow("sample.csv", n, row))
        assert not isinstance(valid, list), valid
        assert valid.account == replace(account, email=account.email.strip())
