"""SLA escalation: an open ticket older than the service level (IRISLINE_SLA_HOURS since the
citizen first asked) is raised in priority once, with an event saying so, so that agents and
the fair ordering see it first."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from callbacks.models import Ticket, TicketEvent
from callbacks.states import OPEN
from irisline.db import Database

ESCALATED_PRIORITY = 10
ACTOR = "sla"


def escalate_overdue(db: Database, *, now: datetime, sla: timedelta) -> list[int]:
    """Escalate open tickets requested before `now - sla`; returns their ids."""
    with db.session() as session:
        tickets = session.scalars(
            select(Ticket)
            .where(
                Ticket.status.in_([s.value for s in OPEN]),
                Ticket.requested_at < now - sla,
                Ticket.priority < ESCALATED_PRIORITY,
            )
            .with_for_update()
        ).all()
        for ticket in tickets:
            ticket.priority = ESCALATED_PRIORITY
            session.add(
                TicketEvent(
                    ticket=ticket,
                    from_status=ticket.status,
                    to_status=ticket.status,
                    actor=ACTOR,
                    reason=f"escalated: open for more than {sla.total_seconds() / 3600:g} hours",
                )
            )
        return [t.id for t in tickets]
