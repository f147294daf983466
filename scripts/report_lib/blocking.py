"""Claims C3 (blocking sleep vs non-blocking wait) and C5 (CPU-bound work on
the loop): the scenario module. verdict() gives the one-line verdict for the
index; page.write_page() writes charts/ and README.md under DIR/blocking/. Every
figure in the page comes from the results. Python rows (asyncio) carry the
claim; C++ rows (Boost.Asio) show the same mechanism without an interpreter,
and are always labelled as C++.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import fmt, headline as hl, page, stats
from . import verdict as verdict_mod
from . import blocking_verdict as bv
from .models import PYTHON
from .results import first_median

if TYPE_CHECKING:
    from . import results

NAME = "blocking"
TITLE = "C3/C5 blocking: a blocking call freezes the event loop"
HEADLINE_CHART = "charts/blocking_client.png"

CLAIM = (
    "`time.sleep` (or any blocking call) inside a coroutine freezes the whole event loop: no other task "
    "runs until it returns, so N tasks that each sleep D take N×D, while `asyncio.sleep` yields and they "
    "all wait together (about D). The fix for a blocking call you cannot avoid is to move it to a thread "
    "pool (`asyncio.to_thread`, `run_in_executor`), which bounds the damage to ceil(N/threads)×D. The "
    "same holds for CPU-bound work (C5): a handler that computes for C ms delays every other task on the "
    "loop by C ms, so offload it to a thread or a process pool. On the server side, a server whose T "
    "worker threads sleep in their handlers serves at most T/D requests per second, whatever the "
    "concurrency, while a timer-based (async) server keeps scaling. Measured in Python (one asyncio "
    "loop in a child interpreter) and, for the mechanism without an interpreter or a GIL, in C++ (one "
    "Boost.Asio `io_context` on one thread with C++20 coroutines).")


def verdict(results: results.Results) -> bv.Verdict:
    return bv.decide(results.runs)


# The concurrency each server side's headline factor is taken at, in every mode: the lowest one its
# rule checks, which the default grid measures (bench/scenarios/blocking.cpp: kServerHeadlineC,
# kAiohttpHeadlineC), so a default or quick run quotes the same figure as the reference, whose sweep
# over concurrency the verdict's checks read.
SERVER_HEADLINE_C = bv.HIGH_C
AIOHTTP_HEADLINE_C = bv.AIOHTTP_HIGH_C


def headline(results: results.Results) -> list[hl.Figure]:
    """The factors the verdict line quotes, per language (Python first): the blocking wait ÷ the
    timer on one loop (C3, total time), each offload's speed-up over the same CPU work on the
    loop (C5), aiohttp's `asyncio.sleep` ÷ `time.sleep` handler at AIOHTTP_HEADLINE_C, the await
    that never suspends against sleep(0) (Q7), and the asio ÷ blocking server at SERVER_HEADLINE_C
    (steady req/s), each from paired repetitions with its 95 % CI."""
    runs = results.runs
    out = []
    for lang in (PYTHON, bv.CPP):
        group = bv.WAIT_GROUPS[lang]
        timer = next((r for r in bv.client_runs(runs, group) if bv.key(r).kind in bv.TIMER_WAITS), None)
        sleep = next((r for r in bv.client_runs(runs, group) if bv.key(r).kind in bv.BLOCKING_WAITS), None)
        if bv.clean(timer) and bv.clean(sleep):
            out.append(hl.figure(f"C3: {bv.label(sleep)} ÷ {bv.label(timer)}, total time",
                                 stats.paired_ratio_ci(sleep.values("total_ms"), timer.values("total_ms"))))
    for lang in (PYTHON, bv.CPP):
        on = bv.find(runs, bv.CPU_GROUPS[lang], "on_loop")
        if not bv.clean(on):
            continue
        for r in bv.offloads(runs, bv.CPU_GROUPS[lang]):
            if bv.clean(r):
                out.append(hl.figure(f"C5: {bv.label(on)} ÷ {bv.label(r)}, total time",
                                     stats.paired_ratio_ci(on.values("total_ms"), r.values("total_ms"))))
    c = AIOHTTP_HEADLINE_C
    slept, awaited = bv.aiohttp_runs(runs, "time_sleep").get(c), bv.aiohttp_runs(runs, "asyncio_sleep").get(c)
    if bv.clean(slept) and bv.clean(awaited):
        out.append(hl.figure(f"C3 server, Python: aiohttp `asyncio.sleep` ÷ `time.sleep` handler, steady req/s, "
                             f"c:{c}", stats.paired_ratio_ci(awaited.values("steady_req_per_s"),
                                                             slept.values("steady_req_per_s"))))
    stalled, yielding = bv.await_runs(runs)
    for r in yielding:
        if bv.clean(stalled) and bv.clean(r):
            out.append(hl.figure(f"Q7 await_yield: {bv.await_label(stalled)} ÷ {bv.await_label(r)}, heartbeat lag max",
                                 stats.paired_ratio_ci(stalled.values("loop_lag_max_us"),
                                                       r.values("loop_lag_max_us"))))
    c = SERVER_HEADLINE_C
    asio, blocking = bv.server_runs(runs, "asio").get(c), bv.server_runs(runs, "blocking").get(c)
    if bv.clean(asio) and bv.clean(blocking):
        # Blocking threads on two cores: how the kernel schedules them sets the blocking engine's rate
        # from run to run more than the one-thread-per-request mechanism does.
        out.append(hl.figure(f"C3 server: asio ÷ blocking engine, steady req/s, c:{c}",
                             stats.paired_ratio_ci(asio.values("steady_req_per_s"),
                                                   blocking.values("steady_req_per_s")),
                             setup="how the machine's cores schedule the blocking engine's threads"))
    return hl.measured(out)


def sections(results: results.Results, charts_written: dict[str, list[str]], v: bv.Verdict) -> list[str]:
    """The page between its claim and its footer (see page.write_page)."""
    runs = results.runs
    return [
        "## Setup\n\n" + _setup(results),
        "## Charts\n\n" + _charts(charts_written),
        "## Verdict\n\n" + _verdict_section(runs, v),
        "## Why it happens\n\n" + _why(runs, v),
        "## An aiohttp handler that sleeps (aiohttp_server)\n\n" + _aiohttp(runs, v.aiohttp),
        "## Connections that send nothing\n\n" + _silent(runs),
        "## Awaits that never suspend (await_yield)\n\n" + _await_yield(runs, v.await_yield),
        "## In an interview\n\n" + _interview(runs, v),
        "## Caveats\n\n" + _caveats(results),
        "## Numbers\n\n" + _numbers(results),
        "## Errors\n\n" + page.errors_section(results),
    ]


def _setup(results: results.Results) -> str:
    runs = results.runs
    loop = bv.loop_runs(runs)
    n = bv.tasks(loop[0]) if loop else None
    py = [r for r in loop if bv.language(r) == PYTHON]
    py_cpus = sorted({fmt.param(bv.cpus(r)) for r in py if r.reps})
    iterations = first_median([r for r in py if bv.key(r).cpu], "work_iterations")
    versions = sorted({rep["label"] for r in py for rep in r.reps if str(rep.get("label", "")).startswith("Python")})
    server = [r for r in runs if bv.key(r).group == "server"]
    cs = sorted({r.name.param("c") for r in server if r.name.param("c") is not None})
    sizes = sorted({(bv.key(r).kind, r.name.param("c"), int(r.median("requests") or 0)) for r in server})
    requests = "; ".join(f"{k} c:{c}: {fmt.count(q)}" for k, c, q in sizes)
    rows = [
        ("C++ event loop", f"one `asio::io_context` on bench's thread (pinned to CPU 0); {fmt.count(n)} "
                           "coroutines spawned at once, each doing its wait or CPU work and then one GET to the "
                           "shared mockd (delay 0, 16-byte body, status and size checked) on a new connection "
                           "of its own"),
        ("Python event loop", "one asyncio loop in a child `/usr/bin/python3 bench/python/event_loop.py` "
                              f"({', '.join(versions) or 'version not recorded'}; started without a shell, dies "
                              f"with bench, allowed every CPU: {', '.join(py_cpus) or '—'} CPUs); the same "
                              "tasks, each GET written on asyncio's own streams (`asyncio.open_connection`) on "
                              "a connection of its own: the loop, not a client library, is measured; "
                              "interpreter start-up (`startup_ms`) is outside the timed part"),
        ("ways of waiting", "Python `asyncio.sleep`, `time.sleep` in the coroutine, `asyncio.to_thread(time.sleep)` "
                            "(asyncio's default executor, min(32, CPUs + 4) threads); C++ `asio::steady_timer` "
                            "(mirrors `asyncio.sleep`), `std::this_thread::sleep_for` on the loop (mirrors "
                            "`time.sleep`), `sleep_for` on an `asio::thread_pool` of W threads the coroutine "
                            "awaits (mirrors `asyncio.to_thread`)"),
        ("CPU work", "a fixed amount per task, the same wherever it runs. C++: computes until the thread's own "
                     "CPU time (`CLOCK_THREAD_CPUTIME_ID`) has advanced by C, on the loop or on a pool of W "
                     "threads allowed 1 CPU (the loop's) or 2 (`cpus:K`). Python: "
                     + (f"{fmt.count(iterations)} steps" if iterations else "a calibrated count of steps")
                     + " of pure-Python arithmetic (calibrated once per bench run to take C of CPU time), on "
                       "the loop, via `asyncio.to_thread`, or via `loop.run_in_executor(ProcessPoolExecutor(W))`"),
        ("measurements", "`total_ms` from creating the tasks to the last response; `cpu_s` the CPU time of "
                         "the process during it (Python process pool: plus its workers'); `work_cpu_s` the "
                         "CPU time of the work itself; `cpus_available` the CPUs the threads doing the work "
                         "could use; a heartbeat on the loop sleeps 1 ms again and again and records how late "
                         "it wakes (`loop_lag_*`); an unrelated request due every 5 ms on one keep-alive "
                         "connection, timed from when it was due (`other_*`)"),
        ("server side", "mockd `--engine asio --threads 1` (delays on timers) vs `--engine blocking "
                        "--threads 8` (cpp-httplib, handlers sleep), each started for this scenario; client "
                        "`asio_coro` with a new connection per request (a thread-per-connection server pins "
                        "one pool thread per keep-alive connection, so pooled clients beyond 8 would starve "
                        f"rather than queue), concurrency {', '.join(str(c) for c in cs) or '—'}"),
        ("requests per server run", requests or "—"),
    ]
    return page.setup_table(results, rows)


# What a part of the page says when this run did not measure it: the default grid leaves some to the
# reference (bench/scenarios/blocking.cpp, register_blocking).
NOT_MEASURED = "Not measured in this run; the reference run (`bench --reference`) measures it."


def _charts(written: dict[str, list[str]]) -> str:
    captions = {
        "blocking_client": "C3: total time of the 100 tasks by how they wait, Python and C++ side by side; "
                           "the bar-shaped marker is the least total the mechanism allows.",
        "blocking_cpu": "C5: wall time and CPU time of 100 tasks' CPU work by where it runs; the bar-shaped "
                        "marker is the least wall time the work allows on the CPUs its threads could use.",
        "blocking_lag": "Event-loop lag (how late a 1 ms heartbeat wakes) and the latency of unrelated "
                        "requests on the same loop, Python and C++.",
        "blocking_server": "Requests per second against client concurrency for the two mockd engines and the "
                           "aiohttp server's `time.sleep` and `asyncio.sleep` handlers, with the thread pool's cap "
                           "T/delay, one thread's 1/delay and the ideal C/delay.",
    }
    return page.charts_section(written, captions)


def _part(title: str, rule: str, part: bv.Part) -> str:
    out = [f"### {title}: **{part.word}**", page.verdict_section(rule, part, part.checks),
           "Measured: " + part.line + "."]
    if part.reasons:
        out.append("Bounds or runs that failed: " + "; ".join(part.reasons) + ".")
    return "\n\n".join(out)


def _verdict_section(runs: list[results.Run], v: bv.Verdict) -> str:
    out = ["Rules in `scripts/report_lib/blocking_verdict.py`. " + bv.RULE_OVERALL,
           f"Outcome: **{v.word}**.",
           _part("C3, client side (one event loop)", bv.RULE_CLIENT, v.client),
           _part("C3, server side (timers vs sleeping threads)", bv.RULE_SERVER, v.server),
           _part("C3, server side in Python (aiohttp_server: `time.sleep` vs `asyncio.sleep` in a handler)",
                 bv.RULE_AIOHTTP, v.aiohttp),
           _part("C5, CPU-bound work on the loop", bv.RULE_CPU, v.cpu),
           _part("Q7, an await that never suspends (await_yield)", bv.RULE_AWAIT, v.await_yield),
           "### Bounds checked on every error-free repetition\n\n" + _bounds(runs)]
    return "\n\n".join(out)


def _bound_text(run: results.Run) -> str:
    k = bv.key(run)
    if k.cpu:
        return "total ≥ CPU work (one thread)" if k.kind == "on_loop" else "total ≥ CPU work ÷ CPUs"
    return {"timer": "total ≥ D", "asyncio_sleep": "total ≥ D", "sleep": "total ≥ N×D",
            "time_sleep": "total ≥ N×D"}.get(k.kind, "total ≥ ceil(N/W)×D")


def _bounds(runs: list[results.Run]) -> str:
    rows = []
    for r in bv.loop_runs(runs):
        if not bv.clean(r):
            continue
        fastest = min(r.reps, key=lambda rep: rep.get("total_ms", 0))
        b = bv.bound_ms(r, fastest)
        holds = not bv.bounds_broken(r)
        rows.append([bv.label(r), f"`{r.name.text}`", f"{_bound_text(r)} = {fmt.sig(b)} ms",
                     f"{fmt.sig(fastest.get('total_ms'))} ms", "holds" if holds else "**broken**"])
    for r in runs:
        k = bv.key(r)
        if k.group != "server" or not bv.clean(r) or k.kind != "blocking":
            continue
        holds = all(rep.get("conns_peak", 0) <= k.threads for rep in r.reps)
        rows.append(["mockd blocking engine", f"`{r.name.text}`", f"connections open at once ≤ T = {k.threads}",
                     fmt.count(max(r.values("conns_peak"))), "holds" if holds else "**broken**"])
    for c, r in sorted(bv.aiohttp_runs(runs, "time_sleep").items()):
        cap = bv.server_cap(r)
        if not bv.clean(r) or not cap:
            continue
        top = max(r.values("steady_req_per_s"), default=None)
        holds = top is not None and top <= bv.AIOHTTP_CAP_OVER * cap
        rows.append(["aiohttp handler calling `time.sleep`", f"`{r.name.text}`",
                     f"steady req/s ≤ {bv.AIOHTTP_CAP_OVER}×1/D = {fmt.sig(bv.AIOHTTP_CAP_OVER * cap)}",
                     fmt.sig(top), "holds" if holds else "**broken**"])
    if not rows:
        return "No error-free run to check."
    return ("The least total time each way of waiting or working allows, against the fastest repetition (CPU "
            "work: that repetition's own CPU time of the work ÷ the CPUs its threads could use; on the loop "
            "the loop's lag max must also reach one task's wait or work); and for the blocking server, the "
            "most connections the server had open at once (a connection is counted when a pool thread "
            "serves it); for aiohttp's `time.sleep` handler, the highest steady rate of any repetition. "
            "\"broken\" means some repetition missed the bound.\n\n"
            + fmt.table(["what", "benchmark", "bound", "measured (fastest repetition; for connections and rates the most)",
                         ""], rows))


def _ms(run: results.Run, counter: str, scale: float = 1 / 1000) -> float | None:
    v = run.median(counter) if bv.clean(run) else None
    return None if v is None else v * scale


def _offload_checks(runs: list[results.Run],
                    v: bv.Verdict) -> tuple[results.Run | None, results.Run | None, results.Run | None, verdict_mod.Check | None, verdict_mod.Check | None, verdict_mod.Check | None]:
    """(on-loop run, to_thread run, process-pool run, to_thread's lag check, the pool's lag check,
    the GIL check) of Python's CPU part; a check is None where it was not computed."""
    on, thread = bv.find(runs, "py_cpu", "on_loop"), bv.find(runs, "py_cpu", "to_thread")
    proc = bv.find(runs, "py_cpu", "process_pool")
    checks = v.cpu.checks
    lag = lambda off: bv.find_check(checks, bv.lag_check_name(on, off)) if on and off else None  # noqa: E731
    return on, thread, proc, lag(thread), lag(proc), bv.find_check(checks, bv.GIL_CHECK)


