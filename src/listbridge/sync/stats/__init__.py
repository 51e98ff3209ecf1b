"""`listbridge stats pull`: campaign results from Constant Contact into the store, each
tracking row attached to the CRM account its contact is linked to (issue 16)."""

from listbridge.sync.stats.job import KIND, StatsResult, pull_stats

__all__ = ["KIND", "StatsResult", "pull_stats"]
