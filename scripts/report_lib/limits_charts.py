"""Charts of claim C2 (limits). Names (each .svg and .png under charts/):
limits_throughput (the headline: req/s vs limit, log x, with the ideal
limit ÷ delay), limits_latency (p99 vs limit: the queueing in the client),
limits_peak (the server's peak of open connections vs limit),
limits_per_host (fast-host latency with a total limit alone vs with a
per-host limit), limits_fd_cap (fd-limited gather: failed requests; semaphore
vs connector: connections opened).
"""
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from . import charts, fmt
from . import limits_verdict as lv

COLOURS = {"asio_coro": "#1f77b4", "curl_multi": "#ff7f0e"}
MARKERS = {"asio_coro": "o", "curl_multi": "s"}
IDEAL = "#2ca02c"


def _colour(model):
    return COLOURS.get(model, "#7f7f7f")


def _note(results, extra):
    ctx = results.ctx
    reps = results.repetitions
    return "  ".join([
        f"Machine: {ctx('suite_machine', 'not recorded')}.",
        f"Server: {ctx('suite_server', 'not recorded')}.",
        f"Medians of {reps or 'the'} repetitions{' (quick run)' if results.quick else ''}; {extra}",
        "Loopback, one machine: compare ratios, absolute numbers vary ±20%."])


def _x_positions(runs):
    """The x of each limit: the limit itself; unlimited one doubling past the largest."""
    limits = sorted({lim for m in lv.models(runs) for lim, _ in lv.sweep(runs, m) if lim})
    top = limits[-1] if limits else 1
    return limits, top * 2


def _log_x(ax, limits, unlimited_x, with_unlimited):
    ax.set_xscale("log", base=2)
    ticks = list(limits) + ([unlimited_x] if with_unlimited else [])
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda v, _p: "unlimited" if with_unlimited and abs(v - unlimited_x) < 1e-9 else fmt.compact(v)))
    ax.set_xlabel("connector limit (log scale)")
    ax.grid(True, axis="x", alpha=0.3)


def _sweep_chart(results, charts_dir, counter, ylabel, title, stem, note, ideal=None, log_y=False, reference=None,
                 reference_label="min(limit, requests)"):
    runs = results.runs
    limits, unl_x = _x_positions(runs)
    fig, axes = charts.figure(1, 1, width_per_col=10, height_per_row=4.4)
    ax = axes[0][0]
    any_unlimited = False
    drawn = False
    for model in lv.models(runs):
        xs, ys, lo, hi = [], [], [], []
        for limit, r in lv.sweep(runs, model):
            if r.failed or not r.reps:
                continue
            vals = r.values(counter)
            if not vals:
                continue
            x = limit if limit else unl_x
            any_unlimited |= not limit
            xs.append(x)
            ys.append(r.median(counter))
            lo.append(min(vals))
            hi.append(max(vals))
        if not xs:
            continue
        drawn = True
        ax.errorbar(xs, ys, yerr=[[y - a for y, a in zip(ys, lo)], [b - y for y, b in zip(ys, hi)]],
                    color=_colour(model), marker=MARKERS.get(model, "o"), markersize=5, capsize=2,
                    linewidth=1.4, label=model, zorder=3)
    if ideal and limits:
        ax.plot(limits, [ideal(lim) for lim in limits], color=IDEAL, linestyle="--", linewidth=1.2,
                label=ideal.label, zorder=2)
    if reference:
        xs = [x for x, _ in reference]
        # Wide and pale, under the data: the measured points should sit on it.
        ax.plot(xs, [y for _, y in reference], color="#bbbbbb", linewidth=6, alpha=0.7,
                label=reference_label, zorder=1, solid_capstyle="round")
    if not drawn:
        charts.no_data(ax)
    _log_x(ax, limits, unl_x, any_unlimited)
    if log_y and drawn:
        ax.set_yscale("log")
    charts.readable_y(ax)
    ax.set_ylabel(ylabel)
    ax.legend(loc="best", frameon=True, framealpha=0.9, edgecolor="none")
    charts.finish(fig, title, _note(results, note))
    return charts.save(fig, charts_dir, stem)


