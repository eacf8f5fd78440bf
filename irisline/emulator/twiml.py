"""Reading TwiML the way Twilio does: parse, check the schema, report what is wrong.

A document that is not XML, or whose root is not <Response>, or that holds a verb Twilio does
not know, stops the call (Twilio's debugger: 12100, 12102, 12200). An unknown attribute or a bad
attribute value is a warning: Twilio logs it and uses the attribute's default.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import Notification, TwimlError

DTMF_KEYS = frozenset("0123456789*#")
METHODS = ("GET", "POST")


@dataclass
class Verb:
    name: str
    attrs: dict[str, str]
    text: str
    children: list[Verb] = field(default_factory=list)


# Per verb: its attributes, and the elements it may hold. Twilio's TwiML reference
# (https://www.twilio.com/docs/voice/twiml) lists them.
SCHEMA: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "Say": (frozenset({"voice", "language", "loop"}), frozenset()),
    "Play": (frozenset({"loop", "digits"}), frozenset()),
    "Pause": (frozenset({"length"}), frozenset()),
    "Gather": (
        frozenset(
            {
                "action",
                "method",
                "timeout",
                "finishOnKey",
                "numDigits",
                "input",
                "language",
                "hints",
                "speechTimeout",
                "speechModel",
                "enhanced",
                "profanityFilter",
                "bargeIn",
                "partialResultCallback",
                "partialResultCallbackMethod",
                "actionOnEmptyResult",
                "debug",
            }
        ),
        frozenset({"Say", "Play", "Pause"}),
    ),
    "Record": (
        frozenset(
            {
                "action",
                "method",
                "timeout",
                "finishOnKey",
                "maxLength",
                "playBeep",
                "trim",
                "recordingStatusCallback",
                "recordingStatusCallbackMethod",
                "recordingStatusCallbackEvent",
                "transcribe",
                "transcribeCallback",
            }
        ),
        frozenset(),
    ),
    "Enqueue": (
        frozenset({"action", "method", "waitUrl", "waitUrlMethod", "workflowSid"}),
        frozenset({"Task"}),
    ),
    "Leave": (frozenset(), frozenset()),
    "Dial": (
        frozenset(
            {
                "action",
                "method",
                "timeout",
                "callerId",
                "hangupOnStar",
                "timeLimit",
                "record",
                "answerOnBridge",
                "ringTone",
                "trim",
                "recordingStatusCallback",
                "recordingStatusCallbackMethod",
                "recordingStatusCallbackEvent",
                "referUrl",
                "referMethod",
                "sequential",
            }
        ),
        frozenset({"Number", "Client", "Queue", "Conference", "Sip", "Sim", "Application"}),
    ),
    "Number": (
        frozenset(
            {
                "sendDigits",
                "url",
                "method",
                "statusCallback",
                "statusCallbackEvent",
                "statusCallbackMethod",
                "byoc",
                "machineDetection",
            }
        ),
        frozenset(),
    ),
    "Client": (
        frozenset({"url", "method", "statusCallback", "statusCallbackEvent"}),
        frozenset({"Identity", "Parameter"}),
    ),
    "Queue": (frozenset({"url", "method", "reservationSid", "postWorkActivitySid"}), frozenset()),
    "Redirect": (frozenset({"method"}), frozenset()),
    "Hangup": (frozenset(), frozenset()),
    "Reject": (frozenset({"reason"}), frozenset()),
    "Sms": (frozenset({"to", "from", "action", "method", "statusCallback"}), frozenset()),
    "Message": (
        frozenset({"to", "from", "action", "method", "statusCallback"}),
        frozenset({"Body", "Media"}),
    ),
}
VOICE_VERBS = frozenset(
    {"Say", "Play", "Pause", "Gather", "Record", "Enqueue", "Leave", "Dial", "Redirect"}
    | {"Hangup", "Reject", "Sms", "Message"}
)
# Twilio's verbs we do not emulate: a clear error rather than a silent skip.
UNSUPPORTED = frozenset({"Connect", "Start", "Stop", "Pay", "Prompt", "Refer", "Echo", "Siprec"})
# Inside <Say>: SSML, which Twilio reads as text.
SSML = frozenset(
    {"break", "emphasis", "lang", "p", "phoneme", "prosody", "s", "say-as", "sub", "w"}
)


def parse(document: str, url: str = "") -> tuple[list[Verb], list[Notification]]:
    """The verbs of a TwiML document, and the warnings Twilio would log about it."""
    warnings: list[Notification] = []
    try:
        root = ET.fromstring(document.strip())
    except ET.ParseError as exc:
        raise TwimlError(12100, f"not well-formed XML: {exc}", url) from None
    if root.tag != "Response":
        raise TwimlError(12102, f"the root element is <{root.tag}>, not <Response>", url)
    if root.text and root.text.strip():
        warnings.append(Notification(12200, "text directly inside <Response> is ignored", url))
    verbs = []
    for element in root:
        if element.tag not in VOICE_VERBS:
            what = "is not emulated" if element.tag in UNSUPPORTED else "is not a TwiML voice verb"
            raise TwimlError(12200, f"<{element.tag}> {what}", url)
        verbs.append(_verb(element, warnings, url))
    return verbs, warnings


def _verb(element: ET.Element, warnings: list[Notification], url: str) -> Verb:
    name = element.tag
    allowed, nested = SCHEMA.get(name, (frozenset(), frozenset()))
    for attr in element.attrib:
        if attr not in allowed:
            warnings.append(
                Notification(12200, f"attribute '{attr}' is not allowed in <{name}>", url)
            )
    if name == "Say":
        text = "".join(element.itertext()).strip()
        for child in element.iter():
            if child is not element and child.tag not in SSML:
                warnings.append(Notification(12200, f"<{child.tag}> inside <Say>", url))
        return Verb(name, dict(element.attrib), " ".join(text.split()))
    children = []
    for child in element:
        if child.tag not in nested:
            code = {"Gather": 13320, "Dial": 13215}.get(name, 12200)
            warnings.append(Notification(code, f"<{child.tag}> is not allowed in <{name}>", url))
            continue
        children.append(_verb(child, warnings, url))
    return Verb(name, dict(element.attrib), (element.text or "").strip(), children)


class Attributes:
    """Reads a verb's attributes with Twilio's defaults; a bad value is a warning and the
    default is used, as Twilio does."""

    def __init__(self, verb: Verb, warn: Callable[[int, str], None]) -> None:
        self.verb = verb
        self.warn = warn

    def raw(self, name: str) -> str | None:
        return self.verb.attrs.get(name)

    def text(self, name: str, default: str) -> str:
        value = self.verb.attrs.get(name)
        return default if value is None else value

    def method(self, name: str, code: int, default: str = "POST") -> str:
        value = self.verb.attrs.get(name)
        if value is None:
            return default
        if value.upper() not in METHODS:
            self.warn(code, f"{name}={value!r} must be GET or POST")
            return default
        return value.upper()

    def integer(self, name: str, code: int, default: int, *, minimum: int = 1) -> int:
        value = self.verb.attrs.get(name)
        if value is None:
            return default
        try:
            number = int(value.strip())
        except ValueError:
            number = minimum - 1
        if number < minimum:
            self.warn(code, f"{name}={value!r} must be an integer of at least {minimum}")
            return default
        return number

    def boolean(self, name: str, code: int, default: bool) -> bool:
        value = self.verb.attrs.get(name)
        if value is None:
            return default
        if value.lower() not in ("true", "false"):
            self.warn(code, f"{name}={value!r} must be true or false")
            return default
        return value.lower() == "true"

    def keys(self, name: str, code: int, default: str, *, single: bool) -> str:
        value = self.verb.attrs.get(name)
        if value is None:
            return default
        if value == "":
            return ""
        if any(key not in DTMF_KEYS for key in value) or (single and len(value) > 1):
            self.warn(code, f"{name}={value!r}: keys must be among 0-9, # and *")
            return default
        return value
