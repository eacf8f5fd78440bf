"""The satisfaction survey at the end of a call-back (DTMF 1-5), in the ticket's language.

`POST /voice/survey?ticket=REF` asks; `POST /voice/survey/answer?ticket=REF` stores the score.
The call flow sends the citizen here once the agent's part is done (e.g. the `action` of the
call-back's `<Enqueue>`/`<Dial>`); the lead wires that into the versioned menus.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request, url_for
from twilio.twiml.voice_response import VoiceResponse

from callbacks import survey, texts
from callbacks.tickets import find_by_reference
from irisline.errors import Conflict, InvalidInput

from . import context, prompts
from .guard import protect
from .twiml import twiml

log = logging.getLogger(__name__)
bp = protect(Blueprint("survey", __name__, url_prefix="/voice/survey"))
MAX_TRIES = 2


def _reference() -> str:
    reference = request.args.get("ticket", "")
    return reference if reference.isdigit() and len(reference) <= 16 else ""


def _say(response: VoiceResponse, language: str, key: str) -> None:
    response.say(texts.spoken(language, key), language=prompts.tag(language))


@bp.post("")
def ask() -> Response:
    reference = _reference()
    if request.form.get("QueueResult", "bridged") != "bridged":
        # The call-back queue's action after the citizen left without an agent: no survey.
        return twiml(VoiceResponse())
    with context.db().session() as session:
        language = find_by_reference(session, reference).language
    tries = request.args.get("tries", "1")
    response = VoiceResponse()
    gather = response.gather(
        num_digits=1,
        timeout=6,
        action=url_for("survey.answer", ticket=reference, tries=tries),
    )
    gather.say(texts.spoken(language, "survey"), language=prompts.tag(language))
    response.say(prompts.text(language, "goodbye"), language=prompts.tag(language))
    response.hangup()
    return twiml(response)


@bp.post("/answer")
def answer() -> Response:
    reference = _reference()
    response = VoiceResponse()
    with context.db().session() as session:
        ticket = find_by_reference(session, reference)
        language = ticket.language
        try:
            score = survey.parse_score(request.form.get("Digits"))
        except InvalidInput:
            tries = (
                int(request.args.get("tries", "1"))
                if request.args.get("tries", "1").isdigit()
                else 1
            )
            if tries < MAX_TRIES:
                response.say(prompts.text(language, "invalid"), language=prompts.tag(language))
                response.redirect(url_for("survey.ask", ticket=reference, tries=tries + 1))
                return twiml(response)
            response.say(prompts.text(language, "goodbye"), language=prompts.tag(language))
            response.hangup()
            return twiml(response)
        try:
            survey.record(session, ticket, score, "dtmf")
        except Conflict as exc:
            log.warning("survey score for %s not stored: %s", reference, exc.message)
    _say(response, language, "survey_thanks")
    response.hangup()
    return twiml(response)
