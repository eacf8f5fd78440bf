from __future__ import annotations

from pathlib import Path

import pytest

from transcription.errors import LexiconError
from transcription.triage import (
    SERVICES,
    TriagePolicy,
    lexicons_from_environ,
    load_lexicons,
    normalise,
    triage,
)


@pytest.mark.parametrize(
    ("language", "text", "service"),
    [
        (
            "fr",
            "Bonjour, j'ai une question sur mon précompte immobilier "
            "et l'avertissement-extrait de rôle",
            "taxes",
        ),
        (
            "fr",
            "Mon propriétaire refuse de réparer, il y a de l'humidité "
            "et des moisissures dans le logement",
            "housing",
        ),
        ("fr", "Je voudrais une carte de riverain pour le stationnement dans ma rue", "mobility"),
        (
            "fr",
            "Je suis chercheur d'emploi inscrit chez Actiris et je cherche une formation",
            "employment",
        ),
        ("fr", "Le CPAS a suspendu mon revenu d'intégration", "social"),
        ("fr", "Où en est ma demande de permis d'urbanisme pour la façade ?", "urbanism"),
        ("fr", "Il me faut un acte de naissance et une nouvelle carte d'identité", "civil_status"),
        ("nl", "Ik heb een vraag over mijn aanslagbiljet voor de onroerende voorheffing", "taxes"),
        ("nl", "Mijn verhuurder wil de huur verhogen en er is schimmel in de woning", "housing"),
        ("nl", "Ik wil een bewonerskaart om te parkeren", "mobility"),
        ("nl", "Ik ben werkzoekende bij Actiris en zoek een opleiding", "employment"),
        ("nl", "Het OCMW heeft mijn leefloon nog niet betaald", "social"),
        ("nl", "Ik wacht op mijn stedenbouwkundige vergunning voor de verbouwing", "urbanism"),
        ("nl", "Ik heb een nieuwe identiteitskaart nodig na mijn adreswijziging", "civil_status"),
        ("en", "I have a question about my property tax bill", "taxes"),
        ("en", "My landlord wants to raise the rent of my flat", "housing"),
        ("en", "How do I get a resident permit for parking near my home", "mobility"),
        ("en", "I was laid off and I am now a job seeker", "employment"),
        ("en", "I need help from the CPAS, my benefits stopped and I have debts", "social"),
        ("en", "I am waiting for planning permission for an extension", "urbanism"),
        ("en", "I need a birth certificate and a new passport", "civil_status"),
    ],
)
def test_suggests_the_service_and_shows_why(language: str, text: str, service: str) -> None:
    result = triage(text, language)
    assert result.service == service
    assert result.confident, result.reasons
    assert result.scores[0].service == service
    assert result.scores[0].matched  # the supervisor sees which words counted


def test_matching_ignores_case_and_accents_both_ways() -> None:
    typed = triage("EXPULSÉ par l'HUISSIER, le Propriétaire a changé la serrure", "fr")
    vosk_like = triage("expulse par l huissier le proprietaire a change la serrure", "fr")
    assert typed.to_dict() == vosk_like.to_dict()
    assert typed.service == "housing"
    assert [f.flag for f in typed.urgency] == ["eviction"]
    assert typed.urgency[0].matched == ("expulse*", "huissier")


def test_whole_words_only() -> None:
    # "bail" must not fire inside "bailleur"... which is why the lexicon lists words, and
    # "tax" must not fire inside "taxi".
    assert triage("I took a taxi", "en").scores == ()


@pytest.mark.parametrize(
    ("language", "text", "flags"),
    [
        (
            "fr",
            "On va me couper, il n'y a plus d'eau et plus de chauffage depuis hier",
            {"water_cut", "energy_cut"},
        ),
        ("fr", "Mon mari m'a frappée, j'ai peur, c'est urgent", {"violence", "stated_urgent"}),
        (
            "fr",
            "Je suis enceinte et je vais me retrouver à la rue demain",
            {"health", "homelessness", "deadline"},
        ),
        ("nl", "De deurwaarder komt morgen voor de uithuiszetting", {"eviction", "deadline"}),
        (
            "nl",
            "We hebben geen stroom en geen water meer, mijn kind is ziek",
            {"energy_cut", "water_cut", "health"},
        ),
        (
            "nl",
            "Ik word bedreigd door mijn buurman, het is dringend",
            {"violence", "stated_urgent"},
        ),
        ("en", "My landlord is trying to evict me and the bailiff came", {"eviction"}),
        ("en", "We have no electricity and no heating, the baby is sick", {"energy_cut", "health"}),
        ("en", "He threatened me again, I am in danger", {"violence", "health"}),
    ],
)
def test_urgency_flags(language: str, text: str, flags: set[str]) -> None:
    result = triage(text, language)
    assert {f.flag for f in result.urgency} == flags
    assert result.urgent


