"""Scenario cancellation (claim C8): what asyncio.gather, a TaskGroup and
gather(return_exceptions=True) do with the other requests when one fails, as
mockd counts it, beside Asio's parallel_group; and the cancellation semantics
(cancel() swallowed, shield(), an unreferenced task, an exception never
retrieved), each as a count. verdict() gives the index's line; the page is
built from the shared parts (page.py) plus this module's prose. Every figure
comes from the results.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import fmt, headline as hl, page
from . import verdict as checks_mod
from . import cancellation_verdict as cv
from .results import first_median

if TYPE_CHECKING:
    from . import results

NAME = "cancellation"
TITLE = "C8 cancellation: gather vs TaskGroup when one request fails"
HEADLINE_CHART = "charts/cancellation_timeline.png"

CLAIM = (
    "Interview material on asyncio says that `asyncio.gather` \"cancels the remaining tasks if one fails\", "
    "and describes `cancel()` as stopping a task, `shield()` as protecting work from cancellation and "
    "`create_task` as capturing a background task's exceptions. This scenario starts N requests to `mockd` "
    "where one fails quickly and the rest are slow. It then counts, on the server, how many of the others "
    "were cancelled and how many were completed after the caller already had its error. It does this for "
    "`gather`, for a `TaskGroup`, for `gather(return_exceptions=True)`, and for the C++ counterparts (a "
    "Boost.Asio `parallel_group` that waits for the first error or for all). Each of the other behaviours "
    "is shown by a count from one small experiment.")


def verdict(results: results.Results) -> cv.Verdict:
    return cv.decide(results.runs)


def headline(results: results.Results) -> list[hl.Figure]:
    """The figures a reader quotes, headline configuration (a 500, N = 10): gather's siblings
    completed after the error and cancelled, TaskGroup's cancelled, time to error, and how much
    longer waiting for all takes."""
    runs = results.runs
    g, t = cv.race_run(runs, "gather"), cv.race_run(runs, "taskgroup")
    return hl.measured([
        hl.figure("gather: siblings completed by the server after the error", cv.share(g, "server_completed_after_error"),
                  unit=" %"),
        hl.figure("gather: siblings cancelled at the server", cv.share(g, "server_cancelled"), unit=" %"),
        hl.figure("TaskGroup: siblings cancelled at the server", cv.share(t, "server_cancelled"), unit=" %"),
        hl.figure("gather: time to error", cv.time_ci(g), unit=" ms"),
        hl.figure("gather(return_exceptions=True) ÷ gather: time to error",
                  cv.time_ratio(runs, "gather_return_exceptions", "gather")),
        hl.figure("Asio wait_for_all ÷ wait_for_one_error: time to error",
                  cv.time_ratio(runs, "wait_for_all", "wait_for_one_error")),
    ])


def sections(results: results.Results, charts_written: dict[str, list[str]], v: cv.Verdict) -> list[str]:
    return [
        "## Setup\n\n" + _setup(results),
        "## Charts\n\n" + _charts(charts_written),
        "## Verdict\n\n" + _verdict_section(results.runs, v),
        "## The races, counted by the server\n\n" + _races(results.runs),
        "## The semantics, each as a count\n\n" + _semantics(results.runs),
        "## Why it happens\n\n" + _why(results.runs),
        "## In an interview\n\n" + _interview(results.runs),
        "## Caveats\n\n" + _caveats(results),
        "## Errors\n\n" + page.errors_section(results),
    ]


def _headline_only(runs: list[results.Run]) -> str:
    """A note when only the headline race ran (the default and quick grids): the reference has the others."""
    if cv.configs(runs) != [(cv.HEADLINE_FAILURE, cv.HEADLINE_N)]:
        return ""
    return (" (the headline race, which every figure and check of this run reads; the reference adds a larger "
            "batch and a connection reset as the failure)")


def _setup(results: results.Results) -> str:
    runs = results.runs
    fail_ms, slow_ms = first_median(cv.races(runs), "fail_ms"), first_median(cv.races(runs), "slow_ms")
    ns = sorted({n for r in cv.races(runs) if (n := cv.key(r).n)})
    failures = sorted({f for r in cv.races(runs) if (f := cv.key(r).failure)})
    rows = [
        ("server", "the shared `mockd` (asio engine, one thread: a delay is a timer, so any number of requests "
                   "wait at once); `/stats` reset right before each repetition, read 50 ms after it"),
        ("a race", f"N requests at once, each on a connection of its own: request 0 fails after "
                   f"{fmt.sig(fail_ms)} ms (`status=500`, turned into an exception by `raise_for_status` / a "
                   f"status check; or `fault=reset`), the N−1 siblings take {fmt.sig(slow_ms)} ms; "
                   f"N = {', '.join(fmt.count(n) for n in ns) or fmt.DASH}; failures: "
                   f"{', '.join(failures) or fmt.DASH}" + _headline_only(runs)),
        ("Python", "`bench/scenarios/python/cancellation.py`, one `/usr/bin/python3` child per repetition, aiohttp "
                   "with `TCPConnector(limit=0)`; after `gather` raises, the script keeps its loop and session "
                   "running until the siblings end, as a long-lived program would"),
        ("C++", "Boost.Asio C++20 coroutines with Beast on one `io_context`, the N requests in one "
                "`experimental::make_parallel_group`, awaited with `wait_for_one_error()` (cancels the others "
                "through their cancellation slots) or `wait_for_all()`"),
        ("time to error", "from the start of the requests to the moment the caller has its exception (or, when "
                          "waiting for all, its list of results); the benchmark's manual time"),
        ("semantics", "four small Python experiments (10 tasks, a cancel after 50 ms where one is made), each "
                      "counted by the script and by mockd"),
    ]
    return page.setup_table(results, rows)


def _charts(written: dict[str, list[str]]) -> str:
    return page.charts_section(written, {
        "cancellation_timeline": "What the server did, per 10 ms, in the last repetition of each race (a 500 "
                                 "among N = 10): requests completed (bars up) and cancelled by their client (bars down). "
                                 "The dashed line is when the caller had its error. A cancellation shows in the bucket where mockd "
                                 "read the client's close, which can fall just after the caller returned: the "
                                 "socket is closed as the cancelled coroutines unwind.",
        "cancellation_time_to_error": "Time until the caller has its error (or its results), geometric mean over the "
                                      "repetitions with its 95 % interval, beside the failing request's delay and the slow ones' delay.",
    })


def _verdict_section(runs: list[results.Run], v: cv.Verdict) -> str:
    out = [page.verdict_section(cv.RULE_TEXT, v, (), "cancellation_verdict.py")]
    if v.word == "inconclusive: noise":
        out.append("Undecided by noise: " + checks_mod.noise_text(v.checks) + ".")
    if v.checks:
        out.append("Checks (a check passes only when its whole 95 % confidence interval clears the threshold; "
                   "`stats.mean_ci`: a t-interval over the repetitions' shares; a count that is the same in "
                   "every repetition has an interval of zero width):\n\n" + page.checks_table(v.checks))
    if v.contrast:
        out.append("The contrast (shown, not deciding the word):\n\n" + page.checks_table(v.contrast))
    return "\n\n".join(out)


def _count(run: results.Run, counter: str) -> str:
    value = run.median(counter)
    if value is None:
        return "n/a"
    values = run.values(counter)
    spread = f" ({fmt.count(min(values))}–{fmt.count(max(values))})" if min(values) != max(values) else ""
    return fmt.count(value) + spread


def _ms(run: results.Run, counter: str) -> str:
    ci = cv.time_ci(run, counter)
    if not ci or ci[0] is None:
        return fmt.DASH
    return f"{fmt.sig(ci[0])} ({fmt.ci(ci[1], ci[2], '')})" if ci[1] is not None else fmt.sig(ci[0])


def _median_ms(run: results.Run, counter: str) -> str:
    """A median (a sum that is 0 in some repetitions has no geometric mean)."""
    value = run.median(counter)
    return fmt.DASH if value is None else fmt.sig(value)


def _races(runs: list[results.Run]) -> str:
    out = []
    for failure, n in cv.configs(runs):
        rows = []
        for lang, variants in (("py", cv.PY_VARIANTS), ("cpp", cv.CPP_VARIANTS)):
            for variant in variants:
                r = cv.race_run(runs, variant, failure, n)
                if r is None:
                    continue
                label = f"`{cv.VARIANT_LABEL[variant]}`"
                if r.failed:
                    rows.append([label, f"skipped: {r.error_message}"] + [fmt.DASH] * 6)
                    continue
                rows.append([("⚠ " if r.flagged else "") + label, _ms(r, "time_to_error_ms"),
                             _ms(r, "all_done_ms"), _count(r, "siblings_ok"), _count(r, "siblings_cancelled"),
                             _count(r, "server_cancelled"), _count(r, "server_completed_after_error"),
                             _median_ms(r, "cancelled_in_server_ms_sum")])
        assert n is not None  # a race's name carries n:
        out.append(f"**{cv.config_label(failure, n)}** ({fmt.count(n - 1)} siblings; medians over the repetitions, "
                   f"their range in brackets when it varied; times are geometric means with their 95 % interval):\n\n"
                   + fmt.table(["how the N are awaited", "time to error, ms", "all requests ended, ms",
                                "siblings OK (client)", "siblings cancelled (client)", "cancelled (server)",
                                "completed after the error (server)", "server time spent on cancelled ones, ms (median)"],
                               rows))
    out.append("Wasted work is the column \"completed after the error (server)\": responses `mockd` finished "
               "writing after the caller had given up on the batch. \"Server time spent on cancelled ones\" is "
               "the sum, over the requests a client abandoned, of the time each spent in the server before its "
               "connection closed.")
    return "\n\n".join(out) if runs else "Not measured."


SEMANTICS_TEXT = {
    "cancel_swallowed": "Two tasks in a slow request, both sent `cancel()` after 50 ms. One lets "
                        "`CancelledError` propagate; the other catches it and goes on to make a second request.",
    "shield": "A caller awaits `shield(inner)`, where `inner` is a task holding a slow request that the script "
              "keeps a reference to; the caller is cancelled after 50 ms.",
    "unreferenced_task": "k tasks created with `create_task` whose result is not stored, with `gc.collect()` run "
                         "while they wait. k of them wait on a request; k more wait on a future only they can "
                         "reach.",
    "exception_never_retrieved": "k tasks whose request fails (a 500 raised), awaited with `asyncio.wait`, which "
                                 "does not retrieve exceptions, then dropped; then k more whose exceptions are "
                                 "retrieved with `task.exception()`.",
}


def _semantics(runs: list[results.Run]) -> str:
    out = []
    checks = cv.semantics_checks(runs)
    for r in cv.semantics(runs):
        variant = cv.key(r).variant
        if r.failed:
            out.append(f"**`{variant}`**: skipped: {r.error_message}")
            continue
        rows = []
        for run, counter, want, values in checks:
            if run is not r:
                continue
            got = fmt.DASH if not values else (fmt.count(values[0]) if len(set(values)) == 1
                                               else f"{fmt.count(min(values))}–{fmt.count(max(values))}")
            ok = values and all(v == want for v in values)
            rows.append([f"`{counter}`", got, fmt.count(want), "as expected" if ok else "**differs**"])
        out.append(f"**`{variant}`**: {SEMANTICS_TEXT.get(variant, '')} ({fmt.count(len(r.reps))} repetitions)\n\n"
                   + fmt.table(["count", "measured (every repetition)", "the mechanism gives", ""], rows))
    return "\n\n".join(out) if out else "Not measured."


def _why(runs: list[results.Run]) -> str:
    g, t = cv.race_run(runs, "gather"), cv.race_run(runs, "taskgroup")
    lines = [
        "- `gather` returns a future that completes as soon as one of its children raises. It passes the "
        "exception on, but it does not cancel the other children: they are still tasks scheduled on the loop, "
        "and their requests go on. Only cancelling the gather future itself cancels its children. `gather"
        "(return_exceptions=True)` turns exceptions into results, so it waits for every child.",
        "- A `TaskGroup` (Python 3.11) is structured concurrency: when one child fails it cancels the others, "
        "waits for them to finish unwinding, and raises an `ExceptionGroup`. When aiohttp's request is "
        "cancelled, its connection is closed rather than returned to the pool, and the server sees the EOF "
        "while it is still waiting: that is the `requests_cancelled` count.",
        "- Asio's `parallel_group` with `wait_for_one_error` does the same thing as TaskGroup. It emits a "
        "cancellation on the other operations' slots; the pending read ends with `operation_aborted`; the "
        "socket closes as the coroutine unwinds. The completion handler runs only after every operation has "
        "finished, so the caller never leaves work running behind it.",
        "- `cancel()` only schedules a `CancelledError` to be thrown at the task's current await. Code that "
        "catches the exception and does not re-raise it keeps running, and the task ends as if it had never "
        "been cancelled (`task.cancelled()` is False).",
        "- `shield(inner)` cancels only the outer future it returns. The caller sees `CancelledError`, and the "
        "inner task runs on, but only while something keeps a reference to it.",
        "- The event loop keeps only weak references to tasks. A task can be garbage-collected while it is "
        "pending only when nothing else can reach it. A task waiting on a socket is reachable through the "
        "loop's I/O callbacks, so in this experiment it was never collected. A task waiting on a future that "
        "only it holds was collected, and asyncio logged that.",
        "- A task's exception is stored on the task. Nobody is told about it until someone calls `result()` or "
        "`exception()`, or awaits the task. If the task object is destroyed first, the exception appears only "
        "as a log line.",
    ]
    if g is not None and t is not None and cv.clean(g) and cv.clean(t):
        lines.append(f"- In this run the caller had its error after {fmt.sig(g.median('time_to_error_ms'))} ms "
                     f"under gather and {fmt.sig(t.median('time_to_error_ms'))} ms under the TaskGroup, which "
                     f"waits for the cancelled siblings to unwind. Under gather the siblings then took until "
                     f"{fmt.sig(g.median('all_done_ms'))} ms.")
    return "\n".join(lines)


def _interview(runs: list[results.Run]) -> str:
    g = cv.race_run(runs, "gather")
    after = cv.share(g, "server_completed_after_error")
    measured = (f" In this suite's measurement, the server completed {fmt.sig(after[0])} % of the other "
                f"requests after gather had already raised." if after and after[0] is not None else "")
    return ("> No: with the default `return_exceptions=False`, `gather` passes on the first exception right "
            "away, but the other tasks keep running to completion. Their work is wasted, and they can still fail "
            "later with nobody listening. If you want them cancelled, use `asyncio.TaskGroup` (3.11+), or cancel "
            "them yourself. `return_exceptions=True` waits for all of them. Cancellation is a request delivered "
            "at the next `await`: code that swallows `CancelledError` keeps running. `shield()` protects the "
            "inner work but not the caller. Keep references to background tasks, and retrieve their exceptions."
            + measured)


def _caveats(results: results.Results) -> str:
    items = [
        "Under gather, the siblings ran to completion because the script kept its event loop and its aiohttp "
        "session open after the error. A program that leaves `async with ClientSession()` on the exception "
        "closes the session under them: they then fail (or, if `asyncio.run` returns, are cancelled at "
        "shutdown). That is a side effect of the cleanup, not something gather does.",
        "Wasted work is counted from mockd's completion timeline, in the 10 ms buckets that begin at least one "
        "bucket after the caller's error time. /stats is reset right before the requests start, so the two "
        "clocks share an origin to within a few milliseconds; the margin of one bucket keeps the failing "
        "response itself out. A sibling completing within 10 ms of the error would not be counted, which "
        "cannot happen here: the siblings take far longer than the failure.",
        "`requests_cancelled` is counted only by mockd's asio engine (null on the blocking engine), under its "
        "default `--half-close cancel`: a FIN or a reset that arrives while mockd still waits out a request's "
        "delay counts as the client leaving, as nginx's 499 does. A FIN is all the server sees of a client that "
        "closed and of one that only shut down its sending side, so a client that half-closes after a whole "
        "request and still waits for the answer (`nc -N`, some HTTP/1.0 clients) would be counted as cancelled. "
        "Not counted: a client that abandons a request but keeps its connection open (a pooled connection), "
        "one that leaves after the delay has ended (counted as completed), and a TLS client that sends "
        "close_notify before closing (bytes during the delay end the watch, as a pipelined request does). The "
        "clients here close their connections and speak plain HTTP, so none of these applies to them.",
        "The garbage-collection experiment shows what CPython 3.11 with aiohttp 3.8 does here. A pending task "
        "waiting on the network stayed reachable through the loop's I/O callbacks. Other libraries, or a task "
        "waiting on an event nobody else holds, can be collected mid-flight, as the orphan-future tasks were.",
        "Python times include the interpreter's scheduling on a shared machine; the counts do not depend on it.",
    ]
    return page.caveats(results, items, counter="time_to_error_ms", what="time to error")
