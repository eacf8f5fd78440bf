"""Inbound SMS: keywords in French, Dutch and English.

- STOP, ANNULER, ANNULEREN, CANCEL (first word): cancel the sender's open call-back requests;
- RAPPEL, TERUGBELLEN, CALLBACK (or CALL BACK), optionally followed by a service (its id or
  its name in any language, e.g. "RAPPEL LOGEMENT"): request a call-back (source `sms`);
- a single digit 1-5: the answer to a satisfaction survey sent by SMS;
- anything else: a short help text.

The reply is in the keyword's language, else the ticket's, else the caller's remembered
language, else the language of their last ticket, else French. The webhook answers it as
TwiML; no other SMS is sent for it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from irisline.db import utcnow
from irisline.errors import InvalidInput
from routing.callers import remembered_language
from routing.numbers import InvalidNumber, NumberPolicy, normalise

from . import intake, notifications, services, survey, texts
from .models import Ticket
from .tickets import CallbackRequest
from .windows import PolicyProvider, default_policy

CANCEL_WORDS = {"STOP": None, "ANNULER": "fr", "ANNULEREN": "nl", "CANCEL": "en"}
REQUEST_WORDS = {"RAPPEL": "fr", "TERUGBELLEN": "nl", "CALLBACK": "en"}


@dataclass
class Reply:
    language: str
    text: str
    notification_ids: list[int] = field(default_factory=list)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def _service_from(words: list[str]) -> str:
    wanted = " ".join(words).strip()
    if not wanted:
        return services.DEFAULT_SERVICE
    for service in services.SERVICES.values():
        names = {_fold(service.id), _fold(service.id.replace("_", " "))}
        names |= {_fold(n) for n in service.names.values()}
        if wanted in names or any(wanted == n.split()[0] for n in names):
            return service.id
    return services.DEFAULT_SERVICE


def _last_language(session: Session, phone: str | None) -> str | None:
    if not phone:
        return None
    return session.scalars(
        select(Ticket.language)
        .where(Ticket.phone == phone)
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(1)
    ).first()


def handle(
    session: Session,
    sender: str,
    body: str,
    *,
    now: datetime | None = None,
    policies: PolicyProvider = default_policy,
    number_policy: NumberPolicy | None = None,
) -> Reply:
    now = now or utcnow()
    region = number_policy.region if number_policy else "BE"
    try:
        phone: str | None = normalise(sender, region)
    except InvalidNumber:
        phone = None
    words = _fold(body or "").replace(",", " ").replace(".", " ").split()
    fallback = (
        remembered_language(session, phone)
        or _last_language(session, phone)
        or texts.DEFAULT_LANGUAGE
    )
    if words[:2] == ["CALL", "BACK"]:
        words = ["CALLBACK", *words[2:]]
    first = words[0] if words else ""

    if first in CANCEL_WORDS:
        open_tickets = intake.open_tickets_for(session, phone) if phone else []
        language = CANCEL_WORDS[first] or (open_tickets[-1].language if open_tickets else fallback)
        if not open_tickets:
            return Reply(language, texts.sms(language, "none_open"))
        cancelled = []
        for ticket in open_tickets:
            intake.cancel(session, ticket, reason="cancelled by SMS reply")
            cancelled.append(ticket.reference)
        return Reply(language, texts.sms(language, "cancelled", ref=", ".join(cancelled)))

    if first in REQUEST_WORDS:
        language = REQUEST_WORDS[first]
        try:
            submission = intake.submit(
                session,
                CallbackRequest(
                    phone=sender,
                    service=_service_from(words[1:]),
                    language=language,
                    source="sms",
                ),
                policies=policies,
                number_policy=number_policy,
                now=now,
                actor="sms",
                confirm_by_sms=False,
            )
        except InvalidInput:
            return Reply(language, texts.sms(language, "refused"))
        kind = "confirmation" if submission.created else "merged"
        return Reply(language, notifications.render(submission.ticket, kind, submission.window))

    if len(first) == 1 and first in "12345" and len(words) == 1 and phone:
        rated = survey.awaiting_sms_answer(session, phone, now)
        if rated is not None:
            survey.record(session, rated, int(first), "sms")
            return Reply(rated.language, texts.sms(rated.language, "survey_thanks"))

    return Reply(fallback, texts.sms(fallback, "help"))
