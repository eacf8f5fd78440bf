"""What a worker loads once, before RQ forks work horses, for the queues it serves.

Model-heavy work (Vosk for `transcribe`) must not be loaded per job: the worker process loads
it here, and every forked horse shares it copy-on-write. A preloader is "module:function",
called with the settings; what it returns is kept in `Runtime.extras[<preloader>]`.
A preloader whose module does not exist (yet) is skipped with a log line.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Iterable

from irisline.settings import Settings

from .queues import TRANSCRIBE
from .runtime import Runtime

log = logging.getLogger(__name__)

PRELOADERS: dict[str, tuple[str, ...]] = {
    # Every configured Vosk model (IRISLINE_VOSK_MODEL_<LANG>), into the process registry.
    TRANSCRIBE: ("workers.preload:speech_models",),
}


def speech_models(_settings: Settings) -> list[str]:
    """Load the configured Vosk models into this process's registry (the one jobs use).
    A model that fails to load stops the worker at start, not at every voicemail."""
    from transcription import registry

    return [f"{m.language}:{m.name}" for m in registry.preload()]


def preload(rt: Runtime, queue_names: Iterable[str]) -> list[str]:
    """Run the preloaders of `queue_names`; returns those that ran."""
    ran = []
    for name in queue_names:
        for spec in PRELOADERS.get(name, ()):
            if spec in rt.extras:
                continue
            module_name, _, func_name = spec.partition(":")
            try:
                found = importlib.util.find_spec(module_name)
            except ModuleNotFoundError:
                found = None
            if found is None:
                log.info("preload %s skipped: no module %s", spec, module_name)
                continue
            func = getattr(importlib.import_module(module_name), func_name)
            log.info("preloading %s for queue %s", spec, name)
            rt.extras[spec] = func(rt.settings)
            ran.append(spec)
    return ran
