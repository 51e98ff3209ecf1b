"""Which CRM a connection syncs: the builtin one, or a CRM held in its own database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from listbridge.store.models.base import Base, connection_fk
from listbridge.store.types import UTCDateTime


class CrmChoiceRow(Base):
    """A connection's `crm use` choice; a connection without a row syncs the builtin CRM.

    The URL of a CRM's database holds its password, so it is kept as a Fernet token
    (store/secretbox.py), like the Constant Contact tokens; None for the builtin CRM.
    """

    __tablename__ = "crm_choices"
    connection_id: Mapped[int] = connection_fk(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    url_encrypted: Mapped[str | None] = mapped_column(Text)
    #: a mapped CRM's mapping file: its name (messages name its lines) and its text,
    #: encrypted (it may hold the URL)
    mapping_name: Mapped[str | None] = mapped_column(String(255))
    mapping_encrypted: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class CrmFingerprint(Base):
    """What a mapped CRM's row looked like when last read, and since when (see
    crm/sqlmap/fingerprints.py): for a CRM that stamps no change time on its rows."""

    __tablename__ = "crm_fingerprints"
    connection_id: Mapped[int] = connection_fk(primary_key=True)
    account_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
