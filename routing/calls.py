"""Call records: every call into the IVR, the nodes and inputs it went through, its outcome.

The supervisor's menu funnel is drawn from these rows. Writes are idempotent per CallSid,
because Twilio may retry a webhook.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from irisline.db import utcnow

from .models import CallRecord, CallStep

OUTCOMES = frozenset({"queued", "callback", "voicemail", "transferred", "hangup", "error"})


def start_call(
    session: Session, call_sid: str, *, caller: str | None, menu_version_id: int | None
) -> CallRecord:
    record = session.get(CallRecord, call_sid)
    if record is not None:
        return record
    record = CallRecord(call_sid=call_sid, caller=caller, menu_version_id=menu_version_id)
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        # The same webhook arrived twice at once; the other request stored the call.
        found = session.get(CallRecord, call_sid)
        assert found is not None
        return found
    return record


def add_step(
    session: Session, record: CallRecord, *, node: str, input: str | None, result: str
) -> None:
    seq = (
        session.scalar(select(func.max(CallStep.seq)).where(CallStep.call_sid == record.call_sid))
        or 0
    ) + 1
    session.add(
        CallStep(
            call_sid=record.call_sid, seq=seq, node=node, input=input and input[:200], result=result
        )
    )


def finish(
    session: Session, record: CallRecord, outcome: str, *, node: str | None, detail: str = ""
) -> None:
    """Set how the call ended. The first outcome stands (a later hang-up report doesn't erase
    it), except "queued": a queued caller may still leave with a call-back or hang up."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown call outcome {outcome!r}")
    if record.outcome is not None and record.outcome != "queued":
        return
    record.outcome = outcome
    record.outcome_node = node
    record.outcome_detail = detail or None
    # A queued call is still going: it is counted among the callers waiting until it ends.
    if outcome != "queued":
        record.ended_at = utcnow()


def last_node(session: Session, record: CallRecord) -> str | None:
    return session.scalar(
        select(CallStep.node)
        .where(CallStep.call_sid == record.call_sid)
        .order_by(CallStep.seq.desc())
        .limit(1)
    )


# A queued call with no news for this long (no <Enqueue action>, no final status) is not
# counted as waiting any more: the estimate must not grow from reports that never came.
STALE_QUEUED = timedelta(hours=2)


def waiting(session: Session, service: str) -> int:
    """Callers now in the service's queue: queued, not yet out of the queue (the <Enqueue
    action> sets queue_seconds) and the call not ended."""
    return (
        session.scalar(
            select(func.count())
            .select_from(CallRecord)
            .where(
                CallRecord.outcome == "queued",
                CallRecord.outcome_node == service,
                CallRecord.queue_seconds.is_(None),
                CallRecord.ended_at.is_(None),
                CallRecord.started_at > utcnow() - STALE_QUEUED,
            )
        )
        or 0
    )


def recent_handling(session: Session, service: str, limit: int = 20) -> list[float]:
    """Handling times (seconds with an agent) of the service's latest answered calls."""
    rows = session.scalars(
        select(CallRecord.handled_seconds)
        .where(CallRecord.outcome_node == service, CallRecord.handled_seconds.is_not(None))
        .order_by(CallRecord.started_at.desc())
        .limit(limit)
    )
    return [float(v) for v in rows if v is not None]
