"""The dry run's diff, pure: every change is a real one (old ≠ new), applying the changes
to what CC holds gives what the push sends, a new contact has no old value, and lists
move by the plan's joins and removals."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from listbridge.core.mapping import MappedContact
from listbridge.core.push_diff import CONTACT, LISTS, FieldChange, Held, diff_plan
from listbridge.core.push_plan import (
    Create,
    DeleteContact,
    Plan,
    Subscribe,
    Unsubscribe,
    Update,
)

KEYS = ("email", "first_name", "last_name", "company_name", "job_title", "city")
NAMES = {"L1": "News", "L2": "Members", "M": "Everyone"}
values = st.sampled_from(["", "Ann", "Bob", "Acme", "Boston"])
rows = st.dictionaries(st.sampled_from(KEYS), values).map(
    lambda r: {k: v for k, v in r.items() if v}
)
list_sets = st.frozensets(st.sampled_from(sorted(NAMES)))


def by_field(changes: list[FieldChange]) -> dict[str, FieldChange]:
    return {c.field: c for c in changes}


@given(rows, rows, list_sets, list_sets, st.booleans())
def test_applying_an_updates_diff_to_cc_gives_what_is_sent(
    held_row: dict[str, str],
    sent: dict[str, str],
    held_lists: frozenset[str],
    joins: frozenset[str],
    by_put: bool,
) -> None:
    update = Update("A1", "c1", MappedContact(sent), tuple(sorted(joins)))
    held = {"c1": Held(held_row, held_lists)}
    changes = diff_plan(Plan(updates=[update]), held, NAMES, {"A1"} if by_put else ())
    assert all(c.old != c.new and c.account_id == "A1" for c in changes)
    after = dict(held_row)
    for change in changes:
        if change.field == LISTS:
            continue
        assert isinstance(change.new, str | None)
        after.pop(change.field, None)
        if change.new is not None:
            after[change.field] = change.new
    for key, value in sent.items():
        assert after.get(key) == value
    if by_put:  # a PUT blanks the names, title and company it does not send
        assert all(k in sent for k in ("first_name", "last_name", "company_name") if k in after)
    else:  # an import leaves what it does not send
        assert all(after[k] == v for k, v in held_row.items() if k not in sent)
    lists = by_field(changes).get(LISTS)
    if joins <= held_lists:
        assert lists is None
    else:
        assert lists is not None
        assert lists.old == tuple(sorted(NAMES[i] for i in held_lists))
        assert lists.new == tuple(sorted(NAMES[i] for i in held_lists | joins))


@given(rows)
def test_a_new_contact_has_no_old_value(row: dict[str, str]) -> None:
    create = Create("A2", MappedContact({"email": "n@example.org", **row}), ("L1", "M"))
    changes = diff_plan(Plan(creates=[create]), {}, NAMES)
    assert all(c.old is None for c in changes)
    assert by_field(changes)[LISTS].new == ("Everyone", "News")
    assert {c.field for c in changes} == {"email", *row, LISTS}


def test_memberships_removals_and_deletions() -> None:
    plan = Plan(
        subscribes=[Subscribe("A1", "c1", ("M",))],
        unsubscribes=[Unsubscribe("A2", "c2", ("L1",))],
        deletes=[DeleteContact("A3", "c3")],
    )
    held = {"c1": Held({}, frozenset({"L1"})), "c2": Held({}, frozenset({"L1", "L2"}))}
    assert diff_plan(plan, held, NAMES) == [
        FieldChange("A1", LISTS, ("News",), ("Everyone", "News")),
        FieldChange("A2", LISTS, ("Members", "News"), ("Members",)),
        FieldChange("A3", CONTACT, "c3", None),
    ]


def test_a_put_keeps_a_company_left_out() -> None:
    update = Update("A1", "c1", MappedContact({"email": "a@b.org", "first_name": "Ann"}), ())
    held = {"c1": Held({"email": "a@b.org", "first_name": "Ann", "company_name": "Acme"})}
    plan = Plan(updates=[update])
    assert diff_plan(plan, held, NAMES, {"A1"}) == [FieldChange("A1", "company_name", "Acme", None)]
    assert diff_plan(plan, held, NAMES, {"A1"}, kept={"company_name"}) == []
