"""Charts of claim C1 (pooling): throughput, latency and connections per
model, pooled vs unpooled, one panel per protocol (columns) and server delay
(rows), and the latency percentile spectrum. Names: pooling_throughput (the
headline), pooling_latency, pooling_spectrum, pooling_connections, each .svg
and .png under charts/.

Chart rules (charts.py): values span decades, so every panel uses points on
one log axis, never bars; models are labelled and ordered from models.py,
with their concurrency (they run at different ones) and Python models hollow
and in italics; the modes are colours of meaning from palette.py (pooled
teal, unpooled amber, unpooled without TLS session reuse maroon; as on the
rtt and limits pages), never a model's; latencies are in ms; the footer gives
this run's measured spread, not a fixed figure.
"""
import textwrap

from matplotlib.lines import Line2D

from . import charts, fmt, models, palette
from . import pooling_verdict as pv

# One colour per mode on every chart; labels are the benchmark name segments.
POOL = ("pool", "pool", palette.POOLED)
NOPOOL = ("nopool", "nopool", palette.UNPOOLED)
NOPOOL_NO_CACHE = ("nopool_nocache", "nopool, session_cache:off", palette.UNPOOLED_NO_SESSION_CACHE)
MODE_OF = {"pool": ("pool", "on"), "nopool": ("nopool", "on"), "nopool_nocache": ("nopool", "off")}


def _series(runs, proto):
    series = [POOL, NOPOOL]
    if any(pv.key(r).session_cache == "off" and pv.key(r).proto == proto for r in runs):
        series.append(NOPOOL_NO_CACHE)
    return series


def _lookup(runs):
    """(model, series key, proto, delay) -> Run."""
    index = pv.by_key(runs)

    def run(model, series_key, proto, delay):
        mode, cache = MODE_OF[series_key]
        return index.get(pv.Key(model, mode, proto, delay, cache))
    return run


def _flag(run):
    if run is None:
        return None
    if run.failed:
        return "failed"
    return "errors" if run.errors else None


def _conc_of(runs):
    conc = {}
    for r in runs:
        c = r.name.param("c")
        if c is not None:
            conc.setdefault(pv.key(r).model, set()).add(c)
    differs = len({c for cs in conc.values() for c in cs}) > 1
    return (lambda m: "/".join(f"{c:g}" for c in sorted(conc.get(m, ()))) or None) if differs else (lambda m: None)


def _note(results, extra, counter="req_per_s", what="req/s"):
    ctx = results.ctx
    reps = results.repetitions_label
    parts = [f"Machine: {ctx('suite_machine', 'not recorded')}.",
             f"Server: {ctx('suite_server', 'not recorded')}.",
             f"Medians of {reps or 'the'} repetitions{' (QUICK RUN: few requests)' if results.quick else ''}; "
             f"{extra}",
             f"Client: {ctx('suite_client', 'not recorded')}.",
             "Loopback, one machine: compare ratios. " + charts.spread_note(results, counter, what)]
    return "  ".join(parts)


def _legend(runs, extra=()):
    """Only what is drawn: the modes present, errors/failed markers if any run has them."""
    modes = [POOL, NOPOOL] + ([NOPOOL_NO_CACHE] if any(pv.key(r).session_cache == "off" for r in runs) else [])
    handles = [Line2D([], [], color=c, marker="o", linestyle="none", label=label) for _, label, c in modes]
    handles += list(extra)
    if any(r.errors for r in runs if not r.failed):
        handles.append(Line2D([], [], color=palette.STAND_IN, marker="o", markerfacecolor=palette.PAPER,
                              markeredgecolor=palette.INK, linestyle="none",
                              label="run had errors (hollow, black edge)"))
    if any(r.failed for r in runs):
        handles.append(Line2D([], [], color=palette.FAILED, marker="x", linestyle="none", label="failed"))
    if any(models.get(pv.key(r).model).is_python for r in runs):
        handles.append(Line2D([], [], color=palette.STAND_IN, marker="o", markerfacecolor=palette.PAPER,
                              linestyle="none", label="Python model (hollow, italic label)"))
    return handles


# A model name longer than this is broken at its last underscore on the x axis: with nine models
# side by side, 'py_requests_threads' ran into its neighbours.
TICK_NAME_MAX = 13
# Characters of the 7.5 pt footer per inch of figure width, well under the ~17 a line holds: the
# footer is wrapped here so that matplotlib's own wrapping never lets it reach the right edge.
FOOTER_CHARS_PER_INCH = 14


def _short(name):
    if len(name) <= TICK_NAME_MAX or "_" not in name[1:]:
        return name
    cut = name.rindex("_")
    return name[:cut + 1] + "\n" + name[cut + 1:]


def _ticklabels(ax, names, conc):
    """The registry's labels (charts.model_ticklabels), long model names on two lines."""
    charts.model_ticklabels(ax, names, conc)
    ticks = ax.get_xticklabels()
    ax.set_xticklabels([t.get_text().replace(name, _short(name), 1) for t, name in zip(ticks, names)])
    for tick, old in zip(ax.get_xticklabels(), ticks):
        tick.set_fontstyle(old.get_fontstyle())


