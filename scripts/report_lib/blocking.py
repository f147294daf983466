"""Claims C3 (blocking sleep vs non-blocking wait) and C5 (CPU-bound work on
the loop): the scenario module. verdict() gives the one-line verdict for the
index; page.write_page() writes charts/ and README.md under DIR/blocking/. Every
figure in the page comes from the results.
"""

from . import fmt
from . import blocking_verdict as bv

NAME = "blocking"
TITLE = "C3/C5 blocking: a blocking call freezes the event loop"
HEADLINE_CHART = "charts/blocking_client.png"

CLAIM = (
    "`time.sleep` (or any blocking call) inside a coroutine freezes the whole event loop: no other task "
    "runs until it returns, so N tasks that each sleep D take N×D, while `asyncio.sleep` yields and they "
    "all wait together (about D). The fix for a blocking call you cannot avoid is to move it to a thread "
    "pool (`asyncio.to_thread`, `run_in_executor`), which bounds the damage to ceil(N/threads)×D. The "
    "same holds for CPU-bound work (C5): a handler that computes for C ms delays every other task on the "
    "loop by C ms. On the server side, a server whose T worker threads sleep in their handlers serves at "
    "most T/D requests per second, whatever the concurrency, while a timer-based (async) server keeps "
    "scaling. Here the event loop is one Boost.Asio `io_context` on one thread with C++20 coroutines, "
    "the Python calls' equivalents are named beside each mode.")


def verdict(results):
    return bv.decide(results.runs)


def sections(results, charts_written, v):
    """The page between its claim and its footer (see page.write_page)."""
    runs = results.runs
    return [
        "## Setup\n\n" + _setup(results),
        "## Charts\n\n" + _charts(charts_written),
        "## Verdict\n\n" + _verdict_section(runs, v),
        "## Why it happens\n\n" + _why(runs),
        "## In an interview\n\n" + _interview(runs),
        "## Caveats\n\n" + _caveats(results),
        "## Numbers\n\n" + _numbers(results),
        "## Errors\n\n" + _errors(results),
    ]


def _setup(results):
    ctx, runs = results.ctx, results.runs
    loop = bv.client_runs(runs, "client") + bv.client_runs(runs, "cpu")
    n = bv.tasks(loop[0]) if loop else None
    server = [r for r in runs if bv.key(r).group == "server"]
    cs = sorted({r.name.param("c") for r in server if r.name.param("c") is not None})
    sizes = sorted({(bv.key(r).kind, r.name.param("c"), int(r.median("requests") or 0)) for r in server})
    requests = "; ".join(f"{k} c:{c}: {fmt.count(q)}" for k, c, q in sizes)
    rows = [
        ("machine", ctx("suite_machine", "not recorded")),
        ("versions", ctx("suite_versions", "not recorded")),
        ("client placement", ctx("suite_client", "not recorded")),
        ("command", f"`{ctx('suite_command')}`" if ctx("suite_command") else "not recorded"),
        ("run", f"{ctx('date', 'date not recorded')}, "
                f"{'**quick** (fewer requests, numbers are rough)' if results.quick else 'full'}"),
        ("event loop", f"one `asio::io_context` on one thread; {fmt.count(n)} coroutines spawned at once, each "
                       "doing its wait or CPU burn and then one GET to the shared mockd (delay 0, 16-byte body, "
                       "status and size checked) on a new connection of its own"),
        ("ways of waiting", "`timer` = `asio::steady_timer` (`asyncio.sleep`); `sleep` = "
                            "`std::this_thread::sleep_for` in the coroutine (`time.sleep`); `offload` = the "
                            "blocking sleep on an `asio::thread_pool` of T threads, awaited by the coroutine "
                            "(`asyncio.to_thread`)"),
        ("CPU work", "`on_loop` = a busy loop reading the clock for C ms in the coroutine; `offload` = the "
                     "same busy loop on an `asio::thread_pool`"),
        ("measurements", "`total_ms` from spawning the tasks to the last response; a heartbeat coroutine "
                         "on the same loop re-arms a 1 ms timer and records how late each tick fires "
                         "(`loop_lag_max_us`, `loop_lag_p99_us`); an unrelated coroutine makes a request "
                         "due every 5 ms from the start on one keep-alive connection, each timed from when "
                         "it was due, so a request due during a stall counts the stall (`other_p50_us`, "
                         "`other_p99_us`; a stalled loop also means fewer of them, `other requests`)"),
        ("server side", "mockd `--engine asio --threads 1` (delays on timers) vs `--engine blocking "
                        "--threads 8` (cpp-httplib, handlers sleep), each started for this scenario; client "
                        "`asio_coro` with a new connection per request (a thread-per-connection server pins "
                        "one pool thread per keep-alive connection, so pooled clients beyond 8 would starve "
                        f"rather than queue), concurrency {', '.join(str(c) for c in cs) or '—'}"),
        ("requests per server run", requests or "—"),
        ("repetitions", f"{results.repetitions} per benchmark; medians and CV over them"),
    ]
    return fmt.table(["", ""], rows)


