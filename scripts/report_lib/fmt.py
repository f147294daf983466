"""Number formatting and Markdown tables, so every figure in prose and tables
looks the same: 3 significant digits, thousands separators, a dash for
missing values."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

DASH = "—"


def sig(x: float | None, digits: int = 3) -> str:
    """x rounded to `digits` significant digits, without exponent notation."""
    if x is None:
        return DASH
    if x == 0:
        return "0"
    rounded = float(f"{x:.{digits}g}")
    if abs(rounded) >= 10 ** (digits - 1):
        return f"{rounded:,.0f}"
    # Enough decimals to show `digits` significant digits of a small number.
    decimals = digits - 1 - _exponent(rounded)
    return f"{rounded:.{decimals}f}"


def _exponent(x: float) -> int:
    return int(f"{abs(x):e}".split("e")[1])


def times(x: float | None) -> str:
    """A factor: '38.2x'."""
    return DASH if x is None else sig(x) + "x"


def pct(fraction: float | None, decimals: int = 1) -> str:
    """A fraction as percent: 0.021 -> '2.1 %'."""
    return DASH if fraction is None else f"{100 * fraction:.{decimals}f} %"


def count(x: float | None) -> str:
    """An integer count with separators; medians of counts may end in .5."""
    if x is None:
        return DASH
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.1f}"


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table; cells are converted with str()."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |")
    return "\n".join(lines)


def param(x: float | None) -> str:
    """A parameter as the benchmark names spell it: 5 -> '5', 2.5 -> '2.5'."""
    return DASH if x is None else f"{x:g}"


def compact(x: float | None) -> str:
    """A chart label: 3 significant digits without trailing zeros: 8, 16, 1,000, 2.5."""
    if x is None:
        return DASH
    text = sig(x)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def axis(x: float) -> str:
    """An axis tick: 500, 1k, 20k, 1M."""
    for limit, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(x) >= limit:
            return compact(x / limit) + suffix
    return compact(x)


def ci(lo: float | None, hi: float | None, unit: str = "x") -> str:
    """'95 % CI 35.0–39.1x'; without an interval, 'no CI: one repetition'."""
    if lo is None or hi is None:
        return "no CI: one repetition"
    return f"95 % CI {sig(lo)}–{sig(hi)}{unit}"


def factor_ci(est: float | None, lo: float | None, hi: float | None) -> str:
    """A factor with its interval: '37.2x (95 % CI 35.0–39.1x)'."""
    if est is None:
        return DASH
    return f"{times(est)} ({ci(lo, hi)})"


def includes_one(lo: float | None, hi: float | None) -> bool:
    return lo is not None and hi is not None and lo <= 1 <= hi


def faster_ci(est: float | None, lo: float | None, hi: float | None, where: str = "") -> str:
    """A speed factor in words, with its interval: '37.2x faster over HTTPS (95 % CI …)',
    'no difference over HTTP (0.997x, 95 % CI 0.98–1.01x)' when the interval includes 1 (never
    '0.997x faster'), '0.800x as fast (slower) over HTTP (95 % CI …)' when it lies below 1.
    where: an optional ' over HTTPS' placed before the interval."""
    if est is None:
        return "not measured" + where
    if includes_one(lo, hi):
        return f"no difference{where} ({times(est)}, {ci(lo, hi)})"
    if est >= 1:
        return f"{times(est)} faster{where} ({ci(lo, hi)})"
    return f"{times(est)} as fast (slower){where} ({ci(lo, hi)})"


def ms(us: float | None) -> str:
    """Microseconds shown as milliseconds: 1420.0 -> '1.42 ms'."""
    return DASH if us is None else f"{sig(us / 1000)} ms"


def duration_us(us: float | None) -> str:
    """A time in µs, switched to ms from 1 ms: '830 µs', '1.42 ms', '150 ms'."""
    if us is None:
        return DASH
    return f"{sig(us)} µs" if abs(us) < 1000 else ms(us)
