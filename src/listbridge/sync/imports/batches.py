"""The batches an import plans, in the order it plans them: the run's and the dry run's.

Each scope's window from its cursor; then, when named lists are imported, the opt-outs of
linked contacts (an unsubscribed contact has left every list, so no list shows it); then
the contacts not imported last time, last so that a fresher copy fetched above wins.

The generator is lazy on purpose: the opt-out pass keeps the contacts linked by the time
it runs, those the batches before it planned (and claimed in the index) included.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from listbridge.constant_contact.client import ConstantContact
from listbridge.core.cc_records import CcContact
from listbridge.core.matching import MatchIndex
from listbridge.store.import_state import pending_contacts, read_cursors
from listbridge.store.links import load_match_index
from listbridge.sync.imports.source import (
    BATCH,
    Scope,
    contact_batches,
    in_scope,
    unsubscribe_scope,
    window_start,
)
from listbridge.sync.job import JobContext

RECONSIDERED = "contacts not imported last time"


@dataclass(frozen=True)
class Known:
    """What the store knows before an import reads a contact."""

    index: MatchIndex
    cursors: dict[str, datetime]
    pending: list[CcContact]


def read_known(ctx: JobContext) -> Known:
    index = load_match_index(ctx.store, ctx.connection_id, ctx.crm.match_keys())
    with ctx.store.session() as session:
        cursors = read_cursors(session, ctx.connection_id)
        pending = pending_contacts(session, ctx.connection_id)
    return Known(index, cursors, pending)


def import_batches(
    client: ConstantContact, scopes: Sequence[Scope], since: date | None, known: Known
) -> Iterator[tuple[str, list[CcContact]]]:
    """(what progress shows, a batch of contacts), every batch the import plans."""
    for scope in scopes:
        for batch in contact_batches(client, scope, window_start(scope, known.cursors, since)):
            yield scope.label, batch
    opt_outs = unsubscribe_scope(scopes)
    if opt_outs is not None:
        for batch in contact_batches(client, opt_outs, known.cursors.get(opt_outs.key)):
            yield opt_outs.label, [c for c in batch if c.contact_id in known.index.account_of]
    again = [c for c in known.pending if in_scope(c, scopes)]
    for start in range(0, len(again), BATCH):
        yield RECONSIDERED, again[start : start + BATCH]


def cursor_keys(scopes: Sequence[Scope]) -> list[str]:
    """The cursors a finished import moves: its scopes' and the opt-out pass's."""
    opt_outs = unsubscribe_scope(scopes)
    return [*(s.key for s in scopes), *([opt_outs.key] if opt_outs else [])]
