"""Settings: every key reads back what it writes, and bad input says what is allowed."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from listbridge.core import settings as s
from listbridge.core.errors import UserError
from listbridge.core.list_selection import ListSelection
from listbridge.core.setting_values import (
    AmbiguousMatch,
    Direction,
    FieldPair,
    Frequency,
    ImportScope,
    OnCrmDelete,
    Schedule,
    StateFormat,
    UpdateFields,
    Weekday,
)

_plain = st.characters(blacklist_characters=",=", blacklist_categories=("Cs", "Cc"))
names = st.text(_plain, min_size=1, max_size=20).map(str.strip).filter(lambda n: n and n != "*")
# any character a setting keeps: not a surrogate, not NUL (refused in every setting, 973007c)
_kept = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
list_names = st.text(_kept, min_size=1, max_size=255)
clock = st.builds(time, st.integers(0, 23), st.integers(0, 59))
crm_fields = st.one_of(
    st.sampled_from(["middle_name", "individual_type"]), names.map(lambda n: "custom." + n)
)
field_pairs = st.lists(
    st.builds(FieldPair, names.map(lambda n: n[:50].strip()).filter(bool), crm_fields),
    max_size=s.MAX_CUSTOM_FIELD_PAIRS,
    unique_by=lambda pair: pair.cc_field.casefold(),
).map(tuple)
schedules = st.one_of(
    st.just(Schedule()),
    st.builds(Schedule, st.just(Frequency.DAILY), clock),
    st.builds(Schedule, st.just(Frequency.WEEKLY), clock, st.sampled_from(Weekday)),
)
emails = st.one_of(
    st.just(""),
    st.from_regex(r"[a-z0-9]{1,10}(\.[a-z0-9]{1,5})?@[a-z]{1,10}\.(org|com)", fullmatch=True),
)

#: a strategy of valid values for every key; a key added without one fails below
VALUES: dict[str, st.SearchStrategy[Any]] = {
    "unsubscribe.cc_to_crm": st.booleans(),
    "unsubscribe.resubscribe_clears_opt_out": st.booleans(),
    "unsubscribe.crm_to_cc": st.booleans(),
    "unsubscribe.crm_clear_resubscribes": st.booleans(),
    "unsubscribe.interval_minutes": st.integers(5, 7 * 24 * 60),
    "import.lists": st.one_of(
        st.just(ListSelection()),
        # any list name, `*` and commas included: the setting quotes what needs it
        st.lists(list_names, min_size=1, max_size=5, unique_by=str.casefold).map(
            lambda found: ListSelection(tuple(found))
        ),
    ),
    "import.ambiguous_match": st.sampled_from(AmbiguousMatch),
    "import.update_fields": st.sampled_from(UpdateFields),
    "import.since": st.one_of(st.none(), st.dates(date(1990, 1, 1), date(2100, 1, 1))),
    "import.role_addresses": st.lists(
        st.from_regex(r"[a-z][a-z0-9.-]{0,15}", fullmatch=True), max_size=8, unique=True
    ).map(tuple),
    "push.custom_fields": field_pairs,
    "push.direction": st.sampled_from(Direction),
    "mapping.state": st.sampled_from(StateFormat),
    "push.tag": st.text(_plain, min_size=1, max_size=40).map(str.strip).filter(bool),
    "push.new_contact_on_email_change": st.booleans(),
    "push.on_crm_delete": st.sampled_from(OnCrmDelete),
    "stats.pull_at": clock,
    "stats.window_days": st.integers(1, 3650),
    # a CRM custom field, or empty for none (the flag off)
    "stats.hard_bounce_field": st.one_of(st.just(""), names.map(lambda n: "custom." + n)),
    "stats.create_recipients": st.booleans(),
    "sync.full_schedule": schedules,
    "sync.guard_percent": st.integers(0, 100),
    "sync.guard_count": st.integers(0, 1_000_000),
    "notify.email": emails,
    "sync.enabled": st.booleans(),
    "import.scope": st.sampled_from(ImportScope),
    "import.link_companies": st.booleans(),
    # a list name, trimmed (as the setting keeps it), or empty for none
    "push.main_list": st.text(_kept, max_size=255).map(str.strip),
    "push.include_address": st.booleans(),
    "push.include_company": st.booleans(),
    "connect.copy_lists": st.booleans(),
}


def test_every_key_has_a_round_trip_strategy() -> None:
    assert set(VALUES) == set(s.SETTINGS.keys)


@pytest.mark.parametrize("key", sorted(VALUES))
@settings(max_examples=40)
@given(data=st.data())
def test_parse_of_render_is_the_value(key: str, data: st.DataObject) -> None:
    spec = s.SETTINGS.spec(key)
    value = data.draw(VALUES[key])
    text = spec.render(value)
    assert spec.parse(text) == value
    assert s.parse_assignments([f"{key}={text}"]) == {key: text}
    assert s.resolve({key: text}).get(spec) == value


@pytest.mark.parametrize("spec", s.SETTINGS.specs, ids=lambda spec: spec.key)
def test_defaults_round_trip_and_match_the_design(spec: s.SettingSpec[Any]) -> None:
    assert spec.parse(spec.render(spec.default)) == spec.default


def test_design_defaults() -> None:
    shown = {view.key: view.json_value for view in s.views(s.defaults())}
    assert shown == {
        "unsubscribe.cc_to_crm": True,
        "unsubscribe.resubscribe_clears_opt_out": True,
        "unsubscribe.crm_to_cc": True,
        "unsubscribe.crm_clear_resubscribes": False,
        "unsubscribe.interval_minutes": 30,
        "import.lists": "*",
        "import.ambiguous_match": "ignore",
        "import.update_fields": "none",
        "import.since": "",
        "import.role_addresses": ", ".join(sorted(s.ROLE_LOCAL_PARTS)),
        "import.scope": "lists",
        "import.link_companies": False,
        "push.custom_fields": "",
        "push.main_list": "",
        "push.include_address": True,
        "push.include_company": True,
        "push.direction": "both",
        "mapping.state": "name",
        "push.tag": "listbridge",
        "push.new_contact_on_email_change": False,
        "push.on_crm_delete": "keep",
        "stats.pull_at": "02:00",
        "stats.window_days": 90,
        "stats.hard_bounce_field": "",
        "stats.create_recipients": False,
        "sync.enabled": True,
        "sync.full_schedule": "off",
        "sync.guard_percent": 10,
        "sync.guard_count": 100,
        "notify.email": "",
        "connect.copy_lists": True,
    }


@pytest.mark.parametrize(
    ("pair", "canonical"),
    [
        ("unsubscribe.cc_to_crm=FALSE", "false"),
        ("unsubscribe.cc_to_crm= yes ", "true"),
        ("unsubscribe.interval_minutes=5", "5"),
        ("import.lists= Members ,Donors", "Members, Donors"),
        ("import.lists=*", "*"),
        ('import.lists= "x,y" ,"*"', '"x,y", "*"'),
        ("import.ambiguous_match=LINK", "link"),
        (
            "push.custom_fields=Member Level = custom.Member Level,Middle=middle_name",
            "Member Level=custom.Member Level, Middle=middle_name",
        ),
        ("push.custom_fields=", ""),
        ("stats.pull_at=7:05", "07:05"),
        ("stats.window_days= 30 ", "30"),
        ("stats.window_days=3650", "3650"),
        ("stats.hard_bounce_field= custom. Bad Address ", "custom.Bad Address"),
        ("stats.hard_bounce_field=", ""),
        ("stats.create_recipients=YES", "true"),
        ("sync.full_schedule=Weekly Sun 03:30", "weekly sunday 03:30"),
        ("sync.full_schedule=daily 23:59", "daily 23:59"),
        ("notify.email= Admin@Example.ORG", "Admin@example.org"),
    ],
)
def test_accepted_values_are_stored_in_canonical_form(pair: str, canonical: str) -> None:
    key = pair.partition("=")[0]
    assert s.parse_assignments([pair]) == {key: canonical}


@pytest.mark.parametrize(
    ("pair", "reason"),
    [
        ("unsubscribe.cc_to_crm=maybe", "not a yes/no value"),
        ("unsubscribe.interval_minutes=4", "out of range"),
        ("unsubscribe.interval_minutes=ten", "not a whole number"),
        ("import.lists=", "use * for every list"),
        ("import.lists=a,,b", "empty"),
        ("import.lists=*,News", "cannot be combined"),
        ("import.lists=News,news", "named twice"),
        ("import.ambiguous_match=merge", "not one of the choices"),
        ("push.direction=sideways", "not one of the choices"),
        ("push.custom_fields=Level", "not a pair"),
        ("push.custom_fields=Level=first_name", "not a CRM field that can be pushed"),
        ("push.custom_fields=Level=custom.", "not a CRM field that can be pushed"),
        ("push.custom_fields=A=middle_name,a=individual_type", "named twice"),
        ("stats.pull_at=24:00", "hours go from 00 to 23"),
        ("stats.pull_at=noon", "not a time of day"),
        ("stats.window_days=0", "0 is out of range"),
        ("stats.window_days=3651", "3651 is out of range"),
        ("stats.window_days=90d", "not a whole number"),
        ("stats.hard_bounce_field=Bounced", "'Bounced' is not custom.<Name>"),
        ("stats.hard_bounce_field=custom.", "'custom.' is not custom.<Name>"),
        ("stats.create_recipients=maybe", "not a yes/no value"),
        ("sync.full_schedule=weekly funday 02:00", "not a day of the week"),
        ("sync.full_schedule=hourly", "not a schedule"),
        ("notify.email=not-an-address", "not a valid email address"),
    ],
)
def test_an_invalid_value_names_key_value_and_allowed_values(pair: str, reason: str) -> None:
    key, _, text = pair.partition("=")
    with pytest.raises(UserError) as raised:
        s.parse_assignments([pair])
    message = str(raised.value)
    assert f"invalid value {text!r} for setting {key}" in message
    assert reason in message
    assert f"allowed: {s.SETTINGS.spec(key).allowed}" in message


def test_more_custom_field_pairs_than_allowed_are_refused() -> None:
    pairs = ", ".join(f"F{n}=custom.f{n}" for n in range(s.MAX_CUSTOM_FIELD_PAIRS + 1))
    with pytest.raises(UserError, match=f"at most {s.MAX_CUSTOM_FIELD_PAIRS} are allowed"):
        s.parse_assignments([f"push.custom_fields={pairs}"])


def test_an_unknown_key_lists_the_known_keys_and_the_closest() -> None:
    with pytest.raises(UserError) as raised:
        s.parse_assignments(["import.list=*"])
    message = str(raised.value)
    assert "unknown setting 'import.list' (did you mean import.lists?)" in message
    assert all(key in message for key in s.SETTINGS.keys)


def test_every_bad_pair_is_named_at_once() -> None:
    with pytest.raises(UserError) as raised:
        s.parse_assignments(["push.direction=both", "nokey", "x.y=1", "stats.pull_at=99:99"])
    message = str(raised.value)
    assert message.startswith("nothing was changed")
    assert "expected KEY=VALUE, got 'nokey'" in message
    assert "unknown setting 'x.y'" in message
    assert "stats.pull_at" in message
    assert len(message.splitlines()) == 1 + 3  # the good pair is not a problem


def test_a_key_given_twice_is_refused() -> None:
    with pytest.raises(UserError, match=re.escape("setting push.direction is given twice")):
        s.parse_assignments(["push.direction=both", "push.direction=crm_to_cc"])


def test_stored_values_override_defaults_and_unknown_stored_keys_are_ignored() -> None:
    resolved = s.resolve({"push.direction": "cc_to_crm", "retired.key": "x"})
    assert resolved.get(s.PUSH_DIRECTION) is Direction.CC_TO_CRM
    assert resolved.get(s.IMPORT_LISTS).every
    assert resolved.explicit == frozenset({"push.direction"})
    marked = {view.key: view.is_default for view in s.views(resolved)}
    assert marked["push.direction"] is False
    assert marked["import.lists"] is True


def test_a_stored_value_no_longer_valid_says_how_to_fix_it() -> None:
    with pytest.raises(
        UserError, match=re.escape("listbridge settings set unsubscribe.interval_minutes=")
    ):
        s.resolve({"unsubscribe.interval_minutes": "1"})


def test_secret_settings_are_never_shown() -> None:
    token = s.SettingSpec("crm.api_token", str.strip, str, "", "any text", secret=True)
    registry = s.Registry((s.PUSH_DIRECTION, token))
    resolved = s.resolve({"crm.api_token": "hunter2"}, registry)
    assert resolved.get(token) == "hunter2"
    shown = {view.key: (view.text, view.json_value) for view in s.views(resolved)}
    assert shown["crm.api_token"] == (s.SECRET_MASK, s.SECRET_MASK)
    assert "hunter2" not in repr(s.views(resolved))


def test_a_key_cannot_be_registered_twice() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        s.Registry((s.PUSH_DIRECTION, s.PUSH_DIRECTION))
