"""Test helpers: parse TwiML instead of comparing strings."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo


def parse_twiml(response: Any) -> ET.Element:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.get_data(as_text=True))
    assert root.tag == "Response"
    return root


def says(root: ET.Element) -> list[tuple[str, str | None]]:
    """(text, language) of every <Say>, in document order."""
    return [((el.text or "").strip(), el.get("language")) for el in root.iter("Say")]


# A Tuesday at 10:00 in Brussels, when every service of the default directory is open.
OPEN_NOW = datetime(2026, 6, 2, 10, 0, tzinfo=ZoneInfo("Europe/Brussels"))
# A Sunday night, when every service is closed.
CLOSED_NOW = datetime(2026, 6, 7, 22, 0, tzinfo=ZoneInfo("Europe/Brussels"))


def action_of(root: ET.Element) -> str:
    """Where the caller's answer goes: the <Gather action>, else the <Redirect>."""
    gather = root.find("Gather")
    if gather is not None and gather.get("action"):
        return gather.get("action") or ""
    redirect = root.find("Redirect")
    assert redirect is not None and redirect.text, ET.tostring(root, encoding="unicode")
    return redirect.text
