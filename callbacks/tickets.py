"""Creating call-back tickets and moving them through their states."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from irisline.db import utcnow
from irisline.errors import InvalidInput, NotFound
from routing.numbers import normalise

from .models import Ticket, TicketEvent
from .ordering import place
from .states import Status, check

SOURCES = frozenset({"ivr", "queue-hangup", "voicemail", "missed-call", "web", "sms", "agent"})
REFERENCE_DIGITS = 8


@dataclass(frozen=True)
class CallbackRequest:
    phone: str
    service: str
    language: str
    source: str
    call_sid: str | None = None
    requested_at: datetime | None = None
    note: str | None = None


def new_reference() -> str:
    """Digits only: a reference is read out to callers in several languages."""
    first = secrets.choice("123456789")
    rest = "".join(secrets.choice("0123456789") for _ in range(REFERENCE_DIGITS - 1))
    return first + rest


def transition(
    session: Session, ticket: Ticket, new: Status, *, actor: str, reason: str = ""
) -> None:
    """Move `ticket` to `new` (or raise InvalidTransition) and store the change."""
    old = ticket.state
    check(old, new)
    ticket.status = new.value
    ticket.open_key = Ticket.make_open_key(ticket.phone, ticket.service) if ticket.is_open else None
    session.add(
        TicketEvent(
            ticket=ticket, from_status=old.value, to_status=new.value, actor=actor, reason=reason
        )
    )


def request_callback(
    session: Session, request: CallbackRequest, *, region: str = "BE", actor: str = "system"
) -> tuple[Ticket, bool]:
    """Create a ticket, or merge the request into the open one for the same number and service.

    Returns the ticket and whether it was created. A merge keeps the earlier place in the queue
    and the same reference.
    """
    if request.source not in SOURCES:
        raise InvalidInput(f"unknown ticket source {request.source!r}", field="source")
    phone = normalise(request.phone, region)
    now = utcnow()
    requested_at = request.requested_at or now
    key = Ticket.make_open_key(phone, request.service)

    existing = session.scalars(select(Ticket).where(Ticket.open_key == key)).first()
    for _ in range(5):
        if existing is not None:
            break
        ticket = Ticket(
            reference=new_reference(),
            phone=phone,
            service=request.service,
            language=request.language,
            source=request.source,
            status=Status.REQUESTED.value,
            open_key=key,
            requested_at=requested_at,
            due_at=now,
            call_sid=request.call_sid,
            note=request.note,
        )
        place(ticket)
        try:
            with session.begin_nested():
                session.add(ticket)
                session.add(
                    TicketEvent(
                        ticket=ticket,
                        from_status=None,
                        to_status=Status.REQUESTED.value,
                        actor=actor,
                        reason=f"requested via {request.source}",
                    )
                )
            return ticket, True
        except IntegrityError:
            # Either a concurrent request for the same number and service won the race (merge
            # into it) or the random reference was taken (draw another).
            existing = session.scalars(select(Ticket).where(Ticket.open_key == key)).first()
    if existing is None:
        raise RuntimeError("could not allocate a unique ticket reference")
    existing.merge_count += 1
    existing.requested_at = min(existing.requested_at, requested_at)
    place(existing)
    session.add(
        TicketEvent(
            ticket=existing,
            from_status=existing.status,
            to_status=existing.status,
            actor=actor,
            reason=f"repeat request via {request.source} merged",
        )
    )
    return existing, False


def get_ticket(session: Session, ticket_id: int, *, for_update: bool = False) -> Ticket:
    stmt = select(Ticket).where(Ticket.id == ticket_id)
    if for_update:
        stmt = stmt.with_for_update()
    ticket = session.scalars(stmt).first()
    if ticket is None:
        raise NotFound(f"no ticket {ticket_id}", ticket_id=ticket_id)
    return ticket


def find_by_reference(session: Session, reference: str) -> Ticket:
    ticket = session.scalars(select(Ticket).where(Ticket.reference == reference)).first()
    if ticket is None:
        raise NotFound(f"no ticket with reference {reference}", reference=reference)
    return ticket
