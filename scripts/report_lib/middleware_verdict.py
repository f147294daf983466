"""Scenario middleware (claim C13): which runs pair up, the figures, and the
verdict rule.

Benchmark names:
  middleware/<aiohttp|mockd>/<none|timing>/overhead/c:8/delay_ms:0
      asio_coro at 8 keep-alive connections against the server, with the
      timing middleware (aiohttp) or --time-handlers (mockd), or without;
      server_cpu_us_per_req is the server's own CPU time per request;
  middleware/<aiohttp|mockd>/<none|timing>/span/<keep_alive|new_connection>/c:1/delay_ms:20
      sequential requests with a 20 ms delay; the timed server reports the
      handler's span in Server-Timing (span_p50_ms, span_min_ms,
      span_below_delay, span_missing) and the client its latency.
      keep_alive sends a repetition's requests on one connection (what a
      pooled client does); new_connection (timed servers only) opens one per
      request, so its client latency also holds connect and accept.

The cost ratio is the server's CPU time per request with the timing ÷ without,
repetition i with repetition i (bench runs the two next to each other), with a
95 % CI (stats.paired_ratio_ci). The cost in µs is that ratio's excess over 1
times the untimed server's median CPU per request.

The rule (printed on the page; keep RULE_TEXT in step with decide()):
- confirmed: for each server, every span the middleware reported was at
  least the handler's delay and none was missing (exact counts, over both
  span runs), and the
  cost ratio's whole interval is below COST_MAX (the timing costs less than a
  quarter of the server's CPU per request);
- nuanced: a span was below the delay or missing, or a cost interval lies
  wholly above COST_MAX;
- inconclusive: noise when a cost interval straddles COST_MAX; inconclusive
  when a side did not run.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeGuard, cast

from . import fmt, stats
from . import verdict as checks_mod

if TYPE_CHECKING:
    from . import results

SERVERS = ("aiohttp", "mockd")
SERVER_LABEL = {"aiohttp": "aiohttp, timing middleware", "mockd": "mockd, --time-handlers (C++)"}
# The server as the Numbers table names it, with its language: the client is asio_coro (C++) for
# every overhead run, libcurl for the span runs, and the server is what differs.
SERVER_NAME = {"aiohttp": "aiohttp (Python)", "mockd": "mockd (C++)"}
CONNECTIONS = ("keep_alive", "new_connection")
CONNECTION_LABEL = {"keep_alive": "keep-alive",
                    "new_connection": "new connection per request (includes connect and accept)"}
COST_MAX = 1.25

RULE_TEXT = (
    "Error-free runs only. For each server (aiohttp with the material's middleware, mockd with the same "
    "span taken in C++): every `handler;dur=` span the timed server reported must be at least the 20 ms "
    "the handler waited, and none may be missing (exact counts over every repetition); and the server's "
    "CPU time per request with the timing ÷ without, paired repetition by repetition, must have its whole "
    f"95 % confidence interval below {COST_MAX}x. **Confirmed** (the middleware times the handler, and "
    "cheaply) when all of that holds for both servers; **nuanced** when a span fell short or went missing, "
    f"or a cost interval lies wholly at or above {COST_MAX}x; **inconclusive: noise** when a cost interval "
    f"straddles {COST_MAX}x; **inconclusive** when a run is missing. Why a quarter: a request costs the "
    "server tens to hundreds of microseconds; a wrapper that costs less than a quarter of that is not what "
    "a profile of a real handler (a database call, a template) would point at.")


def parts(run: results.Run) -> tuple[str, ...] | tuple[None, None, None]:
    """(server, middleware, kind) from the name: ("aiohttp", "timing", "overhead")."""
    labels = run.name.labels
    return tuple(labels[:3]) if len(labels) >= 3 else (None, None, None)


def connection(run: results.Run) -> str | None:
    """A span run's connection label (keep_alive, new_connection); None for an overhead run. A span
    run named without one (span/c:1/..., before the keep-alive run existed) opened a connection per
    request: new_connection."""
    labels = run.name.labels
    if len(labels) > 3:
        return labels[3]
    return "new_connection" if parts(run)[2] == "span" else None


def find(runs: list[results.Run], server: str, middleware: str, kind: str,
         conn: str | None = None) -> results.Run | None:
    """The run of that server, middleware and kind; for span runs, of connection `conn`
    (keep_alive when not given: the span a pooled client sees)."""
    if kind == "span" and conn is None:
        conn = "keep_alive"
    return next((r for r in runs if parts(r) == (server, middleware, kind)
                 and (conn is None or connection(r) == conn)), None)


def clean(run: results.Run | None) -> TypeGuard[results.Run]:
    return run is not None and not run.failed and not run.flagged and bool(run.reps)


def cost_ci(runs: list[results.Run], server: str) -> stats.Interval | None:
    """(est, low, high) of CPU per request timed ÷ untimed; None unless both ran cleanly."""
    a, b = find(runs, server, "timing", "overhead"), find(runs, server, "none", "overhead")
    if not clean(a) or not clean(b):
        return None
    ci = stats.paired_ratio_ci(a.values("server_cpu_us_per_req"), b.values("server_cpu_us_per_req"))
    return ci if ci[0] is not None else None


def cost_us_ci(runs: list[results.Run], server: str, ci: stats.Interval | None = None) -> stats.Interval | None:
    """The timing's cost per request in µs: (ratio − 1) × the untimed median, with the ratio's interval
    (ci when given: the check's, else cost_ci's)."""
    ci, base = ci or cost_ci(runs, server), find(runs, server, "none", "overhead")
    if ci is None or not clean(base):
        return None
    cpu = base.median("server_cpu_us_per_req")
    return cast(stats.Interval, tuple((r - 1) * cpu for r in ci))  # three items, as ci


def span_counts(run: results.Run | None) -> stats.Interval | None:
    """(below the delay, missing, spans checked) summed over the repetitions; None when absent."""
    if run is None or run.failed:
        return None
    below = run.total("span_below_delay")
    missing = run.total("span_missing")
    checked = run.total("requests") - run.total("errors")
    return below, missing, checked


def span_counts_all(runs: list[results.Run], server: str) -> stats.Interval | None:
    """span_counts summed over the timed server's span runs of every connection kind; None when
    none of them ran."""
    counts = [span_counts(find(runs, server, "timing", "span", conn)) for conn in CONNECTIONS]
    counts = [c for c in counts if c is not None]
    return cast(stats.Interval, tuple(sum(c[i] for c in counts) for i in range(3))) if counts else None


def span_excess_ci(runs: list[results.Run], server: str) -> stats.Interval | None:
    """Median span − delay (ms) over repetitions, mean with a 95 % CI; None when absent. From the
    keep-alive run, else the new-connection one: the span is the server's either way."""
    r = find(runs, server, "timing", "span") or find(runs, server, "timing", "span", "new_connection")
    if r is None or r.failed:
        return None
    delay = r.median("delay_ms")
    ci = stats.mean_ci([v - delay for v in r.values("span_p50_ms")])
    return ci if ci[0] is not None else None


