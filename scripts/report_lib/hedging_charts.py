"""Charts of the hedging scenario:
- hedging_p99 (the headline): p99 latency against the hedge delay, per model,
  with the 95 % interval over the repetitions (left), and the load, server
  requests per client request, on its own panel (right). The hedge delays are
  categories in growing order, `never` last (no second copy: an infinite
  delay).
- hedging_first_completed: wait(FIRST_COMPLETED) over three requests: time to
  the first answer and until all had ended (left), and mockd's count of
  completed and cancelled requests (right), per model and pending mode.

Models take their colour and marker from models.py (Python dashed and
hollow); what mockd did with a request (completed, cancelled) takes its
meaning colour from palette.py; the footer gives this run's spread.
"""
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from . import charts, fmt, models, palette, stats
from . import hedging_verdict as hv


def _note(results, extra, counter="p99_ms", what="p99"):
    ctx = results.ctx
    return "  ".join([
        f"Machine: {ctx('suite_machine', 'not recorded')}.",
        f"Medians of {results.repetitions_label or 'the'} repetitions"
        f"{' (QUICK RUN: few requests)' if results.quick else ''}; error bars: 95 % CI over the repetitions.",
        extra, charts.spread_note(results, counter, what)])


def _tick(runs, hedge):
    ms = next((r.median("hedge_ms") for r in runs
               if hv.key(r).kind == "hedged" and hv.key(r).hedge == hedge and not r.failed and r.median("hedge_ms")),
              None)
    return hedge if ms is None else f"{hedge}\n{fmt.compact(ms)} ms"


def p99_chart(results, charts_dir):
    runs = results.runs
    fig, axes = charts.figure(1, 2, width_per_col=5.6, height_per_row=4.0)
    left, right = axes[0]
    names = hv.models_of(runs)
    hedges = [h for h in hv.HEDGES if any(h in hv.hedges_of(runs, m) for m in names)]
    shift = dict(zip(names, charts.offsets(len(names), spacing=0.08)))
    drawn = []
    loads, values = [], []
    for model in names:
        style = models.get(model).line_style()
        # Python's labels below-left of its points, C++'s above-right: they stay apart where the lines meet.
        place = dict(xytext=(-6, -11), ha="right") if models.get(model).is_python else dict(xytext=(6, 2))
        xs, p99s, lo_hi, xl, ls = [], [], [], [], []
        for x, h in enumerate(hedges):
            r = hv.hedged_run(runs, model, h)
            if r is None or r.failed or r.median("p99_ms") is None:
                continue
            est, lo, hi = stats.ratio_ci(r.values("p99_ms"))
            xs.append(x + shift[model])
            p99s.append(r.median("p99_ms"))
            lo_hi.append((lo, hi))
            load = r.median("load")
            if load is not None:
                xl.append(x + shift[model])
                ls.append(load)
        if not xs:
            continue
        drawn.append(model)
        left.plot(xs, p99s, **style)
        for x, y, (lo, hi) in zip(xs, p99s, lo_hi):
            if lo is not None and hi is not None:
                left.errorbar(x, y, yerr=[[max(y - lo, 0)], [max(hi - y, 0)]], fmt="none",
                              ecolor=style.get("color"), elinewidth=0.9, capsize=2.5)
            left.annotate(fmt.compact(y), (x, y), textcoords="offset points", fontsize=7.5, **place)
            values += [v for v in (y, lo, hi) if v is not None]
        right.plot(xl, ls, **style)
        for x, y in zip(xl, ls):
            right.annotate(fmt.times(y), (x, y), textcoords="offset points", fontsize=7.5, **place)
        loads += ls
    for ax in (left, right):
        ax.set_xticks(range(len(hedges)))
        ax.set_xticklabels([_tick(runs, h) for h in hedges])
        ax.set_xlabel("hedge delay (quantile of the server's delay distribution)")
        ax.set_xlim(-0.5, max(len(hedges), 1) - 0.5)
    server_p99 = next((r.median("dist_p99_ms") for r in runs if hv.key(r).kind == "hedged" and not r.failed
                       and r.median("dist_p99_ms")), None)
    if server_p99:
        left.axhline(server_p99, color=palette.REFERENCE, linestyle="--", linewidth=0.9, zorder=1)
        values.append(server_p99)
    if charts.needs_log(values):
        left.set_yscale("log")
        charts.readable_y(left)
        charts.ms_axis(left)
    else:
        left.set_ylim(bottom=0)
    left.set_ylabel("p99 latency, ms")
    left.set_title("p99 latency")
    right.set_ylabel("server requests ÷ client requests")
    right.set_ylim(0.9, max(loads + [1.2]) * 1.08)
    right.axhline(1.0, color=palette.REFERENCE, linewidth=0.9, zorder=1)
    right.set_title("load")
    if not drawn:
        charts.no_data(left)
    legend = [Line2D([], [], **models.get(m).line_style()) for m in drawn]
    if server_p99:
        legend.append(Line2D([], [], color=palette.REFERENCE, linestyle="--", label="the server's own p99 delay"))
    left_out = hv.sweep_left_out(runs)
    charts.finish(fig, "Hedged requests: p99 latency and load against the hedge delay", _note(
        results, "Server: lognormal delays; a second copy after the hedge delay, first answer wins, the other "
                 "cancelled; load from mockd's requests_started."
                 + (f" Not measured in this run (the default grid): {', '.join(left_out)}; the reference sweeps "
                    f"every hedge delay." if left_out else "")), legend)
    return charts.save(fig, charts_dir, "hedging_p99")