def _delay(runs):
    for model in lv.models(runs):
        for _, r in lv.sweep(runs, model):
            if lv.delay_ms(r):
                return lv.delay_ms(r)
    return None


def throughput(results, charts_dir):
    d = _delay(results.runs)

    def ideal(limit):
        return limit / (d / 1000.0)
    ideal.label = f"ideal: limit ÷ {fmt.param(d)} ms"
    return _sweep_chart(results, charts_dir, "req_per_s", "requests/s (median, log scale)",
                        "Throughput vs connector limit, every request issued at once (gather)",
                        "limits_throughput", "error bars: min–max of the repetitions; dashed: limit ÷ delay.",
                        ideal=ideal if d else None, log_y=True)


def latency(results, charts_dir):
    runs = results.runs
    limits, unl_x = _x_positions(runs)
    reference = []
    d = _delay(runs)
    for lim in limits:
        r = next((r for m in lv.models(runs) for L, r in lv.sweep(runs, m) if L == lim and r.reps), None)
        if r is not None and d:
            waves = -(-int(r.median("requests")) // int(lim))
            reference.append((lim, 1000.0 * d * waves))
    return _sweep_chart(results, charts_dir, "p99_us", "p99 latency, µs (median, log scale)",
                        "p99 latency vs limit: requests over the limit queue in the client",
                        "limits_latency", "latency runs from the gather's start, so it includes the wait "
                        "for a slot; the runs are sized to a fixed number of waves of `limit` requests, hence the flat line.",
                        log_y=True, reference=reference,
                        reference_label="predicted: ⌈requests ÷ limit⌉ × delay")


def peak(results, charts_dir):
    runs = results.runs
    limits, unl_x = _x_positions(runs)
    reference = []
    requests = {}
    for m in lv.models(runs):
        for lim, r in lv.sweep(runs, m):
            if r.reps:
                requests[lim or unl_x] = max(requests.get(lim or unl_x, 0), r.median("requests") or 0)
    for x in sorted(requests):
        reference.append((x, min(x, requests[x]) if x != unl_x else requests[x]))
    return _sweep_chart(results, charts_dir, "conns_peak", "server's peak of open connections (log scale)",
                        "Connections open at once, as the server saw them", "limits_peak",
                        "wide grey line: min(limit, requests) (for unlimited: the requests issued).",
                        log_y=True, reference=reference)


def per_host(results, charts_dir):
    runs = results.runs
    models = [m for m in lv.models(runs) if any(lv.fast_p99_pair(runs, m))]
    series = [("total", "total limit only", "#d62728"), ("per_host", "total + limit_per_host", "#2ca02c")]
    fig, axes = charts.figure(1, 2, width_per_col=5.4, height_per_row=4.0)

    def run_of(m, s):
        total_only, with_per_host = lv.fast_p99_pair(runs, m)
        r = total_only if s == "total" else with_per_host
        return r if r is not None and not r.failed and r.reps else None

    for ax, counter, what in ((axes[0][0], "fast_p50_us", "p50"), (axes[0][1], "fast_p99_us", "p99")):
        def value(m, s, counter=counter):
            r = run_of(m, s)
            return r.median(counter) if r else None
        placed = charts.grouped_bars(ax, models, series, value)
        for (x, top) in placed.values():
            ax.annotate(fmt.compact(top / 1000) + " ms", (x, top), xytext=(0, 2), textcoords="offset points",
                        ha="center", va="bottom", fontsize=7.5)
        values = [value(m, k) for m in models for k, _, _ in series]
        log = charts.needs_log(values)
        if log:
            ax.set_yscale("log")
        if not placed:
            charts.no_data(ax)
        charts.readable_y(ax)
        ax.margins(y=0.2)
        ax.set_ylabel(f"fast hosts' {what} latency, µs" + (" (log scale)" if log else ""))
        ax.set_title(f"fast hosts, {what}")
    example = next((r for m in models for r in lv.fast_p99_pair(runs, m) if r is not None), None)
    setup = ""
    if example is not None:
        setup = (f"3 hosts round-robin, one slow ({fmt.param(example.median('slow_delay_ms'))} ms), two fast "
                 f"({fmt.param(example.median('fast_delay_ms'))} ms); ")
    charts.finish(fig, "Limit per host: fast hosts no longer queue behind the slow one",
                  _note(results, setup + "medians of each repetition's fast-host percentiles."),
                  charts.legend_handles(series))
    return charts.save(fig, charts_dir, "limits_per_host")


def fd_cap(results, charts_dir):
    runs = results.runs
    models = lv.models(runs)
    fig, axes = charts.figure(1, 2, width_per_col=5.4, height_per_row=4.0)
    ax = axes[0][0]
    fd_series = [("unlimited", "fd-limited, limit:unlimited", "#d62728"),
                 ("limited", "fd-limited, with a limit", "#2ca02c")]

    def fd_value(m, s):
        unl, lim = lv.fd_runs(runs, m)
        r = unl if s == "unlimited" else lim
        return r.median("fd_errors") if r is not None and not r.failed and r.reps else None

    placed = charts.grouped_bars(ax, models, fd_series, fd_value)
    for (x, top) in placed.values():
        ax.annotate(fmt.count(top), (x, top), xytext=(0, 2), textcoords="offset points", ha="center",
                    va="bottom", fontsize=8)
    if not placed:
        charts.no_data(ax)
    ex_unl = next((lv.fd_runs(runs, m)[0] for m in models if lv.fd_runs(runs, m)[0] is not None), None)
    ex_lim = next((lv.fd_runs(runs, m)[1] for m in models if lv.fd_runs(runs, m)[1] is not None), None)
    title = "fd exhaustion errors"
    if ex_unl is not None and ex_unl.reps:
        title += (f" (RLIMIT_NOFILE {fmt.count(ex_unl.name.param('fd_limit'))}, "
                  f"{fmt.count(ex_unl.median('requests'))} requests"
                  + (f", limit {fmt.count(lv.limit_of(ex_lim))})" if ex_lim is not None else ")"))
    ax.set_title(title)
    ax.set_ylabel("failed requests per repetition (median)")
    ax.margins(y=0.2)
    charts.readable_y(ax)

    ax = axes[0][1]
    cap_series = [("semaphore", "semaphore, no pooling", "#9467bd"), ("connector", "pooled connector", "#1f77b4")]

    def cap_run(m, s):
        for r in lv.part(runs, "cap", m):
            if lv.key(r).mode == s and not r.failed and r.reps:
                return r
        return None

    def cap_value(m, s):
        r = cap_run(m, s)
        return r.median("conns_opened") if r else None

    placed = charts.grouped_bars(ax, models, cap_series, cap_value)
    for (m, s), (x, top) in placed.items():
        r = cap_run(m, s)
        ax.annotate(f"{fmt.count(top)}\n{fmt.axis(r.median('req_per_s'))} req/s", (x, top), xytext=(0, 2),
                    textcoords="offset points", ha="center", va="bottom", fontsize=7.5)
    if placed:
        ax.set_yscale("log")
    else:
        charts.no_data(ax)
    charts.readable_y(ax)
    ax.margins(y=0.3)
    ex = next((cap_run(m, "connector") or cap_run(m, "semaphore") for m in models), None)
    ax.set_title("connections opened, same cap" + (f" ({fmt.count(ex.name.param('cap'))}, "
                                                  f"{fmt.count(ex.median('requests'))} requests)"
                                                  if ex is not None else ""))
    ax.set_ylabel("connections the server accepted (log scale)")
    charts.finish(fig, "Too many open files without a limit; semaphore vs connector",
                  _note(results, "numbers above the right-hand bars: connections and req/s."),
                  charts.legend_handles(fd_series + cap_series))
    return charts.save(fig, charts_dir, "limits_fd_cap")


def write_all(results, charts_dir):
    """Every limits chart; returns {stem: [paths]} ."""
    out = {"limits_throughput": throughput(results, charts_dir),
           "limits_latency": latency(results, charts_dir),
           "limits_peak": peak(results, charts_dir)}
    if lv.part(results.runs, "per_host"):
        out["limits_per_host"] = per_host(results, charts_dir)
    if lv.part(results.runs, "fd") or lv.part(results.runs, "cap"):
        out["limits_fd_cap"] = fd_cap(results, charts_dir)
    return out
