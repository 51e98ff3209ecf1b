"""Settings in the store and on the CLI: defaults, atomic changes, clear refusals."""

from __future__ import annotations

import json
from datetime import time

import pytest

from listbridge.core.errors import UserError
from listbridge.core.setting_values import Direction, FieldPair
from listbridge.core.settings import (
    PUSH_CUSTOM_FIELDS,
    PUSH_DIRECTION,
    STATS_CREATE_RECIPIENTS,
    STATS_HARD_BOUNCE_FIELD,
    STATS_PULL_AT,
    STATS_WINDOW_DAYS,
    UNSUBSCRIBE_INTERVAL_MINUTES,
)
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.settings import effective_settings, reset_settings, set_settings


def test_a_new_connection_has_the_defaults(store: Store) -> None:
    settings = effective_settings(store, connection_id(store, "default"))
    assert settings.get(UNSUBSCRIBE_INTERVAL_MINUTES) == 30
    assert settings.explicit == frozenset()


def test_set_stores_every_pair_and_reads_back_typed(store: Store) -> None:
    cid = connection_id(store, "default")
    set_settings(store, cid, ["push.direction=crm_to_cc", "push.custom_fields=Level=custom.Level"])
    set_settings(store, cid, ["push.direction=cc_to_crm"])  # a second set overwrites
    settings = effective_settings(store, cid)
    assert settings.get(PUSH_DIRECTION) is Direction.CC_TO_CRM
    assert settings.get(PUSH_CUSTOM_FIELDS) == (FieldPair("Level", "custom.Level"),)
    assert settings.explicit == {"push.direction", "push.custom_fields"}


def test_one_bad_pair_stores_nothing(store: Store) -> None:
    cid = connection_id(store, "default")
    with pytest.raises(UserError, match="nothing was changed"):
        set_settings(store, cid, ["push.direction=crm_to_cc", "unsubscribe.interval_minutes=1"])
    assert effective_settings(store, cid).explicit == frozenset()


def test_settings_belong_to_their_connection(store: Store) -> None:
    mine, theirs = connection_id(store, "mine"), connection_id(store, "theirs")
    set_settings(store, mine, ["unsubscribe.interval_minutes=60"])
    assert effective_settings(store, mine).get(UNSUBSCRIBE_INTERVAL_MINUTES) == 60
    assert effective_settings(store, theirs).get(UNSUBSCRIBE_INTERVAL_MINUTES) == 30


def test_reset_goes_back_to_the_default(store: Store) -> None:
    cid = connection_id(store, "default")
    set_settings(store, cid, ["unsubscribe.interval_minutes=60"])
    assert reset_settings(store, cid, ["unsubscribe.interval_minutes"]).explicit == frozenset()
    with pytest.raises(UserError, match="unknown setting 'nope'"):
        reset_settings(store, cid, ["nope"])


