"""Charts of claim C1 (pooling): throughput, latency and connections per
model, pooled vs unpooled, one panel per protocol (columns) and server delay
(rows). Names: pooling_throughput (the headline), pooling_latency,
pooling_connections, each .svg and .png under charts/.
"""
from . import charts, fmt
from . import pooling_verdict as pv

# One colour per mode on every chart; labels are the benchmark name segments.
POOL = ("pool", "pool", "#1f77b4")
NOPOOL = ("nopool", "nopool", "#ff7f0e")
NOPOOL_NO_CACHE = ("nopool_nocache", "nopool, session_cache:off", "#d62728")


def _series(runs, proto):
    series = [POOL, NOPOOL]
    if any(pv.key(r).session_cache == "off" and pv.key(r).proto == proto for r in runs):
        series.append(NOPOOL_NO_CACHE)
    return series


def _lookup(runs):
    """(model, series key, proto, delay) -> Run."""
    index = pv.by_key(runs)

    def run(model, series_key, proto, delay):
        mode, cache = {"pool": ("pool", "on"), "nopool": ("nopool", "on"),
                       "nopool_nocache": ("nopool", "off")}[series_key]
        return index.get(pv.Key(model, mode, proto, delay, cache))
    return run


def _flag(run):
    if run is None:
        return None
    if run.failed:
        return "failed"
    return "errors" if run.errors else None


def _note(results, extra):
    ctx = results.ctx
    reps = results.repetitions
    parts = [f"Machine: {ctx('suite_machine', 'not recorded')}.",
             f"Server: {ctx('suite_server', 'not recorded')}.",
             f"Medians of {reps or 'the'} repetitions{' (quick run)' if results.quick else ''}; {extra}",
             f"Client: {ctx('suite_client', 'not recorded')}.",
             "Loopback, one machine: compare ratios, absolute numbers vary ±20%."]
    return "  ".join(parts)


def _grid(results, title, note, draw, extra_legend=()):
    """One panel per (delay row, protocol column); draw(ax, series, run_of) fills a panel,
    run_of(model, series_key) giving that panel's Run. Returns the figure, finished."""
    runs = results.runs
    models, protos, delays, lookup = pv.models(runs), pv.protos(runs), pv.delays(runs), _lookup(runs)
    fig, axes = charts.figure(len(delays), len(protos))
    for row, delay in enumerate(delays):
        for col, proto in enumerate(protos):
            ax = axes[row][col]
            draw(ax, models, _series(runs, proto),
                 lambda m, s, proto=proto, delay=delay: lookup(m, s, proto, delay))
            ax.set_title(f"{proto.upper()}, delay_ms:{fmt.param(delay)}")
    with_cache_off = any(len(_series(runs, p)) > 2 for p in protos)
    legend = charts.legend_handles([POOL, NOPOOL] + ([NOPOOL_NO_CACHE] if with_cache_off else []),
                                   with_errors=any(r.errors for r in runs if not r.failed))
    charts.finish(fig, title, _note(results, note), legend + charts.legend_handles(list(extra_legend)))
    return fig


def _median_of(counter, run_of):
    """value(model, series) for grouped_bars: the counter's median, None for a missing or failed run."""
    def value(m, s):
        r = run_of(m, s)
        return r.median(counter) if r and not r.failed else None
    return value


def throughput(results, charts_dir):
    def draw(ax, models, series, run_of):
        value = _median_of("req_per_s", run_of)

        def spread(m, s):
            vals = run_of(m, s).values("req_per_s")
            return (min(vals), max(vals)) if vals else None

        placed = charts.grouped_bars(ax, models, series, value, spread, lambda m, s: _flag(run_of(m, s)))
        values = [value(m, s[0]) for m in models for s in series]
        if charts.needs_log(values):
            ax.set_yscale("log")
        if not any(values):
            charts.no_data(ax)
        charts.readable_y(ax)
        _annotate_factors(ax, models, placed, value,
                          lambda m: any(_flag(run_of(m, s)) for s in ("pool", "nopool")))
        ax.set_ylabel("requests/s (median)")
        ax.margins(y=0.18)

    fig = _grid(results, "Pooled vs unpooled throughput per client model (numbers: pooled ÷ unpooled)",
                "error bars: min–max of the repetitions.", draw)
    return charts.save(fig, charts_dir, "pooling_throughput")


def _annotate_factors(ax, models, placed, value, flagged):
    """Writes pooled ÷ unpooled above each model's pair of bars; grey when a run had errors
    (the verdict leaves such pairs out)."""
    for m in models:
        if (m, "pool") not in placed or (m, "nopool") not in placed:
            continue
        f = value(m, "pool") / value(m, "nopool")
        x = (placed[(m, "pool")][0] + placed[(m, "nopool")][0]) / 2
        top = max(placed[(m, "pool")][1], placed[(m, "nopool")][1])
        ax.annotate(fmt.times(f), (x, top), xytext=(0, 4), textcoords="offset points",
                    ha="center", va="bottom", fontsize=8.5, fontweight="bold",
                    color="#999999" if flagged(m) else "black")


def latency(results, charts_dir):
    def draw(ax, models, series, run_of):
        p50, p99 = _median_of("p50_us", run_of), _median_of("p99_us", run_of)
        # p99 first as a pale bar, then p50 as a solid bar in front of it.
        pale = [(k, label, colour + "55") for k, label, colour in series]
        charts.grouped_bars(ax, models, pale, p99)
        charts.grouped_bars(ax, models, series, p50, flag=lambda m, s: _flag(run_of(m, s)))
        if any(p99(m, s[0]) for m in models for s in series):
            ax.set_yscale("log")
        else:
            charts.no_data(ax)
        charts.readable_y(ax)
        ax.set_ylabel("latency, µs (log scale)")

    fig = _grid(results, "Latency of successful requests: p50 and p99 per client model and mode",
                "medians over repetitions of each repetition's p50_us and p99_us.", draw,
                extra_legend=[("p", "solid: p50, pale: p99", "#88888855")])
    return charts.save(fig, charts_dir, "pooling_latency")


def connections(results, charts_dir):
    def draw(ax, models, series, run_of):
        def per_1000(m, s):
            r = run_of(m, s)
            return r.per_rep("conns_opened", "requests", 1000) if r and not r.failed else None

        placed = charts.grouped_bars(ax, models, series, per_1000, flag=lambda m, s: _flag(run_of(m, s)))
        for (x, top) in placed.values():
            ax.annotate(fmt.axis(top), (x, top), xytext=(0, 2), textcoords="offset points",
                        ha="center", va="bottom", fontsize=7.5)
        if placed:
            ax.set_yscale("log")
        else:
            charts.no_data(ax)
        charts.readable_y(ax)
        ax.margins(y=0.25)
        ax.set_ylabel("connections opened per 1000 requests")

    fig = _grid(results, "Connections opened per 1000 requests (counted by the server)",
                "conns_opened ÷ requests × 1000; pooled expects at most c per run, unpooled 1000.", draw)
    return charts.save(fig, charts_dir, "pooling_connections")


def write_all(results, charts_dir):
    """Every pooling chart; returns {stem: [paths]}."""
    return {"pooling_throughput": throughput(results, charts_dir),
            "pooling_latency": latency(results, charts_dir),
            "pooling_connections": connections(results, charts_dir)}