def _cut(check: verdict_mod.Check) -> str:
    """How a lag check came out, in words: 'cut it by 98x (95 % CI …), at least 5x' etc."""
    if check.status == verdict_mod.PASSED:
        return f"cut by {check.figure}, at least {fmt.times(bv.LAG_FACTOR)}"
    if check.status == verdict_mod.FAILED:
        return f"cut by only {check.figure}, under {fmt.times(bv.LAG_FACTOR)}"
    return f"changed by {check.figure}, which noise leaves undecided against {fmt.times(bv.LAG_FACTOR)}"


def _gil_bullet(runs: list[results.Run], v: bv.Verdict) -> str:
    """Python CPU work on threads and in processes, worded by the checks' outcomes (never typed): does
    to_thread cut the loop's lag, does the process pool, does the GIL hold the work to one thread."""
    on, thread, proc, thread_lag, proc_lag, gil = _offload_checks(runs, v)
    if not bv.clean(on) or not bv.clean(thread) or thread_lag is None:
        return ("- **Python threads and the GIL.** Under the GIL only one thread runs Python bytecode at a time; "
                "not measured in this run.")
    lag = lambda r: fmt.sig(r.median("loop_lag_max_us") / 1000)  # noqa: E731
    if thread_lag.status == verdict_mod.PASSED:
        head = "**In Python a thread frees the loop from CPU work, not the CPU.**"
    elif thread_lag.status == verdict_mod.FAILED:
        head = "**In Python a thread does not free the loop from Python CPU work.**"
    else:
        head = "**Whether a thread frees the loop from Python CPU work is left open by noise here.**"
    text = (f"- {head} Under the GIL only one thread runs Python bytecode at a time, and the loop's thread "
            "needs it for every callback. A thread computing in Python gives the GIL up only when another "
            "thread has asked for it for a switch interval (5 ms), and then to one of the threads waiting for "
            "it, not necessarily the loop's; with several worker threads computing, the loop may wait many "
            f"intervals. Measured: the loop's lag max was {lag(thread)} ms with `to_thread` against {lag(on)} "
            f"ms with the work on the loop ({_cut(thread_lag)}).")
    if gil is not None and gil.status == verdict_mod.PASSED:
        text += (f" The work itself still ran one thread at a time: {fmt.sig(_ms(thread, 'total_ms', 1))} ms for "
                 f"{fmt.sig(_ms(thread, 'work_cpu_s', 1000))} ms of CPU work on {fmt.param(bv.cpus(thread))} "
                 f"CPUs (on the loop {fmt.sig(_ms(on, 'total_ms', 1))} ms).")
    elif gil is not None and gil.status == verdict_mod.FAILED:
        text += (f" The work finished in less than its CPU time ({fmt.sig(_ms(thread, 'total_ms', 1))} ms for "
                 f"{fmt.sig(_ms(thread, 'work_cpu_s', 1000))} ms): the threads ran it in parallel.")
    if bv.clean(proc) and proc_lag is not None:
        text += (" Processes each have their own interpreter and GIL: the loop's thread keeps its GIL, and a "
                 f"pool of W processes can run W tasks' work at once on W free CPUs. With a "
                 f"`ProcessPoolExecutor({bv.workers(proc)})` the loop's lag max was {lag(proc)} ms "
                 f"({_cut(proc_lag)}), the total {fmt.sig(_ms(proc, 'total_ms', 1))} ms for "
                 f"{fmt.sig(_ms(proc, 'work_cpu_s', 1000))} ms of CPU work on {fmt.param(bv.cpus(proc))} CPUs, at "
                 "the price of sending arguments and results between processes.")
    return text


