"""`crm duplicates`: shared addresses and likely the same person, read from the store on
both backends, as JSON, tables and a formula-safe CSV."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.conftest import Cli

from listbridge.core.cc_records import CcContact
from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.links import LinkRow, save_links

ROWS = """id,type,first_name,last_name,company_name,email,email2,phone1,address_line1,zip
P1,individual,Ann,Lee,,home@example.org,,,,
P2,individual,Bo,Lee,,HOME@example.org ,,,,
O1,organization,,,Lee & Co,office@example.org,home@example.org,,,
P3,individual,Zoë,Núñez,,zoe@example.org,,+1 (617) 555-0100,,
P4,individual,ZOE,nunez,,zoe.work@example.org,,617.555.0100,,
P5,individual,Cy,Ray,,cy@example.org,,,1 Elm Rd.,02134
P6,individual,cy,ray,,=cmd@example.org,,,1 elm rd,02134
P7,individual,Cy,Ray,,cy2@example.org,,,2 Oak St,99999
O2,organization,Cy,Ray,Ray Inc,ray@example.org,,,1 Elm Rd,02134
D1,individual,Ann,Lee,,home@example.org,,,,
P8,individual,Eve,Ko,,=cmd@example.org,,,,
"""


def _load(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "crm.csv").write_text(ROWS, encoding="utf-8")
    answer = cli("crm", "load", str(tmp_path / "crm.csv"))
    assert answer.exit_code == 0, answer.output
    assert cli("crm", "delete", "D1").exit_code == 0


def _report(cli: Cli) -> list[dict[str, Any]]:
    answer = cli("crm", "duplicates", "--json")
    assert answer.exit_code == 0, answer.output
    found: list[dict[str, Any]] = json.loads(answer.stdout)
    return found


def test_json_lists_shared_addresses_then_likely_same_people(cli: Cli, tmp_path: Path) -> None:
    _load(cli, tmp_path)
    assert _report(cli) == [
        {"kind": "shared_email", "key": "=cmd@example.org", "account_ids": ["P6", "P8"],
         "linked_account_id": None},
        # The organisation shares the household's address: shown; the deleted D1 is not.
        {"kind": "shared_email", "key": "home@example.org", "account_ids": ["O1", "P1", "P2"],
         "linked_account_id": None},
        # Same street + zip (O2 is an organisation, P7 lives elsewhere).
        {"kind": "same_person", "key": "cy ray", "account_ids": ["P5", "P6"],
         "linked_account_id": None},
        # Same phone, written two ways, name in two spellings.
        {"kind": "same_person", "key": "zoe nunez", "account_ids": ["P3", "P4"],
         "linked_account_id": None},
    ]  # fmt: skip


def test_the_linked_account_is_named(cli: Cli, store: Store, tmp_path: Path) -> None:
    _load(cli, tmp_path)
    cid = connection_id(store, "default")
    link = LinkRow("P2", CcContact("c-2", "home@example.org"))
    with store.session() as session:  # a link as import and push make it
        save_links(session, cid, [link], datetime.now(UTC))
    # Only the account's cc_contact_id (a CRM that records the link itself).
    BuiltinCrm(store, cid).update_fields("P4", {"cc_contact_id": "c-4"}, reason="test")
    linked = {g["key"]: g["linked_account_id"] for g in _report(cli)}
    assert linked["home@example.org"] == "P2"
    assert linked["zoe nunez"] == "P4"
    assert linked["cy ray"] is None


def test_tables_group_them_readably(cli: Cli, tmp_path: Path) -> None:
    _load(cli, tmp_path)
    answer = cli("crm", "duplicates")
    assert answer.exit_code == 0, answer.output
    out = answer.stdout
    assert "Accounts sharing an e-mail address: 2" in out
    assert "Likely the same person" in out
    assert out.index("home@example.org") < out.index("zoe nunez")
    assert "O1, P1, P2" in out


def test_an_empty_report_says_so(cli: Cli) -> None:
    answer = cli("crm", "duplicates")
    assert (answer.exit_code, answer.stdout.strip()) == (
        0,
        "no possible duplicates: no shared addresses, nobody twice",
    )
    assert json.loads(cli("crm", "duplicates", "--json").stdout) == []


def test_csv_neutralises_formulas(cli: Cli, tmp_path: Path) -> None:
    _load(cli, tmp_path)
    out = tmp_path / "dups.csv"
    answer = cli("crm", "duplicates", "--csv", str(out))
    assert answer.exit_code == 0, answer.output
    assert "wrote 4 group(s)" in answer.stderr
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["kind", "key", "account_ids", "linked_account_id"]
    assert rows[1] == ["shared_email", "'=cmd@example.org", "P6 P8", ""]
    assert rows[2] == ["shared_email", "home@example.org", "O1 P1 P2", ""]
    assert len(rows) == 5


def test_csv_errors_are_clear(cli: Cli, tmp_path: Path) -> None:
    _load(cli, tmp_path)
    unwritable = cli("crm", "duplicates", "--csv", str(tmp_path / "no" / "such" / "dir.csv"))
    assert unwritable.exit_code == 2
    assert "cannot write the duplicates report" in unwritable.stderr
    both = cli("crm", "duplicates", "--json", "--csv", "-")
    assert both.exit_code == 2
    assert "choose one" in both.stderr
    to_stdout = cli("crm", "duplicates", "--csv", "-")
    assert to_stdout.stdout.startswith("kind,key,account_ids,linked_account_id")
