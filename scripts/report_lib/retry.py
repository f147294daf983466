"""Scenario retry (claim C6): retry with exponential backoff, and jitter so that
many clients do not retry in step. verdict() gives the one-line verdict for
the index; page.write_page() writes charts/ and README.md under DIR/retry/
from the shared page parts (page.py) plus this module's prose. Every figure
comes from the results (bench.json, series.json).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, cast

from . import fmt, headline as hl, models, page
from . import retry_verdict as rv
from .results import first_median
from .stats import Interval

if TYPE_CHECKING:
    from . import results

NAME = "retry"
TITLE = "C6 retry: exponential backoff, with and without jitter"
HEADLINE_CHART = "charts/retry_timeline.png"

CLAIM = (
    "The material's answer to a flaky call is a retry loop with exponential backoff, and the usual "
    "refinement is to add jitter so that many callers do not come back at the same moment. Two things are "
    "claimed: retries turn a per-request failure rate p into 1 − p^(k+1) for k retries, at the price of extra "
    "requests, and without jitter the retries of many clients hit the server in synchronized waves. Here "
    "200 clients start together, each making one logical request against `mockd` with `fail_rate` p (a 500 "
    "for a fraction p of requests, decided by a seed per attempt), with no retry, with backoff (waits of "
    "base · 2^(r−1)) and with full jitter (a wait uniform in [0, base · 2^(r−1)]). The server counts every "
    "request and when it arrived (10 ms buckets); the client records when it sent each attempt.")


def verdict(results: results.Results) -> rv.Verdict:
    return rv.decide(results.runs)


def _pct_figure(label: str, ci: Interval | None) -> hl.Figure | None:
    return hl.figure(label, cast(Interval, tuple(100 * x for x in ci)) if ci else None, unit=" %")


def headline(results: results.Results) -> list[hl.Figure]:
    """Peak retries per 10 ms without ÷ with jitter (each client), then aiohttp's success rates, the load
    and the time at fail_rate HEADLINE_P. What the run did not measure is left out."""
    runs, p = results.runs, rv.HEADLINE_P
    pt = fmt.compact(p)
    out = [hl.figure(f"{c}: peak retries per 10 ms, backoff ÷ backoff_jitter, fail_rate {pt}",
                     rv.wave_ratio(runs, c)) for c in rv.CLIENTS]
    py = "py_aiohttp"
    out.append(_pct_figure(f"{py}: success rate without retries, fail_rate {pt}",
                           rv.pooled_success(rv.find(runs, py, "none", p))))
    out.append(_pct_figure(f"{py}: success rate with 3 retries (backoff), fail_rate {pt}",
                           rv.pooled_success(rv.find(runs, py, "backoff", p))))
    out.append(hl.figure(f"{py}: server requests per client with 3 retries, fail_rate {pt}",
                         rv.mean_ci(rv.find(runs, py, "backoff", p), "attempts_per_client"), unit=" requests"))
    out.append(hl.figure(f"{py}: total time, backoff_jitter ÷ backoff, fail_rate {pt}", rv.time_ratio(runs, py)))
    return hl.measured(out)


def sections(results: results.Results, charts_written: dict[str, list[str]], v: rv.Verdict) -> list[str]:
    return [
        "## Setup\n\n" + _setup(results),
        "## Charts\n\n" + _charts(charts_written),
        "## Verdict\n\n" + _verdict_section(results, v),
        "## Why it happens\n\n" + _why(results, v),
        "## Interview answer\n\n" + _answer(results, v),
        "## Caveats\n\n" + _caveats(results),
        "## Numbers\n\n" + _numbers(results),
        "## Errors\n\n" + page.errors_section(results),
    ]


def _rates_text(runs: list[results.Run]) -> str:
    """'0.3, 0.5, 0.7'; the headline's rate alone (the default and quick grids) says where the others are."""
    ps = rv.rates(runs)
    text = ", ".join(fmt.compact(p) for p in ps)
    if ps == [rv.HEADLINE_P]:
        text += (" (every figure and check of this run reads this rate; the reference also checks the success "
                 "formula at other rates)")
    return text


