"""Segments (D:SegmentDetail): named, stored ``segment_criteria``, and the contacts they select.

The store hangs off ``EmulatorState`` as the extension ``"segments"`` (see ``state.py``):
a reset empties it and ``--state`` persists it. Callers hold ``state.lock``.

A deleted segment keeps its details (P:DELETE /segments/{segment_id}: "preserved for
external reference purposes") and can still be read by id, but is left out of the
collection, cannot be changed and selects no contacts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from listbridge.emulator import segment_criteria as criteria
from listbridge.emulator.campaigns import campaign_store
from listbridge.emulator.errors import ApiError, conflict, not_found
from listbridge.emulator.model import Contact, Record
from listbridge.emulator.reporting import sent_campaigns
from listbridge.emulator.state import EmulatorState
from listbridge.emulator.views import iso

EXTENSION = "segments"
#: segment ids are int32 (D:SegmentDetail.segment_id)
MAX_ID = 2**31 - 1


class Segment(Record):
    __slots__ = ("created_at", "deleted_at", "edited_at", "name", "segment_criteria", "segment_id")

    def __init__(self, segment_id: int, name: str, segment_criteria: str, now: int) -> None:
        self.segment_id = segment_id
        self.name = name
        self.segment_criteria = segment_criteria
        self.created_at = self.edited_at = now
        self.deleted_at: int | None = None


class SegmentStore:
    def __init__(self) -> None:
        self.segments: dict[int, Segment] = {}
        self.last_id = 0

    def dump(self) -> dict[str, Any]:
        return {"last_id": self.last_id, "segments": [s.dump() for s in self.segments.values()]}

    @classmethod
    def load(cls, data: dict[str, Any]) -> SegmentStore:
        store = cls()
        store.last_id = int(data["last_id"])
        for row in data["segments"]:
            segment = Segment.load(row)
            store.segments[segment.segment_id] = segment
        return store

    def live(self) -> list[Segment]:
        return [s for s in self.segments.values() if s.deleted_at is None]

    def get(self, segment_id: int) -> Segment:
        """A segment, deleted ones too (they can be read by id); 404 if it never existed."""
        segment = self.segments.get(segment_id)
        if segment is None:
            raise not_found("segment", str(segment_id))
        return segment

    def get_live(self, segment_id: int) -> Segment:
        segment = self.get(segment_id)
        if segment.deleted_at is not None:
            raise not_found("segment", f"{segment_id} (deleted)")
        return segment

    def check_name(self, name: str, keep: Segment | None = None) -> str:
        """Names are unique among live segments, ignoring case (as list names are). A blank
        name is taken, as a blank list name is: D:SegmentName sets no minLength."""
        for segment in self.live():
            if segment is not keep and segment.name.casefold() == name.casefold():
                raise conflict(
                    f"name: {name!r} is taken by segment {segment.segment_id} "
                    f"({segment.name!r}; names are unique ignoring case)"
                )
        return name

    def create(self, name: str, text: str, now: int) -> Segment:
        self.last_id += 1
        segment = Segment(self.last_id, name, text, now)
        self.segments[segment.segment_id] = segment
        return segment


def segment_store(state: EmulatorState) -> SegmentStore:
    store: SegmentStore = state.ensure_extension(EXTENSION, SegmentStore)
    return store


def segment_view(segment: Segment, with_criteria: bool = True) -> dict[str, Any]:
    """D:SegmentDetail, or D:SegmentMaster (no criteria) for the collection."""
    view: dict[str, Any] = {
        "segment_id": segment.segment_id,
        "name": segment.name,
        "created_at": iso(segment.created_at),
        "edited_at": iso(segment.edited_at),
    }
    if with_criteria:
        view["segment_criteria"] = segment.segment_criteria
    return view


def engagement(state: EmulatorState) -> criteria.Engagement:
    """The tracking the criteria may ask about: the most recently sent campaigns first."""
    store = campaign_store(state)  # sends any scheduled campaign that is due first
    recent = [c.primary_activity_id for c in sent_campaigns(store)[: criteria.MAX_CAMPAIGNS]]
    rows = {
        (aid, kind): frozenset(t.contact_id for t in store.tracks(aid, kind))
        for aid in recent
        for kind in ("sends", "opens", "clicks")
    }
    sent_at = {aid: store.activities[aid].sent_at or 0 for aid in recent}
    return criteria.Engagement(tuple(recent), rows, sent_at, state.now())


def member_predicate(state: EmulatorState, segment_id: int) -> Callable[[Contact], bool]:
    """Which contacts a live segment selects (the caller also leaves deleted contacts out);
    a 400 naming the criterion when the emulator does not evaluate it."""
    segment = segment_store(state).get_live(segment_id)
    document = criteria.check(segment.segment_criteria)
    try:
        return criteria.predicate(document, engagement(state))
    except criteria.NotEvaluable as exc:
        raise ApiError(400, f"segment {segment_id}: {exc}") from exc
