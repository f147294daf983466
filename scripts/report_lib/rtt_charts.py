"""Charts of the rtt scenario: p50 latency against the emulated RTT (one
panel per protocol, one line per model and mode, with reference lines at 1,
2, 3 and 4 RTT), and what pooling saves against the RTT: the speed-up factor
(unpooled p50 ÷ pooled p50) above, the time saved per request (unpooled p50
− pooled p50, ms) below, so the falling factor is never read as pooling
mattering less. Names: rtt_latency (the headline), rtt_speedup.

Models take their colour and marker from models.py; on rtt_latency the colour
is the mode's meaning from palette.py (pooled teal, unpooled amber, unpooled
without TLS session reuse maroon, as on the pooling page) and the marker the
model's; all panels of a figure share one axis type; the footer gives this
run's measured spread.
"""
import textwrap

from matplotlib.lines import Line2D

from . import charts, fmt, models, palette, stats
from . import rtt_verdict as rv

MODES = (("pool", "on", "pool", palette.POOLED, "-"),
         ("nopool", "on", "nopool", palette.UNPOOLED, "-"),
         ("nopool", "off", "nopool, session_cache:off", palette.UNPOOLED_NO_SESSION_CACHE, "--"))


def _marker(model):
    return models.get(model).marker


def _face(model, colour):
    """The marker's fill: hollow for a Python model (models.py's convention), so py_requests and
    blocking_curl, or py_aiohttp and asio_coro, which share a marker shape, stay apart."""
    return palette.PAPER if models.get(model).is_python else colour


# Footer characters per line: both figures are about 14 inches wide, and a 7.5 pt line of this
# length ends well before the right edge (matplotlib's own wrapping let it touch the edge).
FOOTER_WIDTH = 170


def _note(results, extra):
    ctx = results.ctx
    return textwrap.fill("  ".join([
        f"Machine: {ctx('suite_machine', 'not recorded')}.",
        f"Medians of {results.repetitions_label or 'the'} repetitions{' (QUICK RUN: few requests)' if results.quick else ''}; "
        f"one request at a time (concurrency 1); {extra}",
        "RTT emulated in a private network namespace: every packet to and from the server delayed by RTT/2.",
        charts.spread_note(results, "p50_us", "p50")]), FOOTER_WIDTH)


def _rtt_axis(ax, xs):
    """RTTs from 0 to 50 ms: linear up to 1 ms, logarithmic above, so 0 and 1 do not overlap."""
    if xs and max(xs) > 5:
        ax.set_xscale("symlog", linthresh=1)
    ax.grid(False, axis="both", which="minor")


def _legend(results, runs):
    handles = [Line2D([], [], color=c, linestyle=ls, label=label) for mode, cache, label, c, ls in MODES
               if any(rv.key(r).mode == mode and rv.key(r).session_cache == cache for r in runs)]
    handles += [Line2D([], [], color=palette.STAND_IN, marker=_marker(m), markerfacecolor=_face(m, palette.STAND_IN),
                       linestyle="none", label=m)
                for m in rv.models(runs)]
    return handles


def latency(results, charts_dir):
    runs = results.runs
    protos, xs = rv.protos(runs), rv.rtts(runs)
    fig, axes = charts.figure(1, len(protos), width_per_col=4.8, height_per_row=4.4)
    top = max(xs) if xs else 1
    # Every latency is above 0 (RTT 0 still costs the loopback's fraction of a ms): a log y axis
    # from just below the smallest, with no 0 tick that a symlog axis would add.
    lows = [y for r in runs for y in [rv.p50_ms(r)] if y is not None and y > 0]
    bottom = min(lows) / 1.5 if lows else 0.1
    for col, proto in enumerate(protos):
        ax = axes[0][col]
        ax.grid(True, axis="both", alpha=0.3)
        # A dense grid: on the symlog x axis the lines y = k x bend below 1 ms.
        grid = [top * i / 400 for i in range(1, 401)]
        for k in (1, 2, 3, 4):
            ax.plot(grid, [k * x for x in grid], color=palette.FAINT, linewidth=0.8, zorder=1)
            # Outside the axes' right edge: inside, the points at the largest RTT covered the labels.
            ax.annotate(f"{k} RTT", (1.0, k * top), xycoords=("axes fraction", "data"), xytext=(3, 0),
                        textcoords="offset points", fontsize=7.5, color=palette.GUIDE, va="center",
                        annotation_clip=False)
        for mode, cache, _label, colour, style in MODES:
            names = rv.models(runs)
            shift = dict(zip(names, charts.offsets(len(names), 0.05)))
            for model in names:
                points = [(x, rv.p50_ms(rv.cell(runs, model, mode, proto, x, cache))) for x in xs]
                points = [(x, y) for x, y in points if y is not None]
                if points:
                    # Models of one mode overlap: small x offsets (multiplicative above 1 ms on the
                    # symlog axis) and a marker each keep them apart.
                    px = [x * (1 + shift[model]) if x > 1 else x + shift[model] for x, _ in points]
                    ax.plot(px, [p[1] for p in points], color=colour, linestyle=style,
                            marker=_marker(model), markerfacecolor=_face(model, colour), markersize=4.5,
                            linewidth=1.1, zorder=3)
        ax.set_title(rv.PROTO_LABEL[proto])
        ax.set_xlabel("emulated RTT (ms)")
        ax.set_ylabel("p50 latency per request (ms)")
        _rtt_axis(ax, xs)
        ax.set_xlim(0, top * 1.25)
        ax.set_yscale("log")
        ax.set_ylim(bottom, 4 * top * 1.6)
        charts.readable_y(ax)
        ax.set_xticks(xs)
        ax.set_xticklabels([fmt.param(x) for x in xs])
    charts.finish(fig, "Latency per request against the round-trip time: a new connection costs round trips",
                  _note(results, "grey lines: 1, 2, 3 and 4 round trips."), _legend(results, runs))
    return charts.save(fig, charts_dir, "rtt_latency")