def _why(runs: list[results.Run], v: bv.Verdict) -> str:
    py_sleep = bv.find(runs, "py_client", "time_sleep")
    cpp_offs = [r for r in bv.offloads(runs, "cpu") if bv.clean(r)]
    pools = [bv.workers(r) for r in bv.offloads(runs, "client")]
    out = [
        "- **One thread runs the loop.** A coroutine gives the thread back only at an `await`. `time.sleep` "
        "holds the thread, so the loop cannot run the other tasks, the heartbeat or the unrelated requests "
        "until it returns: N sleeps run one after another. `asyncio.sleep` registers a deadline and yields, "
        "so all N deadlines run out together. The C++ loop shows the same with `sleep_for` against a timer.",
        "- **The heartbeat sees the stall.** Its 1 ms sleep is due during a blocking call and can only end "
        "after the loop regains the thread; both loops run every callback already queued before they look at "
        "timers again, so with 100 tasks queued one stall lasts all of them"
        + (f" (Python `time.sleep`: up to {fmt.sig(_ms(py_sleep, 'loop_lag_max_us'))} ms)"
           if _ms(py_sleep, "loop_lag_max_us") is not None else "") + ".",
        "- **A thread pool bounds the wait, not removes it.** Offloaded, the loop stays free, but the pool "
        "runs W sleeps at a time: ceil(N/W) rounds of D. asyncio's default executor has min(32, CPUs + 4) "
        "threads" + (f"; the C++ rows use pools of {' and '.join(str(w) for w in pools)}" if pools else "")
        + ".",
        "- **CPU work is the same stall on the loop.** A computation never reaches an `await`: the tasks' "
        "work runs back to back and the loop waits for all of it.",
        _gil_bullet(runs, v),
        "- **Without a GIL (C++) threads do run in parallel, if they have CPUs.** The same work needs the same "
        "CPU time wherever it runs, so four C++ threads allowed one CPU need at least that CPU time, and "
        "allowed two, at least half of it, if the second CPU is free"
        + (" (" + "; ".join(f"{bv.label(r).replace('`', '')}: {fmt.sig(_ms(r, 'total_ms', 1))} ms wall, "
                            f"{fmt.sig(_ms(r, 'cpu_s', 1))} CPU s" for r in cpp_offs) + ")" if cpp_offs else "")
        + ". Work that spins until a wall-clock deadline would seem to finish sooner on a shared core while "
          "doing less: the work here is counted in CPU time.",
        "- **Server side.** The blocking engine has T threads, each asleep for D per request: at most T "
        "requests in flight, T/D per second. The asio engine waits on timers: one thread keeps any number "
        "of requests waiting, so its rate grows with the concurrency until its CPU saturates.",
    ]
    return "\n".join(out)


