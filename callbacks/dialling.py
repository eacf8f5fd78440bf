"""Placing a call-back: the attempt is committed before the provider is asked to dial.

If the process dies after the commit and before the provider answers, the attempt stays
"dialling" without a call SID; the reconciler settles it by asking the provider, never by
dialling again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import func, select

from irisline.db import Database, utcnow
from irisline.telephony import ProviderRejected, ProviderTimeout, ProviderUnavailable

from .models import Attempt, Ticket
from .states import DIALLABLE, Status
from .tickets import get_ticket, transition

log = logging.getLogger(__name__)

ACTOR = "dialler"
MAX_ATTEMPTS = 3
RETRY_DELAY = timedelta(minutes=15)

# Twilio's final CallStatus values and what they mean for an attempt; the others (queued,
# initiated, ringing, in-progress) are interim.
ANSWERED = frozenset({"completed"})
NOT_REACHED = frozenset({"busy", "no-answer", "failed", "canceled"})


class Dialler(Protocol):
    def place_callback_call(self, *, to: str, reference: str, attempt_key: str) -> str: ...


@dataclass(frozen=True)
class DialOutcome:
    ticket_id: int
    attempt_key: str | None
    call_sid: str | None
    skipped: str | None = None


def _begin_attempt(db: Database, ticket_id: int) -> tuple[Attempt, str, str] | str:
    """Write the attempt and move the ticket to DIALLING; or say why there is nothing to do."""
    with db.session() as session:
        ticket = get_ticket(session, ticket_id, for_update=True)
        if ticket.state not in DIALLABLE:
            return f"ticket is {ticket.status}"
        pending = session.scalars(
            select(Attempt).where(Attempt.ticket_id == ticket.id, Attempt.settled_at.is_(None))
        ).first()
        if pending is not None:
            return f"attempt {pending.idempotency_key} is not settled yet"
        seq = (
            session.scalar(select(func.max(Attempt.seq)).where(Attempt.ticket_id == ticket.id)) or 0
        ) + 1
        attempt = Attempt(
            ticket=ticket, seq=seq, idempotency_key=f"{ticket.id}-{seq}", status="dialling"
        )
        session.add(attempt)
        transition(session, ticket, Status.DIALLING, actor=ACTOR, reason=f"attempt {seq}")
        return attempt, ticket.phone, ticket.reference


def dial(db: Database, ticket_id: int, provider: Dialler) -> DialOutcome:
    """Make the next attempt for a ticket, if it is due one."""
    begun = _begin_attempt(db, ticket_id)
    if isinstance(begun, str):
        log.info("ticket %s: not dialling: %s", ticket_id, begun)
        return DialOutcome(ticket_id, None, None, skipped=begun)
    attempt, phone, reference = begun
    key = attempt.idempotency_key
    try:
        sid = provider.place_callback_call(to=phone, reference=reference, attempt_key=key)
    except ProviderRejected as exc:
        _settle(db, key, "failed", error=str(exc), final=Status.FAILED)
        return DialOutcome(ticket_id, key, None, skipped=str(exc))
    except ProviderUnavailable as exc:
        _settle(db, key, "failed", error=str(exc))
        return DialOutcome(ticket_id, key, None, skipped=str(exc))
    except ProviderTimeout as exc:
        log.warning("attempt %s: provider timed out, left for the reconciler: %s", key, exc)
        return DialOutcome(ticket_id, key, None, skipped=str(exc))
    with db.session() as session:
        row = session.scalars(select(Attempt).where(Attempt.idempotency_key == key)).one()
        row.call_sid = sid
        row.placed_at = utcnow()
        if row.status == "dialling":
            row.status = "placed"
    return DialOutcome(ticket_id, key, sid)


def _next_status(ticket: Ticket, now: datetime) -> Status:
    if len(ticket.attempts) >= MAX_ATTEMPTS:
        return Status.EXHAUSTED
    ticket.due_at = now + RETRY_DELAY
    return Status.RETRY


def _settle(
    db: Database,
    key: str,
    call_status: str,
    *,
    error: str | None = None,
    final: Status | None = None,
) -> bool:
    """Record how an attempt ended; returns False when it was already settled (idempotent)."""
    with db.session() as session:
        attempt = session.scalars(
            select(Attempt).where(Attempt.idempotency_key == key).with_for_update()
        ).first()
        if attempt is None or attempt.settled_at is not None:
            return False
        now = utcnow()
        attempt.status = call_status
        attempt.settled_at = now
        attempt.error = error
        ticket = get_ticket(session, attempt.ticket_id, for_update=True)
        if ticket.state is not Status.DIALLING:
            return True
        if final is None:
            final = Status.COMPLETED if call_status in ANSWERED else _next_status(ticket, now)
        transition(session, ticket, final, actor=ACTOR, reason=error or f"call {call_status}")
        return True


def settle_from_status_callback(db: Database, attempt_key: str, call_status: str) -> bool:
    """Apply a provider status callback. Interim statuses are ignored; repeats are harmless."""
    if call_status not in ANSWERED | NOT_REACHED:
        return False
    return _settle(db, attempt_key, call_status)
