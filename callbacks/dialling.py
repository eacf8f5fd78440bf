"""Placing a call-back: the attempt is committed before the provider is asked to dial.

If the process dies after the commit and before the provider answers, the attempt stays
"dialling" without a call SID; the reconciler settles it by asking the provider, never by
dialling again.

Attempt statuses: `dialling` (committed, request not yet answered), `placed` (the provider
gave a call SID), `bridging` (agent-first: the agent answered and is being connected to the
citizen), then one final status: Twilio's `completed`, `busy`, `no-answer`, `failed`,
`canceled`; `machine` (an answering machine took the call); `agent-<status>` (agent-first: the
agent leg ended before the citizen was dialled); `not-placed` (the provider never placed the
call: throttled, down, or a dead worker before the request). Only attempts that reached the
citizen's phone count towards MAX_ATTEMPTS.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from irisline.db import Database, utcnow
from irisline.telephony import CallInfo, ProviderRejected, ProviderTimeout, ProviderUnavailable

from . import notifications
from .models import Attempt, Notification, Ticket
from .states import DIALLABLE, Status
from .tickets import get_ticket, transition

log = logging.getLogger(__name__)

ACTOR = "dialler"
MAX_ATTEMPTS = 3
RETRY_DELAY = timedelta(minutes=15)
# The agent did not pick up (agent-first): try again soon; the citizen was not disturbed.
AGENT_RETRY_DELAY = timedelta(minutes=2)
# Provider throttled (429) or down (5xx): exponential backoff, capped.
BACKOFF_BASE = timedelta(seconds=5)
BACKOFF_CAP = timedelta(minutes=5)
# A worker does not send the dial request later than this after the attempt's commit (it
# was paused or starved): past it, the reconciler may decide the call was never placed.
FENCE = timedelta(seconds=15)

CUSTOMER_FIRST = "customer-first"
AGENT_FIRST = "agent-first"
MODES = (CUSTOMER_FIRST, AGENT_FIRST)

# Twilio's final CallStatus values and what they mean for an attempt; the others (queued,
# initiated, ringing, in-progress) are interim.
ANSWERED = frozenset({"completed"})
NOT_REACHED = frozenset({"busy", "no-answer", "failed", "canceled"})
MACHINE = "machine"
NOT_PLACED = "not-placed"
BRIDGING = "bridging"
# Outcomes in which the citizen's phone rang: these use up the ticket's attempts.
COUNTED = ANSWERED | NOT_REACHED | {MACHINE}


def is_machine(answered_by: str | None) -> bool:
    """Twilio's AnsweredBy: machine_start, machine_end_beep/silence/other, fax; or human,
    unknown."""
    return bool(answered_by) and (answered_by or "").startswith(("machine", "fax"))


class Dialler(Protocol):
    def place_callback_call(
        self,
        *,
        to: str,
        reference: str,
        attempt_key: str,
        mode: str = CUSTOMER_FIRST,
        service: str = "general",
    ) -> str: ...


class CallLookup(Protocol):
    """What the reconciler asks the provider."""

    def find_calls(self, *, to: str, since: datetime) -> list[CallInfo]: ...

    def fetch_call(self, sid: str) -> CallInfo | None: ...


class Pacer(Protocol):
    def acquire(self) -> bool:
        """Wait for the right to place one call; False when none came in time."""
        ...


# The callable-window hook: None when the ticket may be dialled at `now`, else the next
# moment it may be. The call-back policy (per service hours, holidays) plugs in here.
Window = Callable[[Ticket, datetime], datetime | None]


def any_time(ticket: Ticket, now: datetime) -> datetime | None:
    return None


@dataclass(frozen=True)
class DialOutcome:
    ticket_id: int
    attempt_key: str | None
    call_sid: str | None
    skipped: str | None = None
    # When a job should look at this ticket again (not due yet, outside its window, paced,
    # provider unavailable); None when status callbacks or the reconciler take over.
    retry_at: datetime | None = None


@dataclass(frozen=True)
class Settlement:
    """An attempt was settled; the ticket is now `status` (due again at `due_at` if open)."""

    ticket_id: int
    attempt_key: str
    status: str
    due_at: datetime | None
    # SMS queued in the outbox ("we tried to reach you", "we could not reach you"), to send.
    notification_ids: tuple[int, ...] = ()


def _counted(ticket: Ticket) -> int:
    return sum(1 for a in ticket.attempts if a.status in COUNTED)


def _unplaced_streak(session: Session, ticket_id: int) -> int:
    """How many of the ticket's latest attempts in a row were not placed (for backoff)."""
    statuses = session.scalars(
        select(Attempt.status).where(Attempt.ticket_id == ticket_id).order_by(Attempt.seq.desc())
    ).all()
    streak = 0
    for status in statuses:
        if status != NOT_PLACED:
            break
        streak += 1
    return streak