def test_cli_show_json_is_one_object_of_key_and_value(cli) -> None:
    result = cli("settings", "show", "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["unsubscribe.cc_to_crm"] is True
    assert shown["unsubscribe.interval_minutes"] == 30
    assert shown["import.lists"] == "*"
    assert shown["stats.pull_at"] == "02:00"
    assert shown["notify.email"] == ""


def test_cli_set_then_show_marks_what_is_set(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "240")
    done = cli("settings", "set", "import.lists=Members, Donors", "notify.email=ops@example.org")
    assert done.exit_code == 0, done.output
    assert "import.lists = Members, Donors" in done.stdout
    assert json.loads(cli("settings", "show", "--json").stdout)["import.lists"] == "Members, Donors"
    table = cli("settings", "show").stdout
    line = next(row for row in table.splitlines() if "notify.email" in row)
    assert "ops@example.org" in line
    assert "set" in line
    assert "default" in next(row for row in table.splitlines() if "push.direction" in row)


def test_cli_bad_pairs_exit_2_naming_each_and_store_nothing(cli) -> None:
    result = cli(
        "settings", "set", "push.direction=crm_to_cc", "import.ambiguous_match=merge", "colour=red"
    )
    assert result.exit_code == 2
    assert "invalid value 'merge' for setting import.ambiguous_match" in result.stderr
    assert "allowed: new / link / ignore" in result.stderr
    assert "unknown setting 'colour'" in result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(cli("settings", "show", "--json").stdout)["push.direction"] == "both"


def test_cli_set_without_equals_is_a_usage_error(cli) -> None:
    result = cli("settings", "set", "push.direction")
    assert result.exit_code == 2
    assert "expected KEY=VALUE, got 'push.direction'" in result.stderr


def test_cli_reset(cli) -> None:
    cli("settings", "set", "sync.full_schedule=weekly mon 03:00")
    done = cli("settings", "reset", "sync.full_schedule")
    assert done.exit_code == 0, done.output
    assert "sync.full_schedule = off (default)" in done.stdout


def test_cli_show_never_cuts_a_key_short(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    table = cli("settings", "show").stdout
    assert "unsubscribe.resubscribe_clears_opt_out" in table


ISSUE_15_KEYS = {  # key: (default shown, words of the allowed values)
    "sync.enabled": ("true", "true or false"),
    "import.scope": ("lists", "lists / all_active"),
    "import.link_companies": ("false", "true or false"),
    "push.main_list": ("(empty)", "a Constant Contact list name"),
    "push.include_address": ("true", "true or false"),
    "push.include_company": ("true", "true or false"),
    "connect.copy_lists": ("true", "true or false"),
}


def test_show_lists_the_administrators_switches_with_default_and_allowed_values(
    cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    table = cli("settings", "show").stdout
    for key, (default, allowed) in ISSUE_15_KEYS.items():
        line = next(row for row in table.splitlines() if f" {key} " in row)
        cells = [cell.strip() for cell in line.strip("│ ").split("│")]
        assert cells[:3] == [key, default, "default"], line
        assert cells[3].startswith(allowed), line
    shown = json.loads(cli("settings", "show", "--json").stdout)
    assert (shown["sync.enabled"], shown["push.main_list"], shown["import.scope"]) == (
        True,
        "",
        "lists",
    )


def test_the_switches_refuse_what_they_do_not_take(cli) -> None:
    result = cli(
        "settings",
        "set",
        "import.scope=everyone",
        "sync.enabled=maybe",
        f"push.main_list={'x' * 256}",
    )
    assert result.exit_code == 2
    assert "invalid value 'everyone' for setting import.scope" in result.stderr
    assert "allowed: lists / all_active" in result.stderr
    assert "setting sync.enabled" in result.stderr
    assert "a list name has at most 255 characters" in result.stderr
    done = cli("settings", "set", "push.main_list=  Tout le monde  ", "import.scope=all_active")
    assert done.exit_code == 0, done.output
    shown = json.loads(cli("settings", "show", "--json").stdout)
    assert (shown["push.main_list"], shown["import.scope"]) == ("Tout le monde", "all_active")


ISSUE_16_KEYS = {  # key: (default shown, words of the allowed values)
    "stats.pull_at": ("02:00", "a local time of day HH:MM, 00:00 to 23:59"),
    "stats.window_days": ("90", "a whole number from 1 to 3650"),
    "stats.hard_bounce_field": ("(empty)", "custom.<Name> of a CRM custom field, or empty"),
    "stats.create_recipients": ("false", "true or false"),
}


def test_show_lists_the_campaign_results_settings_with_default_and_allowed_values(
    cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    table = cli("settings", "show").stdout
    for key, (default, allowed) in ISSUE_16_KEYS.items():
        line = next(row for row in table.splitlines() if f" {key} " in row)
        cells = [cell.strip() for cell in line.strip("│ ").split("│")]
        assert cells[:3] == [key, default, "default"], line
        assert cells[3].startswith(allowed), line
    shown = json.loads(cli("settings", "show", "--json").stdout)
    assert {key: shown[key] for key in ISSUE_16_KEYS} == {
        "stats.pull_at": "02:00",
        "stats.window_days": 90,
        "stats.hard_bounce_field": "",
        "stats.create_recipients": False,
    }


def test_the_campaign_results_settings_round_trip_typed(store: Store, cli) -> None:
    done = cli(
        "settings",
        "set",
        "stats.window_days= 30",
        "stats.hard_bounce_field=custom. Bad Address ",
        "stats.create_recipients=yes",
        "stats.pull_at=4:15",
    )
    assert done.exit_code == 0, done.output
    assert "stats.hard_bounce_field = custom.Bad Address" in done.stdout
    settings = effective_settings(store, connection_id(store, "default"))
    assert settings.get(STATS_WINDOW_DAYS) == 30
    assert settings.get(STATS_HARD_BOUNCE_FIELD) == "custom.Bad Address"
    assert settings.get(STATS_CREATE_RECIPIENTS) is True
    assert settings.get(STATS_PULL_AT) == time(4, 15)
    shown = json.loads(cli("settings", "show", "--json").stdout)
    assert (shown["stats.window_days"], shown["stats.hard_bounce_field"]) == (
        30,
        "custom.Bad Address",
    )
    assert (shown["stats.create_recipients"], shown["stats.pull_at"]) == (True, "04:15")
    off = cli("settings", "set", "stats.hard_bounce_field=")  # empty: the flag is off
    assert off.exit_code == 0, off.output
    assert json.loads(cli("settings", "show", "--json").stdout)["stats.hard_bounce_field"] == ""


def test_the_campaign_results_settings_refuse_what_they_do_not_take(cli) -> None:
    result = cli(
        "settings",
        "set",
        "stats.window_days=0",
        "stats.hard_bounce_field=Bounced",
        "stats.create_recipients=maybe",
        "stats.pull_at=25:00",
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert "invalid value '0' for setting stats.window_days" in result.stderr
    assert "allowed: a whole number from 1 to 3650" in result.stderr
    assert "invalid value 'Bounced' for setting stats.hard_bounce_field" in result.stderr
    assert "allowed: custom.<Name> of a CRM custom field, or empty for none" in result.stderr
    assert "invalid value 'maybe' for setting stats.create_recipients" in result.stderr
    assert "invalid value '25:00' for setting stats.pull_at" in result.stderr
    too_long = cli("settings", "set", "stats.window_days=3651")
    assert too_long.exit_code == 2
    assert "3651 is out of range" in too_long.stderr
    shown = json.loads(cli("settings", "show", "--json").stdout)  # nothing was stored
    assert (shown["stats.window_days"], shown["stats.hard_bounce_field"]) == (90, "")
    assert (shown["stats.create_recipients"], shown["stats.pull_at"]) == (False, "02:00")
