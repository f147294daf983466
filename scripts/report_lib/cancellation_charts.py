"""Charts of the cancellation scenario.

cancellation_timeline (the headline): one panel per way of awaiting the N
requests (headline configuration: a 500 among N = 10), the server's
completions and cancellations per 10 ms bucket from series.json (the last
repetition), with the caller's error time of that repetition as a dashed line.

cancellation_time_to_error: time to error per variant, mean with its 95 %
interval (points on a log axis), with the failing and slow delays drawn across.
"""
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from . import charts, fmt, palette
from . import cancellation_verdict as cv

COMPLETED, CANCELLED = palette.COMPLETED, palette.CANCELLED
VARIANTS = cv.PY_VARIANTS + cv.CPP_VARIANTS


def _note(results, extra):
    return "  ".join([
        f"Machine: {results.ctx('suite_machine', 'not recorded')}.",
        f"{results.repetitions_label or 'The'} repetitions{' (QUICK RUN)' if results.quick else ''}.",
        extra])


def timeline(results, charts_dir):
    runs = results.runs
    shown = [(v, cv.race_run(runs, v)) for v in VARIANTS]
    shown = [(v, r) for v, r in shown if r is not None]
    fig, axes = charts.figure(max(len(shown), 1), 1, width_per_col=10, height_per_row=1.6)
    slow = None
    # One scale for every panel, so bar heights compare across them.
    top = max([max((results.series(r.name.text, k) or [0]) + [1])
               for _v, r in shown for k in ("timeline_completed", "timeline_cancelled")] + [1])
    for (variant, run), ax in zip(shown, [row[0] for row in axes]):
        name = run.name.text
        done = results.series(name, "timeline_completed") or []
        cancelled = results.series(name, "timeline_cancelled") or []
        ax.set_title(cv.VARIANT_LABEL[variant], fontsize=9, loc="left")
        if run.failed or (not done and not cancelled):
            charts.no_data(ax, "skipped" if run.failed else "no timeline (mockd without one)")
            continue
        ax.bar([10 * i + 5 for i in range(len(done))], done, width=9, color=COMPLETED)
        ax.bar([10 * i + 5 for i in range(len(cancelled))], [-c for c in cancelled], width=9, color=CANCELLED)
        last = run.reps[-1] if run.reps else {}
        if isinstance(last.get("time_to_error_ms"), (int, float)):
            ax.axvline(last["time_to_error_ms"], color=palette.INK, linestyle="--", linewidth=1)
        slow = slow or last.get("slow_ms")
        ax.set_ylabel("per 10 ms", fontsize=8)
        ax.set_ylim(-top * 1.15, top * 1.15)
        ax.axhline(0, color=palette.GUIDE, linewidth=0.6)
        ax.yaxis.set_major_formatter(_abs_formatter())
    for row in axes:
        row[0].set_xlim(0, (slow or 300) * 1.25)
    axes[-1][0].set_xlabel("ms since the requests started (server clock, reset just before)")
    legend = [Patch(color=COMPLETED, label="completed by the server (up)"),
              Patch(color=CANCELLED, label="cancelled by the client (down)"),
              Line2D([0], [0], color=palette.INK, linestyle="--", label="the caller has its error")]
    charts.finish(fig, "When one of N requests fails: what the server goes on doing", _note(
        results, "mockd's timeline (10 ms buckets) of the last repetition; N = 10, request 0 answers 500 "
        "(the one early bar), the 9 others take the slow delay."),
        legend=legend)
    return charts.save(fig, charts_dir, "cancellation_timeline")


def _abs_formatter():
    from matplotlib.ticker import FuncFormatter
    return FuncFormatter(lambda v, _pos: fmt.axis(abs(v)))


def time_to_error(results, charts_dir):
    runs = results.runs
    fig, axes = charts.figure(1, 1, width_per_col=10, height_per_row=3.8)
    ax = axes[0][0]
    labels, fail, slow = [], None, None
    for x, variant in enumerate(VARIANTS):
        run = cv.race_run(runs, variant)
        labels.append(cv.VARIANT_LABEL[variant].replace(", ", ",\n"))
        ci = cv.time_ci(run) if run is not None else None
        if not ci or ci[0] is None:
            ax.plot([x], [0.03], marker="x", color=palette.FAILED, transform=ax.get_xaxis_transform(), clip_on=False)
            continue
        colour = COMPLETED if variant not in cv.CANCELS else CANCELLED
        ax.plot([x], [ci[0]], marker="o" if variant in cv.CPP_VARIANTS else "D", color=colour, markersize=8,
                linestyle="none", zorder=3, markerfacecolor=colour if variant in cv.CPP_VARIANTS else palette.PAPER)
        if ci[1] is not None:
            ax.errorbar(x, ci[0], yerr=[[max(ci[0] - ci[1], 0)], [max(ci[2] - ci[0], 0)]], fmt="none",
                        ecolor=colour, capsize=3)
        ax.annotate(f"{fmt.sig(ci[0])} ms", (x, ci[0]), xytext=(8, 0), textcoords="offset points", fontsize=8,
                    va="center")
        fail, slow = fail or run.median("fail_ms"), slow or run.median("slow_ms")
    ax.set_yscale("log")
    ax.set_ylim(10, 600)
    ax.set_yticks([10, 20, 50, 100, 200, 500])
    charts.ms_axis(ax)
    ax.set_ylabel("time to error, ms (log)")
    ax.set_xticks(range(len(VARIANTS)))
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_xlim(-0.5, len(VARIANTS) - 0.3)
    handles = []
    for value, style, text in ((fail, ":", "the failing request's delay"), (slow, "--", "the slow requests' delay")):
        if value:
            ax.axhline(value, color=palette.REFERENCE, linestyle=style, linewidth=1)
            handles.append(Line2D([0], [0], color=palette.REFERENCE, linestyle=style,
                                  label=f"{text}: {fmt.sig(value)} ms"))
    handles += [Line2D([0], [0], marker="D", color=palette.PAPER, markeredgecolor=palette.STAND_IN, linestyle="none",
                       label="Python (asyncio, aiohttp)"),
                Line2D([0], [0], marker="o", color=palette.STAND_IN, linestyle="none", label="C++ (Boost.Asio)"),
                Patch(color=CANCELLED, label="cancels the others"), Patch(color=COMPLETED, label="does not")]
    charts.finish(fig, "Time until the caller has its error (or all results)", _note(
        results, "Geometric mean over the repetitions with its 95 % interval; N = 10, request 0 answers 500. "
        + charts.spread_note(results, "time_to_error_ms", "time to error")), legend=handles, ncol=3)
    return charts.save(fig, charts_dir, "cancellation_time_to_error")


def write_all(results, charts_dir):
    """Draws every chart; returns {stem: [paths]} in page order."""
    return {"cancellation_timeline": timeline(results, charts_dir),
            "cancellation_time_to_error": time_to_error(results, charts_dir)}
