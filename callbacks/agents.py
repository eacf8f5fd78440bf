"""Agent operations on call-back tickets: the domain services the web console and the agent
JSON API sit on.

`claim_next` gives an agent the first ticket in fair order among the services and languages
they work, that is due and callable now. It is atomic: on PostgreSQL the candidate row is
locked with `FOR UPDATE SKIP LOCKED` (a concurrent claimer skips it and takes the next); on
SQLite every write transaction starts with `BEGIN IMMEDIATE` (`irisline.db`), so claims are
serialised. Either way the status is checked again under the lock, so two agents never get the
same ticket.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from irisline.db import utcnow
from irisline.errors import Conflict, DomainError, InvalidInput

from . import notifications, ordering, services
from .intake import _note_event, cancel, preferred_window, set_priority
from .models import Agent, Attempt, Ticket
from .states import CLAIMABLE, Status
from .tickets import find_by_reference, transition
from .windows import PolicyProvider, default_policy, is_callable, next_attempt_at, next_window

CANDIDATES = 50
OUTCOMES = {
    "completed": "answered and handled",
    "no-answer": "no answer",
    "busy": "line busy",
    "voicemail": "reached an answering machine",
    "wrong-number": "the number is not the citizen's",
}


class Unauthorised(DomainError):
    status = 401
    error_id = "unauthorised"


class Forbidden(DomainError):
    status = 403
    error_id = "forbidden"


def actor(agent: Agent) -> str:
    return f"agent:{agent.id}"


# --- agents and their tokens ----------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _csv(values: Iterable[str], allowed: Iterable[str], what: str) -> str:
    cleaned = [v.strip() for v in values if v.strip()]
    known = set(allowed)
    unknown = [v for v in cleaned if v not in known]
    if unknown or not cleaned:
        raise InvalidInput(
            f"unknown or missing {what}: {', '.join(unknown) or '(none)'}", field=what
        )
    return ",".join(dict.fromkeys(cleaned))


def create_agent(
    session: Session, name: str, agent_services: Iterable[str], languages: Iterable[str]
) -> tuple[Agent, str]:
    """Create an agent; returns it and its API token (shown once; only a hash is stored).

    Tokens are 256-bit random values, so a plain SHA-256 is enough to store them safely.
    """
    name = name.strip()
    if not name or len(name) > 80:
        raise InvalidInput("a name of 1 to 80 characters", field="name")
    if session.scalars(select(Agent).where(Agent.name == name)).first() is not None:
        raise Conflict(f"an agent named {name!r} exists", field="name")
    token = "irl_" + secrets.token_urlsafe(32)
    agent = Agent(
        name=name,
        token_hash=_hash(token),
        services=_csv(agent_services, services.ids(), "services"),
        languages=_csv(languages, services.LANGUAGES, "languages"),
        active=True,
    )
    session.add(agent)
    session.flush()
    return agent, token


def authenticate(session: Session, token: str | None) -> Agent:
    if not token:
        raise Unauthorised("an agent token is required (Authorization: Bearer ...)")
    digest = _hash(token)
    agent = session.scalars(select(Agent).where(Agent.token_hash == digest)).first()
    if agent is None or not agent.active or not hmac.compare_digest(agent.token_hash, digest):
        raise Unauthorised("unknown or inactive agent token")
    return agent


# --- claiming ---------------------------------------------------------------------------------


def claim_next(
    session: Session,
    agent: Agent,
    now: datetime | None = None,
    *,
    policies: PolicyProvider = default_policy,
) -> Ticket | None:
    """Give `agent` the next ticket (fair order) they may call now, or None."""
    now = now or utcnow()
    claimable = [s.value for s in CLAIMABLE]
    candidates = session.scalars(
        select(Ticket.id)
        .where(
            Ticket.status.in_(claimable),
            Ticket.service.in_(agent.service_list),
            Ticket.language.in_(agent.language_list),
            or_(Ticket.due_at.is_(None), Ticket.due_at <= now),
        )
        .order_by(*ordering.ORDER_BY)
        .limit(CANDIDATES)
    ).all()
    for ticket_id in candidates:
        ticket = session.scalars(
            select(Ticket)
            .where(Ticket.id == ticket_id, Ticket.status.in_(claimable))
            .with_for_update(skip_locked=True)
        ).first()
        if ticket is None:
            continue
        if not is_callable(policies(ticket.service), now, preferred_window(ticket)):
            continue
        # The dialler may have an attempt in flight that is not settled yet.
        unsettled = session.scalar(
            select(func.count(Attempt.id)).where(
                Attempt.ticket_id == ticket.id, Attempt.settled_at.is_(None)
            )
        )
        if unsettled:
            continue
        transition(session, ticket, Status.CLAIMED, actor=actor(agent), reason="claimed")
        ticket.claimed_by = agent.id
        ticket.claimed_at = now
        return ticket
    return None


def _agent_ticket(session: Session, agent: Agent, reference: str, *, claimed: bool) -> Ticket:
    ticket = find_by_reference(session, reference)
    if claimed:
        if ticket.state is not Status.CLAIMED or ticket.claimed_by != agent.id:
            raise Conflict("you do not hold this ticket; claim it first", reference=reference)
    elif ticket.service not in agent.service_list:
        raise Forbidden("this ticket belongs to a service you do not work", reference=reference)
    return ticket


def get_for_agent(session: Session, agent: Agent, reference: str) -> Ticket:
    return _agent_ticket(session, agent, reference, claimed=False)


# --- outcomes and other operations ------------------------------------------------------------


def record_outcome(
    session: Session,
    agent: Agent,
    reference: str,
    outcome: str,
    *,
    note: str | None = None,
    now: datetime | None = None,
    policies: PolicyProvider = default_policy,
    survey_by_sms: bool = False,
) -> Ticket:
    """The agent's call ended: `completed`, or not reached (`no-answer`, `busy`, `voicemail`:
    a retry by policy, or exhausted), or `wrong-number` (failed). The call is an attempt."""
    if outcome not in OUTCOMES:
        raise InvalidInput(f"outcome must be one of {', '.join(OUTCOMES)}", field="outcome")
    now = now or utcnow()
    ticket = _agent_ticket(session, agent, reference, claimed=True)
    seq = (
        session.scalar(select(func.max(Attempt.seq)).where(Attempt.ticket_id == ticket.id)) or 0
    ) + 1
    session.add(
        Attempt(
            ticket=ticket,
            seq=seq,
            idempotency_key=f"{ticket.id}-{seq}",
            status=outcome,
            placed_at=now,
            settled_at=now,
        )
    )
    if note:
        add_note(session, agent, reference, note, now=now)
    reason = f"{actor(agent)}: {OUTCOMES[outcome]}"
    policy = policies(ticket.service)
    if outcome == "completed":
        transition(session, ticket, Status.COMPLETED, actor=actor(agent), reason=reason)
        if survey_by_sms:
            notifications.queue_sms(session, ticket, "survey")
    elif outcome == "wrong-number":
        transition(session, ticket, Status.FAILED, actor=actor(agent), reason=reason)
    else:
        attempts = session.scalar(
            select(func.count(Attempt.id)).where(Attempt.ticket_id == ticket.id)
        )
        due = next_attempt_at(policy, attempts or seq, now, preferred_window(ticket))
        if due is None:
            transition(session, ticket, Status.EXHAUSTED, actor=actor(agent), reason=reason)
            notifications.queue_sms(session, ticket, "exhausted")
        else:
            ticket.due_at = due
            transition(session, ticket, Status.RETRY, actor=actor(agent), reason=reason)
            notifications.queue_sms(
                session, ticket, "missed", next_window(policy, due, preferred_window(ticket))
            )
    ticket.claimed_by = None
    return ticket


def release(session: Session, agent: Agent, reference: str) -> Ticket:
    """Give a claimed ticket back to the queue, in its place."""
    ticket = _agent_ticket(session, agent, reference, claimed=True)
    transition(session, ticket, Status.SCHEDULED, actor=actor(agent), reason="released")
    ticket.claimed_by = None
    return ticket


def reschedule(
    session: Session,
    agent: Agent,
    reference: str,
    at: datetime,
    *,
    policies: PolicyProvider = default_policy,
) -> Ticket:
    """Plan the ticket for the first callable time at or after `at` (keeping its place)."""
    ticket = _agent_ticket(session, agent, reference, claimed=False)
    if not ticket.is_open or ticket.state is Status.DIALLING:
        raise Conflict(f"a {ticket.status} ticket cannot be rescheduled", reference=reference)
    if ticket.state is Status.CLAIMED and ticket.claimed_by != agent.id:
        raise Conflict("another agent holds this ticket", reference=reference)
    window = next_window(policies(ticket.service), at, preferred_window(ticket))
    if window is None:
        raise InvalidInput("no callable time after that moment", field="at")
    ticket.due_at = window.start
    transition(
        session,
        ticket,
        Status.SCHEDULED,
        actor=actor(agent),
        reason=f"rescheduled to {window.local()[0].isoformat()}",
    )
    ticket.claimed_by = None
    return ticket


def add_note(
    session: Session, agent: Agent, reference: str, text: str, *, now: datetime | None = None
) -> Ticket:
    """Append a note to the ticket (notes are personal data and live only on the ticket)."""
    text = text.strip()
    if not text or len(text) > 2000:
        raise InvalidInput("a note of 1 to 2000 characters", field="text")
    ticket = _agent_ticket(session, agent, reference, claimed=False)
    stamp = (now or utcnow()).strftime("%Y-%m-%d %H:%M")
    line = f"[{stamp} {agent.name}] {text}"
    ticket.note = f"{ticket.note}\n{line}" if ticket.note else line
    _note_event(session, ticket, actor(agent), "note added")
    return ticket


def transfer(
    session: Session,
    agent: Agent,
    reference: str,
    to_service: str,
    *,
    reason: str = "",
    now: datetime | None = None,
    policies: PolicyProvider = default_policy,
) -> Ticket:
    """Pass the ticket to another service with its context (reference, place in the queue,
    notes, history). If the citizen already has an open ticket there, this one merges into it
    (earlier place kept) and is cancelled. Returns the ticket that carries on."""
    services.get(to_service)
    ticket = _agent_ticket(session, agent, reference, claimed=False)
    return move_to_service(
        session, ticket, to_service, actor=actor(agent), reason=reason, now=now, policies=policies
    )


def move_to_service(
    session: Session,
    ticket: Ticket,
    to_service: str,
    *,
    actor: str,
    reason: str = "",
    now: datetime | None = None,
    policies: PolicyProvider = default_policy,
) -> Ticket:
    """The transfer itself, for an agent or for the domain (voicemail triage): the ticket
    keeps its reference, place (original call time), priority, notes and history."""
    reference = ticket.reference
    if not ticket.is_open or ticket.state is Status.DIALLING:
        raise Conflict(f"a {ticket.status} ticket cannot be transferred", reference=reference)
    if to_service == ticket.service:
        raise InvalidInput("the ticket is already with that service", field="service")
    now = now or utcnow()
    why = f"transferred from {ticket.service} to {to_service}" + (f": {reason}" if reason else "")
    target = session.scalars(
        select(Ticket).where(Ticket.open_key == Ticket.make_open_key(ticket.phone, to_service))
    ).first()
    if target is not None:
        target.merge_count += 1 + ticket.merge_count
        target.requested_at = min(target.requested_at, ticket.requested_at)
        if ticket.priority > target.priority:
            target.priority = ticket.priority
        ordering.place(target)
        if ticket.note:
            target.note = f"{target.note}\n{ticket.note}" if target.note else ticket.note
        _note_event(session, target, actor, f"{why} (merged from {ticket.reference})")
        cancel(session, ticket, actor=actor, reason=f"{why}; merged into {target.reference}")
        return target
    ticket.service = to_service
    ticket.claimed_by = None
    policy = policies(to_service)
    window = next_window(policy, now, preferred_window(ticket))
    ticket.due_at = window.start if window else None
    ticket.sla_deadline = ticket.requested_at + policy.sla
    transition(session, ticket, Status.SCHEDULED, actor=actor, reason=why)
    return ticket


def cancel_by_agent(session: Session, agent: Agent, reference: str, reason: str = "") -> Ticket:
    ticket = _agent_ticket(session, agent, reference, claimed=False)
    cancel(session, ticket, actor=actor(agent), reason=reason or "cancelled by an agent")
    return ticket


def prioritise(
    session: Session, agent: Agent, reference: str, priority: int, reason: str = ""
) -> Ticket:
    ticket = _agent_ticket(session, agent, reference, claimed=False)
    set_priority(session, ticket, priority, actor=actor(agent), reason=reason)
    return ticket
