"""What each side of a linked list holds now, as sets of CRM account ids.

The CC side comes from the links (kept current by `list_refresh`), never from paging the
list: a sync's cost follows the changes. The CRM side is the paired CRM list, or for a
bound list its rule: a saved filter (`lists bind NAME --where …`), another CRM list, or a
checkbox (boolean custom field), each on top of the defaults every list applies
(individuals, not deceased, not do-not-contact, not opted out).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from listbridge.core.accounts import Account, FieldType
from listbridge.core.errors import UserError
from listbridge.core.filter_compose import quoted
from listbridge.core.filters import Segment, compile_filter
from listbridge.crm.protocol import CrmWithLists
from listbridge.crm.segments import segment_ids
from listbridge.store.link_lists import LinkMembership
from listbridge.store.list_sync_state import ListPair
from listbridge.sync.lists.refresh import Refreshed

WHERE, CRM_LIST = "where", "crm_list"
CUSTOM = "custom."


@dataclass
class Audience:
    """The CRM and the links, read once per job and shared by its lists."""

    crm: CrmWithLists
    links: dict[str, LinkMembership]
    refreshed: Refreshed = field(default_factory=Refreshed)

    @cached_property
    def accounts(self) -> dict[str, Account]:
        return {a.id: a for a in self.crm.changed_since(None)}

    @cached_property
    def opted_out(self) -> frozenset[str]:
        """Never added to a CC list: unsubscribed in CC (as last seen or just now), or
        opted out in the CRM."""
        out = {a for a, m in self.links.items() if m.unsubscribed}
        out |= self.refreshed.unsubscribed
        out |= self.crm.opted_out_ids()  # a query: unbound lists need no account read
        return frozenset(out)

    def cc_members(self, cc_list_id: str) -> frozenset[str]:
        gone = self.refreshed.deleted | self.refreshed.unsubscribed
        moved = self.refreshed.moved
        return frozenset(
            a
            for a, m in self.links.items()
            if cc_list_id in moved.get(a, m.list_ids) and not m.unsubscribed and a not in gone
        )

    def chosen(self, segment: Segment | None) -> frozenset[str]:
        """The live accounts `segment` selects (None: that meet the defaults), in the CRM's
        own database where it can (crm/segments.py), else over `accounts`."""
        return frozenset(
            segment_ids(self.crm, segment, defaults=True, accounts=lambda: self.accounts.values())
        )

    def crm_members(self, pair: ListPair) -> frozenset[str]:
        if pair.rule_kind == WHERE:
            return self.chosen(compile_filter(pair.rule, self.crm.custom_fields()))
        if pair.rule_kind == CRM_LIST:
            return self._bound_crm_list(pair.rule)
        if pair.crm_name is None:
            return frozenset()
        return frozenset(self.crm.list_members(pair.crm_name))

    def paired_members(self, pair: ListPair) -> frozenset[str]:
        if pair.crm_name is None:
            return frozenset()
        return frozenset(self.crm.list_members(pair.crm_name))

    def _bound_crm_list(self, name: str) -> frozenset[str]:
        checkbox = checkbox_field(self.crm, name)
        if checkbox is not None:
            ticked = f"custom.{quoted(checkbox)} = true"
            return self.chosen(compile_filter(ticked, self.crm.custom_fields()))
        return self.chosen(None) & frozenset(self.crm.list_members(name))


def checkbox_field(crm: CrmWithLists, name: str) -> str | None:
    """The boolean custom field `name` (or `custom.name`) names, if it is one."""
    wanted = name.removeprefix(CUSTOM)
    for definition in crm.custom_fields():
        if definition.name == wanted and definition.type is FieldType.BOOLEAN:
            return definition.name
    if name.startswith(CUSTOM):
        raise UserError(f"--crm-list {name!r}: no checkbox (boolean) custom field {wanted!r}")
    return None


def check_crm_source(crm: CrmWithLists, name: str) -> str:
    """How `lists bind --crm-list X` will read X: a CRM list or a checkbox, else exit 2."""
    if checkbox_field(crm, name) is not None:
        return "checkbox"
    if name in crm.lists():
        return "CRM list"
    known = ", ".join(crm.lists()) or "none yet"
    raise UserError(
        f"--crm-list {name!r}: no CRM list or checkbox custom field of that name "
        f"(CRM lists: {known})"
    )
