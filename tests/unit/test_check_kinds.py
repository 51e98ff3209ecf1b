"""`crm check` compares type kinds, not exact types: a reflected MariaDB or PostgreSQL type
fits a declared one when it holds the same kind of value, and a text column when it is
at least as long as declared."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Boolean, Date, DateTime, Integer, String
from sqlalchemy.dialects import mysql, postgresql
from sqlalchemy.types import TypeEngine

from listbridge.crm.check.kinds import TypeKind, kind_of, type_mismatch
from listbridge.crm.civicrm.tables import Instant

MYSQL, PG = mysql.dialect(), postgresql.dialect()


@pytest.mark.parametrize(
    ("declared", "reflected"),
    [
        (Boolean(), mysql.TINYINT(display_width=4)),  # CiviCRM's flags on MariaDB
        (Boolean(), postgresql.BOOLEAN()),
        (Integer(), mysql.INTEGER(display_width=10, unsigned=True)),
        (Integer(), mysql.BIGINT()),
        (String(64), mysql.VARCHAR(255)),
        (String(64), mysql.MEDIUMTEXT()),
        (String(2), mysql.CHAR(2)),
        (String(8), mysql.ENUM("Added", "Removed")),  # an enum's length is its values'
        (Instant(), mysql.TIMESTAMP()),
        (Instant(), postgresql.TIMESTAMP(timezone=True)),
        (DateTime(), mysql.DATETIME()),
        (Date(), mysql.DATE()),
    ],
)
def test_a_type_of_the_same_kind_fits(
    declared: TypeEngine[Any], reflected: TypeEngine[Any]
) -> None:
    assert type_mismatch(declared, reflected, MYSQL) is None


@pytest.mark.parametrize(
    ("declared", "reflected", "words"),
    [
        (String(64), mysql.INTEGER(display_width=11), "is INTEGER(11) (integer), but listbridge"),
        (Integer(), mysql.VARCHAR(10), "as integer"),
        (Boolean(), mysql.VARCHAR(5), "(text), but listbridge reads and writes it as boolean"),
        (DateTime(), mysql.DATE(), "is DATE (date)"),
        (Integer(), mysql.DECIMAL(25, 8), "(decimal number)"),
        (String(64), mysql.VARCHAR(10), "is VARCHAR(10): at most 10 characters, fewer than the 64"),
    ],
)
def test_another_kind_or_a_shorter_text_is_named(
    declared: TypeEngine[Any], reflected: TypeEngine[Any], words: str
) -> None:
    reason = type_mismatch(declared, reflected, MYSQL)
    assert reason is not None
    assert words in reason


def test_an_integer_does_not_stand_for_a_boolean_the_other_way() -> None:
    """MySQL keeps booleans as TINYINT; an integer column is no boolean's place in reverse."""
    assert type_mismatch(Integer(), postgresql.BOOLEAN(), PG) is not None
    assert kind_of(Instant()) is TypeKind.DATE_TIME  # a TypeDecorator by what it stores
