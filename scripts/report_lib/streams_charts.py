"""Charts of the streams scenario, each from the run's own JSON:
  streams_chat_latency  (headline) how late each line reached a fast client,
                        against when it was sent, one panel per design, the
                        slow reader's pause shaded (series.json, last repetition);
  streams_backlog       the server's backlog and RSS over time per design, with
                        bounded_queue's bound (series.json, last repetition);
  streams_udp           UDP echo: round trips per second and loss per window,
                        Asio and asyncio (medians, points on a log axis).
The designs are meaning colours (palette.py): the bounded queue teal, draining
in the loop (every client waits) maroon, not draining (memory grows) amber;
Asio and asyncio take the colours of the client models they work like
(asio_coro, py_aiohttp).
"""
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from . import charts, fmt, palette
from . import streams_verdict as sv

DESIGN_COLOUR = {"drain_in_loop": palette.BAD, "no_drain": palette.BETWEEN, "bounded_queue": palette.BOUNDED}
IMPL_STYLE = {"asio": {"color": palette.model("asio"), "marker": "o", "linestyle": "-"},
              "py_asyncio": {"color": palette.model("py_asyncio"), "marker": "s", "linestyle": "--",
                             "markerfacecolor": palette.PAPER}}
PAUSED = palette.FAINT  # the span where the slow reader reads nothing
MIB = sv.MIB


def _note(results, what):
    ctx = results.ctx
    return "  ".join([f"Machine: {ctx('suite_machine', 'not recorded')}.", what,
                      "QUICK RUN: a first look." if results.quick else ""]).strip()


def _pause_ms(run):
    return run.median("pause_ms") if run is not None else None


def chat_latency(results, charts_dir):
    runs = results.runs
    fig, axes = charts.figure(1, 3, width_per_col=4.4, height_per_row=3.8)
    top = 1.0
    for ax, design in zip(axes[0], sv.DESIGNS):
        run = sv.find(runs, "chat", design)
        ax.set_title(design)
        sent = results.series(run.name.text, "fast0_sent_ms") if run else None
        late = results.series(run.name.text, "fast0_latency_ms") if run else None
        if not sent or not late:
            charts.no_data(ax, "not measured" if run is None else "no series")
            continue
        pause = _pause_ms(run)
        if pause:
            ax.axvspan(0, pause, color=PAUSED, alpha=0.35, zorder=0)
        ax.plot(sent, late, ".", markersize=2.5, color=DESIGN_COLOUR[design], zorder=2)
        top = max(top, max(late))
        ax.set_xlabel("when the line was due to be sent (ms from the start)")
    for ax in axes[0]:
        ax.set_yscale("log")
        ax.set_ylim(0.05, top * 2)
        charts.readable_y(ax)
    axes[0][0].set_ylabel("how late it reached fast client 0 (ms, log)")
    legend = [Patch(color=PAUSED, alpha=0.5, label="the slow reader reads nothing")] + [
        Line2D([], [], color=DESIGN_COLOUR[d], marker=".", linestyle="none", label=d) for d in sv.DESIGNS]
    charts.finish(fig, "Chat server with one slow reader: latency of every line at a fast client",
                  _note(results, "One fast client of six, last repetition; lines stamped with the time they were "
                                 "due (open loop), so a stalled sender cannot hide the wait."), legend)
    return charts.save(fig, charts_dir, "streams_chat_latency")


