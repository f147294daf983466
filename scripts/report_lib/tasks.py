"""Scenario tasks (claim C14): threads vs coroutines, the cost of a waiting
task. verdict() gives the one-line verdict for the index; page.write_page()
writes charts/ and README.md under DIR/tasks/ from the shared page parts
(page.py) plus this module's prose. Every figure comes from the results.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import fmt, headline as hl, page
from . import tasks_verdict as tv

if TYPE_CHECKING:
    from . import results

NAME = "tasks"
TITLE = "C14 tasks: threads vs coroutines, what a waiting task costs"
HEADLINE_CHART = "charts/tasks_bytes_per_task.png"

CLAIM = (
    "Interview material says coroutines are much cheaper than threads, so a program can keep far more of "
    "them waiting at once. This scenario puts numbers on it: N tasks (1,000, 10,000 and 100,000, as far as "
    "the machine allows) each wait on one event, as OS threads (C++ pthreads with the default stack and "
    "with a 64 KiB one; Python `threading.Thread`) and as coroutines (Asio C++20 coroutines on one "
    "`io_context`; asyncio tasks). It measures the memory one more waiting task costs, the time to create "
    "one, and how long one event takes to wake them all.")


def verdict(results: results.Results) -> tv.Verdict:
    return tv.decide(results.runs)


def headline(results: results.Results) -> list[hl.Figure]:
    """The ratios a reader quotes, with their 95 % CIs, then the bytes per task of each kind at
    HEADLINE_N. What the run did not measure is left out."""
    v = tv.decide(results.runs)
    at = f", n:{tv.HEADLINE_N}"
    out = [hl.figure(label + at, v.ratios.get(label)) for label, *_ in tv.PAIRS]
    for s in tv.SERIES:
        out.append(hl.figure(f"RSS per task, {tv.SERIES[s]}{at}",
                             tv.value_ci(tv.find(results.runs, s, tv.HEADLINE_N), "bytes_per_task"), unit=" B"))
    return hl.measured(out)


def sections(results: results.Results, charts_written: dict[str, list[str]], v: tv.Verdict) -> list[str]:
    """The page between its claim and its footer (see page.write_page)."""
    runs = results.runs
    return [
        "## Setup\n\n" + _setup(results),
        "## Charts\n\n" + _charts(charts_written),
        "## Verdict\n\n" + _verdict_section(runs, v),
        "## Why it happens\n\n" + _why(runs),
        "## In an interview\n\n" + _interview(runs, v),
        "## How far each count got\n\n" + _limits(runs),
        "## Signature: threads seen while the tasks wait\n\n" + _signature(runs),
        "## Caveats\n\n" + _caveats(results),
        "## Numbers\n\n" + _numbers(results),
        "## Errors\n\n" + page.errors_section(results),
    ]


def _median(runs: list[results.Run], series: str, counter: str, n: int = tv.HEADLINE_N) -> float | None:
    r = tv.find(runs, series, n)
    return None if r is None or r.flagged else r.median(counter)


def _bytes(x: float) -> str:
    if x is None:
        return fmt.DASH
    if abs(x) < 1:
        return "0 B"  # machine-wide figures (kernel stacks) move by less than a byte per task: nothing
    if abs(x) >= 1 << 20:
        return f"{fmt.sig(x / (1 << 20))} MiB"
    if abs(x) >= 1024:
        return f"{fmt.sig(x / 1024)} KiB"
    return f"{fmt.sig(x)} B"


def _setup(results: results.Results) -> str:
    runs = results.runs
    stack = {r.median("stack_kib") for r in runs if tv.key(r).series in ("cpp_thread", "py_thread")
             and r.median("stack_kib") is not None}
    cpus = {r.median("cpus") for r in runs if r.median("cpus") is not None}
    ns = ", ".join(fmt.count(n) for n in tv.counts(runs))
    rows = [
        ("tasks", f"N = {ns} per benchmark; each repetition also measures N/10 (the lower count of the "
                  "difference), every count in a fresh process"),
        ("C++ threads", "`pthread_create`, each blocked in `FUTEX_WAIT` on one word (what a condition variable "
                        "or `std::atomic::wait` does underneath) until the main thread sets it and wakes them "
                        "all (`FUTEX_WAKE`); stack: the default ("
                        + (", ".join(_bytes(k * 1024) for k in sorted(stack)) if stack else "not recorded")
                        + " virtual, from `ulimit -s`) and 64 KiB (`pthread_attr_setstacksize`)"),
        ("C++ coroutines", "`asio::co_spawn` of a C++20 coroutine on one `io_context` (one thread), each "
                           "awaiting one `steady_timer` that never expires; `cancel()` completes every wait "
                           "(Asio's way of setting an event)"),
        ("Python", "a fresh `/usr/bin/python3` per count (`bench/scenarios/python/tasks.py`): "
                   "`threading.Thread(...).start()` blocked in `threading.Event.wait()`, and "
                   "`asyncio.create_task(...)` suspended in `asyncio.Event.wait()`"),
        ("process", "C++: a child forked from bench (no exec), so both counts start from the same memory and "
                    "nothing one count leaves behind (malloc arenas, stacks) reaches the next; Python: a new "
                    "interpreter per count (its allocator keeps freed memory). The child may use "
                    + (", ".join(fmt.count(c) for c in sorted(cpus)) if cpus else "every")
                    + " CPUs (bench itself is pinned to one)"),
        ("memory", "RSS from `/proc/self/smaps_rollup` (page tables walked, exact) while all N wait; "
                   "bytes per task = (RSS(N) − RSS(N/10)) ÷ (N − N/10); virtual size from "
                   "`/proc/self/statm`; kernel stacks from `/proc/meminfo` (machine-wide)"),
        ("limits", "a thread count is attempted only within half of what kernel.pid_max, kernel.threads-max "
                   "and RLIMIT_NPROC leave free (they are shared with every other process) and within "
                   "vm.max_map_count ÷ 2; a child stops at 2 GiB of RSS or a failed create, and says which"),
    ]
    return page.setup_table(results, rows)


def _charts(written: dict[str, list[str]]) -> str:
    return page.charts_section(written, {
        "tasks_bytes_per_task": "RSS one more waiting task costs, by kind and count (log-log; C++ solid, Python "
                                "dashed; the dotted line is one 4 KiB page). A cross: the count was not "
                                "reached (the limit is in the table below).",
        "tasks_creation": "Creation time per task: wall clock from the first create to the last task waiting "
                          "(left) and the CPU time the process spent on it (right).",
        "tasks_wake": "One event wakes every task: from set/notify to the last task running again.",
    })


def _verdict_section(runs: list[results.Run], v: tv.Verdict) -> str:
    out = [page.verdict_section(tv.RULE_TEXT, v, v.checks, "tasks_verdict.py")]
    rows = []
    for label, a, b, counter, checked in tv.PAIRS:
        ra, rb = tv.find(runs, a, tv.HEADLINE_N), tv.find(runs, b, tv.HEADLINE_N)
        show = _bytes if counter == "bytes_per_task" else (lambda x: fmt.DASH if x is None else f"{fmt.sig(x)} ns")
        if ra is None or rb is None:
            continue
        ci = v.ratios.get(label)
        rows.append([label + ("" if checked else " (quoted)"), show(_median(runs, a, counter)),
                     show(_median(runs, b, counter)), fmt.factor_ci(*ci) if ci else fmt.DASH])
    if rows:
        out.append(f"Every pair at {fmt.count(tv.HEADLINE_N)} tasks (medians over the repetitions; the ratio is "
                   "paired, repetition by repetition):\n\n"
                   + fmt.table(["pair", "thread", "coroutine", "ratio (95 % CI)"], rows))
    return "\n\n".join(out)


def _why(runs: list[results.Run]) -> str:
    out = []
    t, s, c = (_median(runs, x, "bytes_per_task") for x in ("cpp_thread", "cpp_thread_64k", "cpp_coroutine"))
    tv_virtual = _median(runs, "cpp_thread", "virtual_bytes_per_task")
    kstack = _median(runs, "cpp_thread", "kernel_stack_bytes_per_task")
    if t is not None:
        out.append(f"- **A thread's memory is its stack's touched pages.** A C++ thread reserves "
                   f"{_bytes(tv_virtual)} of virtual memory here (its stack and guard page) but adds "
                   f"{_bytes(t)} of RSS: the kernel backs a page only when it is written, and a waiting thread "
                   f"has written only the top of its stack (glibc's thread descriptor and TLS live there) and "
                   f"the few frames down to the futex wait."
                   + (f" A 64 KiB stack adds {_bytes(s)}: a smaller stack shrinks the reservation, not what "
                      f"the thread touches." if s is not None else ""))
    if kstack is not None and kstack > 0:
        out.append(f"- **RSS misses the kernel's share.** Every thread also has a kernel stack and a task "
                   f"structure that no process's RSS counts: `/proc/meminfo`'s KernelStack grew by "
                   f"{_bytes(kstack)} per C++ thread here (machine-wide, so other processes add noise).")
    if c is not None:
        out.append(f"- **A coroutine's memory is its frame.** A suspended C++20 coroutine keeps its locals in "
                   f"a heap-allocated frame; with Asio's bookkeeping and the pending timer wait it adds "
                   f"{_bytes(c)}, no stack at all. All of them run on the one thread of the `io_context`.")
    pt, pa = _median(runs, "py_thread", "bytes_per_task"), _median(runs, "py_asyncio", "bytes_per_task")
    if pt is not None and pa is not None:
        out.append(f"- **Python adds objects to both.** A Python thread is an OS thread (the same stack pages) "
                   f"plus the interpreter's thread state, the `Thread` object and the lock `Event.wait` sleeps "
                   f"on: {_bytes(pt)} per thread. An asyncio task is a `Task`, its coroutine and the future "
                   f"`Event.wait` awaits, all ordinary heap objects: {_bytes(pa)} per task.")
    ct, cc = _median(runs, "cpp_thread", "create_ns_per_task"), _median(runs, "cpp_coroutine", "create_ns_per_task")
    if ct is not None and cc is not None:
        out.append(f"- **Creating a thread is system calls; creating a coroutine is an allocation.** "
                   f"`pthread_create` maps a stack, calls `clone` and the scheduler must run the new thread "
                   f"once before it waits: {fmt.sig(ct / 1000)} µs per C++ thread here. `co_spawn` allocates "
                   f"a frame and queues its first step: {fmt.sig(cc)} ns per coroutine, including running it "
                   f"to its first wait.")
    wt, wc = _median(runs, "cpp_thread", "wake_last_us"), _median(runs, "cpp_coroutine", "wake_last_us")
    if wt is not None and wc is not None:
        out.append(f"- **Waking all of them.** One `FUTEX_WAKE` makes {fmt.count(tv.HEADLINE_N)} threads "
                   f"runnable and the scheduler runs each on the machine's cores: the last ran "
                   f"{fmt.duration_us(wt)} after the wake. Cancelling the timer queues {fmt.count(tv.HEADLINE_N)} "
                   f"completions the one loop thread runs in turn: the last after {fmt.duration_us(wc)}.")
    small = tv.PYTHON_WAKE_MAX
    pwt, pwa = (_median(runs, s, "wake_last_us", small) for s in ("py_thread", "py_asyncio"))
    if pwt is not None and pwa is not None:
        out.append(f"- **Python threads wake through the GIL.** `threading.Event.set()` releases each waiter's "
                   f"lock in turn, and every woken thread must then take the GIL: the last of "
                   f"{fmt.count(small)} Python threads ran {fmt.duration_us(pwt)} after `set()`, the last of "
                   f"{fmt.count(small)} asyncio tasks (each waiter's future resolved, the loop stepping each "
                   f"task) {fmt.duration_us(pwa)} after. More Python threads are not woken at all in this "
                   f"scenario: a thread waiting for the GIL wakes every 5 ms (the switch interval) to ask for "
                   f"it again, so thousands of them woken together flood the machine with futex calls; the "
                   f"larger counts measure memory and creation only.")
    return "\n".join(out) if out else "Not measured."


def _interview(runs: list[results.Run], v: tv.Verdict) -> str:
    t, c = _median(runs, "cpp_thread", "bytes_per_task"), _median(runs, "cpp_coroutine", "bytes_per_task")
    pt, pa = _median(runs, "py_thread", "bytes_per_task"), _median(runs, "py_asyncio", "bytes_per_task")
    mem_c, mem_p = v.ratios.get(tv.PAIRS[0][0]), v.ratios.get(tv.PAIRS[1][0])
    if None in (t, c, pt, pa) or not mem_c or not mem_p:
        return "Not enough measured for an answer from this run."
    limit = next((tv.limit_reason(r) for r in runs if tv.limit_reason(r)), None)
    text = (f"> \"Yes, and the reason is the stack. A waiting OS thread holds a stack, of which only the "
            f"touched pages count, about {_bytes(t)} here, plus kernel memory RSS does not show, and it costs "
            f"system calls to create. A coroutine keeps only its frame on the heap, about {_bytes(c)}. "
            f"Measured at {fmt.count(tv.HEADLINE_N)} waiting tasks: {fmt.times(mem_c[0])} less memory per task "
            f"in C++ and {fmt.times(mem_p[0])} in Python (asyncio task {_bytes(pa)} against a thread's "
            f"{_bytes(pt)}). The 8 MiB default stack is virtual: shrinking it does not change the RSS much. "
            f"The hard limit on threads is usually not memory but the kernel's thread and mapping limits")
    text += (", which is what stopped 100,000 threads here.\"" if limit else ".\"")
    return (text + "\n\nAnd the nuance: cheap waiting is what coroutines buy; they do not run in parallel, and "
            "one event wakes them one after another on one thread.")


def _limits(runs: list[results.Run]) -> str:
    ns = tv.counts(runs)
    rows = []
    for s in tv.series_measured(runs):
        cells = [tv.SERIES.get(s, s)]
        for n in ns:
            r = tv.find(runs, s, n)
            if r is None:
                cells.append(fmt.DASH)
            elif r.failed:
                cells.append(f"not reached: {r.error_message}")
            else:
                cells.append(f"reached ({_bytes(r.median('rss_mb') * (1 << 20))} RSS)"
                             if r.median("rss_mb") is not None else "reached")
        rows.append(cells)
    # The default grid measures the headline count alone.
    others = (" This run measured one count; the reference run (`bench --reference`) measures the others."
              if len(ns) == 1 else "")
    return ("What stopped a count is data, not a crash: a thread count beyond the machine's budget is not "
            "attempted, and the limit is named." + others + "\n\n"
            + fmt.table(["kind"] + [f"N = {fmt.count(n)}" for n in ns], rows))


def _signature(runs: list[results.Run]) -> str:
    sig = tv.signatures(runs)
    if not sig:
        return "Not measured."
    rows = [[f"`{s.name}`", fmt.count(s.expected),
             ", ".join(sorted({fmt.count(x) for x in s.seen})) or fmt.DASH, "yes" if s.ok else "**no**"]
            for s in sig]
    return ("Threads the process had while N tasks waited, minus before the first (`/proc/self/status`): a "
            "coroutine kind must add none (they all run on the thread that was there), a thread kind exactly "
            "N.\n\n" + fmt.table(["benchmark", "expected", "seen", "holds"], rows))


def _caveats(results: results.Results) -> str:
    items = [
        "RSS counts the pages a process has touched; a thread's kernel stack (16 KiB on x86-64) and task "
        "structure are not in it. The kernel-stack column shows them, measured machine-wide.",
        "Creation and wake-up times are wall clock on a shared 2-core machine: other processes stretch them. "
        "The CPU-time column is steadier; the memory figures do not depend on load.",
        "The harness's own bookkeeping per task is included: the wake-up timestamp (and, for C++ threads, "
        "the thread handle) in C++, a list entry in Python; a few bytes beside the figures measured.",
        "Thread counts are capped at half of what the machine-wide limits leave free, so a run never starves "
        "other processes of thread IDs; a machine with a larger kernel.pid_max reaches more.",
        "Python's default thread stack follows `ulimit -s` (8 MiB here), as C++'s does; "
        "`threading.stack_size()` was left alone.",
    ]
    return page.caveats(results, items, counter="bytes_per_task", what="bytes per task")


def _numbers(results: results.Results) -> str:
    rows = []
    for r in results.runs:
        name = f"`{r.name.text}`"
        if r.failed:
            rows.append([f"⚠ {name}", f"**failed**: {r.error_message}"] + [fmt.DASH] * 7)
            continue
        med = r.median
        rows.append([("⚠ " if r.flagged else "") + name,
                     _bytes(med("bytes_per_task")), fmt.pct(r.cv("bytes_per_task")),
                     _bytes(med("virtual_bytes_per_task")), _bytes(med("kernel_stack_bytes_per_task")),
                     fmt.sig(med("create_ns_per_task")), fmt.sig(med("create_cpu_ns_per_task")),
                     fmt.duration_us(med("wake_last_us")) if med("wake_last_us") is not None else fmt.DASH,
                     fmt.count(r.errors)])
    return ("Medians over the repetitions; CV = standard deviation ÷ mean over the repetitions. Errors: "
            "tasks that did not run again after the event.\n\n"
            + fmt.table(["benchmark", "RSS per task", "CV", "virtual per task", "kernel stack per task",
                         "create ns/task", "create CPU ns/task", "wake: last task", "errors"], rows))
