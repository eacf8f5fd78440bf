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

from .queues import TRANSCRIBE
from .runtime import Runtime

log = logging.getLogger(__name__)

PRELOADERS: dict[str, tuple[str, ...]] = {
    # The transcription issue provides this: load the configured Vosk models.
    TRANSCRIBE: ("transcription.models:preload",),
}


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
