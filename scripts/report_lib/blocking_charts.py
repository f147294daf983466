"""Charts of claims C3 and C5 (blocking), each .svg and .png under charts/:
blocking_client (C3: total time per way of waiting, Python and C++, with the
mechanism's bounds; the headline), blocking_cpu (C5: wall time and CPU time
of the CPU work by where it runs, with the bound the CPUs allow),
blocking_lag (event-loop lag and the unrelated requests' latency) and
blocking_server (requests/s against concurrency for the two mockd engines and
aiohttp's time.sleep and asyncio.sleep handlers).

Conventions (as in models.py): Python rows are drawn with hollow square
markers, C++ rows with filled circles; the colour is the way of waiting or
working (a meaning, palette.py), and on blocking_server each mockd engine has
the colour of the client model it works like (Asio: asio_coro's; cpp-httplib:
blocking_httplib's). Times are in ms. Values that span decades go on log axes as points,
never bars; every panel of a figure has the same axis type.
"""
from matplotlib.lines import Line2D

from . import charts, fmt, palette
from . import blocking_verdict as bv
from .models import CPP, PYTHON

# The colour of a way of waiting or working, whatever the language (a meaning: a wait that
# yields is the better way, one that blocks the loop the worse, a thread pool in between), and
# the name each kind goes by in the legend.
CLASSES = {
    "timer": ("yields", palette.GOOD), "asyncio_sleep": ("yields", palette.GOOD),
    "sleep": ("blocks the loop", palette.BAD), "time_sleep": ("blocks the loop", palette.BAD),
    "on_loop": ("blocks the loop", palette.BAD),
    "offload": ("thread pool", palette.BETWEEN), "to_thread": ("thread pool", palette.BETWEEN),
    "process_pool": ("process pool", palette.FIRST),
}
KIND_NAMES = {"timer": "asio timer", "asyncio_sleep": "asyncio.sleep", "sleep": "sleep_for",
              "time_sleep": "time.sleep", "on_loop": "work on the loop", "offload": "asio::thread_pool",
              "to_thread": "asyncio.to_thread", "process_pool": "ProcessPoolExecutor"}
OTHER = ("other", palette.NONE)
LANG_MARKER = {CPP: "o", PYTHON: "s"}
# mockd's two engines: Asio's event loop, and cpp-httplib's thread per connection.
ASIO, BLOCKING = palette.model("mockd_asio"), palette.model("mockd_blocking")


def _colour(run):
    return CLASSES.get(bv.key(run).kind, OTHER)[1]


def _text(run):
    return bv.label(run).replace("`", "")


def _note(results, extra):
    ctx = results.ctx
    return "  ".join([f"Machine: {ctx('suite_machine', 'not recorded')}.",
                      f"Client: {ctx('suite_client', 'not recorded')}; the Python child may use every CPU.",
                      f"Medians of {results.repetitions_label or 'the'} repetitions"
                      f"{' (quick run)' if results.quick else ''}; {extra}"])


def _point(ax, y, v, run, marker=None, size=7, zorder=3, face=None):
    lang = bv.language(run)
    colour = _colour(run)
    hollow = lang == PYTHON or run.errors
    ax.plot([v], [y], marker=marker or LANG_MARKER[lang], markersize=size, linestyle="none", color=colour,
            markerfacecolor=face or (palette.PAPER if hollow else colour),
            markeredgecolor=palette.INK if run.errors else colour, markeredgewidth=1.4, zorder=zorder)


def _rows(ax, runs):
    """y positions top to bottom, labels in the run's language."""
    ys = list(range(len(runs)))[::-1]
    ax.set_yticks(ys)
    ax.set_yticklabels([_text(r) for r in runs])
    for tick, r in zip(ax.get_yticklabels(), runs):
        if bv.language(r) == PYTHON:
            tick.set_fontstyle("italic")
    ax.set_ylim(-0.7, len(runs) - 0.3)
    ax.grid(True, axis="x", which="major", alpha=0.3)
    ax.grid(False, axis="y")
    return ys


