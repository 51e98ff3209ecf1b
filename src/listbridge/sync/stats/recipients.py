"""`stats.create_recipients`: a campaign recipient with no account gets one, through the
import's own matching and exclusions (core/import_plan.py), so every result lands on a
record: an address the CRM already has links to its account, a new one is created, and
a role address, an organisation's or an ambiguous one is skipped and reported as an
import would report it.

Only the recipients whose rows this pull stored are considered, so a recipient the
import's rules skip is not fetched again every night, only when they do something new.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from listbridge.constant_contact.errors import NotFoundError
from listbridge.core.cc_records import CcContact
from listbridge.core.import_plan import plan_import, without_creates
from listbridge.core.runs import ErrorRow
from listbridge.store.links import load_match_index
from listbridge.sync.imports.apply import BatchTarget, apply_plan
from listbridge.sync.imports.job import policy_of, tally
from listbridge.sync.imports.source import BATCH, INCLUDE
from listbridge.sync.job import JobContext

GONE = "the contact was deleted in Constant Contact: no account made for its campaign results"


@dataclass
class Recipients:
    counts: Counter[str] = field(default_factory=Counter)
    errors: list[ErrorRow] = field(default_factory=list)


def create_recipients(ctx: JobContext, run_id: int, contact_ids: Sequence[str]) -> Recipients:
    done = Recipients()
    contacts: list[CcContact] = []
    for contact_id in contact_ids:
        try:
            contacts.append(ctx.client.get_contact(contact_id, include=INCLUDE).to_core())
        except NotFoundError:
            done.errors.append(ErrorRow(GONE, cc_contact_id=contact_id))
    if not contacts:
        return done
    index = load_match_index(ctx.store, ctx.connection_id, ctx.crm.match_keys())
    policy = policy_of(ctx.settings)
    for start in range(0, len(contacts), BATCH):
        ctx.check_lock()
        plan = plan_import(contacts[start : start + BATCH], index, policy)
        if ctx.crm.read_only:
            plan = without_creates(plan)
        target = BatchTarget(ctx.connection_id, run_id, ctx.clock())

        def bookkeeping(_session: Session, _errors: list[ErrorRow]) -> None:
            return None  # the links are the bookkeeping, written by apply_plan itself

        done.errors += apply_plan(ctx.crm, target, plan, bookkeeping)
        done.counts.update(tally(plan))
    return done