def _grid(results, title, note, draw, extra_legend=(), counter="req_per_s", what="req/s"):
    """One panel per (delay row, protocol column); draw(ax, models, series, run_of) fills a
    panel, run_of(model, series_key) giving that panel's Run. Returns the figure, finished."""
    runs = results.runs
    names, protos, delays, lookup = pv.models(runs), pv.protos(runs), pv.delays(runs), _lookup(runs)
    conc = _conc_of(runs)
    # Wider panels when many models share them (C++ and Python side by side): labels must not collide.
    fig, axes = charts.figure(len(delays), len(protos), width_per_col=max(6.4, 1.15 * len(names)))
    for row, delay in enumerate(delays):
        for col, proto in enumerate(protos):
            ax = axes[row][col]
            draw(ax, names, _series(runs, proto),
                 lambda m, s, proto=proto, delay=delay: lookup(m, s, proto, delay))
            _ticklabels(ax, names, conc)
            charts.language_divider(ax, names)
            ax.set_title(f"{proto.upper()}, delay_ms:{fmt.param(delay)}")
    footer = textwrap.fill(_note(results, note, counter, what), int(fig.get_figwidth() * FOOTER_CHARS_PER_INCH))
    charts.finish(fig, title, footer, _legend(runs, extra_legend))
    return fig


def _median_of(counter, run_of, scale=1.0):
    """value(model, series) for the panels: the counter's median, None for a missing or failed run."""
    def value(m, s):
        r = run_of(m, s)
        v = r.median(counter) if r and not r.failed else None
        return None if v is None else v * scale
    return value


def _hollow(m, _s):
    return models.get(m).is_python


def _log_axis(ax, any_values):
    if any_values:
        ax.set_yscale("log")
        charts.readable_y(ax)
    else:
        charts.no_data(ax)


def throughput(results, charts_dir):
    runs = results.runs
    pairs = {(p.model, p.proto, p.delay_ms): p for d in pv.delays(runs) for p in pv.pairs(runs, d)}

    def draw(ax, names, series, run_of):
        value = _median_of("req_per_s", run_of)

        def spread(m, s):
            vals = run_of(m, s).values("req_per_s")
            return (min(vals), max(vals)) if vals else None

        placed = charts.grouped_points(ax, names, series, value, spread, lambda m, s: _flag(run_of(m, s)),
                                       hollow=_hollow)
        _log_axis(ax, placed)
        for m in names:
            r = run_of(m, "pool")
            if r is None or (m, "pool") not in placed or (m, "nopool") not in placed:
                continue
            k = pv.key(r)
            pair = pairs.get((m, k.proto, k.delay_ms))
            x = (placed[(m, "pool")][0] + placed[(m, "nopool")][0]) / 2
            top = max(placed[(m, "pool")][1], placed[(m, "nopool")][1])
            if pair is None or pair.factor is None:
                text, colour = "excluded", palette.GUIDE
            else:
                lo, hi = pair.factor_ci[1:]
                # An interval that includes 1 makes the time difference noise too: not quoted.
                text = ("same\n(CI has 1x)" if fmt.includes_one(lo, hi)
                        else f"{fmt.times(pair.factor)}\n{_saved(pair.saved_us)}")
                colour = palette.INK
            ax.annotate(text, (x, top), xytext=(0, 5), textcoords="offset points", ha="center", va="bottom",
                        fontsize=7, fontweight="bold", color=colour, linespacing=1.0)
        ax.set_ylabel("requests/s (median, log scale)")
        ax.margins(y=0.35)

    fig = _grid(results, "Pooled vs unpooled throughput per client model (pooled ÷ unpooled, time saved per request)",
                "bars: min–max of the repetitions; saves = mean time per request unpooled − pooled (c ÷ req/s); "
                "'same': the 95 % CI of the factor includes 1.", draw)
    return charts.save(fig, charts_dir, "pooling_throughput")


def _saved(us):
    if us is None:
        return ""
    return f"saves {fmt.duration_us(us)}" if us >= 0 else f"costs {fmt.duration_us(-us)}"


def latency(results, charts_dir):
    def draw(ax, names, series, run_of):
        p50, p99 = _median_of("p50_us", run_of, 1e-3), _median_of("p99_us", run_of, 1e-3)
        placed = charts.grouped_points(ax, names, series, p50, flag=lambda m, s: _flag(run_of(m, s)),
                                       hollow=_hollow)
        # p99 as a short horizontal dash above each p50 point, joined by a thin line.
        for (m, key), (x, _top) in placed.items():
            hi = p99(m, key)
            lo = p50(m, key)
            colour = dict((k, c) for k, _l, c in series)[key]
            if hi is not None and lo is not None:
                ax.plot([x, x], [lo, hi], color=colour, linewidth=0.8, zorder=2)
                ax.plot([x], [hi], marker="_", markersize=9, markeredgewidth=2, color=colour, zorder=3)
        _log_axis(ax, placed)
        ax.set_ylabel("latency, ms (log scale)")

    fig = _grid(results, "Latency of successful requests: p50 (point) and p99 (dash) per client model and mode",
                "medians over repetitions of each repetition's p50_us and p99_us, in ms.", draw,
                extra_legend=[Line2D([], [], color=palette.STAND_IN, marker="_", markersize=9, markeredgewidth=2,
                                     linestyle="none", label="p99")],
                counter="p50_us", what="p50")
    return charts.save(fig, charts_dir, "pooling_latency")


