"""Faster push planning decides as the plain code did (issue 19): the mapping, the
fingerprint, who may be pushed and who shares an address, as they were before they were
made faster, are kept here as the oracle, and Hypothesis compares the two on accounts
like a CRM's (blank and padded values, values over the limits, four phones, states by
name and code, custom values of every type, unicode, '%' in keys, households sharing an
address in several cases, opted-out and do-not-contact members, one account twice)."""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from listbridge.core.accounts import Account, AccountType
from listbridge.core.eligibility import NotPushed, why_not_pushed
from listbridge.core.emails import ROLE_LOCAL_PARTS, match_key
from listbridge.core.mapping import (
    PHONE_KEYS,
    STANDARD,
    FieldWarning,
    MappedContact,
    MappingPolicy,
    crm_value,
    cut_at_word,
    fingerprint,
    map_account,
    state_value,
)
from listbridge.core.setting_values import FieldPair, StateFormat
from listbridge.core.shared_emails import (
    Sharing,
    Verdict,
    blocks_address,
    holder,
    shared_addresses,
)


def _put(row: dict[str, str], warnings: list[FieldWarning], key: str, value: str, n: int) -> None:
    text = value.strip()
    if not text:
        return
    fitted = cut_at_word(text, n)
    if fitted != text:
        warnings.append(FieldWarning(key, f"{key} longer than {n} characters: sent as {fitted!r}"))
    row[key] = fitted


def plain_map_account(account: Account, policy: MappingPolicy) -> MappedContact:
    """map_account at 1eec3a7, with state_value's pycountry look-up uncached."""
    row: dict[str, str] = {"email": account.email.strip()}
    warnings: list[FieldWarning] = []
    for key, attribute, limit in STANDARD:
        _put(row, warnings, key, str(getattr(account, attribute)), limit)
    state = state_value.__wrapped__(account.state, account.country, policy.state)
    _put(row, warnings, "state", state, 50)
    for pair in policy.custom:
        _put(row, warnings, f"cf:{pair.cc_field}", crm_value(account, pair.crm_field), 255)
    present = [key for key in PHONE_KEYS if key in row]
    for key in present[3:]:
        dropped = row.pop(key)
        message = f"{key} {dropped!r} not sent: Constant Contact keeps at most 3 phones"
        warnings.append(FieldWarning(key, message, dropped=True))
    address = (
        frozenset() if policy.include_address else {"street", "city", "state", "zip", "country"}
    )
    left_out = address | (frozenset() if policy.include_company else {"company_name"})
    if left_out:
        row = {k: v for k, v in row.items() if k not in left_out}
        warnings = [w for w in warnings if w.field not in left_out]
    return MappedContact(row, tuple(warnings))


def plain_fingerprint(row: Mapping[str, object], list_ids: Sequence[object]) -> str:
    canonical = json.dumps([sorted(row.items()), sorted(list_ids)], separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]{2,}")


def plain_why_not_pushed(account: Account, roles: Collection[str]) -> NotPushed | None:
    if account.type is not AccountType.INDIVIDUAL:
        return NotPushed.ORGANIZATION
    email = account.email.strip()
    if not email:
        return NotPushed.NO_EMAIL
    if not _EMAIL.fullmatch(email) or len(email) > 80:
        return NotPushed.INVALID_EMAIL
    for flag, reason in (
        (account.deceased, NotPushed.DECEASED),
        (account.do_not_contact, NotPushed.DO_NOT_CONTACT),
        (account.email_opt_out, NotPushed.OPTED_OUT),
    ):
        if flag:
            return reason
    local = match_key(email).rpartition("@")[0]
    return NotPushed.ROLE_ADDRESS if local in roles else None


WORDS = ["Ann", "Zoë", "Łukasz", "O'Brien", "van der Berg", "Nguyễn", "Weiß", "e.V.", "%s", "İ"]
values = st.one_of(
    st.just(""),
    st.sampled_from(WORDS),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=40).map(" ".join),
    st.text(max_size=70),
    st.builds(lambda w: f"  {w}\t", st.sampled_from(WORDS)),
)
STATES = ["IL", "il", "Illinois", "QC", "Québec", "NW", "Bayern", "nsw", "Atlantis", "", " CA "]
COUNTRIES = ["", "US", "United States", "CA", "Canada", "DE", "Germany", "AU", "Neverland"]
custom_values = st.one_of(
    values,
    st.booleans(),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.dates(date(1900, 1, 1), date(2100, 1, 1)),
)
EMAILS = ["ann@a.org", " ANN@a.org ", "info@a.org", "Zoë@ü.example", "bad", "", "a@b.c",
          "x" * 75 + "@a.org", "sales@b.com", "cy@a.org\n"]  # fmt: skip
accounts = st.builds(
    Account,
    st.just("A1"),
    type=st.sampled_from(AccountType),
    email=st.sampled_from(EMAILS),
    **{attribute: values for _, attribute, _ in STANDARD if attribute not in ("state", "country")},
    middle_name=values,
    individual_type=values,
    state=st.sampled_from(STATES),
    country=st.sampled_from(COUNTRIES),
    deceased=st.booleans(),
    do_not_contact=st.booleans(),
    email_opt_out=st.booleans(),
    custom=st.dictionaries(st.sampled_from(["Level", "Joined", "50% off", "Ünits"]), custom_values),
)
PAIRS = [FieldPair("Level", "custom.Level"), FieldPair("Joined", "custom.Joined"),
         FieldPair("Off", "custom.50% off"), FieldPair("Missing", "custom.Nope"),
         FieldPair("Middle", "middle_name"), FieldPair("Type", "individual_type"),
         FieldPair("Title", "title"), FieldPair("Ünits", "custom.Ünits")]  # fmt: skip