def _charts(written):
    if not written:
        return "Charts were not generated for this report (`--no-charts`)."
    captions = {
        "blocking_client": "Total time of the 100 tasks by where the blocking part runs; the dashed line "
                           "is the least total the mechanism allows.",
        "blocking_lag": "Event-loop lag (how late a 1 ms heartbeat fires) and the latency of unrelated "
                        "requests on the same loop.",
        "blocking_server": "Requests per second against client concurrency for the two mockd engines, with "
                           "the thread pool's cap T/delay and the ideal C/delay.",
    }
    return "\n\n".join(f"{captions[s]}\n\n![{s}](charts/{s}.png)\n([SVG](charts/{s}.svg))"
                       for s in written if s in captions)


def _part(title, rule, part):
    out = [f"### {title}: **{part.word}**", "Rule: " + rule, "Measured: " + part.line + "."]
    if part.reasons and part.word != "confirmed":
        out.append("Why not confirmed: " + "; ".join(part.reasons) + ".")
    return "\n\n".join(out)


def _verdict_section(runs, v):
    out = ["Rules in `scripts/report_lib/blocking_verdict.py`. " + bv.RULE_OVERALL,
           f"Outcome: **{v.word}**.",
           _part("C3, client side (one event loop)", bv.RULE_CLIENT, v.client),
           _part("C3, server side (timers vs sleeping threads)", bv.RULE_SERVER, v.server),
           _part("C5, CPU-bound work on the loop", bv.RULE_CPU, v.cpu),
           "### Bounds checked on every error-free repetition\n\n" + _bounds(runs)]
    return "\n\n".join(out)


def _bounds(runs):
    rows = []
    for r in bv.client_runs(runs, "client") + bv.client_runs(runs, "cpu"):
        if not bv.clean(r):
            continue
        b = bv.bound_ms(r)
        k = bv.key(r)
        holds = all(t >= b for t in r.values("total_ms"))
        unit = "C" if k.group == "cpu" else "D"
        what = {"timer": "≥ D", "sleep": "≥ N×D", "on_loop": "≥ N×C",
                "offload": f"≥ ceil(N/T)×{unit}"}.get(k.kind, "")
        rows.append([f"`{r.name.text}`", f"total {what} = {fmt.sig(b)} ms",
                     f"{fmt.sig(min(r.values('total_ms')))} ms", "holds" if holds else "**broken**"])
    for r in runs:
        k = bv.key(r)
        if k.group != "server" or not bv.clean(r) or k.kind != "blocking":
            continue
        holds = all(rep.get("conns_peak", 0) <= k.threads for rep in r.reps)
        rows.append([f"`{r.name.text}`", f"connections open at once ≤ T = {k.threads}",
                     fmt.count(max(r.values("conns_peak"))), "holds" if holds else "**broken**"])
    if not rows:
        return "No error-free run to check."
    return ("The least total time each way of waiting allows, against the fastest repetition; and for the "
            "blocking server, the most connections the server had open at once (a connection is counted "
            "when a pool thread serves it).\n\n"
            + fmt.table(["benchmark", "bound", "measured (fastest repetition; for connections the most)", ""], rows))


def _why(runs):
    sleep = bv.find(runs, "client", "sleep")
    on = bv.find(runs, "cpu", "on_loop")
    out = [
        "- **One thread runs the loop.** A coroutine gives the thread back only at a `co_await` (an "
        "`await`). `sleep_for` (`time.sleep`) holds the thread, so the loop cannot run the other tasks, "
        "the heartbeat or the unrelated requests until it returns: N sleeps run one after another. A timer "
        "wait registers a deadline and yields, so all N deadlines run out together.",
        "- **The heartbeat sees the stall.** Its 1 ms timer is due during a blocking call and can only fire "
        "after the loop regains the thread; Asio also runs every handler already queued before it checks "
        "timers again, so with 100 tasks queued a stall can last all of them"
        + (f" (here up to {fmt.sig(sleep.median('loop_lag_max_us') / 1000)} ms)" if bv.clean(sleep) else "")
        + ".",
        "- **A thread pool bounds it, not removes it.** Offloaded, the loop stays free, but the pool runs T "
        "sleeps at a time: ceil(N/T) rounds of D. asyncio's default executor has min(32, cpu_count + 4) "
        "workers; `asio::thread_pool`'s default is 2 × hardware threads.",
        "- **CPU work is the same stall.** A busy loop never reaches a `co_await`"
        + (f": {fmt.count(bv.tasks(on))} burns of {fmt.param(bv.work_ms(on))} ms run back to back"
           if on is not None else "")
        + ". Offloaded, it runs on pool threads; here bench is pinned to one CPU, so the pool and the loop "
        "share that core and the kernel's scheduler, not the loop, decides who runs (in CPython the GIL "
        "plays that part: a thread holding it for CPU work delays the loop by up to the 5 ms switch "
        "interval).",
        "- **Server side.** The blocking engine has T threads, each asleep for D per request: at most T "
        "requests in flight, T/D per second. The asio engine waits on timers: one thread keeps any number "
        "of requests waiting, so its rate grows with the concurrency until its CPU saturates.",
    ]
    return "\n".join(out)


