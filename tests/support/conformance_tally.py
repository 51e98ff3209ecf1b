"""What a conformance run found: each failure, what it was sent, and which row forgives it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tests.support.ccspec import PENDING_FINDINGS, TOLERATED_FAILURES


@dataclass(frozen=True)
class Finding:
    operation: str
    check: str
    status: int
    request: str
    detail: str

    @property
    def key(self) -> tuple[str, str, int, str]:
        # One finding per distinct answer: the same refusal met twice is one finding.
        return (self.operation, self.check, self.status, self.detail.rpartition(" <- ")[2])


@dataclass
class Tally:
    """What one operation's run did: requests by kind, answers by status, findings."""

    requests: dict[str, int] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)
    findings: dict[tuple[str, str, int, str], Finding] = field(default_factory=dict)
    tolerated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, status: int) -> None:
        self.requests[kind] = self.requests.get(kind, 0) + 1
        self.statuses[status] = self.statuses.get(status, 0) + 1

    def add(self, finding: Finding) -> None:
        row = tolerance_for(finding)
        if row is not None:
            self.tolerated[row] = self.tolerated.get(row, 0) + 1
            return
        self.findings.setdefault(finding.key, finding)


def tolerance_for(finding: Finding) -> str | None:
    """The deviations-table row (or the pending finding) that explains this failure."""
    text = f"{finding.request}\n{finding.detail}"
    for table, prefix in ((TOLERATED_FAILURES, "row "), (PENDING_FINDINGS, "pending: ")):
        for row, patterns in table.items():
            for operation, check, statuses, detail in patterns:
                if (
                    re.fullmatch(operation, finding.operation)
                    and check == finding.check
                    and finding.status in statuses
                    and re.search(detail, text, re.S)
                ):
                    return prefix + row
    return None


def describe_request(response: Any) -> str:
    body = response.request.body or b""
    if isinstance(body, bytes):
        body = body[:300].decode("utf-8", "replace")
    return f"{response.request.method} {response.request.path_url} {str(body)[:300]}".strip()
