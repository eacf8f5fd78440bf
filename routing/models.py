"""Tables owned by routing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from irisline.db import Base, UTCDateTime, utcnow


class Caller(Base):
    """A caller's remembered language, keyed by their E.164 number."""

    __tablename__ = "callers"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    language: Mapped[str] = mapped_column(String(8))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
