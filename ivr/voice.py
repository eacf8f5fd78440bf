"""Twilio voice webhooks: language choice, the call-back offer, voicemail. (Call-back calls:
`ivr.callback_calls`.)"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request, url_for
from twilio.twiml.voice_response import Gather, VoiceResponse

from callbacks.tickets import CallbackRequest, request_callback
from callbacks.voicemails import RecordingReport, store_voicemail
from routing.callers import remember_language, remembered_language
from routing.numbers import InvalidNumber, normalise
from workers.queues import enqueue_dial

from . import context, prompts
from .guard import protect
from .twiml import twiml

log = logging.getLogger(__name__)
bp = protect(Blueprint("voice", __name__, url_prefix="/voice"))

MAX_TRIES = 3
DEFAULT_SERVICE = "general"


def _caller() -> str | None:
    try:
        return normalise(request.values.get("From"), context.settings().IRISLINE_DEFAULT_REGION)
    except InvalidNumber:
        return None


def _language() -> str:
    lang = request.args.get("lang", "")
    return lang if lang in prompts.LANGUAGES else prompts.DEFAULT_LANGUAGE


def _tries() -> int:
    try:
        return max(1, int(request.args.get("tries", "1")))
    except ValueError:
        return 1


def _say(node: VoiceResponse | Gather, language: str, key: str, **values: str) -> None:
    node.say(prompts.text(language, key, **values), language=prompts.tag(language))


@bp.post("/incoming")
def incoming() -> Response:
    response = VoiceResponse()
    tries = _tries()
    if tries > MAX_TRIES:
        # A silent caller is not left looping: French, the region's first language, and on.
        response.redirect(url_for("voice.offer", lang=prompts.DEFAULT_LANGUAGE))
        return twiml(response)
    with context.db().session() as session:
        known = remembered_language(session, _caller())
    if known and tries == 1:
        response.redirect(url_for("voice.offer", lang=known))
        return twiml(response)
    gather = response.gather(num_digits=1, action=url_for("voice.language"), timeout=5)
    for lang in prompts.LANGUAGES:
        _say(gather, lang, "choose")
    response.redirect(url_for("voice.incoming", tries=tries + 1))
    return twiml(response)


@bp.post("/language")
def language() -> Response:
    response = VoiceResponse()
    lang = prompts.DIGITS.get(request.form.get("Digits", ""))
    if lang is None:
        for each in prompts.LANGUAGES:
            _say(response, each, "invalid")
        response.redirect(url_for("voice.incoming", tries=_tries() + 1))
        return twiml(response)
    with context.db().session() as session:
        remember_language(session, _caller(), lang)
    response.redirect(url_for("voice.offer", lang=lang))
    return twiml(response)


@bp.post("/offer")
def offer() -> Response:
    lang, tries = _language(), _tries()
    response = VoiceResponse()
    if tries > MAX_TRIES:
        _say(response, lang, "goodbye")
        response.hangup()
        return twiml(response)
    gather = response.gather(
        num_digits=1, action=url_for("voice.offer_choice", lang=lang), timeout=5
    )
    _say(gather, lang, "offer")
    response.redirect(url_for("voice.offer", lang=lang, tries=tries + 1))
    return twiml(response)


@bp.post("/offer/choice")
def offer_choice() -> Response:
    lang = _language()
    digits = request.form.get("Digits", "")
    response = VoiceResponse()
    if digits == "2":
        response.redirect(url_for("voice.voicemail", lang=lang))
        return twiml(response)
    if digits != "1":
        _say(response, lang, "invalid")
        response.redirect(url_for("voice.offer", lang=lang, tries=_tries() + 1))
        return twiml(response)
    caller = _caller()
    if caller is None:
        _say(response, lang, "no_number")
        response.redirect(url_for("voice.voicemail", lang=lang))
        return twiml(response)
    with context.db().session() as session:
        ticket, _created = request_callback(
            session,
            CallbackRequest(
                phone=caller,
                service=DEFAULT_SERVICE,
                language=lang,
                source="ivr",
                call_sid=request.form.get("CallSid"),
            ),
            actor="ivr",
        )
        ticket_id, reference = ticket.id, ticket.reference
    enqueue_dial(context.redis(), ticket_id)
    _say(response, lang, "registered", ref=prompts.spoken_reference(reference))
    response.hangup()
    return twiml(response)


@bp.post("/voicemail")
def voicemail() -> Response:
    lang = _language()
    response = VoiceResponse()
    _say(response, lang, "voicemail")
    response.record(
        action=url_for("voice.voicemail_done", lang=lang),
        max_length=120,
        finish_on_key="#",
        # Twilio's recording callback doesn't say who called: carry it in the URL (signed).
        recording_status_callback=url_for(
            "voice.recording", lang=lang, service=DEFAULT_SERVICE, caller=_caller() or ""
        ),
        recording_status_callback_method="POST",
    )
    _say(response, lang, "goodbye")
    return twiml(response)


@bp.post("/voicemail/done")
def voicemail_done() -> Response:
    response = VoiceResponse()
    _say(response, _language(), "thanks")
    response.hangup()
    return twiml(response)


@bp.post("/recording")
def recording() -> Response:
    form = request.form
    if form.get("RecordingStatus", "completed") != "completed":
        return Response(status=204)
    try:
        duration = int(form.get("RecordingDuration", "0"))
    except ValueError:
        duration = 0
    report = RecordingReport(
        recording_sid=form["RecordingSid"],
        recording_url=form["RecordingUrl"],
        duration=duration,
        call_sid=form.get("CallSid", ""),
        caller=request.args.get("caller") or None,
        language=_language(),
        service=request.args.get("service", DEFAULT_SERVICE),
    )
    with context.db().session() as session:
        store_voicemail(session, report, region=context.settings().IRISLINE_DEFAULT_REGION)
    return Response(status=204)