def backoff(streak: int) -> timedelta:
    """Delay before trying again after `streak` provider failures in a row (with jitter)."""
    delay = min(BACKOFF_BASE * (2 ** max(streak - 1, 0)), BACKOFF_CAP)
    return delay * random.uniform(0.8, 1.2)


def _precheck(
    db: Database, ticket_id: int, window: Window, now: datetime
) -> tuple[str, datetime | None] | None:
    """Why this ticket is not to be dialled now (and when to look again), or None."""
    with db.session() as session:
        ticket = get_ticket(session, ticket_id, for_update=True)
        if ticket.state not in DIALLABLE:
            return f"ticket is {ticket.status}", None
        if ticket.due_at is not None and ticket.due_at > now:
            return f"not due before {ticket.due_at.isoformat()}", ticket.due_at
        opens = window(ticket, now)
        if opens is not None and opens > now:
            ticket.due_at = opens
            transition(
                session, ticket, Status.SCHEDULED, actor=ACTOR, reason="outside callable window"
            )
            return f"outside the callable window until {opens.isoformat()}", opens
    return None


def _begin_attempt(
    db: Database, ticket_id: int, mode: str, now: datetime
) -> tuple[Attempt, str, str, str] | str:
    """Write the attempt and move the ticket to DIALLING; or say why there is nothing to do."""
    with db.session() as session:
        ticket = get_ticket(session, ticket_id, for_update=True)
        if ticket.state not in DIALLABLE:
            return f"ticket is {ticket.status}"
        if ticket.due_at is not None and ticket.due_at > now:
            return f"not due before {ticket.due_at.isoformat()}"
        pending = session.scalars(
            select(Attempt).where(Attempt.ticket_id == ticket.id, Attempt.settled_at.is_(None))
        ).first()
        if pending is not None:
            return f"attempt {pending.idempotency_key} is not settled yet"
        seq = (
            session.scalar(select(func.max(Attempt.seq)).where(Attempt.ticket_id == ticket.id)) or 0
        ) + 1
        attempt = Attempt(
            ticket=ticket,
            seq=seq,
            idempotency_key=f"{ticket.id}-{seq}",
            status="dialling",
            mode=mode,
            created_at=utcnow(),
        )
        session.add(attempt)
        transition(session, ticket, Status.DIALLING, actor=ACTOR, reason=f"attempt {seq} ({mode})")
        return attempt, ticket.phone, ticket.reference, ticket.service


def dial(
    db: Database,
    ticket_id: int,
    provider: Dialler,
    *,
    mode_for: Callable[[str], str] = lambda service: CUSTOMER_FIRST,
    window: Window = any_time,
    pacer: Pacer | None = None,
) -> DialOutcome:
    """Make the next attempt for a ticket, if it is due one.

    In order: is the ticket diallable, due and inside its callable window; a pacing token
    (the account's calls per second); the attempt committed; only then the provider's dial.
    """
    now = utcnow()
    reason = _precheck(db, ticket_id, window, now)
    if reason is not None:
        log.info("ticket %s: not dialling: %s", ticket_id, reason[0])
        return DialOutcome(ticket_id, None, None, skipped=reason[0], retry_at=reason[1])
    if pacer is not None:
        if not pacer.acquire():
            return DialOutcome(
                ticket_id, None, None, skipped="paced", retry_at=utcnow() + timedelta(seconds=1)
            )
        # Waiting for the token may have taken us past the end of the callable window.
        reason = _precheck(db, ticket_id, window, utcnow())
        if reason is not None:
            log.info("ticket %s: not dialling after pacing: %s", ticket_id, reason[0])
            return DialOutcome(ticket_id, None, None, skipped=reason[0], retry_at=reason[1])
    with db.session() as session:
        service = get_ticket(session, ticket_id).service
    begun = _begin_attempt(db, ticket_id, mode_for(service), utcnow())
    if isinstance(begun, str):
        log.info("ticket %s: not dialling: %s", ticket_id, begun)
        return DialOutcome(ticket_id, None, None, skipped=begun)
    attempt, phone, reference, service = begun
    key = attempt.idempotency_key
    if utcnow() - attempt.created_at > FENCE:
        # Too late: the reconciler may already consider this attempt never placed.
        settled = _settle(
            db, key, NOT_PLACED, error="not sent in time", final=Status.RETRY, due_in=timedelta()
        )
        return DialOutcome(
            ticket_id, key, None, skipped="fence", retry_at=settled.due_at if settled else None
        )
    try:
        sid = provider.place_callback_call(
            to=phone, reference=reference, attempt_key=key, mode=attempt.mode, service=service
        )
    except ProviderRejected as exc:
        _settle(db, key, "failed", error=str(exc), final=Status.FAILED)
        return DialOutcome(ticket_id, key, None, skipped=str(exc))
    except ProviderUnavailable as exc:
        settled = _settle(
            db, key, NOT_PLACED, error=str(exc), final=Status.RETRY, with_backoff=True
        )
        return DialOutcome(
            ticket_id, key, None, skipped=str(exc), retry_at=settled.due_at if settled else None
        )
    except ProviderTimeout as exc:
        log.warning("attempt %s: provider timed out, left for the reconciler: %s", key, exc)
        return DialOutcome(ticket_id, key, None, skipped=str(exc))
    record_call_sid(db, key, sid)
    return DialOutcome(ticket_id, key, sid)