def unseen_ci(runs: list[results.Run], server: str, conn: str = "keep_alive") -> stats.Interval | None:
    """The client's latency beyond the span (ms): what the middleware cannot see. On keep_alive it
    is the server's work around the handler and the loopback trip; on new_connection it also holds
    connect and accept."""
    r = find(runs, server, "timing", "span", conn)
    if r is None or r.failed:
        return None
    ci = stats.mean_ci(r.values("unseen_p50_ms"))
    return ci if ci[0] is not None else None


@dataclass
class Verdict(checks_mod.Line):
    word: str
    sentence: str  # what was measured; .line renders '**Word**: sentence' (verdict.line)
    checks: list[checks_mod.Check] = field(default_factory=list)
    cost: dict = field(default_factory=dict)     # server -> (est, low, high), ratio
    cost_us: dict = field(default_factory=dict)  # server -> (est, low, high), µs


def cost_text(v: Verdict, server: str = "aiohttp") -> str | None:
    """The middleware's cost in words chosen by its check: '15.1 µs of server CPU per request
    (+18 %), below +25 %: small next to ...' when the ratio's interval lies below COST_MAX;
    None when the cost was not measured. The one sentence about the cost a page or the
    guide should use, so no prose types 'a few microseconds'."""
    ci, us = v.cost.get(server), v.cost_us.get(server)
    check = next((c for c in v.checks if c.name == _cost_check_name(server)), None)
    if ci is None or us is None or check is None:
        return None
    figure = f"{fmt.sig(us[0])} µs of server CPU per request ({_percent(ci[0])})"
    if ci[1] <= 1 <= ci[2]:
        return (f"{figure}: this measurement cannot tell it from zero "
                f"({fmt.factor_ci(*ci)} the untimed server)")
    if check.status == checks_mod.PASSED:
        return f"{figure}, below {_percent(COST_MAX)}: small next to what the server spends on the request itself"
    if check.status == checks_mod.FAILED:
        return (f"{figure}, {_percent(COST_MAX)} or more: a sizeable share of what the server spends on the "
                f"request itself")
    return f"{figure}; whether it stays below {_percent(COST_MAX)} this run cannot tell"


