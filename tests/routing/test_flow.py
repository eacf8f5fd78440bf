"""The menu state machine: what a caller hears and where they go, step by step."""

from __future__ import annotations

import random

import pytest

from routing.flow import Input, Outcome, State, Step, start, step
from routing.menu import Menu, Target, default_menu

from .helpers import base, menu


def texts(s: Step) -> list[str]:
    return [u.text or u.url or "" for u in s.say]


@pytest.fixture
def m() -> Menu:
    return menu()


def test_a_new_caller_hears_the_language_menu_in_each_language(m: Menu) -> None:
    s = start(m)
    assert s.outcome is Outcome.ENTER
    assert s.state == State("language")
    assert texts(s) == ["Bonjour", "Goeiedag", "Français: 1", "Nederlands: 2", "English: 3"]
    assert [u.locale for u in s.say] == ["fr-BE", "nl-BE", "fr-BE", "nl-BE", "en-GB"]
    assert s.say[0].voice == "Polly.Isabelle-Neural"
    assert s.gather is not None and s.gather.input == "dtmf speech"
    # German is not enabled, so the "other languages" key is not offered.
    assert "Other languages: 4" not in texts(s)
    assert step(m, s.state, Input(digits="4")).outcome is Outcome.INVALID


def test_more_languages_appear_behind_one_key_when_enabled() -> None:
    m = menu().with_languages(("fr", "nl", "en", "de"))
    s = start(m)
    assert texts(s)[-1] == "Other languages: 4"
    more = step(m, s.state, Input(digits="4"))
    assert more.state.node == "more"
    assert texts(more) == ["Deutsch: 1"]
    chosen = step(m, more.state, Input(digits="1"))
    assert chosen.outcome is Outcome.LANGUAGE
    assert chosen.language == "de"
    assert chosen.state == State("main", "de", turns=2)


def test_choosing_a_language_leads_to_main_in_that_language(m: Menu) -> None:
    s = step(m, start(m).state, Input(digits="2"))
    assert s.outcome is Outcome.LANGUAGE
    assert s.language == "nl"  # to remember for this caller
    assert s.state == State("main", "nl", turns=1)
    assert texts(s) == ["taxes 1, housing 2, other 3 (nl)"]
    assert s.say[0].locale == "nl-BE"


def test_a_remembered_language_skips_the_language_menu_and_says_how_to_change(m: Menu) -> None:
    s = start(m, "en")
    assert s.state == State("main", "en")
    assert texts(s) == ["taxes 1, housing 2, other 3 (en)", "nine changes language (en)"]
    changed = step(m, s.state, Input(digits="9"))
    assert changed.outcome is Outcome.CHANGE_LANGUAGE
    assert changed.state.node == "language" and changed.state.lang is None


def test_a_remembered_language_no_longer_enabled_gets_the_language_menu(m: Menu) -> None:
    assert start(m, "de").state == State("language")


def test_one_enabled_language_skips_the_language_menu() -> None:
    data = base()
    data["languages"]["enabled"] = ["nl"]
    data["languages"]["default"] = "nl"
    s = start(menu(data))
    assert s.state == State("main", "nl")
    assert texts(s) == ["taxes 1, housing 2, other 3 (nl)"]  # no "press 9"


def test_options_lead_to_nodes_and_targets(m: Menu) -> None:
    main = start(m, "fr")
    taxes = step(m, main.state, Input(digits="1"))
    assert taxes.outcome is Outcome.ENTER
    assert taxes.state == State("taxes", "fr", ("main",), turns=1)
    assert texts(taxes) == [
        "questions 1, message 2, call-back 3, hang up 4 (fr)",
        "star repeats, zero goes back (fr)",
    ]
    for digit, target in [
        ("1", Target("service", "taxes")),
        ("2", Target("voicemail", "taxes")),
        ("3", Target("callback", "taxes")),
    ]:
        reached = step(m, taxes.state, Input(digits=digit))
        assert reached.outcome is Outcome.REACHED and reached.done
        assert reached.target == target
        assert reached.gather is None
    hangup = step(m, taxes.state, Input(digits="4"))
    assert hangup.target is not None and hangup.target.kind == "hangup"
    assert texts(hangup) == ["goodbye (fr)"]


def test_star_repeats_and_zero_goes_back(m: Menu) -> None:
    taxes = step(m, start(m, "fr").state, Input(digits="1"))
    again = step(m, taxes.state, Input(digits="*"))
    assert again.outcome is Outcome.REPEAT
    assert again.state.node == "taxes"
    assert texts(again) == texts(taxes)
    back = step(m, again.state, Input(digits="0"))
    assert back.outcome is Outcome.BACK
    assert back.state == State("main", "fr", (), turns=3)
    # At the top, "back" has nowhere to go: the menu is said again.
    top = step(m, back.state, Input(digits="0"))
    assert top.state.node == "main" and top.outcome is Outcome.BACK


