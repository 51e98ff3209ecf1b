"""Mapped CRMs for the tests: the members database of docs/mapping-example.toml on a
fresh MariaDB database or PostgreSQL schema, with the documented mapping (an updated-at
column), or with a variant that has one full-name column and no change times (changes
found by fingerprints)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from tests.support.crm_db import crm_database
from tests.support.sqlmap_schema import create_members_db

Clock = Callable[[], datetime]
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "mapping-example.toml"


def example_mapping() -> str:
    """The documented example, as users copy it."""
    return EXAMPLE.read_text(encoding="utf-8")


def fingerprint_mapping() -> str:
    """The example with one full-name column and no updated-at: every change is found by
    comparing fingerprints."""
    text = example_mapping()
    text = text.replace('updated_at = "changed_on"', "")
    text = text.replace('# full_name = "name"', 'full_name = "name"')
    for name in ("first_name", "middle_name", "last_name"):
        text = text.replace(f'{name} = "{name}"\n', "")
    return text


MAPPINGS = {"example": example_mapping, "fingerprints": fingerprint_mapping}


@contextmanager
def members_engine(backend: str) -> Iterator[Engine]:
    with crm_database(backend) as url:
        engine = create_engine(url, pool_pre_ping=True)
        try:
            create_members_db(engine)
            yield engine
        finally:
            engine.dispose()
