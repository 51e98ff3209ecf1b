"""The push's own table (issue 6): the bulk activities it submitted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from listbridge.store.models.base import Base, connection_fk
from listbridge.store.types import UTCDateTime


class PushActivity(Base):
    """A bulk activity a push submitted, by the digest of its request body.

    A push killed after submitting finds it here on the re-run and polls it instead
    of submitting it again; a push that finishes forgets its activities.
    """

    __tablename__ = "push_activities"
    connection_id: Mapped[int] = connection_fk(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    activity_id: Mapped[str] = mapped_column(String(64), nullable=False)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
