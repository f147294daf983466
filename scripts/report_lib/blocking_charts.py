"""Charts of claims C3 and C5 (blocking): blocking_client (total time per way
of waiting, with the mechanism's bounds; the headline), blocking_lag (event
loop lag and the unrelated requests' latency) and blocking_server (requests/s
against concurrency for the two mockd engines, with T/D and C/D drawn), each
.svg and .png under charts/.
"""
from matplotlib.lines import Line2D

from . import charts, fmt
from . import blocking_verdict as bv

COLOURS = {"timer": "#2ca02c", "sleep": "#d62728", "offload": "#1f77b4", "on_loop": "#d62728"}
ASIO, BLOCKING = "#1f77b4", "#ff7f0e"


def _label(run):
    k = bv.key(run)
    if k.kind == "offload":
        return f"offload\n{k.threads} threads"
    return {"timer": "timer\n(asyncio.sleep)", "sleep": "blocking sleep\n(time.sleep)",
            "on_loop": "on the loop"}.get(k.kind, k.kind)


def _note(results, extra):
    ctx = results.ctx
    return "  ".join([f"Machine: {ctx('suite_machine', 'not recorded')}.",
                      f"Client: {ctx('suite_client', 'not recorded')}.",
                      f"Medians of {results.repetitions or 'the'} repetitions"
                      f"{' (quick run)' if results.quick else ''}; {extra}"])


def _bars(ax, runs, counter, scale, bounds=None):
    """One bar per run (median of counter × scale), min–max error bars, optional bound markers."""
    xs = range(len(runs))
    for x, r in zip(xs, runs):
        vals = [v * scale for v in r.values(counter)]
        if not vals or r.failed:
            charts.no_data(ax, "failed")
            continue
        v = r.median(counter) * scale
        colour = COLOURS.get(bv.key(r).kind, "#888888")
        ax.bar(x, v, 0.6, color=colour, edgecolor="black" if r.errors else colour,
               hatch="///" if r.errors else None, zorder=2)
        ax.errorbar(x, v, yerr=[[v - min(vals)], [max(vals) - v]], fmt="none", ecolor="black",
                    elinewidth=0.8, capsize=2, zorder=3)
        ax.annotate(fmt.compact(v), (x, max(vals)), xytext=(0, 3), textcoords="offset points",
                    ha="center", va="bottom", fontsize=8)
        if bounds:
            b = bounds(r)
            if b:
                ax.plot([x - 0.4, x + 0.4], [b, b], color="black", linestyle="--", linewidth=1.2, zorder=4)
    ax.set_xticks(list(xs))
    ax.set_xticklabels([_label(r) for r in runs])
    ax.set_xlim(-0.6, max(len(runs), 3) - 0.4)


def client(results, charts_dir):
    runs = results.runs
    panels = [("client", "C3: 100 tasks wait D ms, then one request each"),
              ("cpu", "C5: 100 tasks burn C ms of CPU, then one request each")]
    fig, axes = charts.figure(1, 2, width_per_col=6.4, height_per_row=4.2)
    for ax, (group, title) in zip(axes[0], panels):
        rs = bv.client_runs(runs, group)
        if not rs:
            charts.no_data(ax)
            continue
        _bars(ax, rs, "total_ms", 1.0, bv.bound_ms)
        ax.set_yscale("log")
        charts.readable_y(ax)
        ax.margins(y=0.15)
        ax.set_ylabel("total time, ms (log scale)")
        w = bv.work_ms(rs[0])
        ax.set_title(title.replace(" D ms", f" {fmt.param(w)} ms").replace(" C ms", f" {fmt.param(w)} ms"))
    legend = [Line2D([0], [0], color="black", linestyle="--",
                     label="least total the mechanism allows: D (timer), N×D (one thread), ceil(N/T)×D (T threads)")]
    charts.finish(fig, "Total time of 100 tasks on one event loop, by where the blocking part runs",
                  _note(results, "error bars: min–max of the repetitions."), legend)
    return charts.save(fig, charts_dir, "blocking_client")