def _interview_cpu(runs: list[results.Run], v: bv.Verdict) -> str:
    """The CPU-work sentence of the interview answer, worded by the lag and GIL checks."""
    on, thread, proc, thread_lag, proc_lag, gil = _offload_checks(runs, v)
    lag = lambda r: fmt.sig(r.median("loop_lag_max_us") / 1000)  # noqa: E731
    text = "CPU-heavy work stalls the loop the same way"
    if bv.clean(on) and bv.clean(thread) and thread_lag is not None:
        if thread_lag.status == verdict_mod.PASSED:
            text += (", and there a thread is only half a fix: `to_thread` frees the loop (lag max "
                     f"{lag(thread)} ms against {lag(on)} ms on the loop)")
        elif thread_lag.status == verdict_mod.FAILED:
            text += (", and there a thread is no fix: the worker threads hold the GIL, so with `to_thread` the "
                     f"loop still stalled (lag max {lag(thread)} ms against {lag(on)} ms on the loop)")
        else:
            text += (f": with `to_thread` the loop's lag max was {lag(thread)} ms against {lag(on)} ms on the "
                     "loop, a difference noise leaves open")
        if gil is not None and gil.status == verdict_mod.PASSED:
            text += (", and the GIL runs the work one thread at a time, so it takes at least its whole CPU time "
                     f"however many cores there are ({fmt.sig(thread.median('total_ms'))} ms for "
                     f"{fmt.sig(thread.median('work_cpu_s') * 1000)} ms of CPU work)")
    if bv.clean(on) and bv.clean(proc) and proc_lag is not None:
        est, lo, hi = stats.paired_ratio_ci(on.values("total_ms"), proc.values("total_ms"))
        freed = {verdict_mod.PASSED: "frees the loop", verdict_mod.FAILED: "did not free the loop either"}.get(
            proc_lag.status, "left the loop's lag within noise")
        sooner = bv.find_check(v.cpu.checks, bv.total_check_name(on, proc))
        used = {verdict_mod.PASSED: "uses the other cores",
                verdict_mod.FAILED: "did not finish the work sooner"}.get(
            sooner.status if sooner is not None else None, "finished the work sooner by a margin noise leaves open")
        text += (f"; a `ProcessPoolExecutor` {freed} (lag max {lag(proc)} ms) and {used} "
                 f"({fmt.sig(proc.median('total_ms'))} ms with {bv.workers(proc)} processes on "
                 f"{fmt.param(bv.cpus(proc))} CPUs against {fmt.sig(on.median('total_ms'))} ms on the loop: "
                 f"{fmt.factor_ci(est, lo, hi)})")
    return text


