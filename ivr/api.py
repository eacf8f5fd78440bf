"""The JSON API: public endpoints for the region's website, and the agents' endpoints.

Public (no account; rate-limited per number and per client address):

- `GET /api/services`: every service with its names per language, open now, next opening;
- `POST /api/callbacks` `{phone, service, language, preferred_window?, note?}` -> 201
  `{reference, status, expected_window, token, merged: false, ...}`; when the number already
  has an open ticket for that service, the request merges into it: 201 with the same reference,
  `merged: true` and no token (a token would let anyone who knows a number cancel its request);
- `GET /api/callbacks/<reference>` with the token (`?token=` or `X-Callback-Token`);
- `POST /api/callbacks/<reference>/cancel` or `DELETE /api/callbacks/<reference>` with it.

`preferred_window` is `{"start": ISO-8601, "end": ISO-8601}`; a time without an offset is
Brussels time. Invalid input answers 422 `{"error": "invalid-input", "fields": {...}}`.

Agents (`Authorization: Bearer <token>` from `irisline agent create`): under `/api/agent/`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request

from callbacks import agents, intake, services
from callbacks.models import Agent, Ticket
from callbacks.tickets import CallbackRequest, find_by_reference
from callbacks.windows import TZ, Window, is_open, next_opening
from irisline.errors import DomainError, InvalidInput, NotFound
from routing.numbers import callable_number
from workers.queues import enqueue_notifications

from . import context, ratelimit
from .context import now as now
from .context import number_policy, policies

bp = Blueprint("api", __name__, url_prefix="/api")

MAX_NOTE = 1000
MAX_FIELD = 100


def _iso(at: datetime | None) -> str | None:
    return at.astimezone(TZ).isoformat() if at else None


# --- input ----------------------------------------------------------------------------------


def _json_body() -> Any:
    """The request's JSON (whatever the content type), or None when it doesn't parse."""
    try:
        return request.get_json(force=True, silent=True)
    except (RecursionError, ValueError):
        return None


def _json_object() -> dict[str, Any]:
    body = _json_body()
    if not isinstance(body, dict):
        raise InvalidInput(
            "a JSON object is expected", fields={"body": "a JSON object is expected"}
        )
    return body


def _text(
    body: dict[str, Any], name: str, errors: dict[str, str], *, limit: int = MAX_FIELD
) -> str:
    value = body.get(name)
    if value is None or value == "":
        errors[name] = "required"
        return ""
    if not isinstance(value, str):
        errors[name] = "must be a string"
        return ""
    if len(value) > limit:
        errors[name] = f"at most {limit} characters"
        return ""
    if any(ord(c) < 32 and c not in "\n\t" for c in value):
        errors[name] = "contains control characters"
        return ""
    return value.strip()


def _instant(value: Any) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError("an ISO-8601 date and time")
    at = datetime.fromisoformat(value)
    if at.tzinfo is None:
        at = at.replace(tzinfo=TZ)
    return at


def _preferred(body: dict[str, Any], errors: dict[str, str]) -> Window | None:
    raw = body.get("preferred_window")
    if raw is None:
        return None
    if not isinstance(raw, dict) or "start" not in raw or "end" not in raw:
        errors["preferred_window"] = 'an object {"start": ISO-8601, "end": ISO-8601}'
        return None
    try:
        start, end = _instant(raw["start"]), _instant(raw["end"])
    except (ValueError, TypeError, OverflowError):
        errors["preferred_window"] = "start and end must be ISO-8601 dates and times"
        return None
    if end <= start:
        errors["preferred_window"] = "the end must come after the start"
        return None
    return Window(start, end)


def _ticket_json(ticket: Ticket, moment: datetime) -> dict[str, Any]:
    window = intake.expected_window(ticket, policies()(ticket.service), moment)
    preferred = intake.preferred_window(ticket)
    return {
        "reference": ticket.reference,
        "status": ticket.status,
        "service": ticket.service,
        "language": ticket.language,
        "expected_window": window.as_json() if window else None,
        "preferred_window": preferred.as_json() if preferred else None,
        "requested_at": _iso(ticket.requested_at),
    }


# --- public endpoints -----------------------------------------------------------------------


@bp.get("/services")
def list_services() -> Response:
    moment = now()
    out = []
    for service in services.SERVICES.values():
        calendar = policies()(service.id).calendar
        opening = next_opening(calendar, moment)
        out.append(
            {
                "id": service.id,
                "names": dict(service.names),
                "open_now": is_open(calendar, moment),
                "next_opening": _iso(opening),
            }
        )
    return jsonify(out)


@bp.post("/callbacks")
def create_callback() -> Any:
    settings = context.settings()
    window = settings.integer("IRISLINE_RATE_LIMIT_WINDOW")
    wait = ratelimit.hit(
        context.redis(),
        f"addr:{ratelimit.client_address()}",
        settings.integer("IRISLINE_RATE_LIMIT_PER_ADDRESS"),
        window,
    )
    if wait is not None:
        return ratelimit.too_many(wait, "from this address")

    body = _json_object()
    errors: dict[str, str] = {}
    phone = _text(body, "phone", errors, limit=40)
    service = _text(body, "service", errors, limit=40)
    language = _text(body, "language", errors, limit=8)
    note = body.get("note")
    if note is not None:
        note = _text(body, "note", errors, limit=MAX_NOTE) or None
    if phone and "phone" not in errors:
        try:
            phone = callable_number(phone, number_policy())
        except InvalidInput as exc:
            errors["phone"] = exc.message
    if service and service not in services.SERVICES:
        errors["service"] = f"unknown service; one of {', '.join(services.ids())}"
    if language and language not in services.LANGUAGES:
        errors["language"] = f"one of {', '.join(services.LANGUAGES)}"
    preferred = _preferred(body, errors)
    moment = now()
    if preferred is not None and not errors:
        try:
            intake.check_preferred(preferred, policies()(service), moment)
        except InvalidInput as exc:
            errors["preferred_window"] = exc.message
    if errors:
        raise InvalidInput("invalid call-back request", fields=errors)

    wait = ratelimit.hit(
        context.redis(),
        f"number:{phone}",
        settings.integer("IRISLINE_RATE_LIMIT_PER_NUMBER"),
        window,
    )
    if wait is not None:
        return ratelimit.too_many(wait, "for this number")

    with context.db().session() as session:
        submission = intake.submit(
            session,
            CallbackRequest(
                phone=phone, service=service, language=language, source="web", note=note
            ),
            policies=policies(),
            number_policy=number_policy(),
            preferred=preferred,
            now=moment,
            actor="web",
        )
        answer = _ticket_json(submission.ticket, moment)
        if submission.window is not None:
            answer["expected_window"] = submission.window.as_json()
    enqueue_notifications(context.redis(), submission.notification_ids)
    if submission.created:
        answer["token"] = submission.token
        answer["merged"] = False
        return jsonify(answer), 201
    # Still 201, the documented answer to a request; `merged` says no new ticket was made.
    answer["merged"] = True
    return jsonify(answer), 201


def _own_ticket(session: Any, reference: str) -> Ticket:
    if not reference.isdigit() or len(reference) > 16:
        raise NotFound(f"no ticket with reference {reference}")
    ticket = find_by_reference(session, reference)
    token = request.args.get("token") or request.headers.get("X-Callback-Token")
    if not token and request.method != "GET":
        body = _json_body()
        if isinstance(body, dict) and isinstance(body.get("token"), str):
            token = body["token"]
    if not intake.check_token(ticket, token):
        raise agents.Forbidden("a valid token for this reference is required")
    return ticket


@bp.get("/callbacks/<reference>")
def callback_status(reference: str) -> Response:
    with context.db().session() as session:
        return jsonify(_ticket_json(_own_ticket(session, reference), now()))


@bp.post("/callbacks/<reference>/cancel")
@bp.delete("/callbacks/<reference>")
def cancel_callback(reference: str) -> Response:
    with context.db().session() as session:
        ticket = _own_ticket(session, reference)
        notify = intake.cancel(session, ticket, actor="citizen", reason="cancelled on the web")
        ids = []
        if notify:
            from callbacks import notifications

            ids.append(notifications.queue_sms(session, ticket, "cancelled").id)
        answer = _ticket_json(ticket, now())
    enqueue_notifications(context.redis(), ids)
    return jsonify(answer)


# --- agents -----------------------------------------------------------------------------------


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _agent(session: Any) -> Agent:
    return agents.authenticate(session, _bearer())


def _agent_ticket_json(ticket: Ticket, moment: datetime) -> dict[str, Any]:
    answer = _ticket_json(ticket, moment)
    answer.update(
        {
            "phone": ticket.phone,
            "note": ticket.note,
            "priority": ticket.priority,
            "source": ticket.source,
            "merge_count": ticket.merge_count,
            "due_at": _iso(ticket.due_at),
            "sla_deadline": _iso(ticket.sla_deadline),
            "escalated": ticket.escalated_at is not None,
            "attempts": len(ticket.attempts),
            "history": [
                {
                    "at": _iso(e.at),
                    "from": e.from_status,
                    "to": e.to_status,
                    "actor": e.actor,
                    "reason": e.reason,
                }
                for e in ticket.events
            ],
        }
    )
    return answer


@bp.get("/agent/me")
def agent_me() -> Response:
    with context.db().session() as session:
        agent = _agent(session)
        return jsonify(
            {
                "id": agent.id,
                "name": agent.name,
                "services": agent.service_list,
                "languages": agent.language_list,
            }
        )


@bp.post("/agent/claim")
def agent_claim() -> Any:
    moment = now()
    with context.db().session() as session:
        agent = _agent(session)
        ticket = agents.claim_next(session, agent, moment, policies=policies())
        if ticket is None:
            return jsonify({"ticket": None}), 200
        return jsonify({"ticket": _agent_ticket_json(ticket, moment)}), 200


@bp.get("/agent/tickets/<reference>")
def agent_ticket(reference: str) -> Response:
    with context.db().session() as session:
        agent = _agent(session)
        return jsonify(_agent_ticket_json(agents.get_for_agent(session, agent, reference), now()))


def _action(reference: str, run: Callable[[Any, Agent, dict[str, Any]], Ticket]) -> Response:
    body = _json_body() if request.get_data() else {}
    if not isinstance(body, dict):
        raise InvalidInput(
            "a JSON object is expected", fields={"body": "a JSON object is expected"}
        )
    ids: list[int] = []
    with context.db().session() as session:
        agent = _agent(session)
        before = _pending_ids(session)
        ticket = run(session, agent, body)
        session.flush()
        ids = sorted(_pending_ids(session) - before)
        answer = _agent_ticket_json(ticket, now())
    enqueue_notifications(context.redis(), ids)
    return jsonify(answer)


def _pending_ids(session: Any) -> set[int]:
    from sqlalchemy import select

    from callbacks.models import Notification

    return set(session.scalars(select(Notification.id).where(Notification.status == "pending")))


def _field(body: dict[str, Any], name: str, *, required: bool = True) -> str:
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidInput("required (a string)", field=name)
    if any(ord(c) < 32 and c not in "\n\t" for c in value) or len(value) > 2000:
        raise InvalidInput("at most 2000 characters, no control characters", field=name)
    return value


@bp.post("/agent/tickets/<reference>/outcome")
def agent_outcome(reference: str) -> Response:
    return _action(
        reference,
        lambda s, a, b: agents.record_outcome(
            s,
            a,
            reference,
            _field(b, "outcome"),
            note=_field(b, "note", required=False) or None,
            now=now(),
            policies=policies(),
            survey_by_sms=bool(b.get("survey_by_sms", False)),
        ),
    )


@bp.post("/agent/tickets/<reference>/release")
def agent_release(reference: str) -> Response:
    return _action(reference, lambda s, a, b: agents.release(s, a, reference))


@bp.post("/agent/tickets/<reference>/reschedule")
def agent_reschedule(reference: str) -> Response:
    def run(s: Any, a: Agent, b: dict[str, Any]) -> Ticket:
        try:
            at = _instant(b.get("at"))
        except (ValueError, TypeError):
            raise InvalidInput("an ISO-8601 date and time", field="at") from None
        return agents.reschedule(s, a, reference, at, policies=policies())

    return _action(reference, run)


@bp.post("/agent/tickets/<reference>/note")
def agent_note(reference: str) -> Response:
    return _action(reference, lambda s, a, b: agents.add_note(s, a, reference, _field(b, "text")))


@bp.post("/agent/tickets/<reference>/transfer")
def agent_transfer(reference: str) -> Response:
    return _action(
        reference,
        lambda s, a, b: agents.transfer(
            s,
            a,
            reference,
            _field(b, "service"),
            reason=_field(b, "reason", required=False),
            now=now(),
            policies=policies(),
        ),
    )


@bp.post("/agent/tickets/<reference>/cancel")
def agent_cancel(reference: str) -> Response:
    return _action(
        reference,
        lambda s, a, b: agents.cancel_by_agent(
            s, a, reference, _field(b, "reason", required=False)
        ),
    )


@bp.post("/agent/tickets/<reference>/priority")
def agent_priority(reference: str) -> Response:
    def run(s: Any, a: Agent, b: dict[str, Any]) -> Ticket:
        priority = b.get("priority")
        if not isinstance(priority, int) or isinstance(priority, bool):
            raise InvalidInput("0, 1 or 2", field="priority")
        return agents.prioritise(s, a, reference, priority, _field(b, "reason", required=False))

    return _action(reference, run)


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError) -> Any:
    headers = {"WWW-Authenticate": 'Bearer realm="irisline"'} if exc.status == 401 else {}
    return jsonify(exc.to_dict()), exc.status, headers
