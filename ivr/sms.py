"""Twilio's Messaging webhook: inbound SMS (signed), answered with TwiML in the sender's
language. Keywords are handled by `callbacks.sms`."""

from __future__ import annotations

from flask import Blueprint, Response, request
from twilio.twiml.messaging_response import MessagingResponse

from callbacks import sms
from workers.queues import enqueue_notifications

from . import api, context
from .guard import protect
from .twiml import twiml

bp = protect(Blueprint("sms", __name__, url_prefix="/sms"))


@bp.post("/incoming")
def incoming() -> Response:
    sender = request.form.get("From", "")
    body = request.form.get("Body", "")[:1600]
    with context.db().session() as session:
        reply = sms.handle(
            session,
            sender,
            body,
            now=api.now(),
            policies=api.policies(),
            number_policy=api.number_policy(),
        )
    enqueue_notifications(context.redis(), reply.notification_ids)
    response = MessagingResponse()
    response.message(reply.text)
    return twiml(response)
