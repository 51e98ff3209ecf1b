"""The builtin CRM's accounts and their custom fields. CRM data: `disconnect` keeps it.

The builtin CRM's lists are in `lists.py`, beside Constant Contact's.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
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


class CrmAccount(Base):
    """An account of the builtin CRM."""

    __tablename__ = "crm_accounts"
    connection_id: Mapped[int] = connection_fk(primary_key=True)
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    type: Mapped[str] = mapped_column(String(20), nullable=False)
    first_name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    middle_name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    last_name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    company_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    email: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    email2: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    email3: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    phone1: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    phone2: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    phone3: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    fax: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    address_line1: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    city: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    state: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    zip: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    country: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    title: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    individual_type: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    deceased: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    do_not_contact: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    email_opt_out: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    cc_contact_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    origin_category: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    origin_detail: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # Set by `crm delete`: the row stays (journal, links, opt-outs) so `crm load` can restore it.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The `crm load` run that created the account: its one journal entry (store/journal.py)
    # stands for a "created" entry per account, which cost a load more than the account.
    created_run_id: Mapped[int | None] = mapped_column(Integer)
    __table_args__ = (
        # keyset pages of the changes, (updated_at, id), one seek each (migration 0020)
        Index("ix_crm_accounts_updated_id", "connection_id", "updated_at", "id"),
        Index("ix_crm_accounts_email", "connection_id", "email"),
        # the few deleted ones (crm check, a list's live members), not a walk over everyone
        Index("ix_crm_accounts_deleted", "connection_id", "deleted_at"),
    )


class CrmCustomField(Base):
    __tablename__ = "crm_custom_fields"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = connection_fk()
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    type: Mapped[str] = mapped_column(String(20), nullable=False)
    choices: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    __table_args__ = (UniqueConstraint("connection_id", "name", name="uq_crm_custom_fields_name"),)


class CrmCustomValue(Base):
    """A custom field's value on one account, kept in its canonical text form."""

    __tablename__ = "crm_custom_values"
    connection_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    field_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("crm_custom_fields.id", ondelete="CASCADE"), primary_key=True
    )
    value: Mapped[str] = mapped_column(Text, nullable=False)
    __table_args__ = (
        # Values go with their account: removing an account removes its values.
        ForeignKeyConstraint(
            ["connection_id", "account_id"],
            ["crm_accounts.connection_id", "crm_accounts.id"],
            ondelete="CASCADE",
        ),
    )
