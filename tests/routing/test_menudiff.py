"""Menu diffs as a supervisor reads them."""

from __future__ import annotations

from routing.menudiff import diff

from .helpers import base, menu


def test_identical_menus_have_no_diff() -> None:
    assert diff(menu(), menu()) == []


def test_changes_are_described() -> None:
    new = base()
    new["languages"]["enabled"].append("de")
    new["limits"]["max_turns"] = 25
    new["system_prompts"]["invalid"]["fr"] = "Choix non valable."
    del new["nodes"]["more"]
    new["nodes"]["language"]["options"].pop()
    new["nodes"]["extra"] = {"prompt": {"fr": "x"}, "options": [{"digit": 1, "service": "taxes"}]}
    main = new["nodes"]["main"]
    main["prompt"]["nl"] = "Nieuwe tekst"
    main["options"][1]["service"] = "general"
    main["options"][0]["keywords"]["fr"] = ["impôts", "fiscalité"]
    main["options"].pop(2)
    main["options"].append({"digit": 4, "callback": "taxes"})
    new["nodes"]["taxes"]["options"][3]["hangup"]["en"] = "bye"
    assert diff(menu(), menu(new)) == [
        "languages enabled: fr, nl, en -> fr, nl, en, de",
        "limit max_turns: 20 -> 25",
        "system prompt 'invalid' changed in fr: 'invalid (fr)' -> 'Choix non valable.'",
        "node 'language': option 4 removed (was node 'more')",
        "node 'more' removed",
        "node 'main': prompt changed in nl: 'taxes 1, housing 2, other 3 (nl)' -> 'Nieuwe tekst'",
        "node 'main': option 1: keywords in fr: added 'fiscalité'; removed 'taxe'",
        "node 'main': option 2: service 'housing' -> service 'general'",
        "node 'main': option 3 removed (was service 'general')",
        "node 'main': option 4 added: call-back 'taxes'",
        "node 'taxes': option 4: hang-up message changed in en: 'goodbye (en)' -> 'bye'",
        "node 'extra' added",
    ]


def test_long_prompts_are_shortened() -> None:
    new = base()
    new["nodes"]["taxes"]["prompt"]["fr"] = "word " * 40
    [line] = diff(menu(), menu(new))
    assert line.endswith("…'")
    assert len(line) < 160