def _percent(ratio: float) -> str:
    """1.18 -> '+18 %'; 0.97 -> '−3 %'."""
    change = (ratio - 1) * 100
    return f"{'+' if change >= 0 else '−'}{fmt.compact(abs(change))} %"


def _cost_check_name(server: str) -> str:
    return f"{SERVER_LABEL[server]}: CPU per request, timed ÷ untimed"


def _span_check(runs: list[results.Run], server: str) -> checks_mod.Check:
    counts = span_counts_all(runs, server)
    name = f"{SERVER_LABEL[server]}: spans ≥ the delay, none missing"
    if counts is None or counts[2] <= 0:
        return checks_mod.Check(name, checks_mod.UNDECIDED, note="not measured")
    below, missing, checked = counts
    ok = below == 0 and missing == 0
    return checks_mod.Check(name, checks_mod.PASSED if ok else checks_mod.FAILED, threshold="0 short, 0 missing",
                            unit="", note=f"{fmt.count(below)} short and {fmt.count(missing)} missing of "
                                          f"{fmt.count(checked)} answers")


def decide(runs: list[results.Run]) -> Verdict:
    checks, cost, cost_us = [], {}, {}
    for server in SERVERS:
        checks.append(_span_check(runs, server))
        check = checks_mod.below(_cost_check_name(server), cost_ci(runs, server), COST_MAX)
        if check.estimate is not None:
            # The figures the line quotes are the check's: the prose says what the check decided on.
            cost[server] = (check.estimate, check.low, check.high)
            cost_us[server] = cost_us_ci(runs, server, cost[server])
        checks.append(check)
    missing = [c for c in checks if c.status == checks_mod.UNDECIDED and c.estimate is None]
    word = checks_mod.INCONCLUSIVE if missing else checks_mod.word_from(checks)
    return Verdict(word, _sentence(word, cost, cost_us, checks), checks, cost, cost_us)


def _sentence(word: str, cost: dict[str, stats.Interval], cost_us: dict[str, stats.Interval],
              checks: list[checks_mod.Check]) -> str:
    a = cost.get("aiohttp")
    figures = []
    if a is not None:
        figures.append(f"aiohttp's timing middleware costs {fmt.sig(cost_us['aiohttp'][0])} µs of server CPU "
                       f"per request ({fmt.factor_ci(*a)} the untimed server)")
    m = cost.get("mockd")
    if m is not None:
        if m[1] <= 1 <= m[2]:
            figures.append(f"the same span in C++ costs nothing this measurement can tell from zero "
                           f"({fmt.factor_ci(*m)})")
        else:
            figures.append(f"the same span in C++ {fmt.sig(cost_us['mockd'][0] * 1e3)} ns ({fmt.factor_ci(*m)})")
    text = "; ".join(figures) if figures else "no cost was measured"
    if word == checks_mod.CONFIRMED:
        return (f"wrapped around `await handler(request)`, the middleware reports at least the "
                f"handler's own wait every time, and cheaply: {text}.")
    if word == checks_mod.NUANCED:
        failed = "; ".join(c.name for c in checks if c.status == checks_mod.FAILED)
        return f"{failed} did not hold; {text}."
    if word == checks_mod.NOISE:
        return f"{checks_mod.noise_text(checks)}; {text}."
    return f"a side did not run; {text}."
