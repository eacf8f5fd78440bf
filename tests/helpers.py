"""Test helpers: parse TwiML instead of comparing strings."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any


def parse_twiml(response: Any) -> ET.Element:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.get_data(as_text=True))
    assert root.tag == "Response"
    return root


def says(root: ET.Element) -> list[tuple[str, str | None]]:
    """(text, language) of every <Say>, in document order."""
    return [((el.text or "").strip(), el.get("language")) for el in root.iter("Say")]