def _setup(results: results.Results) -> str:
    runs = results.runs
    retried = [r for r in runs if rv.key(r).policy != "none"]
    k = rv.key(retried[0]).retries if retried else None
    base = retried[0].name.param("base_ms") if retried else None
    rows = [
        ("clients", f"{fmt.count(first_median(runs, 'clients', 0))} logical requests started together, one per client"),
        ("failure rates p", _rates_text(runs)),
        ("policies", f"`none` (one attempt); `backoff`: up to {k} retries, the r-th after {base} · 2^(r−1) ms; "
                     f"`backoff_jitter`: the same retries, each after a wait uniform in [0, {base} · 2^(r−1)] ms"),
        ("server", "`mockd --engine asio --threads 1`, a mockd of this scenario's own (nothing else shows in "
                   "its timeline); `GET /retry/<client>?fail_rate=p&seed=s` answers 500 with probability p, "
                   "decided by s = run seed + 16 · client + attempt: within a repetition every policy and "
                   "both clients draw the same failures, a new run seed in each repetition"),
        ("clients compared", f"{models.get('py_aiohttp').table_label()}: one asyncio loop, one "
                             "`aiohttp.ClientSession` (connector limit = clients), `asyncio.gather` over the "
                             "clients, `asyncio.sleep` between attempts (a Python child kept for the whole run, "
                             f"one JSON line per repetition); {models.get('asio_coro').table_label()}: one "
                             "`io_context`, a coroutine and a keep-alive connection per client, a "
                             "`steady_timer` between attempts. Both open their connections before the run "
                             "(aiohttp: one warm-up request per client at once; C++: a connect per client) and "
                             "mockd's counters are reset after that, so the run starts with warm connections, "
                             "as long-lived callers do, and the counts hold only the run"),
        ("what counts", "success: a 200 with the expected 16-byte body; a 500 is the failure `fail_rate` asks "
                        "for and is retried; anything else is an error, counted by kind; `server_requests`: "
                        "mockd's `requests_started` since the reset before the run; the timeline: mockd's "
                        "`timeline.started` (10 ms buckets from the reset), the client's send times in 10 ms "
                        "buckets from its own start"),
    ]
    return page.setup_table(results, rows)


def _charts(written: dict[str, list[str]]) -> str:
    return page.charts_section(written, {
        "retry_timeline": f"Arrivals at the server per 10 ms (bars: mockd's timeline of one repetition, the last) "
                          f"at fail_rate {fmt.compact(rv.HEADLINE_P)}, without jitter (left) and with full "
                          "jitter (right), for each client (rows); the line is the client's own count of "
                          "retries sent per 10 ms (first attempts left out). Without jitter the retries leave "
                          "in waves one backoff step apart; with it they spread over each step.",
        "retry_outcomes": "Left: success rate against the failure rate p, pooled over the repetitions with its "
                          "binomial 95 % interval, beside the formulas 1 − p (no retry) and 1 − p^(k+1). Middle: "
                          "requests the server saw per client, beside (1 − p^(k+1)) ÷ (1 − p). Right: peak "
                          "retries per 10 ms without ÷ with jitter, with 95 % CIs, and the rule's floor.",
    })


def _verdict_section(results: results.Results, v: rv.Verdict) -> str:
    out = [page.verdict_section(rv.RULE_TEXT, v, v.checks, "retry_verdict.py")]
    if v.mismatches:
        out.append("Counts that disagree:\n\n" + "\n".join(f"- `{n}`: {t}" for n, t in v.mismatches))
    rows = []
    for c in rv.clients(results.runs):
        for p in rv.rates(results.runs):
            a, b = rv.find(results.runs, c, "backoff", p), rv.find(results.runs, c, "backoff_jitter", p)
            if a is None and b is None:
                continue
            ratio = rv.wave_ratio(results.runs, c, p)
            rows.append([models.get(c).table_label(), fmt.compact(p), _median(a, rv.WAVE_COUNTER),
                         _median(b, rv.WAVE_COUNTER), fmt.factor_ci(*ratio) if ratio else fmt.DASH,
                         _median(a, "retry_attempts")])
    if rows:
        out.append("Peak retries per 10 ms (medians over the repetitions; the ratio is paired, repetition by "
                   "repetition, on identical failures):\n\n"
                   + fmt.table(["client", "fail_rate", "backoff", "backoff_jitter", "ratio (95 % CI)",
                                "retries sent"], rows))
    return "\n\n".join(out)


def _median(run: results.Run, counter: str) -> str:
    if run is None:
        return fmt.DASH
    if run.failed:
        return f"skipped: {run.error_message}"
    return fmt.sig(run.median(counter))


