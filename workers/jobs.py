"""RQ job functions. Thin: they take ids and call the domain."""

from __future__ import annotations

from callbacks import dialling

from .runtime import current


def dial_ticket(ticket_id: int) -> dict[str, object]:
    rt = current()
    outcome = dialling.dial(rt.db, ticket_id, rt.provider)
    return {
        "ticket_id": outcome.ticket_id,
        "attempt": outcome.attempt_key,
        "call_sid": outcome.call_sid,
        "skipped": outcome.skipped,
    }