def _interview(runs):
    timer, sleep = bv.find(runs, "client", "timer"), bv.find(runs, "client", "sleep")
    text = "> `time.sleep` in a coroutine blocks the thread that runs the event loop, so nothing else runs"
    if bv.clean(timer) and bv.clean(sleep):
        text += (f": 100 tasks sleeping 10 ms took {fmt.sig(sleep.median('total_ms'))} ms with a blocking "
                 f"sleep and {fmt.sig(timer.median('total_ms'))} ms with `asyncio.sleep`, and the loop "
                 f"stalled for up to {fmt.sig(sleep.median('loop_lag_max_us') / 1000)} ms")
    text += (". Use `await asyncio.sleep`; for a blocking call you cannot replace, `asyncio.to_thread` moves "
             "it to a thread pool, which limits the cost to ceil(N/threads) rounds. CPU-heavy work stalls "
             "the loop the same way; offload it (a process pool in Python, because of the GIL). The same "
             "arithmetic caps a server whose T threads sleep in handlers at T/delay requests per second.")
    return text


def _caveats(results):
    out = [
        "- Client and mockd share one machine; bench is pinned to CPU 0, the mockd processes to CPU 1, so "
        "thread pools on the client side share one core with the loop.",
        "- The blocking engine is cpp-httplib 0.11.4, whose own listen backlog of 5 would drop bursts of "
        "new connections (the client's SYN is retransmitted after 1 s); mockd re-listens with a full "
        "backlog. The steady rate (middle half of the completions, dashed lines against the whole-run "
        "rate) leaves out the start-up ramp and stragglers.",
        "- Server runs open a new connection per request (both engines): with keep-alive, cpp-httplib "
        "keeps a pool thread per open connection, so more clients than threads would wait for a connection "
        "to close rather than for a free thread.",
        "- Loop lag is a max over about a thousand 1 ms ticks per run: one slow tick sets it. The p99 is "
        "the steadier figure.",
        "- Figures are rounded to 3 significant digits; absolute numbers vary ±20% between runs on this "
        "kind of machine.",
    ]
    if results.quick:
        out.insert(0, "- **Quick run**: fewer server points and requests; treat the numbers as a smoke test.")
    return "\n".join(out)


def _numbers(results):
    runs = results.runs
    loop_rows, server_rows = [], []
    for r in runs:
        k = bv.key(r)
        name = f"{'⚠ ' if r.flagged else ''}`{r.name.text}`"
        if r.failed:
            (server_rows if k.group == "server" else loop_rows).append(
                [name, f"**failed**: {r.error_message}"])
            continue
        err = f"**{fmt.count(r.errors)}**" if r.errors else "0"
        if k.group == "server":
            server_rows.append([name, fmt.sig(r.median("steady_req_per_s")), fmt.pct(r.cv("steady_req_per_s")),
                                fmt.sig(r.median("req_per_s")), fmt.sig(bv.server_cap(r)),
                                fmt.sig(r.median("p50_us") / 1000), fmt.sig(r.median("p99_us") / 1000),
                                fmt.count(r.median("requests")), fmt.count(r.median("conns_peak")), err])
        else:
            loop_rows.append([name, fmt.sig(r.median("total_ms")), fmt.pct(r.cv("total_ms")),
                              fmt.sig(bv.bound_ms(r)), fmt.sig(r.median("loop_lag_max_us") / 1000),
                              fmt.sig(r.median("loop_lag_p99_us") / 1000),
                              fmt.sig(r.median("other_p50_us") / 1000), fmt.sig(r.median("other_p99_us") / 1000),
                              fmt.count(r.median("other_requests")), err])
    out = ["Medians over the repetitions; CV = standard deviation ÷ mean over the repetitions; errors summed "
           "over all repetitions; ⚠ marks a failed benchmark or one with errors."]
    if loop_rows:
        out.append(fmt.table(["benchmark", "total ms", "CV", "bound ms", "lag max ms", "lag p99 ms",
                              "other p50 ms", "other p99 ms", "other requests", "errors"],
                             [row + [fmt.DASH] * (10 - len(row)) for row in loop_rows]))
    if server_rows:
        out.append(fmt.table(["benchmark", "steady req/s", "CV", "whole-run req/s", "T/D or C/D",
                              "p50 ms", "p99 ms", "requests", "conns peak", "errors"],
                             [row + [fmt.DASH] * (10 - len(row)) for row in server_rows]))
    return "\n\n".join(out)


def _errors(results):
    flagged = [r for r in results.runs if r.flagged]
    if not flagged:
        return "No benchmark failed and no request failed."
    lines = []
    for r in flagged:
        if r.failed:
            lines.append(f"- `{r.name.text}`: **failed**: {r.error_message}")
        else:
            labels = sorted({rep["label"] for rep in r.reps if rep.get("label")})
            lines.append(f"- `{r.name.text}`: {fmt.count(r.errors)} failed requests"
                         + "".join(f"; {label}" for label in labels))
    return "\n".join(lines)
