"""Chart of the calibration scenario: every ratio with its 95 % confidence
interval on one log axis, mockd ÷ nginx per mode on the left panel (keep-alive
and close, HTTP and HTTPS), each C++ client model ÷ wrk on the right, with
parity (1) and the rule's floor drawn across both. Name: calibration_ratios
(the headline).

Points, never bars, on the log axis; both panels share it; client models
take their colour and marker from models.py, HTTP and HTTPS their meaning
colours from palette.py (never a model's); the footer gives this run's
measured spread.
"""
from matplotlib.lines import Line2D

from . import charts, fmt, models, palette
from . import calibration_verdict as cv

PROTO_COLOUR = {"http": palette.HTTP, "https": palette.HTTPS}
MODE_MARKER = {"keepalive": "o", "close": "s"}


def _note(results):
    ctx = results.ctx
    return "  ".join([
        f"Machine: {ctx('suite_machine', 'not recorded')}.",
        f"Ratios of req/s paired repetition by repetition, {results.repetitions_label or 'the'} repetitions"
        f"{' (QUICK RUN: few requests)' if results.quick else ''}; error bars: 95 % CI.",
        "Server pairs: asio_coro at 32 connections against mockd and nginx (same body, certificate, CPU). "
        "Client pairs: each model against wrk with as many connections, on one mockd.",
        charts.spread_note(results, "req_per_s", "req/s")])


def _point(ax, x, ci, colour, marker):
    est, lo, hi = ci
    ax.plot([x], [est], marker=marker, color=colour, markersize=8, linestyle="none", zorder=3)
    if lo is not None and hi is not None:
        ax.errorbar(x, est, yerr=[[max(est - lo, 0)], [max(hi - est, 0)]], fmt="none", ecolor=colour,
                    elinewidth=1.1, capsize=3, zorder=2)
    ax.annotate(fmt.times(est), (x, est), xytext=(7, 0), textcoords="offset points", fontsize=7.5,
                va="center")


def _missing(ax, x):
    ax.plot([x], [0.03], marker="x", color=palette.FAILED, markersize=8, clip_on=False,
            transform=ax.get_xaxis_transform(), zorder=4)


def ratios(results, charts_dir):
    runs = results.runs
    v = cv.decide(runs)
    fig, axes = charts.figure(1, 2, width_per_col=5.6, height_per_row=4.2)
    left, right = axes[0]
    values = []

    server_modes = cv.modes(runs) or list(cv.MODES)
    for x, m in enumerate(server_modes):
        ci = v.server.get(m)
        if ci:
            _point(left, x, ci, PROTO_COLOUR[m[1]], MODE_MARKER[m[0]])
            values += [c for c in ci if c is not None]
        else:
            _missing(left, x)
    left.set_xticks(range(len(server_modes)))
    left.set_xticklabels([cv.MODE_LABEL[m].replace(" ", "\n", 1) for m in server_modes])
    left.set_title("mockd ÷ nginx (client: asio_coro, 32 connections)")
    left.set_ylabel("ratio of req/s (log)")

    names = cv.client_models(runs)
    for x, model in enumerate(names):
        ci = v.clients.get(model)
        if ci:
            m = models.get(model)
            _point(right, x, ci, m.colour, m.marker)
            values += [c for c in ci if c is not None]
        else:
            _missing(right, x)
    right.set_xticks(range(len(names)))
    conc = {n: cv.key(cv.client_run(runs, n)).c for n in names}
    charts.model_ticklabels(right, names, conc=lambda n: conc.get(n))
    right.set_title("client model ÷ wrk (as many connections, one mockd)")

    low = min([v for v in values if v > 0] + [cv.SERVER_MIN]) / 1.5
    high = max(values + [1.0]) * 1.5
    for ax, n in ((left, len(server_modes)), (right, len(names))):
        ax.set_yscale("log")
        ax.set_ylim(low, high)
        ax.set_xlim(-0.6, max(n, 1) - 0.4)
        ax.axhline(1.0, color=palette.REFERENCE, linewidth=0.9, zorder=1)
        ax.axhline(cv.SERVER_MIN, color=palette.GUIDE, linewidth=0.9, linestyle="--", zorder=1)
        charts.readable_y(ax)
        ax.grid(True, axis="y", which="major", alpha=0.3)
        ax.grid(False, axis="x")

    legend = [Line2D([], [], color=PROTO_COLOUR["http"], marker="o", linestyle="none", label="HTTP"),
              Line2D([], [], color=PROTO_COLOUR["https"], marker="o", linestyle="none", label="HTTPS"),
              Line2D([], [], color=palette.STAND_IN, marker=MODE_MARKER["keepalive"], linestyle="none",
                     label="keep-alive"),
              Line2D([], [], color=palette.STAND_IN, marker=MODE_MARKER["close"], linestyle="none",
                     label="close (a connection per request)"),
              Line2D([], [], color=palette.REFERENCE, label="parity (1x)"),
              Line2D([], [], color=palette.GUIDE, linestyle="--",
                     label=f"rule's floor ({fmt.compact(cv.SERVER_MIN)}x)")]
    charts.finish(fig, "The harness against reference tools: ratios of req/s with 95 % CIs", _note(results), legend,
                  ncol=6)
    return charts.save(fig, charts_dir, "calibration_ratios")


def write_all(results, charts_dir):
    """Draws every chart; returns {stem: [paths]} in page order."""
    return {"calibration_ratios": ratios(results, charts_dir)}
