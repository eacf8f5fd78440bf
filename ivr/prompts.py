"""Spoken texts of the call flow outside the menu (confirmations, queue, voicemail, faults),
per language. The menu's own prompts live in the menu YAML; ticket texts in callbacks.texts."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "fr": {
        "registered": "Votre demande de rappel est enregistrée. Votre référence est le {ref}. "
        "Nous vous rappellerons {when}. Vous recevrez une confirmation par SMS. Au revoir.",
        "merged": "Vous aviez déjà une demande de rappel, référence {ref}. Vous gardez votre "
        "place. Au revoir.",
        "queue_position": "Vous êtes en position {position} dans la file d'attente.",
        "queue_offer": "Pour être rappelé sans perdre votre place, tapez 1.",
        "no_agent_offer": "Aucun agent n'est disponible pour le moment. Pour être rappelé sans "
        "perdre votre place, tapez 1. Pour patienter, tapez 2.",
        "voicemail": "Laissez votre message après le bip. Terminez en tapant dièse.",
        "thanks": "Merci, votre message est enregistré. Au revoir.",
        "transfer_failed": "La communication n'a pas pu être transférée.",
        "callback_intro": "Bonjour, ici la Région de Bruxelles-Capitale, qui vous rappelle "
        "au sujet de votre demande {ref}. Un agent va vous répondre.",
        "fault": "Nous rencontrons un problème technique. Vous pouvez laisser un message après "
        "le bip.",
        "invalid": "Ce choix n'est pas valable.",
        "goodbye": "Au revoir.",
    },
    "nl": {
        "registered": "Uw terugbelverzoek is geregistreerd. Uw referentie is {ref}. "
        "Wij bellen u terug {when}. U krijgt een bevestiging per sms. Tot ziens.",
        "merged": "U had al een terugbelverzoek, referentie {ref}. U behoudt uw plaats. Tot ziens.",
        "queue_position": "U bent nummer {position} in de wachtrij.",
        "queue_offer": "Om teruggebeld te worden zonder uw plaats te verliezen, druk 1.",
        "no_agent_offer": "Er is momenteel geen medewerker beschikbaar. Om teruggebeld te worden "
        "zonder uw plaats te verliezen, druk 1. Om te wachten, druk 2.",
        "voicemail": "Spreek uw bericht in na de pieptoon en druk daarna op hekje.",
        "thanks": "Bedankt, uw bericht is opgenomen. Tot ziens.",
        "transfer_failed": "Het gesprek kon niet worden doorverbonden.",
        "callback_intro": "Goeiedag, hier het Brussels Hoofdstedelijk Gewest, wij bellen u terug "
        "over uw aanvraag {ref}. Een medewerker staat u zo te woord.",
        "fault": "Wij hebben een technisch probleem. U kunt een bericht inspreken na de pieptoon.",
        "invalid": "Die keuze is niet geldig.",
        "goodbye": "Tot ziens.",
    },
    "en": {
        "registered": "Your call-back request is registered. Your reference is {ref}. "
        "We will call you back {when}. You will get a text message to confirm. Goodbye.",
        "merged": "You already had a call-back request, reference {ref}. You keep your place. "
        "Goodbye.",
        "queue_position": "You are number {position} in the queue.",
        "queue_offer": "To be called back without losing your place, press 1.",
        "no_agent_offer": "No agent is available at the moment. To be called back without "
        "losing your place, press 1. To hold, press 2.",
        "voicemail": "Please leave your message after the tone, then press the hash key.",
        "thanks": "Thank you, your message is recorded. Goodbye.",
        "transfer_failed": "We could not put your call through.",
        "callback_intro": "Hello, this is the Brussels-Capital Region calling you back about "
        "your request {ref}. An agent will be with you shortly.",
        "fault": "We are having a technical problem. You can leave a message after the tone.",
        "invalid": "Sorry, that is not one of the choices.",
        "goodbye": "Goodbye.",
    },
}
TAGS = {"fr": "fr-BE", "nl": "nl-BE", "en": "en-GB"}
DEFAULT_LANGUAGE = "fr"


def text(language: str, key: str, **values: str) -> str:
    return TEXTS.get(language, TEXTS[DEFAULT_LANGUAGE])[key].format(**values)


def tag(language: str) -> str:
    return TAGS.get(language, TAGS[DEFAULT_LANGUAGE])
