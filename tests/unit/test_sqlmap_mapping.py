"""The mapping file of a SQL CRM read and checked (crm/sqlmap/parse.py, lines.py), and its
value translations both ways (crm/sqlmap/values.py): pure, no database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from listbridge.core.accounts import AccountType
from listbridge.core.errors import UserError
from listbridge.crm.sqlmap.lines import key_lines
from listbridge.crm.sqlmap.parse import read_mapping
from listbridge.crm.sqlmap.values import known_flag, read_flag, read_type, written

BASE = """\
[accounts]
table = "people"
key = "id"

[accounts.columns]
email = "mail"
email_opt_out = "optout"
"""


def _refusal(text: str) -> str:
    with pytest.raises(UserError) as refused:
        read_mapping("m.toml", text)
    return str(refused.value)


def test_key_lines_know_headers_quoted_dotted_keys_and_skip_multiline_values() -> None:
    text = (
        'read_only = false\n[accounts]\ntable = "t"\nnotes = [\n  "a = b",\n]\n'
        'columns.email = "e"\n[accounts.columns]\n"custom.Member Since" = "joined"\n'
    )
    lines = key_lines(text)
    assert lines[("read_only",)] == 1
    assert lines[("accounts",)] == 2
    assert lines[("accounts", "columns", "email")] == 7
    assert lines[("accounts", "columns", "custom.Member Since")] == 9
    assert ("a",) not in lines
    assert ("accounts", "a") not in lines


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            'emial = "x"\n',
            "line 8 (accounts.columns.emial): unknown account field 'emial' (did you mean "
            "'email'?)",
        ),
        (
            '[accounts.translate]\ntype = { P = "person" }\n',
            "line 9 (accounts.translate.type): type translates to individual or "
            "organization, not 'person'",
        ),
        (
            '[accounts.translate]\nemail_opt_out = { Y = "yes" }\n',
            "line 9 (accounts.translate.email_opt_out): email_opt_out translates to true or "
            "false, not 'yes'",
        ),
        (
            '[accounts.translate]\ncity = { A = "B" }\n',
            "line 9 (accounts.translate.city): 'city' has no translation",
        ),
        ('[groups]\ntable = "g"\nkey = "id"\nname = "n"\n', "groups and members come together"),
        ("[accounts.nope]\nx = 1\n", "line 8 (accounts.nope): 'nope' is not a key a mapping has"),
    ],
)
def test_a_mistake_is_refused_naming_its_line(extra: str, message: str) -> None:
    assert message in _refusal(BASE + extra)


def test_required_keys_and_toml_syntax_are_named() -> None:
    assert "line 1 (accounts.key): key is required here" in _refusal('[accounts]\ntable = "t"\n')
    assert "not a TOML file" in _refusal("[accounts\n")
    no_opt_out = BASE.replace('email_opt_out = "optout"\n', "")
    assert "accounts.columns.email_opt_out is required" in _refusal(no_opt_out)
    assert read_mapping("m.toml", "read_only = true\n" + no_opt_out).mapping.read_only


def test_the_same_name_twice_is_refused() -> None:
    both = BASE.replace("[accounts]\n", '[accounts]\nfull_name = "name"\n') + 'first_name = "f"\n'
    assert "full_name and columns.first_name/last_name both name" in _refusal(both)


def test_unknown_flag_values_read_as_yes_and_types_as_individuals() -> None:
    assert read_flag(None, "maybe") is True  # the safe side: not mailed
    assert known_flag(None, "maybe") is False
    assert [read_flag(None, v) for v in (0, 1, "N", "y", "", Decimal("0"), True)] == [
        False, True, False, True, False, False, True,
    ]  # fmt: skip
    assert read_type({"O": "organization"}, "o") is AccountType.ORGANIZATION
    assert read_type(None, "Robot") is AccountType.INDIVIDUAL


tables = st.sampled_from([None, {"Y": False, "N": True}, {"1": True, "0": False}])


@given(table=tables, value=st.booleans(), column=st.sampled_from([str, int, bool, None]))
def test_a_flag_written_reads_back_the_same(
    table: dict[str, bool] | None, value: bool, column: type | None
) -> None:
    assert read_flag(table, written(table, value, column)) is value
