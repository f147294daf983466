"""Charts of the retry scenario.

retry_timeline (the headline): mockd's arrivals per 10 ms (series.json
`server_started`, the last repetition) at fail_rate HEADLINE_P, backoff on
the left, backoff_jitter on the right, one row per client; the client's own
retries per 10 ms (`client_retries`) drawn over them as a line.

retry_outcomes: success rate against p beside 1 − p and 1 − p^(k+1); server
requests per client beside (1 − p^(k+1)) ÷ (1 − p); the peak ratio without ÷
with jitter per client and p with its 95 % CI (log axis, points).

Policies are meaning colours (palette.py): no retry grey, plain backoff (the
waves) maroon, backoff with jitter teal; the ratio panel's points are the
clients' model colours.
"""
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from . import charts, fmt, models, palette
from . import retry_verdict as rv

POLICY_COLOUR = {"none": palette.NONE, "backoff": palette.BAD, "backoff_jitter": palette.GOOD}
POLICY_MARKER = {"none": "s", "backoff": "o", "backoff_jitter": "D"}
BUCKET_MS = 10


def _note(results, extra):
    ctx = results.ctx
    return "  ".join([f"Machine: {ctx('suite_machine', 'not recorded')}.",
                      f"{results.repetitions_label or 'The'} repetitions"
                      f"{' (QUICK RUN)' if results.quick else ''}.", extra])


def timeline(results, charts_dir):
    runs, p = results.runs, rv.HEADLINE_P
    names = [c for c in rv.clients(runs) if rv.find(runs, c, "backoff", p) or rv.find(runs, c, "backoff_jitter", p)]
    fig, axes = charts.figure(max(len(names), 1), 2, width_per_col=6.2, height_per_row=3.0)
    for row, client in enumerate(names):
        tops, panels = [], []
        for col, policy in enumerate(("backoff", "backoff_jitter")):
            ax = axes[row][col]
            run = rv.find(runs, client, policy, p)
            started = results.series(run.name.text, "server_started") if run else None
            retries = results.series(run.name.text, "client_retries") if run else None
            if not started:
                charts.no_data(ax, "no timeline recorded" if run and not run.failed else "not measured")
                continue
            xs = [i * BUCKET_MS for i in range(len(started))]
            ax.bar(xs, started, width=BUCKET_MS, align="edge", color=POLICY_COLOUR[policy], alpha=0.45,
                   linewidth=0)
            if retries:
                ax.step([i * BUCKET_MS for i in range(len(retries) + 1)], list(retries) + [retries[-1]],
                        where="post", color=palette.INK, linewidth=1.0)
            tops.append(max(list(started) + list(retries or [0])))
            panels.append(ax)
            peak = run.median(rv.WAVE_COUNTER)
            ax.set_title(f"{models.get(client).label()}: {policy}, fail_rate {fmt.compact(p)}"
                         + (f" (peak retries/10 ms, median: {fmt.sig(peak)})" if peak is not None else ""),
                         fontsize=9)
            ax.set_xlabel("ms since the reset (server) / the client's start (line)")
            if col == 0:
                ax.set_ylabel("requests per 10 ms")
        for ax in panels:  # both policies of a client on one scale
            ax.set_ylim(0, max(tops) * 1.1)
    legend = [Patch(color=POLICY_COLOUR["backoff"], alpha=0.45, label="server arrivals, backoff"),
              Patch(color=POLICY_COLOUR["backoff_jitter"], alpha=0.45, label="server arrivals, backoff_jitter"),
              Line2D([], [], color=palette.INK, linewidth=1.0, label="retries sent by the client")]
    charts.finish(fig, "Arrivals at the server per 10 ms: backoff without and with full jitter",
                  _note(results, "Bars: mockd's timeline.started of the last repetition (first attempts "
                                 "included); line: the same repetition's retries as the client sent them."),
                  legend)
    return charts.save(fig, charts_dir, "retry_timeline")


def _theory(ax, ps, fn, label, style):
    grid = [i / 100 for i in range(int(min(ps) * 100) - 5, int(max(ps) * 100) + 6)]
    ax.plot(grid, [fn(x) for x in grid], style, color=palette.REFERENCE, linewidth=0.9, label=label)


