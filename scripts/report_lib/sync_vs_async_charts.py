"""Charts of claim C4 (sync vs async), measured points only (nothing
extrapolated), Python marked apart from C++ (dashed lines, hollow markers,
"[Python]" in the labels; models.py):

- sync_vs_async_headline: every series at the headline K (the largest K where
  a single-thread pair was measured), one row each, log x axis in ms: points
  (each repetition small, the median large, with its value), never bars.
- sync_vs_async_wall: wall time vs K, log-log, with the ideals K x L and L;
  series that coincide are told apart by markers and small x offsets.
- sync_vs_async_memory: each run's own memory vs requests in flight, linear
  axes (the slope is rss_per_inflight_kib).
- sync_vs_async_resources: threads created and server peak connections vs
  K, both panels log-log.

Legends list only the series drawn; a failed run is a cross, a run with
failed requests a ring, both in palette.FAILED (dark red, no model's red).
"""
import math
import textwrap

from matplotlib.lines import Line2D

from . import charts, fmt, models, palette
from . import sync_vs_async_verdict as sv


def _style(s, big=True):
    st = {"color": s.colour, "marker": s.style_marker, "markersize": 7 if big else 4, "linewidth": 1.6}
    if s.is_python:
        st.update(linestyle="--", markerfacecolor=palette.PAPER, markeredgecolor=s.colour, markeredgewidth=1.4)
    else:
        st.update(linestyle="-")
    if s.mode == "sequential_nopool":
        # Same model, same colour as its one-Session series, and the same K × L: dotted tells them apart.
        st.update(linestyle=":")
    return st


def _handle(runs, s):
    return Line2D([], [], label=s.label(sv.c_of(runs, s)), **_style(s))


# Footer characters per line: every chart here is at least 10 inches wide, and a 7.5 pt line of
# this length ends well before the right edge (matplotlib's own wrapping let it touch the edge).
FOOTER_WIDTH = 140


def _note(results, extra=""):
    ctx = results.ctx
    return textwrap.fill("  ".join([
        f"Machine: {ctx('suite_machine', 'not recorded')}.",
        f"Medians of {results.repetitions_label or 'the'} repetitions{' (quick run)' if results.quick else ''}.",
        charts.spread_note(results, "wall_ms", "wall time"), extra, "Loopback, one machine."]), FOOTER_WIDTH)


def _failed(ax, xs):
    for x in xs:
        ax.plot([x], [0.02], marker="x", color=palette.FAILED, markersize=9, transform=ax.get_xaxis_transform(),
                clip_on=False, zorder=5)


def _with_errors(ax, points):
    for x, y in points:
        ax.plot([x], [y], marker="o", markersize=15, markerfacecolor="none", markeredgecolor=palette.FAILED,
                markeredgewidth=1.5, linestyle="none", zorder=6)


def _extras(any_failed, any_errors):
    out = []
    if any_failed:
        out.append(Line2D([], [], color=palette.FAILED, marker="x", linestyle="none", label="run failed"))
    if any_errors:
        out.append(Line2D([], [], marker="o", markerfacecolor="none", markeredgecolor=palette.FAILED, linestyle="none",
                          label="run had failed requests"))
    return out


def _log_k(ax, ks, label="K (URLs fetched, each delayed L ms)"):
    ax.set_xscale("log")
    ax.set_xticks(ks)
    ax.set_xticklabels([fmt.axis(k) for k in ks])
    ax.minorticks_off()
    ax.set_xlabel(label)
    ax.grid(True, axis="both", alpha=0.3)


def _offset(i, n, decades=0.007):
    """A multiplicative x offset on a log axis, so series at the same K stay apart."""
    return 10 ** ((i - (n - 1) / 2) * decades)


# Offsets on the wall chart, in decades between neighbours: the one-by-one series all sit on
# K × L and the all-at-once ones near L at small K, so a marker's width apart within each group.
WALL_OFFSET_DECADES = 0.06


def _wall_offsets(present):
    """{series id: x factor}: the sequential series spread around K, the others likewise."""
    out = {}
    for group in ([s for s in present if s.sequential], [s for s in present if not s.sequential]):
        for i, s in enumerate(group):
            out[s.id] = _offset(i, len(group), WALL_OFFSET_DECADES)
    return out


def headline_k(runs):
    v = sv.decide(runs)
    if v.pairs:
        return max(p.k for p in v.pairs)
    ks = sv.ks(runs)
    return ks[-1] if ks else None


