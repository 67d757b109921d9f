"""Summaries of timings: medians and nearest-rank percentiles, in milliseconds."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile: the smallest value with at least q% of values at or below."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Timings:
    """Milliseconds: how many samples, their median, p99 and maximum."""

    count: int
    median_ms: float
    p99_ms: float
    max_ms: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Timings:
        return cls(
            count=len(seconds),
            median_ms=statistics.median(seconds) * 1000,
            p99_ms=percentile(seconds, 99) * 1000,
            max_ms=max(seconds) * 1000,
        )


def ratio(value: float, baseline: float) -> float:
    return value / baseline if baseline else math.inf
