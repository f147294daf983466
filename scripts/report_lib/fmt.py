"""Number formatting and Markdown tables, so every figure in prose and tables
looks the same: 3 significant digits, thousands separators, a dash for
missing values."""

DASH = "—"


def sig(x, digits=3):
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


def _exponent(x):
    return int(f"{abs(x):e}".split("e")[1])


def times(x):
    """A factor: '38.2x'."""
    return DASH if x is None else sig(x) + "x"


def pct(fraction, decimals=1):
    """A fraction as percent: 0.021 -> '2.1 %'."""
    return DASH if fraction is None else f"{100 * fraction:.{decimals}f} %"


def count(x):
    """An integer count with separators; medians of counts may end in .5."""
    if x is None:
        return DASH
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.1f}"


def table(header, rows):
    """A Markdown table; cells are converted with str()."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |")
    return "\n".join(lines)


def param(x):
    """A parameter as the benchmark names spell it: 5 -> '5', 2.5 -> '2.5'."""
    return DASH if x is None else f"{x:g}"


def compact(x):
    """A chart label: 3 significant digits without trailing zeros: 8, 16, 1,000, 2.5."""
    if x is None:
        return DASH
    text = sig(x)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def axis(x):
    """An axis tick: 500, 1k, 20k, 1M."""
    for limit, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(x) >= limit:
            return compact(x / limit) + suffix
    return compact(x)
