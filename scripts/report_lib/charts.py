"""Shared matplotlib helpers: grouped bars (linear axes) and grouped points
(any axis, log included) with error bars and flags, per-model styles from
models.py, a footnote with the machine and the run's measured spread, and
saving each figure as SVG and PNG.

Chart rules every scenario follows (the helpers make them the easy path):
- no bars on a log axis: bars start at zero, and a log axis has none; use
  grouped_points() (or a linear axis) when values span decades;
- one axis type across the panels of a figure (decide it from all panels'
  values: needs_log(all_values));
- label models with their concurrency where models run at different ones
  (models.get(m).label(c)): `asio_coro c:32`;
- milliseconds where the values are ms (fmt.duration_us / ms_axis);
- overlapping lines stay apart: markers per model, small x offsets
  (offsets()) for points at the same x;
- legends list only what is drawn (legend_handles() from the series drawn);
- every colour comes from palette.py: a model's (palette.model), a meaning's
  (palette.GOOD, palette.HTTPS, ...) or a neutral (palette.REFERENCE, ...),
  never one written in a chart module (tests/report/test_palette.py).

Agg is selected before pyplot is imported so charts render without a
display (CI, ssh sessions).
"""
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after use("Agg") on purpose)
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter  # noqa: E402

from matplotlib.lines import Line2D  # noqa: E402

from . import files, fmt, models, palette, stats  # noqa: E402

FORMATS = ("svg", "png")
PNG_DPI = 110

plt.rcParams.update({
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.alpha": 0.3,
    "legend.fontsize": 8.5,
    "svg.hashsalt": "report",  # stable SVG ids: regenerated charts diff cleanly
})


def figure(nrows, ncols, width_per_col=6.4, height_per_row=3.6):
    # At least 10 inches wide: the title, legend and footnote need it even for one panel.
    fig, axes = plt.subplots(nrows, ncols, figsize=(max(width_per_col * ncols, 10), height_per_row * nrows + 0.9),
                             squeeze=False)
    return fig, axes


def needs_log(values, ratio=20.0):
    """A log axis when the bars span more than `ratio`: small bars stay visible."""
    values = [v for v in values if v is not None and v > 0]
    return bool(values) and max(values) / min(values) > ratio


def grouped_bars(ax, groups, series, value, spread=None, flag=None, width=0.8):
    """Bars for each group (x tick) and series (colour).

    series: [(key, label, colour)]; value(group, key) -> number or None;
    spread(group, key) -> (low, high) drawn as an error bar, or None;
    flag(group, key) -> None, "failed" or "errors": a failed run gets a
    marker instead of a bar, a run with errors a hatched bar.
    Returns {(group, key): (x_centre, top)} for annotations.
    """
    bar_w = width / max(len(series), 1)
    placed = {}
    for group, key, colour, x, state, v in _slots(groups, series, value, flag, width):
        if state == "failed" or v is None:
            ax.plot([x], [0], marker="x", color=palette.FAILED, markersize=8, clip_on=False,
                    transform=ax.get_xaxis_transform(), zorder=4)
            ax.annotate("failed", (x, 0), xycoords=("data", "axes fraction"), xytext=(0, 8),
                        textcoords="offset points", rotation=90, ha="center", va="bottom",
                        fontsize=7.5, color=palette.FAILED)
            continue
        ax.bar(x, v, bar_w * 0.92, color=colour, edgecolor=palette.INK if state == "errors" else colour,
               hatch="///" if state == "errors" else None, linewidth=0.6, zorder=2)
        top = v
        lo_hi = spread(group, key) if spread else None
        if lo_hi and None not in lo_hi:
            lo, hi = lo_hi
            ax.errorbar(x, v, yerr=[[max(v - lo, 0)], [max(hi - v, 0)]], fmt="none", ecolor=palette.INK,
                        elinewidth=0.8, capsize=2, zorder=3)
            top = max(v, hi)
        placed[(group, key)] = (x, top)
    _group_axis(ax, groups)
    return placed


def _slots(groups, series, value, flag, width):
    """(group, key, colour, x, state, value) for every series a group has, the slots centred so
    that a missing series leaves no hole; state is flag(group, key) (None without flag)."""
    step = width / max(len(series), 1)
    for gi, group in enumerate(groups):
        present = [s for s in series if value(group, s[0]) is not None or (flag and flag(group, s[0]) == "failed")]
        for si, (key, _label, colour) in enumerate(present):
            x = gi - width / 2 + step * (si + 0.5) + (len(series) - len(present)) * step / 2
            yield group, key, colour, x, flag(group, key) if flag else None, value(group, key)


def _group_axis(ax, groups):
    """One tick per group; room for at least 3 groups, centred, so one or two models do not
    get a mark a panel wide."""
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(groups)
    half = max(len(groups), 3) / 2
    centre = (len(groups) - 1) / 2
    ax.set_xlim(centre - half - 0.1, centre + half + 0.1)


def no_data(ax, text="no successful run"):
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color=palette.GUIDE)
    ax.set_yticks([])


def readable_y(ax):
    """Plain tick labels (500, 1k, 20k) instead of 10^3 or 2x10^4, on linear and log axes."""
    if ax.get_yscale() == "log":
        # 1-2-5 steps when the axis spans few decades, so it still gets several labels.
        low, high = ax.get_ylim()
        few_decades = low > 0 and high / low < 1000
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0) if few_decades else (1.0,)))
        ax.yaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt.axis(v)))


def legend_handles(series, with_errors=False):
    handles = [Patch(facecolor=c, edgecolor=c, label=label) for _, label, c in series]
    if with_errors:
        handles.append(Patch(facecolor=palette.PAPER, edgecolor=palette.INK, hatch="///", label="run had errors"))
    return handles