def _interview(runs: list[results.Run], v: bv.Verdict) -> str:
    timer, sleep = bv.find(runs, "py_client", "asyncio_sleep"), bv.find(runs, "py_client", "time_sleep")
    thread = bv.find(runs, "py_client", "to_thread")
    text = "> `time.sleep` in a coroutine blocks the thread that runs the event loop, so nothing else runs"
    if bv.clean(timer) and bv.clean(sleep):
        text += (f": in Python, 100 tasks sleeping 10 ms took {fmt.sig(sleep.median('total_ms'))} ms with "
                 f"`time.sleep` and {fmt.sig(timer.median('total_ms'))} ms with `asyncio.sleep`, and the loop "
                 f"stalled for up to {fmt.sig(sleep.median('loop_lag_max_us') / 1000)} ms")
    text += ". Use `await asyncio.sleep`; for a blocking call you cannot replace, `asyncio.to_thread` moves it "
    text += "to a thread pool, which limits the cost to ceil(N/threads) rounds"
    if bv.clean(thread):
        text += (f" ({fmt.sig(thread.median('total_ms'))} ms with asyncio's {bv.workers(thread)} default "
                 f"threads)")
    text += ". " + _interview_cpu(runs, v)
    text += (". The same arithmetic caps a server whose T threads sleep in handlers at T/delay requests per "
             "second.")
    if v.await_yield is not None and v.await_yield.word == verdict_mod.CONFIRMED:
        text += (" And `await` alone is no yield: awaiting a coroutine that never suspends runs it inline "
                 f"({v.await_yield.short}); `await asyncio.sleep(0)` is the explicit yield.")
    return text


