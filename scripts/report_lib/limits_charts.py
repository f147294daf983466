"""Charts of claim C2 (limits). Names (each .svg and .png under charts/):
limits_throughput (the headline: successful req/s vs limit, log x and y,
with the ideal limit ÷ delay), limits_latency (p99 in ms vs limit: the
queueing in the client), limits_peak (the server's peak of open connections
vs limit), limits_per_host (fast-host latency with a total limit alone vs
with a per-host limit: points on a log axis), limits_fd (the fd-limited
gather: requests that succeeded and failed, and the successful rate with
the failed share beside it), limits_cap (the same cap three ways:
connections opened and successful req/s, linear axes; the bound on
requests in flight is an asyncio.Semaphore for aiohttp and workers for the
C++ models, and the legend names whichever the run has).

Models are styled from the registry (report_lib/models.py): C++ solid with
filled markers, Python dashed with hollow markers; where the colour is a
setting rather than a model (per host, fd, cap), it is the setting's meaning
from palette.py (the better setting teal, the worse maroon; pooled and
unpooled as on the pooling page) and the marker is the model's; legends list
only the models and lines drawn.
"""
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from . import charts, fmt, models as registry, palette
from . import limits_verdict as lv

IDEAL = palette.REFERENCE
PREDICTED = palette.FAINT  # wide and pale, under the measured points


def _note(results, extra):
    ctx = results.ctx
    reps = results.repetitions_label
    return "  ".join([
        f"Machine: {ctx('suite_machine', 'not recorded')}.",
        f"Server: {ctx('suite_server', 'not recorded')}.",
        f"Medians of {reps or 'the'} repetitions{' (quick run)' if results.quick else ''}; {extra}",
        charts.spread_note(results, "req_per_s", "req/s")])


def _usable(r):
    return r is not None and not r.failed and bool(r.reps)


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
    ax.set_xlabel("connector limit (log scale; every request issued at once, concurrency 0)")
    ax.grid(True, axis="x", alpha=0.3)


def _sweep_chart(results, charts_dir, counter, ylabel, title, stem, note, ideal=None, reference=None,
                 reference_label="min(limit, requests)", scale=1.0):
    """One panel, log x (limit) and log y; a line per model, offset a little in x
    so models at the same limit stay apart; values × scale (µs → ms)."""
    runs = results.runs
    limits, unl_x = _x_positions(runs)
    fig, axes = charts.figure(1, 1, width_per_col=10, height_per_row=4.4)
    ax = axes[0][0]
    any_unlimited = False
    handles = []
    model_list = lv.models(runs)
    # Offsets as a factor on the log-2 axis: ±3 % per model.
    shifts = dict(zip(model_list, charts.offsets(len(model_list), spacing=0.04)))
    for model in model_list:
        xs, ys, lo, hi = [], [], [], []
        for limit, r in lv.sweep(runs, model):
            if not _usable(r):
                continue
            vals = [v * scale for v in r.values(counter)]
            if not vals:
                continue
            x = limit if limit else unl_x
            any_unlimited |= not limit
            xs.append(x * 2 ** shifts[model])
            ys.append(r.median(counter) * scale)
            lo.append(min(vals))
            hi.append(max(vals))
        if not xs:
            continue
        style = registry.get(model).line_style()
        ax.errorbar(xs, ys, yerr=[[y - a for y, a in zip(ys, lo)], [b - y for y, b in zip(ys, hi)]],
                    markersize=5, capsize=2, linewidth=1.4, zorder=3, **style)
        handles.append(Line2D([], [], **style))
    if ideal and len(limits) > 1 and handles:
        ax.plot(limits, [ideal(lim) for lim in limits], color=IDEAL, linestyle="--", linewidth=1.2, zorder=2)
        handles.append(Line2D([], [], color=IDEAL, linestyle="--", label=ideal.label))
    elif ideal and limits and handles:
        # One limit (a default run, the sweep is the reference's): a line of one point draws nothing.
        ax.plot(limits, [ideal(lim) for lim in limits], color=IDEAL, marker="_", markersize=36,
                markeredgewidth=1.4, linestyle="none", zorder=2)
        handles.append(Line2D([], [], color=IDEAL, marker="_", markersize=16, markeredgewidth=1.4,
                              linestyle="none", label=ideal.label))
    if reference and handles:
        # Wide and pale, under the data: the measured points should sit on it.
        ax.plot([x for x, _ in reference], [y * scale for _, y in reference], color=PREDICTED, linewidth=6,
                alpha=0.7, zorder=1, solid_capstyle="round")
        handles.append(Line2D([], [], color=PREDICTED, linewidth=6, alpha=0.7, label=reference_label))
    if not handles:
        charts.no_data(ax)
    else:
        ax.set_yscale("log")
        ax.legend(handles=handles, loc="best", frameon=True, framealpha=0.9, edgecolor="none")
    _log_x(ax, limits, unl_x, any_unlimited)
    charts.readable_y(ax)
    if handles:
        _y_between_ticks(ax)
    ax.set_ylabel(ylabel)
    charts.finish(fig, title, _note(results, note))
    return charts.save(fig, charts_dir, stem)