def connections(results, charts_dir):
    def draw(ax, names, series, run_of):
        def per_1000(m, s):
            r = run_of(m, s)
            return r.per_rep("conns_opened", "requests", 1000) if r and not r.failed else None

        placed = charts.grouped_points(ax, names, series, per_1000, flag=lambda m, s: _flag(run_of(m, s)),
                                       hollow=_hollow)
        for (x, top) in placed.values():
            ax.annotate(fmt.axis(top), (x, top), xytext=(0, 4), textcoords="offset points",
                        ha="center", va="bottom", fontsize=7)
        _log_axis(ax, placed)
        ax.margins(y=0.25)
        ax.set_ylabel("connections opened per 1000 requests (log)")

    fig = _grid(results, "Connections opened per 1000 requests (counted by the server)",
                "conns_opened ÷ requests × 1000; pooled expects at most c per run, unpooled 1000.", draw)
    return charts.save(fig, charts_dir, "pooling_connections")


# --- latency percentile spectrum ---------------------------------------------

SPECTRUM_TICKS = (0, 90, 99, 99.9, 99.99)


def _stretch(p):
    """Percentile -> x on an HdrHistogram-style axis: -log10(1 - p/100); p100 has no place."""
    import math
    return -math.log10(1 - p / 100) if p < 100 else None


def spectrum(results, charts_dir):
    """pooling_spectrum: latency against percentile (p0–p99.99), delay_ms:0, one panel per
    protocol (columns) and mode (rows), one line per model in its registry style."""
    runs = results.runs
    protos = pv.protos(runs)
    modes = [m for m in (POOL, NOPOOL) if any(pv.key(r).mode == m[0] for r in runs)]
    lookup = _lookup(runs)
    names = pv.models(runs)
    conc = _conc_of(runs)
    fig, axes = charts.figure(len(modes), len(protos), height_per_row=3.4)
    drawn = set()
    ymin, ymax = None, None
    for row, (mode_key, mode_label, _c) in enumerate(modes):
        for col, proto in enumerate(protos):
            ax = axes[row][col]
            for m in names:
                r = lookup(m, mode_key, proto, 0)
                if r is None or r.failed or not r.spectrum:
                    continue
                pts = [(_stretch(p), v / 1000) for p, v in r.spectrum.get("percentiles", [])
                       if _stretch(p) is not None and p <= 99.99 and v]
                if not pts:
                    continue
                style = models.get(m).line_style()
                style["label"] = models.get(m).label(conc(m))
                ax.plot([x for x, _ in pts], [y for _, y in pts], markersize=3.5, linewidth=1.3, **style)
                drawn.add(m)
                ys = [y for _, y in pts]
                ymin = min(ys) if ymin is None else min(ymin, min(ys))
                ymax = max(ys) if ymax is None else max(ymax, max(ys))
            ax.set_title(f"{proto.upper()}, {mode_label}, delay_ms:0")
            ax.set_xticks([_stretch(p) for p in SPECTRUM_TICKS])
            ax.set_xticklabels([f"p{p:g}" for p in SPECTRUM_TICKS])
            ax.set_xlim(0, _stretch(99.99) * 1.02)
            ax.grid(True, axis="both", alpha=0.3)
            ax.set_xlabel("percentile (stretched towards the tail)")
            ax.set_ylabel("latency, ms (log)")
    for row in axes:
        for ax in row:
            if ymin is not None:
                ax.set_yscale("log")
                ax.set_ylim(ymin * 0.8, ymax * 1.25)
                charts.readable_y(ax)
            else:
                charts.no_data(ax, "no spectra.json entries")
    handles = []
    for m in models.ordered(drawn):
        st = models.get(m).line_style()
        st["label"] = models.get(m).label(conc(m))
        handles.append(Line2D([], [], **st))
    charts.finish(fig, "Latency percentile spectrum at delay_ms:0: pooled (top) vs unpooled (bottom)",
                  _note(results, "spectra.json: each benchmark's repetitions pooled.", "p50_us", "p50"),
                  handles or None, ncol=5)
    return charts.save(fig, charts_dir, "pooling_spectrum")


def write_all(results, charts_dir):
    """Every pooling chart; returns {stem: [paths]} in page order."""
    out = {"pooling_throughput": throughput(results, charts_dir),
           "pooling_latency": latency(results, charts_dir)}
    if any(r.spectrum for r in results.runs) and 0 in pv.delays(results.runs):
        out["pooling_spectrum"] = spectrum(results, charts_dir)
    out["pooling_connections"] = connections(results, charts_dir)
    return out