def _language_handles(runs):
    langs = [lang for lang in (PYTHON, CPP) if any(bv.language(r) == lang for r in runs)]
    return [Line2D([], [], marker=LANG_MARKER[lang], linestyle="none", color=palette.STAND_IN,
                   markerfacecolor=palette.PAPER if lang == PYTHON else palette.STAND_IN, label=lang)
            for lang in langs]


def _class_handles(runs):
    """One entry per colour drawn, naming the kinds drawn in it: 'blocks the loop: time.sleep, sleep_for'."""
    names = {}
    for r in runs:
        kind = bv.key(r).kind
        text, colour = CLASSES.get(kind, OTHER)
        entry = names.setdefault((text, colour), [])
        if KIND_NAMES.get(kind, kind) not in entry:
            entry.append(KIND_NAMES.get(kind, kind))
    return [Line2D([], [], color=colour, lw=6, label=f"{text}: {', '.join(kinds)}")
            for (text, colour), kinds in names.items()]


def _errors_handle(runs):
    if any(r.errors for r in runs):
        return [Line2D([], [], marker="o", linestyle="none", color=palette.PAPER, markeredgecolor=palette.INK,
                       label="run had errors")]
    return []


def _failed(ax, y, run):
    ax.annotate("failed", (0.02, y), xycoords=("axes fraction", "data"), color=palette.FAILED, fontsize=8,
                va="center")


def client(results, charts_dir):
    """C3: total time per way of waiting (points, log ms axis), Python above C++."""
    runs = [r for r in bv.loop_runs(results.runs) if not bv.key(r).cpu]
    runs = [r for r in runs if bv.language(r) == PYTHON] + [r for r in runs if bv.language(r) == CPP]
    fig, axes = charts.figure(1, 1, width_per_col=10, height_per_row=0.45 * max(len(runs), 4) + 1.2)
    ax = axes[0][0]
    if not runs:
        charts.no_data(ax)
    else:
        ys = _rows(ax, runs)
        bound_drawn = False
        for y, r in zip(ys, runs):
            vals = r.values("total_ms")
            if r.failed or not vals:
                _failed(ax, y, r)
                continue
            for v in vals:
                ax.plot([v], [y], marker=".", markersize=4, color=_colour(r), alpha=0.7, zorder=2)
            v = r.median("total_ms")
            _point(ax, y, v, r, size=8)
            ax.annotate(f"{fmt.compact(v)} ms", (v, y), xytext=(8, 4), textcoords="offset points", fontsize=8)
            b = bv.bound_ms(r)
            if b:
                ax.plot([b], [y], marker="|", markersize=16, markeredgewidth=2.2, color=palette.INK, zorder=4)
                bound_drawn = True
        ax.set_xscale("log")
        charts.ms_axis(ax, "x")
        ax.set_xlabel("total time of the 100 tasks, ms (log scale)")
        w = bv.work_ms(runs[0])
        ax.set_title(f"C3: 100 tasks on one event loop wait {fmt.param(w)} ms each, then make one request")
    legend = (_class_handles(runs) + _language_handles(runs) + _errors_handle(runs)
              + ([Line2D([], [], marker="|", markersize=12, markeredgewidth=2.2, color=palette.INK, linestyle="none",
                         label="least total allowed: D, N×D, ceil(N/W)×D")] if runs and bound_drawn else []))
    charts.finish(fig, "C3: a blocking sleep on the loop adds up, a yielding wait does not",
                  _note(results, "small dots: each repetition; marker: the median."), legend, ncol=2)
    return charts.save(fig, charts_dir, "blocking_client")