policies = st.builds(
    MappingPolicy,
    st.sampled_from(StateFormat),
    st.lists(st.sampled_from(PAIRS), max_size=5, unique=True).map(tuple),
    st.booleans(),
    st.booleans(),
)


@settings(max_examples=400)
@given(accounts, policies)
def test_the_mapping_is_the_plain_one(account: Account, policy: MappingPolicy) -> None:
    mapped, plain = map_account(account, policy), plain_map_account(account, policy)
    assert list(mapped.row.items()) == list(plain.row.items())
    assert mapped.warnings == plain.warnings
    assert fingerprint(mapped.row, ()) == plain_fingerprint(plain.row, ())


@settings(max_examples=300)
@given(accounts, st.sampled_from([ROLE_LOCAL_PARTS, frozenset(), frozenset({"ann"})]))
def test_who_may_be_pushed_is_the_plain_answer(account: Account, roles: frozenset[str]) -> None:
    assert why_not_pushed(account, roles) == plain_why_not_pushed(account, roles)


texts = st.one_of(st.text(), st.sampled_from(["%", "%s", "%%", '"', "\\", "\ud800", "ü"]))


@settings(max_examples=400)
@given(st.dictionaries(texts, texts, max_size=20), st.lists(texts, max_size=4))
def test_the_fingerprint_is_the_json_one(row: dict[str, str], lists: list[str]) -> None:
    assert fingerprint(row, lists) == plain_fingerprint(row, lists)
    assert fingerprint(row, tuple(lists)) == plain_fingerprint(row, tuple(lists))


def test_a_row_of_other_values_is_fingerprinted_as_json_does() -> None:
    """Not what a push sends, but what json would have made of it, all the same."""
    odd: dict[str, object] = {"zip": 62701, "state": None, "city": "Köln"}
    assert fingerprint(odd, ()) == plain_fingerprint(odd, ())  # type: ignore[arg-type]
    assert fingerprint({"a": "b"}, [3]) == plain_fingerprint({"a": "b"}, [3])  # type: ignore[list-item]


@given(st.sampled_from(STATES), st.sampled_from(COUNTRIES), st.sampled_from(StateFormat))
def test_a_cached_state_is_the_looked_up_one(state: str, country: str, wanted: StateFormat) -> None:
    assert state_value(state, country, wanted) == state_value.__wrapped__(state, country, wanted)


def test_decimal_and_date_custom_values_are_sent_as_their_text() -> None:
    account = Account("A1", custom={"Total": Decimal("10.50"), "Joined": date(2020, 2, 29)})
    pairs = (FieldPair("T", "custom.Total"), FieldPair("J", "custom.Joined"))
    row = map_account(account, MappingPolicy(custom=pairs)).row
    assert (row["cf:T"], row["cf:J"]) == ("10.50", "2020-02-29")


def plain_shared_addresses(
    accounts: Iterable[Account],
    eligible: Callable[[Account], bool],
    linked: Mapping[str, str],
    contacts: Mapping[str, tuple[str, str, str]],
) -> dict[str, Sharing]:
    groups: dict[str, list[Account]] = defaultdict(list)
    blockers: dict[str, list[str]] = defaultdict(list)
    for account in accounts:
        key = match_key(account.email)
        if not key:
            continue
        if eligible(account):
            groups[key].append(account)
        elif blocks_address(account):
            blockers[key].append(account.id)
    out: dict[str, Sharing] = {}
    for key, group in groups.items():
        if blockers.get(key):
            out |= {a.id: Sharing(Verdict.HELD, min(blockers[key])) for a in group}
        elif len(group) > 1:
            chosen = holder(group, linked, contacts.get(key))
            out |= {a.id: Sharing(Verdict.SHARED, chosen) for a in group if a.id != chosen}
    return out


HOUSEHOLD = ["ann@a.org", " ANN@a.org", "Ann@A.org ", "bob@b.com", "info@a.org", "", "zoë@ü.de"]
members = st.builds(
    lambda i, e, o, d, f: Account(
        f"A{i}", first_name=f, last_name="Lee", email=e, email_opt_out=o, do_not_contact=d
    ),
    st.integers(0, 12),
    st.sampled_from(HOUSEHOLD),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["Ann", "Bob"]),
)


@settings(max_examples=400)
@given(
    st.lists(members, max_size=14).flatmap(
        lambda group: st.lists(st.sampled_from(group), max_size=3).map(lambda again: group + again)
        if group
        else st.just(group)
    ),
    st.dictionaries(st.sampled_from([f"A{i}" for i in range(12)]), st.sampled_from(["c1", "c2"])),
    st.dictionaries(st.sampled_from(["ann@a.org", "bob@b.com"]),
                    st.tuples(st.sampled_from(["c1", "c2"]), st.just("Ann"), st.just("Lee"))),
)  # fmt: skip
def test_who_shares_an_address_is_the_plain_answer(
    accounts: list[Account], linked: dict[str, str], contacts: dict[str, tuple[str, str, str]]
) -> None:
    def eligible(account: Account) -> bool:
        return why_not_pushed(account) is None

    found = shared_addresses(accounts, eligible, linked, contacts)
    plain = plain_shared_addresses(accounts, eligible, linked, contacts)
    assert list(found.items()) == list(plain.items())
