"""Vosk models, one per language, configured by path and loaded once per worker process.

Configuration: ``IRISLINE_VOSK_MODEL_<LANG>=/path/to/model`` (e.g. ``IRISLINE_VOSK_MODEL_FR``).
A worker calls :func:`preload` *before* RQ forks its work-horses, so that every job's child
shares the parent's model pages copy-on-write instead of loading hundreds of MB per job.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ModelLoadError, TranscriptionError

log = logging.getLogger(__name__)

ENV_PREFIX = "IRISLINE_VOSK_MODEL_"
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_ENV_SUFFIX = re.compile(r"^[A-Za-z]{2,3}(?:_[A-Za-z]{2})?$")  # FR, NL_BE


class ModelUnavailable(TranscriptionError):
    """No usable model for a language: the voicemail needs listening."""

    code = "model_unavailable"


@dataclass(frozen=True)
class LoadedModel:
    language: str
    path: Path
    model: Any  # vosk.Model; Any so that the domain types don't need vosk's (absent) stubs
    load_seconds: float

    @property
    def name(self) -> str:
        # Packaged models sit in a folder called just "model"; name them by their package.
        if self.path.name == "model":
            return f"{self.path.parent.name}/{self.path.name}"
        return self.path.name


def normalise_language(code: str) -> str:
    """``"fr-BE"``, ``"FR"`` and ``"fr_be"`` all mean the model for ``"fr"``."""
    base = code.strip().replace("_", "-").split("-", 1)[0].lower()
    if not _LANGUAGE.match(base):
        raise ValueError(f"not a language code: {code!r}")
    return base


def load_vosk_model(path: Path) -> Any:
    import vosk

    vosk.SetLogLevel(-1)  # Kaldi's chatter on stderr says nothing our logs don't
    if not path.is_dir():
        raise ModelLoadError(f"the model directory {path} does not exist")
    if not (path / "am").is_dir() and not (path / "conf").is_dir():
        raise ModelLoadError(f"{path} is not a Vosk model directory (no am/ or conf/)")
    try:
        return vosk.Model(str(path))
    except Exception as exc:  # vosk raises a bare Exception on failure
        raise ModelLoadError(f"Vosk could not load the model at {path}: {exc}") from exc


class ModelRegistry:
    def __init__(
        self,
        paths: Mapping[str, str | Path],
        *,
        loader: Callable[[Path], Any] = load_vosk_model,
    ) -> None:
        self._paths = {normalise_language(k): Path(v) for k, v in paths.items()}
        self._loader = loader
        self._loaded: dict[str, LoadedModel] = {}
        self._failed: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def languages(self) -> list[str]:
        return sorted(self._paths)

    def path_for(self, language: str) -> Path | None:
        return self._paths.get(normalise_language(language))

    def loaded(self) -> list[LoadedModel]:
        return [self._loaded[k] for k in sorted(self._loaded)]

    def preload(self, languages: Iterable[str] | None = None) -> list[LoadedModel]:
        """Load the given languages' models (all configured ones by default) now.

        Raises :class:`ModelLoadError` for a configured model that doesn't load, so that a
        worker with a broken configuration fails at start rather than on every voicemail.
        Asking for a language that has no configured model is not an error: it is logged.
        """
        wanted = self.languages if languages is None else [normalise_language(x) for x in languages]
        models = []
        for language in wanted:
            if language not in self._paths:
                log.warning(
                    "no Vosk model configured for %r; its voicemails need listening", language
                )
                continue
            models.append(self._load(language, lazy=False))
        return models

    def get(self, language: str) -> LoadedModel:
        """The loaded model for a language, or :class:`ModelUnavailable` with the reason."""
        try:
            key = normalise_language(language)
        except ValueError as exc:
            raise ModelUnavailable(str(exc)) from exc
        if key not in self._paths:
            raise ModelUnavailable(
                f"no speech model is configured for language {key!r} ({ENV_PREFIX}{key.upper()})"
            )
        try:
            return self._load(key, lazy=True)
        except ModelLoadError as exc:
            raise ModelUnavailable(exc.reason) from exc

    def _load(self, language: str, *, lazy: bool) -> LoadedModel:
        with self._lock:
            if language in self._loaded:
                return self._loaded[language]
            if language in self._failed:
                # A model that failed once would fail again, and each try reads hundreds of MB.
                raise ModelLoadError(self._failed[language])
            path = self._paths[language]
            if lazy:
                log.warning(
                    "loading the %s model inside a job (pid %d): call preload() before forking",
                    language,
                    os.getpid(),
                )
            started = time.perf_counter()
            try:
                model = self._loader(path)
            except ModelLoadError as exc:
                self._failed[language] = exc.reason
                raise
            except Exception as exc:
                self._failed[language] = f"could not load the {language} model at {path}: {exc}"
                raise ModelLoadError(self._failed[language]) from exc
            loaded = LoadedModel(language, path, model, time.perf_counter() - started)
            log.info("loaded the %s model %s in %.1fs", language, path.name, loaded.load_seconds)
            self._loaded[language] = loaded
            return loaded


def from_environ(
    environ: Mapping[str, str], *, loader: Callable[[Path], Any] = load_vosk_model
) -> ModelRegistry:
    """A registry configured from ``IRISLINE_VOSK_MODEL_<LANG>`` variables (empty ones ignored)."""
    paths: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith(ENV_PREFIX) and value.strip():
            suffix = key[len(ENV_PREFIX) :]
            if _ENV_SUFFIX.match(suffix):
                paths[normalise_language(suffix)] = value.strip()
            else:
                log.warning("ignoring %s: %r is not a language code", key, suffix)
    return ModelRegistry(paths, loader=loader)


_process_registry: ModelRegistry | None = None
_process_lock = threading.Lock()


def process_registry() -> ModelRegistry:
    """This process's registry, built from ``os.environ`` on first use."""
    global _process_registry
    with _process_lock:
        if _process_registry is None:
            _process_registry = from_environ(os.environ)
        return _process_registry


def set_process_registry(registry: ModelRegistry | None) -> None:
    """Replace this process's registry (a worker built from settings, or a test)."""
    global _process_registry
    with _process_lock:
        _process_registry = registry


def preload(languages: Iterable[str] | None = None) -> list[LoadedModel]:
    """Load models into this process's registry; the worker calls it once, before forking."""
    return process_registry().preload(languages)
