"""The new contacts a push is making, until its chunk is recorded: a killed push's re-run
tags them (`push.tag`).

A chunk's creates go to Constant Contact by a bulk import (or one by one), and only
afterwards are they tagged, by id. A push killed between the two leaves contacts that the
re-run finds at their addresses and links as *matched existing*, which are never tagged:
so before the import the chunk writes its new addresses into its run's checkpoint
(`remember_untagged`), and the chunk's record, which rewrites the checkpoint in the
transaction of its links (`record.record_push`), takes them out again. A run that stopped
with addresses still there (killed, failed) left them untagged; the next push reads them
(`untagged_of_stopped_runs`), tags the contacts at them and forgets them.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from listbridge.core.runs import RunStatus
from listbridge.store.db import Store
from listbridge.store.models import Run

#: the checkpoint key of a run's untagged new addresses
UNTAGGED = "untagged_new"
#: how a run that left some stopped (a finished chunk leaves none)
STOPPED = (RunStatus.INTERRUPTED.value, RunStatus.FAILED.value, RunStatus.RUNNING.value)


def remember_untagged(store: Store, run_id: int, emails: Iterable[str]) -> None:
    """Committed before the chunk's contacts are made."""
    with store.session() as session:
        run = session.get(Run, run_id)
        if run is not None:
            run.checkpoint = {**(run.checkpoint or {}), UNTAGGED: sorted(set(emails))}


def untagged_of_stopped_runs(
    store: Store, connection_id: int, current_run_id: int
) -> dict[int, list[str]]:
    """Run id → the new addresses it left untagged, of the runs that stopped before."""
    query = select(Run.id, Run.checkpoint).where(
        Run.connection_id == connection_id, Run.id != current_run_id, Run.status.in_(STOPPED)
    )
    with store.session() as session:
        found = {int(i): c.get(UNTAGGED) for i, c in session.execute(query) if c}
    return {i: list(emails) for i, emails in found.items() if emails}


def forget_untagged(store: Store, run_ids: Iterable[int]) -> None:
    with store.session() as session:
        for run_id in run_ids:
            run = session.get(Run, run_id)
            if run is not None and run.checkpoint:
                run.checkpoint = {k: v for k, v in run.checkpoint.items() if k != UNTAGGED}
