"""What citizens read (SMS) and hear (the IVR prompts of the call-back domain), per language.

Every key exists in every language (tested). `{window}` is rendered by `when()`.
"""

from __future__ import annotations

from datetime import datetime

from .windows import TZ, Window

DEFAULT_LANGUAGE = "fr"

SMS: dict[str, dict[str, str]] = {
    "fr": {
        "confirmation": "Région de Bruxelles: votre demande de rappel {ref} ({service}) est "
        "enregistrée. Nous vous appellerons {window}. Pour annuler, répondez ANNULER.",
        "merged": "Région de Bruxelles: vous avez déjà une demande de rappel {ref} ({service}). "
        "Vous gardez votre place. Pour annuler, répondez ANNULER.",
        "missed": "Région de Bruxelles: nous avons essayé de vous appeler au sujet de votre "
        "demande {ref}. Nous réessaierons {window}. Pour annuler, répondez ANNULER.",
        "exhausted": "Région de Bruxelles: nous n'avons pas pu vous joindre pour votre demande "
        "{ref}. Rappelez-nous ou faites une nouvelle demande.",
        "cancelled": "Région de Bruxelles: votre demande de rappel {ref} est annulée.",
        "none_open": "Région de Bruxelles: vous n'avez pas de demande de rappel en cours.",
        "survey": "Région de Bruxelles: êtes-vous satisfait de notre rappel ({ref})? Répondez "
        "par un chiffre de 1 (pas du tout) à 5 (très satisfait).",
        "survey_thanks": "Merci pour votre avis.",
        "refused": "Région de Bruxelles: nous ne pouvons pas rappeler ce numéro.",
        "help": "Région de Bruxelles: envoyez RAPPEL (et le service, par ex. RAPPEL LOGEMENT) "
        "pour être rappelé, ANNULER pour annuler votre demande.",
    },
    "nl": {
        "confirmation": "Brussels Gewest: uw terugbelverzoek {ref} ({service}) is geregistreerd. "
        "Wij bellen u {window}. Om te annuleren, antwoord ANNULEREN.",
        "merged": "Brussels Gewest: u hebt al een terugbelverzoek {ref} ({service}). U behoudt "
        "uw plaats. Om te annuleren, antwoord ANNULEREN.",
        "missed": "Brussels Gewest: wij hebben geprobeerd u te bellen over uw aanvraag {ref}. "
        "Wij proberen opnieuw {window}. Om te annuleren, antwoord ANNULEREN.",
        "exhausted": "Brussels Gewest: wij konden u niet bereiken voor uw aanvraag {ref}. "
        "Bel ons of doe een nieuwe aanvraag.",
        "cancelled": "Brussels Gewest: uw terugbelverzoek {ref} is geannuleerd.",
        "none_open": "Brussels Gewest: u hebt geen lopend terugbelverzoek.",
        "survey": "Brussels Gewest: bent u tevreden over ons terugbellen ({ref})? Antwoord met "
        "een cijfer van 1 (helemaal niet) tot 5 (heel tevreden).",
        "survey_thanks": "Bedankt voor uw mening.",
        "refused": "Brussels Gewest: wij kunnen dit nummer niet terugbellen.",
        "help": "Brussels Gewest: stuur TERUGBELLEN (en de dienst, bv. TERUGBELLEN HUISVESTING) "
        "om teruggebeld te worden, ANNULEREN om uw aanvraag te annuleren.",
    },
    "en": {
        "confirmation": "Brussels Region: your call-back request {ref} ({service}) is "
        "registered. We will call you {window}. To cancel, reply CANCEL.",
        "merged": "Brussels Region: you already have a call-back request {ref} ({service}). "
        "You keep your place. To cancel, reply CANCEL.",
        "missed": "Brussels Region: we tried to reach you about your request {ref}. We will try "
        "again {window}. To cancel, reply CANCEL.",
        "exhausted": "Brussels Region: we could not reach you about your request {ref}. "
        "Please call us or make a new request.",
        "cancelled": "Brussels Region: your call-back request {ref} is cancelled.",
        "none_open": "Brussels Region: you have no open call-back request.",
        "survey": "Brussels Region: how satisfied are you with our call-back ({ref})? Reply "
        "with a number from 1 (not at all) to 5 (very satisfied).",
        "survey_thanks": "Thank you for your feedback.",
        "refused": "Brussels Region: we cannot call this number back.",
        "help": "Brussels Region: send CALLBACK (and the service, e.g. CALLBACK HOUSING) to be "
        "called back, CANCEL to cancel your request.",
    },
}

