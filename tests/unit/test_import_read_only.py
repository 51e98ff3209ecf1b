"""An import planned for a read-only CRM: whom it would create becomes a skip saying so."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from listbridge.core.accounts import Account
from listbridge.core.cc_records import CcContact
from listbridge.core.import_plan import Create, Plan, Reason, Skip, without_creates


def _contact(n: int) -> CcContact:
    return CcContact(contact_id=f"c{n}", email=f"p{n}@example.org")


@given(st.integers(0, 5), st.integers(0, 5))
def test_every_create_becomes_a_skip_and_nothing_else_moves(creates: int, skips: int) -> None:
    plan = Plan(
        creates=[Create(_contact(n), Account(f"a{n}"), Reason.NO_MATCH) for n in range(creates)],
        skips=[Skip(_contact(100 + n), Reason.ROLE_ADDRESS) for n in range(skips)],
    )
    read_only = without_creates(plan)
    assert read_only.creates == []
    assert read_only.attempted == plan.attempted
    assert read_only.skips[:skips] == plan.skips
    made = read_only.skips[skips:]
    assert [s.contact for s in made] == [c.contact for c in plan.creates]
    assert all(s.reason is Reason.CRM_READ_ONLY for s in made)
    assert all(s.detail.startswith("would have created an account: ") for s in made)
