from __future__ import annotations

import pytest

from transcription.redaction import CARD, EMAIL, IBAN, NRN, PHONE, redact, redact_transcript
from transcription.transcript import Transcript, Word

# Check digits computed by hand: 97 - (850730033 mod 97) = 28; born in 2001:
# 97 - (2010203123 mod 97) = 45.
NRN_1985 = "85073003328"
NRN_2001 = "01020312345"


@pytest.mark.parametrize(
    "spoken",
    [
        "85073003328",
        "85.07.30-033.28",
        "85 07 30 033 28",
        "85-07-30 033-28",
        "8 5 0 7 3 0 0 3 3 2 8",
        "85.07.30 - 033.28",
    ],
)
def test_national_register_number_in_any_grouping(spoken: str) -> None:
    result = redact(f"Mon numéro national est le {spoken}, merci.")
    assert result.text == "Mon numéro national est le [NRN], merci."
    assert result.kinds() == [NRN]


def test_national_register_number_of_someone_born_after_2000() -> None:
    assert redact(f"rijksregisternummer {NRN_2001}").text == "rijksregisternummer [NRN]"
    # The same nine digits with the pre-2000 check digits are valid too, for a 1901 birth.
    assert redact("01020312316").text == "[NRN]"


@pytest.mark.parametrize("number", ["85073003329", "12345678901", "01020312346", "85.07.30-033.27"])
def test_numbers_failing_the_register_checksum_stay(number: str) -> None:
    text = f"my file number is {number} thanks"
    assert redact(text).text == text


@pytest.mark.parametrize(
    ("said", "kind"),
    [
        ("BE71 0961 2345 6769", IBAN),
        ("be71096123456769", IBAN),
        ("BE71-0961-2345-6769", IBAN),
        ("B E 71 0961 2345 6769", IBAN),
        ("NL91 ABNA 0417 1643 00", IBAN),
        ("FR14 2004 1010 0505 0001 3M02 606", IBAN),
    ],
)
def test_ibans_with_a_valid_checksum(said: str, kind: str) -> None:
    result = redact(f"Mijn rekening is {said} en dat is het.")
    assert result.text == "Mijn rekening is [IBAN] en dat is het."
    assert result.kinds() == [kind]


@pytest.mark.parametrize(
    "said", ["BE71 0961 2345 6768", "BE72 0961 2345 6769", "NL91 ABNA 0417 1643 01"]
)
def test_ibans_failing_mod_97_stay(said: str) -> None:
    text = f"account {said} please"
    assert IBAN not in redact(text).kinds()
    assert said in redact(text).text


@pytest.mark.parametrize(
    "said", ["4111 1111 1111 1111", "5555-5555-5555-4444", "3782 822463 10005"]
)
def test_card_numbers_passing_luhn(said: str) -> None:
    result = redact(f"ma carte {said} expire bientôt")
    assert result.text == "ma carte [CARD] expire bientôt"


@pytest.mark.parametrize("said", ["4111 1111 1111 1112", "1234 5678 9012 3456"])
def test_card_numbers_failing_luhn_stay(said: str) -> None:
    assert redact(f"ref {said}").text == f"ref {said}"


@pytest.mark.parametrize(
    "said",
    [
        "0470 12 34 56",
        "0470/12.34.56",
        "04 70 12 34 56",
        "0 4 7 0 1 2 3 4 5 6",
        "02 512 34 56",
        "(02) 512 34 56",
        "+32 2 279 22 11",
        "0032 470 12 34 56",
        "+31 20 123 4567",
    ],
)
def test_phone_numbers(said: str) -> None:
    result = redact(f"bel me terug op {said} alstublieft")
    assert result.text == "bel me terug op [PHONE] alstublieft"
    assert result.kinds() == [PHONE]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to jan.peeters@example.be please", "write to [EMAIL] please"),
        ("écrivez à marie point dupont arobase gmail point com merci", "écrivez à [EMAIL] merci"),
        ("mail jan punt peeters apenstaartje telenet punt be", "mail [EMAIL]"),
        ("it is jan at proximus dot be", "it is [EMAIL]"),
    ],
)
def test_email_addresses_written_or_spoken(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "I'll be at home dot",  # "at ... dot" with no domain ending
        "dossier 2023/12345 du 12.03.2024 pour 1250,50 euros",
        "rue de la Loi 16, 1000 Bruxelles",
        "j'ai 3 enfants de 2, 5 et 11 ans",
    ],
)
def test_ordinary_text_and_numbers_stay(text: str) -> None:
    result = redact(text)
    assert result.text == text
    assert result.findings == ()


def test_several_kinds_in_one_message_keep_their_offsets() -> None:
    text = f"NN {NRN_1985}, IBAN BE71 0961 2345 6769, tel 0470 12 34 56, mail a@b.be"
    result = redact(text)
    assert result.text == "NN [NRN], IBAN [IBAN], tel [PHONE], mail [EMAIL]"
    assert [text[f.start : f.end] for f in result.findings] == [
        NRN_1985,
        "BE71 0961 2345 6769",
        "0470 12 34 56",
        "a@b.be",
    ]
    assert result.kinds() == sorted([NRN, IBAN, PHONE, EMAIL])
    assert NRN_1985 not in str(result.to_dict())


def test_the_word_timeline_is_redacted_too() -> None:
    spoken = "mon numéro est 0470 12 34 56 merci"
    words = tuple(
        Word(w, i * 0.5, i * 0.5 + 0.4, 0.9 - i * 0.01) for i, w in enumerate(spoken.split())
    )
    transcript = Transcript(spoken, words, "fr", "m", 5.0, 1.0)

    redaction, redacted_words = redact_transcript(transcript)

    assert redaction.text == "mon numéro est [PHONE] merci"
    assert [w.word for w in redacted_words] == ["mon", "numéro", "est", "[PHONE]", "merci"]
    phone = redacted_words[3]
    assert (phone.start, phone.end) == (words[3].start, words[6].end)
    assert phone.conf == min(w.conf for w in words[3:7])


def test_card_and_register_number_checksums_are_not_confused() -> None:
    assert redact(f"{NRN_1985}").kinds() == [NRN]
    assert redact("4111111111111111").kinds() == [CARD]