def headline_chart(results, charts_dir):
    runs = results.runs
    L, k = sv.delay_of(runs), headline_k(runs)
    index = sv.index(runs)
    rows = [s for s in sv.series_present(runs) if index.get((s.id, k)) is not None]
    fig, axes = charts.figure(1, 1, width_per_col=12, height_per_row=0.5 * max(len(rows), 3) + 1.6)
    ax = axes[0][0]
    ax.set_xscale("log")
    drawn, failed, errors = [], False, False
    for i, s in enumerate(rows):
        y = len(rows) - 1 - i
        run = index[(s.id, k)]
        if run.failed:
            ax.plot([0.02], [y], marker="x", color=palette.FAILED, markersize=9, transform=ax.get_yaxis_transform())
            failed = True
            continue
        st = _style(s)
        st.pop("linestyle")
        ax.plot(run.values("wall_ms"), [y] * len(run.values("wall_ms")), linestyle="none", alpha=0.6,
                **dict(st, markersize=4))
        w = run.median("wall_ms")
        ax.plot([w], [y], linestyle="none", **dict(st, markersize=10))
        ax.annotate(fmt.ms(w * 1000), (w, y), xytext=(9, 0), textcoords="offset points", va="center", fontsize=8)
        if run.errors:
            _with_errors(ax, [(w, y)])
            errors = True
        drawn.append(s)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([s.label(sv.c_of(runs, s)) for s in reversed(rows)], fontsize=8)
    for tick, s in zip(ax.get_yticklabels(), reversed(rows)):
        if s.is_python:
            tick.set_fontstyle("italic")
    if L is not None and k:
        ax.axvline(k * L, color=palette.REFERENCE, linestyle="--", linewidth=1)
        ax.axvline(L, color=palette.REFERENCE, linestyle=":", linewidth=1)
        ax.annotate(f"K × L = {fmt.ms(k * L * 1000)}", (k * L, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(-4, -2), textcoords="offset points", ha="right", va="top", fontsize=8,
                    color=palette.REFERENCE)
        ax.annotate(f"L = {fmt.ms(L * 1000)}", (L, 1.0), xycoords=("data", "axes fraction"), xytext=(4, -2),
                    textcoords="offset points", ha="left", va="top", fontsize=8, color=palette.REFERENCE)
        lo = min([L] + [v for s in drawn for v in index[(s.id, k)].values("wall_ms")])
        hi = max([k * L] + [v for s in drawn for v in index[(s.id, k)].values("wall_ms")])
        ax.set_xlim(lo / 1.5, hi * 3)
    charts.ms_axis(ax, "x")
    ax.set_xlabel("wall time of the run, ms (log); small points: repetitions, large: median")
    ax.grid(True, axis="x", alpha=0.3)
    ax.grid(False, axis="y")
    ax.set_ylim(-0.7, len(rows) - 0.3)
    legend = [Line2D([], [], color=palette.STAND_IN, marker="o", linestyle="-", label="C++"),
              Line2D([], [], color=palette.STAND_IN, marker="o", markerfacecolor=palette.PAPER, linestyle="--",
                     label="Python (italic labels)")] if any(s.is_python for s in drawn) else []
    legend += _extras(failed, errors)
    charts.finish(fig, f"C4: K = {fmt.count(k)} URLs of L = {fmt.param(L)} ms, one by one vs all at once",
                  _note(results, "c = concurrency (all = every request at once)."), legend=legend or None)
    return charts.save(fig, charts_dir, "sync_vs_async_headline")


def wall_chart(results, charts_dir):
    runs = results.runs
    L, ks = sv.delay_of(runs), sv.ks(runs)
    index = sv.index(runs)
    fig, axes = charts.figure(1, 1, width_per_col=14, height_per_row=5.6)
    ax = axes[0][0]
    present = sv.series_present(runs)
    handles, failed, errors = [], False, False
    offsets = _wall_offsets(present)
    for s in present:
        off = offsets[s.id]
        pts, bad = [], []
        for k in ks:
            run = index.get((s.id, k))
            if run is None:
                continue
            if run.failed:
                bad.append(k * off)
            else:
                pts.append((k * off, run.median("wall_ms"), run))
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], zorder=3, **_style(s))
            handles.append(_handle(runs, s))
        _failed(ax, bad)
        failed |= bool(bad)
        errs = [(x, y) for x, y, r in pts if r.errors]
        _with_errors(ax, errs)
        errors |= bool(errs)
    if L is not None and ks:
        ax.plot(ks, [k * L for k in ks], color=palette.REFERENCE, linestyle="--", linewidth=1, zorder=1)
        ax.plot(ks, [L for _ in ks], color=palette.REFERENCE, linestyle=":", linewidth=1, zorder=1)
        handles += [Line2D([], [], color=palette.REFERENCE, linestyle="--", label="K × L (one by one, ideal)"),
                    Line2D([], [], color=palette.REFERENCE, linestyle=":", label="L (all at once, ideal)")]
    _log_k(ax, ks)
    ax.set_yscale("log")
    charts.readable_y(ax)
    ax.set_ylabel("wall time of the run, ms (log)")
    ax.set_title(f"Fetching K URLs that each take L = {fmt.param(L)} ms (measured runs only)")
    # Beside the axes, not over them: the one-by-one lines run through the upper left.
    ax.legend(handles=handles + _extras(failed, errors), loc="upper left", bbox_to_anchor=(1.01, 1.0),
              fontsize=7.5, frameon=False)
    charts.finish(fig, "C4: one by one takes K × L, all at once about L",
                  _note(results, "Points at one K are shifted apart so none hides another (the one-by-one "
                                 "series all lie on K × L); c = concurrency (all = every request at once)."),
                  legend=None)
    return charts.save(fig, charts_dir, "sync_vs_async_wall")


