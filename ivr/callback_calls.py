"""Webhooks of outbound call-back calls: the answer (customer-first, with answering-machine
detection), the agent-first legs (agent whisper, bridge, citizen greeting), and the status
callbacks that settle attempts.

Every URL carries the attempt's idempotency key, so a callback settles its attempt even if the
worker that placed the call died before storing the call SID.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, request, url_for
from sqlalchemy import select
from twilio.twiml.voice_response import VoiceResponse

from callbacks import dialling
from callbacks.models import Attempt, Ticket
from callbacks.states import Status
from callbacks.texts import spoken_reference
from callbacks.tickets import find_by_reference, get_ticket
from irisline.errors import NotFound
from workers.queues import enqueue_notifications, schedule_dial

from . import context, prompts
from .guard import protect
from .twiml import twiml

log = logging.getLogger(__name__)
bp = protect(Blueprint("callback_calls", __name__, url_prefix="/voice"))

# Texts of call-back calls, per language (the same languages as ivr.prompts).
TEXTS: dict[str, dict[str, str]] = {
    "fr": {
        "machine": "Bonjour, ici la Région de Bruxelles-Capitale. Nous avons essayé de vous "
        "rappeler au sujet de votre demande {ref}. Nous réessaierons plus tard. Au revoir.",
        "whisper": "Rappel du ticket {ref}, service {service}, en {language}, demandé le "
        "{when}, tentative {seq}. Mise en relation avec le citoyen.",
        "connect": "Bonjour, ici la Région de Bruxelles-Capitale, qui vous rappelle au sujet de "
        "votre demande {ref}. Un agent est en ligne pour vous.",
        "not_reached": "Le citoyen n'a pas répondu. Le rappel est reprogrammé.",
        "gone": "Ce rappel n'est plus d'actualité.",
        "languages": "français|néerlandais|anglais",
    },
    "nl": {
        "machine": "Goeiedag, hier het Brussels Hoofdstedelijk Gewest. Wij probeerden u terug te "
        "bellen over uw aanvraag {ref}. Wij proberen het later opnieuw. Tot ziens.",
        "whisper": "Terugbelverzoek {ref}, dienst {service}, in het {language}, aangevraagd op "
        "{when}, poging {seq}. U wordt doorverbonden met de burger.",
        "connect": "Goeiedag, hier het Brussels Hoofdstedelijk Gewest, wij bellen u terug over "
        "uw aanvraag {ref}. Een medewerker is aan de lijn.",
        "not_reached": "De burger nam niet op. Het terugbellen wordt opnieuw gepland.",
        "gone": "Dit terugbelverzoek is niet meer actueel.",
        "languages": "Frans|Nederlands|Engels",
    },
    "en": {
        "machine": "Hello, this is the Brussels-Capital Region. We tried to call you back about "
        "your request {ref}. We will try again later. Goodbye.",
        "whisper": "Call-back {ref}, service {service}, in {language}, requested on {when}, "
        "attempt {seq}. Connecting you to the citizen.",
        "connect": "Hello, this is the Brussels-Capital Region calling you back about your "
        "request {ref}. An agent is on the line for you.",
        "not_reached": "The citizen did not answer. The call-back is rescheduled.",
        "gone": "This call-back is no longer current.",
        "languages": "French|Dutch|English",
    },
}
LANGUAGE_ORDER = ("fr", "nl", "en")
BRUSSELS = ZoneInfo("Europe/Brussels")


def text(in_language: str, key: str, **values: str) -> str:
    return TEXTS.get(in_language, TEXTS[prompts.DEFAULT_LANGUAGE])[key].format(**values)


def language_name(in_language: str, of: str) -> str:
    names = text(in_language, "languages").split("|")
    return names[LANGUAGE_ORDER.index(of)] if of in LANGUAGE_ORDER else of


def _say(response: VoiceResponse, language: str, words: str) -> None:
    response.say(words, language=prompts.tag(language))


def _attempt_and_ticket(key: str) -> tuple[Attempt, Ticket]:
    with context.db().session() as session:
        attempt = session.scalars(select(Attempt).where(Attempt.idempotency_key == key)).first()
        if attempt is None:
            raise NotFound(f"no attempt {key}", attempt=key)
        ticket = get_ticket(session, attempt.ticket_id)
        return attempt, ticket


def _after_settlement(settled: dialling.Settlement | None) -> None:
    """A settled attempt whose ticket is due again gets a scheduled dial job (best effort:
    the reconciler enqueues due tickets that have none)."""
    if settled is None:
        return
    if settled.due_at is not None:
        schedule_dial(context.redis(), settled.ticket_id, settled.due_at)
    enqueue_notifications(context.redis(), list(settled.notification_ids))


@bp.post("/callback/answer")
def callback_answer() -> Response:
    """The called party picked up a customer-first call-back.

    A human hears why we call, then waits in the service's queue for an agent. An answering
    machine gets a short message in the citizen's language; the attempt then settles as
    `machine` and the retry is scheduled.
    """
    key = request.args.get("attempt", "")
    answered_by = request.form.get("AnsweredBy")
    if key:
        dialling.note_answered_by(context.db(), key, answered_by)
        attempt, ticket = _attempt_and_ticket(key)
        reference, lang, service = ticket.reference, ticket.language, ticket.service
        if ticket.state is Status.CANCELLED:
            # Cancelled (by SMS, say) while the phone rang: no agent queue for nothing.
            response = VoiceResponse()
            _say(response, lang, text(lang, "gone"))
            response.hangup()
            return twiml(response)
    else:
        reference = request.args.get("ticket", "")
        with context.db().session() as session:
            ticket = find_by_reference(session, reference)
            lang, service = ticket.language, ticket.service
    response = VoiceResponse()
    spoken = spoken_reference(reference)
    if dialling.is_machine(answered_by):
        _say(response, lang, text(lang, "machine", ref=spoken))
        response.hangup()
        return twiml(response)
    response.say(prompts.text(lang, "callback_intro", ref=spoken), language=prompts.tag(lang))
    # Once the agent hangs up, the citizen is still on the line: the optional satisfaction
    # question (the <Enqueue action> runs after a bridged call ends).
    response.enqueue(
        f"callback-{service}", action=url_for("survey.ask", ticket=reference), method="POST"
    )
    return twiml(response)


@bp.post("/callback/agent")
def callback_agent() -> Response:
    """Agent-first: the agent answered. Whisper the ticket in the agent's language, then dial
    the citizen with the regional number as caller ID."""
    key = request.args.get("attempt", "")
    attempt, ticket = _attempt_and_ticket(key)
    settings = context.settings()
    agent_lang = settings.IRISLINE_AGENT_LANGUAGE
    response = VoiceResponse()
    if attempt.settled_at is not None or not ticket.is_open:
        _say(response, agent_lang, text(agent_lang, "gone"))
        response.hangup()
        return twiml(response)
    dialling.mark_bridging(context.db(), key, request.form.get("CallSid"))
    when = ticket.requested_at.astimezone(BRUSSELS).strftime("%d/%m %H:%M")
    _say(
        response,
        agent_lang,
        text(
            agent_lang,
            "whisper",
            ref=spoken_reference(ticket.reference),
            service=ticket.service,
            language=language_name(agent_lang, ticket.language),
            when=when,
            seq=str(attempt.seq),
        ),
    )
    dial = response.dial(
        caller_id=settings.TWILIO_PHONE_NUMBER,
        action=url_for("callback_calls.callback_bridged", attempt=key),
        method="POST",
        timeout=30,
    )
    dial.number(
        ticket.phone,
        url=url_for("callback_calls.callback_citizen", attempt=key),
        method="POST",
        status_callback=url_for("callback_calls.status", attempt=key, leg="citizen"),
        status_callback_method="POST",
        status_callback_event="initiated ringing answered completed",
    )
    return twiml(response)


@bp.post("/callback/citizen")
def callback_citizen() -> Response:
    """Agent-first: played to the citizen when they pick up, before the agent is connected."""
    _attempt, ticket = _attempt_and_ticket(request.args.get("attempt", ""))
    response = VoiceResponse()
    lang = ticket.language
    _say(response, lang, text(lang, "connect", ref=spoken_reference(ticket.reference)))
    return twiml(response)


@bp.post("/callback/bridged")
def callback_bridged() -> Response:
    """Agent-first: the <Dial> to the citizen ended; DialCallStatus says how."""
    key = request.args.get("attempt", "")
    dial_status = request.form.get("DialCallStatus", "")
    settled = dialling.settle_from_status_callback(
        context.db(), key, dial_status, call_sid=request.form.get("DialCallSid"), leg="citizen"
    )
    _after_settlement(settled)
    agent_lang = context.settings().IRISLINE_AGENT_LANGUAGE
    response = VoiceResponse()
    if dial_status != "completed":
        _say(response, agent_lang, text(agent_lang, "not_reached"))
    response.hangup()
    return twiml(response)


@bp.post("/status")
def status() -> Response:
    attempt = request.args.get("attempt", "")
    call_status = request.form.get("CallStatus", "")
    if attempt:
        settled = dialling.settle_from_status_callback(
            context.db(),
            attempt,
            call_status,
            call_sid=request.form.get("CallSid"),
            answered_by=request.form.get("AnsweredBy"),
            leg=request.args.get("leg") or None,
        )
        _after_settlement(settled)
    return Response(status=204)
