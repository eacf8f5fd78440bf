"""Storing voicemails the moment the provider reports the recording."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from irisline.errors import InvalidInput
from routing.numbers import InvalidNumber, NumberPolicy

from .intake import Submission, submit
from .models import Voicemail
from .tickets import CallbackRequest
from .windows import PolicyProvider, default_policy


@dataclass(frozen=True)
class RecordingReport:
    recording_sid: str
    recording_url: str
    duration: int
    call_sid: str
    caller: str | None
    language: str
    service: str


def store_voicemail(
    session: Session,
    report: RecordingReport,
    *,
    region: str = "BE",
    policies: PolicyProvider = default_policy,
    number_policy: NumberPolicy | None = None,
    now: datetime | None = None,
) -> tuple[Voicemail, Submission | None]:
    """Store the recording's metadata and open (or merge into) a call-back ticket, planned
    in the service's callable windows and confirmed by SMS like every other source.

    Idempotent on the recording SID: the provider may report the same recording twice.
    """
    existing = session.scalars(
        select(Voicemail).where(Voicemail.recording_sid == report.recording_sid)
    ).first()
    if existing is not None:
        return existing, None
    voicemail = Voicemail(
        recording_sid=report.recording_sid,
        recording_url=report.recording_url,
        duration=report.duration,
        call_sid=report.call_sid,
        language=report.language,
        service=report.service,
    )
    submission = None
    try:
        submission = submit(
            session,
            CallbackRequest(
                phone=report.caller or "",
                service=report.service,
                language=report.language,
                source="voicemail",
                call_sid=report.call_sid,
            ),
            policies=policies,
            number_policy=number_policy or NumberPolicy(region=region),
            now=now,
            actor="ivr",
        )
        voicemail.phone = submission.ticket.phone
        voicemail.ticket = submission.ticket
    except InvalidNumber:
        # A withheld number can still leave a message; the second line reads it without a
        # call-back ticket.
        voicemail.status = "no-callback-number"
    except InvalidInput as exc:
        # Never lose the recording over the ticket (e.g. a language without SMS texts).
        voicemail.reason = f"no call-back ticket: {exc.message}"
    session.add(voicemail)
    return voicemail, submission
