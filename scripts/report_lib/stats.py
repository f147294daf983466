"""Statistics over the repetitions of one benchmark.

Absolute numbers on a shared machine vary between runs, so reports compare
medians and ratios, show the spread of the repetitions as a coefficient of
variation (CV = stddev / mean), and give every headline factor a 95 %
confidence interval from paired repetitions.

Confidence intervals (paired_ratio_ci, ratio_ci): repetition i of side A is
paired with repetition i of side B (bench runs them in the same stretch of
time, so a slow moment hits both), giving one ratio per pair. The interval
is a Student t-interval on the logarithms of those ratios:

    est = exp(mean(log r)),  [lo, hi] = exp(mean(log r) -/+ t(0.975, n-1) * sd(log r) / sqrt(n))

Why this and not a bootstrap: with the 2-10 repetitions a run has, a
bootstrap of the median only ever returns the observed ratios (its interval
is the min-max of a handful of values and too narrow), while the t-interval
widens honestly as n shrinks (n = 2: t = 12.7). Logarithms make the
interval symmetric for ratios (2x and 0.5x are equally far from 1) and keep
it positive. It is deterministic: no seed. The estimate is the geometric
mean of the paired ratios, so it always lies inside its interval.
"""
from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from . import results

# (estimate, low, high) of a 95 % interval; low and high are None without an interval
# (one repetition), all three None without data.
Interval = tuple[float | None, float | None, float | None]


def median(values: Iterable[float | None]) -> float | None:
    """Median of a non-empty sequence; None when empty (nothing measured)."""
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.fmean(present) if present else None


def stddev(values: Iterable[float | None]) -> float | None:
    """Sample standard deviation (n-1), as Google Benchmark's aggregates use."""
    present = [v for v in values if v is not None]
    return statistics.stdev(present) if len(present) >= 2 else None


def cv(values: Sequence[float | None]) -> float | None:
    """Coefficient of variation (stddev / mean) as a fraction; None when it is undefined."""
    m, s = mean(values), stddev(values)
    if m is None or s is None or m == 0:
        return None
    return s / m


def percent(fraction: float | None) -> float | None:
    return None if fraction is None else 100.0 * fraction


def factor(numerator: float | None, denominator: float | None) -> float | None:
    """How many times larger numerator is; None when either side is missing or zero."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def geomean(values: Iterable[float | None]) -> float | None:
    """Geometric mean, the average that suits ratios (a 2x and a 0.5x cancel out)."""
    positive = [v for v in values if v is not None and v > 0]
    if not positive:
        return None
    return math.exp(sum(math.log(v) for v in positive) / len(positive))


# Student t quantiles t(0.975, df) for a two-sided 95 % interval (df 1-30, then
# conservative steps: the largest tabulated df not above the actual one).
_T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262,
         10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110,
         18: 2.101, 19: 2.093, 20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064, 25: 2.060,
         26: 2.056, 27: 2.052, 28: 2.048, 29: 2.045, 30: 2.042, 40: 2.021, 60: 2.000, 120: 1.980}


def t975(df: int) -> float | None:
    """t(0.975, df); None for df < 1."""
    if df < 1:
        return None
    return _T975[max(k for k in _T975 if k <= df)]


def _t975_of(n: int) -> float:
    """t(0.975, n - 1) for n >= 2 values (an interval's callers have at least two)."""
    t = t975(n - 1)
    assert t is not None
    return t


def ratio_ci(ratios: Iterable[float | None]) -> Interval:
    """(estimate, low, high) of a ratio from its paired values (see the module doc): the
    geometric mean and a 95 % t-interval on the logs. One value: (value, None, None);
    none (or a non-positive one): (None, None, None)."""
    present = [r for r in ratios if r is not None]
    if not present or any(r <= 0 for r in present):
        return None, None, None
    if len(present) < 2:
        return present[0], None, None
    if all(r == present[0] for r in present):
        return present[0], present[0], present[0]  # exact, without a round trip through log/exp
    logs = [math.log(r) for r in present]
    centre = statistics.fmean(logs)
    half = _t975_of(len(logs)) * statistics.stdev(logs) / math.sqrt(len(logs))
    return math.exp(centre), math.exp(centre - half), math.exp(centre + half)


def mean_ci(values: Iterable[float | None]) -> Interval:
    """(mean, low, high): a 95 % t-interval on the mean of values that may be negative or zero
    (differences, e.g. round trips saved per repetition). One value: (value, None, None)."""
    present = [v for v in values if v is not None]
    if not present:
        return None, None, None
    if len(present) < 2:
        return present[0], None, None
    m = statistics.fmean(present)
    half = _t975_of(len(present)) * statistics.stdev(present) / math.sqrt(len(present))
    return m, m - half, m + half


def paired_ratios(a_values: Iterable[float | None], b_values: Iterable[float | None]) -> list[float]:
    """a[i] / b[i] for each repetition both sides have (zip: the shorter side sets n)."""
    return [a / b for a, b in zip(a_values, b_values) if a is not None and b]


def paired_ratio_ci(a_values: Iterable[float | None], b_values: Iterable[float | None]) -> Interval:
    """How many times larger A is than B, with its 95 % CI from paired repetitions:
    (estimate, low, high). See ratio_ci."""
    return ratio_ci(paired_ratios(a_values, b_values))


def median_across(per_item_values: Iterable[Sequence[float | None]]) -> list[float | None]:
    """Element-wise median over items of their i-th values (e.g. the median over models of
    each repetition's factor), as long as the shortest list: the per-repetition series of a
    median, for ratio_ci."""
    lists = [v for v in per_item_values if v]
    if not lists:
        return []
    n = min(len(v) for v in lists)
    return [median([v[i] for v in lists]) for i in range(n)]


def cvs(runs: Iterable[results.Run], counter: str) -> list[float]:
    """The CV of `counter` over each run's repetitions (runs without one left out)."""
    return [c for c in (r.cv(counter) for r in runs if not r.failed) if c is not None]


def spread(runs: Iterable[results.Run], counter: str) -> tuple[float | None, float | None]:
    """(median CV, largest CV) of `counter` over the runs: the measured spread of a run, for
    chart footers and caveats; (None, None) with fewer than 2 repetitions."""
    values = cvs(runs, counter)
    if not values:
        return None, None
    return median(values), max(values)
