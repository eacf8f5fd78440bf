"""Small menus and service directories for the routing tests, as plain data to mutate."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from routing.menu import Menu, parse_menu
from routing.services import ServiceDirectory, parse_services

LANGS = ("fr", "nl", "en")


def say(text: str, langs: tuple[str, ...] = LANGS) -> dict[str, str]:
    return {lang: f"{text} ({lang})" for lang in langs}


SYSTEM = {
    key: say(text)
    for key, text in {
        "no_input": "no input",
        "invalid": "invalid",
        "way_out": "way out",
        "navigation": "star repeats, zero goes back",
        "change_language": "nine changes language",
        "closed": "{service} closed, reopens {when}",
        "closed_no_reopening": "{service} closed",
        "closed_offer": "1 call-back, 2 voicemail",
        "wait": "{service}: {wait}",
        "long_wait_offer": "{wait}: 1 call-back",
    }.items()
}

BASE: dict[str, Any] = {
    "menu": "test",
    "languages": {
        "enabled": list(LANGS),
        "default": "fr",
        "voices": {
            "fr": {"locale": "fr-BE", "voice": "Polly.Isabelle-Neural"},
            "nl": {"locale": "nl-BE"},
            "en": {"locale": "en-GB"},
            "de": {"locale": "de-DE"},
        },
    },
    "start": "language",
    "main": "main",
    "limits": {"no_input": 3, "invalid": 3, "max_turns": 20, "max_depth": 3},
    "way_out": {"service": "general"},
    "system_prompts": SYSTEM,
    "nodes": {
        "language": {
            "kind": "language",
            "prompt": {"fr": "Bonjour", "nl": "Goeiedag"},
            "options": [
                {"digit": 1, "language": "fr", "prompt": "Français: 1", "keywords": ["français"]},
                {
                    "digit": 2,
                    "language": "nl",
                    "prompt": "Nederlands: 2",
                    "keywords": ["nederlands"],
                },
                {"digit": 3, "language": "en", "prompt": "English: 3", "keywords": ["english"]},
                {"digit": 4, "goto": "more", "prompt": {"en": "Other languages: 4"}},
            ],
        },
        "more": {
            "kind": "language",
            "options": [{"digit": 1, "language": "de", "prompt": "Deutsch: 1"}],
        },
        "main": {
            "prompt": say("taxes 1, housing 2, other 3"),
            "options": [
                {
                    "digit": 1,
                    "goto": "taxes",
                    "keywords": {"fr": ["impôts", "taxe"], "nl": ["belasting"], "en": ["tax"]},
                },
                {"digit": 2, "service": "housing", "keywords": {"fr": ["logement"]}},
                {"digit": 3, "service": "general"},
            ],
        },
        "taxes": {
            "prompt": say("questions 1, message 2, call-back 3, hang up 4"),
            "options": [
                {"digit": 1, "service": "taxes"},
                {"digit": 2, "voicemail": "taxes"},
                {"digit": 3, "callback": "taxes"},
                {"digit": 4, "hangup": say("goodbye")},
            ],
        },
    },
}

SERVICES_YAML = """
timezone: Europe/Brussels
holidays:
  country: BE
  regional:
    - {date: "05-08", name: Iris Day}
services:
  taxes:
    name: {fr: Fiscalité, nl: Fiscaliteit, en: Taxes, de: Steuern}
    hours:
      monday: ["08:30-12:30", "13:30-16:30"]
      tuesday: ["08:30-12:30", "13:30-16:30"]
      wednesday: ["08:30-12:30"]
      thursday: ["08:30-12:30", "13:30-16:30"]
      friday: ["08:30-12:30"]
  housing:
    name: {fr: Logement, nl: Huisvesting, en: Housing, de: Wohnen}
    hours:
      monday: ["09:00-12:00"]
  general:
    name: {fr: Information, nl: Inlichtingen, en: Information, de: Auskunft}
    hours:
      monday: ["08:00-18:00"]
"""


def base() -> dict[str, Any]:
    return copy.deepcopy(BASE)


def directory() -> ServiceDirectory:
    return parse_services(SERVICES_YAML, "services.yaml")


def write(tmp_path: Path, data: Any, name: str = "menu.yaml") -> Path:
    path = tmp_path / name
    path.write_text(
        data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    )
    return path


def menu(data: dict[str, Any] | None = None) -> Menu:
    return parse_menu(
        yaml.safe_dump(data or base(), allow_unicode=True, sort_keys=False), "menu.yaml"
    )
