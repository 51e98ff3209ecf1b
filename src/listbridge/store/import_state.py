"""Import state: where the next incremental import starts, and the contacts to reconsider.

Contacts not imported are kept as last fetched (a snapshot), so the next import
reconsiders them without an API call; one that changed in CC meanwhile is fetched
again by the incremental query, and the fresh copy wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from listbridge.core.cc_records import CcAddress, CcContact, CcPhone, Permission
from listbridge.store.models import ImportCursor, ImportPending, Run


def read_cursors(session: Session, connection_id: int) -> dict[str, datetime]:
    query = select(ImportCursor.scope, ImportCursor.updated_after).where(
        ImportCursor.connection_id == connection_id
    )
    return {str(scope): at for scope, at in session.execute(query)}


def advance_cursors(
    session: Session, connection_id: int, scopes: Iterable[str], at: datetime, run_id: int
) -> None:
    rows = [
        {"connection_id": connection_id, "scope": s, "updated_after": at, "run_id": run_id}
        for s in scopes
    ]
    if rows:
        statement = _insert(session)(ImportCursor)
        changes = {"updated_after": statement.excluded.updated_after, "run_id": run_id}
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["connection_id", "scope"], set_=changes
            ),
            rows,
        )


def _insert(session: Session) -> Any:
    return sqlite.insert if session.get_bind().dialect.name == "sqlite" else postgresql.insert


def pending_contacts(session: Session, connection_id: int) -> list[CcContact]:
    query = select(ImportPending.contact).where(ImportPending.connection_id == connection_id)
    return [contact_from_json(data) for data in session.scalars(query)]


def remember_pending(
    session: Session, connection_id: int, skipped: Sequence[tuple[CcContact, str]], run_id: int
) -> None:
    """Keep (contact, reason code) pairs to reconsider; the newest snapshot wins."""
    rows = [
        {
            "connection_id": connection_id,
            "cc_contact_id": c.contact_id,
            "reason": reason[:40],
            "contact": contact_to_json(c),
            "run_id": run_id,
        }
        for c, reason in skipped
    ]
    if rows:
        statement = _insert(session)(ImportPending)
        changes = {k: statement.excluded[k] for k in ("reason", "contact", "run_id")}
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["connection_id", "cc_contact_id"], set_=changes
            ),
            rows,
        )


def forget_pending(session: Session, connection_id: int, contact_ids: Sequence[str]) -> None:
    if contact_ids:
        session.execute(
            delete(ImportPending).where(
                ImportPending.connection_id == connection_id,
                ImportPending.cc_contact_id.in_(list(contact_ids)),
            )
        )


def save_progress(
    session: Session, run_id: int, counts: Mapping[str, int], checkpoint: Mapping[str, Any]
) -> None:
    """The run's counts and checkpoint, in the transaction of the rows they cover."""
    session.execute(
        update(Run).where(Run.id == run_id).values(counts=dict(counts), checkpoint=dict(checkpoint))
    )


def contact_to_json(c: CcContact) -> dict[str, Any]:
    return {
        "contact_id": c.contact_id,
        "email": c.email,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "permission": c.permission.value,
        "opt_out_source": c.opt_out_source,
        "opt_out_date": c.opt_out_date.isoformat() if c.opt_out_date else None,
        "opt_out_reason": c.opt_out_reason,
        "list_ids": list(c.list_ids),
        "updated_at": c.updated_at.isoformat() if c.updated_at else None,
        "deleted": c.deleted,
        "company_name": c.company_name,
        "job_title": c.job_title,
        "phones": [[p.number, p.kind] for p in c.phones],
        "addresses": [
            [a.kind, a.street, a.city, a.state, a.postal_code, a.country] for a in c.addresses
        ],
    }


def contact_from_json(data: Mapping[str, Any]) -> CcContact:
    def moment(key: str) -> datetime | None:
        return datetime.fromisoformat(data[key]) if data.get(key) else None

    return CcContact(
        contact_id=data["contact_id"],
        email=data["email"],
        first_name=data["first_name"],
        last_name=data["last_name"],
        permission=Permission(data["permission"]),
        opt_out_source=data["opt_out_source"],
        opt_out_date=moment("opt_out_date"),
        opt_out_reason=data["opt_out_reason"],
        list_ids=tuple(data["list_ids"]),
        updated_at=moment("updated_at"),
        deleted=data["deleted"],
        company_name=data["company_name"],
        job_title=data["job_title"],
        phones=tuple(CcPhone(*p) for p in data["phones"]),
        addresses=tuple(CcAddress(*a) for a in data["addresses"]),
    )
