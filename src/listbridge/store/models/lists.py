"""The tables of lists: CC's lists as we mirror them, the builtin CRM's lists, and
what each side of a list held after the last list sync."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from listbridge.store.models.base import Base, connection_fk
from listbridge.store.types import UTCDateTime


class CcListMirror(Base):
    """Our copy of a Constant Contact list; `hidden` is ours alone (CC has no such flag).

    The list-sync columns are ours too: the CRM list it is paired with, the name both
    sides agreed on at the last list sync (a rename shows as a difference from it),
    and the rule that fills it (`rule_kind` '' when none, 'where' or 'crm_list').
    """

    __tablename__ = "cc_lists"
    connection_id: Mapped[int] = connection_fk(primary_key=True)
    cc_list_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    hidden: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    deleted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    cc_members: Mapped[int | None] = mapped_column(Integer)
    last_sync: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # The paired CRM list, by the CRM's own key of it (`CrmWithLists.list_keys`): a CRM
    # held elsewhere has lists of its own. A key the CRM no longer has unpairs the CC list
    # (store/list_sync_state.py); the CC list itself stays.
    crm_list_key: Mapped[str | None] = mapped_column(String(64))
    synced_name: Mapped[str] = mapped_column(
        String(255), nullable=False, default="", server_default=""
    )
    rule_kind: Mapped[str] = mapped_column(
        String(20), nullable=False, default="", server_default=""
    )
    rule: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    __table_args__ = (Index("ix_cc_lists_name", "connection_id", "name"),)


class CrmList(Base):
    """A list of the builtin CRM; CRM data, so `disconnect` keeps it."""

    __tablename__ = "crm_lists"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = connection_fk()
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    __table_args__ = (UniqueConstraint("connection_id", "name", name="uq_crm_lists_name"),)


class CrmListMember(Base):
    """An account on a builtin CRM list."""

    __tablename__ = "crm_list_members"
    list_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("crm_lists.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    connection_id: Mapped[int] = mapped_column(Integer, nullable=False)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    __table_args__ = (
        # Memberships go with their account: removing an account takes it off its lists.
        ForeignKeyConstraint(
            ["connection_id", "account_id"],
            ["crm_accounts.connection_id", "crm_accounts.id"],
            ondelete="CASCADE",
        ),
        Index("ix_crm_list_members_account", "connection_id", "account_id"),
    )


class ListSyncMember(Base):
    """What one side of a synced list held after the last list sync: the base of the
    three-way merge that tells an addition on one side from a removal on the other.

    No foreign key to the accounts: an account deleted since must still count as
    "was a member", or its removal would read as never having been there.
    """

    __tablename__ = "list_sync_members"
    connection_id: Mapped[int] = connection_fk(primary_key=True)
    cc_list_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    side: Mapped[str] = mapped_column(String(3), primary_key=True)  # 'crm' or 'cc'
    account_id: Mapped[str] = mapped_column(String(100), primary_key=True)