# Spoken in the IVR (the lead wires them into the call flow).
SPOKEN: dict[str, dict[str, str]] = {
    "fr": {
        "existing_ticket": "Vous avez déjà une demande de rappel, référence {ref}. Pour la "
        "garder, tapez 1. Pour l'annuler, tapez 2.",
        "kept": "Votre demande est conservée. Au revoir.",
        "cancelled": "Votre demande de rappel est annulée. Au revoir.",
        "enter_number": "Votre numéro est masqué. Tapez le numéro auquel nous pouvons vous "
        "rappeler, suivi de dièse.",
        "confirm_number": "Vous avez tapé le {number}. Pour confirmer, tapez 1. Pour recommencer, "
        "tapez 2.",
        "number_refused": "Nous ne pouvons pas rappeler ce numéro.",
        "queue_hangup": "Vous gardez votre place: nous vous rappellerons.",
        "survey": "Êtes-vous satisfait de cet appel? Tapez un chiffre de 1, pas du tout, à 5, "
        "très satisfait.",
        "survey_thanks": "Merci pour votre avis. Au revoir.",
    },
    "nl": {
        "existing_ticket": "U hebt al een terugbelverzoek, referentie {ref}. Om het te behouden, "
        "druk 1. Om het te annuleren, druk 2.",
        "kept": "Uw aanvraag blijft behouden. Tot ziens.",
        "cancelled": "Uw terugbelverzoek is geannuleerd. Tot ziens.",
        "enter_number": "Uw nummer is afgeschermd. Toets het nummer waarop wij u kunnen "
        "terugbellen, gevolgd door hekje.",
        "confirm_number": "U hebt {number} ingetoetst. Om te bevestigen, druk 1. Om opnieuw te "
        "beginnen, druk 2.",
        "number_refused": "Wij kunnen dit nummer niet terugbellen.",
        "queue_hangup": "U behoudt uw plaats: wij bellen u terug.",
        "survey": "Bent u tevreden over dit gesprek? Druk een cijfer van 1, helemaal niet, tot 5, "
        "heel tevreden.",
        "survey_thanks": "Bedankt voor uw mening. Tot ziens.",
    },
    "en": {
        "existing_ticket": "You already have a call-back request, reference {ref}. To keep it, "
        "press 1. To cancel it, press 2.",
        "kept": "Your request is kept. Goodbye.",
        "cancelled": "Your call-back request is cancelled. Goodbye.",
        "enter_number": "Your number is withheld. Please key in the number we can call you back "
        "on, followed by the hash key.",
        "confirm_number": "You keyed in {number}. To confirm, press 1. To start again, press 2.",
        "number_refused": "We cannot call this number back.",
        "queue_hangup": "You keep your place: we will call you back.",
        "survey": "Were you satisfied with this call? Press a number from 1, not at all, to 5, "
        "very satisfied.",
        "survey_thanks": "Thank you for your feedback. Goodbye.",
    },
}

_WHEN = {
    "fr": ("le {day} entre {start} et {end}", "dès que possible"),
    "nl": ("op {day} tussen {start} en {end}", "zo snel mogelijk"),
    "en": ("on {day} between {start} and {end}", "as soon as possible"),
}


def _table(table: dict[str, dict[str, str]], language: str) -> dict[str, str]:
    return table.get(language) or table[DEFAULT_LANGUAGE]


def sms(language: str, key: str, **values: str) -> str:
    return _table(SMS, language)[key].format(**values)


def spoken(language: str, key: str, **values: str) -> str:
    return _table(SPOKEN, language)[key].format(**values)


def when(language: str, window: Window | None) -> str:
    """A window as citizens read it, in Brussels time: "le 02/06 entre 08:30 et 17:00"."""
    dated, unknown = _WHEN.get(language) or _WHEN[DEFAULT_LANGUAGE]
    if window is None:
        return unknown
    start, end = window.local()
    return dated.format(day=f"{start:%d/%m}", start=_hm(start), end=_hm(end))


def _hm(at: datetime) -> str:
    return f"{at.astimezone(TZ):%H:%M}"


def spoken_reference(reference: str) -> str:
    """Digit by digit, so that a text-to-speech voice doesn't read a large number."""
    return " ".join(reference)