def _y_between_ticks(ax):
    """Widens a log y axis to the labelled ticks just below and above the data (error bars and
    reference lines included), so every value sits under a tick with a number on it."""
    low, high = ax.dataLim.y0, ax.dataLim.y1
    if not (low > 0 and high > 0):
        return
    ticks = ax.yaxis.get_major_locator().tick_values(low / 10, high * 10)
    below = [t for t in ticks if 0 < t <= low]
    above = [t for t in ticks if t >= high]
    if below and above:
        ax.set_ylim(max(below) / 1.05, min(above) * 1.05)


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
    return _sweep_chart(results, charts_dir, "req_per_s", "successful requests/s (median, log scale)",
                        "Throughput vs connector limit, every request issued at once (gather)",
                        "limits_throughput", "error bars: min–max of the repetitions; dashed: limit ÷ delay; "
                        "models drawn a little apart in x at each limit.",
                        ideal=ideal if d else None)


def latency(results, charts_dir):
    runs = results.runs
    limits, _ = _x_positions(runs)
    reference = []
    d = _delay(runs)
    for lim in limits:
        r = next((r for m in lv.models(runs) for L, r in lv.sweep(runs, m) if L == lim and r.reps), None)
        if r is not None and d:
            waves = -(-int(r.median("requests")) // int(lim))
            reference.append((lim, 1000.0 * d * waves))
    return _sweep_chart(results, charts_dir, "p99_us", "p99 latency, ms (median, log scale)",
                        "p99 latency vs limit: flat by design, the waiting of ⌈requests ÷ limit⌉ waves × delay",
                        "limits_latency", "latency runs from the gather's start, so it includes the wait "
                        "for a slot; each limited run is sized to the same number of waves of `limit` requests, "
                        "so p99 is that many server delays whatever the limit: queueing in the client, not a "
                        "slower server.", reference=reference,
                        reference_label="predicted: ⌈requests ÷ limit⌉ × delay", scale=1e-3)


def peak(results, charts_dir):
    runs = results.runs
    limits, unl_x = _x_positions(runs)
    requests = {}
    for m in lv.models(runs):
        for lim, r in lv.sweep(runs, m):
            if r.reps:
                requests[lim or unl_x] = max(requests.get(lim or unl_x, 0), r.median("requests") or 0)
    reference = [(x, min(x, requests[x]) if x != unl_x else requests[x]) for x in sorted(requests)]
    return _sweep_chart(results, charts_dir, "conns_peak", "server's peak of open connections (log scale)",
                        "Connections open at once, as the server saw them", "limits_peak",
                        "wide grey line: min(limit, requests) (for unlimited: the most requests issued).",
                        reference=reference)


def _marker_handles(models):
    """Legend entries for the model markers (grey: colour is the series there); Python hollow."""
    out = []
    for m in models:
        reg = registry.get(m)
        out.append(Line2D([], [], color=palette.STAND_IN, marker=reg.marker, linestyle="none",
                          markerfacecolor=palette.PAPER if reg.is_python else palette.STAND_IN, label=reg.label()))
    return out


def _model_groups(models):
    """x tick labels: model name and language."""
    return [registry.get(m).name + ("\n(Python)" if registry.get(m).is_python else "\n(C++)") for m in models]


def per_host(results, charts_dir):
    runs = results.runs
    models = [m for m in lv.models(runs) if any(lv.fast_p99_pair(runs, m))]
    example = next((r for m in models for r in lv.fast_p99_pair(runs, m) if _usable(r)), None)
    total = lv.limit_of(example) if example is not None else None
    per = next((lv.limit_of(r, "limit_per_host") for m in models for r in lv.fast_p99_pair(runs, m)[1:]
                if r is not None), None)
    series = [("total", f"limit:{fmt.count(total)}, no per-host limit", palette.BAD),
              ("per_host", f"limit:{fmt.count(total)}, limit_per_host:{fmt.count(per)}", palette.GOOD)]
    fig, axes = charts.figure(1, 2, width_per_col=5.4, height_per_row=4.0)

    def run_of(m, s):
        total_only, with_per_host = lv.fast_p99_pair(runs, m)
        r = total_only if s == "total" else with_per_host
        return r if _usable(r) else None

    drawn = set()
    for ax, counter, what in ((axes[0][0], "fast_p50_us", "p50"), (axes[0][1], "fast_p99_us", "p99")):
        def value(m, s, counter=counter):
            r = run_of(m, s)
            return r.median(counter) / 1000 if r else None

        def spread(m, s, counter=counter):
            r = run_of(m, s)
            vals = r.values(counter) if r else []
            return (min(vals) / 1000, max(vals) / 1000) if vals else None

        # Points, not bars: the axis is log (the two settings differ by decades).
        placed = charts.grouped_points(ax, models, series, value, spread=spread,
                                       markers=lambda m, s: registry.get(m).marker,
                                       hollow=lambda m, s: registry.get(m).is_python)
        drawn |= {s for (_, s) in placed}
        for (m, s), (x, _top) in placed.items():
            # The median beside its point (top would be the error bar's end).
            ax.annotate(fmt.sig(value(m, s)) + " ms", (x, value(m, s)), xytext=(5, 0),
                        textcoords="offset points", ha="left", va="center", fontsize=7.5)
        if placed:
            ax.set_yscale("log")
            ax.set_xticklabels(_model_groups(models))
        else:
            charts.no_data(ax)
        charts.readable_y(ax)
        ax.set_ylabel(f"fast hosts' {what} latency, ms (log scale)")
        ax.set_title(f"fast hosts, {what}")
    setup = ""
    if example is not None:
        setup = (f"3 hosts round-robin, one slow ({fmt.param(example.median('slow_delay_ms'))} ms), two fast "
                 f"({fmt.param(example.median('fast_delay_ms'))} ms); ")
    legend = [Line2D([], [], color=c, marker="o", linestyle="none", label=label)
              for k, label, c in series if k in drawn] + (_marker_handles(models) if drawn else [])
    charts.finish(fig, "Limit per host: fast hosts no longer queue behind the slow one",
                  _note(results, setup + "medians of each repetition's fast-host percentiles, error bars "
                                 "min–max; hollow markers: Python."), legend)
    return charts.save(fig, charts_dir, "limits_per_host")


def fd(results, charts_dir):
    runs = results.runs
    models = [m for m in lv.models(runs) if any(_usable(r) for r in lv.fd_runs(runs, m))]
    fig, axes = charts.figure(1, 2, width_per_col=5.4, height_per_row=4.0)
    ex_unl = next((lv.fd_runs(runs, m)[0] for m in models if _usable(lv.fd_runs(runs, m)[0])), None)
    ex_lim = next((lv.fd_runs(runs, m)[1] for m in models if _usable(lv.fd_runs(runs, m)[1])), None)
    fd_limit = fmt.count(ex_unl.name.param("fd_limit")) if ex_unl is not None else "?"
    lim_text = f"limit:{fmt.count(lv.limit_of(ex_lim))}" if ex_lim is not None else "limit"
    series = [("unlimited", "limit:unlimited", palette.UNBOUNDED), ("limited", lim_text, palette.BOUNDED)]

    def run_of(m, s):
        unl, lim = lv.fd_runs(runs, m)
        r = unl if s == "unlimited" else lim
        return r if _usable(r) else None

    # Left: requests per repetition, the successful part solid and the failed part hatched on top.
    ax = axes[0][0]
    n = len(series)
    drawn = set()
    for gi, m in enumerate(models):
        for si, (k, _label, colour) in enumerate(series):
            r = run_of(m, k)
            if r is None:
                continue
            x = gi - 0.4 + 0.8 / n * (si + 0.5)
            total = r.median("requests")
            failed = r.median("errors") or 0
            ok = total - failed
            ax.bar(x, ok, width=0.8 / n, color=colour, edgecolor=colour)
            if failed:
                ax.bar(x, failed, bottom=ok, width=0.8 / n, color=palette.PAPER, edgecolor=colour, hatch="///")
            ax.annotate(f"{fmt.count(ok)} ok\n{fmt.count(failed)} failed", (x, total), xytext=(0, 2),
                        textcoords="offset points", ha="center", va="bottom", fontsize=7)
            drawn.add(k)
    if drawn:
        ax.set_xticks(range(len(models)))
        ax.set_xticklabels(_model_groups(models))
        ax.set_xlim(-0.6, max(len(models), 2) - 0.4)
        ax.margins(y=0.25)
    else:
        charts.no_data(ax)
    charts.readable_y(ax)
    ax.set_ylabel("requests per repetition (median)")
    ax.set_title(f"succeeded (solid) and failed (hatched), RLIMIT_NOFILE {fd_limit}")

    # Right: successful req/s, linear, with the failed share written beside each point.
    ax = axes[0][1]

    def rate(m, s):
        r = run_of(m, s)
        return r.median("req_per_s") if r else None

    placed = charts.grouped_points(ax, models, series, rate,
                                   markers=lambda m, s: registry.get(m).marker,
                                   hollow=lambda m, s: registry.get(m).is_python)
    for (m, s), (x, top) in placed.items():
        r = run_of(m, s)
        share = (r.median("errors") or 0) / r.median("requests") if r.median("requests") else 0
        ax.annotate(f"{fmt.pct(share, 0)} failed", (x, top), xytext=(5, 0), textcoords="offset points",
                    ha="left", va="center", fontsize=7.5, color=palette.FAILED if share else palette.TEXT)
    if placed:
        ax.set_xticklabels(_model_groups(models))
        ax.set_ylim(bottom=0)
        ax.margins(y=0.2)
    else:
        charts.no_data(ax)
    charts.readable_y(ax)
    ax.set_ylabel("successful requests/s (median)")
    ax.set_title("successful throughput, failed share beside it")
    legend = [Line2D([], [], color=c, marker="s", linestyle="none", label=label)
              for k, label, c in series if k in drawn] + (_marker_handles(models) if placed else [])
    charts.finish(fig, "Too many open files: the unlimited gather fails, a connector limit does not",
                  _note(results, "the soft limit is lowered around each timed run only; "
                                 "hollow markers: Python."), legend)
    return charts.save(fig, charts_dir, "limits_fd")


def _bound_label(models, runs, c, pooled):
    """'asyncio.Semaphore(32) (Python) / 32 workers (C++) over one pooled session': the bounds drawn
    (a default run measures the unpooled bound for Python only)."""
    bounds = []
    for b, who in (("semaphore", "Python"), ("workers", "C++")):
        if any(lv.bound_of(runs, m) == b and lv.cap_run(runs, m, lv.bound_mode(runs, m, pooled)) for m in models):
            bounds.append(f"{'asyncio.Semaphore(' + c + ')' if b == 'semaphore' else c + ' workers'} ({who})")
    return " / ".join(bounds) + (" over one pooled session" if pooled else ", new connection per request")


def cap(results, charts_dir):
    runs = results.runs
    models = [m for m in lv.models(runs) if any(lv.cap_run(runs, m, k) for k in lv.CAP_MODES)]
    ex = next((lv.cap_run(runs, m, k) for m in models for k in lv.CAP_MODES if lv.cap_run(runs, m, k)), None)
    c = fmt.count(ex.name.param("cap")) if ex is not None else "?"
    # Series by role; each model's bound (semaphore or workers) fills the first two.
    series = [("pooled", _bound_label(models, runs, c, True), palette.POOLED),
              ("unpooled", _bound_label(models, runs, c, False), palette.UNPOOLED),
              ("connector", f"connector limit:{c}, gather (concurrency 0)", palette.FIRST)]

    def run_of(m, role):
        mode = "connector" if role == "connector" else lv.bound_mode(runs, m, pooled=role == "pooled")
        return lv.cap_run(runs, m, mode) if mode else None

    fig, axes = charts.figure(1, 2, width_per_col=6.0, height_per_row=4.2)
    drawn = set()
    for ax, counter, ylabel, title in (
            (axes[0][0], "conns_opened", "connections the server accepted (median)", "connections opened"),
            (axes[0][1], "req_per_s", "successful requests/s (median)", "throughput")):
        def value(m, s, counter=counter):
            r = run_of(m, s)
            return r.median(counter) if r else None

        def spread(m, s, counter=counter):
            r = run_of(m, s)
            vals = r.values(counter) if r else []
            return (min(vals), max(vals)) if vals else None

        # Linear axis on both panels, so bars are allowed and comparable.
        placed = charts.grouped_bars(ax, models, series, value, spread=spread)
        drawn |= {s for (_, s) in placed}
        for (m, s), (x, top) in placed.items():
            r = run_of(m, s)
            text = fmt.count(r.median(counter)) if counter == "conns_opened" else fmt.axis(r.median(counter))
            if r.errors:
                text += f"\n{fmt.count(r.errors)} failed"
            ax.annotate(text, (x, top), xytext=(0, 2), textcoords="offset points", ha="center", va="bottom",
                        fontsize=7.5)
        if placed:
            ax.set_xticklabels(_model_groups(models))
            ax.margins(y=0.2)
        else:
            charts.no_data(ax)
        charts.readable_y(ax)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
    charts.finish(fig, f"The same cap ({c}) three ways: a semaphore or workers bound requests, a connector "
                       "bounds connections",
                  _note(results, f"{fmt.count(ex.median('requests')) if ex is not None else '?'} requests per "
                                 "repetition; error bars min–max."),
                  charts.legend_handles([s for s in series if s[0] in drawn]), ncol=1)
    return charts.save(fig, charts_dir, "limits_cap")


def write_all(results, charts_dir):
    """Every limits chart the run has data for; returns {stem: [paths]}. A default run measures one
    limit of the sweep per model and the per-host limit alone (the sweep and the total limit alone are
    the reference's), so the latency and peak charts, curves over the limits, and the per-host chart,
    a comparison of the two settings, are drawn only when the run has what they compare."""
    runs = results.runs
    out = {"limits_throughput": throughput(results, charts_dir)}
    if len(_x_positions(runs)[0]) > 1:
        out["limits_latency"] = latency(results, charts_dir)
        out["limits_peak"] = peak(results, charts_dir)
    if any(all(lv.fast_p99_pair(runs, m)) for m in lv.models(runs)):
        out["limits_per_host"] = per_host(results, charts_dir)
    if lv.part(results.runs, "fd"):
        out["limits_fd"] = fd(results, charts_dir)
    if lv.part(results.runs, "cap"):
        out["limits_cap"] = cap(results, charts_dir)
    return out