def _caveats(results: results.Results) -> str:
    items = [
        "Client and mockd share one machine; bench is pinned to CPU 0 and the mockd processes to CPU 1. The "
        "C++ pools for waits and the `cpus:1` CPU pool inherit bench's CPU; the `cpus:2` pool may use CPUs 0 "
        "and 1 (mockd's too); the Python child and its threads and processes may use every CPU.",
        "The Python CPU work is a count of steps calibrated once per bench run to take C ms of CPU time; "
        "its CPU time varies a little between kinds and runs (`work_cpu_s` shows it), so the bounds use the "
        "measured CPU time, not N×C.",
        "Python's process pool is started (its workers forked and running) before the clock starts; the "
        "child's interpreter start-up (`startup_ms`) is excluded as well.",
        "The blocking engine is cpp-httplib 0.11.4, whose own listen backlog of 5 would drop bursts of "
        "new connections (the client's SYN is retransmitted after 1 s); mockd re-listens with a full "
        "backlog. The steady rate (middle half of the completions) leaves out the start-up ramp and "
        "stragglers.",
        "Server runs open a new connection per request (both engines): with keep-alive, cpp-httplib "
        "keeps a pool thread per open connection, so more clients than threads would wait for a connection "
        "to close rather than for a free thread.",
        "Loop lag is a max over the run's heartbeats (a few with a stalled loop, about a thousand in a "
        "long run): one slow tick sets it.",
    ]
    return page.caveats(results, items, "total_ms", "total_ms")


def _silent(runs: list[results.Run]) -> str:
    """blocking/silent/<engine>/...: as many connections as the blocking engine has threads
    connect and send nothing, then one real request is timed."""
    found = {bv.key(r).kind: r for r in runs if bv.key(r).group == "silent" and r.reps}
    blocking, asio = found.get("blocking"), found.get("asio")
    if not blocking and not asio:
        return NOT_MEASURED
    first = blocking or asio
    silent, idle = first.median("silent"), first.median("idle_timeout_ms")
    settle = first.median("settle_ms")
    parts = [f"{fmt.count(silent)} clients connect and send nothing (a stalled client, a port scanner); "
             f"{fmt.sig(settle)} ms later one real request is timed. Both servers close an idle connection "
             f"after {fmt.sig(idle)} ms (`--idle-timeout-ms`)."]
    rows = []
    for engine, run in (("blocking", blocking), ("asio", asio)):
        if run is None:
            continue
        flag = "⚠ " if run.flagged else ""
        rows.append([f"{flag}`{run.name.text}`", fmt.count(run.median("server_threads")),
                     fmt.sig(run.median("wait_ms")), fmt.count(run.median("conns_opened")),
                     f"**{fmt.count(run.errors)}**" if run.errors else "0"])
    if blocking and asio and not blocking.flagged and not asio.flagged:
        wb, wa = blocking.median("wait_ms"), asio.median("wait_ms")
        parts.append(f"The blocking engine answered the real request after **{fmt.sig(wb)} ms**: each of its "
                     f"{fmt.count(blocking.median('server_threads'))} threads sat in `read()` on a silent "
                     f"connection until the idle timeout freed it. The asio engine, one thread with a "
                     f"coroutine per connection, answered in **{fmt.sig(wa)} ms**. A thread-per-connection "
                     f"server is taken offline by as many stalled clients as it has threads, for as long as "
                     f"its idle timeout; this is why mockd's blocking engine closes idle connections sooner "
                     f"by default than its asio engine.")
    # mockd counts a connection at its first request, so the silent ones are not in this count.
    table = fmt.table(["benchmark", "server threads", "wait (ms, median)", "connections that made a request",
                       "errors"], rows)
    return "\n\n".join(parts) + "\n\n" + table