KEPT_COLOUR, CANCELLED_COLOUR = palette.COMPLETED, palette.CANCELLED


def first_completed_chart(results, charts_dir):
    runs = results.runs
    fig, axes = charts.figure(1, 2, width_per_col=5.6, height_per_row=4.0)
    left, right = axes[0]
    slots = [(m, p) for m in hv.models_of(runs, "first_completed") for p in ("kept", "cancelled")
             if hv.first_run(runs, m, p) is not None]
    labels = []
    fastest = None
    first = [r for r in runs if hv.key(r).kind == "first_completed" and not r.failed]
    hosts = ", ".join(fmt.compact(next((r.median(c) for r in first if r.median(c) is not None), None))
                      for c in ("fastest_delay_ms", "middle_delay_ms", "slowest_delay_ms"))
    for x, (model, pending) in enumerate(slots):
        r = hv.first_run(runs, model, pending)
        m = models.get(model)
        labels.append(f"{model}\npending:{pending}" + ("\n(Python)" if m.is_python else ""))
        if r.failed:
            for ax in (left, right):
                ax.plot([x], [0.03], marker="x", color=palette.FAILED, markersize=8, clip_on=False,
                        transform=ax.get_xaxis_transform())
            continue
        fastest = r.median("fastest_delay_ms") or fastest
        first, settled = r.median("first_ms"), r.median("all_done_ms")
        hatch = "//" if m.is_python else None
        left.bar(x - 0.18, first, width=0.34, color=m.colour, hatch=hatch, edgecolor=palette.INK, linewidth=0.5)
        left.bar(x + 0.18, settled, width=0.34, color=palette.PAPER, hatch=hatch, edgecolor=m.colour, linewidth=1.2)
        for dx, y in ((-0.18, first), (0.18, settled)):
            left.annotate(fmt.compact(y), (x + dx, y), xytext=(0, 2), textcoords="offset points", ha="center",
                          fontsize=7.5)
        completed, cancelled = r.median("server_completed") or 0, r.median("server_cancelled") or 0
        right.bar(x, completed, width=0.5, color=KEPT_COLOUR, hatch=hatch, edgecolor=palette.INK, linewidth=0.5)
        right.bar(x, cancelled, width=0.5, bottom=completed, color=CANCELLED_COLOUR, hatch=hatch,
                  edgecolor=palette.INK, linewidth=0.5)
        right.plot([x + 0.32], [r.median("pending")], marker="<", color=palette.INK, linestyle="none")
        right.annotate(f"{fmt.count(completed)} + {fmt.count(cancelled)}", (x, completed + cancelled),
                       xytext=(0, 2), textcoords="offset points", ha="center", fontsize=7.5)
    for ax in (left, right):
        ax.set_xticks(range(len(slots)))
        ax.set_xticklabels(labels)
        if not slots:
            charts.no_data(ax)
    if fastest:
        left.axhline(fastest, color=palette.REFERENCE, linestyle="--", linewidth=0.9)
    for ax in (left, right):
        top = max([b.get_height() + b.get_y() for b in ax.patches] or [1])
        ax.set_ylim(0, top * 1.15)
    left.set_ylabel("ms (median over the repetitions)")
    left.set_title("time to the first answer, and until all ended")
    right.set_ylabel("requests per repetition")
    right.set_title("what mockd did with them")
    legend = [Patch(facecolor=palette.STAND_IN, edgecolor=palette.INK, label="first answer"),
              Patch(facecolor=palette.PAPER, edgecolor=palette.STAND_IN, label="all ended"),
              Line2D([], [], color=palette.REFERENCE, linestyle="--", label="fastest host's delay"),
              Patch(facecolor=KEPT_COLOUR, label="completed at mockd"),
              Patch(facecolor=CANCELLED_COLOUR, label="cancelled at mockd"),
              Line2D([], [], marker="<", color=palette.INK, linestyle="none", label="pending when the first came"),
              Patch(facecolor=palette.PAPER, edgecolor=palette.STAND_IN, hatch="//", label="Python")]
    charts.finish(fig, "asyncio.wait(FIRST_COMPLETED) over three requests: the others keep running unless "
                       "cancelled", _note(results, f"Hosts: {hosts} ms on one mockd.", "first_ms", "the time to the first answer"),
                  legend, ncol=4)
    return charts.save(fig, charts_dir, "hedging_first_completed")


def write_all(results, charts_dir):
    """Draws every chart; returns {stem: [paths]} in page order."""
    return {"hedging_p99": p99_chart(results, charts_dir),
            "hedging_first_completed": first_completed_chart(results, charts_dir)}