def cpu(results, charts_dir):
    """C5: wall and CPU time of the CPU work by where it runs (linear ms axis: one decade)."""
    runs = [r for r in bv.loop_runs(results.runs) if bv.key(r).cpu]
    runs = [r for r in runs if bv.language(r) == PYTHON] + [r for r in runs if bv.language(r) == CPP]
    fig, axes = charts.figure(1, 1, width_per_col=10, height_per_row=0.5 * max(len(runs), 4) + 1.2)
    ax = axes[0][0]
    cpu_drawn = bound_drawn = False
    if not runs:
        charts.no_data(ax)
    else:
        ys = _rows(ax, runs)
        for y, r in zip(ys, runs):
            if r.failed or not r.values("total_ms"):
                _failed(ax, y, r)
                continue
            wall = r.median("total_ms")
            _point(ax, y, wall, r, size=8)
            label = f"{fmt.compact(wall)} ms wall"
            c = r.median("cpu_s")
            if c is not None:
                ax.plot([c * 1000], [y - 0.22], marker="D", markersize=5, linestyle="none", color=palette.REFERENCE,
                        zorder=3)
                ax.plot([c * 1000, wall], [y - 0.22, y], color=palette.FAINT, lw=0.8, zorder=1)
                cpu_drawn = True
                label += f", {fmt.compact(c * 1000)} ms CPU, {fmt.param(bv.cpus(r))} CPU"
                label += "s" if bv.cpus(r) != 1 else ""
            ax.annotate(label, (wall, y), xytext=(8, 4), textcoords="offset points", fontsize=7.5)
            b = bv.bound_ms(r)
            if b:
                ax.plot([b], [y], marker="|", markersize=16, markeredgewidth=2.2, color=palette.INK, zorder=4)
                bound_drawn = True
        right = max([r.median("total_ms") or 0 for r in runs] + [(r.median("cpu_s") or 0) * 1000 for r in runs])
        ax.set_xlim(0, right * 1.5 if right else None)
        charts.ms_axis(ax, "x")
        ax.set_xlabel("ms (linear)")
        ax.set_title(f"C5: 100 tasks each do {fmt.param(bv.work_ms(runs[0]))} ms of CPU work, then make one "
                     "request")
    legend = _class_handles(runs) + _language_handles(runs) + _errors_handle(runs)
    if cpu_drawn:
        legend.append(Line2D([], [], marker="D", markersize=5, linestyle="none", color=palette.REFERENCE,
                             label="CPU time of the process (cpu_s)"))
    if bound_drawn:
        legend.append(Line2D([], [], marker="|", markersize=12, markeredgewidth=2.2, color=palette.INK,
                             linestyle="none", label="least wall time: CPU work ÷ CPUs usable"))
    charts.finish(fig, "C5: where CPU work runs decides the loop's stall; CPUs (and the GIL) decide the wall time",
                  _note(results, "wall time = total_ms; CPU time of the process during the run "
                                 "(Python process pool: with its workers')."), legend, ncol=2)
    return charts.save(fig, charts_dir, "blocking_cpu")


def lag(results, charts_dir):
    """Loop lag (max, p99) and unrelated requests' latency (p99, p50): points on log ms axes."""
    runs = bv.loop_runs(results.runs)
    runs = [r for r in runs if bv.language(r) == PYTHON] + [r for r in runs if bv.language(r) == CPP]
    fig, axes = charts.figure(1, 2, width_per_col=7.0, height_per_row=0.42 * max(len(runs), 4) + 1.2)
    specs = [(axes[0][0], [("loop_lag_max_us", "max", None), ("loop_lag_p99_us", "p99", "+")],
              "Event-loop lag (how late a 1 ms heartbeat wakes):\nmax (● □), p99 (+)"),
             (axes[0][1], [("other_p99_us", "p99", None), ("other_p50_us", "p50", "+")],
              "Unrelated requests due every 5 ms, latency from when due:\np99 (● □), p50 (+)")]
    drawn = set()
    for i, (ax, counters, title) in enumerate(specs):
        if not runs:
            charts.no_data(ax)
            continue
        ys = _rows(ax, runs)
        if i == 1:
            ax.set_yticklabels([])
        for y, r in zip(ys, runs):
            if r.failed:
                _failed(ax, y, r)
                continue
            for counter, stat, marker in counters:
                v = r.median(counter)
                if v is None or v <= 0:
                    continue
                _point(ax, y, v / 1000, r, marker=marker, size=7 if marker is None else 9,
                       zorder=3 if marker is None else 4)
                drawn.add(stat if marker is None else "second")
        ax.set_xscale("log")
        charts.ms_axis(ax, "x")
        ax.set_xlabel("ms (log scale)")
        ax.set_title(title)
    if runs:
        d = bv.work_ms(next((r for r in runs if not bv.key(r).cpu), runs[0]))
        axes[0][0].axvline(d, color=palette.INK, linestyle=":", linewidth=1)
    legend = _class_handles(runs) + _language_handles(runs) + _errors_handle(runs)
    if "second" in drawn:
        legend.append(Line2D([], [], marker="+", markersize=9, markeredgewidth=1.4, linestyle="none",
                             color=palette.STAND_IN, label="lag p99 / requests' p50"))
    if runs:
        legend.append(Line2D([], [], color=palette.INK, linestyle=":", label="the wait D"))
    charts.finish(fig, "What the blocking part does to everything else on the loop",
                  _note(results, "medians over repetitions of each repetition's max/p99/p50."), legend, ncol=2)
    return charts.save(fig, charts_dir, "blocking_lag")


