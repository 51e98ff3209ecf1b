"""Planning a list sync: a three-way merge of one linked list's membership, pure.

A linked list pairs a Constant Contact (CC) list with a CRM list. Both sides are sets of
CRM account ids (CC members are mapped through links; unlinked contacts are not ours).
`plan_list_sync(sides, direction)` compares what each side holds now with what it held
after the last sync (the bases), and says what to write:

- changes since the base: `crm_added = crm - base_crm`, `crm_removed = base_crm - crm`,
  likewise for CC. A `None` base (never synced) is an empty base with nothing removed.
- `CRM_TO_CC`: the CC list becomes `crm - unsubscribed - deleted_in_cc`; the CRM side is
  not written.
- `CC_TO_CRM`: the CRM list becomes `cc - unsubscribed - deleted_in_cc`; the CC side is
  not written.
- `BOTH`: start from the CC side and apply the CRM side's changes:
  `(cc | (crm_added - cc_removed)) - crm_removed - unsubscribed - deleted_in_cc`, written
  to both lists. On a first sync this is `(crm | cc) - unsubscribed - deleted_in_cc`.
- Conflicts (`BOTH` only; a one-way sync mirrors its source): a membership the two sides
  changed in opposite ways since the last sync (`crm_added & cc_removed`,
  `cc_added & crm_removed`): the removal wins, and each one is listed in the plan.
- Consent beats everything: an unsubscribed (or CRM opted-out) account is never added to a
  list, whatever the direction (a failed subscription, in `refused`), and an account whose
  contact was deleted in CC leaves both lists (the account stays in the CRM).

A bound list's CRM side is a rule (saved filter, another CRM list, a checkbox): `crm` is the
rule's selection, and CRM-side writes go to the paired CRM list, whose members the planner
does not see: `add_to_crm`/`remove_from_crm` are then empty and the caller asks
`plan.crm_writes(paired_list_members)`. Applying a plan and planning again with its new
bases gives an empty plan with no conflicts, in every direction, bound or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from listbridge.core.setting_values import Direction as Direction  # the planner's, too

EMPTY: frozenset[str] = frozenset()


class Why(StrEnum):
    """Why an account was not added; the value is the message a person reads."""

    UNSUBSCRIBED = (
        "unsubscribed in Constant Contact or opted out in the CRM: "
        "never added to a list (failed subscription)"
    )
    DELETED_IN_CC = (
        "its contact was deleted in Constant Contact: it leaves both lists "
        "(the account stays in the CRM)"
    )
    REMOVAL_WINS = "changed on both sides since the last sync: the removal wins"


@dataclass(frozen=True)
class MembershipSides:
    #: what the CRM side wants now: the paired CRM list's members, or a bound rule's selection
    crm: frozenset[str]
    #: linked accounts whose contact is on the CC list now
    cc: frozenset[str]
    #: the CRM side as it was after the last sync (None: never synced)
    base_crm: frozenset[str] | None
    #: the CC side as it was after the last sync (None: never synced)
    base_cc: frozenset[str] | None
    #: CC contact unsubscribed or CRM account opted out: never added to a list
    unsubscribed: frozenset[str] = EMPTY
    #: CC contact deleted in CC: cannot be on the CC list, leaves the CRM list
    deleted_in_cc: frozenset[str] = EMPTY
    #: the CRM side is a rule; CRM-side writes go to the paired CRM list
    bound: bool = False


@dataclass(frozen=True)
class Conflict:
    """A membership changed in opposite ways on the two sides since the last sync.

    `outcome` is what happens on the CC list: "removed" (CC added, CRM removed) or
    "not added" (CRM added, CC removed; it also leaves the CRM list)."""

    account_id: str
    crm: str
    cc: str
    outcome: str
    why: Why = Why.REMOVAL_WINS


@dataclass(frozen=True)
class ListPlan:
    direction: Direction
    add_to_cc: frozenset[str]
    remove_from_cc: frozenset[str]
    #: empty for a bound list: see `crm_writes`
    add_to_crm: frozenset[str]
    remove_from_crm: frozenset[str]
    #: accounts the direction would have added but consent or deletion keeps out, sorted
    refused: tuple[tuple[str, Why], ...]
    conflicts: tuple[Conflict, ...]
    #: the base to store for the next sync, per side
    new_base_crm: frozenset[str]
    new_base_cc: frozenset[str]
    #: what the CRM list should hold after the sync (None: the direction leaves it alone)
    crm_target: frozenset[str] | None
    #: the CC list's members now (the guard's denominator)
    cc_now: frozenset[str] = EMPTY
    #: the CRM side now (`sides.crm`)
    crm_now: frozenset[str] = EMPTY
    #: unsubscribed or deleted in CC: their removals are not counted by the guard
    blocked: frozenset[str] = EMPTY

    @property
    def changes(self) -> int:
        """The total number of membership writes the plan makes."""
        return (
            len(self.add_to_cc)
            + len(self.remove_from_cc)
            + len(self.add_to_crm)
            + len(self.remove_from_crm)
        )

    @property
    def is_empty(self) -> bool:
        return self.changes == 0

    def crm_writes(self, current_crm_list: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
        """(to add, to remove) that make `current_crm_list` hold the plan's CRM target."""
        if self.crm_target is None:
            return EMPTY, EMPTY
        return self.crm_target - current_crm_list, current_crm_list - self.crm_target


