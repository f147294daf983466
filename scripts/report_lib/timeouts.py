"""Scenario timeouts (claim C7): does a timeout bound the tail and set a
maximum execution time? verdict() gives the one-line verdict; page.write_page()
writes charts/ and README.md under DIR/timeouts/ from the shared page parts
plus this module's prose. Every figure comes from the results.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import fmt, headline as hl, page
from . import timeouts_verdict as tv

if TYPE_CHECKING:
    from . import results

NAME = "timeouts"
TITLE = "C7 timeouts: a bound on the tail, not a maximum execution time"
HEADLINE_CHART = "charts/timeouts_overrun.png"

CLAIM = (
    "Interview material says a timeout (`asyncio.wait_for`, `asyncio.timeout`, aiohttp's `ClientTimeout`) "
    "bounds tail latency and gives a coroutine a \"maximum execution time\". This scenario tests both halves. "
    "Against a server whose delays are heavy-tailed (lognormal), it times every request's wait with and "
    "without a timeout, in Python and in C++ (an Asio timer, libcurl's `CURLOPT_TIMEOUT_MS`). It then times "
    "out a task whose cancellation handler awaits some clean-up and measures when control comes back. Last, "
    "it queues requests behind aiohttp's only pooled connection and counts, at the server, which of them "
    "ever arrived.")


def verdict(results: results.Results) -> tv.Verdict:
    return tv.decide(results.runs)


def _overrun_label(run: results.Run) -> str:
    k = tv.key(run)
    who = "Python" if k.client.startswith("py_") else "C++"
    return f"{who} {tv.BOUND_LABEL.get(k.bound, k.bound)} overrun, clean-up {fmt.compact(k.cleanup_ms)} ms"


def headline(results: results.Results) -> list[hl.Figure]:
    """Per timed tail run, the p99 wait with the timeout and its price (the share of requests
    turned into timeout errors), side by side; the overruns with a 100 ms clean-up (every mode
    measures it, so labels match between runs; the largest when a run lacks it), and the
    pool-wait count; what the run did not measure is left out."""
    v = tv.decide(results.runs)
    out = []
    for w, _ in tv.tail_pairs(results.runs):
        timeout = fmt.compact(tv.key(w).timeout_ms)
        out.append(hl.figure(f"p99 wait, {tv.tail_label(w)}, {timeout} ms timeout", v.tails.get(w.name.text),
                             unit=" ms"))
        out.append(hl.figure(f"requests turned into timeout errors, {tv.tail_label(w)}, {timeout} ms timeout",
                             v.shares.get(w.name.text), unit=" %"))
    for client, bound in (("py_aiohttp", "wait_for"), ("py_aiohttp", "timeout"), ("asio", "or_timer")):
        rs = [r for r in tv.overrun_runs(results.runs, client, bound) if r.name.text in v.overruns]
        if rs:
            chosen = tv.checked_overrun(rs)
            out.append(hl.figure(_overrun_label(chosen), v.overruns[chosen.name.text], unit=" ms"))
    pool = tv.pool_run(results.runs, tv.POOL_CASE)
    if pool is not None and not pool.failed and pool.values("server_requests_seen"):
        seen = pool.values("server_requests_seen")
        # An exact count: its "interval" is the range over the repetitions.
        out.append(hl.figure(f"pool wait ({tv.POOL_CASE}): requests mockd saw", (seen[0], min(seen), max(seen)),
                             unit=" requests"))
    return hl.measured(out)


def sections(results: results.Results, charts_written: dict[str, list[str]], v: tv.Verdict) -> list[str]:
    return [
        "## Setup\n\n" + _setup(results),
        "## Charts\n\n" + _charts(charts_written, results.runs),
        "## Verdict\n\n" + _verdict_section(results, v),
        "## Why it happens\n\n" + _why(results, v),
        "## In an interview\n\n" + _interview(results, v),
        "## Caveats\n\n" + _caveats(results),
        "## Numbers\n\n" + _numbers(results),
        "## Errors\n\n" + page.errors_section(results),
    ]


def _first(runs: list[results.Run], part: str) -> results.Run | None:
    return next((r for r in tv.runs_of(runs, part) if r.reps), None)


def _setup(results: results.Results) -> str:
    runs = results.runs
    tail = _first(runs, "tail")
    rows = []
    if tail is not None:
        p = tail.name.param
        rows.append(("tail", f"{fmt.count(p('n'))} requests per repetition from {p('c')} workers (one connection "
                             f"each, so no request waits for a pool slot) to a mockd of this part's own answering "
                             f"after a lognormal delay (p50 {p('p50_ms')} ms, p99 {p('p99_ms')} ms); bounds: none, "
                             f"or {fmt.compact(tail_timeout(runs))} ms by `asyncio.wait_for`, `asyncio.timeout`, "
                             f"`aiohttp.ClientTimeout(total)` (Python, one `ClientSession`), the `asio_coro` "
                             f"model's Asio deadline and `curl_multi`'s `CURLOPT_TIMEOUT_MS` (C++). A request's "
                             f"wait runs from its start to its answer or its timeout."))
    over = _first(runs, "overrun")
    if over is not None:
        xs = sorted({x for r in tv.runs_of(runs, "overrun") if (x := tv.key(r).cleanup_ms) is not None})
        rows.append(("overrun", f"each trial times out a request mockd answers after 1 s, with a "
                                f"{fmt.compact(over.name.param('timeout_ms'))} ms timeout; the cancelled task's "
                                f"handler awaits a clean-up of {', '.join(fmt.compact(x) for x in xs)} ms before "
                                f"re-raising (`except CancelledError: await asyncio.sleep(X); raise`); in C++ a "
                                f"coroutine raced against a timer with `||` (Asio's awaitable operators) waits X "
                                f"ms on a timer when cancelled. {fmt.count(over.median('trials'))} trials per "
                                f"repetition; overrun = elapsed − timeout."))
    pool = tv.runs_of(runs, "pool_wait")
    if pool:
        rows.append(("pool wait", "`TCPConnector(limit=1)`: a first request without a timeout holds the connection "
                                  "(`hold_ms` at mockd); waiters with `ClientTimeout(total=100 ms)` queue for it. "
                                  "Client side: aiohttp's trace hooks count connections created or reused; server "
                                  "side: mockd's `requests_started` (its own mockd, reset before each repetition)."))
    return page.setup_table(results, rows)


def tail_timeout(runs: list[results.Run]) -> float | None:
    ts = [tv.key(r).timeout_ms for r in tv.runs_of(runs, "tail") if tv.key(r).timeout_ms]
    return ts[0] if ts else None


def partial_grid_text(runs: list[results.Run]) -> str:
    """What a run on bench's default grid left to the reference (the clean-up sweep, the other
    pool-wait cases); '' for a run that measured them."""
    parts = []
    if tv.cleanup_sweep_left_out(runs):
        parts.append(f"the overruns at one clean-up time ({fmt.compact(tv.CLEANUP_MS)} ms, the one the verdict, "
                     f"the headline and the interview guide quote) rather than a sweep of them")
    left_out = tv.pool_cases_left_out(runs)
    if left_out:
        parts.append(f"only the pool-wait case the check reads (`{tv.POOL_CASE}`; not "
                     + ", ".join(f"`{c}`" for c in left_out) + ")")
    if not parts:
        return ""
    return (f"This run measured bench's default grid: {'; '.join(parts)}. `bench --reference` measures the "
            f"sweep and every case, as the committed reference (`results/timeouts/`) does.")


def _charts(written: dict[str, list[str]], runs: list[results.Run]) -> str:
    partial = partial_grid_text(runs)
    return (partial + "\n\n" if partial else "") + page.charts_section(written, {
        "timeouts_overrun": "How far past the timeout control came back, against the time the cancelled task's "
                            "clean-up awaits. On the dashed line the overrun equals the clean-up: the caller "
                            "waits for all of it.",
        "timeouts_tail": "Every request's wait at each percentile, timed out or not, one panel per client; the "
                         "dashed line is the timeout.",
        "timeouts_pool_wait": "Left: the waiters, how many timed out, how many got a connection and how many "
                              "mockd saw. Right: the longest waiter's wait against the timeout.",
    })


def _verdict_section(results: results.Results, v: tv.Verdict) -> str:
    out = [page.verdict_section(tv.RULE_TEXT, v, v.checks, "timeouts_verdict.py")]
    rows = []
    for w, wo in tv.tail_pairs(results.runs):
        p99, share = v.tails.get(w.name.text), v.shares.get(w.name.text)
        rows.append([tv.tail_label(w), _ms(wo, "ok_p50_ms"), _ms(wo, "wait_p99_ms"), fmt.compact(tv.tail_bound(w)),
                     f"{fmt.sig(p99[0])} ({fmt.ci(p99[1], p99[2], ' ms')})" if p99 else fmt.DASH,
                     _ms(wo, "wait_max_ms"), _ms(w, "wait_max_ms"),
                     f"{fmt.sig(share[0])} % ({fmt.ci(share[1], share[2], ' %')})" if share else fmt.DASH])
    if rows:
        out.append("Every tail pair (medians over the repetitions, except the p99 with the timeout, its geometric "
                   "mean, and the share timed out, its mean, each with a 95 % CI). The bound is the timeout + "
                   f"{fmt.compact(tv.TAIL_SLACK * 100)} %; the share timed out is what the bound costs:\n\n"
                   + fmt.table(["client, bound", "p50 without, ms", "p99 without, ms", "bound, ms",
                                "p99 with, ms (95 % CI)", "max without, ms", "max with, ms",
                                "timed out (95 % CI)"], rows))
    over = []
    for r in tv.runs_of(results.runs, "overrun"):
        ci = v.overruns.get(r.name.text)
        k = tv.key(r)
        over.append([f"{'Python' if k.client.startswith('py_') else 'C++'} {tv.BOUND_LABEL.get(k.bound, k.bound)}",
                     fmt.compact(k.cleanup_ms), f"{fmt.sig(ci[0])} ({fmt.ci(ci[1], ci[2], ' ms')})" if ci else fmt.DASH,
                     _ms(r, "overrun_max_ms"),
                     f"{fmt.count(r.total('cleanup_before_return'))} of {fmt.count(r.total('timed_out'))}"])
    if over:
        out.append("Overrun past the timeout (ms):\n\n" + fmt.table(
            ["bound", "clean-up, ms", "overrun, mean (95 % CI)", "largest overrun", "clean-up done before control "
             "returned (trials)"], over))
    pool = []
    for case in tv.POOL_CASES:
        pr = tv.pool_run(results.runs, case)
        if pr is None or pr.failed:
            continue
        pool.append([f"`{case}`, limit:{pr.name.param('limit')}, hold {pr.name.param('hold_ms')} ms",
                     fmt.count(pr.median("waiters")), fmt.count(pr.median("timed_out")),
                     fmt.count(pr.median("got_connection")), fmt.count(pr.median("server_requests_seen")),
                     fmt.count(pr.median("server_requests_cancelled")), _ms(pr, "waiter_max_ms"),
                     v.pool.get(case, (None, ""))[1]])
    if pool:
        out.append("Pool wait (medians; the check is on every repetition):\n\n" + fmt.table(
            ["case", "waiters", "timed out", "got a connection", "mockd saw", "mockd: cancelled", "longest wait, ms",
             "exact count"], pool))
    return "\n\n".join(out)


def _ms(run: results.Run | None, counter: str) -> str:
    if run is None or run.failed:
        return fmt.DASH
    return fmt.sig(run.median(counter))


def _why(results: results.Results, v: tv.Verdict) -> str:
    runs = results.runs
    t = tail_timeout(runs)
    lines = [
        f"- **The tail.** A lognormal server answers most requests fast and a few very slowly. A timeout of "
        f"{fmt.compact(t)} ms turns every answer slower than that into an error at about {fmt.compact(t)} ms, so "
        f"the slowest waits collapse onto the timeout; the price is the share of requests that fail "
        f"(the \"timed out\" column) and must be retried or reported.",
        "- **The overrun.** A timeout does not stop code: it *asks* the task to stop by raising `CancelledError` "
        "at its current `await`, then `wait_for` (and `asyncio.timeout`'s `__aexit__`) waits for the task to "
        "finish. Whatever the task does on the way out, an `await` in an `except CancelledError` or a `finally` "
        "(closing a connection politely, a rollback, a log flush), runs before the caller gets `TimeoutError`. "
        "The same holds in C++: Asio's `||` cancels the losing operation and completes only when it has "
        "finished; cancellation is a handshake, not a kill.",
        "- **The pool wait.** aiohttp's `ClientTimeout(total)` starts when the request call starts, and "
        "acquiring a connection from `TCPConnector` is part of the call: when every connection is busy, the "
        "request spends its budget in the connector's queue and can time out without a byte sent. The server "
        "then never sees it, which is why its count matches the client's \"got a connection\" count exactly.",
    ]
    late = []
    for w, wo in tv.tail_pairs(runs):
        if w.failed or wo is None or wo.failed or not w.reps:
            continue
        over = (w.median("wait_max_ms") or 0) - (tv.key(w).timeout_ms or 0)
        late.append(f"{tv.tail_label(w)} {fmt.sig(over)} ms past the timeout (its p50 without one: "
                    f"{fmt.sig(wo.median('ok_p50_ms'))} ms)")
    if late:
        lines.append("- **A busy client fires its timeouts late.** A timeout is a timer on the client's own loop: "
                     "when the loop is behind (many responses to parse, a shared CPU), the timer's callback runs "
                     "late and the wait ends past the timeout, while a request whose answer sat unread in the socket "
                     "times out though the server was done. The longest wait in each bounded run (median over the "
                     "repetitions): " + "; ".join(late) + ".")
    asio = [r for r in tv.overrun_runs(runs, "asio", "or_timer") if r.name.text in v.overruns]
    py = [r for r in tv.overrun_runs(runs, "py_aiohttp", "wait_for") if r.name.text in v.overruns]
    if py and asio:
        p, a = tv.checked_overrun(py), tv.checked_overrun(asio)
        same = tv.key(p).cleanup_ms == tv.key(a).cleanup_ms
        lines.append(f"- In this run, with a {fmt.compact(tv.key(p).cleanup_ms)} ms clean-up, `wait_for` came back "
                     f"{fmt.sig(v.overruns[p.name.text][0])} ms late and Asio's `||` "
                     + (f"{fmt.sig(v.overruns[a.name.text][0])} ms late: the mechanism, not the language." if same
                        else f"{fmt.sig(v.overruns[a.name.text][0])} ms late with "
                             f"{fmt.compact(tv.key(a).cleanup_ms)} ms."))
    return "\n".join(lines)


def _interview(results: results.Results, v: tv.Verdict) -> str:
    return ("\"A timeout bounds how long I *wait for a result*, which cuts the tail, but it is not a hard limit on "
            "execution time. Cancellation is cooperative: `wait_for` raises `CancelledError` inside the task and "
            "then waits for it to unwind, so async clean-up in `except`/`finally` is added to the timeout, and a "
            "task that swallows the cancellation can hold the caller indefinitely. With aiohttp, "
            "`ClientTimeout(total)` also covers the wait for a pooled connection, so under a small `limit` requests "
            "can time out without ever reaching the server. For a real deadline I keep clean-up short or "
            "shield it, size the pool, and set per-phase timeouts (`sock_connect`, `sock_read`).\"")


def _caveats(results: results.Results) -> str:
    items = [
        "The tail's figures depend on the server's distribution and the timeout chosen; what carries over is "
        "the shape: the slowest waits land at the timeout, and the timed-out share is what the bound costs.",
        "The tail runs give request i the mockd `seed` i (plus N per repetition): the runs with and without a "
        "timeout of one repetition face the same N delays, and each repetition a fresh draw; the ratio is taken "
        "repetition by repetition.",
        "The Python client shares a CPU with bench (it inherits bench's pin to CPU 0, as the C++ models run there): "
        "on a busy machine its own loop lag shows in its p50 without a timeout and in how late its timeouts fire.",
        "p99 of a few hundred requests is the few slowest: noisy between repetitions, hence the intervals.",
        "The clean-up in the overrun trials is a timer, the simplest awaited clean-up; real clean-up (a network "
        "round trip) would add its own time the same way.",
        "Server-side counts come from mockd's `requests_started` (requests whose header it parsed); a mockd "
        "without that counter is read after every delay has run out, from `requests_total`.",
    ]
    return page.caveats(results, items, counter="wait_p99_ms", what="the p99 wait")


def _model_of(run: results.Run) -> tuple[str | None, Any]:
    return tv.key(run).client or None, run.name.param("c")


def _numbers(results: results.Results) -> str:
    columns = [
        page.counter_column("requests", "requests", fmt.count),
        page.counter_column("timed out", "timed_out", fmt.count),
        page.counter_column("wait p50 ms", "wait_p50_ms"),
        page.counter_column("wait p99 ms", "wait_p99_ms"),
        page.counter_column("wait max ms", "wait_max_ms"),
        page.cv_column("wait_p99_ms", "CV of p99"),
        page.counter_column("overrun median ms", "overrun_median_ms"),
        page.counter_column("mockd saw", "server_requests_started", fmt.count),
        page.counter_column("mockd: cancelled", "server_requests_cancelled", fmt.count),
    ]
    note = ("Medians over the repetitions. Waits cover every request, timed out or not; timed-out requests are "
            "counted apart, not as errors; — where a counter does not apply to the part.")
    return page.numbers_table(results, columns, model_of=_model_of, note=note)
