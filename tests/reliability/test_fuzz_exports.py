"""What listbridge writes for a spreadsheet, from accounts whose text looks like a formula
(`=HYPERLINK(…)`, `+1`, `-2`, `@SUM(…)`, a leading tab or carriage return) in every text
column, the id and the e-mail included (`-ann@example.org` is a valid address).

No cell of a CSV we write starts with a character a spreadsheet runs (numbers aside):
`crm export`, `crm duplicates --csv`, `runs show --errors-csv` (the consent reports:
test_fuzz_consent_csv.py). And `crm export` loads back unchanged.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st
from tests.reliability.fuzz_support import (  # noqa: F401  (quick_cli: a fixture)
    fuzz,
    outcome_of,
    quick_cli,
    tally,
)

from listbridge.core.spreadsheet import FORMULA_TRIGGERS

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1", "-2+3", "@SUM(A1)", "\t=1", "'=x"]
TEXT_COLUMNS = ["first_name", "last_name", "company_name", "city", "title", "phone1"]
_ids = itertools.count()
# The longest formula (37 characters) plus the tail stays within the CRM's tightest text
# limit (phone1, 40): a longer value is refused for its length, which is not what this tests.
formula = st.tuples(st.sampled_from(FORMULAS), st.text(max_size=3)).map("".join)
NUMBER = re.compile(r"-?\d+(\.\d+)?")


@st.composite
def accounts(draw: st.DrawFn) -> list[dict[str, str]]:
    made = []
    for _ in range(draw(st.integers(1, 3))):
        n = next(_ids)
        local = draw(st.sampled_from(["-", "+", "=", "@", ""])) + f"p{n}"
        row = {"id": f"{draw(st.sampled_from(['=', '+', '-', '@', '']))}id{n}"}
        row["email"] = f"{local.replace('@', '')}@example.org"
        for column in TEXT_COLUMNS:
            row[column] = draw(formula | st.just(""))
        made.append(row)
    return made


def assert_no_formula_cells(text: str, where: str) -> None:
    for row in csv.reader(io.StringIO(text, newline="")):
        for cell in row:
            if cell and not NUMBER.fullmatch(cell):
                assert not cell.startswith(FORMULA_TRIGGERS), (where, cell, row)


@given(made=accounts())
@example(made=[{"id": "=id0", "email": "-p0@example.org", "first_name": "=1+1", "city": "\t=1"}])
@fuzz(3)
def test_crm_csv_files_neutralise_formulas_and_load_back_unchanged(
    quick_cli,  # noqa: F811
    tmp_path: Path,
    made: list[dict[str, str]],
) -> None:
    source = tmp_path / f"in{next(_ids)}.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in made), encoding="utf-8")
    assert outcome_of(quick_cli("crm", "load", str(source))) == "accepted"
    exported = quick_cli("crm", "export", "--format", "csv")
    tally("crm export (formulas)", outcome_of(exported))
    assert_no_formula_cells(exported.stdout, "crm export")
    before = quick_cli("crm", "export", "--format", "json").stdout
    back = tmp_path / f"back{next(_ids)}.csv"
    back.write_text(exported.stdout, encoding="utf-8", newline="")
    assert outcome_of(quick_cli("crm", "load", str(back))) == "accepted"
    assert quick_cli("crm", "export", "--format", "json").stdout == before
    duplicates = tmp_path / "duplicates.csv"
    assert outcome_of(quick_cli("crm", "duplicates", "--csv", str(duplicates))) == "accepted"
    assert_no_formula_cells(duplicates.read_text(encoding="utf-8"), "crm duplicates")
    bad = tmp_path / f"bad{next(_ids)}.csv"
    bad.write_text(f"id,email\n{made[0]['id']}x,=not-an-address\n", encoding="utf-8")
    refused = quick_cli("crm", "load", str(bad))
    assert outcome_of(refused) == "refused"
    run = re.search(r"runs show (\d+)", refused.stderr) or re.search(r"run (\d+)", refused.stderr)
    errors = tmp_path / "errors.csv"
    run_id = run.group(1) if run else _last_run(quick_cli)
    assert quick_cli("runs", "show", run_id, "--errors-csv", str(errors)).exit_code == 0
    assert_no_formula_cells(errors.read_text(encoding="utf-8"), "runs show --errors-csv")


def _last_run(cli) -> str:
    runs = json.loads(cli("runs", "ls", "--json").stdout)
    return str(max(r["run_id"] for r in runs))
