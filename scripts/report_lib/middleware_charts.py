"""Charts of the middleware scenario.

- middleware_cost (the headline): the server's CPU time per request without
  and with the timing, one panel per server (aiohttp, mockd), each on its own
  linear axis (their costs differ by an order of magnitude, and each panel
  compares only its own two bars); bars are medians, whiskers the range of
  the repetitions, the paired ratio with its 95 % CI written above.
- middleware_span: one stacked bar per timed server and connection kind
  (keep-alive; a new connection per request, which adds connect and accept):
  the delay the handler waited, the rest of the reported span, and the
  client's latency beyond the span (what the middleware does not see),
  medians in ms.

Colours are meanings (palette.py): without timing grey, with timing indigo,
and on the span the part the timing reports indigo too, the part it misses
magenta.
"""
from matplotlib.patches import Patch

from . import charts, fmt, palette
from . import middleware_verdict as mv

COLOUR = {"none": palette.WITHOUT, "timing": palette.WITH}
# The parts of a span bar: the delay the handler waited (given), the rest the timing reports,
# and the client's latency beyond it (what the timing does not see).
DELAY, REPORTED, UNSEEN = palette.FAINT, palette.WITH, palette.SECOND
LABEL = {"none": "without timing", "timing": "with timing"}
CONNECTION_TICK = {"keep_alive": "keep-alive",
                   "new_connection": "new connection per request\n(includes connect, accept)"}


def _note(results, client="asio_coro, 8 keep-alive connections. Server CPU from /proc/<pid>/task/*/schedstat."):
    ctx = results.ctx
    return "  ".join([
        f"Machine: {ctx('suite_machine', 'not recorded')}.",
        f"{results.repetitions_label or 'The'} repetitions"
        f"{' (QUICK RUN: few requests)' if results.quick else ''}; timed and untimed side by side in every round.",
        f"Client: {client}",
        charts.spread_note(results, "server_cpu_us_per_req", "server CPU per request")])


def cost(results, charts_dir):
    runs = results.runs
    v = mv.decide(runs)
    fig, axes = charts.figure(1, 2, width_per_col=5.2, height_per_row=3.8)
    for ax, server in zip(axes[0], mv.SERVERS):
        for x, middleware in enumerate(("none", "timing")):
            r = mv.find(runs, server, middleware, "overhead")
            values = r.values("server_cpu_us_per_req") if mv.clean(r) else []
            if not values:
                charts.no_data(ax)
                continue
            med = r.median("server_cpu_us_per_req")
            ax.bar([x], [med], color=COLOUR[middleware], width=0.6)
            ax.errorbar([x], [med], yerr=[[med - min(values)], [max(values) - med]], fmt="none", ecolor=palette.INK,
                        capsize=4, elinewidth=1)
            # Beside the bar's top, clear of the whisker that runs through it.
            ax.annotate(fmt.sig(med), (x + 0.3, med), xytext=(3, 0), textcoords="offset points", ha="left",
                        va="center", fontsize=8)
        ax.set_xticks([0, 1])
        ax.set_xticklabels([LABEL["none"], LABEL["timing"]])
        ax.set_ylabel("server CPU per request, µs")
        ci = v.cost.get(server)
        ratio = f"\ntimed ÷ untimed: {fmt.factor_ci(*ci)}" if ci else ""
        ax.set_title(f"{mv.SERVER_LABEL[server]}{ratio}", fontsize=9)
        ax.set_ylim(bottom=0)
        ax.margins(y=0.15)
    charts.finish(fig, "What timing every handler costs the server, per request", _note(results),
                  legend=[Patch(color=COLOUR[m], label=LABEL[m]) for m in ("none", "timing")])
    return charts.save(fig, charts_dir, "middleware_cost")


def span(results, charts_dir):
    runs = results.runs
    fig, axes = charts.figure(1, 1, width_per_col=9, height_per_row=4.2)
    ax = axes[0][0]
    shown = []
    rows = [(server, conn) for server in mv.SERVERS for conn in mv.CONNECTIONS]
    # Top to bottom in reading order: aiohttp keep-alive first.
    for y, (server, conn) in zip(range(len(rows) - 1, -1, -1), rows):
        r = mv.find(runs, server, "timing", "span", conn)
        if r is None or r.failed or not r.reps:
            continue
        delay = r.median("delay_ms")
        span_ms = r.median("span_p50_ms")
        latency = r.median("latency_p50_ms")
        if None in (delay, span_ms, latency):
            continue
        parts = [(delay, DELAY, "the handler's delay"),
                 (max(span_ms - delay, 0), REPORTED, "rest of the reported span"),
                 (max(latency - span_ms, 0), UNSEEN, "client latency beyond the span")]
        left = 0
        for width, colour, _label in parts:
            ax.barh([y], [width], left=left, color=colour, height=0.5)
            left += width
        ax.annotate(f"span {fmt.sig(span_ms)} ms, client {fmt.sig(latency)} ms", (left, y), xytext=(5, 0),
                    textcoords="offset points", va="center", fontsize=8)
        shown.append((y, f"{mv.SERVER_LABEL[server]}\n{CONNECTION_TICK[conn]}"))
    if not shown:
        charts.no_data(ax)
    ax.set_yticks([y for y, _ in shown])
    ax.set_yticklabels([label for _, label in shown], fontsize=8)
    ax.set_xlabel("ms (medians)")
    ax.grid(axis="x", alpha=0.3)
    ax.grid(axis="y", visible=False)
    ax.margins(x=0.35)
    legend = [Patch(color=c, label=label) for c, label in
              ((DELAY, "the handler's delay"), (REPORTED, "rest of the reported span"),
               (UNSEEN, "client latency beyond the span"))]
    charts.finish(fig, "What a timing middleware sees of a 20 ms request",
                  _note(results, "one libcurl handle, requests one at a time."), legend=legend)
    return charts.save(fig, charts_dir, "middleware_span")


def write_all(results, charts_dir):
    """Draws every chart; returns {stem: [paths]} in page order."""
    return {"middleware_cost": cost(results, charts_dir), "middleware_span": span(results, charts_dir)}
