"""`lists members NAME`: the list's members on both sides, read now, with their link state.

A read: no lock and no run. CC's side is the list's contacts as CC has them now (one
paged read of the list, one of CC's unsubscribed contacts), the CRM's the paired CRM
list's accounts (CrmWithLists), and which account is which contact the links in the
store; core/list_roster.py decides each person's state.
"""

from __future__ import annotations

from listbridge.constant_contact.contacts import ContactPart
from listbridge.core.accounts import Account
from listbridge.core.list_roster import LinkedContact, ListedContact, RosterRow, roster
from listbridge.store.cc_lists import refresh_lists
from listbridge.store.link_lists import link_memberships
from listbridge.sync.job import JobContext, JobStart, job_context
from listbridge.sync.lists.admin import named_pair


def list_roster(start: JobStart, name: str) -> list[RosterRow]:
    """Every person on the list `name` on either side; an unknown list is a UserError."""
    store, connection_id = start.store, start.connection_id
    with job_context(start) as ctx:
        # CC's lists first: a list made or renamed in CC since the last job is found
        lists = [lst.to_core() for lst in ctx.client.iter_lists()]
        with store.session() as session:
            refresh_lists(session, connection_id, lists, ctx.clock())
        pair = named_pair(ctx, name)
        crm, cc = _crm_side(ctx, pair.crm_name), _cc_side(ctx, pair.cc_list_id)
        return roster(crm, cc, _links(ctx), _unsubscribed(ctx))


def _crm_side(ctx: JobContext, crm_name: str | None) -> list[Account]:
    if crm_name is None:  # not paired with a CRM list: nobody is on the CRM's side
        return []
    ids = list(ctx.crm.list_members(crm_name))
    return list(ctx.crm.get_many(ids).values())


def _cc_side(ctx: JobContext, cc_list_id: str) -> list[ListedContact]:
    found = ctx.client.iter_contacts(lists=cc_list_id, include=(ContactPart.LIST_MEMBERSHIPS,))
    contacts = [c.to_core() for c in found]
    return [
        ListedContact(
            c.contact_id,
            c.email,
            " ".join(p for p in (c.first_name, c.last_name) if p),
            c.unsubscribed,
        )
        for c in contacts
        if cc_list_id in c.list_ids  # CC's filter, checked: a stale page holds no one else
    ]


def _links(ctx: JobContext) -> dict[str, LinkedContact]:
    with ctx.store.session() as session:
        links = link_memberships(session, ctx.connection_id)
    return {a: LinkedContact(m.contact_id, m.unsubscribed) for a, m in links.items()}


def _unsubscribed(ctx: JobContext) -> frozenset[str]:
    """Contacts unsubscribed in CC now, also since the last job (ids only: one paged read)."""
    return frozenset(
        c.contact_id for c in ctx.client.iter_contacts(status="unsubscribed", include=())
    )