def test_going_round_a_loop_does_not_grow_the_trail() -> None:
    data = base()
    data["nodes"]["taxes"]["options"].append({"digit": 5, "goto": "main"})
    m = menu(data)
    s = start(m, "fr")
    for _ in range(3):
        s = step(m, s.state, Input(digits="1"))
        assert s.state.trail == ("main",)
        s = step(m, s.state, Input(digits="5"))
        assert s.state.trail == ()


def test_silence_is_repeated_then_leads_out(m: Menu) -> None:
    s = start(m, "fr")
    first = step(m, s.state, Input())
    assert first.outcome is Outcome.NO_INPUT
    assert first.state.no_input == 1
    assert texts(first) == ["no input (fr)", "taxes 1, housing 2, other 3 (fr)"]
    second = step(m, first.state, Input(digits="", speech="  "))
    assert second.outcome is Outcome.NO_INPUT
    out = step(m, second.state, Input())
    assert out.outcome is Outcome.WAY_OUT
    assert out.target == Target("service", "general")
    assert texts(out) == ["way out (fr)"]


def test_invalid_input_is_said_then_leads_out(m: Menu) -> None:
    s = start(m, "nl")
    first = step(m, s.state, Input(digits="7"))
    assert first.outcome is Outcome.INVALID
    assert texts(first) == ["invalid (nl)", "taxes 1, housing 2, other 3 (nl)"]
    second = step(m, first.state, Input(speech="blabla"))
    assert second.outcome is Outcome.INVALID
    out = step(m, second.state, Input(digits="12"))
    assert out.outcome is Outcome.WAY_OUT
    assert texts(out) == ["invalid (nl)", "way out (nl)"]


def test_a_node_may_have_its_own_way_out_and_message() -> None:
    data = base()
    data["nodes"]["taxes"]["way_out"] = {
        "callback": "taxes",
        "message": {"fr": "on vous rappelle", "nl": "we bellen terug", "en": "we call back"},
    }
    m = menu(data)
    s = step(m, start(m, "en").state, Input(digits="1"))
    for _ in range(3):
        s = step(m, s.state, Input())
    assert s.target == Target("callback", "taxes")
    assert texts(s) == ["we call back"]


def test_silence_in_the_language_menu_goes_on_in_the_default_language(m: Menu) -> None:
    s = start(m)
    s = step(m, s.state, Input())
    assert texts(s)[:3] == ["no input (fr)", "no input (nl)", "no input (en)"]
    assert "Bonjour" not in texts(s)  # the greeting is said once
    s = step(m, s.state, Input())
    s = step(m, s.state, Input())
    assert s.outcome is Outcome.LANGUAGE
    assert s.language is None  # not the caller's choice: not remembered
    assert s.state.node == "main" and s.state.lang == "fr"


def test_the_counters_reset_on_a_new_node(m: Menu) -> None:
    s = start(m, "fr")
    s = step(m, s.state, Input(digits="8"))
    s = step(m, s.state, Input(digits="8"))
    assert s.state.invalid == 2
    s = step(m, s.state, Input(digits="1"))
    assert (s.state.invalid, s.state.no_input) == (0, 0)


def test_too_many_turns_lead_out_even_without_failures(m: Menu) -> None:
    s = start(m, "fr")
    for _ in range(m.limits.max_turns):
        s = step(m, s.state, Input(digits="*"))
        assert not s.done
    s = step(m, s.state, Input(digits="*"))
    assert s.outcome is Outcome.WAY_OUT
    assert s.target == Target("service", "general")


def test_speech_matches_keywords_in_the_callers_language_without_case_or_accents(
    m: Menu,
) -> None:
    main = start(m, "fr").state
    assert step(m, main, Input(speech="Une question sur mes IMPOTS")).state.node == "taxes"
    assert step(m, main, Input(speech="le logement")).target == Target("service", "housing")
    # Dutch keywords don't count for a French caller.
    assert step(m, main, Input(speech="belasting")).outcome is Outcome.INVALID
    nl = start(m, "nl").state
    assert step(m, nl, Input(speech="Belasting!")).state.node == "taxes"
    # Whole words only.
    assert step(m, main, Input(speech="taxerie")).outcome is Outcome.INVALID


def test_speech_chooses_languages_and_understands_number_words(m: Menu) -> None:
    lang = start(m).state
    assert step(m, lang, Input(speech="Nederlands alstublieft")).language == "nl"
    assert step(m, lang, Input(speech="english")).language == "en"
    main = start(m, "fr").state
    assert step(m, main, Input(speech="deux")).target == Target("service", "housing")
    assert step(m, main, Input(speech="1")).state.node == "taxes"


