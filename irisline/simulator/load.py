"""Load mode: many simulated callers on weighted paths at a given rate.

Each caller runs a script (see `irisline.emulator.callers.parse_script`) picked at random by
weight. The report gives the outcomes, the webhook latency percentiles and the errors.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

from irisline.emulator.callers import ScriptedCaller, Step, parse_script, synth_wav
from irisline.emulator.interpreter import Outcome

from .session import Simulator, spoken_reference

#: Paths through the default menu, with weights: call-backs in each language (key 7 or
#: said), voicemail (6), a service (3: mobility), a wrong key then a call-back, silence until
#: the way out, hanging up in the main menu.
DEFAULT_PATHS = (
    "1,7=3;2,7=3;3,7=2;1,say:je voudrais être rappelé=2;3,6,#=2;1,3,1=1;5,1,7=1;"
    "-,-,-,-,-,-,-,-=1;2,hangup=1"
)


def parse_paths(spec: str) -> list[tuple[list[Step], int]]:
    """'SCRIPT=WEIGHT;SCRIPT=WEIGHT;...' (weight 1 when left out)."""
    paths = []
    for raw in spec.split(";"):
        if not raw.strip():
            continue
        script, sep, weight = raw.rpartition("=")
        if not sep or not weight.strip().isdigit():
            script, weight = raw, "1"
        if int(weight) <= 0:
            raise ValueError(f"path {raw!r}: the weight must be a positive integer")
        paths.append((parse_script(script), int(weight)))
    if not paths:
        raise ValueError("no paths given")
    return paths


def classify(outcome: Outcome) -> str:
    if outcome.error is not None:
        return f"error {outcome.error.code}"
    if outcome.ended_by == "emulator":
        return "stopped (loop)"
    if outcome.recordings:
        return "voicemail"
    if spoken_reference(outcome):
        return "call-back requested"
    if outcome.queue:
        return f"queue ({outcome.queue_result})"
    return "caller hung up" if outcome.ended_by == "caller" else "service hung up"


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


@dataclass
class LoadReport:
    calls: int = 0
    seconds: float = 0.0
    outcomes: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    webhook_statuses: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def calls_per_second(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0

    def latency_ms(self, pct: float) -> float:
        return percentile(self.latencies, pct) * 1000

    def lines(self) -> list[str]:
        out = [
            f"{self.calls} calls in {self.seconds:.2f} s ({self.calls_per_second:.1f} calls/s), "
            f"{len(self.latencies)} webhooks",
            "outcomes:",
        ]
        out += [f"  {name:<24} {count}" for name, count in self.outcomes.most_common()]
        if self.latencies:
            out.append(
                "webhook latency: "
                + ", ".join(f"p{p} {self.latency_ms(p):.1f} ms" for p in (50, 90, 99))
                + f", max {max(self.latencies) * 1000:.1f} ms, "
                f"mean {statistics.fmean(self.latencies) * 1000:.1f} ms"
            )
        out.append(
            "webhook answers: "
            + ", ".join(f"{k}: {v}" for k, v in sorted(self.webhook_statuses.items()))
        )
        out.append(
            "errors: " + (", ".join(f"{k} x{v}" for k, v in self.errors.most_common()) or "none")
        )
        return out


def run_load(
    simulator: Simulator,
    count: int,
    rate: float,
    paths: list[tuple[list[Step], int]],
    *,
    concurrency: int = 8,
    seed: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> LoadReport:
    """Start `count` calls at `rate` calls a second (0: as fast as possible)."""
    rng = random.Random(seed)
    scripts = rng.choices([p for p, _ in paths], weights=[w for _, w in paths], k=count)
    numbers = [f"+32470{n:06d}" for n in rng.sample(range(1_000_000), count)]
    report = LoadReport()
    lock = threading.Lock()
    audio = synth_wav(1.0)

    def one(index: int) -> Outcome:
        steps = list(scripts[index])
        # A path that reaches a <Record> without a speech step leaves a one-second message.
        voicemail = None if any(s.kind == "speech" for s in steps) else (audio, 1.0)
        caller = ScriptedCaller(steps, voicemail=voicemail, patience=60)
        return simulator.session(caller, numbers[index]).run(simulator.start_url)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        futures = []
        for index in range(count):
            if rate > 0:
                delay = started + index / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            futures.append(pool.submit(one, index))
        for future in as_completed(futures):
            try:
                outcome = future.result()
            except Exception as exc:  # a simulator bug must not hide the others' results
                with lock:
                    report.errors[f"simulator: {type(exc).__name__}: {exc}"] += 1
                    report.outcomes["simulator error"] += 1
                continue
            with lock:
                report.calls += 1
                report.outcomes[classify(outcome)] += 1
                for exchange in outcome.exchanges:
                    report.latencies.append(exchange.seconds)
                    report.webhook_statuses[str(exchange.status or "no answer")] += 1
                for note in outcome.notifications:
                    report.errors[f"{note.code} {note.message}"] += 1
            if progress is not None:
                progress(1)
    report.seconds = time.perf_counter() - started
    return report
