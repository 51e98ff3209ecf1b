"""What a push reads and writes in the store: link states, pushed links, remembered activities."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from listbridge.core.cc_records import CcContact
from listbridge.core.push_plan import CcState
from listbridge.store.db import Store
from listbridge.store.import_state import advance_cursors, read_cursors
from listbridge.store.links import PAGE, LinkRow, _mirror_into_accounts
from listbridge.store.models import CcLink, CrmAccount, PushActivity
from listbridge.store.upsert import upsert

UNSUBSCRIBED = "unsubscribed"


#: the cursor (`import_cursors`) of the push: Constant Contact's clock when the last
#: complete push ended; every contact changed since has `updated_at` after it
WATERMARK = "push:cc_changes"


@dataclass(frozen=True)
class CcHeld:
    """What Constant Contact holds of a linked contact (`cc_links.cc_fields`): its address
    and the journaled fields known (`fields`: those a push compared, "" for none)."""

    contact_id: str
    email: str
    fields: Mapping[str, str]


@dataclass(frozen=True)
class PushedLink:
    account_id: str
    state: CcState


#: ids in one `IN (…)`: well under every backend's limit on bound parameters
IDS_PER_QUERY = 500


def link_states(session: Session, connection_id: int) -> dict[str, CcState]:
    """Every link of the connection as the planner sees it."""
    query = _state_query(connection_id)
    return _states(session.execute(query.execution_options(yield_per=PAGE)))


def link_states_of(
    session: Session, connection_id: int, account_ids: Iterable[str]
) -> dict[str, CcState]:
    """The links of these accounts (a chunk of a streamed push), as the planner sees them."""
    found: dict[str, CcState] = {}
    lists: dict[tuple[str, ...], frozenset[str]] = {}
    for part in _slices(sorted(set(account_ids))):
        query = _state_query(connection_id).where(CcLink.account_id.in_(part))
        found |= _states(session.execute(query), lists)
    return found


def linked_account_ids(session: Session, connection_id: int) -> set[str]:
    query = select(CcLink.account_id).where(CcLink.connection_id == connection_id)
    return {str(i) for i in session.scalars(query.execution_options(yield_per=PAGE))}


def unsubscribed_contact_ids(session: Session, connection_id: int) -> set[str]:
    """The contacts of the links that say they are unsubscribed."""
    query = select(CcLink.cc_contact_id).where(
        CcLink.connection_id == connection_id, CcLink.permission_to_send == UNSUBSCRIBED
    )
    return {str(i) for i in session.scalars(query.execution_options(yield_per=PAGE))}


def owners_of(session: Session, connection_id: int, contact_ids: Iterable[str]) -> dict[str, str]:
    """contact id → the account linked to it, for these contacts."""
    c = CcLink
    found: dict[str, str] = {}
    for part in _slices(sorted(set(contact_ids))):
        query = select(c.cc_contact_id, c.account_id).where(
            c.connection_id == connection_id, c.cc_contact_id.in_(part)
        )
        found |= {str(contact): str(account) for contact, account in session.execute(query)}
    return found


def links_of_contacts(
    session: Session, connection_id: int, contact_ids: Iterable[str]
) -> dict[str, CcState]:
    """The links (account id → state) whose contacts are among these."""
    found: dict[str, CcState] = {}
    for part in _slices(sorted(set(contact_ids))):
        query = _state_query(connection_id).where(CcLink.cc_contact_id.in_(part))
        found |= _states(session.execute(query))
    return found


def _state_query(connection_id: int) -> Any:
    c = CcLink
    columns = (c.account_id, c.cc_contact_id, c.permission_to_send, c.list_ids, c.fingerprint)
    return select(*columns, c.email).where(c.connection_id == connection_id)


def _states(
    rows: Iterable[Any], lists: dict[tuple[str, ...], frozenset[str]] | None = None
) -> dict[str, CcState]:
    # one frozenset per distinct set of lists: a million links share a handful of them
    shared = {} if lists is None else lists
    out = {}
    for row in rows:
        ids = tuple(row[3] or ())
        list_ids = shared.get(ids)
        if list_ids is None:
            list_ids = shared[ids] = frozenset(ids)
        out[str(row[0])] = CcState(str(row[1]), row[2] == UNSUBSCRIBED, list_ids, row[4], row[5])
    return out


def _slices(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), IDS_PER_QUERY):
        yield ids[start : start + IDS_PER_QUERY]


def mark_unsubscribed(
    session: Session, connection_id: int, contact_ids: Sequence[str], at: datetime
) -> int:
    """Consent first: links of contacts found unsubscribed in Constant Contact say so."""
    if not contact_ids:
        return 0
    statement = (
        update(CcLink)
        .where(CcLink.connection_id == connection_id, CcLink.cc_contact_id.in_(contact_ids))
        .where(CcLink.permission_to_send != UNSUBSCRIBED)
        .values(permission_to_send=UNSUBSCRIBED, list_ids=[], updated_at=at)
    )
    return int(getattr(session.execute(statement), "rowcount", 0) or 0)


def save_pushed_links(
    session: Session, connection_id: int, rows: Sequence[PushedLink], at: datetime
) -> None:
    """Create or refresh the links a push made or updated, with their fingerprints."""
    if not rows:
        return
    values = [_values(connection_id, row, at) for row in rows]
    insert = sqlite.insert if session.get_bind().dialect.name == "sqlite" else postgresql.insert
    statement = insert(CcLink)
    kept = ("cc_contact_id", "list_ids", "permission_to_send", "fingerprint", "email", "updated_at")
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["connection_id", "account_id"],
            set_={c: statement.excluded[c] for c in kept},
        ),
        values,
    )
    _mirror_into_accounts(session, connection_id, [_as_link_row(r) for r in rows])


def _values(connection_id: int, row: PushedLink, at: datetime) -> dict[str, Any]:
    s = row.state
    return {
        "connection_id": connection_id,
        "account_id": row.account_id,
        "cc_contact_id": s.contact_id,
        "list_ids": sorted(s.list_ids),
        "permission_to_send": UNSUBSCRIBED if s.unsubscribed else "implicit",
        "opt_out_source": "",
        "fingerprint": s.fingerprint,
        "email": s.email,
        "linked_at": at,
        "updated_at": at,
    }


def _as_link_row(row: PushedLink) -> LinkRow:
    return LinkRow(row.account_id, CcContact(contact_id=row.state.contact_id, email=""))


def forget_lists(session: Session, connection_id: int, account_ids: Sequence[str]) -> None:
    """The contacts were taken off every list (push.on_crm_delete=remove_from_lists)."""
    if account_ids:
        session.execute(
            update(CcLink)
            .where(CcLink.connection_id == connection_id, CcLink.account_id.in_(account_ids))
            .values(list_ids=[], fingerprint="")
        )


def drop_links(session: Session, connection_id: int, account_ids: Sequence[str]) -> None:
    """The contacts were deleted (push.on_crm_delete=delete_contact): their links go too."""
    if not account_ids:
        return
    session.execute(
        delete(CcLink).where(
            CcLink.connection_id == connection_id, CcLink.account_id.in_(account_ids)
        )
    )
    session.execute(
        update(CrmAccount)
        .where(CrmAccount.connection_id == connection_id, CrmAccount.id.in_(account_ids))
        .values(cc_contact_id="")
    )


@dataclass
class StoredMemo:
    """An `ActivityMemo` in `push_activities`: each id committed as soon as it is known."""

    store: Store
    connection_id: int
    clock: Any

    def get(self, key: str) -> str | None:
        with self.store.session() as session:
            found = session.get(PushActivity, (self.connection_id, key))
            return None if found is None else found.activity_id

    def put(self, key: str, activity_id: str) -> None:
        with self.store.session() as session:
            upsert(
                session,
                PushActivity,
                ["connection_id", "key"],
                {
                    "connection_id": self.connection_id,
                    "key": key,
                    "activity_id": activity_id,
                    "submitted_at": self.clock(),
                },
            )

    def remembered(self) -> dict[str, str]:
        query = select(PushActivity.key, PushActivity.activity_id).where(
            PushActivity.connection_id == self.connection_id
        )
        with self.store.session() as session:
            return {str(k): str(a) for k, a in session.execute(query)}

    def forget(self, keys: Iterable[str]) -> None:
        with self.store.session() as session:
            session.execute(
                delete(PushActivity).where(
                    PushActivity.connection_id == self.connection_id,
                    PushActivity.key.in_(list(keys)),
                )
            )


def _held_json(held: CcHeld) -> str:
    body = {"contact": held.contact_id, "email": held.email, "fields": dict(held.fields)}
    return json.dumps(body, sort_keys=True)


def _held_of(text: str | None, contact_id: str) -> CcHeld | None:
    """A link's `cc_fields`, if they are of the contact it links now."""
    if not text:
        return None
    body = json.loads(text)
    if body.get("contact") != contact_id:
        return None
    return CcHeld(contact_id, str(body.get("email", "")), dict(body.get("fields", {})))


