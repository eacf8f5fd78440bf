"""The one helper that turns a twilio.twiml document into a Flask response."""

from __future__ import annotations

from flask import Response
from twilio.twiml import TwiML


def twiml(document: TwiML, status: int = 200) -> Response:
    return Response(str(document), status=status, mimetype="text/xml")
