"""The wait estimate and the call-back offer threshold."""

from __future__ import annotations

import pytest

from routing.services import Service, TimeRange
from routing.waits import (
    DEFAULT_HANDLING_SECONDS,
    MAX_HANDLING_SECONDS,
    estimate_wait,
    mean_handling,
    offer_callback_first,
)

WEEK = tuple(() for _ in range(7))


def service(max_wait: int) -> Service:
    return Service("s", {"fr": "S"}, WEEK, max_wait_seconds=max_wait)


def test_an_idle_agent_means_no_wait() -> None:
    assert estimate_wait(queued=0, agents=3, recent_handling_seconds=[200], idle=1).seconds == 0


def test_the_formula_counts_callers_ahead_over_agents() -> None:
    # 5 waiting, 2 agents busy, 240 s per call: the new caller needs 6 agents to finish.
    est = estimate_wait(queued=5, agents=2, recent_handling_seconds=[200, 280])
    assert est.handling_seconds == 240
    assert est.seconds == pytest.approx(6 * 240 / 2)
    # One more agent shortens it proportionally.
    assert estimate_wait(5, 3, [200, 280]).seconds == pytest.approx(6 * 240 / 3)
    # An idle agent takes a caller off the line ahead.
    assert estimate_wait(5, 2, [240], idle=1).seconds == pytest.approx(5 * 240 / 2)


def test_no_agents_no_estimate() -> None:
    est = estimate_wait(queued=0, agents=0, recent_handling_seconds=[100])
    assert est.seconds is None and not est.known


def test_handling_time_defaults_and_caps() -> None:
    assert mean_handling([]) == DEFAULT_HANDLING_SECONDS
    assert mean_handling([0, -3]) == DEFAULT_HANDLING_SECONDS
    assert mean_handling([100, 10 * MAX_HANDLING_SECONDS]) == (100 + MAX_HANDLING_SECONDS) / 2


def test_negative_inputs_are_refused() -> None:
    with pytest.raises(ValueError):
        estimate_wait(queued=-1, agents=1, recent_handling_seconds=[])


def test_offer_callback_above_the_service_threshold() -> None:
    s = service(max_wait=300)
    assert not offer_callback_first(estimate_wait(1, 2, [300]), s)  # 300 s: not over
    assert offer_callback_first(estimate_wait(2, 2, [300]), s)  # 450 s
    assert offer_callback_first(estimate_wait(0, 0, []), s)  # nobody to answer
    assert Service("x", {}, WEEK).quiet_hours[0] == TimeRange(0, 480)
