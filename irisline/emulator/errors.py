"""Twilio's error and warning codes for what the emulator reports, as its debugger shows them.

Codes and messages from Twilio's Error and Warning Dictionary
(https://www.twilio.com/docs/api/errors).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MESSAGES: dict[int, str] = {
    11200: "HTTP retrieval failure",
    11205: "HTTP connection failure",
    11750: "TwiML response body too large",
    12100: "Document parse failure",
    12102: "The root element must be Response",
    12200: "Schema validation warning",
    12300: "Invalid Content-Type",
    12400: "Internal Failure",
    13210: "Dial: Invalid method value",
    13212: "Dial: Invalid timeout value",
    13215: "Dial: Invalid nested element",
    13223: "Dial: Invalid phone number format",
    13224: "Dial: Invalid phone number",
    13310: "Gather: Invalid finishOnKey value",
    13312: "Gather: Invalid method value",
    13313: "Gather: Invalid timeout value",
    13314: "Gather: Invalid numDigits value",
    13320: "Gather: Invalid nested verb",
    13338: "Gather: Invalid actionOnEmptyResult value",
    13410: "Play: Invalid loop value",
    13510: "Say: Invalid loop value",
    13520: "Say: Invalid text",
    13610: "Record: Invalid method value",
    13611: "Record: Invalid timeout value",
    13612: "Record: Invalid maxLength value",
    13613: "Record: Invalid finishOnKey value",
    13616: "Record: playBeep must be true or false",
    13710: "Redirect: Invalid method value",
    13810: "Reject: Invalid cause",
    13910: "Pause: Invalid length value",
    14101: 'Invalid "To" attribute',
    14104: "SMS method attribute invalid",
    14201: "Enqueue: Invalid method value; must be 'GET' or 'POST'",
    14204: "Enqueue: Queue name too short",
    14205: "Enqueue: Queue name too long",
    14206: "Enqueue: The waitUrlMethod value is invalid. You must specify one of 'GET' or 'POST'.",
    14212: "Dial->Queue: Queue name too short",
}

#: Codes after which Twilio stops the call ("An application error has occurred").
FATAL = frozenset({11200, 11205, 11750, 12100, 12102, 12300, 12400})


@dataclass(frozen=True)
class Notification:
    """One entry of the debugger: an error (the call stops) or a warning (the call goes on)."""

    code: int
    detail: str
    url: str = ""
    level: str = field(default="")

    @property
    def message(self) -> str:
        return MESSAGES.get(self.code, "Unknown error")

    @property
    def is_error(self) -> bool:
        return (self.level or ("error" if self.code in FATAL else "warning")) == "error"

    def __str__(self) -> str:
        kind = "error" if self.is_error else "warning"
        where = f" ({self.url})" if self.url else ""
        return f"{kind} {self.code}: {self.message}: {self.detail}{where}"

    def to_json(self) -> dict[str, Any]:
        return {
            "error_code": str(self.code),
            "log": "0" if self.is_error else "1",
            "message_text": self.detail,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "request_url": self.url,
        }


class TwimlError(Exception):
    """A fault that ends the call the way Twilio ends it: with an application error."""

    def __init__(self, code: int, detail: str, url: str = "") -> None:
        super().__init__(f"{code}: {detail}")
        self.notification = Notification(code, detail, url, level="error")
