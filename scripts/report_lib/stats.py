"""Statistics over the repetitions of one benchmark.

Absolute numbers on a shared 2-core machine vary by about +/-20% between
runs, so reports compare medians and ratios of medians, and show the spread
of the repetitions as a coefficient of variation (CV = stddev / mean).
"""
import math
import statistics


def median(values):
    """Median of a non-empty sequence; None when empty (nothing measured)."""
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def mean(values):
    values = [v for v in values if v is not None]
    return statistics.fmean(values) if values else None


def stddev(values):
    """Sample standard deviation (n-1), as Google Benchmark's aggregates use."""
    values = [v for v in values if v is not None]
    return statistics.stdev(values) if len(values) >= 2 else None


def cv(values):
    """Coefficient of variation (stddev / mean) as a fraction; None when it is undefined."""
    m, s = mean(values), stddev(values)
    if m is None or s is None or m == 0:
        return None
    return s / m


def percent(fraction):
    return None if fraction is None else 100.0 * fraction


def factor(numerator, denominator):
    """How many times larger numerator is; None when either side is missing or zero."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def geomean(values):
    """Geometric mean, the average that suits ratios (a 2x and a 0.5x cancel out)."""
    values = [v for v in values if v is not None and v > 0]
    if not values:
        return None
    return math.exp(sum(math.log(v) for v in values) / len(values))
