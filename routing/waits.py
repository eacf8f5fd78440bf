"""Estimating how long a new caller will wait in a service's queue, and when to offer a
call-back before queueing.

The formula. With `n` agents serving the queue, `idle` of them free, `q` callers already
waiting and a mean handling time `h` (from recent calls), a new caller is answered once
`k = q + 1 - idle` agents have finished a call (0 when an agent is free for them). If handling
times are roughly exponential, the time until the next of `n` busy agents finishes is `h / n`
on average, whatever they have already spent on their calls, so

    wait = max(0, q + 1 - idle) * h / n

This is the expected wait of an M/M/n queue given its current state (no Erlang-C steady-state
assumption, which needs an arrival rate we don't know well at the start of a day). With no agent
at all, there is no estimate: the caller should be offered a call-back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .services import Service

DEFAULT_HANDLING_SECONDS = 300.0  # before a queue has any history
# A call left open by mistake shouldn't inflate every estimate of the day.
MAX_HANDLING_SECONDS = 3600.0


@dataclass(frozen=True)
class WaitEstimate:
    seconds: float | None  # None: nobody to answer
    queued: int
    agents: int
    handling_seconds: float

    @property
    def known(self) -> bool:
        return self.seconds is not None


def mean_handling(recent: Sequence[float], default: float = DEFAULT_HANDLING_SECONDS) -> float:
    """Mean of recent handling times (seconds), each capped; `default` with no history."""
    times = [min(float(t), MAX_HANDLING_SECONDS) for t in recent if t > 0]
    return sum(times) / len(times) if times else default


def estimate_wait(
    queued: int,
    agents: int,
    recent_handling_seconds: Sequence[float],
    idle: int = 0,
    default_handling: float = DEFAULT_HANDLING_SECONDS,
) -> WaitEstimate:
    """Expected wait of a caller joining behind `queued` callers now (see the module's doc)."""
    if queued < 0 or agents < 0 or idle < 0:
        raise ValueError("queued, agents and idle can't be negative")
    h = mean_handling(recent_handling_seconds, default_handling)
    if agents == 0:
        return WaitEstimate(None, queued, agents, h)
    ahead = max(0, queued + 1 - min(idle, agents))
    return WaitEstimate(ahead * h / agents, queued, agents, h)


def offer_callback_first(estimate: WaitEstimate, service: Service) -> bool:
    """Offer a call-back (that keeps the caller's place) before queueing when the estimate is
    over the service's threshold, or when nobody can answer."""
    return estimate.seconds is None or estimate.seconds > service.max_wait_seconds