def test_a_calm_message_is_not_urgent() -> None:
    assert not triage("Je voudrais un renseignement sur les horaires d'ouverture", "fr").urgent


def test_no_keyword_means_general_and_not_confident() -> None:
    result = triage("Bonjour, rappelez-moi s'il vous plaît", "fr")
    assert (result.service, result.confident, result.confidence) == ("general", False, 0.0)
    assert result.reasons == ("no service keyword matched",)


def test_empty_transcript_is_not_confident() -> None:
    assert triage("", "nl").reasons == ("empty transcript",)


def test_a_tie_is_not_confident() -> None:
    result = triage("belasting en huur", "nl")
    assert not result.confident
    assert any(r.startswith("tie between") for r in result.reasons)


def test_weak_evidence_is_below_the_threshold_which_is_configurable() -> None:
    text = "a question about my rent"
    weak = triage(text, "en")
    assert weak.service == "housing"
    assert weak.confidence == pytest.approx(1 / 3, abs=0.01)
    assert not weak.confident
    assert triage(text, "en", policy=TriagePolicy(threshold=0.3)).confident


def test_low_speech_recognition_confidence_blocks_automatic_routing() -> None:
    text = "Le CPAS a suspendu mon revenu d'intégration"
    doubtful = triage(text, "fr", asr_confidence=0.35)
    assert doubtful.service == "social"
    assert not doubtful.confident
    assert doubtful.reasons == ("speech recognition confidence 0.35 below 0.60",)
    assert triage(text, "fr", asr_confidence=0.9).confident


def test_a_language_without_a_lexicon_falls_back_to_general() -> None:
    result = triage("세금", "ko")
    assert result.service == "general" and not result.confident
    assert result.reasons == ("no lexicon for 'ko'",)


def test_regional_language_tags_use_the_base_lexicon() -> None:
    assert triage("belasting aanslagbiljet", "nl-BE").service == "taxes"


def test_packaged_lexicons_use_only_the_ivr_services_and_the_same_flags() -> None:
    lexicons = load_lexicons()
    assert {"fr", "nl", "en"} <= set(lexicons)
    flags = {lang: set(lex.urgency) for lang, lex in lexicons.items()}
    assert flags["fr"] == flags["nl"] == flags["en"]
    assert {"eviction", "water_cut", "energy_cut", "violence", "health"} <= flags["fr"]
    for lexicon in lexicons.values():
        assert set(lexicon.services) == set(SERVICES)


def test_a_supervisor_directory_replaces_a_language(tmp_path: Path) -> None:
    (tmp_path / "fr.yaml").write_text(
        "services:\n  mobility:\n    - {term: Trottinette*, weight: 5}\n"
        "urgency:\n  flood: [inondé*]\n",
        encoding="utf-8",
    )
    lexicons = load_lexicons(tmp_path)
    result = triage(
        "les trottinettes bloquent le trottoir, la cave est inondée", "fr", lexicons=lexicons
    )
    assert result.service == "mobility"
    assert result.scores[0].matched == ("Trottinette*",)
    assert [f.flag for f in result.urgency] == ["flood"]
    # Other languages keep the packaged lexicon.
    assert triage("belasting aanslagbiljet", "nl", lexicons=lexicons).service == "taxes"


def test_the_directory_comes_from_the_environment(tmp_path: Path) -> None:
    (tmp_path / "en.yaml").write_text("services:\n  general:\n    - hello\n", encoding="utf-8")
    lexicons = lexicons_from_environ({"IRISLINE_TRIAGE_LEXICONS": str(tmp_path)})
    assert triage("hello", "en", lexicons=lexicons).service == "general"
    assert lexicons["en"].source.endswith("en.yaml")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("services:\n  parking_police:\n    - x\n", "unknown services ['parking_police']"),
        ("services:\n  taxes:\n    - {term: impot, weight: -1}\n", "must be a positive number"),
        ("services:\n  taxes: impot\n", "expected a list of terms"),
        ("services:\n  taxes:\n    - '*'\n", "empty term"),
        ("urgency:\n  Big Trouble: [x]\n", "must be snake_case"),
        ("language: nl\n", "says language 'nl', not 'fr'"),
        ("services: [\n", "can't be read as YAML"),
    ],
)
def test_a_broken_lexicon_is_refused_with_the_place(
    tmp_path: Path, content: str, words: str
) -> None:
    (tmp_path / "fr.yaml").write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError) as caught:
        load_lexicons(tmp_path)
    assert words in caught.value.reason
    assert "fr.yaml" in caught.value.reason


def test_normalise_folds_ligatures_accents_and_punctuation() -> None:
    assert normalise("Œuvre d'ÉTÉ — Straße!") == "oeuvre d ete strasse"
