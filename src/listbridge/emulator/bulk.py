"""Membership and delete activities: resolve who is affected, then change them in chunks."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from fastapi import Request

from listbridge.emulator import contact_rules as rules
from listbridge.emulator.activities import Activity, ActivityWorker, Processor
from listbridge.emulator.bulk_schemas import ContactDelete, Exclude, Membership
from listbridge.emulator.errors import ApiError, bad_request
from listbridge.emulator.model import Contact
from listbridge.emulator.segments import member_predicate
from listbridge.emulator.state import EmulatorState

CHUNK = 500


class SourceLike(Protocol):
    """A ``source`` of a membership or tagging body (the kinds both have)."""

    @property
    def contact_ids(self) -> list[str] | None: ...
    @property
    def list_ids(self) -> list[str] | None: ...
    @property
    def tag_ids(self) -> list[str] | None: ...


def worker_of(request: Request) -> ActivityWorker:
    worker: ActivityWorker = request.app.state.worker
    return worker


def submit(
    request: Request, kind: str, status: dict[str, int], payload: object, processor: Processor
) -> Activity:
    return worker_of(request).submit(kind, status, payload, processor)


def submit_list_delete(request: Request, list_ids: list[str]) -> Activity:
    status = {"list_count": len(list_ids)}
    return submit(request, "list_delete", status, list(list_ids), process_list_delete)


def process_list_delete(state: EmulatorState, a: Activity) -> Iterator[float]:
    for i, list_id in enumerate(a.payload):
        lst = state.lists.get(list_id)
        if lst is None or lst.deleted_at is not None:
            a.error(f"list {list_id} does not exist")
            continue
        lst.deleted_at = lst.updated_at = state.stamp()
        yield from _drop_members(state, list_id)
        yield (i + 1) / len(a.payload)


def _drop_members(state: EmulatorState, list_id: str) -> Iterator[float]:
    members = list(state.members.get(list_id, ()))
    for n, contact_id in enumerate(members, 1):
        c = state.contacts.by_id[contact_id]
        rules.set_lists(state, c, [lid for lid in c.lists or () if lid != list_id])
        state.touch(c)
        if n % CHUNK == 0:
            yield 0.0
    state.members.pop(list_id, None)


def check_targets(state: EmulatorState, list_ids: Iterable[str]) -> list[str]:
    return rules.check_lists(state, list_ids, "list_ids")


def source_contacts(state: EmulatorState, body: Membership) -> list[str]:
    """Contact ids the ``source`` names, minus ``exclude`` (resolved when the job is queued)."""
    src = body.source
    if src.engagement_level is not None:
        # The spec names no levels and no rule for meeting one ("high" is its only example).
        raise bad_request("source: engagement levels are not emulated")
    if src.segment_id is not None:
        ids = segment_contacts(state, src.segment_id, "source.segment_id")
        excluded = set(body.exclude.contact_ids) if body.exclude else set()
        return [cid for cid in ids if cid not in excluded]
    return resolve_source(state, src, body.exclude)


def segment_contacts(state: EmulatorState, segment_id: int, where: str) -> list[str]:
    """The live contacts a segment selects now (caller holds state.lock); an unknown or
    deleted segment is the operations' declared 400 (they declare no 404, deviations row 20)."""
    try:
        selects = member_predicate(state, segment_id)
    except ApiError as exc:
        if exc.status != 404:
            raise
        raise bad_request(f"{where}: segment {segment_id} does not exist") from exc
    return [c.contact_id for c in state.contacts.by_id.values() if not c.is_deleted and selects(c)]


NEW_SUBSCRIBER_US = 30 * 86_400_000_000  # "subscribed in the last 30 days" (facts §5.3)


def resolve_source(state: EmulatorState, src: SourceLike, exclude: Exclude | None) -> list[str]:
    """The contacts of a bulk ``source`` (one kind set, the schemas check that), in order:
    ``contact_ids`` as given, ``list_ids`` (which must exist) their members, ``tag_ids`` the
    live contacts holding any of them, ``all_active_contacts`` the live subscribed ones,
    ``new_subscriber`` those of them who opted in within 30 days; less ``exclude``."""
    if src.contact_ids is not None:
        ids = list(dict.fromkeys(src.contact_ids))
    elif src.list_ids is not None:
        check_targets(state, src.list_ids)
        ids = list(dict.fromkeys(cid for lid in src.list_ids for cid in state.members.get(lid, ())))
    elif src.tag_ids is not None:
        tags = set(src.tag_ids)
        ids = [
            c.contact_id
            for c in state.contacts.by_id.values()
            if c.taggings and not c.is_deleted and not tags.isdisjoint(c.taggings)
        ]
    else:
        since = state.now() - NEW_SUBSCRIBER_US if getattr(src, "new_subscriber", False) else None
        ids = [
            c.contact_id
            for c in state.contacts.by_id.values()
            if not c.is_deleted
            and not c.is_unsubscribed
            and (since is None or (c.opt_in_date or 0) > since)
        ]
    excluded = set(exclude.contact_ids) if exclude else set()
    return [cid for cid in ids if cid not in excluded]


def process_add(state: EmulatorState, a: Activity) -> Iterator[float]:
    ids, targets = a.payload
    for n, contact_id in enumerate(ids, 1):
        _add_one(state, a, contact_id, targets)
        a.status["items_completed_count"] = n
        if n % CHUNK == 0:
            yield n / len(ids)


def _add_one(state: EmulatorState, a: Activity, contact_id: str, targets: list[str]) -> None:
    c = _live(state, a, contact_id)
    if c is None:
        return
    if c.is_unsubscribed:
        a.error(f"contact {contact_id} ({c.email}) is unsubscribed and cannot be added to lists")
        return
    missing = [lid for lid in targets if lid not in (c.lists or ())]
    if missing and not rules.add_lists(state, c, missing):
        a.error(f"contact {contact_id} ({c.email}) would exceed 50 lists")
        return
    if missing:
        state.touch(c)


def process_remove(state: EmulatorState, a: Activity) -> Iterator[float]:
    ids, targets = a.payload
    drop = set(targets)
    for n, contact_id in enumerate(ids, 1):
        c = _live(state, a, contact_id)
        if c is not None and c.lists and not drop.isdisjoint(c.lists):
            rules.set_lists(state, c, [lid for lid in c.lists if lid not in drop])
            state.touch(c)
        a.status["items_completed_count"] = n
        if n % CHUNK == 0:
            yield n / len(ids)


def live_contact(state: EmulatorState, a: Activity, contact_id: str) -> Contact | None:
    """The contact, or None with an activity error when it does not exist (or is deleted)."""
    return _live(state, a, contact_id)


def _live(state: EmulatorState, a: Activity, contact_id: str) -> Contact | None:
    c = state.contacts.by_id.get(contact_id)
    if c is None or c.is_deleted:
        a.error(f"contact {contact_id} does not exist")
        return None
    return c


def delete_targets(state: EmulatorState, body: ContactDelete) -> list[str]:
    if body.contact_ids is not None:
        return list(dict.fromkeys(body.contact_ids))
    check_targets(state, body.list_ids or ())
    return list(
        dict.fromkeys(cid for lid in body.list_ids or () for cid in state.members.get(lid, ()))
    )


def process_contact_delete(state: EmulatorState, a: Activity) -> Iterator[float]:
    ids = a.payload
    for n, contact_id in enumerate(ids, 1):
        c = _live(state, a, contact_id)
        if c is not None:
            c.deleted_at = state.now()
            state.touch(c)
        a.status["items_completed_count"] = n
        if n % CHUNK == 0:
            yield n / len(ids)