def test_the_longest_matching_keyword_wins() -> None:
    m = default_menu()
    main = start(m, "fr").state
    # "taxe" (taxes) and "stationnement" (mobility) both match: the longer keyword decides.
    assert step(m, main, Input(speech="taxe de stationnement")).target == Target(
        "service", "mobility"
    )


def test_speech_for_repeat_back_and_language_keys() -> None:
    m = default_menu()
    main = start(m, "fr").state
    assert step(m, main, Input(speech="répéter")).outcome is Outcome.REPEAT
    assert step(m, main, Input(speech="changer de langue")).outcome is Outcome.CHANGE_LANGUAGE
    sub = step(m, main, Input(digits="2")).state
    assert step(m, sub, Input(speech="retour")).state.node == "main"


def test_the_gather_has_hints_and_the_speech_locale_of_the_caller() -> None:
    m = default_menu()
    s = start(m, "nl")
    assert s.gather is not None
    assert s.gather.speech_locale == "nl-BE"
    assert "ocmw" in s.gather.hints and "herhalen" in s.gather.hints
    assert "impôts" not in s.gather.hints
    assert s.gather.timeout == 6 and s.gather.num_digits == 1


def test_state_round_trips_through_url_params() -> None:
    state = State("taxes", "nl", ("language", "main"), no_input=1, invalid=2, turns=7)
    params = state.to_params()
    assert all(isinstance(v, str) for v in params.values())
    assert State.from_params(params) == state
    assert State.from_params(State("language").to_params()) == State("language")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"node": "Main"}, "menu state: bad node 'Main'"),
        ({"node": "main", "lang": "fr-BE"}, "menu state: bad lang 'fr-BE'"),
        ({"node": "main", "trail": "a.B"}, "menu state: bad trail 'a.B'"),
        ({"node": "main", "turns": "-1"}, "menu state: bad turns '-1'"),
        ({"node": "main", "invalid": "99999"}, "menu state: bad invalid '99999'"),
    ],
)
def test_bad_state_params_are_refused(params: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        State.from_params(params)
    assert str(caught.value) == message


def test_a_state_that_no_longer_fits_the_menu_restarts(m: Menu) -> None:
    s = step(m, State("removed_node", "fr", turns=4), Input(digits="1"))
    assert s.outcome is Outcome.RESTART
    assert s.state == State("main", "fr", turns=5)
    s = step(m, State("main", None), Input(digits="1"))
    assert s.outcome is Outcome.RESTART
    assert s.state.node == "language"


# ---- property: every path ends ----------------------------------------------------------

_WORDS = ["impôts", "logement", "répéter", "retour", "langue", "nederlands", "deux", "blabla"]


def _random_input(rng: random.Random) -> Input:
    kind = rng.random()
    if kind < 0.25:
        return Input()
    if kind < 0.75:
        return Input(digits=rng.choice("0123456789*#") * rng.choice([1, 1, 1, 2]))
    return Input(speech=" ".join(rng.choices(_WORDS, k=rng.randint(1, 3))))


@pytest.mark.parametrize(
    "make",
    [
        default_menu,
        lambda: default_menu().with_languages(("fr", "nl", "en", "de")),
        menu,
    ],
    ids=["default", "default-with-german", "fixture"],
)
def test_every_random_call_ends_within_the_turn_limit(make: object) -> None:
    assert callable(make)
    m: Menu = make()
    rng = random.Random(20250330)
    bound = m.limits.max_turns + 1
    outcomes: set[Outcome] = set()
    for call in range(1000):
        remembered = rng.choice([None, "fr", "nl", "en", "de", "xx"])
        s = start(m, remembered)
        for _ in range(bound + 1):
            assert s.say or s.done, f"call {call}: nothing said at {s.state}"
            outcomes.add(s.outcome)
            if s.done:
                break
            state = State.from_params(s.state.to_params())  # as the web layer carries it
            s = step(m, state, _random_input(rng))
        else:
            pytest.fail(f"call {call} did not end within {bound} answers: {s.state}")
    assert {Outcome.REACHED, Outcome.WAY_OUT, Outcome.INVALID, Outcome.NO_INPUT} <= outcomes


def test_a_silent_caller_always_gets_out_quickly() -> None:
    m = default_menu()
    s = start(m)
    answers = 0
    while not s.done:
        s = step(m, s.state, Input())
        answers += 1
    # Three silences in the language menu, then three in French in the main menu.
    assert answers == 6
    assert s.target == Target("service", "general")
