"""What a list job did, per list and in all: what `--json`, the run and the e-mail show."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from listbridge.core.list_plan import Conflict
from listbridge.core.runs import ErrorRow, RunStatus

COUNTS = (
    "lists",
    "added_to_cc",
    "removed_from_cc",
    "added_to_crm",
    "removed_from_crm",
    "failed_subscriptions",
    "conflicts",
)


@dataclass
class ListOutcome:
    name: str
    cc_list_id: str
    direction: str
    added_to_cc: int = 0
    removed_from_cc: int = 0
    added_to_crm: int = 0
    removed_from_crm: int = 0
    failed_subscriptions: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    renamed_to: str = ""
    deleted: bool = False
    note: str = ""  # why it was skipped, or what stopped it (the guard)

    def json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "cc_list_id": self.cc_list_id,
            "direction": self.direction,
            "added_to_cc": self.added_to_cc,
            "removed_from_cc": self.removed_from_cc,
            "added_to_crm": self.added_to_crm,
            "removed_from_crm": self.removed_from_crm,
            "failed_subscriptions": self.failed_subscriptions,
            "conflicts": [conflict_json(c) for c in self.conflicts],
            "renamed_to": self.renamed_to or None,
            "deleted": self.deleted,
            "note": self.note or None,
        }


def conflict_json(c: Conflict) -> dict[str, str]:
    return {"account_id": c.account_id, "crm": c.crm, "cc": c.cc, "outcome": c.outcome}


def conflict_reason(list_name: str, c: Conflict) -> str:
    return (
        f"conflict on list {list_name!r}: {c.crm} in the CRM, {c.cc} in Constant Contact "
        f"since the last sync; {c.why.value} ({c.outcome})"
    )


@dataclass
class PlanningTimings:
    """Wall time in the pure membership plans (`core.list_plan`, no API call in it) and the
    members they weighed: each list's accounts on either side."""

    seconds: float = 0.0
    members: int = 0

    def add(self, seconds: float, members: int) -> None:
        self.seconds += seconds
        self.members += members

    def json(self) -> dict[str, float]:
        rate = self.members / self.seconds if self.seconds > 0 else 0.0
        return {
            "planning_seconds": round(self.seconds, 6),
            "planning_records_per_s": round(rate, 1),
        }


@dataclass
class ListSyncResult:
    run_id: int
    status: RunStatus
    direction: str
    lists: list[ListOutcome] = field(default_factory=list)
    errors: list[ErrorRow] = field(default_factory=list)
    dry_run: bool = False
    stopped: str = ""  # the guard's verdicts when it stopped the run
    #: report rows that are not errors (conflicts resolved by the rule)
    notes: list[ErrorRow] = field(default_factory=list)
    timings: PlanningTimings = field(default_factory=PlanningTimings)

    def counts(self) -> Counter[str]:
        found: Counter[str] = Counter(lists=len(self.lists))
        for o in self.lists:
            found.update(
                added_to_cc=o.added_to_cc,
                removed_from_cc=o.removed_from_cc,
                added_to_crm=o.added_to_crm,
                removed_from_crm=o.removed_from_crm,
                failed_subscriptions=o.failed_subscriptions,
                conflicts=len(o.conflicts),
            )
        return found

    def json(self) -> dict[str, Any]:
        """Everything but `errors` (the CLI renders those as every job does)."""
        return {
            "run_id": self.run_id or None,
            "status": self.status.value,
            "direction": self.direction,
            "dry_run": self.dry_run,
            "stopped": self.stopped or None,
            **{key: self.counts()[key] for key in COUNTS},
            "per_list": [o.json() for o in self.lists],
            "timings": self.timings.json(),
        }
