"""The process configuration: one field per environment variable, read in one place, and
the README's table of variables the same as the fields."""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from listbridge.config import (
    ProcessConfig,
    environment_table,
    parse_duration,
    parse_seconds,
    variable_of,
    variables,
)
from listbridge.core.errors import UserError
from listbridge.core.tokens import IdlePolicy

ROOT = Path(__file__).parents[2]
TABLE = re.compile(
    r"<!-- environment table:.*?-->\n(?P<table>.*?)\n<!-- end of environment table -->", re.S
)
#: reading the environment anywhere but in listbridge/config.py
READS = re.compile(r"\bos\.environ\b|\bgetenv\b|\benvvar\s*=|\bfrom os import\b.*\benviron\b")


def test_the_readme_lists_every_variable_as_the_config_defines_it() -> None:
    found = TABLE.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert found, "README.md has no environment table"
    assert found["table"] == environment_table(), (
        "README.md's environment table differs from ProcessConfig; "
        "regenerate it with `python -m listbridge.config`"
    )


def test_every_field_is_one_variable_and_every_variable_one_field() -> None:
    names = [v.name for v in variables()]
    assert len(names) == len(set(names)) == len(fields(ProcessConfig))
    assert all(name.startswith("LISTBRIDGE_") for name in names)
    assert all(v.meaning and v.default for v in variables())


def test_no_module_but_the_config_reads_the_environment() -> None:
    source = ROOT / "src" / "listbridge"
    readers = [
        str(path.relative_to(source))
        for path in sorted(source.rglob("*.py"))
        if READS.search(path.read_text(encoding="utf-8"))
    ]
    assert readers == ["config.py"]


def test_an_empty_environment_gives_the_defaults() -> None:
    assert ProcessConfig.from_environ({}) == ProcessConfig()
    blank = {v.name: "  " for v in variables()}
    assert ProcessConfig.from_environ(blank) == ProcessConfig()


def test_the_defaults_the_readme_shows_are_the_defaults() -> None:
    shown = {
        spec.name: variable_of(spec).default.strip("`")
        for spec in fields(ProcessConfig)
        if spec.name in ("database_url", "lock_ttl", "refresh_idle_expiry", "refresh_idle_warning")
    }
    by_name = {spec.name: variable_of(spec).name for spec in fields(ProcessConfig)}
    read = ProcessConfig.from_environ({by_name[field]: text for field, text in shown.items()})
    assert read == ProcessConfig()


def test_each_variable_sets_its_field() -> None:
    config = ProcessConfig.from_environ(
        {
            "LISTBRIDGE_DATABASE_URL": "postgresql://db.example/listbridge",
            "LISTBRIDGE_SECRET_KEY": " new-key , old-key ,",
            "LISTBRIDGE_NEW_SECRET_KEY": "next-key",
            "LISTBRIDGE_KEY_FILE": "/etc/listbridge/secret.key",
            "LISTBRIDGE_LOCK_TTL_SECONDS": "2.5",
            "LISTBRIDGE_SMTP_URL": "smtp://127.0.0.1:1025",
            "LISTBRIDGE_SMTP_FROM": "sync@example.org",
            "LISTBRIDGE_REFRESH_IDLE_EXPIRY": "4s",
            "LISTBRIDGE_REFRESH_IDLE_WARNING": "36h",
            "LISTBRIDGE_DEBUG": "1",
            "LISTBRIDGE_CC_CLIENT_ID": "app",
            "LISTBRIDGE_CC_CLIENT_SECRET": "shh",
            "HOME": "/home/someone",  # not ours: ignored
        }
    )
    assert config == ProcessConfig(
        database_url="postgresql://db.example/listbridge",
        secret_keys=("new-key", "old-key"),
        new_secret_key="next-key",
        key_file=Path("/etc/listbridge/secret.key"),
        lock_ttl=timedelta(seconds=2.5),
        smtp_url="smtp://127.0.0.1:1025",
        smtp_from="sync@example.org",
        refresh_idle_expiry=timedelta(seconds=4),
        refresh_idle_warning=timedelta(hours=36),
        debug=True,
        cc_client_id="app",
        cc_client_secret="shh",
    )
    assert config.idle_policy == IdlePolicy(timedelta(seconds=4), timedelta(hours=36))


def test_secrets_stay_out_of_the_repr() -> None:
    config = ProcessConfig(
        database_url="postgresql://me:pw@db/x",
        secret_keys=("k1",),
        new_secret_key="k2",
        smtp_url="smtp://me:pw@mail",
        cc_client_secret="shh",
    )
    assert not [s for s in ("pw", "k1", "k2", "shh") if s in repr(config)]


@pytest.mark.parametrize(
    ("variable", "text", "message"),
    [
        ("LISTBRIDGE_LOCK_TTL_SECONDS", "soon", "'soon' is not a number of seconds"),
        ("LISTBRIDGE_LOCK_TTL_SECONDS", "0", "from 0.05 to 86400"),
        ("LISTBRIDGE_REFRESH_IDLE_EXPIRY", "two weeks", "must look like 14d"),
        ("LISTBRIDGE_REFRESH_IDLE_WARNING", "-3d", "must look like 14d"),
    ],
)
def test_a_malformed_value_names_its_variable(variable: str, text: str, message: str) -> None:
    with pytest.raises(UserError, match=f"{variable}.*{message}"):
        ProcessConfig.from_environ({variable: text})


@given(st.floats(min_value=0.05, max_value=86_400, allow_nan=False))
def test_any_lease_in_range_is_read_back(seconds: float) -> None:
    assert parse_seconds(repr(seconds), "X") == timedelta(seconds=seconds)


@given(st.integers(min_value=0, max_value=10_000), st.sampled_from(["s", "m", "h", "d", ""]))
def test_durations_read_their_unit(amount: int, unit: str) -> None:
    scale = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "": 86_400}[unit]
    assert parse_duration(f"{amount}{unit}", "X") == timedelta(seconds=amount * scale)
