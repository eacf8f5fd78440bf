"""Where every source of call-back requests comes in: the IVR (choice, queue hang-up,
voicemail), the web API and SMS all call `submit`, which checks the number, the service and the
language, creates or merges the ticket, plans it into a callable window and queues the SMS
confirmation. Also: self-service tokens, citizen cancellation, the SLA sweep, and the domain
side of the IVR's "you already have a request" prompt.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from irisline.db import utcnow
from irisline.errors import InvalidInput
from routing.numbers import NumberPolicy, callable_number

from . import notifications, ordering, services
from .models import Ticket, TicketEvent
from .states import CLAIMABLE, Status
from .tickets import CallbackRequest, find_by_reference, request_callback, transition
from .windows import PolicyProvider, ServicePolicy, Window, default_policy, next_window

CITIZEN = "citizen"
SYSTEM = "system"


@dataclass
class Submission:
    ticket: Ticket
    created: bool
    window: Window | None
    # The self-service token, given once, when the ticket is created.
    token: str | None = None
    notification_ids: list[int] = field(default_factory=list)


# --- tokens -------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(ticket: Ticket) -> str:
    token = secrets.token_urlsafe(24)
    ticket.token_hash = _hash(token)
    return token


def check_token(ticket: Ticket, token: str | None) -> bool:
    if not token or not ticket.token_hash:
        return False
    return hmac.compare_digest(ticket.token_hash, _hash(token))


# --- windows --------------------------------------------------------------------------------


def preferred_window(ticket: Ticket) -> Window | None:
    if ticket.preferred_start is None or ticket.preferred_end is None:
        return None
    return Window(ticket.preferred_start, ticket.preferred_end)


def expected_window(
    ticket: Ticket, policy: ServicePolicy, now: datetime | None = None
) -> Window | None:
    """The callable window in which we expect to call the citizen (None once closed)."""
    if not ticket.is_open:
        return None
    now = now or utcnow()
    start = max(now, ticket.due_at) if ticket.due_at else now
    return next_window(policy, start, preferred_window(ticket))


def plan(
    session: Session,
    ticket: Ticket,
    policy: ServicePolicy,
    now: datetime | None = None,
    *,
    actor: str = SYSTEM,
) -> Window | None:
    """Schedule the ticket at the start of its next callable window."""
    now = now or utcnow()
    window = next_window(policy, now, preferred_window(ticket))
    if window is None:
        return None
    ticket.due_at = window.start
    local_start, _ = window.local()
    transition(
        session, ticket, Status.SCHEDULED, actor=actor, reason=f"planned {local_start.isoformat()}"
    )
    return window


# --- submit ---------------------------------------------------------------------------------


def check_preferred(
    preferred: Window | None, policy: ServicePolicy, now: datetime
) -> Window | None:
    if preferred is None:
        return None
    if preferred.end <= preferred.start:
        raise InvalidInput("the end must come after the start", field="preferred_window")
    if preferred.end <= now:
        raise InvalidInput("the preferred window is in the past", field="preferred_window")
    if preferred.end - preferred.start > timedelta(days=31):
        raise InvalidInput("the preferred window is longer than 31 days", field="preferred_window")
    if next_window(policy, now, preferred) is None:
        raise InvalidInput(
            "the preferred window has no time when the service calls back",
            field="preferred_window",
        )
    return preferred


def submit(
    session: Session,
    request: CallbackRequest,
    *,
    policies: PolicyProvider = default_policy,
    number_policy: NumberPolicy | None = None,
    preferred: Window | None = None,
    priority: int = ordering.NORMAL,
    now: datetime | None = None,
    actor: str = SYSTEM,
    confirm_by_sms: bool = True,
) -> Submission:
    """Create (or merge) a ticket from any source and plan it. Raises InvalidInput (with the
    offending `field`) or routing.numbers.InvalidNumber."""
    now = now or utcnow()
    services.get(request.service)
    services.check_language(request.language)
    if priority not in ordering.PRIORITIES:
        raise InvalidInput(f"priority must be one of {ordering.PRIORITIES}", field="priority")
    try:
        phone = callable_number(request.phone, number_policy)
    except InvalidInput as exc:
        exc.details.setdefault("field", "phone")
        raise
    policy = policies(request.service)
    check_preferred(preferred, policy, now)

    ticket, created = request_callback(
        session,
        replace(request, phone=phone, requested_at=request.requested_at or now),
        actor=actor,
    )
    result = Submission(ticket, created, None)
    if created:
        result.token = issue_token(ticket)
        ticket.priority = priority
        ticket.sla_deadline = ticket.requested_at + policy.sla
        if preferred is not None:
            ticket.preferred_start, ticket.preferred_end = preferred.start, preferred.end
        ordering.place(ticket)
        result.window = plan(session, ticket, policy, now, actor=actor)
        kind = "confirmation"
    else:
        if priority > ticket.priority:
            set_priority(session, ticket, priority, actor=actor, reason="repeat request")
        result.window = expected_window(ticket, policy, now)
        kind = "merged"
    if confirm_by_sms and (created or kind == "merged"):
        result.notification_ids.append(
            notifications.queue_sms(session, ticket, kind, result.window).id
        )
    return result


def set_priority(
    session: Session, ticket: Ticket, priority: int, *, actor: str, reason: str = ""
) -> None:
    if priority not in ordering.PRIORITIES:
        raise InvalidInput(f"priority must be one of {ordering.PRIORITIES}", field="priority")
    old = ticket.priority
    ticket.priority = priority
    ordering.place(ticket)
    _note_event(
        session, ticket, actor, f"priority {old} -> {priority}" + (f": {reason}" if reason else "")
    )


def _note_event(session: Session, ticket: Ticket, actor: str, reason: str) -> None:
    """An event that changes no status (merge, priority, note, escalation)."""
    session.add(
        TicketEvent(
            ticket=ticket,
            from_status=ticket.status,
            to_status=ticket.status,
            actor=actor,
            reason=reason,
        )
    )


# --- the citizen's own actions --------------------------------------------------------------


def cancel(
    session: Session,
    ticket: Ticket,
    *,
    actor: str = CITIZEN,
    reason: str = "cancelled by the citizen",
    notify: bool = False,
) -> bool:
    """Cancel an open ticket; False when it was already cancelled (idempotent). Raises
    InvalidTransition for a ticket that ended otherwise (completed, expired...)."""
    if ticket.state is Status.CANCELLED:
        return False
    transition(session, ticket, Status.CANCELLED, actor=actor, reason=reason)
    ticket.claimed_by = None
    if notify:
        notifications.queue_sms(session, ticket, "cancelled")
    return True


def open_tickets_for(session: Session, phone: str, service: str | None = None) -> list[Ticket]:
    """The open tickets of a number (E.164), oldest first; at most one per service."""
    stmt = select(Ticket).where(Ticket.phone == phone, Ticket.open_key.is_not(None))
    if service is not None:
        stmt = stmt.where(Ticket.service == service)
    return list(session.scalars(stmt.order_by(Ticket.requested_at, Ticket.id)))


def existing_ticket(session: Session, phone: str | None, service: str) -> Ticket | None:
    """For the IVR: the caller's open ticket for this service, if any ("you already have a
    call-back request, reference X - press 1 to keep it, 2 to cancel")."""
    if not phone:
        return None
    found = open_tickets_for(session, phone, service)
    return found[0] if found else None


