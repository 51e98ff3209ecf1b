"""The pairing of CRM accounts with Constant Contact contacts, and what we last saw
of each contact so a later job can tell what changed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from listbridge.store.models.base import Base, connection_fk
from listbridge.store.types import UTCDateTime


class CcLink(Base):
    """A CRM account ↔ a Constant Contact contact, one-to-one within a connection.

    Carries what we last saw of the contact (its lists, consent, updated_at) so a
    later job can tell what changed; `fingerprint` is the push's (issue 6) digest.
    The builtin CRM's `crm_accounts.cc_contact_id` is written in the same
    transaction as the link, so export shows it without a join.
    """

    __tablename__ = "cc_links"
    connection_id: Mapped[int] = connection_fk(primary_key=True)
    account_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    cc_contact_id: Mapped[str] = mapped_column(String(64), nullable=False)
    list_ids: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    permission_to_send: Mapped[str] = mapped_column(String(30), nullable=False, default="")
    opt_out_source: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    cc_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    email: Mapped[str] = mapped_column(String(255), nullable=False, default="", server_default="")
    # the account's opt-out as the last unsubscribe reconciliation left it (None: not yet
    # seen): a CRM edited by its own screens journals nothing, so a change shows as a
    # difference from this
    crm_opt_out: Mapped[bool | None] = mapped_column(Boolean)
    # what CC holds of the contact (its address and the fields a push journals), as the
    # last push left it or read it since (JSON; None: not known): store/push_state.py
    cc_fields: Mapped[str | None] = mapped_column(Text)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    __table_args__ = (
        UniqueConstraint("connection_id", "cc_contact_id", name="uq_cc_links_contact"),
    )
