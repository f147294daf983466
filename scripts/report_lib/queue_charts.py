"""Charts of the queue scenario:
- queue_depth (the headline): depth (top row) and resident memory (bottom
  row) over the last repetition, unbounded and bounded, C++ left and Python
  right, maxsize dashed; from series.json;
- queue_latency: p50 and p99 latency per item (points, log axis), and the
  producer's and the consumers' rates per run (bars, linear axis).

Bounded and unbounded are meaning colours (palette.py), as on the streams and
limits pages: bounded teal, unbounded maroon.
"""
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from . import charts, fmt, palette
from . import queue as page_module
from . import queue_verdict as qv

COLOUR = {False: palette.UNBOUNDED, True: palette.BOUNDED}
LABEL = {False: "unbounded", True: "bounded"}


def _note(results, extra):
    ctx = results.ctx
    return "  ".join([
        f"Machine: {ctx('suite_machine', 'not recorded')}.",
        extra + (" QUICK RUN: fewer items." if results.quick else ""),
        charts.spread_note(results, "max_depth", "peak depth")])


def depth(results, charts_dir):
    runs = results.runs
    langs = [lang for lang in qv.LANGUAGES if qv.find(runs, lang, False) or qv.find(runs, lang, True)]
    fig, axes = charts.figure(2, max(len(langs), 1), width_per_col=5.6, height_per_row=3.2)
    for col, lang in enumerate(langs):
        top, bottom = axes[0][col], axes[1][col]
        drawn = False
        for bounded in (False, True):
            run = qv.find(runs, lang, bounded)
            if run is None or run.failed:
                continue
            name = run.name.text
            t = page_module.series(results, name, "t_ms")
            d = page_module.series(results, name, "depth")
            rss = page_module.series(results, name, "rss_mb")
            if not t or not d:
                continue
            secs = [x / 1e3 for x in t]
            top.plot(secs, d, color=COLOUR[bounded], linewidth=1.4)
            if rss:
                bottom.plot(secs, rss, color=COLOUR[bounded], linewidth=1.4)
            if bounded:
                top.axhline(qv.key(run).maxsize, color=palette.REFERENCE, linestyle="--", linewidth=0.9)
            drawn = True
        if not drawn:
            charts.no_data(top, "no series (series.json missing or the runs failed)")
        top.set_title(f"{qv.LANGUAGE_LABEL[lang]}: queue depth")
        top.set_ylabel("items in the queue")
        top.set_ylim(bottom=0)
        bottom.set_title(f"{qv.LANGUAGE_LABEL[lang]}: resident memory")
        bottom.set_ylabel("RSS, MiB")
        bottom.set_xlabel("time since the start, s")
        for ax in (top, bottom):
            ax.set_xlim(left=0)
            ax.grid(True, axis="both", alpha=0.3)
    legend = [Line2D([], [], color=COLOUR[False], label="unbounded"),
              Line2D([], [], color=COLOUR[True], label="bounded"),
              Line2D([], [], color=palette.REFERENCE, linestyle="--", label="maxsize")]
    charts.finish(fig, "A producer faster than its consumers: depth and memory over time", _note(
        results, "One repetition (the last) of each benchmark, sampled every 10 ms."), legend)
    return charts.save(fig, charts_dir, "queue_depth")


def latency(results, charts_dir):
    runs = [r for r in results.runs if not r.failed]
    fig, axes = charts.figure(1, 2, width_per_col=5.6, height_per_row=4.0)
    left, right = axes[0]
    labels = []
    values = []
    for x, r in enumerate(runs):
        k = qv.key(r)
        labels.append(f"{k.impl}\n{LABEL[k.bounded]}")
        for p, marker in (("p50_ms", "o"), ("p99_ms", "^")):
            v = r.median(p)
            if v:
                left.plot([x], [v], marker=marker, color=COLOUR[k.bounded], linestyle="none", markersize=8)
                left.annotate(fmt.sig(v), (x, v), xytext=(7, 0), textcoords="offset points", fontsize=7.5,
                              va="center")
                values.append(v)
        prod, cons = r.median("producer_items_per_s"), r.median("consumer_items_per_s")
        if prod is not None and cons is not None:
            right.bar(x - 0.2, prod, width=0.4, color=COLOUR[k.bounded], alpha=0.9)
            right.bar(x + 0.2, cons, width=0.4, color=COLOUR[k.bounded], alpha=0.45, hatch="//")
    for ax in (left, right):
        ax.set_xticks(range(len(runs)))
        ax.set_xticklabels(labels)
        ax.set_xlim(-0.6, max(len(runs), 1) - 0.4)
    if values:
        left.set_yscale("log")
        left.set_ylim(min(values) / 2, max(values) * 3)
        charts.readable_y(left)
    left.set_ylabel("latency per item, ms (log)")
    left.set_title("Latency per item: made → consumed")
    right.set_ylabel("items/s")
    right.set_title("Producer's rate against the consumers' rate")
    legend = [Line2D([], [], color=palette.STAND_IN, marker="o", linestyle="none", label="p50"),
              Line2D([], [], color=palette.STAND_IN, marker="^", linestyle="none", label="p99"),
              Line2D([], [], color=COLOUR[False], linewidth=6, label="unbounded"),
              Line2D([], [], color=COLOUR[True], linewidth=6, label="bounded"),
              Patch(facecolor=palette.STAND_IN, alpha=0.9, label="producer items/s"),
              Patch(facecolor=palette.STAND_IN, alpha=0.45, hatch="//", label="consumer items/s")]
    charts.finish(fig, "Latency per item and the two rates, unbounded and bounded", _note(
        results, "Medians over the repetitions."), legend, ncol=6)
    return charts.save(fig, charts_dir, "queue_latency")


def write_all(results, charts_dir):
    """Draws every chart; returns {stem: [paths]} in page order."""
    return {"queue_depth": depth(results, charts_dir), "queue_latency": latency(results, charts_dir)}