def outcomes(results, charts_dir):
    runs = results.runs
    ps = rv.rates(runs) or [rv.HEADLINE_P]
    fig, axes = charts.figure(1, 3, width_per_col=4.4, height_per_row=3.6)
    succ, load, ratio = axes[0]
    k = next((rv.key(r).retries for r in runs if rv.key(r).policy == "backoff"), 3)
    _theory(succ, ps, lambda x: 100 * (1 - x), "1 − p", ":")
    _theory(succ, ps, lambda x: 100 * (1 - x ** (k + 1)), f"1 − p^{k + 1}", "--")
    _theory(load, ps, lambda x: (1 - x ** (k + 1)) / (1 - x), f"(1 − p^{k + 1}) ÷ (1 − p)", "--")
    for client in rv.clients(runs):
        hollow = models.get(client).language.lower().startswith("python")
        for j, policy in enumerate(rv.POLICIES):
            xs, ys, lo, hi, loads = [], [], [], [], []
            for p in ps:
                run = rv.find(runs, client, policy, p)
                ci = rv.pooled_success(run)
                if not ci:
                    continue
                x = p + (j - 1) * 0.008 + (0.003 if hollow else -0.003)
                xs.append(x)
                ys.append(100 * ci[0])
                lo.append(100 * (ci[0] - ci[1]))
                hi.append(100 * (ci[2] - ci[0]))
                loads.append(run.median("attempts_per_client"))
            if not xs:
                continue
            style = dict(color=POLICY_COLOUR[policy], marker=POLICY_MARKER[policy], linestyle="none",
                         markerfacecolor=palette.PAPER if hollow else POLICY_COLOUR[policy])
            succ.errorbar(xs, ys, yerr=[lo, hi], capsize=2, **style)
            load.plot(xs, loads, **style)
    succ.set_xlabel("fail_rate p")
    succ.set_ylabel("success rate, % of clients")
    succ.set_title("Success rate")
    load.set_xlabel("fail_rate p")
    load.set_ylabel("server requests per client")
    load.set_title("Load at the server")
    for ax in (succ, load):
        ax.legend(loc="best", fontsize=7.5)

    xs_labels, values = [], []
    for client in rv.clients(runs):
        for p in ps:
            ci = rv.wave_ratio(runs, client, p)
            if not ci:
                continue
            x = len(xs_labels)
            xs_labels.append(f"{client}\np {fmt.compact(p)}")
            m = models.get(client)
            est, lo_, hi_ = ci
            python = m.language.lower().startswith("python")
            ratio.plot([x], [est], marker=m.marker, color=m.colour, linestyle="none", markersize=7,
                       markerfacecolor=palette.PAPER if python else m.colour)
            if lo_ is not None and hi_ is not None:
                ratio.errorbar(x, est, yerr=[[max(est - lo_, 0)], [max(hi_ - est, 0)]], fmt="none",
                               ecolor=m.colour, capsize=3)
            ratio.annotate(fmt.times(est), (x, est), xytext=(6, 0), textcoords="offset points", fontsize=7.5,
                           va="center")
            values += [v for v in ci if v is not None]
    if xs_labels:
        ratio.set_yscale("log")
        ratio.set_ylim(min(values + [1.0]) / 1.5, max(values + [rv.WAVE_MIN]) * 1.5)
        ratio.set_xticks(range(len(xs_labels)))
        ratio.set_xticklabels(xs_labels, fontsize=7.5)
        ratio.set_xlim(-0.6, len(xs_labels) - 0.4)
        charts.readable_y(ratio)
    else:
        charts.no_data(ratio)
    ratio.axhline(1.0, color=palette.REFERENCE, linewidth=0.9)
    ratio.axhline(rv.WAVE_MIN, color=palette.GUIDE, linewidth=0.9, linestyle="--")
    ratio.set_title("Peak retries / 10 ms, backoff ÷ jitter")
    ratio.set_ylabel("ratio (log)")
    legend = [Line2D([], [], color=POLICY_COLOUR[pol], marker=POLICY_MARKER[pol], linestyle="none", label=pol)
              for pol in rv.POLICIES]
    legend += [Line2D([], [], color=palette.STAND_IN, marker="o", markerfacecolor=palette.PAPER, linestyle="none",
                      label="hollow: py_aiohttp (Python)"),
               Line2D([], [], color=palette.STAND_IN, marker="o", linestyle="none", label="filled: asio_coro (C++)"),
               Line2D([], [], color=palette.GUIDE, linestyle="--", label=f"rule's floor ({fmt.compact(rv.WAVE_MIN)}x)")]
    charts.finish(fig, "Retries: success, load, and waves", _note(
        results, "Success: pooled over the repetitions, binomial 95 % intervals. Ratios: paired repetitions, "
                 "95 % CI."), legend, ncol=6)
    return charts.save(fig, charts_dir, "retry_outcomes")


def write_all(results, charts_dir):
    """Draws every chart; returns {stem: [paths]} in page order."""
    return {"retry_timeline": timeline(results, charts_dir), "retry_outcomes": outcomes(results, charts_dir)}