def keep_or_cancel(session: Session, reference: str, digit: str, *, actor: str = "ivr") -> Ticket:
    """The answer to the existing-ticket prompt: "1" keeps it, "2" cancels it."""
    ticket = find_by_reference(session, reference)
    if digit == "2":
        cancel(session, ticket, actor=actor, reason="cancelled by the caller in the IVR")
    elif digit == "1":
        _note_event(session, ticket, actor, "kept by the caller in the IVR")
    else:
        raise InvalidInput("press 1 or 2", field="digits")
    return ticket


def from_queue_hangup(
    session: Session,
    *,
    caller: str | None,
    service: str,
    language: str,
    queue_result: str,
    queue_seconds: int,
    min_seconds: int,
    call_sid: str | None = None,
    now: datetime | None = None,
    policies: PolicyProvider = default_policy,
    number_policy: NumberPolicy | None = None,
) -> Submission | None:
    """`<Enqueue action=...>` reports QueueResult and QueueTime: a caller who hung up
    (`hangup`) after waiting at least `min_seconds` keeps their place - the ticket's original
    call time is when they joined the queue. None when no ticket is due (or the number can't
    be called back)."""
    if queue_result != "hangup" or queue_seconds < min_seconds or not caller:
        return None
    now = now or utcnow()
    try:
        return submit(
            session,
            CallbackRequest(
                phone=caller,
                service=service,
                language=language,
                source="queue-hangup",
                call_sid=call_sid,
                requested_at=now - timedelta(seconds=max(queue_seconds, 0)),
            ),
            policies=policies,
            number_policy=number_policy,
            now=now,
            actor="ivr",
        )
    except InvalidInput:
        return None


# --- the SLA sweep --------------------------------------------------------------------------


@dataclass
class SweepResult:
    escalated: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    released: list[str] = field(default_factory=list)


def sweep(
    session: Session,
    now: datetime | None = None,
    *,
    policies: PolicyProvider = default_policy,
    stale_claim: timedelta = timedelta(hours=2),
) -> SweepResult:
    """Periodic: escalate tickets past their SLA deadline (priority raised, `escalated_at` set
    for supervisors), expire tickets open too long, give back claims an agent abandoned."""
    now = now or utcnow()
    result = SweepResult()
    overdue = session.scalars(
        select(Ticket).where(
            Ticket.open_key.is_not(None),
            Ticket.escalated_at.is_(None),
            Ticket.sla_deadline <= now,
        )
    )
    for ticket in overdue:
        ticket.escalated_at = now
        set_priority(
            session,
            ticket,
            min(ticket.priority + 1, ordering.URGENT),
            actor=SYSTEM,
            reason="SLA deadline passed; escalated",
        )
        result.escalated.append(ticket.reference)
    waiting = session.scalars(select(Ticket).where(Ticket.status.in_([s.value for s in CLAIMABLE])))
    for ticket in waiting:
        if ticket.requested_at + policies(ticket.service).expire_after <= now:
            transition(session, ticket, Status.EXPIRED, actor=SYSTEM, reason="open too long")
            result.expired.append(ticket.reference)
    stale = session.scalars(
        select(Ticket).where(
            Ticket.status == Status.CLAIMED.value, Ticket.claimed_at <= now - stale_claim
        )
    )
    for ticket in stale:
        transition(session, ticket, Status.SCHEDULED, actor=SYSTEM, reason="claim abandoned")
        ticket.claimed_by = None
        result.released.append(ticket.reference)
    return result


def escalated(session: Session) -> list[Ticket]:
    """Open tickets flagged for supervisors, in fair order."""
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.open_key.is_not(None), Ticket.escalated_at.is_not(None))
            .order_by(*ordering.ORDER_BY)
        )
    )
