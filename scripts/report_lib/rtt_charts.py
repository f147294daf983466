"""Charts of the rtt scenario: p50 latency against the emulated RTT (one
panel per protocol, one line per model and mode, with reference lines at 1,
2, 3 and 4 RTT), and the pooled speed-up factor (unpooled p50 ÷ pooled p50)
against the RTT. Names: rtt_latency (the headline), rtt_speedup.
"""
from matplotlib.lines import Line2D

from . import charts, fmt
from . import rtt_verdict as rv

MODES = (("pool", "on", "pool", "#1f77b4", "-"),
         ("nopool", "on", "nopool", "#ff7f0e", "-"),
         ("nopool", "off", "nopool, session_cache:off", "#d62728", "--"))
MARKERS = {"asio_coro": "o", "blocking_curl": "s", "curl_multi": "^"}
MODEL_COLOURS = {"asio_coro": "#2ca02c", "blocking_curl": "#9467bd", "curl_multi": "#8c564b"}


def _marker(model):
    return MARKERS.get(model, "D")


def _note(results, extra):
    ctx = results.ctx
    return "  ".join([
        f"Machine: {ctx('suite_machine', 'not recorded')}.",
        f"Medians of {results.repetitions or 'the'} repetitions{' (quick run)' if results.quick else ''}; "
        f"one request at a time (concurrency 1); {extra}",
        "RTT emulated in a private network namespace: every packet to and from the server delayed by RTT/2."])


def _rtt_axis(ax, xs):
    """RTTs from 0 to 50 ms: linear up to 1 ms, logarithmic above, so 0 and 1 do not overlap."""
    if xs and max(xs) > 5:
        ax.set_xscale("symlog", linthresh=1)
    ax.grid(False, axis="both", which="minor")


def _legend(results, runs):
    handles = [Line2D([], [], color=c, linestyle=ls, label=label) for mode, cache, label, c, ls in MODES
               if any(rv.key(r).mode == mode and rv.key(r).session_cache == cache for r in runs)]
    handles += [Line2D([], [], color="black", marker=_marker(m), linestyle="none", label=m)
                for m in rv.models(runs)]
    return handles


def latency(results, charts_dir):
    runs = results.runs
    protos, xs = rv.protos(runs), rv.rtts(runs)
    fig, axes = charts.figure(1, len(protos), width_per_col=4.6, height_per_row=4.4)
    top = max(xs) if xs else 1
    for col, proto in enumerate(protos):
        ax = axes[0][col]
        ax.grid(True, axis="both", alpha=0.3)
        # A dense grid: on the symlog axis the lines y = k x bend below 1 ms.
        grid = [top * i / 400 for i in range(401)]
        for k in (1, 2, 3, 4):
            ax.plot(grid, [k * x for x in grid], color="#bbbbbb", linewidth=0.8, zorder=1)
            ax.annotate(f"{k} RTT", (top, k * top), xytext=(2, 0), textcoords="offset points",
                        fontsize=7.5, color="#777777", va="center")
        for mode, cache, _label, colour, style in MODES:
            for model in rv.models(runs):
                points = [(x, rv.p50_ms(rv.cell(runs, model, mode, proto, x, cache))) for x in xs]
                points = [(x, y) for x, y in points if y is not None]
                if points:
                    ax.plot([p[0] for p in points], [p[1] for p in points], color=colour, linestyle=style,
                            marker=_marker(model), markersize=4, linewidth=1.2, zorder=3)
        ax.set_title(rv.PROTO_LABEL[proto])
        ax.set_xlabel("emulated RTT (ms)")
        ax.set_ylabel("p50 latency per request (ms)")
        _rtt_axis(ax, xs)
        ax.set_xlim(0, top * 1.25)
        # Latencies from 0.1 to 200 ms: the same scale as x, so k x RTT lines run parallel.
        ax.set_yscale("symlog", linthresh=1)
        ax.set_ylim(bottom=0)
        charts.readable_y(ax)
        ax.set_xticks(xs)
        ax.set_xticklabels([fmt.param(x) for x in xs])
    charts.finish(fig, "Latency per request against the round-trip time: a new connection costs round trips",
                  _note(results, "grey lines: 1, 2, 3 and 4 round trips."), _legend(results, runs))
    return charts.save(fig, charts_dir, "rtt_latency")


def speedup(results, charts_dir):
    runs = results.runs
    protos, xs = rv.protos(runs), rv.rtts(runs)
    fig, axes = charts.figure(1, len(protos), width_per_col=4.6, height_per_row=4.0)
    for col, proto in enumerate(protos):
        ax = axes[0][col]
        ax.grid(True, axis="both", alpha=0.3)
        for model in rv.models(runs):
            points = [(x, rv.speedup(runs, model, proto, x)) for x in xs]
            points = [(x, y) for x, y in points if y is not None]
            if points:
                ax.plot([p[0] for p in points], [p[1] for p in points], color=MODEL_COLOURS.get(model, "#333333"),
                        marker=_marker(model), markersize=4, linewidth=1.2)
        ax.axhline(1, color="#999999", linewidth=0.8)
        ax.set_title(rv.PROTO_LABEL[proto])
        ax.set_xlabel("emulated RTT (ms)")
        ax.set_ylabel("unpooled p50 ÷ pooled p50")
        ax.set_ylim(bottom=0)
        _rtt_axis(ax, xs)
        ax.set_xlim(0, (max(xs) if xs else 1) * 1.1)
        ax.set_xticks(xs)
        ax.set_xticklabels([fmt.param(x) for x in xs])
    handles = [Line2D([], [], color=MODEL_COLOURS.get(m, "#333333"), marker=_marker(m), label=m) for m in rv.models(runs)]
    charts.finish(fig, "How many times faster a pooled request is, against the round-trip time",
                  _note(results, "TLS session cache on."), handles)
    return charts.save(fig, charts_dir, "rtt_speedup")


def write_all(results, charts_dir):
    """Draws every chart; returns {stem: [paths]} in page order."""
    return {"rtt_latency": latency(results, charts_dir), "rtt_speedup": speedup(results, charts_dir)}