def _saved_ms(runs, model, proto, x):
    a = rv.p50_ms(rv.cell(runs, model, "pool", proto, x))
    b = rv.p50_ms(rv.cell(runs, model, "nopool", proto, x))
    return None if a is None or b is None else b - a


def speedup(results, charts_dir):
    """Top row: the factor; bottom row: the time saved per request (ms). Both on log y (one axis type
    across the figure), x symlog; lines per model in registry style, slightly offset in x so that
    overlapping models stay visible."""
    runs = results.runs
    protos, xs = rv.protos(runs), rv.rtts(runs)
    names = rv.models(runs)
    fig, axes = charts.figure(2, len(protos), width_per_col=4.6, height_per_row=3.3)
    shift = dict(zip(names, charts.offsets(len(names), 0.04)))
    drawn = set()
    for col, proto in enumerate(protos):
        for row, (value, ylabel) in enumerate((
                (lambda m, x: rv.speedup(runs, m, proto, x), "unpooled p50 ÷ pooled p50 (log)"),
                (lambda m, x: _saved_ms(runs, m, proto, x), "time saved per request, ms (log)"))):
            ax = axes[row][col]
            ax.grid(True, axis="both", alpha=0.3)
            for model in names:
                points = [(x, value(model, x)) for x in xs]
                points = [(x, y) for x, y in points if y is not None and y > 0]
                if not points:
                    continue
                # Offsets are multiplicative on the symlog axis above 1 ms, additive below.
                px = [x * (1 + shift[model]) if x > 1 else x + shift[model] for x, _ in points]
                style = models.get(model).line_style()
                ax.plot(px, [y for _, y in points], markersize=4.5, linewidth=1.2, **style)
                drawn.add(model)
            if row == 1 and xs:
                # The median saving over models at the largest RTT, written beside the lines' ends.
                ends = [value(m, xs[-1]) for m in names if value(m, xs[-1]) is not None]
                if ends:
                    mid = stats.median(ends)
                    ax.annotate(f"{fmt.sig(mid)} ms", (xs[-1], mid), xytext=(6, 0), textcoords="offset points",
                                fontsize=7.5, va="center")
            if row == 0:
                ax.axhline(1, color=palette.GUIDE, linewidth=0.8)
                ax.set_title(rv.PROTO_LABEL[proto])
            ax.set_yscale("log")
            charts.readable_y(ax)
            ax.set_ylabel(ylabel)
            ax.set_xlabel("emulated RTT (ms)")
            _rtt_axis(ax, xs)
            ax.set_xlim(-0.1, (max(xs) if xs else 1) * 1.3)
            ax.set_xticks(xs)
            ax.set_xticklabels([fmt.param(x) for x in xs])
    handles = charts.model_handles(drawn)
    charts.finish(fig, "What pooling saves against the round-trip time: the factor falls, the time saved grows",
                  _note(results, "TLS session cache on; saved = unpooled p50 − pooled p50 per request."),
                  handles)
    return charts.save(fig, charts_dir, "rtt_speedup")


def write_all(results, charts_dir):
    """Draws every chart; returns {stem: [paths]} in page order. What pooling saves is drawn against
    the RTT, so only for a run that measured more than one (the default grid measures one: the page
    says so)."""
    written = {"rtt_latency": latency(results, charts_dir)}
    if len(rv.rtts(results.runs)) > 1:
        written["rtt_speedup"] = speedup(results, charts_dir)
    return written
