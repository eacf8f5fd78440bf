"""Menu validation: each broken-menu case gives its exact message (file, node, field)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from routing.menu import read_menu_file
from routing.validation import check_menu_file, check_menu_text, validate

from .helpers import SERVICES_YAML, base, directory, write


def problems_of(tmp_path: Path, data: Any) -> list[str]:
    path = write(tmp_path, data)
    services = write(tmp_path, SERVICES_YAML, "services.yaml")
    return [str(p).replace(f"{tmp_path}/", "") for p in check_menu_file(path, services)]


def test_the_base_fixture_and_the_bundled_menu_are_valid(tmp_path: Path) -> None:
    assert problems_of(tmp_path, base()) == []
    assert check_menu_file(Path("routing/menus/default.yaml")) == []


def test_the_bundled_menu_stays_valid_with_german_enabled() -> None:
    from routing.menu import default_menu
    from routing.services import default_services

    menu = default_menu().with_languages(("fr", "nl", "en", "de"))
    assert validate(menu, default_services()) == []


def test_duplicate_digit(tmp_path: Path) -> None:
    data = base()
    data["nodes"]["taxes"]["options"][2]["digit"] = 1
    assert problems_of(tmp_path, data) == [
        "menu.yaml: node 'taxes': options[2].digit: duplicate digit '1' (also on options[0])"
    ]


def test_reserved_digits(tmp_path: Path) -> None:
    data = base()
    options = data["nodes"]["taxes"]["options"]
    options[0]["digit"] = "*"
    options[1]["digit"] = 0
    options[2]["digit"] = 9
    options[3]["digit"] = "#"
    assert problems_of(tmp_path, data) == [
        "menu.yaml: node 'taxes': options[0].digit: '*' is reserved (repeat)",
        "menu.yaml: node 'taxes': options[1].digit: '0' is reserved (go back)",
        "menu.yaml: node 'taxes': options[2].digit: '9' is reserved (change language)",
        "menu.yaml: node 'taxes': options[3].digit: '#' is reserved (it ends keypad input)",
    ]


def test_unknown_node_target_suggests_the_close_name(tmp_path: Path) -> None:
    data = base()
    data["nodes"]["main"]["options"][0]["goto"] = "taxs"
    assert problems_of(tmp_path, data) == [
        "menu.yaml: node 'main': options[0].goto: unknown node 'taxs' (did you mean 'taxes'?)"
    ]


def test_unknown_service(tmp_path: Path) -> None:
    data = base()
    data["nodes"]["taxes"]["options"][1]["voicemail"] = "parking"
    data["way_out"] = {"callback": "nobody"}
    assert problems_of(tmp_path, data) == [
        "menu.yaml: way_out.callback: unknown service 'nobody'",
        "menu.yaml: node 'taxes': options[1].voicemail: unknown service 'parking'",
    ]


def test_unreachable_node(tmp_path: Path) -> None:
    data = base()
    data["nodes"]["old"] = {
        "prompt": data["nodes"]["main"]["prompt"],
        "options": [{"digit": 1, "service": "taxes"}],
    }
    assert problems_of(tmp_path, data) == [
        "menu.yaml: node 'old': unreachable: no option leads here"
    ]


def test_loop_with_no_way_out(tmp_path: Path) -> None:
    data = base()
    prompt = data["nodes"]["main"]["prompt"]
    data["nodes"]["main"]["options"].append({"digit": 4, "goto": "a"})
    data["nodes"]["a"] = {"prompt": prompt, "options": [{"digit": 1, "goto": "b"}]}
    data["nodes"]["b"] = {
        "prompt": prompt,
        "options": [{"digit": 1, "goto": "a"}, {"digit": 2, "goto": "b"}],
    }
    assert problems_of(tmp_path, data) == [
        "menu.yaml: node 'a': options: loop with no way out through 'a', 'b': no option there "
        "leads to a service, voicemail, call-back, transfer, hang-up or language"
    ]


def test_a_loop_with_an_exit_is_fine(tmp_path: Path) -> None:
    data = base()
    prompt = data["nodes"]["main"]["prompt"]
    data["nodes"]["main"]["options"].append({"digit": 4, "goto": "a"})
    data["nodes"]["a"] = {
        "prompt": prompt,
        "options": [{"digit": 1, "goto": "main"}, {"digit": 2, "service": "taxes"}],
    }
    assert problems_of(tmp_path, data) == []


def test_prompt_missing_in_an_enabled_language(tmp_path: Path) -> None:
    data = base()
    del data["nodes"]["taxes"]["prompt"]["nl"]
    del data["system_prompts"]["invalid"]["en"]
    del data["nodes"]["taxes"]["options"][3]["hangup"]["fr"]
    assert problems_of(tmp_path, data) == [
        "menu.yaml: system_prompts.invalid: missing in enabled language 'en'",
        "menu.yaml: node 'taxes': prompt: missing in enabled language 'nl'",
        "menu.yaml: node 'taxes': options[3].hangup: missing in enabled language 'fr'",
    ]


def test_enabling_a_language_requires_every_prompt_and_service_name_in_it(
    tmp_path: Path,
) -> None:
    data = base()
    data["languages"]["enabled"].append("de")
    found = problems_of(tmp_path, data)
    assert "menu.yaml: node 'main': prompt: missing in enabled language 'de'" in found
    assert "menu.yaml: system_prompts.no_input: missing in enabled language 'de'" in found
    # The language menus say only what they have: German is offered behind key 4.
    assert not any("node 'language'" in p or "node 'more'" in p for p in found)


def test_service_name_missing_in_an_enabled_language(tmp_path: Path) -> None:
    services = SERVICES_YAML.replace(
        "{fr: Logement, nl: Huisvesting, en: Housing, de: Wohnen}", "{fr: Logement}"
    )
    path = write(tmp_path, base())
    services_path = write(tmp_path, services, "services.yaml")
    found = [str(p).replace(f"{tmp_path}/", "") for p in check_menu_file(path, services_path)]
    assert found == [
        "services.yaml: service 'housing': name: missing in enabled language 'nl'",
        "services.yaml: service 'housing': name: missing in enabled language 'en'",
    ]


def test_depth_over_the_limit(tmp_path: Path) -> None:
    data = base()
    prompt = data["nodes"]["main"]["prompt"]
    data["nodes"]["taxes"]["options"].append({"digit": 5, "goto": "deeper"})
    data["nodes"]["deeper"] = {"prompt": prompt, "options": [{"digit": 1, "goto": "deepest"}]}
    data["nodes"]["deepest"] = {"prompt": prompt, "options": [{"digit": 1, "service": "taxes"}]}
    assert problems_of(tmp_path, data) == [
        "menu.yaml: node 'deepest': depth 4 is over the limit of 3 "
        "(main > taxes > deeper > deepest)"
    ]


def test_language_that_cannot_be_chosen(tmp_path: Path) -> None:
    data = base()
    data["nodes"]["language"]["options"].pop(2)  # English
    assert problems_of(tmp_path, data) == [
        "menu.yaml: languages.enabled[2]: 'en' can't be chosen: no language menu offers it"
    ]


def test_language_settings(tmp_path: Path) -> None:
    data = base()
    data["languages"]["default"] = "de"
    data["languages"]["enabled"].append("es")
    data["nodes"]["language"]["options"].append(
        {"digit": 5, "language": "es", "prompt": "Español: 5"}
    )
    found = problems_of(tmp_path, data)
    assert found[:3] == [
        "menu.yaml: languages.enabled[3]: no voice for 'es': add it under languages.voices",
        "menu.yaml: languages.enabled[3]: dates and times can't be said in 'es' yet "
        "(fr, nl, en, de can)",
        "menu.yaml: languages.default: 'de' is not an enabled language",
    ]


def test_language_menu_rules(tmp_path: Path) -> None:
    data = base()
    data["nodes"]["language"]["options"][0]["prompt"] = {"nl": "Frans"}
    data["nodes"]["language"]["options"][1] = {"digit": 2, "service": "taxes"}
    data["nodes"]["main"]["options"].append({"digit": 4, "language": "nl"})
    assert problems_of(tmp_path, data) == [
        "menu.yaml: node 'language': options[0].prompt: missing in 'fr', the language it offers",
        "menu.yaml: node 'language': options[1]: a language menu leads to languages or another "
        "language menu, not to service 'taxes'",
        "menu.yaml: node 'main': options[3].language: a language choice belongs in a language menu",
    ]


def test_way_out_must_leave_the_menu(tmp_path: Path) -> None:
    data = base()
    data["way_out"] = {"goto": "main"}
    assert problems_of(tmp_path, data) == [
        "menu.yaml: way_out: must lead out of the menu (a service, voicemail, call-back, "
        "transfer or hang-up), not to node 'main'"
    ]


def test_unknown_placeholder_in_a_system_prompt(tmp_path: Path) -> None:
    data = base()
    data["system_prompts"]["closed"]["nl"] = "{dienst} is gesloten"
    assert problems_of(tmp_path, data) == [
        "menu.yaml: system_prompts.closed.nl: unknown placeholder {dienst} "
        "(allowed: {service}, {when})"
    ]


def test_duplicate_keyword_is_reported_whatever_its_accents(tmp_path: Path) -> None:
    data = base()
    data["nodes"]["main"]["options"][1]["keywords"]["fr"].append("Impots")
    assert problems_of(tmp_path, data) == [
        "menu.yaml: node 'main': options[1].keywords.fr: keyword 'Impots' is also on options[0]"
    ]


def test_transfer_number_format(tmp_path: Path) -> None:
    data = base()
    data["nodes"]["taxes"]["options"][0] = {"digit": 1, "transfer": "02 800 12 34"}
    data["nodes"]["taxes"]["options"][1] = {"digit": 2, "transfer": "+3228001234"}
    assert problems_of(tmp_path, data) == [
        "menu.yaml: node 'taxes': options[0].transfer: expected a number like '+3228001234' or "
        "a 'sip:' address, got '02 800 12 34'"
    ]


# ---- broken files and wrong shapes: a clear message, never a traceback ----


def test_broken_yaml(tmp_path: Path) -> None:
    assert problems_of(tmp_path, "nodes:\n  main: [unclosed\n") == [
        "menu.yaml: invalid YAML at line 3, column 1: expected ',' or ']', but got '<stream end>'"
    ]


def test_unquoted_star_is_a_yaml_error_with_its_line(tmp_path: Path) -> None:
    assert problems_of(tmp_path, "start: language\nkeys:\n  repeat: *\n") == [
        "menu.yaml: invalid YAML at line 3, column 12: expected alphabetic or numeric character, "
        "but found '\\n' (a bare * starts a YAML alias: write the key in quotes, '*')"
    ]


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    text = "nodes:\n  main: {}\n  taxes: {}\n  main: {}\n"
    assert problems_of(tmp_path, text) == [
        "menu.yaml: invalid YAML at line 4, column 3: duplicate key 'main' (first at line 2)"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "menu.yaml: expected a mapping (key: value lines), got nothing"),
        ("- a\n- b\n", "menu.yaml: expected a mapping (key: value lines), got a list"),
    ],
)
def test_a_document_that_is_not_a_mapping(tmp_path: Path, text: str, expected: str) -> None:
    assert problems_of(tmp_path, text) == [expected]


def test_wrong_types_and_typos(tmp_path: Path) -> None:
    data = base()
    data["limits"]["no_input"] = "three"
    data["nodes"]["main"]["options"][0]["digit"] = 12
    data["nodes"]["main"]["options"][1]["keywrods"] = ["x"]
    data["nodes"]["taxes"]["options"][0] = {"digit": 1}
    data["nodes"]["taxes"]["options"][1]["service"] = "taxes"
    data["nodes"]["taxes"]["prompt"] = "just text"
    data["nodes"]["Bad-Id"] = {}
    assert problems_of(tmp_path, data) == [
        "menu.yaml: limits.no_input: expected a whole number, got text",
        "menu.yaml: node 'main': options[0].digit: expected one key (0-9, '*' or '#'), got 12",
        "menu.yaml: node 'main': options[1].keywrods: unknown field (expected one of digit, "
        "keywords, prompt, note, goto, service, voicemail, callback, transfer, hangup, language)",
        "menu.yaml: node 'taxes': prompt: expected a mapping (key: value lines), got text",
        "menu.yaml: node 'taxes': options[0]: no target (one of goto, service, voicemail, "
        "callback, transfer, hangup, language)",
        "menu.yaml: node 'taxes': options[1]: several targets (service, voicemail); keep one",
        "menu.yaml: node 'Bad-Id': a node id is lowercase letters, digits and '_', letter first",
    ]


def test_missing_sections_and_prompts(tmp_path: Path) -> None:
    data = base()
    del data["way_out"]
    del data["system_prompts"]["navigation"]
    data["nodes"]["main"]["prompt"]["fr"] = {"play": "ftp://example/a.wav"}
    data["nodes"]["taxes"]["prompt"]["en"] = {"say": "x", "play": "https://x/y.wav"}
    assert problems_of(tmp_path, data) == [
        "menu.yaml: way_out: missing",
        "menu.yaml: system_prompts.navigation: missing",
        "menu.yaml: node 'main': prompt.fr.play: expected an http(s) URL, got 'ftp://example/a.wav'",
        "menu.yaml: node 'taxes': prompt.en: give either 'say' (text) or 'play' (an audio URL)",
    ]


def test_unreadable_file(tmp_path: Path) -> None:
    menu, found = read_menu_file(tmp_path / "nope.yaml")
    assert menu is None
    assert [str(p).replace(f"{tmp_path}/", "") for p in found] == [
        "nope.yaml: can't read the file: No such file or directory"
    ]


def test_check_menu_text_fits_the_version_store() -> None:
    from routing.menu import default_menu_text

    assert check_menu_text(default_menu_text()) == []
    assert [str(p) for p in check_menu_text("nodes: [", directory())] == [
        "menu.yaml: invalid YAML at line 1, column 9: expected the node content, "
        "but found '<stream end>'"
    ]


def test_audio_prompts_and_voice_overrides_are_accepted(tmp_path: Path) -> None:
    data = base()
    data["nodes"]["main"]["prompt"]["fr"] = {"play": "https://cdn.example/fr/main.wav"}
    data["nodes"]["main"]["prompt"]["nl"] = {"say": "hallo", "locale": "nl-NL", "voice": "x"}
    assert problems_of(tmp_path, data) == []