def _why(results: results.Results, v: rv.Verdict) -> str:
    runs, p = results.runs, rv.HEADLINE_P
    out = ["- Each attempt fails independently (its own seed), so a client fails for good only when all k + 1 "
           "attempts fail: probability p^(k+1). The price is load: a client makes 1 + p + … + p^k = "
           "(1 − p^(k+1)) ÷ (1 − p) requests on average, and the server serves every one of them."]
    b = rv.find(runs, "asio_coro", "backoff", p)
    if rv.clean(b):
        out.append(f"- Without jitter every client that failed at the same moment waits the same time and comes "
                   f"back at the same moment: the C++ clients, which sent their whole first wave within "
                   f"{_ms(b, 'first_wave_ms')} (median), put {fmt.sig(b.median(rv.WAVE_COUNTER))} of their "
                   f"{fmt.sig(b.median('retry_attempts'))} retries into a single 10 ms bucket (median). Full "
                   "jitter draws each wait from [0, base · 2^(r−1)], so the same retries spread over that "
                   "whole window.")
    py = rv.find(runs, "py_aiohttp", "backoff", p)
    if rv.clean(py) and rv.clean(b):
        wave = v.waves.get("py_aiohttp")
        if wave and wave[1] is not None and wave[1] >= rv.WAVE_MIN:
            outcome = f"the waves survive it here (peak ratio {fmt.factor_ci(*wave)})."
        elif wave:
            outcome = (f"here that spread blurred the waves (peak ratio {fmt.factor_ci(*wave)}): the retries "
                       "of one process leave at the pace of its loop, which clients in separate processes "
                       "would not share.")
        else:
            outcome = "this run has no peak ratio for it."
        out.append(f"- One asyncio loop is a slower sender: aiohttp needed {fmt.sig(py.median('cpu_s'))} s of CPU "
                   f"for a run that took asio_coro {fmt.sig(b.median('cpu_s'))} s, and its loop took "
                   f"{_ms(py, 'first_wave_ms')} (median) to send the first wave, so its failures, and the "
                   f"retries that follow them, are already spread by that much before any jitter; {outcome}")
    t = rv.time_ratio(runs, "py_aiohttp")
    if t:
        out.append(f"- Full jitter also finishes sooner on average (its expected wait is half the backoff "
                   f"step): aiohttp's total time with jitter was {fmt.factor_ci(*t)} the time without.")
    return "\n".join(out)


def _ms(run: results.Run, counter: str) -> str:
    value = run.median(counter)
    return "—" if value is None else f"{fmt.sig(value)} ms"


def _answer(results: results.Results, v: rv.Verdict) -> str:
    measured = [f"{fmt.factor_ci(*v.waves[c])} with {c}" for c in rv.CLIENTS if c in v.waves]
    wave_text = (" (measured here: the busiest 10 ms without jitter held " + " and ".join(measured)
                 + " the retries it held with jitter; one asyncio process spreads its own retries by the "
                   "time its loop needs to send them)") if measured else ""
    return ("Retry only what is worth retrying (timeouts, 5xx, connection errors; not a 4xx), cap the attempts, "
            "and wait exponentially longer between them so a struggling server gets room. With k retries a "
            "failure rate p becomes p^(k+1) if failures are independent, but every retry is one more request "
            "the server must serve. Add jitter: clients that fail together otherwise retry together, in "
            f"synchronized waves{wave_text}; full jitter (sleep uniform in [0, base · 2^attempt]) spreads them "
            "out and shortens the average wait too. In asyncio the wait is `await asyncio.sleep(...)`, never "
            "`time.sleep`, and the whole loop is one coroutine per call under `gather`.")


def _caveats(results: results.Results) -> str:
    items = [
        "Failures here are independent per attempt (a seeded draw). A real outage is correlated: all retries "
        "fail together until the server recovers, so 1 − p^(k+1) is an upper bound there, and the waves matter "
        "more, since they arrive while the server is weakest.",
        "All clients start at the same instant, which is what synchronizes them; clients arriving spread out "
        "over time retry spread out too, with or without jitter. A shared failure moment (a deploy, a "
        "restart) is what produces this start in practice.",
        "The peak is counted from the client's send times (it knows which attempt is a retry); the server's "
        "timeline counts every arrival, first attempts included, from its own reset, so the chart's bars and line "
        "are on clocks that differ by the time from the reset to the client's start (and, for the bars, by "
        "the time a request takes to reach the server).",
        "The 200 Python clients share one process and one core: the time to send a wave is the loop's, which "
        "separate client processes would not share.",
        "Each repetition draws new failures (a new run seed), so success rates and retry counts vary between "
        "repetitions by sampling, not by noise; the policies in one repetition see the same failures.",
    ]
    return page.caveats(results, items, counter="wall_ms", what="total time")


def _numbers(results: results.Results) -> str:
    columns = [
        page.counter_column("success rate", "success_rate", fmt.pct),
        page.counter_column("1 − p^(k+1)", "expected_success_rate", fmt.pct),
        page.counter_column("attempts", "attempts", fmt.count),
        page.counter_column("server requests", "server_requests", fmt.count),
        page.counter_column("500s", "failed_attempts", fmt.count),
        page.counter_column("peak retries / 10 ms", rv.WAVE_COUNTER, fmt.count),
        page.counter_column("server peak / 10 ms", "server_peak_10ms", fmt.count),
        page.counter_column("total ms", "wall_ms"),
        page.cv_column("wall_ms", "CV of total"),
        page.counter_column("client CPU s", "cpu_s"),
    ]
    note = ("Medians over the repetitions; attempts as the client counted them, server requests as mockd "
            "counted them (`requests_started`); 500s: the failures `fail_rate` asked for (retried, not errors); "
            "server peak: the busiest 10 ms of all arrivals, first attempts included. ⚠ marks a failed benchmark "
            "or one with errors.")
    return page.numbers_table(results, columns, note=note)
