"""The consent-mismatch reports (`unsubscribes report --csv`, the dashboard's
/dashboard/consent.csv) of linked accounts whose id and e-mail look like formulas
(`=HYPERLINK(…)…`, `-ann@example.org`): no cell a spreadsheet would run.

On SQLite only: what is written is the CSV writer's doing, whatever the database, and the
scene (an emulator, a connection, a push) costs seconds to set up.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from tests.conftest import empty_store_url
from tests.constant_contact.conftest import (  # noqa: F401  (fixtures used here)
    cc,
    cc_emulator_config,
    secret_key_file,
    wired,
)
from tests.reliability.fuzz_support import fuzz, outcome_of, tally
from tests.reliability.test_fuzz_exports import assert_no_formula_cells, formula
from tests.sync.conftest import Scene, crm_name, scene  # noqa: F401  (fixtures used here)
from tests.web.conftest import PASSWORD, TestClient, sign_in

from listbridge.store.users import add_user
from listbridge.web.app import create_app

_ids = itertools.count()


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from empty_store_url("sqlite", request, tmp_path)


@example(account_id='=HYPERLINK("http://evil.example","x")', email="-ann@example.org")
@given(account_id=formula, email=st.sampled_from(["-a@example.org", "+b@example.org", "c@x.org"]))
@fuzz(0)
def test_the_consent_reports_neutralise_formulas(
    scene: Scene,  # noqa: F811
    tmp_path: Path,
    account_id: str,
    email: str,
) -> None:
    tag = next(_ids)
    made = scene.add_account(f"{account_id.strip()}{tag}", email.replace("@", f"{tag}@"), "A")
    scene.add_list(f"All {tag}")
    assert scene.cli("push", "--list", f"All {tag}", "--json").exit_code == 0
    scene.opt_out_in_the_crm(made)
    path = tmp_path / f"consent{tag}.csv"
    written = scene.cli("unsubscribes", "report", "--csv", str(path))
    tally("unsubscribes report --csv", outcome_of(written))
    text = path.read_text(encoding="utf-8")
    assert any(f"{tag}@" in row[2] for row in csv.reader(io.StringIO(text))), text
    assert_no_formula_cells(text, "unsubscribes report --csv")
    add_user(scene.store, f"admin{tag}", PASSWORD, admin=True)
    with TestClient(create_app(scene.store)) as browser:
        sign_in(browser, f"admin{tag}")
        page = browser.get("/dashboard/consent.csv")
        assert page.status_code == 200
        assert_no_formula_cells(page.text, "/dashboard/consent.csv")
