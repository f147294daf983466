"""Charts of claim C4 (sync vs async): wall time vs K (log-log) with the ideal
lines K x L and L (the headline, sync_vs_async_wall), and the resources
(peak RSS, threads created, server-side peak connections) vs K
(sync_vs_async_resources). Extrapolated points are hollow markers on dashed
lines, never drawn like measured ones; a failed run is a red cross.
"""
from matplotlib.lines import Line2D

from . import charts, fmt
from . import sync_vs_async_verdict as sv


def _style(runs, s):
    """Concentric markers, larger for earlier series, so series that coincide
    (the two sequential ones on K x L; four series at one thread) all stay visible."""
    order = sv.series_present(runs).index(s)
    return {"color": s.colour, "marker": "o", "markersize": 14 - 1.8 * order, "markeredgecolor": "white",
            "markeredgewidth": 0.8, "linewidth": 4.5 - 0.6 * order}


def _note(results, extra=""):
    ctx = results.ctx
    return "  ".join([
        f"Machine: {ctx('suite_machine', 'not recorded')}.",
        f"Server: {ctx('suite_server', 'not recorded')}.",
        f"Medians of {results.repetitions or 'the'} repetitions{' (quick run)' if results.quick else ''}. {extra}",
        "Loopback, one machine."])


def _legend(runs, with_ideal):
    handles = [Line2D([], [], color=s.colour, marker="o", label=s.label) for s in sv.series_present(runs)]
    if with_ideal:
        handles += [Line2D([], [], color="#555555", linestyle="--", label="K × L (one by one)"),
                    Line2D([], [], color="#555555", linestyle=":", label="L (all at once)"),
                    Line2D([], [], color="#777777", marker="o", markerfacecolor="white", linestyle="--",
                           label="extrapolated, not measured")]
    handles.append(Line2D([], [], color="crimson", marker="x", linestyle="none", label="run failed"))
    handles.append(Line2D([], [], marker="o", markerfacecolor="none", markeredgecolor="crimson", linestyle="none",
                          label="run had failed requests"))
    return handles


def _log_x(ax, ks):
    ax.set_xscale("log")
    ax.set_xticks(ks)
    ax.set_xticklabels([fmt.axis(k) for k in ks])
    ax.minorticks_off()
    ax.set_xlabel("K (URLs fetched, each delayed L ms)")
    ax.grid(True, axis="both", alpha=0.3)


def _failed(ax, ks_failed):
    for k in ks_failed:
        ax.plot([k], [0.02], marker="x", color="crimson", markersize=9, transform=ax.get_xaxis_transform(),
                clip_on=False, zorder=5)


def _with_errors(ax, points):
    """A red ring around a measured point whose run had failed requests."""
    for k, v in points:
        ax.plot([k], [v], marker="o", markersize=18, markerfacecolor="none", markeredgecolor="crimson",
                markeredgewidth=1.5, linestyle="none", zorder=6)


def wall_chart(results, charts_dir):
    runs = results.runs
    L, ks = sv.delay_of(runs), sv.ks(runs)
    fig, axes = charts.figure(1, 1, width_per_col=10, height_per_row=5.6)
    ax = axes[0][0]
    pts = sv.points(runs)
    for s in sv.series_present(runs):
        mine = [p for p in pts if p.series == s]
        measured = [p for p in mine if not p.extrapolated and p.wall_ms is not None]
        ax.plot([p.k for p in measured], [p.wall_ms for p in measured], zorder=3, **_style(runs, s))
        extra = [p for p in mine if p.extrapolated]
        if extra:
            # Joined to the last measured point by a dashed segment.
            chain = ([measured[-1]] if measured else []) + extra
            ax.plot([p.k for p in chain], [p.wall_ms for p in chain], color=s.colour, linestyle="--",
                    alpha=0.8, zorder=2)
            style = dict(_style(runs, s), markeredgecolor=s.colour, markeredgewidth=1.5)
            ax.plot([p.k for p in extra], [p.wall_ms for p in extra], markerfacecolor="white",
                    linestyle="none", zorder=3, **style)
        _failed(ax, [p.k for p in mine if not p.extrapolated and p.wall_ms is None])
        _with_errors(ax, [(p.k, p.wall_ms) for p in measured if p.run is not None and p.run.errors])
    if L is not None and ks:
        ax.plot(ks, [k * L for k in ks], color="#555555", linestyle="--", linewidth=1, zorder=1)
        ax.plot(ks, [L for _ in ks], color="#555555", linestyle=":", linewidth=1, zorder=1)
    _log_x(ax, ks)
    ax.set_yscale("log")
    charts.readable_y(ax)
    ax.set_ylabel("wall time of the run, ms (log)")
    ax.set_title(f"Fetching K URLs that each take L = {fmt.param(L)} ms")
    charts.finish(fig, "C4: sequential takes K × L, concurrent takes about L",
                  _note(results, "Hollow markers: extrapolated ideal (K × L; ceil(K/32) × L for the pool), not "
                                 "measured."),
                  legend=None)
    ax.legend(handles=_legend(runs, True), loc="upper left", fontsize=8, frameon=True, framealpha=0.9)
    return charts.save(fig, charts_dir, "sync_vs_async_wall")


def resources_chart(results, charts_dir):
    runs = results.runs
    ks = sv.ks(runs)
    idx = sv.index(runs)
    panels = [("rss_growth_mb", "client memory: peak RSS above the run's start, MiB", False),
              ("threads_created", "threads created (log)", True),
              ("conns_peak", "server: peak open connections (log)", True)]
    fig, axes = charts.figure(1, 3, width_per_col=4.6, height_per_row=4.2)
    for (counter, title, log), ax in zip(panels, axes[0]):
        for s in sv.series_present(runs):
            xs, ys, failed = [], [], []
            for k in ks:
                run = idx.get((s.id, k))
                if run is None:
                    continue
                if run.failed:
                    failed.append(k)
                    continue
                v = sv.rss_growth_mb(run) if counter == "rss_growth_mb" else run.median(counter)
                if v is not None:
                    xs.append(k)
                    ys.append(v)
                    if run.errors:
                        _with_errors(ax, [(k, v)])
            ax.plot(xs, ys, label=s.label, **_style(runs, s))
            _failed(ax, failed)
        _log_x(ax, ks)
        if log:
            ax.set_yscale("log")
        charts.readable_y(ax)
        ax.set_title(title)
    # Our own legend in rows of four: the long labels do not fit in one row.
    fig.suptitle("C4: what concurrency costs: memory, threads, connections", fontsize=12, fontweight="bold",
                 y=0.995)
    fig.legend(handles=_legend(runs, False), loc="upper center", ncol=4, frameon=False,
               bbox_to_anchor=(0.5, 0.955))
    charts.footnote(fig, _note(results, "Only measured runs (nothing extrapolated). Series that coincide are "
                                        "drawn as concentric markers."))
    fig.tight_layout(rect=(0, 0.5 / fig.get_figheight(), 1, 0.86))
    return charts.save(fig, charts_dir, "sync_vs_async_resources")


def write_all(results, charts_dir):
    """Returns {stem: [paths]} of the charts written."""
    return {"sync_vs_async_wall": wall_chart(results, charts_dir),
            "sync_vs_async_resources": resources_chart(results, charts_dir)}