def cc_held_of(
    session: Session, connection_id: int, account_ids: Iterable[str]
) -> dict[str, CcHeld]:
    """account id → what CC holds of its linked contact, for the links that know it."""
    c = CcLink
    found: dict[str, CcHeld] = {}
    for part in _slices(sorted(set(account_ids))):
        query = select(c.account_id, c.cc_contact_id, c.cc_fields).where(
            c.connection_id == connection_id, c.account_id.in_(part), c.cc_fields.is_not(None)
        )
        for account_id, contact_id, text in session.execute(query):
            held = _held_of(text, str(contact_id))
            if held is not None:
                found[str(account_id)] = held
    return found


def refresh_cc_held(
    session: Session, connection_id: int, held: Mapping[str, CcHeld | None]
) -> None:
    """Contacts as CC holds them now (None: not known, or deleted), by contact id: their
    links say so from here on."""
    if not held:
        return
    table = cast(Table, CcLink.__table__)
    statement = (
        update(table)
        .where(table.c.connection_id == connection_id)
        .where(table.c.cc_contact_id == bindparam("b_contact"))
        .values(cc_fields=bindparam("b_fields"))
    )
    rows = [{"b_contact": contact_id, "b_fields": None if h is None else _held_json(h)}
            for contact_id, h in sorted(held.items())]  # fmt: skip
    session.execute(statement, rows)


def push_watermark(session: Session, connection_id: int) -> datetime | None:
    """CC's clock when the last complete push ended (None: no push has ended yet)."""
    return read_cursors(session, connection_id).get(WATERMARK)


def advance_push_watermark(session: Session, connection_id: int, at: datetime, run_id: int) -> None:
    advance_cursors(session, connection_id, [WATERMARK], at, run_id)


def forget_cc_held(session: Session, connection_id: int) -> None:
    """No watermark to read CC's changes since: what the links say of CC may be stale."""
    session.execute(
        update(CcLink)
        .where(CcLink.connection_id == connection_id, CcLink.cc_fields.is_not(None))
        .values(cc_fields=None)
    )
