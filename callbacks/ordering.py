"""Fair order of the call-back queue: keep-your-place, with a bounded priority boost.

The rule (one function, `sort_key`, and its SQL twin `ORDER_BY`):

1. A ticket's place is the time of the citizen's **original call** (`requested_at`; a repeat
   request that merges keeps the earlier time).
2. **Priority** (1 = vulnerable, 2 = urgent; set by an IVR option, an agent, triage, or an SLA
   escalation) moves a ticket forward by a **bounded** head start: 30 minutes per level, at
   most 60 minutes. The queue is ordered by `queue_at = requested_at - boost`.
3. Ties (same `queue_at`) go to the higher priority, then the earlier original call, then the
   lower id (stable and total).

Why a bounded boost and not "priority first": with strict priority, a steady stream of urgent
tickets would hold ordinary ones back without limit, breaking the promise that a caller keeps
their turn. With the boost, a citizen who called at 10:00 is never overtaken by anyone who
called after 11:00, whatever their priority, and a vulnerable caller still goes ahead of the
people who called in the half hour before them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from .models import Ticket

NORMAL, VULNERABLE, URGENT = 0, 1, 2
PRIORITIES = (NORMAL, VULNERABLE, URGENT)
BOOST_PER_LEVEL = timedelta(minutes=30)
MAX_BOOST = timedelta(minutes=60)

ORDER_BY = (Ticket.queue_at, Ticket.priority.desc(), Ticket.requested_at, Ticket.id)


def boost(priority: int) -> timedelta:
    return min(max(priority, 0) * BOOST_PER_LEVEL, MAX_BOOST)


def queue_at(requested_at: datetime, priority: int) -> datetime:
    return requested_at - boost(priority)


def place(ticket: Ticket) -> None:
    """Recompute the ticket's place after its call time or priority changed."""
    ticket.queue_at = queue_at(ticket.requested_at, ticket.priority or 0)


def sort_key(ticket: Ticket) -> tuple[datetime, int, datetime, int]:
    return (
        queue_at(ticket.requested_at, ticket.priority or 0),
        -(ticket.priority or 0),
        ticket.requested_at,
        ticket.id or 0,
    )


def fair_order(tickets: Iterable[Ticket]) -> list[Ticket]:
    return sorted(tickets, key=sort_key)
