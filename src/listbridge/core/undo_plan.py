"""What `runs undo` reverts of a run, from the run's journal: pure, property-tested.

The run's journal entries (both sides) → per record and field, the value before the run
(the first entry's `old`) and after it (the last entry's `new`) → an action or a reason
it is not reverted. Consent is never undone: an opt-out set or cleared, a CC permission
changed, stays as it is, and a CC list membership is never put back for a contact who is
unsubscribed now (CC forbids re-opting-in a contact without their consent). A change a
later run (or a hand edit) made to the same record and field is a conflict: the job
refuses unless forced.

Journal conventions read here (crm/protocol.py): field `*` is a record created as a whole;
`list:<name>` on an account is a membership (old/new "member" or None); on the record
`list:<name>` it is a list's own create/rename/delete. On the CC side the record is the
contact id and a membership's field is `list:<list id>`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from listbridge.core.journal import Side

T = TypeVar("T")

#: the run kinds undo reverts; the others are refused with their reason
UNDOABLE = frozenset({"push", "import", "lists"})
REFUSED_KINDS: Mapping[str, str] = {
    "undo": "an undo is not undone: run the job again instead",
    "unsubscribes": "consent is never undone: an unsubscribe stays until the contact resubscribes",
    "full": "a full sync carries consent with everything else; undo a push, import or lists run",
}

CREATED = "*"
LIST_PREFIX = "list:"
LINK_FIELD = "cc_contact_id"
#: consent fields: never written back by an undo, in either direction
CRM_CONSENT = frozenset({"email_opt_out", "do_not_contact"})
CC_CONSENT = frozenset({"permission_to_send"})
#: the CC contact's own top-level properties an undo can PUT back
CC_FIELDS = frozenset({"first_name", "last_name", "job_title", "company_name"})


class Why(StrEnum):
    """Why a change of the run is not reverted, in words for the error rows."""

    CONSENT = "consent is never undone"
    RESUBSCRIBE = (
        "unsubscribed in Constant Contact: putting it back on the list would re-subscribe it "
        "without its consent"
    )
    LIST_ITSELF = "a list's own create, rename or delete is not undone (use `lists` commands)"
    DELETION = "a deletion is not undone here (the builtin CRM's `crm load` restores an account)"
    NOT_A_RECORD = "not an account: nothing undo can write"
    CC_FIELD = "not a Constant Contact field undo can write back"
    LINK_CHANGED = "the link was changed, not made, by the run: relink by hand"


def refusal(kind: str) -> str | None:
    """Why a run of `kind` cannot be undone (None: it can)."""
    if kind in UNDOABLE:
        return None
    return REFUSED_KINDS.get(kind, f"runs of kind {kind!r} cannot be undone")


@dataclass(frozen=True)
class Entry:
    """One journal entry of the run, oldest first."""

    side: Side
    record_id: str
    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class Later:
    """A journal entry after the run on a record the run touched."""

    side: Side
    record_id: str
    field: str
    run_id: int | None


@dataclass(frozen=True)
class Restore:
    """Put `field` of `record_id` back to `value`."""

    side: Side
    record_id: str
    field: str
    value: str | None


@dataclass(frozen=True)
class Membership:
    """`record_id` taken off (`add` False) or put back on (`add` True) the list `list_key`:
    a CRM list's name, a CC list's id."""

    side: Side
    record_id: str
    list_key: str
    add: bool


@dataclass(frozen=True)
class NotReverted:
    side: Side
    record_id: str
    field: str
    reason: str


@dataclass(frozen=True)
class Conflict:
    """A record the run changed that later changes touched, and by which runs (None: a
    change outside any run)."""

    side: Side
    record_id: str
    fields: tuple[str, ...]
    runs: tuple[int | None, ...]


@dataclass(frozen=True)
class UndoPlan:
    crm_fields: tuple[Restore, ...] = ()
    #: accounts the run created: removed (where the CRM can delete)
    crm_removals: tuple[str, ...] = ()
    #: accounts the run linked to a CC contact, or created: unlinked
    crm_unlinks: tuple[str, ...] = ()
    crm_memberships: tuple[Membership, ...] = ()
    cc_fields: tuple[Restore, ...] = ()
    cc_memberships: tuple[Membership, ...] = ()
    not_reverted: tuple[NotReverted, ...] = ()
    conflicts: tuple[Conflict, ...] = ()

    @property
    def empty(self) -> bool:
        acts = (self.crm_fields, self.crm_removals, self.crm_unlinks, self.crm_memberships,
                self.cc_fields, self.cc_memberships)  # fmt: skip
        return not any(acts)


@dataclass(frozen=True)
class _Net:
    """A record's field across the run: before the first entry, after the last."""

    side: Side
    record_id: str
    field: str
    before: str | None
    after: str | None


def net_changes(entries: Iterable[Entry]) -> list[_Net]:
    """One per (side, record, field), in first-seen order."""
    nets: dict[tuple[Side, str, str], _Net] = {}
    for e in entries:
        key = (e.side, e.record_id, e.field)
        first = nets.get(key)
        before = e.old if first is None else first.before
        nets[key] = _Net(e.side, e.record_id, e.field, before, e.new)
    return list(nets.values())


