"""Tables owned by the call-back domain.

Personal data (the citizen's number, notes) lives in `tickets` (phone, note, preferred
window), `attempts` (call SIDs) and `voicemails` only, so that retention and erasure have few,
known places to act on. Events carry no personal data (reasons are written by the domain, not
copied from notes); `notifications` hold the text sent but not the number (it is read from the
ticket at send time); `survey_responses` and `agents` hold none.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
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
    # The fair-order key, kept by `callbacks.ordering.place` (original call time minus a
    # bounded priority boost).
    queue_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # The citizen's preferred window, if any (personal data).
    preferred_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    preferred_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sla_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the SLA deadline passed: the supervisors' flag.
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # SHA-256 of the self-service token given once to the requester (never the token).
    token_hash: Mapped[str | None] = mapped_column(String(64))
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

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
    # stored (or no-callback-number) → transcribed | needs-listening | failed
    # (`callbacks.voicemail_pipeline`); `reason` says why for the last two, in words an agent
    # can read.
    status: Mapped[str] = mapped_column(String(20), default="stored", index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    ticket: Mapped[Ticket | None] = relationship()
    transcript: Mapped[VoicemailTranscript | None] = relationship(
        back_populates="voicemail", cascade="all, delete-orphan", uselist=False
    )


class VoicemailTranscript(Base):
    """The machine transcript of a voicemail, as the second line sees it: **redacted** text
    and words only. The unredacted text is not stored anywhere: the recording (kept by the
    provider) is the one source a person may go back to, and each such listen is audited."""

    __tablename__ = "voicemail_transcripts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Unique: a retried job can never add a second transcript.
    voicemail_id: Mapped[int] = mapped_column(
        ForeignKey("voicemails.id", ondelete="CASCADE"), unique=True
    )
    model: Mapped[str] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(8))
    audio_seconds: Mapped[float] = mapped_column(Float)
    processing_seconds: Mapped[float] = mapped_column(Float)
    real_time_factor: Mapped[float] = mapped_column(Float)
    mean_confidence: Mapped[float | None] = mapped_column(Float)
    display_text: Mapped[str] = mapped_column(Text, default="")
    # [{word, start, end, conf}], personal data replaced by placeholders.
    display_words: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Kinds of personal data that were redacted, e.g. ["iban", "nrn"].
    redacted: Mapped[list[str]] = mapped_column(JSON, default=list)
    # `TriageResult.to_dict()`: suggested service, confidence, scores with matched terms,
    # urgency flags, reasons; None when there was no text to triage.
    triage: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    routed_to: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    voicemail: Mapped[Voicemail] = relationship(back_populates="transcript")


class Agent(Base):
    """An agent of the call-back queues: which services and languages they work, and the hash
    of their API token (the token itself is shown once, at creation)."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Comma-separated ids, e.g. "housing,taxes" and "fr,nl".
    services: Mapped[str] = mapped_column(Text)
    languages: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def service_list(self) -> list[str]:
        return [s for s in self.services.split(",") if s]

    @property
    def language_list(self) -> list[str]:
        return [s for s in self.languages.split(",") if s]


class Notification(Base):
    """An SMS to a ticket's citizen: written in the same transaction as the change it reports
    (an outbox), then sent by a `notify` job. Sent at most once."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    provider_sid: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    ticket: Mapped[Ticket] = relationship()


class SurveyResponse(Base):
    """One satisfaction score (1-5) after a completed call-back; no personal data."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), unique=True
    )
    service: Mapped[str] = mapped_column(String(40), index=True)
    language: Mapped[str] = mapped_column(String(8))
    score: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
