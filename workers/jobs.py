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


def send_notification(notification_id: int) -> dict[str, object]:
    """Send one call-back SMS (confirmation, missed call, survey...) through the provider."""
    from typing import cast

    from callbacks import notifications

    rt = current()
    sid = notifications.deliver(rt.db, cast(notifications.Messenger, rt.provider), notification_id)
    return {"notification_id": notification_id, "sid": sid}


def sweep_callbacks() -> dict[str, object]:
    """Periodic: escalate tickets past their SLA, expire old ones, release abandoned claims."""
    from callbacks import intake

    rt = current()
    with rt.db.session() as session:
        result = intake.sweep(session)
    return {"escalated": result.escalated, "expired": result.expired, "released": result.released}
