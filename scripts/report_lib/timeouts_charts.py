"""Charts of the timeouts scenario:

timeouts_overrun (the headline): how far past the timeout control came back,
    against the time the cancelled task's clean-up awaits: asyncio.wait_for,
    asyncio.timeout and Asio's `request || timer`, mean with its 95 % CI, with
    the line overrun = clean-up.
timeouts_tail: every request's wait (timed out or not) at each percentile,
    one panel per client, each bound a line, the timeout as a dashed line and
    the tail check's bound on the p99 (timeout + TAIL_SLACK) as a dotted one.
timeouts_pool_wait: per case, the waiters, how many timed out, how many got
    a connection (aiohttp's trace hooks) and how many mockd saw; and the
    waiters' longest wait against the timeout.

A bound is drawn in its client's model colour (palette.model: aiohttp's three
Python bounds red, told apart by marker and line; Asio's green; curl's brown),
no bound in grey; the pool-wait counts are meaning colours (timed out maroon,
got a connection teal).
"""
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from . import charts, fmt, models, palette
from . import timeouts_verdict as tv

BOUND_STYLE = {  # marker, line style; the colour is the client's (_colour)
    "none": ("o", ":"),
    "wait_for": ("o", "-"),
    "timeout": ("s", "--"),
    "client_timeout": ("^", "-."),
    "deadline": ("D", "-"),
    "curlopt_timeout": ("v", "-"),
    "or_timer": ("D", "-"),
}
TIMEOUT_LINE = palette.GUIDE    # the timeout
BOUND_LINE = palette.REFERENCE  # the tail check's bound, timeout + TAIL_SLACK
# Percentiles drawn, evenly spaced: the tail is where the timeout acts.
TAIL_POINTS = (50, 90, 95, 99, 99.9, 100)


def _colour(client, bound):
    """A bound in its client's model colour; no bound in the meaning colour of 'without'."""
    return palette.NONE if bound == "none" else palette.model(client)


def _note(results, extra=""):
    ctx = results.ctx
    return "  ".join(x for x in [
        f"Machine: {ctx('suite_machine', 'not recorded')}.",
        f"{results.repetitions_label or 'the'} repetitions{' (QUICK RUN: few requests)' if results.quick else ''}.",
        extra] if x)


def overrun(results, charts_dir):
    runs = results.runs
    fig, axes = charts.figure(1, 1, width_per_col=9, height_per_row=4.4)
    ax = axes[0][0]
    legend, xs_all = [], []
    series = [("py_aiohttp", "wait_for"), ("py_aiohttp", "timeout"), ("asio", "or_timer")]
    for i, (client, bound) in enumerate(series):
        pts = [(tv.key(r).cleanup_ms, tv.overrun_ci(r)) for r in tv.overrun_runs(runs, client, bound)]
        pts = [(x, ci) for x, ci in pts if ci]
        if not pts:
            continue
        marker, style = BOUND_STYLE[bound]
        colour = _colour(client, bound)
        if client == "asio":
            style = "-"
        dx = (i - 1) * 1.2  # keep points at the same clean-up apart
        xs = [x + dx for x, _ in pts]
        ys = [ci[0] for _, ci in pts]
        ax.plot(xs, ys, color=colour, marker=marker, linestyle=style, zorder=3,
                markerfacecolor=palette.PAPER if client.startswith("py_") else colour)
        for x, (_, ci) in zip(xs, pts):
            if ci[1] is not None:
                ax.errorbar(x, ci[0], yerr=[[max(ci[0] - ci[1], 0)], [max(ci[2] - ci[0], 0)]], fmt="none",
                            ecolor=colour, capsize=3, zorder=2)
        xs_all += [x for x, _ in pts]
        label = ("Python " if client.startswith("py_") else "C++ ") + tv.BOUND_LABEL[bound]
        legend.append(Line2D([], [], color=colour, marker=marker, linestyle=style, label=label,
                             markerfacecolor=palette.PAPER if client.startswith("py_") else colour))
    if not xs_all:
        charts.no_data(ax)
    else:
        top = max(xs_all)
        ax.plot([0, top], [0, top], color=palette.GUIDE, linestyle="--", linewidth=0.9, zorder=1)
        legend.append(Line2D([], [], color=palette.GUIDE, linestyle="--", label="overrun = clean-up time"))
        ax.set_xlim(-8, top + 8)
        ax.set_ylim(bottom=-5)
    ax.set_xlabel("time the cancelled task's clean-up awaits (ms)")
    ax.set_ylabel("control returned past the timeout (ms)")
    ax.set_title("A 50 ms timeout returns only after the cancelled work has unwound")
    ax.grid(True, axis="both", alpha=0.3)
    charts.finish(fig, "Timeout overrun vs clean-up time: mean of each repetition's median trial, 95 % CI",
                  _note(results, "Python points hollow, C++ filled; a slow request (1 s at mockd) is "
                                 "timed out after 50 ms each trial."
                        + (" One clean-up time in this run (the default grid); the reference sweeps them."
                           if tv.cleanup_sweep_left_out(runs) else "")), legend, ncol=4)
    return charts.save(fig, charts_dir, "timeouts_overrun")


def _spectrum_points(run):
    if not run.spectrum:
        return None
    values = {round(p, 3): us for p, us in run.spectrum.get("percentiles", [])}
    ys = [values.get(round(p, 3)) for p in TAIL_POINTS]
    return None if any(y is None for y in ys) else [y / 1000 for y in ys]