def footnote(fig, text):
    fig.text(0.01, 0.01, text, fontsize=7.5, color=palette.TEXT, ha="left", va="bottom", wrap=True)


def finish(fig, title, note, legend=None, ncol=None):
    """Title on top, legend under it (in rows of ncol entries; default: one row), footnote at
    the bottom, panels in between."""
    fig.suptitle(title, fontsize=12, fontweight="bold", y=0.995)
    top = 0.95
    if legend:
        ncol = min(ncol or len(legend), len(legend))
        fig.legend(handles=legend, loc="upper center", ncol=ncol, frameon=False,
                   bbox_to_anchor=(0.5, 0.965))
        rows = -(-len(legend) // ncol)
        # Each extra legend row takes about 0.25 inch off the panels' top.
        top = 0.93 - (rows - 1) * 0.25 / fig.get_figheight()
    footnote(fig, note)
    height = fig.get_figheight()
    fig.tight_layout(rect=(0, 0.5 / height, 1, top))


def save(fig, charts_dir, stem):
    """Writes charts_dir/stem.svg and .png; returns the paths."""
    paths = []
    for kind in FORMATS:
        path = os.path.join(charts_dir, f"{stem}.{kind}")
        if kind == "png":
            files.save_figure(fig, path, kind, dpi=PNG_DPI)
        else:
            # No date in the SVG: regenerating unchanged results gives identical files.
            files.save_figure(fig, path, kind, metadata={"Date": None})
        paths.append(path)
    plt.close(fig)
    return paths


def grouped_points(ax, groups, series, value, spread=None, flag=None, width=0.8, markers=None, hollow=None):
    """Like grouped_bars, but a marker per value (with its error bar): right on log axes,
    where bars would have no base. markers(group, key) -> marker (default 'o');
    hollow(group, key) -> True draws a hollow marker (Python models).
    Returns {(group, key): (x_centre, top)}."""
    placed = {}
    for group, key, colour, x, state, v in _slots(groups, series, value, flag, width):
        if state == "failed" or v is None:
            ax.plot([x], [0.02], marker="x", color=palette.FAILED, markersize=8, clip_on=False,
                    transform=ax.get_xaxis_transform(), zorder=4)
            continue
        empty = hollow(group, key) if hollow else False
        ax.plot([x], [v], marker=markers(group, key) if markers else "o", markersize=7, linestyle="none",
                color=colour, markerfacecolor=palette.PAPER if empty or state == "errors" else colour,
                markeredgecolor=palette.INK if state == "errors" else colour, markeredgewidth=1.3, zorder=3)
        top = v
        lo_hi = spread(group, key) if spread else None
        if lo_hi and None not in lo_hi:
            lo, hi = lo_hi
            ax.errorbar(x, v, yerr=[[max(v - lo, 0)], [max(hi - v, 0)]], fmt="none", ecolor=colour,
                        elinewidth=0.9, capsize=2.5, zorder=2)
            top = max(v, hi)
        placed[(group, key)] = (x, top)
    _group_axis(ax, groups)
    ax.grid(True, axis="y", which="major", alpha=0.3)
    return placed


def offsets(n, spacing=0.03):
    """Small symmetric offsets for n lines sharing x positions (as fractions of the step)."""
    return [(i - (n - 1) / 2) * spacing for i in range(n)]


def language_divider(ax, names):
    """A dotted vertical line between the last C++ model and the first Python one (x positions
    are the indices of names, as grouped_points places them)."""
    langs = [models.get(n).is_python for n in names]
    for i in range(1, len(langs)):
        if langs[i] and not langs[i - 1]:
            ax.axvline(i - 0.5, color=palette.GUIDE, linestyle=":", linewidth=1.0, zorder=1)


def model_ticklabels(ax, names, conc=None):
    """x tick labels from the registry: 'asio_coro c:32', Python ones in italics with '(Python)'."""
    labels = []
    for name in names:
        m = models.get(name)
        c = conc(name) if conc else None
        # Concurrency and language on their own lines: long model names must not run into each other.
        labels.append(m.name + (f"\nc:{c}" if c is not None else "") + ("\n(Python)" if m.is_python else ""))
    ax.set_xticklabels(labels)
    for tick, name in zip(ax.get_xticklabels(), names):
        if models.get(name).is_python:
            tick.set_fontstyle("italic")


def model_handles(names):
    """Legend entries for the models drawn, in registry style (Python dashed, hollow)."""
    out = []
    for name in models.ordered(names):
        st = models.get(name).line_style()
        out.append(Line2D([], [], **st))
    return out


def concurrency_differs(runs, model_of):
    """True when the models in runs do not all run at one concurrency: then labels carry c:N."""
    return len({r.name.param("c") for r in runs if model_of(r)}) > 1


def spread_note(results, counter, what=None):
    """The footer's spread sentence, measured on this run: 'Spread in this run: CV of req/s
    between repetitions 7.4 % at the median benchmark, up to 23 %.' (replaces a fixed ±20 %)."""
    mid, top = stats.spread(results.runs, counter)
    if mid is None:
        return "Spread: one repetition, not measured."
    return (f"Spread in this run: CV of {what or counter} between repetitions {fmt.pct(mid)} at the median "
            f"benchmark, up to {fmt.pct(top)}.")


def ms_axis(ax, axis="y"):
    """Tick labels in ms for values plotted in ms (fmt.axis: 0.5, 1, 20, 1k)."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(lambda v, _pos: fmt.axis(v)))