def plan_list_sync(sides: MembershipSides, direction: Direction) -> ListPlan:
    """The writes of one linked list's sync. Set operations only: the big sets (the lists)
    are walked a handful of times, everything else is over the changes."""
    crm, cc = sides.crm, sides.cc
    blocked = sides.unsubscribed | sides.deleted_in_cc
    conflicts: tuple[Conflict, ...] = ()
    crm_diff: tuple[frozenset[str], frozenset[str]] | None = None
    if direction is Direction.BOTH:
        crm_added, crm_removed = _changes(crm, sides.base_crm)
        cc_added, cc_removed = _changes(cc, sides.base_cc)
        joins = crm_added - cc_removed
        leaves = crm_removed | blocked
        add_cc, remove_cc = joins - cc - leaves, cc & leaves
        result = (cc - remove_cc) | add_cc if add_cc or remove_cc else cc
        wanted_blocked = ((blocked & cc) | (blocked & joins)) - crm_removed
        conflicts = _conflicts(crm_added & cc_removed, cc_added & crm_removed)
        if not sides.bound and sides.base_crm is not None and sides.base_crm == sides.base_cc:
            # One base (the usual case after a sync): the sides' differences come from the
            # changes, sparing two walks of the lists.
            cc_only = (cc_added - crm_added) | (crm_removed - cc_removed)
            crm_only = (crm_added - cc_added) | (cc_removed - crm_removed)
            crm_diff = (cc_only - leaves, (crm_only - add_cc) | (crm & remove_cc))
    else:
        source = crm if direction is Direction.CRM_TO_CC else cc
        result, wanted_blocked = source - blocked, blocked & source
        add_cc = result - cc if direction.writes_cc else EMPTY
        remove_cc = cc - result if direction.writes_cc else EMPTY
    refused = tuple(
        (a, Why.DELETED_IN_CC if a in sides.deleted_in_cc else Why.UNSUBSCRIBED)
        for a in sorted(wanted_blocked)
        if (direction.writes_cc and a not in cc) or (direction.writes_crm and a not in crm)
    )
    unbound_crm = direction.writes_crm and not sides.bound
    if crm_diff is None:
        crm_diff = (result - crm, crm - result) if unbound_crm else (EMPTY, EMPTY)
    return ListPlan(
        direction=direction,
        add_to_cc=add_cc,
        remove_from_cc=remove_cc,
        add_to_crm=crm_diff[0],
        remove_from_crm=crm_diff[1],
        refused=refused,
        conflicts=conflicts,
        new_base_crm=result if unbound_crm else crm,
        new_base_cc=result if direction.writes_cc else cc,
        crm_target=result if direction.writes_crm else None,
        cc_now=cc,
        crm_now=crm,
        blocked=blocked,
    )


def _changes(
    side: frozenset[str], base: frozenset[str] | None
) -> tuple[frozenset[str], frozenset[str]]:
    """(added, removed) since the base; never synced: all added, nothing removed."""
    if base is None:
        return side, EMPTY
    return side - base, base - side


def ordered(accounts: frozenset[str]) -> tuple[str, ...]:
    """A plan's set in a deterministic order, for reports."""
    return tuple(sorted(accounts))


def _conflicts(
    crm_added_cc_removed: frozenset[str], cc_added_crm_removed: frozenset[str]
) -> tuple[Conflict, ...]:
    found = [Conflict(a, "added", "removed", "not added") for a in crm_added_cc_removed]
    found += [Conflict(a, "removed", "added", "removed") for a in cc_added_crm_removed]
    return tuple(sorted(found, key=lambda c: c.account_id))


@dataclass(frozen=True)
class Guard:
    percent: float = 10.0  # sync.guard_percent
    count: int = 100  # sync.guard_count


_CONFIRM = "run again with --confirm to proceed"


def guard_verdict(
    plan: ListPlan, list_name: str, guard: Guard, crm_list: frozenset[str] | None = None
) -> str | None:
    """None when the plan may proceed, else a sentence saying what it would do.

    Counts removals made for a reason other than consent or deletion, against the list's
    current size: the CC list's (`plan.cc_now`) and the CRM list's (`crm_list`, default
    `plan.crm_now`; pass the paired list's members for a bound list). A side trips when it
    has at least one such removal and they are over `guard.percent` of its members
    (exactly the limit proceeds; an empty list never trips)."""
    if crm_list is None:
        crm_list, crm_removed = plan.crm_now, plan.remove_from_crm
    else:
        crm_removed = plan.crm_writes(crm_list)[1]
    sides = (
        (plan.remove_from_cc - plan.blocked, plan.cc_now, "Constant Contact"),
        (crm_removed - plan.blocked, crm_list, "the CRM"),
    )
    parts = [
        f"{len(gone):,} of {len(members):,} members ({_percent(len(gone), len(members))}%)"
        f" of '{list_name}' from {where}"
        for gone, members, where in sides
        if gone and members and len(gone) * 100 > guard.percent * len(members)
    ]
    if not parts:
        return None
    limit = f"sync.guard_percent = {guard.percent:g}"
    return f"would remove {' and '.join(parts)}, over {limit}; {_CONFIRM}"


def _percent(part: int, whole: int) -> int:
    """`part` as a whole percentage of `whole`, halves rounded up (exact integer arithmetic)."""
    return (200 * part + whole) // (2 * whole)


def unsubscribe_verdict(count: int, guard: Guard) -> str | None:
    """None when unsubscribing `count` contacts may proceed (exactly the limit proceeds)."""
    if count <= guard.count:
        return None
    noun = "contact" if count == 1 else "contacts"
    return (
        f"would unsubscribe {count:,} {noun}, over sync.guard_count = {guard.count:,}; {_CONFIRM}"
    )
