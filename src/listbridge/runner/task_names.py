"""The names a queued job travels under: what the web admin sends without loading Celery's
worker side, and what `listbridge worker` registers."""

from __future__ import annotations

#: the one queue every job goes through, first in first out
QUEUE = "listbridge"
SCHEDULE_TASK = "listbridge.schedule"
WEB_TASK = "listbridge.web"
TICK_TASK = "listbridge.tick"