def restores_needing_consent(entries: Iterable[Entry]) -> set[str]:
    """The CC contacts whose list membership the undo would put back: their consent is read
    before planning."""
    return {
        n.record_id
        for n in net_changes(entries)
        if n.side is Side.CC and n.field.startswith(LIST_PREFIX) and _membership(n) is True
    }


def plan_undo(
    entries: Sequence[Entry], later: Iterable[Later], unsubscribed: Collection[str]
) -> UndoPlan:
    """What undoing the run does; `unsubscribed`: CC contacts unsubscribed now."""
    nets = [n for n in net_changes(entries) if n.before != n.after]
    created = {n.record_id for n in nets if n.side is Side.CRM and n.field == CREATED}
    plan = _Builder(created, frozenset(unsubscribed))
    for net in nets:
        plan.add(net)
    return plan.build(later)


@dataclass
class _Builder:
    created: set[str]
    unsubscribed: frozenset[str]
    crm_fields: list[Restore] = field(default_factory=list)
    crm_unlinks: list[str] = field(default_factory=list)
    crm_memberships: list[Membership] = field(default_factory=list)
    cc_fields: list[Restore] = field(default_factory=list)
    cc_memberships: list[Membership] = field(default_factory=list)
    not_reverted: list[NotReverted] = field(default_factory=list)
    #: (side, record, field) keys the undo writes; a later change to one is a conflict
    touched: set[tuple[Side, str, str]] = field(default_factory=set)

    def add(self, net: _Net) -> None:
        if net.side is Side.CRM:
            self._crm(net)
        else:
            self._cc(net)

    def _crm(self, net: _Net) -> None:
        if net.record_id.startswith(LIST_PREFIX):
            return self._skip(net, Why.LIST_ITSELF)
        if ":" in net.record_id:  # Vtiger's organisations: `organization:<name>`
            return self._skip(net, Why.NOT_A_RECORD)
        if net.field == CREATED:
            return self._act(net)
        if net.field.startswith(LIST_PREFIX):
            add = _membership(net)
            member = Membership(Side.CRM, net.record_id, net.field[len(LIST_PREFIX) :], add)
            return self._act(net, self.crm_memberships, member)
        if net.field == LINK_FIELD:
            if net.before:
                return self._skip(net, Why.LINK_CHANGED)
            return self._act(net, self.crm_unlinks, net.record_id)
        if net.field in CRM_CONSENT:
            return self._skip(net, Why.CONSENT)
        if net.record_id in self.created:
            return None  # the account goes: its fields need no restoring
        if net.field == "deleted":
            return self._skip(net, Why.DELETION)
        restore = Restore(Side.CRM, net.record_id, net.field, net.before)
        return self._act(net, self.crm_fields, restore)

    def _cc(self, net: _Net) -> None:
        if net.field == CREATED:
            return None  # contacts are kept (removal from the run's lists is their entries)
        if net.field in CC_CONSENT:
            return self._skip(net, Why.CONSENT)
        if net.field.startswith(LIST_PREFIX):
            add = _membership(net)
            if add and net.record_id in self.unsubscribed:
                return self._skip(net, Why.RESUBSCRIBE)
            member = Membership(Side.CC, net.record_id, net.field[len(LIST_PREFIX) :], add)
            return self._act(net, self.cc_memberships, member)
        if net.field not in CC_FIELDS:
            return self._skip(net, Why.CC_FIELD)
        restore = Restore(Side.CC, net.record_id, net.field, net.before)
        return self._act(net, self.cc_fields, restore)

    def _act(self, net: _Net, into: list[T] | None = None, item: T | None = None) -> None:
        """`item` is done by the undo; a later change to its record and field conflicts."""
        if into is not None and item is not None:
            into.append(item)
        self.touched.add((net.side, net.record_id, net.field))

    def _skip(self, net: _Net, why: Why) -> None:
        self.not_reverted.append(NotReverted(net.side, net.record_id, net.field, why.value))

    def build(self, later: Iterable[Later]) -> UndoPlan:
        return UndoPlan(
            tuple(self.crm_fields),
            tuple(sorted(self.created)),
            # an account the run created goes with the link it was made with
            tuple(dict.fromkeys([*self.crm_unlinks, *sorted(self.created)])),
            tuple(self.crm_memberships),
            tuple(self.cc_fields),
            tuple(self.cc_memberships),
            tuple(self.not_reverted),
            self._conflicts(later),
        )

    def _conflicts(self, later: Iterable[Later]) -> tuple[Conflict, ...]:
        found: dict[tuple[Side, str], tuple[list[str], list[int | None]]] = {}
        for change in later:
            record = (change.side, change.record_id)
            whole = change.side is Side.CRM and change.record_id in self.created
            if not whole and (change.side, change.record_id, change.field) not in self.touched:
                continue
            fields, runs = found.setdefault(record, ([], []))
            if change.field not in fields:
                fields.append(change.field)
            if change.run_id not in runs:
                runs.append(change.run_id)
        return tuple(
            Conflict(side, record_id, tuple(fields), tuple(runs))
            for (side, record_id), (fields, runs) in found.items()
        )


def _membership(net: _Net) -> bool:
    """True when undoing puts the record back on the list (the run took it off)."""
    return net.after is None and net.before is not None
