"""The CRM → Constant Contact mapping, pure: limits are kept, cuts are reported, states convert."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from listbridge.core.accounts import Account
from listbridge.core.mapping import (
    STANDARD,
    MappingPolicy,
    cut_at_word,
    fingerprint,
    map_account,
    state_value,
)
from listbridge.core.setting_values import FieldPair, StateFormat
from listbridge.core.settings import SETTINGS

words = st.lists(st.text("abcdefghij", min_size=1, max_size=12), min_size=1, max_size=12)
texts = st.one_of(st.text(max_size=80), words.map(" ".join))
LIMITS = {key: limit for key, _, limit in STANDARD} | {"state": 50, "email": 80}


@given(words.map(" ".join), st.integers(1, 60))
def test_a_cut_is_a_prefix_within_the_limit_ending_at_a_word(text: str, limit: int) -> None:
    cut = cut_at_word(text, limit)
    assert len(cut) <= limit
    assert text.startswith(cut)
    assert cut
    if len(text) <= limit:
        assert cut == text
    elif " " in text[:limit]:
        assert text[len(cut)] == " "


@given(st.fixed_dictionaries({attr: texts for _, attr, _ in STANDARD}))
def test_every_value_fits_and_every_cut_is_a_warning(values: dict[str, str]) -> None:
    account = Account("1", email="a@b.org", **values)
    mapped = map_account(account, MappingPolicy())
    for key, value in mapped.row.items():
        assert len(value) <= LIMITS.get(key, 255)
    warned = {w.field for w in mapped.warnings}
    for key, attr, _ in STANDARD:
        sent, had = mapped.row.get(key, ""), values[attr].strip()
        assert sent == had or key in warned


def test_the_standard_mapping() -> None:
    account = Account(
        "1", email=" ada@example.org ", first_name="Ada", last_name="L", company_name="Co",
        title="Dr", phone1="1", phone2="2", phone3="3", address_line1="St", city="Town",
        state="NY", zip="10001", country="United States",
    )  # fmt: skip
    row = dict(map_account(account, MappingPolicy()).row)
    assert row == {
        "email": "ada@example.org", "first_name": "Ada", "last_name": "L", "company_name": "Co",
        "job_title": "Dr", "home_phone": "1", "work_phone": "2", "mobile_phone": "3",
        "street": "St", "city": "Town", "state": "New York", "zip": "10001",
        "country": "United States",
    }  # fmt: skip


def test_four_phones_keep_three_and_warn_about_the_fax() -> None:
    account = Account("1", email="a@b.org", phone1="1", phone2="2", phone3="3", fax="4")
    mapped = map_account(account, MappingPolicy())
    assert "other_phone" not in mapped.row
    assert [w.field for w in mapped.warnings] == ["other_phone"]


def test_states_by_name_or_code_and_unknown_ones_unchanged() -> None:
    assert state_value("CA", "", StateFormat.NAME) == "California"
    assert state_value("california", "US", StateFormat.CODE) == "CA"
    assert state_value("BY", "Germany", StateFormat.NAME) == "Bayern"
    assert state_value("Atlantis", "US", StateFormat.CODE) == "Atlantis"
    assert state_value("ON", "Narnia", StateFormat.NAME) == "ON"


def test_custom_fields_from_crm_fields() -> None:
    account = Account("1", email="a@b.org", middle_name="Q", custom={"Level": "Gold"})
    pairs = (FieldPair("Member_Level", "custom.Level"), FieldPair("Middle", "middle_name"))
    row = map_account(account, MappingPolicy(custom=pairs)).row
    assert (row["cf:Member_Level"], row["cf:Middle"]) == ("Gold", "Q")


@given(st.dictionaries(st.text(max_size=5), st.text(max_size=5)), st.lists(st.text(max_size=5)))
def test_the_fingerprint_ignores_order_only(row: dict[str, str], lists: list[str]) -> None:
    assert fingerprint(row, lists) == fingerprint(dict(reversed(row.items())), lists[::-1])
    assert fingerprint(row, lists) != fingerprint({**row, "x-extra": "1"}, lists)


def test_push_custom_fields_take_up_to_the_apis_25_pairs() -> None:
    spec = SETTINGS.spec("push.custom_fields")
    pairs = ",".join(f"F{n}=custom.C{n}" for n in range(25))
    assert len(spec.parse(pairs)) == 25
    with pytest.raises(ValueError, match="25"):
        spec.parse(pairs + ",F25=custom.C25")