def memory_chart(results, charts_dir):
    runs = results.runs
    fig, axes = charts.figure(1, 1, width_per_col=14, height_per_row=5.2)
    ax = axes[0][0]
    handles = []
    for s in sv.series_present(runs):
        # Python's memory is its child's whole peak RSS, flat to within noise: no slope to draw.
        if s.sequential or s.is_python:
            continue
        pts = []
        for k in sv.ks(runs):
            r = sv.clean(runs, s.id, k)
            n, mb = sv.in_flight(r), sv.memory_mb(r)
            if n is not None and mb is not None:
                pts.append((n, mb))
        if len(pts) < 2:
            continue
        # Above the series' own smallest-K run: every series starts from one base; the slopes are
        # unchanged.
        pts = [(n, mb - pts[0][1]) for n, mb in pts]
        slope = sv.memory_slope(runs, s)
        ax.plot([p[0] for p in pts], [p[1] for p in pts], zorder=3, **_style(s))
        label = s.label(sv.c_of(runs, s))
        if slope is not None and slope.sound:
            label += f": {fmt.sig(slope.rss_per_inflight_kib)} KiB per request in flight"
        elif slope is not None:
            label += ": within the noise, no figure"
        handles.append(Line2D([], [], label=label, **_style(s)))
    if not handles:
        charts.no_data(ax, "no concurrent series ran error-free at two K")
    ax.set_xlabel("requests in flight at once (the server's peak of open connections)")
    ax.set_ylabel("memory above the series' smallest-K run, MiB")
    ax.set_xlim(left=0)
    charts.readable_y(ax)
    ax.grid(True, axis="both", alpha=0.3)
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7.5, frameon=False)
    charts.finish(fig, "C4: memory per request in flight, C++ (slope between the two largest in-flight counts)",
                  _note(results, "Linear axes: the slope is the cost of one more request in flight. Memory: the "
                                 "run's growth above its start (rss_growth_mb) minus the same series' figure at its "
                                 "smallest K. Python is not drawn: its child's peak RSS, interpreter included, is "
                                 "flat to within noise (memory per task: the tasks scenario)."), legend=None)
    return charts.save(fig, charts_dir, "sync_vs_async_memory")


def resources_chart(results, charts_dir):
    runs = results.runs
    ks = sv.ks(runs)
    index = sv.index(runs)
    present = sv.series_present(runs)
    panels = [("threads_created", "threads created (log)"), ("conns_peak", "server: peak open connections (log)")]
    fig, axes = charts.figure(1, 2, width_per_col=5.6, height_per_row=4.4)
    drawn, failed, errors = set(), False, False
    for (counter, title), ax in zip(panels, axes[0]):
        for i, s in enumerate(present):
            # Wider apart than on the wall chart: several series sit on 1 thread, 1 connection.
            off = _offset(i, len(present), 0.014)
            xs, ys, bad = [], [], []
            for k in ks:
                run = index.get((s.id, k))
                if run is None:
                    continue
                if run.failed:
                    bad.append(k * off)
                    continue
                v = run.median(counter)
                if v is not None and v > 0:
                    xs.append(k * off)
                    ys.append(v)
                    if run.errors:
                        _with_errors(ax, [(k * off, v)])
                        errors = True
            if xs:
                ax.plot(xs, ys, **_style(s))
                drawn.add(s)
            _failed(ax, bad)
            failed |= bool(bad)
        _log_k(ax, ks)
        ax.set_yscale("log")
        charts.readable_y(ax)
        ax.set_title(title)
    handles = [_handle(runs, s) for s in present if s in drawn] + _extras(failed, errors)
    fig.suptitle("C4: what concurrency costs: threads and connections", fontsize=12, fontweight="bold", y=0.995)
    fig.legend(handles=handles, loc="upper center", ncol=2, frameon=False, fontsize=7.5,
               bbox_to_anchor=(0.5, 0.955))
    charts.footnote(fig, _note(results, "Points at one K are shifted slightly sideways so none hides "
                                        "another; values are not shifted."))
    rows = math.ceil(len(handles) / 2)
    fig.tight_layout(rect=(0, 0.5 / fig.get_figheight(), 1, 0.93 - 0.035 * rows))
    return charts.save(fig, charts_dir, "sync_vs_async_resources")


def write_all(results, charts_dir):
    """Returns {stem: [paths]} of the charts written. Without a concurrent C++ series measured at two K
    (a default run) there is no memory chart: the page's memory section says why."""
    out = {"sync_vs_async_headline": headline_chart(results, charts_dir),
           "sync_vs_async_wall": wall_chart(results, charts_dir)}
    if sv.memory_sweep_measured(results.runs):
        out["sync_vs_async_memory"] = memory_chart(results, charts_dir)
    out["sync_vs_async_resources"] = resources_chart(results, charts_dir)
    return out
