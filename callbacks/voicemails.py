"""Storing voicemails the moment the provider reports the recording."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.numbers import InvalidNumber

from .models import Voicemail
from .tickets import CallbackRequest, request_callback


@dataclass(frozen=True)
class RecordingReport:
    recording_sid: str
    recording_url: str
    duration: int
    call_sid: str
    caller: str | None
    language: str
    service: str


def store_voicemail(session: Session, report: RecordingReport, *, region: str = "BE") -> Voicemail:
    """Store the recording's metadata and open (or merge into) a call-back ticket.

    Idempotent on the recording SID: the provider may report the same recording twice.
    """
    existing = session.scalars(
        select(Voicemail).where(Voicemail.recording_sid == report.recording_sid)
    ).first()
    if existing is not None:
        return existing
    voicemail = Voicemail(
        recording_sid=report.recording_sid,
        recording_url=report.recording_url,
        duration=report.duration,
        call_sid=report.call_sid,
        language=report.language,
        service=report.service,
    )
    try:
        ticket, _ = request_callback(
            session,
            CallbackRequest(
                phone=report.caller or "",
                service=report.service,
                language=report.language,
                source="voicemail",
                call_sid=report.call_sid,
            ),
            region=region,
        )
        voicemail.phone = ticket.phone
        voicemail.ticket = ticket
    except InvalidNumber:
        # A withheld number can still leave a message; the second line reads it without a
        # call-back ticket.
        voicemail.status = "no-callback-number"
    session.add(voicemail)
    return voicemail
