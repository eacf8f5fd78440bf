"""The one-question satisfaction survey after a completed call-back (DTMF 1-5 at the end of
the call, or an SMS reply to the survey message). Stored per service and language, without
personal data; one answer per ticket."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from irisline.db import utcnow
from irisline.errors import Conflict, InvalidInput

from .models import Notification, SurveyResponse, Ticket
from .states import Status

CHANNELS = frozenset({"dtmf", "sms"})
SMS_REPLY_WINDOW = timedelta(days=3)


def parse_score(raw: str | None) -> int:
    text = (raw or "").strip()
    if len(text) != 1 or text not in "12345":
        raise InvalidInput("a score from 1 to 5", field="score")
    return int(text)


def record(session: Session, ticket: Ticket, score: int, channel: str) -> SurveyResponse | None:
    """Store a score for a completed ticket; None if the ticket already has one."""
    if channel not in CHANNELS:
        raise InvalidInput(f"unknown channel {channel!r}", field="channel")
    if not 1 <= score <= 5:
        raise InvalidInput("a score from 1 to 5", field="score")
    # On the phone the question comes right after the agent hung up, before the provider has
    # reported the call completed: the ticket is still dialling then.
    rateable = {Status.COMPLETED} | ({Status.DIALLING} if channel == "dtmf" else set())
    if ticket.state not in rateable:
        raise Conflict("only a completed call-back can be rated", reference=ticket.reference)
    existing = session.scalars(
        select(SurveyResponse).where(SurveyResponse.ticket_id == ticket.id)
    ).first()
    if existing is not None:
        return None
    response = SurveyResponse(
        ticket_id=ticket.id,
        service=ticket.service,
        language=ticket.language,
        score=score,
        channel=channel,
    )
    session.add(response)
    return response


def awaiting_sms_answer(session: Session, phone: str, now: datetime | None = None) -> Ticket | None:
    """The completed ticket of this number whose survey SMS went out recently and is still
    unanswered (the most recent one)."""
    since = (now or utcnow()) - SMS_REPLY_WINDOW
    answered = select(SurveyResponse.ticket_id).where(SurveyResponse.ticket_id.is_not(None))
    return session.scalars(
        select(Ticket)
        .join(Notification, Notification.ticket_id == Ticket.id)
        .where(
            Ticket.phone == phone,
            Ticket.status == Status.COMPLETED.value,
            Notification.kind == "survey",
            Notification.created_at >= since,
            Ticket.id.not_in(answered),
        )
        .order_by(Notification.created_at.desc())
        .limit(1)
    ).first()


def summary(session: Session) -> list[dict[str, object]]:
    """Average score and count per (service, language), for supervisors."""
    rows = session.execute(
        select(
            SurveyResponse.service,
            SurveyResponse.language,
            func.count(SurveyResponse.id),
            func.avg(SurveyResponse.score),
        )
        .group_by(SurveyResponse.service, SurveyResponse.language)
        .order_by(SurveyResponse.service, SurveyResponse.language)
    ).all()
    return [
        {"service": s, "language": lang, "count": int(n), "average": round(float(avg), 2)}
        for s, lang, n, avg in rows
    ]
