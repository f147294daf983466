"""Charts of the tasks scenario, each a figure of cost against the number of
waiting tasks (log-log), one line per kind of task, C++ solid and Python
dashed (hollow markers):
  tasks_bytes_per_task  RSS per waiting task (the headline);
  tasks_creation        creation time per task, wall clock and CPU time;
  tasks_wake            from setting the event to the last task running.
Points are geometric means over the repetitions with their 95 % CI; a count
a kind did not reach (a machine limit, a failure) is a cross on the axis.
Each kind has the colour of the client model it works like (palette.py):
threads the thread models' cyan (C++) and blue (Python), the C++ coroutine
asio_coro's green, asyncio tasks py_aiohttp's red; the 64 KiB-stack threads
share the C++ threads' colour, drawn dotted.
"""
from matplotlib.lines import Line2D
from matplotlib.ticker import NullFormatter

from . import charts, fmt, palette
from . import tasks_verdict as tv

MARKER = {"cpp_thread": "o", "cpp_thread_64k": "s", "cpp_coroutine": "D", "py_thread": "o", "py_asyncio": "D"}
# The same kind of task with another stack: the same colour, another line.
VARIANT_LINE = {"cpp_thread_64k": ":"}


def _style(series):
    colour, marker = palette.model(series), MARKER.get(series, "x")
    python = tv.LANGUAGE.get(series) == "Python"
    line = VARIANT_LINE.get(series, "--" if python else "-")
    return colour, marker, line, ("none" if python else colour)


def _handles(drawn):
    out = []
    for s in drawn:
        colour, marker, line, face = _style(s)
        out.append(Line2D([], [], color=colour, marker=marker, linestyle=line, markerfacecolor=face,
                          label=tv.SERIES.get(s, s)))
    out.append(Line2D([], [], color=palette.STAND_IN, marker="x", markeredgewidth=2, linestyle="none",
                      label="count not reached (colour: its kind)"))
    return out


def _panel(ax, runs, counter, scale=1.0):
    """Draws every series of `counter` (times scale) against n; returns (series drawn, values)."""
    drawn, values = [], []
    ns = tv.counts(runs)
    for i, s in enumerate(tv.series_measured(runs)):
        colour, marker, line, face = _style(s)
        xs, ys, lows, highs = [], [], [], []
        for n in ns:
            r = tv.find(runs, s, n)
            if r is None:
                continue
            if r.failed:
                # Not reached (a limit) or failed: a cross in the series' colour at the bottom of the axis.
                ax.plot([n * (1 + 0.04 * i)], [0.02], marker="x", color=colour, markersize=7, markeredgewidth=2,
                        clip_on=False, transform=ax.get_xaxis_transform(), zorder=4)
                continue
            ci = tv.value_ci(r, counter)
            if ci is None:
                continue  # not measured at this count (Python threads' wake-up past 1,000)
            est, lo, hi = (None if c is None else c * scale for c in ci)
            xs.append(n * (1 + 0.04 * i))  # small offsets keep points at one n apart
            ys.append(est)
            lows.append(est - lo if lo is not None else 0)
            highs.append(hi - est if hi is not None else 0)
            values += [v for v in (est, lo, hi) if v is not None]
        if xs:
            ax.errorbar(xs, ys, yerr=[lows, highs], color=colour, marker=marker, linestyle=line,
                        markerfacecolor=face, markersize=6, capsize=3, linewidth=1.3, zorder=3)
            drawn.append(s)
    ax.set_xscale("log")
    ax.set_xticks(ns)
    ax.set_xticklabels([fmt.axis(n) for n in ns])
    if len(ns) == 1:
        # One count (the default grid): a decade around it, so the kinds' small offsets stay a cluster at
        # one N, and no minor tick labels that would read as other counts.
        ax.set_xlim(ns[0] / 3, ns[0] * 3)
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("waiting tasks (N)")
    if values:
        ax.set_yscale("log")
        ax.set_ylim(min(v for v in values if v > 0) / 2, max(values) * 2)
    charts.readable_y(ax)
    ax.grid(True, axis="y", which="major", alpha=0.3)
    return drawn, values


def _note(results, what, counter="bytes_per_task", counter_text="bytes per task"):
    ctx = results.ctx
    one_count = len(tv.counts(results.runs)) == 1
    return "  ".join([
        f"Machine: {ctx('suite_machine', 'not recorded')}.",
        f"{what} Geometric means of {results.repetitions_label or 'the'} repetitions"
        f"{' (QUICK RUN)' if results.quick else ''}; error bars: 95 % CI.",
        "Each count in a fresh process (C++: forked from bench; Python: a fresh /usr/bin/python3)."
        + (" This run measured one count; the reference run (bench --reference) measures the others."
           if one_count else ""),
        charts.spread_note(results, counter, counter_text)])


def bytes_per_task(results, charts_dir):
    fig, axes = charts.figure(1, 1, width_per_col=7.5, height_per_row=4.4)
    ax = axes[0][0]
    drawn, values = _panel(ax, results.runs, "bytes_per_task")
    if not values:
        charts.no_data(ax)
    ax.set_ylabel("RSS per waiting task, bytes (log)")
    ax.axhline(4096, color=palette.GUIDE, linewidth=0.9, linestyle=":", zorder=1)
    ax.annotate("one 4 KiB page", (ax.get_xlim()[0], 4096), xytext=(4, 3), textcoords="offset points",
                fontsize=7.5, color=palette.TEXT)
    charts.finish(fig, "Memory per waiting task: (RSS(N) − RSS(N/10)) ÷ (N − N/10)",
                  _note(results, "RSS from /proc/self/smaps_rollup."), _handles(drawn), ncol=3)
    return charts.save(fig, charts_dir, "tasks_bytes_per_task")


def creation(results, charts_dir):
    fig, axes = charts.figure(1, 2, width_per_col=5.4, height_per_row=4.2)
    left, right = axes[0]
    drawn, _ = _panel(left, results.runs, "create_ns_per_task", scale=1e-3)
    _panel(right, results.runs, "create_cpu_ns_per_task", scale=1e-3)
    left.set_title("wall clock")
    right.set_title("CPU time of the process (all threads)")
    left.set_ylabel("µs per task (log)")
    charts.finish(fig, "Creating N waiting tasks: from the first create to the last task waiting, per task",
                  _note(results, "", "create_ns_per_task", "creation time per task"), _handles(drawn), ncol=3)
    return charts.save(fig, charts_dir, "tasks_creation")


def wake(results, charts_dir):
    fig, axes = charts.figure(1, 1, width_per_col=7.5, height_per_row=4.2)
    ax = axes[0][0]
    drawn, values = _panel(ax, results.runs, "wake_last_us", scale=1e-3)
    if not values:
        charts.no_data(ax)
    ax.set_ylabel("ms until the last task runs (log)")
    charts.finish(fig, "Waking N waiting tasks with one event: set/notify to the last task running",
                  _note(results, "Python threads are woken at 1,000 only (see the page).", "wake_last_us",
                        "the last task's wake-up"), _handles(drawn), ncol=3)
    return charts.save(fig, charts_dir, "tasks_wake")


def write_all(results, charts_dir):
    """Draws every chart; returns {stem: [paths]} in page order."""
    return {
        "tasks_bytes_per_task": bytes_per_task(results, charts_dir),
        "tasks_creation": creation(results, charts_dir),
        "tasks_wake": wake(results, charts_dir),
    }

