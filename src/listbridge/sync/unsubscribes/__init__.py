"""`listbridge unsubscribes …`: opt-outs kept in step both ways (entry points; see job.py)."""

from listbridge.sync.unsubscribes.job import (
    Reconciliation,
    UnsubscribeResult,
    reconcile_unsubscribes,
)
from listbridge.sync.unsubscribes.report import COLUMNS, mismatch_report, rows
from listbridge.sync.unsubscribes.source import KIND

__all__ = ["COLUMNS", "KIND", "Reconciliation", "UnsubscribeResult", "mismatch_report",
           "reconcile_unsubscribes", "rows"]  # fmt: skip
