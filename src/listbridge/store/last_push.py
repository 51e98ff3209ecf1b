"""What `crm show` tells of an account's Constant Contact side: its lists there, and its
last push (when, which run, what changed), from what the store already keeps.

A push records three things about an account: the journal entries of its contact (side
`cc`) when the push journals what it wrote, the link it saved (with the push's
fingerprint, at the moment of the push), and an error row when it did not push it. The
last push is the latest push run (a `push`; a full sync, whose push step runs in it; a
list job, whose additions are pushes) with any of them. Without a journal, the link tells
only while no later import or list job saved it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from listbridge.core.journal import Change, Side
from listbridge.store.journal import change_of
from listbridge.store.models import CcLink, CcListMirror, JournalEntry, Run, RunError

#: the kinds of run that push: `push`; `full` (its push step records in its run); `lists`
#: (a list job's additions are pushes: docs/architecture.md)
PUSH_KINDS = ("push", "full", "lists")


@dataclass(frozen=True)
class CcList:
    list_id: str
    name: str  # as last read from CC ("" when the list was never read)
    deleted: bool


@dataclass(frozen=True)
class LastPush:
    run_id: int
    run_kind: str
    at: datetime
    #: the contact's journal entries of that run (empty when the push journaled none)
    changes: list[Change] = field(default_factory=list)
    #: why that run did not push the account (empty when it did)
    not_pushed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CcSide:
    contact_id: str
    lists: list[CcList]
    last_push: LastPush | None
    #: every CC list's name as last read, by id (a journaled membership names its list)
    list_names: dict[str, str] = field(default_factory=dict)


def cc_side(session: Session, connection_id: int, account_id: str) -> CcSide | None:
    """The account's link and last push; None when it is not linked and no push named it."""
    link = session.get(CcLink, (connection_id, account_id))
    contact_id = link.cc_contact_id if link is not None else ""
    lists = _lists(session, connection_id, list(link.list_ids or ())) if link else []
    pushed = last_push(session, connection_id, account_id, link)
    if link is None and pushed is None:
        return None
    names = session.execute(
        select(CcListMirror.cc_list_id, CcListMirror.name).where(
            CcListMirror.connection_id == connection_id
        )
    )
    return CcSide(contact_id, lists, pushed, {str(i): str(n) for i, n in names})


def _lists(session: Session, connection_id: int, list_ids: list[str]) -> list[CcList]:
    if not list_ids:
        return []
    query = select(CcListMirror).where(
        CcListMirror.connection_id == connection_id, CcListMirror.cc_list_id.in_(list_ids)
    )
    known = {m.cc_list_id: m for m in session.scalars(query)}
    found = [
        CcList(i, known[i].name, known[i].deleted) if i in known else CcList(i, "", False)
        for i in list_ids
    ]
    return sorted(found, key=lambda c: (c.name.casefold(), c.list_id))


def last_push(
    session: Session, connection_id: int, account_id: str, link: CcLink | None
) -> LastPush | None:
    runs: dict[int, Run] = {}
    journaled: dict[int, list[Change]] = {}
    if link is not None:
        query = (
            select(JournalEntry, Run)
            .join(Run, Run.id == JournalEntry.run_id)
            .where(
                JournalEntry.connection_id == connection_id,
                JournalEntry.side == Side.CC.value,
                JournalEntry.record_id == link.cc_contact_id,
                Run.kind.in_(PUSH_KINDS),
            )
            .order_by(JournalEntry.at, JournalEntry.id)
        )
        for entry, run in session.execute(query):
            runs[run.id] = run
            journaled.setdefault(run.id, []).append(change_of(entry))
    recorded = _recorded_by(session, connection_id, link)
    if recorded is not None:
        runs[recorded.id] = recorded
    refusals = _not_pushed(session, connection_id, account_id)
    for run, _reason in refusals:
        runs[run.id] = run
    if not runs:
        return None
    latest = runs[max(runs)]
    changes = journaled.get(latest.id, [])
    at = max((c.at for c in changes), default=None)
    if at is None and recorded is not None and recorded.id == latest.id and link is not None:
        at = link.updated_at
    return LastPush(
        latest.id,
        latest.kind,
        at or latest.finished_at or latest.started_at,
        changes,
        [reason for run, reason in refusals if run.id == latest.id],
    )


def _recorded_by(session: Session, connection_id: int, link: CcLink | None) -> Run | None:
    """The push run that saved the link as it is: a push leaves its fingerprint on it,
    at a moment inside that run."""
    if link is None or not link.fingerprint:
        return None
    query = (
        select(Run)
        .where(
            Run.connection_id == connection_id,
            Run.kind.in_(PUSH_KINDS),
            Run.started_at <= link.updated_at,
            or_(Run.finished_at.is_(None), Run.finished_at >= link.updated_at),
        )
        .order_by(Run.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def _not_pushed(session: Session, connection_id: int, account_id: str) -> list[tuple[Run, str]]:
    query = (
        select(Run, RunError.reason)
        .join(Run, Run.id == RunError.run_id)
        .where(
            Run.connection_id == connection_id,
            Run.kind.in_(PUSH_KINDS),
            RunError.account_id == account_id,
        )
        .order_by(RunError.id)
    )
    return [(run, str(reason)) for run, reason in session.execute(query)]