def backlog(results, charts_dir):
    runs = results.runs
    fig, axes = charts.figure(1, 2, width_per_col=5.6, height_per_row=3.8)
    left, right = axes[0]
    pause = None
    bound = None
    for design in sv.DESIGNS:
        run = sv.find(runs, "chat", design)
        if run is None:
            continue
        t = results.series(run.name.text, "t_ms")
        b = results.series(run.name.text, "backlog_max_bytes")
        rss = results.series(run.name.text, "rss_bytes")
        pause = pause or _pause_ms(run)
        if design == "bounded_queue" and run.median("backlog_bound_bytes"):
            bound = run.median("backlog_bound_bytes")
        if not t or not b:
            continue
        colour = DESIGN_COLOUR[design]
        left.plot(t, [v / MIB for v in b], color=colour, linewidth=1.4, label=design)
        if rss:
            right.plot(t, [v / MIB for v in rss], color=colour, linewidth=1.4, label=design)
    for ax in (left, right):
        if pause:
            ax.axvspan(0, pause, color=PAUSED, alpha=0.35, zorder=0)
        ax.set_xlabel("ms from the start of the run")
        ax.set_xlim(left=0)
    if bound:
        left.axhline(bound / MIB, color=DESIGN_COLOUR["bounded_queue"], linestyle="--", linewidth=1)
    left.set_title("bytes the server holds for one client (the largest)")
    left.set_ylabel("MiB")
    right.set_title("server process RSS")
    right.set_ylabel("MiB")
    legend = ([Patch(color=PAUSED, alpha=0.5, label="the slow reader reads nothing")]
              + [Line2D([], [], color=DESIGN_COLOUR[d], label=d) for d in sv.DESIGNS]
              + ([Line2D([], [], color=DESIGN_COLOUR["bounded_queue"], linestyle="--",
                         label="bounded_queue's bound for one client")] if bound else []))
    charts.finish(fig, "Chat server with one slow reader: what the server holds over time",
                  _note(results, "Sampled by the server every 10 ms: the largest backlog of one client (its "
                                 "queue + transport buffer) and RSS (/proc/self/statm); last repetition."), legend)
    return charts.save(fig, charts_dir, "streams_backlog")


def udp(results, charts_dir):
    runs = results.runs
    fig, axes = charts.figure(1, 2, width_per_col=5.6, height_per_row=3.8)
    left, right = axes[0]
    ws = sv.windows(runs)
    drawn = []
    for impl in sv.UDP_IMPLS:
        xs, rate, loss = [], [], []
        for w in ws:
            r = sv.find(runs, "udp", impl, w)
            if r is None or r.failed or not r.reps:
                continue
            xs.append(w)
            rate.append(r.median("round_trips_per_s"))
            loss.append(r.median("loss_pct"))
        if not xs:
            continue
        drawn.append(impl)
        left.plot(xs, rate, **IMPL_STYLE[impl])
        right.plot(xs, loss, **IMPL_STYLE[impl])
        for x, y in zip(xs, rate):
            left.annotate(fmt.sig(y), (x, y), xytext=(4, 4), textcoords="offset points", fontsize=7)
    for ax in (left, right):
        ax.set_xscale("log", base=2)
        ax.set_xlabel("datagrams in flight (window, log)")
        ax.set_xticks(ws or [1])
        ax.set_xticklabels([str(w) for w in ws] or ["1"])
    left.set_yscale("log")
    charts.readable_y(left)
    left.set_title("round trips per second (log)")
    right.set_title("datagrams lost (% of sent)")
    right.set_ylim(bottom=0)
    legend = [Line2D([], [], label={"asio": "asio (C++)", "py_asyncio": "asyncio DatagramProtocol (Python)"}[i],
                     **{k: v for k, v in IMPL_STYLE[i].items()}) for i in drawn]
    any_run = next((r for r in runs if sv.key(r).part == "udp" and r.reps), None)
    size = fmt.count(any_run.median("bytes")) if any_run else fmt.DASH
    grace = fmt.count(any_run.median("grace_ms")) if any_run else fmt.DASH
    charts.finish(fig, "UDP echo over loopback: round trips and loss", _note(
        results, f"{size}-byte datagrams; medians over {results.repetitions_label or 'the'} repetitions; "
                 f"lost = sent − received after a {grace} ms grace period."), legend)
    return charts.save(fig, charts_dir, "streams_udp")


def write_all(results, charts_dir):
    """Draws every chart; returns {stem: [paths]} in page order."""
    return {"streams_chat_latency": chat_latency(results, charts_dir),
            "streams_backlog": backlog(results, charts_dir),
            "streams_udp": udp(results, charts_dir)}
