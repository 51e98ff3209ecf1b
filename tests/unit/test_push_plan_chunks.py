"""A push planned a chunk at a time (`plan_push(..., known=…)`, issue 19) decides every
account as one plan of them all does, when what spans the chunks (shared addresses, the
owners of contacts, opt-outs) is decided over every account first."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from listbridge.core.accounts import Account
from listbridge.core.eligibility import why_not_pushed
from listbridge.core.push_plan import CcState, Known, Plan, PushPolicy, plan_gone, plan_push
from listbridge.core.setting_values import OnCrmDelete
from listbridge.core.shared_emails import shared_addresses

LISTS = ("L1",)
POLICY = PushPolicy(LISTS, on_crm_delete=OnCrmDelete.REMOVE_FROM_LISTS)
ADDRESSES = ["ann@a.org", "ANN@a.org ", "bob@b.com", "info@a.org", "zoë@ü.example", "cy@a.org"]

people = st.lists(
    st.builds(
        lambda i, e, o, f: Account(
            f"A{i:02d}", first_name=f, last_name="Ørsted", email=e, email_opt_out=o
        ),
        st.integers(0, 20),
        st.sampled_from(ADDRESSES),
        st.booleans(),
        st.sampled_from(["Ann", "Bob", "Émile"]),
    ),
    unique_by=lambda a: a.id,
    max_size=16,
)
contacts = st.builds(
    CcState,
    st.sampled_from(["c1", "c2", "c3"]),
    st.booleans(),
    st.frozensets(st.sampled_from(LISTS)),
)
linked = st.dictionaries(st.sampled_from([f"A{i:02d}" for i in range(24)]), contacts)
found = st.dictionaries(st.sampled_from(["ann@a.org", "bob@b.com", "cy@a.org"]), contacts)


def _decisions(plan: Plan) -> dict[str, list[str]]:
    return {
        "creates": sorted(c.account_id for c in plan.creates),
        "links": sorted(f"{x.account_id}>{x.contact_id}" for x in plan.links),
        "updates": sorted(u.account_id for u in plan.updates),
        "subscribes": sorted(s.account_id for s in plan.subscribes),
        "gone": sorted(u.account_id for u in plan.unsubscribes),
        "skips": sorted(f"{s.account_id}:{s.reason.name}:{s.detail}" for s in plan.not_pushed),
        "failed": sorted(f"{s.account_id}:{s.list_id}" for s in plan.failed_subscriptions),
    }


def _chunked(
    accounts: Sequence[Account],
    links: dict[str, CcState],
    existing: dict[str, CcState],
    size: int,
) -> Plan:
    """As `sync/push/stream.py` plans: the cross-chunk facts first, then chunk by chunk."""
    ids = {a.id for a in accounts}
    sharing = shared_addresses(
        accounts,
        lambda a: why_not_pushed(a, POLICY.role_local_parts) is None,
        {a: s.contact_id for a, s in links.items()},
        {k: (s.contact_id, s.first_name, s.last_name) for k, s in existing.items()},
    )
    owners = {s.contact_id: a for a, s in links.items()}
    out = {s.contact_id for s in (*links.values(), *existing.values()) if s.unsubscribed}
    known = Known(sharing, owners, out | {"c-none"})
    total = Plan()
    chunk_policy = PushPolicy(LISTS, on_crm_delete=POLICY.on_crm_delete, whole_crm=False)
    for start in range(0, len(accounts), size):
        chunk = accounts[start : start + size]
        mine = {a.id: links[a.id] for a in chunk if a.id in links}
        part = plan_push(chunk, mine, existing, chunk_policy, known=known)
        _add(total, part)
    _add(total, plan_gone({a: s for a, s in links.items() if a not in ids}, POLICY.on_crm_delete))
    return total


def _add(total: Plan, part: Plan) -> None:
    total.creates += part.creates
    total.links += part.links
    total.updates += part.updates
    total.subscribes += part.subscribes
    total.unsubscribes += part.unsubscribes
    total.not_pushed += part.not_pushed
    total.failed_subscriptions += part.failed_subscriptions


@settings(max_examples=150, deadline=None)
@given(people, linked, found, st.integers(1, 5))
def test_chunk_by_chunk_decides_as_one_plan(
    accounts: list[Account],
    links: dict[str, CcState],
    existing: dict[str, CcState],
    size: int,
) -> None:
    # the streamed push makes `existing` safe once: a contact seen unsubscribed anywhere is
    out = {s.contact_id for s in (*links.values(), *existing.values()) if s.unsubscribed}
    existing = {k: CcState(s.contact_id, s.unsubscribed or s.contact_id in out, s.list_ids)
                for k, s in existing.items()}  # fmt: skip
    whole = plan_push(accounts, links, existing, POLICY)
    assert _decisions(_chunked(accounts, links, existing, size)) == _decisions(whole)