def record_call_sid(db: Database, key: str, sid: str) -> None:
    """Store the provider's SID of an attempt's call (once; the first writer wins)."""
    with db.session() as session:
        row = session.scalars(
            select(Attempt).where(Attempt.idempotency_key == key).with_for_update()
        ).one()
        if row.call_sid is None:
            row.call_sid = sid
        if row.placed_at is None:
            row.placed_at = utcnow()
        if row.status == "dialling":
            row.status = "placed"


def _settle(
    db: Database,
    key: str,
    call_status: str,
    *,
    error: str | None = None,
    final: Status | None = None,
    due_in: timedelta | None = None,
    with_backoff: bool = False,
    call_sid: str | None = None,
    answered_by: str | None = None,
) -> Settlement | None:
    """Record how an attempt ended; None when it was already settled (idempotent).

    `final` forces the ticket's next status; otherwise it follows from the outcome: answered
    → completed, not reached → retry (or exhausted once MAX_ATTEMPTS calls rang).
    """
    with db.session() as session:
        attempt = session.scalars(
            select(Attempt).where(Attempt.idempotency_key == key).with_for_update()
        ).first()
        if attempt is None or attempt.settled_at is not None:
            return None
        now = utcnow()
        if call_sid and attempt.call_sid is None:
            attempt.call_sid = call_sid
        if answered_by:
            attempt.answered_by = answered_by
        attempt.status = call_status
        attempt.settled_at = now
        attempt.error = error
        ticket = get_ticket(session, attempt.ticket_id, for_update=True)
        if ticket.state is not Status.DIALLING:
            return Settlement(ticket.id, key, ticket.status, ticket.due_at)
        if final is None:
            if call_status in ANSWERED:
                final = Status.COMPLETED
            elif _counted(ticket) >= MAX_ATTEMPTS:
                final = Status.EXHAUSTED
            else:
                final = Status.RETRY
                due_in = RETRY_DELAY if due_in is None else due_in
        if final in (Status.RETRY, Status.SCHEDULED):
            if with_backoff:
                due_in = backoff(_unplaced_streak(session, ticket.id))
            ticket.due_at = now + (due_in or timedelta())
        transition(session, ticket, final, actor=ACTOR, reason=error or f"call {call_status}")
        sms = _citizen_sms(session, ticket, attempt, final)
        return Settlement(
            ticket.id, key, ticket.status, ticket.due_at if ticket.is_open else None, sms
        )


def _citizen_sms(
    session: Session, ticket: Ticket, attempt: Attempt, final: Status
) -> tuple[int, ...]:
    """After a call that rang without reaching the citizen: "we tried to reach you" (once per
    ticket, with when we try again), or "we could not reach you" when no attempt is left."""
    if attempt.status not in COUNTED or final not in (Status.RETRY, Status.EXHAUSTED):
        return ()
    if final is Status.EXHAUSTED:
        return (notifications.queue_sms(session, ticket, "exhausted").id,)
    already = session.scalars(
        select(Notification.id).where(
            Notification.ticket_id == ticket.id, Notification.kind == "missed"
        )
    ).first()
    if already is not None:
        return ()
    return (notifications.queue_sms(session, ticket, "missed").id,)


def note_answered_by(db: Database, attempt_key: str, answered_by: str | None) -> None:
    """Keep the answering-machine detection result of an attempt (answer webhook)."""
    if not answered_by:
        return
    with db.session() as session:
        attempt = session.scalars(
            select(Attempt).where(Attempt.idempotency_key == attempt_key).with_for_update()
        ).first()
        if attempt is not None and attempt.answered_by is None:
            attempt.answered_by = answered_by


def mark_bridging(db: Database, attempt_key: str, call_sid: str | None = None) -> Attempt | None:
    """Agent-first: the agent answered; the citizen is about to be dialled."""
    with db.session() as session:
        attempt = session.scalars(
            select(Attempt).where(Attempt.idempotency_key == attempt_key).with_for_update()
        ).first()
        if attempt is None:
            return None
        if call_sid and attempt.call_sid is None:
            attempt.call_sid = call_sid
        if attempt.settled_at is None and attempt.status in ("dialling", "placed"):
            attempt.status = BRIDGING
        return attempt


