"""What Constant Contact holds of each linked contact, kept on its link (`cc_links.cc_fields`:
its address and the fields the journal records), so that an incremental push reads from CC
only the contacts changed since the last push, not every page.

- At the start of a push (`read_changes`): the contacts changed in CC since the watermark
  (`GET /contacts?status=all&updated_after=`: edited, moved to another address, deleted,
  or new), written to their links. From then on what a link says of its contact is what
  CC holds: the journal's old values (`known_before`) and who holds an address
  (`stream.py`) are read from the store. With no watermark (no push has ended since the
  links were last trusted) nothing a link says is trusted: CC is read as before.
- After each chunk (`held_after`): what the push sent, over what CC held before.
- At the end of a complete push (`watermark_now`): CC's clock at its last answer, less
  `MARGIN`; everything a push wrote is older than that.

What is not seen: a change someone makes in CC while a push runs, to a contact the push
already read, is older than the watermark the push leaves; the next push knows that
contact as this one left it until it changes again. Consent does not depend on this:
every push reads every opt-out first (`fetch.consent_first`; a connection with no link
has none for them to change, and a contact looked up brings its own consent).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta

from listbridge.constant_contact.client import ConstantContact
from listbridge.constant_contact.models import Contact
from listbridge.core.push_diff import PUT_BLANKS
from listbridge.core.push_plan import Plan, PushPolicy
from listbridge.core.undo_plan import CC_FIELDS
from listbridge.store.push_state import CcHeld
from listbridge.sync.push.source import PAGE, Calls, RowReader

#: the fields journaled (`journal.FIELDS`), in a steady order
FIELDS = tuple(f for f in PUT_BLANKS if f in CC_FIELDS)
#: CC's `Date` has whole seconds (it is already up to a second early); this much more
#: for CC's servers' clocks disagreeing. Each second of it costs the next push a re-read
#: of what this one wrote in its last second (its last activity, at most a page or two).
MARGIN = timedelta(seconds=1)
#: the purpose the scan of changed contacts is counted under
CHANGES = "read contacts changed since the last push"


def compared(policy: PushPolicy) -> tuple[str, ...]:
    """The journaled fields a push sends (the others it leaves out of every row)."""
    return tuple(f for f in FIELDS if f not in policy.mapping.left_out)


def held_of(contact: Contact, row_of: RowReader, fields: Collection[str]) -> CcHeld:
    row = row_of(contact)
    return CcHeld(contact.contact_id, contact.to_core().email, {f: row.get(f, "") for f in fields})


def read_changes(
    client: ConstantContact, since: datetime, calls: Calls, row_of: RowReader,
    fields: Collection[str],
) -> dict[str, CcHeld | None]:  # fmt: skip
    """contact id → what CC holds of it now (None: deleted), for each contact changed
    since `since`."""
    found: dict[str, CcHeld | None] = {}
    for contact in client.iter_contacts(status="all", include=(), updated_after=since):
        gone = contact.deleted_at is not None
        found[contact.contact_id] = None if gone else held_of(contact, row_of, fields)
    calls.add(CHANGES, 1 + len(found) // PAGE)
    return found


def known_before(
    plan: Plan, held: Mapping[str, CcHeld], fields: Collection[str]
) -> dict[str, dict[str, str]]:
    """contact id → the journaled fields CC holds (the push's row shape), for the updates
    whose link knows every field the push compares (`held`: by account id)."""
    rows = {}
    for update in plan.updates:
        known = held.get(update.account_id)
        if known is None or known.contact_id != update.contact_id:
            continue
        if all(f in known.fields for f in fields):
            rows[update.contact_id] = {f: v for f, v in known.fields.items() if v}
    return rows


def held_after(
    plan: Plan,
    created: Mapping[str, str],
    refused: Collection[str],
    before: Mapping[str, Mapping[str, str]],
    by_put: Collection[str],
    fields: Collection[str],
) -> dict[str, CcHeld | None]:
    """contact id → what CC holds after the chunk's writes (None: not known). `before`:
    the journal's rows read before the writes; `by_put`: the accounts updated by PUT."""
    after: dict[str, CcHeld | None] = {}
    for create in plan.creates:
        made = created.get(create.account_id)
        if made is not None:
            row = create.contact.row  # a new contact holds what it was made with, no more
            after[made] = CcHeld(made, create.contact.email, {f: row.get(f, "") for f in FIELDS})
    for update in plan.updates:
        if update.account_id in refused:
            continue
        old = before.get(update.contact_id)
        if old is None:
            after[update.contact_id] = None
            continue
        known = {f: old.get(f, "") for f in fields} | {f: v for f, v in old.items() if f in FIELDS}
        blanks = dict.fromkeys(fields, "") if update.account_id in by_put else {}
        for name, value in ({**blanks, **update.contact.row}).items():
            if name in FIELDS:
                known[name] = value
        email = update.contact.row.get("email") or update.contact.email
        after[update.contact_id] = CcHeld(update.contact_id, email, known)
    return after
