"""Claim C9 (first completed, hedged requests): the scenario module. verdict()
gives the index's one-line verdict; sections() the page between its claim
and its footer (page.write_page). Every figure comes from the results.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import fmt, headline as hl, models, page
from . import hedging_verdict as hv

if TYPE_CHECKING:
    from . import results

NAME = "hedging"
TITLE = "C9 hedging: first completed and hedged requests, the tail against the load"
HEADLINE_CHART = "charts/hedging_p99.png"

CLAIM = (
    "Interview material presents `asyncio.wait(..., return_when=FIRST_COMPLETED)` as the way to take the "
    "fastest of several answers, and hedged requests (a second copy of a slow request, the first answer wins) "
    "as a cure for tail latency. Three things are checked here against a local mock server. First, what "
    "`wait()` does to the requests that did not win: whether the server still serves them unless the caller "
    "cancels them. Second, what a hedge buys and costs: the 99th-percentile latency against a server with "
    "lognormal delays, and the extra requests the server gets, for hedge delays at several quantiles of that "
    "distribution. Third, whether the material's own example, `asyncio.wait()` handed a list of coroutines, "
    "runs at all on Python 3.11. Python (asyncio with aiohttp) is the subject; a C++ client on Boost.Asio "
    "coroutines runs the same experiments to show the mechanism without an interpreter in the way.")


def verdict(results: results.Results) -> hv.Verdict:
    return hv.decide(results.runs)


def headline(results: results.Results) -> list[hl.Figure]:
    """Per model: p99 hedged at p95 ÷ unhedged, then the load at p95, each with its 95 % CI."""
    v = hv.decide(results.runs)
    out = []
    for model in hv.models_of(results.runs):
        out.append(hl.figure(f"{model}: p99 hedged at {hv.HEADLINE_HEDGE} ÷ unhedged", v.p99.get(model)))
        out.append(hl.figure(f"{model}: load at {hv.HEADLINE_HEDGE} (server requests ÷ requests)",
                             v.load.get(model)))
    return hl.measured(out)


def sections(results: results.Results, charts_written: dict[str, list[str]], v: hv.Verdict) -> list[str]:
    runs = results.runs
    return [
        "## Setup\n\n" + _setup(results),
        "## Charts\n\n" + _charts(results, charts_written),
        "## Verdict\n\n" + _verdict_section(runs, v),
        "## Hedged requests: tail and load\n\n" + _hedged_table(runs),
        "## First completed: what happens to the others\n\n" + _first_completed(runs),
        "## The material's `wait([coroutine, ...])`\n\n" + _coroutine_form(runs, v),
        "## Why it happens\n\n" + _why(runs),
        "## In an interview\n\n" + _interview(runs, v),
        "## Caveats\n\n" + _caveats(results),
        "## Numbers\n\n" + _numbers(results),
        "## Errors\n\n" + page.errors_section(results),
    ]


def _first_counter(runs: list[results.Run], name: str) -> float | None:
    for r in runs:
        if not r.failed and r.median(name) is not None:
            return r.median(name)
    return None


def _setup(results: results.Results) -> str:
    runs = results.runs
    hedged = [r for r in runs if hv.key(r).kind == "hedged" and not r.failed]
    n = hedged[0].name.param("n") if hedged else None
    c = hedged[0].name.param("c") if hedged else None
    p50, p99 = _first_counter(hedged, "dist_p50_ms"), _first_counter(hedged, "dist_p99_ms")
    delays = []
    for h in hv.HEDGES[:-1]:
        ms = next((r.median("hedge_ms") for r in hedged if hv.key(r).hedge == h and r.median("hedge_ms")), None)
        if ms is not None:
            delays.append(f"{h} = {fmt.compact(ms)} ms")
    first = [r for r in runs if hv.key(r).kind == "first_completed" and not r.failed]
    rounds = first[0].name.param("rounds") if first else None
    fastest = _first_counter(first, "fastest_delay_ms")
    middle = _first_counter(first, "middle_delay_ms")
    slowest = _first_counter(first, "slowest_delay_ms")
    names = ", ".join(models.get(m).table_label() for m in hv.models_of(runs) or hv.MODELS)
    rows = [
        ("server", "the suite's shared mockd (`--engine asio --threads 1`): delays wait on timers, and a client "
                   "that closes its connection during a delay is counted in `requests_cancelled` (mockd then "
                   "stops the delay and sends nothing)"),
        ("clients", f"{names}: `py_aiohttp` is asyncio with one `aiohttp.ClientSession` (its pool; a cancelled "
                    f"request's connection is closed); `asio_coro` is Boost.Asio C++20 coroutines with the same "
                    f"pool behaviour"),
        ("first completed", f"{fmt.count(rounds)} round{'' if rounds == 1 else 's'} per repetition; in each, three requests at once to paths "
                            f"that answer after {fmt.compact(fastest)}, {fmt.compact(middle)} and {fmt.compact(slowest)} ms; the "
                            f"first answer is taken, then the other two are either awaited to their end "
                            f"(`pending:kept`) or cancelled (`pending:cancelled`)"
         if rounds is not None else "not measured"),
        ("hedged", f"{fmt.count(n)} requests per repetition by {fmt.count(c)} concurrent workers against "
                   f"lognormal delays (p50 {fmt.compact(p50)} ms, p99 {fmt.compact(p99)} ms; request i asks "
                   f"with seed 2i, its copy with 2i + 1, plus a base that changes per repetition, the same for "
                   f"every hedge delay and both models); a second copy after the hedge delay ("
                   + ", ".join(delays) + " of the distribution, or never); the first answer wins, the other is "
                   "cancelled" if n is not None else "not measured"),
        ("load", "mockd's `requests_started` ÷ the client's requests, read from `/stats` after each repetition "
                 "(reset before it)"),
    ]
    return page.setup_table(results, rows)


def _charts(results: results.Results, written: dict[str, list[str]]) -> str:
    first = [r for r in results.runs if hv.key(r).kind == "first_completed" and not r.failed]
    hosts = ", ".join(fmt.compact(_first_counter(first, c)) for c in ("fastest_delay_ms", "middle_delay_ms",
                                                                       "slowest_delay_ms"))
    left_out = hv.sweep_left_out(results.runs)
    partial = (f"This run measured the hedge delay the verdict and the headline read, not the sweep (bench's "
               f"default grid; not measured here: {', '.join(f'`{h}`' for h in left_out)}). `bench --reference` "
               f"sweeps every hedge delay, as the committed reference (`results/hedging/`) does.\n\n"
               if left_out else "")
    return partial + page.charts_section(written, {
        "hedging_p99": "Left: the 99th-percentile latency for each hedge delay (a quantile of the server's delay "
                       "distribution; `never`: no second copy), with the 95 % interval over the repetitions. "
                       "Right: the load, requests the server started per request the client made.",
        "hedging_first_completed": f"`wait(FIRST_COMPLETED)` over three requests ({hosts} ms). Left: time to "
                                   "the first answer and until the others were settled. Right: what mockd did "
                                   "with the requests: completed or cancelled by the client.",
    })


def _verdict_section(runs: list[results.Run], v: hv.Verdict) -> str:
    return page.verdict_section(hv.RULE_TEXT, v, v.checks, "hedging_verdict.py")


def _ms(run: results.Run | None, counter: str) -> str:
    return fmt.sig(run.median(counter)) if run is not None and not run.failed else fmt.DASH


def _hedged_table(runs: list[results.Run]) -> str:
    rows = []
    for model in hv.models_of(runs):
        never = hv.hedged_run(runs, model, "never")
        for h in hv.hedges_of(runs, model):
            r = hv.hedged_run(runs, model, h)
            assert r is not None  # hedges_of lists the hedges this model ran
            if r.failed:
                rows.append([models.get(model).table_label(), h, f"failed: {r.error_message}"] + [fmt.DASH] * 8)
                continue
            ratio = hv.p99_ratio(runs, model, h) if h != "never" else None
            hedged_share = r.per_rep("hedges", "requests")
            won = r.per_rep("hedge_won", "hedges")
            rows.append([models.get(model).table_label(), f"`{h}`",
                         fmt.compact(r.median("hedge_ms")) if r.median("hedge_ms") is not None else "—",
                         _ms(r, "p50_ms"), _ms(r, "p99_ms"),
                         fmt.factor_ci(*ratio) if ratio else ("1x" if h == "never" and never else fmt.DASH),
                         fmt.pct(hedged_share) if hedged_share is not None else fmt.DASH,
                         fmt.pct(won) if won is not None else fmt.DASH,
                         fmt.factor_ci(*load) if (load := hv.load_ci(runs, model, h)) else fmt.DASH,
                         fmt.count(r.median("server_cancelled")),
                         fmt.times(r.per_rep("server_completed", "requests"))])
    if not rows:
        return "Not measured."
    return ("Medians over the repetitions; the p99 ratio is paired with the unhedged run repetition by "
            "repetition; the load's interval is over the repetitions. The load counts every request mockd "
            "started; the last column counts the answers it wrote in full: a copy cancelled after its answer "
            "was on the way was served for nothing.\n\n"
            + fmt.table(["client", "hedge", "hedge delay ms", "p50 ms", "p99 ms", "p99 ÷ unhedged (95 % CI)",
                         "requests hedged", "copy won", "load (95 % CI)", "cancelled at mockd",
                         "completed at mockd ÷ requests"], rows))


def _first_completed(runs: list[results.Run]) -> str:
    rows = []
    for model in hv.models_of(runs, "first_completed"):
        for pending in ("kept", "cancelled"):
            r = hv.first_run(runs, model, pending)
            if r is None:
                continue
            if r.failed:
                rows.append([models.get(model).table_label(), pending, f"failed: {r.error_message}"]
                            + [fmt.DASH] * 5)
                continue
            rows.append([models.get(model).table_label(), f"`{pending}`", _ms(r, "first_ms"), _ms(r, "all_done_ms"),
                         fmt.count(r.median("requests")), fmt.count(r.median("pending")),
                         fmt.count(r.median("server_completed")), fmt.count(r.median("server_cancelled"))])
    if not rows:
        return "Not measured."
    return ("Per repetition (medians over the repetitions): time to the first answer and until every request "
            "of the round had ended, the requests sent, how many were still pending when the first answer "
            "came, and what mockd counted.\n\n"
            + fmt.table(["client", "pending", "first answer ms", "all settled ms", "requests", "pending",
                         "completed at mockd", "cancelled at mockd"], rows))


def _coroutine_form(runs: list[results.Run], v: hv.Verdict) -> str:
    r = hv.wait_run(runs)
    if r is None:
        return "Not measured."
    if r.failed:
        return f"Not measured: {r.error_message}."
    raised, message, python = v.coroutine or ("", "", "")
    started = r.median("server_requests")
    if raised:
        text = (f"On Python {python or 'as recorded'}, `asyncio.wait([fetch(url) for url in urls], "
                f"return_when=FIRST_COMPLETED)` raised `{raised}`: \"{message}\". No request was sent by that "
                f"call (the coroutines never started); the same call over tasks (`asyncio.create_task(...)`) "
                f"returned {fmt.count(r.median('task_form_done'))} done and {fmt.count(r.median('task_form_pending'))} "
                f"pending, and mockd counted {fmt.count(started)} requests in all, one per task.")
    else:
        text = (f"On Python {python or 'as recorded'}, `asyncio.wait()` accepted bare coroutines (no exception "
                f"was raised): an interpreter older than 3.11 wraps them in tasks with a deprecation warning.")
    return text + (" The exception is recorded as data by the benchmark (`coroutine_form_raised`, "
                   "`coroutine_form_typeerror` and the run's label in `bench.json`).")


def _why(runs: list[results.Run]) -> str:
    out = [
        "- `asyncio.wait()` only watches tasks: it returns the sets of done and pending ones and never touches "
        "the pending ones. They keep running, and their requests keep their connections, until they finish or "
        "someone calls `cancel()` on them. That is why the server completes them in `pending:kept`.",
        "- Cancelling an HTTP/1.1 request in flight has one means: closing its connection. aiohttp closes it "
        "when the task is cancelled, and the C++ client closes its socket; mockd sees the end of the stream "
        "while it waits out the delay and counts a cancellation. A cancel that comes after the answer was "
        "written cancels nothing at the server: that request was served in full for nobody.",
        "- A hedge at quantile q is sent for the share 1 − q of requests still waiting at that point, so the "
        "extra load is about 1 − q (5 % at p95), less the copies cancelled before they reached the server. "
        "The tail shrinks because a slow request now needs its copy to be slow too, and two independent draws "
        "both landing in the tail is rare. That holds when slowness is independent per request, as the "
        "seeded lognormal server makes it here.",
        "- The hedge delay sets the trade: an early copy (p50) doubles about half the requests and trims the "
        "middle of the distribution as well; a late one (p99) costs almost nothing but arrives after the "
        "point it was meant to cut.",
        "- Since Python 3.11, `asyncio.wait()` refuses coroutines: it used to wrap them in new tasks, so a "
        "caller testing `coro in done` never found its own coroutine there.",
    ]
    lines = []
    for model in hv.models_of(runs):
        r = hv.hedged_run(runs, model, hv.HEADLINE_HEDGE)
        if r is None or r.failed or r.median("cancelled") is None:
            continue
        cancelled, at_server = r.median("cancelled"), r.median("server_cancelled")
        attempts, started = r.median("attempts"), r.median("server_requests")
        served = r.per_rep("server_completed", "requests")
        assert attempts is not None and started is not None  # counted in every hedged repetition
        lines.append(f"  - {models.get(model).table_label()}, hedge at {hv.HEADLINE_HEDGE}: the client cancelled "
                     f"{fmt.count(cancelled)} requests a repetition; mockd counted {fmt.count(at_server)} of them "
                     f"as cancelled, {fmt.count(max(attempts - started, 0))} never reached it, and it wrote "
                     f"{fmt.times(served)} an answer per client request (medians).")
    if lines:
        out.insert(2, "- Where the cancelled copies went, in this run:\n" + "\n".join(lines))
    return "\n".join(out)


def _interview(runs: list[results.Run], v: hv.Verdict) -> str:
    answer = ("> \"`asyncio.wait(tasks, return_when=FIRST_COMPLETED)` gives me the first finished task and leaves "
              "the rest running: I cancel the pending ones myself, or the server keeps doing the work. It needs "
              "tasks, not coroutines, since 3.11. For tail latency I hedge: send a second copy only when the "
              "first is slower than about the p95, take whichever answers first, cancel the other. That cuts "
              "the p99 for a few percent more load, as long as slowness is independent per request, the "
              "request is safe to repeat, and the client has the CPU to spare.\"")
    figures = []
    for model in hv.models_of(runs):
        p99, load = v.p99.get(model), v.load.get(model)
        if not p99 or not load:
            continue
        lowered = p99[2] is not None and p99[2] < 1
        figures.append(f"{models.get(model).table_label()}: a copy at {hv.HEADLINE_HEDGE} "
                       + ("took the p99 to " if lowered else "left the p99 at ")
                       + f"{fmt.factor_ci(*p99)} of the unhedged one for {fmt.factor_ci(*load)} the requests")
    if figures:
        answer += "\n\nIn this run: " + "; ".join(figures) + "."
    return answer


def _caveats(results: results.Results) -> str:
    items = [
        "The server's slowness is independent per request (a seeded lognormal draw). A real backend that is "
        "slow for everyone at once (a GC pause, a full queue) gains far less from a hedge, and the extra "
        "copies add to its load exactly when it is overloaded.",
        "Hedging repeats a request: only for idempotent ones (reads, or writes with an idempotency key).",
        "The p99 of one repetition comes from its own requests only (a few thousand at most): its interval "
        "is over the repetitions, which each draw new server delays.",
        "The Python client adds its own CPU time to every request (the event loop, aiohttp's parsing), so its "
        "p50 sits above the server's and its hedge timer fires late by the loop's lag; every copy adds more "
        "of that CPU. On a machine busy with other work the loop falls behind: answers wait unread, copies "
        "go out for requests already answered, and a hedge can raise the p99 instead of lowering it. The "
        "C++ client shows the mechanism without that cost; both go through the same server and seeds.",
        "A cancelled copy may already have been counted by the server (its request arrived) or not (cancelled "
        "while connecting): the load counts what the server started.",
    ]
    return page.caveats(results, items, counter="p99_ms", what="p99")


def _model_of(run: results.Run) -> tuple[str | None, Any]:
    return hv.key(run).model, run.name.param("c")


def _numbers(results: results.Results) -> str:
    columns = [
        page.counter_column("p50 ms", "p50_ms"),
        page.counter_column("p99 ms", "p99_ms"),
        page.cv_column("p99_ms", "CV of p99"),
        page.counter_column("first ms", "first_ms"),
        page.counter_column("requests", "requests", fmt.count),
        page.counter_column("attempts", "attempts", fmt.count),
        page.counter_column("server requests", "server_requests", fmt.count),
        page.counter_column("server cancelled", "server_cancelled", fmt.count),
        page.counter_column("load", "load"),
    ]
    note = ("Medians over the repetitions; CV = standard deviation ÷ mean over the repetitions. attempts: "
            "requests the client started, copies included; server requests and cancelled: mockd's "
            "`requests_started` and `requests_cancelled`. ⚠ marks a failed benchmark or one with errors.")
    return page.numbers_table(results, columns, model_of=_model_of, note=note)