def _aiohttp(runs: list[results.Run], part: bv.Part) -> str:
    """blocking/aiohttp_server/...: the mistake a candidate makes in a handler, measured."""
    slept, awaited = bv.aiohttp_runs(runs, "time_sleep"), bv.aiohttp_runs(runs, "asyncio_sleep")
    if not slept and not awaited:
        return "Not measured in this run."
    any_run = next(iter((slept or awaited).values()))
    d = any_run.name.param("delay_ms")
    out = ["An aiohttp.web server (`bench/scenarios/python/aiohttp_server.py`: one process, one event loop, "
           f"pinned like mockd) answers after a {fmt.param(d)} ms delay, in a handler that calls "
           "`time.sleep` (the mistake) or one that awaits `asyncio.sleep`; the same client as for mockd's "
           "engines (`asio_coro`, a new connection per request) at the same concurrencies. `time.sleep` holds "
           "the loop's only thread: while one handler sleeps the server accepts, reads and answers nothing "
           "else, so it is mockd's blocking engine with one thread."]
    cap = 1000.0 / d if d else None
    clean_slept = {c: r for c, r in slept.items() if bv.clean(r)}
    if clean_slept and cap:
        top_c = max(clean_slept, key=lambda c: clean_slept[c].median("steady_req_per_s") or 0)
        top = clean_slept[top_c].median("steady_req_per_s")
        held = not any("over" in reason for reason in part.reasons)
        within = f"within {bv.AIOHTTP_CAP_OVER}×1/D = {fmt.sig(bv.AIOHTTP_CAP_OVER * cap)}"
        if not held:
            held_text = f"over {bv.AIOHTTP_CAP_OVER}×1/D = {fmt.sig(bv.AIOHTTP_CAP_OVER * cap)}: see the Verdict."
        elif len(clean_slept) > 1:
            held_text = f"{within} at every concurrency: more clients only wait longer."
        else:
            held_text = (f"{within}, at the one concurrency this run measured; the reference run (`bench "
                         "--reference`) sweeps it.")
        out.append(f"The `time.sleep` handler peaked at **{fmt.sig(top)} req/s** (c:{top_c}), " + held_text)
    for ch in part.checks:
        c = ch.name.rsplit("c:", 1)[1]
        if ch.status == verdict_mod.PASSED:
            out.append(f"At c:{c} the `asyncio.sleep` handler served {ch.figure} as many requests per second "
                       f"(≥ {fmt.times(bv.AIOHTTP_FACTOR)}).")
        elif ch.status == verdict_mod.FAILED:
            out.append(f"At c:{c} the `asyncio.sleep` handler served only {ch.figure} as many requests per "
                       f"second (under {fmt.times(bv.AIOHTTP_FACTOR)}).")
        else:
            out.append(f"At c:{c} `asyncio.sleep` ÷ `time.sleep` was {ch.figure}: noise leaves "
                       f"{fmt.times(bv.AIOHTTP_FACTOR)} undecided.")
    rows = []
    for route, by_c in (("time_sleep", slept), ("asyncio_sleep", awaited)):
        for _c, r in sorted(by_c.items()):
            name = f"{'⚠ ' if r.flagged else ''}`{r.name.text}`"
            if r.failed:
                rows.append([name, f"**failed**: {r.error_message}"] + [fmt.DASH] * 5)
                continue
            rows.append([name, fmt.sig(r.median("steady_req_per_s")), fmt.sig(bv.server_cap(r)),
                         fmt.sig(r.median("p50_us") / 1000), fmt.sig(r.median("p99_us") / 1000),
                         fmt.count(r.median("requests")),
                         f"**{fmt.count(r.errors)}**" if r.errors else "0"])
    out.append("Medians over the repetitions; the server is checked to be alive before each repetition (a "
               "dead one fails the benchmark; one that dies during a repetition fails its requests, counted "
               "as errors).\n\n"
               + fmt.table(["benchmark", "steady req/s", "1/D or C/D", "p50 ms", "p99 ms", "requests", "errors"],
                           rows))
    return "\n\n".join(out)


def _await_yield(runs: list[results.Run], part: bv.Part) -> str:
    """blocking/py_await_yield/...: a heartbeat against a loop of awaits that never suspend, and
    against the same loop with `asyncio.sleep(0)` every K awaits."""
    stalled, yielding = bv.await_runs(runs)
    found = ([stalled] if stalled else []) + yielding
    if not found:
        return "Not measured in this run."
    out = ["`await f()` where `f` is an `async def` runs `f` inline, like a call: the task gives the loop a "
           "turn only where something suspends (an await of a future that is not done yet). A coroutine that "
           "returns without suspending never gets there, however many times it is awaited. "
           "`await asyncio.sleep(0)` always suspends once. One asyncio loop (`bench/scenarios/python/"
           f"await_yield.py`) runs a heartbeat that sleeps {fmt.param(bv.HEARTBEAT_MS)} ms again and again and "
           "records how late it wakes, and one task that awaits such a coroutine many times (a fixed amount of "
           "work, so the difference in time is the price of yielding)."]
    checks = {c.name: c for c in part.checks}
    if bv.clean(stalled):
        during = stalled.median("heartbeats_during")
        if not any((rep.get("heartbeats_during") or 0) > 0 for rep in stalled.reps):
            out.append(f"With awaits that never suspend the heartbeat woke **0 times** during the loop in every "
                       f"repetition and was late by up to **{fmt.sig(stalled.median('loop_lag_max_us') / 1000)} ms**"
                       f" against a loop of {fmt.sig(stalled.median('total_ms'))} ms: awaiting did not yield.")
        else:
            out.append(f"With awaits that never suspend the heartbeat still woke during the loop (median "
                       f"{fmt.count(during)} times): the loop got turns, against the mechanism; see the Verdict.")
    for r in yielding:
        c = checks.get(bv.await_lag_check_name(r))
        if not bv.clean(r) or not bv.clean(stalled) or c is None:
            continue
        price = stats.paired_ratio_ci(r.values("total_ms"), stalled.values("total_ms"))
        if c.status == verdict_mod.PASSED:
            cut = f"cut the heartbeat's lag max by {c.figure} (≥ {fmt.times(bv.AWAIT_LAG_FACTOR)})"
        elif c.status == verdict_mod.FAILED:
            cut = f"cut the heartbeat's lag max by only {c.figure} (under {fmt.times(bv.AWAIT_LAG_FACTOR)})"
        else:
            cut = f"changed the heartbeat's lag max by {c.figure}, which noise leaves undecided"
        out.append(f"{bv.await_label(r).capitalize()} let the heartbeat wake "
                   f"{fmt.count(r.median('heartbeats_during'))} times during the loop and {cut}; the loop took "
                   f"{fmt.factor_ci(*price)} the time of the one that never yields "
                   f"({fmt.count(r.median('yields'))} yields).")
    rows = []
    for r in found:
        name = f"{'⚠ ' if r.flagged else ''}`{r.name.text}`"
        if r.failed:
            rows.append([name, f"**failed**: {r.error_message}"] + [fmt.DASH] * 6)
            continue
        rows.append([name, fmt.sig(r.median("total_ms")), fmt.sig(r.median("ns_per_await")),
                     fmt.count(r.median("yields")), fmt.count(r.median("heartbeats_during")),
                     fmt.sig(_median_ms(r, "loop_lag_max_us")), fmt.sig(_median_ms(r, "loop_lag_p99_us")),
                     fmt.sig(r.median("startup_ms"))])
    out.append("Medians over the repetitions; the lag is over the heartbeat's ticks due before the loop ended "
               "that woke after it began.\n\n"
               + fmt.table(["benchmark", "loop ms", "ns per await", "yields", "heartbeat wake-ups during the loop",
                            "lag max ms", "lag p99 ms", "startup ms"], rows))
    return "\n\n".join(out)


