"""The service directory as the call-back domain sees it: ids and names per language.

This is the one place that lists services until the routing package's service directory
lands; it is meant to be replaced by it (same shape: `SERVICES`, `get`, `ids`).
"""

from __future__ import annotations

from dataclasses import dataclass

from irisline.errors import InvalidInput

LANGUAGES = ("fr", "nl", "en")


@dataclass(frozen=True)
class Service:
    id: str
    names: dict[str, str]

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names["fr"]


SERVICES: dict[str, Service] = {
    s.id: s
    for s in (
        Service("taxes", {"fr": "Fiscalité", "nl": "Fiscaliteit", "en": "Taxes"}),
        Service("housing", {"fr": "Logement", "nl": "Huisvesting", "en": "Housing"}),
        Service("mobility", {"fr": "Mobilité", "nl": "Mobiliteit", "en": "Mobility"}),
        Service("employment", {"fr": "Emploi", "nl": "Werk", "en": "Employment"}),
        Service("social", {"fr": "Action sociale", "nl": "Welzijn", "en": "Social welfare"}),
        Service("urbanism", {"fr": "Urbanisme", "nl": "Stedenbouw", "en": "Urban planning"}),
        Service(
            "civil_status", {"fr": "État civil", "nl": "Burgerlijke stand", "en": "Civil status"}
        ),
        Service("general", {"fr": "Information générale", "nl": "Algemene info", "en": "General"}),
    )
}
DEFAULT_SERVICE = "general"


def ids() -> list[str]:
    return list(SERVICES)


def get(service_id: str) -> Service:
    try:
        return SERVICES[service_id]
    except KeyError:
        raise InvalidInput(
            f"unknown service {service_id!r}", field="service", known=", ".join(SERVICES)
        ) from None


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise InvalidInput(
            f"unknown language {language!r}; one of {', '.join(LANGUAGES)}", field="language"
        )
    return language