def server(results, charts_dir):
    runs = results.runs
    fig, axes = charts.figure(1, 1, width_per_col=9, height_per_row=5.0)
    ax = axes[0][0]
    delay = threads = None
    all_c = set()
    counts = []  # concurrencies drawn per series
    errors_drawn = False
    for engine, colour in (("asio", ASIO), ("blocking", BLOCKING)):
        by_c = bv.server_runs(runs, engine)
        cs = sorted(c for c, r in by_c.items() if not r.failed)
        all_c |= set(cs)
        if not cs:
            continue
        counts.append(len(cs))
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
                ax.plot([c], [by_c[c].median("steady_req_per_s")], "x", color=palette.FAILED, markersize=10,
                        label=None if errors_drawn else "run had errors")
                errors_drawn = True
    # aiohttp's two handlers beside the engines: Python's hollow squares, the kinds' colours.
    for route in ("asyncio_sleep", "time_sleep"):
        by_c = bv.aiohttp_runs(runs, route)
        cs = sorted(c for c, r in by_c.items() if not r.failed)
        if not cs:
            continue
        all_c |= set(cs)
        counts.append(len(cs))
        delay = delay or by_c[cs[0]].name.param("delay_ms")
        colour = CLASSES[route][1]
        ax.plot(cs, [by_c[c].median("steady_req_per_s") for c in cs], "s-", color=colour, markerfacecolor=palette.PAPER,
                markeredgewidth=1.4, label=f"aiohttp, handler {KIND_NAMES[route]}, steady rate", zorder=4)
        for c in cs:
            if by_c[c].errors:
                ax.plot([c], [by_c[c].median("steady_req_per_s")], "x", color=palette.FAILED, markersize=10,
                        label=None if errors_drawn else "run had errors")
                errors_drawn = True
        if route == "time_sleep" and delay:
            ax.axhline(1000.0 / delay, color=colour, linestyle=":",
                       label=f"one thread: 1/delay = {fmt.compact(1000.0 / delay)}/s")
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
        if max(counts) == 1:
            # One point per series: room on the left for the legend, clear of the points.
            ax.set_xlim(min(xs) / 4, max(xs) * 2)
        charts.readable_y(ax)
        ax.legend(loc="upper left", fontsize=8)
    else:
        charts.no_data(ax)
    ax.set_xlabel("client concurrency (asio_coro, a new connection per request)")
    ax.set_ylabel("requests/s (median, log scale)")
    ax.set_title(f"mockd engines and an aiohttp handler at a {fmt.param(delay)} ms delay: timers vs sleeping "
                 "threads")
    # The default grid measures each server at the one concurrency its headline factor is taken at.
    sweep = ("" if not counts or max(counts) > 1 else
             " This run measured one concurrency per server; the reference run (bench --reference) sweeps it.")
    charts.finish(fig, "Requests per second against concurrency: servers on timers vs handlers that sleep",
                  _note(results, "steady rate = completions over the middle half of each run; whole run "
                                 "includes the start-up ramp and stragglers." + sweep))
    return charts.save(fig, charts_dir, "blocking_server")


def write_all(results, charts_dir):
    return {"blocking_client": client(results, charts_dir),
            "blocking_cpu": cpu(results, charts_dir),
            "blocking_lag": lag(results, charts_dir),
            "blocking_server": server(results, charts_dir)}
