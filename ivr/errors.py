"""The one place that turns errors into HTTP answers.

Twilio-facing routes never answer with a 5xx: the caller hears an apology and is offered
voicemail, and the fault is logged. The JSON API answers domain errors with their status and
error id.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import Flask, Response, jsonify, request
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from irisline.errors import DomainError

from . import prompts
from .twiml import twiml

log = logging.getLogger(__name__)


def apology() -> Response:
    """Static TwiML that needs neither the database nor Redis."""
    response = VoiceResponse()
    lang = request.args.get("lang", "")
    languages = [lang] if lang in prompts.TEXTS else list(prompts.TEXTS)
    for each in languages:
        response.say(prompts.text(each, "fault"), language=prompts.tag(each))
    query = urlencode(
        {"lang": languages[0], "service": "general", "caller": request.values.get("From", "")}
    )
    response.record(
        max_length=120,
        finish_on_key="#",
        action=f"/voice/voicemail/done?lang={languages[0]}",
        recording_status_callback=f"/voice/recording?{query}",
    )
    return twiml(response)


def _is_voice() -> bool:
    return request.path.startswith("/voice/")


def _is_sms() -> bool:
    return request.path.startswith("/sms/")


def sms_apology() -> Response:
    """An empty TwiML answer: Twilio sends nothing back, and never sees a 5xx."""
    return twiml(MessagingResponse())


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError) -> Response | tuple[Response, int]:
        if _is_voice():
            log.error("domain error in webhook %s: %s", request.path, exc.message)
            return apology()
        if _is_sms():
            log.error("domain error in webhook %s: %s", request.path, exc.message)
            return sms_apology()
        return jsonify(exc.to_dict()), exc.status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> HTTPException | Response | tuple[Response, int]:
        if _is_voice() and (exc.code or 500) >= 500:
            return apology()
        if _is_sms() and (exc.code or 500) >= 500:
            return sms_apology()
        if request.path.startswith("/api/"):
            body = {
                "error": (exc.name or "error").lower().replace(" ", "-"),
                "message": exc.description,
            }
            return jsonify(body), exc.code or 500
        return exc

    @app.errorhandler(Exception)
    def internal_error(exc: Exception) -> Response | tuple[Response, int]:
        log.exception("internal error on %s %s", request.method, request.path)
        if _is_voice():
            return apology()
        if _is_sms():
            return sms_apology()
        if request.path.startswith("/api/"):
            return jsonify({"error": "internal-error", "message": "internal error"}), 500
        return Response("Internal error\n", status=500, mimetype="text/plain")
