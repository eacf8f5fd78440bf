"""Spoken texts of the call flow, per language, with the <Say> language tag of each."""

from __future__ import annotations

LANGUAGES: dict[str, dict[str, str]] = {
    "fr": {
        "tag": "fr-FR",
        "choose": "Bienvenue à la Région de Bruxelles-Capitale. Pour le français, tapez 1.",
        "invalid": "Ce choix n'est pas valide.",
        "offer": "Pour être rappelé par un agent, tapez 1. Pour laisser un message, tapez 2.",
        "registered": "Votre demande de rappel est enregistrée. Votre référence est le {ref}. "
        "Nous vous rappellerons dès que possible. Au revoir.",
        "no_number": "Nous ne pouvons pas vous rappeler: votre numéro est masqué.",
        "callback_intro": "Bonjour, ici la Région de Bruxelles-Capitale, qui vous rappelle "
        "au sujet de votre demande {ref}. Un agent va vous répondre.",
        "voicemail": "Laissez votre message après le bip, puis raccrochez ou tapez dièse.",
        "thanks": "Merci, votre message est enregistré. Au revoir.",
        "fault": "Nous rencontrons un problème technique. Vous pouvez laisser un message après "
        "le bip.",
        "goodbye": "Au revoir.",
    },
    "nl": {
        "tag": "nl-NL",
        "choose": "Welkom bij het Brussels Hoofdstedelijk Gewest. Voor Nederlands, druk 2.",
        "invalid": "Die keuze is niet geldig.",
        "offer": "Om teruggebeld te worden door een medewerker, druk 1. "
        "Om een bericht in te spreken, druk 2.",
        "registered": "Uw terugbelverzoek is geregistreerd. Uw referentie is {ref}. "
        "Wij bellen u zo snel mogelijk terug. Tot ziens.",
        "no_number": "Wij kunnen u niet terugbellen: uw nummer is afgeschermd.",
        "callback_intro": "Goeiedag, hier het Brussels Hoofdstedelijk Gewest, wij bellen u terug "
        "over uw aanvraag {ref}. Een medewerker staat u zo te woord.",
        "voicemail": "Spreek uw bericht in na de pieptoon en druk daarna op hekje.",
        "thanks": "Bedankt, uw bericht is opgenomen. Tot ziens.",
        "fault": "Wij hebben een technisch probleem. U kunt een bericht inspreken na de pieptoon.",
        "goodbye": "Tot ziens.",
    },
    "en": {
        "tag": "en-GB",
        "choose": "Welcome to the Brussels-Capital Region. For English, press 3.",
        "invalid": "That choice is not valid.",
        "offer": "To be called back by an agent, press 1. To leave a message, press 2.",
        "registered": "Your call-back request is registered. Your reference is {ref}. "
        "We will call you back as soon as possible. Goodbye.",
        "no_number": "We cannot call you back: your number is withheld.",
        "callback_intro": "Hello, this is the Brussels-Capital Region calling you back about "
        "your request {ref}. An agent will be with you shortly.",
        "voicemail": "Please leave your message after the tone, then press the hash key.",
        "thanks": "Thank you, your message is recorded. Goodbye.",
        "fault": "We are having a technical problem. You can leave a message after the tone.",
        "goodbye": "Goodbye.",
    },
}
DIGITS = {"1": "fr", "2": "nl", "3": "en"}
DEFAULT_LANGUAGE = "fr"


def text(language: str, key: str, **values: str) -> str:
    return LANGUAGES.get(language, LANGUAGES[DEFAULT_LANGUAGE])[key].format(**values)


def tag(language: str) -> str:
    return LANGUAGES.get(language, LANGUAGES[DEFAULT_LANGUAGE])["tag"]


def spoken_reference(reference: str) -> str:
    """Digit by digit, so that a text-to-speech voice doesn't read a large number."""
    return " ".join(reference)