def lag(results, charts_dir):
    runs = results.runs
    rs = bv.client_runs(runs, "client") + bv.client_runs(runs, "cpu")
    fig, axes = charts.figure(1, 2, width_per_col=7.0, height_per_row=4.2)
    specs = [(axes[0][0], [("loop_lag_max_us", "max", ""), ("loop_lag_p99_us", "p99", "55")],
              "Event-loop lag: how late a 1 ms heartbeat timer fires"),
             (axes[0][1], [("other_p99_us", "p99", ""), ("other_p50_us", "p50", "55")],
              "Unrelated requests due every 5 ms: latency from when due")]
    for ax, counters, title in specs:
        width = 0.38
        for i, (counter, _, alpha) in enumerate(counters):
            for x, r in enumerate(rs):
                v = r.median(counter)
                if v is None or r.failed:
                    continue
                colour = COLOURS.get(bv.key(r).kind, "#888888") + alpha
                ax.bar(x + (i - 0.5) * width, v / 1000, width * 0.95, color=colour, zorder=2)
                ax.annotate(fmt.compact(v / 1000), (x + (i - 0.5) * width, v / 1000), xytext=(0, 2),
                            textcoords="offset points", ha="center", va="bottom", fontsize=7)
        ax.set_xticks(range(len(rs)))
        ax.set_xticklabels([("CPU " if bv.key(r).group == "cpu" else "") + _label(r) for r in rs], fontsize=7.5)
        ax.set_yscale("log")
        charts.readable_y(ax)
        ax.set_ylabel("ms (log scale)")
        ax.set_title(title)
        ax.margins(y=0.15)
    for r in rs[:1]:
        axes[0][0].axhline(bv.work_ms(r), color="black", linestyle=":", linewidth=1)
    legend = [Line2D([0], [0], color="#888888", lw=6, label="solid: lag max / requests' p99"),
              Line2D([0], [0], color="#88888855", lw=6, label="pale: lag p99 / requests' p50"),
              Line2D([0], [0], color="black", linestyle=":", label="the wait D")]
    charts.finish(fig, "What the blocking part does to everything else on the loop",
                  _note(results, "bars: medians over repetitions of each repetition's max/p99/p50."), legend)
    return charts.save(fig, charts_dir, "blocking_lag")


def server(results, charts_dir):
    runs = results.runs
    fig, axes = charts.figure(1, 1, width_per_col=9, height_per_row=5.0)
    ax = axes[0][0]
    delay = threads = None
    all_c = set()
    for engine, colour in (("asio", ASIO), ("blocking", BLOCKING)):
        by_c = bv.server_runs(runs, engine)
        cs = sorted(c for c, r in by_c.items() if not r.failed)
        all_c |= set(cs)
        if not cs:
            continue
        r0 = by_c[cs[0]]
        delay = r0.name.param("delay_ms")
        if engine == "blocking":
            threads = bv.key(r0).threads
        label = f"{engine} engine ({bv.key(r0).threads} thread{'s' if bv.key(r0).threads != 1 else ''})"
        ax.plot(cs, [by_c[c].median("steady_req_per_s") for c in cs], "o-", color=colour,
                label=label + ", steady rate", zorder=3)
        ax.plot(cs, [by_c[c].median("req_per_s") for c in cs], "s--", color=colour, alpha=0.6,
                markersize=4, label=label + ", whole run", zorder=3)
        for c in cs:
            if by_c[c].errors:
                ax.plot([c], [by_c[c].median("steady_req_per_s")], "x", color="crimson", markersize=10)
    if all_c and delay:
        xs = sorted(all_c)
        ax.plot(xs, [c * 1000.0 / delay for c in xs], ":", color=ASIO, label="ideal C/delay")
        if threads:
            cap = threads * 1000.0 / delay
            ax.axhline(cap, color=BLOCKING, linestyle=":", label=f"cap threads/delay = {fmt.compact(cap)}/s")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(xs)
        ax.set_xticklabels([str(c) for c in xs])
        charts.readable_y(ax)
    else:
        charts.no_data(ax)
    ax.set_xlabel("client concurrency (asio_coro, a new connection per request)")
    ax.set_ylabel("requests/s (median, log scale)")
    ax.set_title(f"mockd engines at a {fmt.param(delay)} ms delay: timers vs sleeping threads")
    ax.legend(loc="upper left", fontsize=8)
    charts.finish(fig, "Requests per second against concurrency: timer-based vs thread-pool server",
                  _note(results, "steady rate = completions over the middle half of each run; whole run "
                                 "includes the start-up ramp and stragglers."))
    return charts.save(fig, charts_dir, "blocking_server")


def write_all(results, charts_dir):
    return {"blocking_client": client(results, charts_dir),
            "blocking_lag": lag(results, charts_dir),
            "blocking_server": server(results, charts_dir)}
