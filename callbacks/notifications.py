"""SMS to citizens, in their language, through an outbox.

`queue_sms` writes a `Notification` in the caller's transaction (so a message is never lost
when Redis is away, and never sent for a change that was rolled back); after the commit the
web process or worker enqueues `workers.jobs.send_notification(id)` on the `notify` queue,
which calls `deliver`. `deliver` marks the row `sending` and commits before asking the
provider, so a crash can at worst lose one SMS, never send it twice; `pending_ids` lists what
a reconciler should enqueue again.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from irisline.db import Database, utcnow
from irisline.telephony import ProviderRejected, ProviderUnavailable

from . import services, texts
from .models import Notification, Ticket
from .windows import Window

log = logging.getLogger(__name__)

KINDS = frozenset({"confirmation", "merged", "missed", "exhausted", "cancelled", "survey"})


class Messenger(Protocol):
    def send_sms(self, *, to: str, body: str) -> str: ...


def render(ticket: Ticket, kind: str, window: Window | None = None) -> str:
    lang = ticket.language
    return texts.sms(
        lang,
        kind,
        ref=ticket.reference,
        service=services.SERVICES[ticket.service].name(lang)
        if ticket.service in services.SERVICES
        else ticket.service,
        window=texts.when(lang, window),
    )


def queue_sms(
    session: Session, ticket: Ticket, kind: str, window: Window | None = None
) -> Notification:
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    notification = Notification(
        ticket=ticket,
        kind=kind,
        language=ticket.language,
        body=render(ticket, kind, window),
        status="pending",
    )
    session.add(notification)
    session.flush()
    return notification


def deliver(db: Database, messenger: Messenger, notification_id: int) -> str | None:
    """Send one notification; returns the provider's SID, or None when there is nothing to
    do (already sent or being sent, or the ticket is gone)."""
    with db.session() as session:
        notification = session.scalars(
            select(Notification).where(Notification.id == notification_id).with_for_update()
        ).first()
        if notification is None or notification.status != "pending":
            return None
        notification.status = "sending"
        to, body = notification.ticket.phone, notification.body
    try:
        sid = messenger.send_sms(to=to, body=body)
    except ProviderRejected as exc:
        _finish(db, notification_id, "failed", error=str(exc))
        return None
    except ProviderUnavailable as exc:
        _finish(db, notification_id, "pending", error=str(exc))
        raise
    _finish(db, notification_id, "sent", sid=sid)
    return sid


def _finish(
    db: Database,
    notification_id: int,
    status: str,
    *,
    sid: str | None = None,
    error: str | None = None,
) -> None:
    with db.session() as session:
        notification = session.get(Notification, notification_id)
        if notification is None:
            return
        notification.status = status
        notification.provider_sid = sid
        notification.error = error
        if status == "sent":
            notification.sent_at = utcnow()


def pending_ids(session: Session, created_before: datetime) -> list[int]:
    """Notifications still waiting to be sent (for the reconciler)."""
    return list(
        session.scalars(
            select(Notification.id)
            .where(Notification.status == "pending", Notification.created_at < created_before)
            .order_by(Notification.id)
        )
    )