def tail(results, charts_dir):
    runs = tv.runs_of(results.runs, "tail")
    clients = models.ordered({tv.key(r).client for r in runs})
    if not clients:
        clients = ["py_aiohttp"]
    fig, axes = charts.figure(1, len(clients), width_per_col=4.4, height_per_row=4.2)
    legend = {}
    timeouts = set()
    for ax, client in zip(axes[0], clients):
        drawn = False
        for r in [r for r in runs if tv.key(r).client == client]:
            ys = _spectrum_points(r)
            if ys is None:
                continue
            k = tv.key(r)
            marker, style = BOUND_STYLE.get(k.bound, ("x", "-"))
            colour = _colour(client, k.bound)
            ax.plot(range(len(TAIL_POINTS)), ys, color=colour, marker=marker, linestyle=style,
                    label=tv.BOUND_LABEL.get(k.bound, k.bound))
            legend.setdefault(k.bound, Line2D([], [], color=colour, marker=marker, linestyle=style,
                                              label=tv.BOUND_LABEL.get(k.bound, k.bound)))
            if k.timeout_ms:
                timeouts.add(k.timeout_ms)
            drawn = True
        if not drawn:
            charts.no_data(ax)
        for t in timeouts:
            ax.axhline(t, color=TIMEOUT_LINE, linestyle="--", linewidth=0.9)
            ax.axhline(t * (1 + tv.TAIL_SLACK), color=BOUND_LINE, linestyle=":", linewidth=1.0)
        ax.set_yscale("log")
        charts.readable_y(ax)
        ax.set_xticks(range(len(TAIL_POINTS)))
        ax.set_xticklabels(["max" if p == 100 else f"p{fmt.compact(p)}" for p in TAIL_POINTS])
        ax.set_title(f"{client} ({models.get(client).language})")
        ax.set_ylabel("wait per request, ms (log)")
    items = list(legend.values())
    if timeouts:
        items.append(Line2D([], [], color=TIMEOUT_LINE, linestyle="--",
                            label=f"timeout ({', '.join(fmt.compact(t) for t in sorted(timeouts))} ms)"))
        items.append(Line2D([], [], color=BOUND_LINE, linestyle=":",
                            label=f"the rule's bound on the p99: timeout + {fmt.compact(tv.TAIL_SLACK * 100)} %"))
    charts.finish(fig, "Every request's wait, timed out or not, against a lognormal server (p50 5 ms, p99 100 ms)",
                  _note(results, "Percentiles over all repetitions' requests (spectra.json)."), items,
                  ncol=min(len(items), 4))
    return charts.save(fig, charts_dir, "timeouts_tail")


POOL_CASE_TEXT = {"never_free": "never_free: one connection held 150 ms, 3 waiters",
                  "freed_late": "freed_late: held 60 ms, the waiter needs 60 ms at the server",
                  "no_limit": "no_limit: never_free without the cap"}


def pool_wait(results, charts_dir):
    runs = tv.runs_of(results.runs, "pool_wait")
    fig, axes = charts.figure(1, 2, width_per_col=5.4, height_per_row=4.0)
    left, right = axes[0]
    cases = [r for r in runs if not r.failed and r.reps]
    bars = [("waiters", "waiters", palette.FAINT), ("timed out", "timed_out", palette.BAD),
            ("got a connection (client)", "got_connection", palette.GOOD),
            ("mockd saw", "server_requests_seen", palette.FIRST)]
    width = 0.2
    for i, r in enumerate(cases):
        for j, (_, counter, colour) in enumerate(bars):
            v = r.median(counter) or 0
            left.bar(i + (j - 1.5) * width, v, width, color=colour)
            left.annotate(fmt.count(v), (i + (j - 1.5) * width, v), ha="center", va="bottom", fontsize=7.5)
    left.set_xticks(range(len(cases)))
    left.set_xticklabels([f"{tv.key(r).bound}\nlimit:{r.name.param('limit')}" for r in cases])
    left.set_ylabel("requests (median over repetitions)")
    left.set_title("Who reached the server")
    t = None
    for i, r in enumerate(cases):
        v = r.median("waiter_max_ms")
        t = r.name.param("timeout_ms") or t
        right.bar(i, v or 0, 0.5, color=palette.model(tv.key(r).client))
        right.annotate(f"{fmt.sig(v)} ms", (i, v or 0), ha="center", va="bottom", fontsize=7.5)
    if t:
        right.axhline(t, color=TIMEOUT_LINE, linestyle="--", linewidth=0.9)
    right.set_xticks(range(len(cases)))
    right.set_xticklabels([tv.key(r).bound for r in cases])
    right.set_ylabel("longest waiter's wait, ms")
    right.set_title("The waiters' wait against ClientTimeout(total)")
    if not cases:
        charts.no_data(left)
        charts.no_data(right)
    legend = [Patch(color=c, label=label) for label, _, c in bars]
    if t:
        legend.append(Line2D([], [], color=TIMEOUT_LINE, linestyle="--", label=f"timeout ({fmt.compact(t)} ms)"))
    left_out = tv.pool_cases_left_out(results.runs)
    described = "; ".join(text for case, text in POOL_CASE_TEXT.items() if case not in left_out) + "."
    if left_out:
        described += (f" Not measured in this run (the default grid): {', '.join(left_out)}; the reference "
                      f"measures every case.")
    charts.finish(fig, "aiohttp: the wait for a pooled connection counts against ClientTimeout(total)",
                  _note(results, described), legend, ncol=5)
    return charts.save(fig, charts_dir, "timeouts_pool_wait")


def write_all(results, charts_dir):
    """Draws every chart; returns {stem: [paths]} in page order."""
    return {"timeouts_overrun": overrun(results, charts_dir),
            "timeouts_tail": tail(results, charts_dir),
            "timeouts_pool_wait": pool_wait(results, charts_dir)}
