"""Tables owned by routing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from irisline.db import Base, UTCDateTime, utcnow


class Caller(Base):
    """A caller's remembered language, keyed by their E.164 number."""

    __tablename__ = "callers"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    language: Mapped[str] = mapped_column(String(8))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class MenuVersion(Base):
    """One version of the IVR menu, as the YAML a supervisor wrote.

    Exactly one version is published at a time; a call keeps the version it started with.
    """

    __tablename__ = "menu_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    # 1 on the published version, NULL elsewhere: the database itself allows one live menu.
    live: Mapped[int | None] = mapped_column(Integer, unique=True)
    source: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(80), default="system")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by: Mapped[str | None] = mapped_column(String(80))


class CallRecord(Base):
    """A call into the IVR: who, in which language, on which menu version, and how it ended."""

    __tablename__ = "call_records"

    call_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    caller: Mapped[str | None] = mapped_column(String(20), index=True)
    language: Mapped[str | None] = mapped_column(String(8))
    menu_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("menu_versions.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(20), index=True)
    outcome_node: Mapped[str | None] = mapped_column(String(80))
    outcome_detail: Mapped[str | None] = mapped_column(Text)
    # From <Enqueue action> (QueueTime) and the call's final status (CallDuration): the wait
    # estimate's recent handling times.
    queue_seconds: Mapped[int | None] = mapped_column(Integer)
    handled_seconds: Mapped[int | None] = mapped_column(Integer)

    steps: Mapped[list[CallStep]] = relationship(
        back_populates="call", order_by="CallStep.seq", cascade="all, delete-orphan"
    )


class CallStep(Base):
    """One node a call went through and the input given there (the menu funnel's raw data)."""

    __tablename__ = "call_steps"
    __table_args__ = (UniqueConstraint("call_sid", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_sid: Mapped[str] = mapped_column(
        ForeignKey("call_records.call_sid", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    node: Mapped[str] = mapped_column(String(80))
    input: Mapped[str | None] = mapped_column(String(200))
    result: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    call: Mapped[CallRecord] = relationship(back_populates="steps")
