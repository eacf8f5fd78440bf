"""The ticket's state machine: which status may follow which.

Every change goes through `callbacks.tickets.transition`, which checks this table and stores
the change as a TicketEvent (time, actor, reason).
"""

from __future__ import annotations

from enum import StrEnum

from irisline.errors import Conflict


class Status(StrEnum):
    REQUESTED = "requested"  # created; not yet planned
    SCHEDULED = "scheduled"  # due at `due_at`, inside a callable window
    DIALLING = "dialling"  # an attempt is in progress
    CLAIMED = "claimed"  # an agent holds the ticket and calls the citizen
    RETRY = "retry"  # an attempt failed; the next one is due at `due_at`
    COMPLETED = "completed"
    EXHAUSTED = "exhausted"  # every allowed attempt failed
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    FAILED = "failed"  # can never succeed (e.g. the provider rejects the number)


OPEN = frozenset(
    {Status.REQUESTED, Status.SCHEDULED, Status.DIALLING, Status.RETRY, Status.CLAIMED}
)
DIALLABLE = frozenset({Status.REQUESTED, Status.SCHEDULED, Status.RETRY})
# What an agent may claim: the same tickets the dialler may dial.
CLAIMABLE = DIALLABLE

_ENDINGS = {Status.CANCELLED, Status.EXPIRED, Status.FAILED}
ALLOWED: dict[Status, frozenset[Status]] = {
    Status.REQUESTED: frozenset({Status.SCHEDULED, Status.DIALLING, Status.CLAIMED, *_ENDINGS}),
    Status.SCHEDULED: frozenset({Status.SCHEDULED, Status.DIALLING, Status.CLAIMED, *_ENDINGS}),
    Status.RETRY: frozenset(
        {Status.SCHEDULED, Status.DIALLING, Status.CLAIMED, Status.EXHAUSTED, *_ENDINGS}
    ),
    # A dial whose fate is unknown goes back to SCHEDULED once the reconciler has settled it.
    # A citizen may cancel while a call is being placed; settling then leaves the ticket alone.
    Status.DIALLING: frozenset(
        {
            Status.COMPLETED,
            Status.RETRY,
            Status.EXHAUSTED,
            Status.SCHEDULED,
            Status.FAILED,
            Status.CANCELLED,
        }
    ),
    # An agent's ticket: the call's outcome, back to the queue (release, reschedule,
    # transfer), or a call placed through the dialler for the agent.
    Status.CLAIMED: frozenset(
        {
            Status.COMPLETED,
            Status.RETRY,
            Status.EXHAUSTED,
            Status.SCHEDULED,
            Status.DIALLING,
            Status.FAILED,
            Status.CANCELLED,
        }
    ),
    Status.COMPLETED: frozenset(),
    Status.EXHAUSTED: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.EXPIRED: frozenset(),
    Status.FAILED: frozenset(),
}


class InvalidTransition(Conflict):
    error_id = "invalid-transition"


def check(current: Status, new: Status) -> None:
    if new not in ALLOWED[current]:
        raise InvalidTransition(
            f"a ticket cannot go from {current.value} to {new.value}",
            current=current.value,
            requested=new.value,
        )
