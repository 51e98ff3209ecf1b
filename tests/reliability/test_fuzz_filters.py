"""`lists add NAME --where FILTER` with filters Hypothesis writes: well-formed ones over
every kind of field (text, e-mail, true/false, date, number and date custom fields, a
field that does not exist) and every operator, with values that trouble SQL (`%`, `_`,
backslashes, quotes, unicode that changes length when case-folded); and the same filters
cut short or with a character dropped in.

A filter is refused (exit 2) with a message about the filter, and the list keeps its
members; or it is taken (exit 0), and the accounts it added are exactly those the filter
selects by its own pure evaluation (`Segment.selects`) — the SQL the builtin CRM runs on
SQLite and PostgreSQL agrees with it.
"""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from tests.constant_contact.conftest import (  # noqa: F401  (fixtures used here)
    cc,
    cc_emulator_config,
    secret_key_file,
    wired,
)
from tests.reliability.fuzz_support import fuzz, outcome_of, tally
from tests.sync.conftest import Scene, crm_name, scene  # noqa: F401  (fixtures used here)

from listbridge.core.accounts import Account
from listbridge.core.errors import UserError
from listbridge.core.filters import compile_filter

_lists = itertools.count()
#: the list every refused filter is tried on: it stays empty
REFUSALS = "Refusals"
FIELDS = [
    "first_name", "LAST_NAME", "email", "any_email", "city", "state", "zip", "type", "id",
    "deceased", "email_opt_out", "created_at", 'custom."Gift"', "custom.Since",
    'custom."No Such"', "nickname",
]  # fmt: skip
TEXTS = ["Ann", "ann", "%", "_", "a%", "\\", "İ", "ß", "STRASSE", "Zoë", "O'Brien", " ", "x" * 300]
WORDS = ["0", "-3.5", "10", "99999999999999999999", "2024-02-29", "2024-02-30", "1999-1-1",
         "true", "FALSE", '""']  # fmt: skip
values = st.one_of(
    st.sampled_from(TEXTS).map(lambda t: '"' + t.replace("\\", "\\\\") + '"'),
    st.sampled_from(WORDS),
)


@st.composite
def comparisons(draw: st.DrawFn) -> str:
    field = draw(st.sampled_from(FIELDS))
    op = draw(st.sampled_from(["=", "!=", "<", ">=", "contains", "in", "not in", "is empty",
                               "is not empty"]))  # fmt: skip
    if op.startswith("is"):
        return f"{field} {op}"
    if op.endswith("in"):
        return f"{field} {op} ({', '.join(draw(st.lists(values, min_size=1, max_size=3)))})"
    return f"{field} {op} {draw(values)}"


filters = st.recursive(
    comparisons(),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["and", "OR"]), inner).map(" ".join),
        inner.map(lambda f: f"not ({f})"),
    ),
    max_leaves=4,
)


STRAYS = [*'"()=<!,.', "\n", "é", " and"]


@st.composite
def mangled(draw: st.DrawFn) -> str:
    """A filter as written, or cut short, or with a stray character in it."""
    text = draw(filters)
    how = draw(st.sampled_from(["as is", "as is", "cut", "insert"]))
    at = draw(st.integers(0, len(text)))
    if how == "cut":
        return text[:at]
    if how == "insert":
        return text[:at] + draw(st.sampled_from(STRAYS)) + text[at:]
    return text


PEOPLE = [
    Account("p1", first_name="Ann", last_name="Lee", email="ann@example.org", city="Boston",
            state="MA", zip="02134"),
    Account("p2", first_name="ann", email="ANN2@example.org", city="%_\\", state="ma"),
    Account("p3", first_name="İlke", last_name="Straße", email="ilke@example.org", zip="x"),
    Account("p4", first_name="Zoë", email="zoe@example.org", email_opt_out=True),
    Account("p5", first_name="O'Brien", email="ob@example.org", deceased=True,
            custom={"Gift": Decimal("10"), "Since": date(2024, 2, 29)}),
    Account("p6", email="none@example.org", custom={"Gift": Decimal("-3.5")}),
]  # fmt: skip


@pytest.fixture
def people(scene: Scene) -> Scene:  # noqa: F811
    for name, kind in (("Gift", "number"), ("Since", "date")):
        assert scene.cli("crm", "fields", "add", name, "--type", kind).exit_code == 0
    scene.add_accounts(PEOPLE)
    assert scene.cli("lists", "create", REFUSALS).exit_code == 0
    return scene


@given(text=mangled())
@example(text='city contains "%_\\\\"')
@example(text="custom.Since < 2024-02-30")
@fuzz(1)
def test_any_filter_adds_exactly_what_it_selects_or_is_refused(people: Scene, text: str) -> None:
    try:
        segment = compile_filter(text, people.crm.custom_fields())
    except UserError as error:
        refused = str(error)
        segment = None
    # A taken filter gets a list of its own: what the list then holds is what it added.
    name = REFUSALS if segment is None else f"Fuzzed {next(_lists)}"
    if segment is not None:
        assert people.cli("lists", "create", name).exit_code == 0
    done = people.cli("lists", "add", name, "--where", text, "--json")
    outcome = outcome_of(done)
    tally("lists add --where", outcome)
    after = set(people.crm.list_members(name))
    if segment is None:
        assert outcome == "refused", (text, done.output)
        assert refused.split("\n")[0] in done.stderr, (done.stderr, refused)
        assert after == set()
        return
    assert outcome == "accepted", (text, done.output)
    selected = {a.id for a in people.accounts() if segment.selects(a)}
    assert after == selected, (text, sorted(after), sorted(selected))
