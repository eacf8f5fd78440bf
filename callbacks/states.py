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
    RETRY = "retry"  # an attempt failed; the next one is due at `due_at`
    COMPLETED = "completed"
    EXHAUSTED = "exhausted"  # every allowed attempt failed
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    FAILED = "failed"  # can never succeed (e.g. the provider rejects the number)


OPEN = frozenset({Status.REQUESTED, Status.SCHEDULED, Status.DIALLING, Status.RETRY})
DIALLABLE = frozenset({Status.REQUESTED, Status.SCHEDULED, Status.RETRY})

_ENDINGS = {Status.CANCELLED, Status.EXPIRED, Status.FAILED}
ALLOWED: dict[Status, frozenset[Status]] = {
    Status.REQUESTED: frozenset({Status.SCHEDULED, Status.DIALLING, *_ENDINGS}),
    Status.SCHEDULED: frozenset({Status.SCHEDULED, Status.DIALLING, *_ENDINGS}),
    Status.RETRY: frozenset({Status.SCHEDULED, Status.DIALLING, Status.EXHAUSTED, *_ENDINGS}),
    # A dial whose fate is unknown goes back to SCHEDULED once the reconciler has settled it.
    Status.DIALLING: frozenset(
        {Status.COMPLETED, Status.RETRY, Status.EXHAUSTED, Status.SCHEDULED, Status.FAILED}
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
