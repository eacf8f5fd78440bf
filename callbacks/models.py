"""Tables owned by the call-back domain.

Personal data (the citizen's number, notes) lives in `tickets` and `attempts` only, so that
retention and erasure have few, known places to act on.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from irisline.db import Base, UTCDateTime, utcnow

from .states import OPEN, Status


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    service: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=Status.REQUESTED.value, index=True)
    # Unique while the ticket is open and NULL once it is closed: one open ticket per
    # (number, service) on every backend, without a partial index.
    open_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    # When the citizen first asked: the keep-your-place ordering key.
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    merge_count: Mapped[int] = mapped_column(Integer, default=0)
    call_sid: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan"
    )
    attempts: Mapped[list[Attempt]] = relationship(
        back_populates="ticket", order_by="Attempt.seq", cascade="all, delete-orphan"
    )

    @property
    def state(self) -> Status:
        return Status(self.status)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN

    @staticmethod
    def make_open_key(phone: str, service: str) -> str:
        return f"{phone}|{service}"


class TicketEvent(Base):
    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(Text, default="")

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class Attempt(Base):
    """One try at calling the citizen back, written and committed before the provider is asked
    to dial, so that a crash can never turn one attempt into two calls."""

    __tablename__ = "attempts"
    __table_args__ = (UniqueConstraint("ticket_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="dialling")
    # customer-first (the citizen is dialled, with answering-machine detection) or agent-first
    # (an agent is rung and bridged to the citizen).
    mode: Mapped[str] = mapped_column(
        String(20), default="customer-first", server_default="customer-first"
    )
    # Twilio's AnsweredBy: human, machine_start, fax, unknown, ...
    answered_by: Mapped[str | None] = mapped_column(String(30))
    call_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    placed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    error: Mapped[str | None] = mapped_column(Text)

    ticket: Mapped[Ticket] = relationship(back_populates="attempts")


class Voicemail(Base):
    """A recorded message, stored as soon as the provider reports the recording."""

    __tablename__ = "voicemails"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recording_sid: Mapped[str] = mapped_column(String(64), unique=True)
    recording_url: Mapped[str] = mapped_column(Text)
    duration: Mapped[int] = mapped_column(Integer, default=0)
    call_sid: Mapped[str] = mapped_column(String(64), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8))
    service: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="stored")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    ticket: Mapped[Ticket | None] = relationship()
