"""What `crm check` found: the objects that are as expected, and every mismatch.

A mismatch names where it is declared (a preset table, or a line of the mapping file)
and the database object it is about, so that the user knows what to fix and where.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from listbridge.core.errors import UserError


@dataclass(frozen=True)
class Problem:
    """One mismatch between what is declared and what the database holds."""

    #: where it is declared: `preset table civicrm_contact`, `mapping.toml line 12`
    where: str
    #: the database object it is about: `table people`, `column people.email`
    object: str
    #: what is wrong, and what would make it right
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.object}: {self.reason}"

    def as_json(self) -> dict[str, str]:
        return {"where": self.where, "object": self.object, "reason": self.reason}


@dataclass
class CheckReport:
    """The CRM checked (`describe()` of its choice), what was found, what is wrong."""

    crm: str
    #: one line per object found as declared: `table civicrm_contact: 48 columns, 3 rows`
    found: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {
            "crm": self.crm,
            "ok": self.ok,
            "found": list(self.found),
            "problems": [p.as_json() for p in self.problems],
        }


class CheckFailedError(UserError):
    """The check found problems (exit 2): the message lists every one."""

    def __init__(self, report: CheckReport) -> None:
        self.report = report
        lines = "\n".join(f"  {problem}" for problem in report.problems)
        super().__init__(f"{len(report.problems)} problem(s) in {report.crm}:\n{lines}")
