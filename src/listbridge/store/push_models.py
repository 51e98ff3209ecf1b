"""The push's own table (issue 6), beside models.py so that module stays readable.

`models.py` imports this module at its end, so `Base.metadata` always holds it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from listbridge.store.models import Base
from listbridge.store.types import UTCDateTime


class PushActivity(Base):
    """A bulk activity a push submitted, by the digest of its request body.

    A push killed after submitting finds it here on the re-run and polls it instead
    of submitting it again; a push that finishes forgets its activities.
    """

    __tablename__ = "push_activities"
    connection_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    activity_id: Mapped[str] = mapped_column(String(64), nullable=False)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