def _median_ms(run: results.Run, counter_us: str) -> float | None:
    v = run.median(counter_us)
    return None if v is None else v / 1000


def _numbers(results: results.Results) -> str:
    runs = results.runs
    loop_rows, server_rows = [], []
    for r in bv.loop_runs(runs):
        name = f"{'⚠ ' if r.flagged else ''}`{r.name.text}`"
        lang = bv.language(r)
        if r.failed:
            loop_rows.append([name, lang, f"**failed**: {r.error_message}"])
            continue
        err = f"**{fmt.count(r.errors)}**" if r.errors else "0"
        loop_rows.append([name, lang, fmt.sig(r.median("total_ms")), fmt.pct(r.cv("total_ms")),
                          fmt.sig(bv.bound_ms(r)), fmt.sig(r.median("cpu_s")), fmt.sig(r.median("work_cpu_s")),
                          fmt.param(bv.cpus(r)), fmt.count(bv.workers(r)),
                          fmt.sig(_median_ms(r, "loop_lag_max_us")), fmt.sig(_median_ms(r, "loop_lag_p99_us")),
                          fmt.sig(_median_ms(r, "loop_lag_p50_us")),
                          fmt.sig(_median_ms(r, "other_p99_us")),
                          fmt.count(r.median("other_requests")),
                          fmt.sig(r.median("startup_ms")) if lang == PYTHON else fmt.DASH, err])
    for r in runs:
        if bv.key(r).group not in ("server", bv.AIOHTTP_GROUP):
            continue
        name = f"{'⚠ ' if r.flagged else ''}`{r.name.text}`"
        if r.failed:
            server_rows.append([name, f"**failed**: {r.error_message}"])
            continue
        err = f"**{fmt.count(r.errors)}**" if r.errors else "0"
        server_rows.append([name, fmt.sig(r.median("steady_req_per_s")), fmt.pct(r.cv("steady_req_per_s")),
                            fmt.sig(r.median("req_per_s")), fmt.sig(bv.server_cap(r)),
                            fmt.sig(r.median("p50_us") / 1000), fmt.sig(r.median("p99_us") / 1000),
                            fmt.count(r.median("requests")), fmt.count(r.median("conns_peak")), err])
    out = ["Medians over the repetitions; CV = standard deviation ÷ mean over the repetitions; errors summed "
           "over all repetitions; ⚠ marks a failed benchmark or one with errors. `cpu_s`: CPU time of the "
           "process during the run (Python process pool: with its workers'); `work_cpu_s`: CPU time of the "
           "tasks' work; CPUs: `cpus_available`; W: threads or processes doing the work (0: the loop)."]
    loop_header = ["benchmark", "language", "total ms", "CV", "bound ms", "cpu_s", "work_cpu_s", "CPUs", "W",
                   "lag max ms", "lag p99 ms", "lag p50 ms", "other p99 ms", "other requests", "startup ms", "errors"]
    if loop_rows:
        out.append(fmt.table(loop_header, [row + [fmt.DASH] * (len(loop_header) - len(row)) for row in loop_rows]))
    server_header = ["benchmark", "steady req/s", "CV", "whole-run req/s", "T/D, 1/D or C/D", "p50 ms", "p99 ms",
                     "requests", "conns peak", "errors"]
    if server_rows:
        out.append(fmt.table(server_header,
                             [row + [fmt.DASH] * (len(server_header) - len(row)) for row in server_rows]))
    return "\n\n".join(out)
