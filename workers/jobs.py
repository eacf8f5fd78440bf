"""RQ job functions. Thin: they take ids and call the domain."""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import timedelta

from callbacks import dialling
from irisline.errors import NotFound

from . import queues, reconciler
from .runtime import current

log = logging.getLogger(__name__)


def dial_ticket(ticket_id: int) -> dict[str, object]:
    rt = current()
    try:
        outcome = dialling.dial(
            rt.db,
            ticket_id,
            rt.provider,
            mode_for=rt.settings.dialling_mode,
            window=rt.window,
            pacer=rt.pacer,
        )
    except NotFound:
        # A job outlived its ticket (erased, or a Redis shared with another database): the
        # database is the source of truth, so there is nothing to dial.
        log.warning("dial job for ticket %s, which does not exist: dropped", ticket_id)
        return {"ticket_id": ticket_id, "skipped": "no such ticket"}
    if outcome.retry_at is not None:
        queues.schedule_dial(rt.redis, ticket_id, outcome.retry_at)
    return {
        "ticket_id": outcome.ticket_id,
        "attempt": outcome.attempt_key,
        "call_sid": outcome.call_sid,
        "skipped": outcome.skipped,
        "retry_at": outcome.retry_at.isoformat() if outcome.retry_at else None,
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
    from callbacks.windows import policies_with_sla

    rt = current()
    policies = policies_with_sla(timedelta(hours=rt.settings.sla_hours))
    with rt.db.session() as session:
        result = intake.sweep(session, policies=policies)
    return {"escalated": result.escalated, "expired": result.expired, "released": result.released}


def reconcile() -> dict[str, object]:
    rt = current()
    return asdict(reconciler.reconcile(rt.db, rt.redis, rt.provider, rt.settings))


def transcribe_voicemail(voicemail_id: int) -> dict[str, object]:
    """Fetch, transcribe, triage and route one voicemail (models preloaded by the worker)."""
    from callbacks import voicemail_pipeline

    rt = current()
    outcome = voicemail_pipeline.process(
        rt.db,
        voicemail_id,
        auth=(rt.settings.account_sid, rt.settings.auth_token),
        region=rt.settings.IRISLINE_DEFAULT_REGION,
    )
    return asdict(outcome)


def noop(_payload: object = None) -> None:
    """Does nothing: the baseline of bench/bench_pipeline.py."""
