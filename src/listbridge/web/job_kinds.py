"""A button's `Kind` as JSON, for the message a worker receives and the queue's entry
(Celery messages are JSON, never pickle)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from listbridge.core.setting_values import Direction
from listbridge.web.job_work import Action, JobKind, Kind, ListSyncKind


def kind_to_json(kind: Kind) -> dict[str, Any]:
    if isinstance(kind, ListSyncKind):
        direction = None if kind.direction is None else kind.direction.value
        return {
            "action": ListSyncKind.action,
            "names": list(kind.names),
            "direction": direction,
            "confirm": kind.confirm,
        }
    return {"action": kind.action.value, "dry_run": kind.dry_run}


def kind_from_json(data: Mapping[str, Any]) -> Kind:
    """ValueError for a message no version of `kind_to_json` wrote."""
    if data.get("action") == ListSyncKind.action:
        direction = data.get("direction")
        return ListSyncKind(
            tuple(str(name) for name in data.get("names", ())),
            None if direction is None else Direction(direction),
            bool(data.get("confirm", False)),
        )
    return JobKind(Action(data["action"]), bool(data.get("dry_run", False)))