def settle_from_status_callback(
    db: Database,
    attempt_key: str,
    call_status: str,
    *,
    call_sid: str | None = None,
    answered_by: str | None = None,
    leg: str | None = None,
) -> Settlement | None:
    """Apply a provider status callback. Interim statuses only record the call SID; repeats
    and late arrivals are harmless (an attempt is settled once).

    `leg` is None for a customer-first call, "agent" for the agent leg of an agent-first call
    (its SID is the attempt's), "citizen" for the bridged citizen leg.
    """
    own_sid = call_sid if leg != "citizen" else None
    if call_status not in ANSWERED | NOT_REACHED:
        if own_sid:
            with db.session() as session:
                attempt = session.scalars(
                    select(Attempt).where(Attempt.idempotency_key == attempt_key).with_for_update()
                ).first()
                if attempt is not None and attempt.call_sid is None:
                    attempt.call_sid = own_sid
                    attempt.placed_at = attempt.placed_at or utcnow()
                    if attempt.status == "dialling":
                        attempt.status = "placed"
        return None
    if leg == "agent":
        with db.session() as session:
            attempt = session.scalars(
                select(Attempt).where(Attempt.idempotency_key == attempt_key)
            ).first()
            bridged = attempt is not None and attempt.status == BRIDGING
        if bridged:
            return None  # the citizen leg settles the attempt
        return _settle(
            db,
            attempt_key,
            f"agent-{call_status}"[:20],
            error="the agent leg ended before the citizen was dialled",
            final=Status.RETRY,
            due_in=AGENT_RETRY_DELAY,
            call_sid=own_sid,
        )
    if call_status in ANSWERED and is_machine(answered_by):
        return _settle(db, attempt_key, MACHINE, call_sid=own_sid, answered_by=answered_by)
    if call_status in ANSWERED:
        with db.session() as session:
            known = session.scalars(
                select(Attempt.answered_by).where(Attempt.idempotency_key == attempt_key)
            ).first()
        if is_machine(known):
            return _settle(db, attempt_key, MACHINE, call_sid=own_sid)
    return _settle(db, attempt_key, call_status, call_sid=own_sid, answered_by=answered_by)


def settle_not_placed(db: Database, attempt_key: str, reason: str) -> Settlement | None:
    """The provider has no call for this attempt: it was never placed. The ticket is due again
    at once (this attempt does not count)."""
    return _settle(
        db, attempt_key, NOT_PLACED, error=reason, final=Status.SCHEDULED, due_in=timedelta()
    )


def settle_from_provider(db: Database, attempt_key: str, call: CallInfo) -> Settlement | None:
    """Apply what the provider says about an attempt's call (reconciler)."""
    record_call_sid(db, attempt_key, call.sid)
    if not call.final:
        return None
    with db.session() as session:
        mode = session.scalars(
            select(Attempt.mode).where(Attempt.idempotency_key == attempt_key)
        ).first()
    leg = "agent" if mode == AGENT_FIRST and call.parent_call_sid is None else None
    return settle_from_status_callback(
        db, attempt_key, call.status, call_sid=call.sid, answered_by=call.answered_by, leg=leg
    )


@dataclass(frozen=True)
class PendingAttempt:
    key: str
    call_sid: str | None
    status: str
    mode: str
    created_at: datetime
    phone: str
    service: str


def unsettled_attempts(db: Database, older_than: datetime) -> list[PendingAttempt]:
    """Attempts begun before `older_than` and not yet settled, oldest first."""
    with db.session() as session:
        rows = session.execute(
            select(Attempt, Ticket.phone, Ticket.service)
            .join(Ticket, Ticket.id == Attempt.ticket_id)
            .where(Attempt.settled_at.is_(None), Attempt.created_at < older_than)
            .order_by(Attempt.created_at)
        ).all()
        return [
            PendingAttempt(
                a.idempotency_key, a.call_sid, a.status, a.mode, a.created_at, phone, service
            )
            for a, phone, service in rows
        ]


def known_call_sids(db: Database, sids: list[str]) -> set[str]:
    if not sids:
        return set()
    with db.session() as session:
        found = session.scalars(select(Attempt.call_sid).where(Attempt.call_sid.in_(sids)))
        return {sid for sid in found if sid}


def due_tickets(db: Database, now: datetime, limit: int = 1000) -> list[int]:
    """Ids of open, diallable tickets whose due time has come, oldest request first."""
    with db.session() as session:
        return list(
            session.scalars(
                select(Ticket.id)
                .where(
                    Ticket.status.in_([s.value for s in DIALLABLE]),
                    (Ticket.due_at.is_(None)) | (Ticket.due_at <= now),
                )
                .order_by(Ticket.priority.desc(), Ticket.requested_at)
                .limit(limit)
            ).all()
        )
