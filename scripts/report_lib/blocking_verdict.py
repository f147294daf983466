"""Claims C3 and C5 (blocking): the runs by kind and language, the bounds the
mechanism sets, and the verdict rules.

Benchmark names (`workers:` for thread and process pools; "pool" is kept for
connection pooling, and Google Benchmark strips a trailing `/threads:N`):
  C++ (one Boost.Asio loop; the mechanism):
    blocking/client/<timer|sleep|offload>/tasks:<N>/wait_ms:<D>[/workers:<W>]
    blocking/cpu/on_loop/tasks:<N>/cpu_ms:<C>
    blocking/cpu/offload/tasks:<N>/cpu_ms:<C>/workers:<W>/cpus:<K>
  Python (one asyncio loop; the claim):
    blocking/py_client/<asyncio_sleep|time_sleep|to_thread>/tasks:<N>/wait_ms:<D>
    blocking/py_cpu/<on_loop|to_thread>/tasks:<N>/cpu_ms:<C>
    blocking/py_cpu/process_pool/tasks:<N>/cpu_ms:<C>/workers:<W>
    blocking/py_await_yield/no_yield/awaits:<N>/work_steps:<S>
    blocking/py_await_yield/sleep0/awaits:<N>/work_steps:<S>/every:<K>
  Server: blocking/server/<asio|blocking>/threads:<T>/c:<C>/delay_ms:<D>
  Server in Python: blocking/aiohttp_server/<time_sleep|asyncio_sleep>/c:<C>/delay_ms:<D>

The claims are about Python, so the Python rows decide each client-side part;
the C++ rows show the mechanism without an interpreter and must agree (a
C++ figure is never credited to a Python call). Bounds hold on every
repetition by construction (a failure means a broken measurement); factors
are decided on 95 % confidence intervals from the repetitions
(stats.ratio_ci, verdict.py). The RULE_* texts below are printed on the page:
keep them in step with the code.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeGuard

from . import fmt, stats, verdict
from .models import CPP, PYTHON

if TYPE_CHECKING:
    from . import results

SCENARIO = "blocking"

NEAR_OFFLOAD = 1.5       # an offloaded wait's total below this x ceil(N/W)*D
TIMER_BELOW = 5          # blocking total / non-blocking total at least this
CAP_OVER = 1.1           # blocking engine at most this x T/D
PLATEAU_MIN = 0.5        # and at least this x T/D at C >= 2T
SERVER_FACTOR = 3.0      # asio / blocking at C >= 64, confirmed
SERVER_REFUTE = 1.5      # asio / blocking at C >= 64 below this: refuted
HIGH_C = 64
LAG_FACTOR = 5.0         # on-loop lag max / offloaded lag max
GIL_SERIAL = 0.9         # to_thread's total / its CPU work at least this: the work ran one thread at a time
AIOHTTP_CAP_OVER = 1.2   # aiohttp's time.sleep handler at most this x 1/D (one thread)
AIOHTTP_FACTOR = 5.0     # aiohttp asyncio.sleep / time.sleep handler at C >= AIOHTTP_HIGH_C, confirmed
AIOHTTP_REFUTE = 1.5     # below this: refuted
AIOHTTP_HIGH_C = 32
AIOHTTP_GROUP = "aiohttp_server"
AWAIT_LAG_FACTOR = 10.0  # heartbeat lag max with non-suspending awaits / with sleep(0), at least this
HEARTBEAT_MS = 1.0       # the await_yield heartbeat's period (bench/scenarios/python/await_yield.py)
AWAIT_GROUP = "py_await_yield"

WAIT_GROUPS = {CPP: "client", PYTHON: "py_client"}
CPU_GROUPS = {CPP: "cpu", PYTHON: "py_cpu"}
BLOCKING_WAITS = ("sleep", "time_sleep")
TIMER_WAITS = ("timer", "asyncio_sleep")
OFFLOADS = ("offload", "to_thread", "process_pool")

RULE_CLIENT = (
    f"N tasks on one loop each wait D ms, then make one request; error-free runs. The Python rows decide, "
    f"the C++ rows (the same mechanism on an Asio loop) must agree. **Confirmed** when, in each language, "
    f"every repetition of the blocking sleep takes ≥ N×D with a loop lag max ≥ D and every offloaded run "
    f"≥ ceil(N/W)×D (W threads), and these factors clear their thresholds on their 95 % CI: blocking total "
    f"÷ non-blocking total ≥ {TIMER_BELOW}, offloaded total ÷ ceil(N/W)×D < {NEAR_OFFLOAD}, and for "
    f"`asyncio.sleep` the median heartbeat's lag ÷ D < 1 (the median: the max also catches the loop busy with "
    f"the 100 requests that follow the wait); **refuted** when Python's `time.sleep` total is under "
    f"N×D/{TIMER_BELOW} (the sleeps overlapped) or `asyncio.sleep`'s is ≥ N×D; **nuanced** when a bound or "
    f"a check fails; **inconclusive** without error-free Python runs, or when noise leaves a check open.")
RULE_SERVER = (
    f"Median `steady_req_per_s` (completions per second over the middle half of each run). **Confirmed** "
    f"when at every concurrency ≥ 2T the blocking engine (T threads, delay D) stays ≤ {CAP_OVER}×T/D and "
    f"reaches ≥ {PLATEAU_MIN}×T/D, and the asio engine is more than {fmt.times(SERVER_FACTOR)} faster at "
    f"every concurrency ≥ {HIGH_C}; **refuted** when the blocking engine exceeds {CAP_OVER}×T/D anywhere or "
    f"the asio engine is under {fmt.times(SERVER_REFUTE)} faster at concurrency ≥ {HIGH_C}; **nuanced** "
    f"otherwise.")
RULE_CPU = (
    f"N tasks each do a fixed amount of CPU work (C++: until the thread's own CPU time has advanced by C ms; "
    f"Python: a calibrated count of pure-Python steps, the same for every kind), then make one request. "
    f"Bounds on every repetition: total ≥ the work's CPU time ÷ the CPUs its threads may use, and on the "
    f"loop a lag max ≥ one task's work. Checks on 95 % CIs: offloading cuts the loop's lag max by ≥ "
    f"{fmt.times(LAG_FACTOR)} (every offload, both languages); the Python process pool finishes sooner "
    f"than the loop (on-loop total ÷ process-pool total > 1); Python's `to_thread` total ÷ its CPU work ≥ "
    f"{GIL_SERIAL} (the GIL runs the work one thread at a time). **Confirmed** when the bounds hold, every "
    f"lag check and the process-pool check pass, and `to_thread` finishes the work sooner as well (its GIL "
    f"check fails); **nuanced** when a bound breaks or one of those checks fails (e.g. `to_thread` does not "
    f"cut the lag), or when they all pass but `to_thread` is held to one thread's pace by the GIL; "
    f"**refuted** when Python's work on the loop does not lag it; **inconclusive** without error-free "
    f"Python runs, or when noise leaves a check open.")
RULE_AIOHTTP = (
    f"One aiohttp.web server (one process, one event loop) whose handler calls `time.sleep(D)` or awaits "
    f"`asyncio.sleep(D)`, driven like the mockd engines; median `steady_req_per_s`. Bound on every "
    f"repetition: the `time.sleep` handler stays ≤ {AIOHTTP_CAP_OVER}×1/D (the loop's one thread sleeps "
    f"through each request). Check on 95 % CIs: `asyncio.sleep` ÷ `time.sleep` ≥ "
    f"{fmt.times(AIOHTTP_FACTOR)} at every concurrency ≥ {AIOHTTP_HIGH_C}. **Confirmed** when the bound "
    f"holds and every check passes; **refuted** when the `time.sleep` handler exceeds the bound or "
    f"`asyncio.sleep` is clearly under {fmt.times(AIOHTTP_REFUTE)} faster at a concurrency ≥ "
    f"{AIOHTTP_HIGH_C}; **nuanced** when a check fails otherwise or a run had errors; **inconclusive** "
    f"without error-free runs of both handlers at a concurrency ≥ {AIOHTTP_HIGH_C}, or when noise leaves a "
    f"check open.")
RULE_AWAIT = (
    f"One asyncio loop runs a {fmt.param(HEARTBEAT_MS)} ms heartbeat and one task awaiting N times a coroutine "
    f"that does a fixed amount of work and returns without suspending (`no_yield`), or the same with "
    f"`await asyncio.sleep(0)` every K awaits (`sleep0`). Bounds on every repetition: with `no_yield` the "
    f"heartbeat wakes 0 times during the loop and its lag max is ≥ the loop's duration less one heartbeat "
    f"period; with `sleep0` the loop yields exactly floor(N/K) times. Check on 95 % CIs: heartbeat lag max "
    f"with `no_yield` ÷ with `sleep0` ≥ {fmt.times(AWAIT_LAG_FACTOR)} (every K). **Confirmed** when the "
    f"bounds hold and every check passes; **refuted** when the heartbeat woke during a `no_yield` loop (an "
    f"await that never suspends gave the loop a turn); **nuanced** when a check fails or a `sleep0` bound "
    f"breaks; **inconclusive** without error-free runs of both kinds, or when noise leaves a check open.")
RULE_OVERALL = ("Overall (claims C3 and C5; the await_yield part answers a question, not a claim, and is left "
                "out): **confirmed** when all four parts (C3 client side, C3 server side with mockd and with "
                "aiohttp, C5) are, **refuted** when the client side of C3 is, **inconclusive** when a part is, "
                "**nuanced** otherwise.")


@dataclass(frozen=True)
class Key:
    group: str      # client | cpu | py_client | py_cpu | server
    kind: str       # timer | sleep | offload | on_loop | asyncio_sleep | time_sleep | to_thread | process_pool
    threads: int    # pool workers (client side) or server threads; 0 when none in the name

    @property
    def language(self) -> str:
        return PYTHON if self.group.startswith("py_") else CPP

    @property
    def cpu(self) -> bool:
        return self.group in CPU_GROUPS.values()


def key(run: results.Run) -> Key:
    n = run.name
    group, kind = (list(n.labels) + [None, None])[:2]
    return Key(group or "", kind or "", int(n.param("workers", n.param("threads", 0)) or 0))


def language(run: results.Run) -> str:
    return key(run).language


def clean(run: results.Run | None) -> TypeGuard[results.Run]:
    return run is not None and not run.flagged


def client_runs(runs: list[results.Run], group: str = "client") -> list[results.Run]:
    return [r for r in runs if key(r).group == group]


def loop_runs(runs: list[results.Run]) -> list[results.Run]:
    """Every event-loop run (both languages, waits and CPU work), in the page's order."""
    order = ["client", "py_client", "cpu", "py_cpu"]
    return [r for g in order for r in runs if key(r).group == g]


def server_runs(runs: list[results.Run], engine: str) -> dict[int, results.Run]:
    """{concurrency: Run} for one engine."""
    return {r.name.param("c"): r for r in runs if key(r).group == "server" and key(r).kind == engine}


def find(runs: list[results.Run], group: str, kind: str, threads: int = 0) -> results.Run | None:
    for r in runs:
        k = key(r)
        if k.group == group and k.kind == kind and (threads == 0 or k.threads == threads):
            return r
    return None


def offloads(runs: list[results.Run], group: str = "client") -> list[results.Run]:
    return sorted((r for r in runs if key(r).group == group and key(r).kind in OFFLOADS),
                  key=lambda r: (workers(r) or 0, r.name.param("cpus", 0) or 0))


def tasks(run: results.Run) -> int:
    return run.name.param("tasks")


def work_ms(run: results.Run) -> float:
    return run.name.param("wait_ms", run.name.param("cpu_ms"))


def workers(run: results.Run) -> int:
    """The pool's threads or processes: from the name, else the counter (asyncio's default
    executor reports its size)."""
    w = run.name.param("workers")
    if w is None:
        w = run.median("workers")
    return int(w) if w else 0


def cpus(run: results.Run, rep: results.Entry | None = None) -> float | None:
    """CPUs the threads doing the blocking part could use (counter cpus_available)."""
    v = rep.get("cpus_available") if rep is not None else run.median("cpus_available")
    if not v:
        v = run.name.param("cpus", 1)
    return v


def label(run: results.Run, stable: bool = False) -> str:
    """What a run is, by language: never a C++ figure under a Python call's name. stable: without
    what the machine decides (the size of asyncio's default executor), for check names."""
    k = key(run)
    w = workers(run)
    if k.language == PYTHON:
        size = "" if stable else f" ({w} threads)"
        return {"asyncio_sleep": "Python `asyncio.sleep`",
                "time_sleep": "Python `time.sleep`",
                "to_thread": (f"Python `asyncio.to_thread(time.sleep)`{size}" if not k.cpu
                              else f"Python `asyncio.to_thread(work)`{size}"),
                "on_loop": "Python work on the loop",
                "process_pool": f"Python `ProcessPoolExecutor({w})`"}.get(k.kind, f"Python {k.kind}")
    return {"timer": "C++ `asio::steady_timer`",
            "sleep": "C++ `sleep_for` on the loop",
            "offload": (f"C++ `sleep_for` on {w} threads" if not k.cpu
                        else f"C++ work on {w} threads, {fmt.param(run.name.param('cpus'))} CPU"
                             + ("s" if run.name.param("cpus") != 1 else "")),
            "on_loop": "C++ work on the loop"}.get(k.kind, f"C++ {k.kind}")


def bound_ms(run: results.Run, rep: results.Entry | None = None) -> float | None:
    """The least total the mechanism allows (one repetition's, or from the medians): waits: N×D on
    the loop, ceil(N/W)×D on W threads, D on timers; CPU work: its CPU time on one thread (on the
    loop) or ÷ the CPUs the workers may use."""
    n, d, k = tasks(run), work_ms(run), key(run)
    if n is None or d is None:
        return None
    if k.cpu:
        cpu_s = rep.get("work_cpu_s") if rep is not None else run.median("work_cpu_s")
        if cpu_s is None:
            return None
        work = cpu_s * 1000
        return work if k.kind == "on_loop" else work / cpus(run, rep)
    if k.kind in BLOCKING_WAITS:
        return n * d
    if k.kind in OFFLOADS and workers(run):
        return math.ceil(n / workers(run)) * d
    return d


def task_work_ms(run: results.Run, rep: results.Entry | None = None) -> float | None:
    """One task's CPU work (ms): the work's CPU time ÷ N."""
    cpu_s = rep.get("work_cpu_s") if rep is not None else run.median("work_cpu_s")
    n = tasks(run)
    return None if cpu_s is None or not n else cpu_s * 1000 / n


def bounds_broken(run: results.Run) -> list[str]:
    """The bound checks that fail on some error-free repetition, as text (empty: all hold)."""
    out = []
    k = key(run)
    for i, rep in enumerate(run.reps):
        b = bound_ms(run, rep)
        if b is not None and rep.get("total_ms", 0) < b:
            out.append(f"{label(run)}: repetition {i + 1} took {fmt.sig(rep['total_ms'])} ms, under the "
                       f"bound {fmt.sig(b)} ms")
        lag = rep.get("loop_lag_max_us")
        lag_min = None
        if k.kind in BLOCKING_WAITS:
            lag_min = work_ms(run)
        elif k.kind == "on_loop":
            lag_min = task_work_ms(run, rep)
        if lag_min is not None and lag is not None and lag < lag_min * 1000:
            out.append(f"{label(run)}: repetition {i + 1}'s loop lag max {fmt.sig(lag / 1000)} ms is under "
                       f"{fmt.sig(lag_min)} ms")
    return out


def server_cap(run: results.Run) -> float | None:
    """T/D for the blocking engine, 1/D for aiohttp's time.sleep handler, C/D (the ideal) for the asio
    engine and aiohttp's asyncio.sleep handler, requests/s."""
    d = run.name.param("delay_ms")
    if not d:
        return None
    k = key(run)
    c = run.name.param("c") or 0
    if k.group == AIOHTTP_GROUP:
        return (1 if k.kind == "time_sleep" else c) * 1000.0 / d  # time.sleep holds the loop's one thread
    return (min(c, k.threads) if k.kind == "blocking" else c) * 1000.0 / d


def per_rep(run: results.Run, fn: Callable[[results.Entry], float | None]) -> list[float]:
    return [v for v in (fn(rep) for rep in run.reps) if v is not None]


def lag_over(run: results.Run, ms: float, counter: str = "loop_lag_max_us") -> list[float]:
    """Per-repetition loop lag (max by default) ÷ ms, for ratio_ci."""
    return per_rep(run, lambda rep: rep[counter] / 1000 / ms if ms and rep.get(counter) else None)


@dataclass
class Part:
    word: str
    line: str                                      # every figure, for the Verdict section
    reasons: list[str] = field(default_factory=list)
    checks: list[verdict.Check] = field(default_factory=list)
    short: str = ""                                # the one figure that matters, for the heading


def _word(checks: list[verdict.Check], reasons: list[str]) -> str:
    if reasons or any(c.status == verdict.FAILED for c in checks):
        return verdict.NUANCED
    return verdict.word_from(checks)


def _wait_language(runs: list[results.Run], lang: str, checks: list[verdict.Check], reasons: list[str],
                   short: dict[str, str] | None = None) -> str | None:
    """Checks and figures of one language's wait runs; the figure text, or None without data.
    short (a dict), if given, receives the headline figure under `lang`."""
    g = WAIT_GROUPS[lang]
    timer = next((r for r in client_runs(runs, g) if key(r).kind in TIMER_WAITS), None)
    sleep = next((r for r in client_runs(runs, g) if key(r).kind in BLOCKING_WAITS), None)
    if not clean(timer) or not clean(sleep):
        return None
    n, d = tasks(sleep), work_ms(sleep)
    for r in [timer, sleep] + offloads(runs, g):
        if not clean(r):
            reasons.append(f"{label(r)} had errors or failed")
            continue
        reasons.extend(bounds_broken(r))
    slow = stats.paired_ratio_ci(sleep.values("total_ms"), timer.values("total_ms"))
    checks.append(verdict.at_least(f"{label(sleep)} ÷ {label(timer)}, total", slow, TIMER_BELOW))
    if short is not None:
        short[lang] = (f"{fmt.sig(sleep.median('total_ms'))} ms with {label(sleep)} vs "
                       f"{fmt.sig(timer.median('total_ms'))} ms with {label(timer)}, "
                       f"{fmt.factor_ci(*slow)} slower")
    if lang == PYTHON:
        # The median tick: the max also catches the loop busy with the 100 connections that follow
        # the wait (real work on the loop, in C++ too), which says nothing about the sleep.
        checks.append(verdict.below(f"{label(timer)}: loop lag p50 ÷ D",
                                    stats.ratio_ci(lag_over(timer, d, "loop_lag_p50_us")), 1.0))
    off_text = []
    for r in offloads(runs, g):
        if not clean(r):
            continue
        b = bound_ms(r)
        checks.append(verdict.below(f"{label(r, stable=True)}: total ÷ ceil(N/W)×D",
                                    stats.ratio_ci([t / b for t in r.values("total_ms")]), NEAR_OFFLOAD))
        off_text.append(f"{label(r)} {fmt.sig(r.median('total_ms'))} ms (bound {fmt.sig(b)})")
    return (f"{lang}: {n} tasks waiting {fmt.param(d)} ms took {fmt.sig(timer.median('total_ms'))} ms with "
            f"{label(timer)} and {fmt.sig(sleep.median('total_ms'))} ms with {label(sleep)} "
            f"({fmt.factor_ci(*slow)} slower; N×D = {fmt.sig(n * d)} ms)"
            + "".join(", " + t for t in off_text)
            + f"; loop lag max {fmt.sig(sleep.median('loop_lag_max_us') / 1000)} ms with {label(sleep)}, "
              f"{fmt.sig(timer.median('loop_lag_max_us') / 1000)} ms with {label(timer)} (median tick "
              f"{fmt.sig((timer.median('loop_lag_p50_us') or 0) / 1000)} ms)")


def decide_client(runs: list[results.Run]) -> Part:
    checks: list[verdict.Check] = []
    reasons: list[str] = []
    short: dict[str, str] = {}
    py = _wait_language(runs, PYTHON, checks, reasons, short)
    cpp = _wait_language(runs, CPP, checks, reasons, short)
    if py is None:
        return Part(verdict.INCONCLUSIVE, "no error-free Python `asyncio.sleep` and `time.sleep` runs"
                    + (f" (the C++ mechanism: {cpp})" if cpp else ""), reasons, checks)
    timer = next(r for r in client_runs(runs, "py_client") if key(r).kind in TIMER_WAITS)
    sleep = next(r for r in client_runs(runs, "py_client") if key(r).kind in BLOCKING_WAITS)
    nd = tasks(sleep) * work_ms(sleep)
    if sleep.median("total_ms") < nd / TIMER_BELOW or timer.median("total_ms") >= nd:
        word = verdict.REFUTED
    else:
        word = _word(checks, reasons)
    line = py + (f". The mechanism without an interpreter (C++, Asio) — {cpp}" if cpp else "")
    headline = (f"{tasks(sleep)} tasks waiting {fmt.param(work_ms(sleep))} ms on one loop took {short[PYTHON]}"
                + (f" (C++, the same mechanism: {short[CPP]})" if CPP in short else ""))
    return Part(word, line, reasons, checks, headline)


def _steady(run: results.Run) -> float | None:
    return run.median("steady_req_per_s") if clean(run) else None


def decide_server(runs: list[results.Run]) -> Part:
    asio, blocking = server_runs(runs, "asio"), server_runs(runs, "blocking")
    if not blocking or not asio:
        return Part("inconclusive", "no server runs")
    any_run = next(iter(blocking.values()))
    t, d = key(any_run).threads, any_run.name.param("delay_ms")
    if not t or not d:
        return Part("inconclusive", "server runs without threads or delay")
    cap = t * 1000.0 / d
    reasons, over, weak = [], [], []
    plateau = {c: _steady(r) for c, r in blocking.items() if c >= 2 * t}
    for c, r in sorted(blocking.items()):
        v = _steady(r)
        if v is None:
            reasons.append(f"the blocking engine at c:{c} had errors")
        elif v > CAP_OVER * cap:
            over.append(c)
            reasons.append(f"the blocking engine served {fmt.sig(v)} req/s at c:{c}, over {CAP_OVER}×T/D")
    for c, v in sorted(plateau.items()):
        if v is not None and v < PLATEAU_MIN * cap:
            reasons.append(f"the blocking engine reached only {fmt.sig(v)} req/s at c:{c} "
                           f"(under {PLATEAU_MIN}×T/D = {fmt.sig(PLATEAU_MIN * cap)})")
    factors = {}
    for c in sorted(set(asio) & set(blocking)):
        if c >= HIGH_C:
            factors[c] = stats.factor(_steady(asio[c]), _steady(blocking[c]))
    if not factors:
        reasons.append(f"no pair of runs at concurrency ≥ {HIGH_C}")
    for c, f in factors.items():
        if f is None:
            reasons.append(f"no error-free pair at c:{c}")
        elif f <= SERVER_FACTOR:
            reasons.append(f"the asio engine is only {fmt.times(f)} faster at c:{c}")
            if f < SERVER_REFUTE:
                weak.append(c)
    if over or weak:
        word = "refuted"
    else:
        word = "confirmed" if not reasons else "nuanced"
    top = max(plateau.values(), default=None, key=lambda v: v or 0)
    best_c = max((c for c in asio if _steady(asio[c]) is not None), default=None,
                 key=lambda c: _steady(asio[c]))
    fs = [f for f in factors.values() if f is not None]
    line = (f"with {t} sleeping threads and a {fmt.param(d)} ms delay the blocking engine peaked at "
            f"{fmt.sig(top)} req/s (cap T/D = {fmt.sig(cap)})")
    if best_c is not None:
        line += (f", the asio engine reached {fmt.sig(_steady(asio[best_c]))} req/s at c:{best_c}"
                 f" (ideal C/D = {fmt.sig(best_c * 1000.0 / d)})")
    if fs:
        span = fmt.times(min(fs)) if len(fs) == 1 else f"{fmt.times(min(fs))}–{fmt.times(max(fs))}"
        line += f"; asio ÷ blocking at c ≥ {HIGH_C}: {span}"
    return Part(word, line, reasons)


# The name of Python's to_thread GIL check (the guide cites it).
GIL_CHECK = "Python `asyncio.to_thread(work)`: total ÷ its CPU work (GIL: one thread at a time)"


def lag_check_name(on: results.Run, off: results.Run) -> str:
    """The name of the check that offloading the CPU work cuts the loop's lag max (stable: the
    guide cites it), e.g. 'Python work on the loop ÷ Python `asyncio.to_thread(work)`, loop lag max'."""
    return f"{label(on)} ÷ {label(off, stable=True)}, loop lag max"


def total_check_name(on: results.Run, off: results.Run) -> str:
    """The name of the check that the offload finishes the work sooner than the loop (Python's
    process pool), e.g. 'Python work on the loop ÷ Python `ProcessPoolExecutor(2)`, total'."""
    return f"{label(on)} ÷ {label(off, stable=True)}, total"


def find_check(checks: list[verdict.Check], name: str) -> verdict.Check | None:
    return next((c for c in checks if c.name == name), None)


def aiohttp_runs(runs: list[results.Run], route: str) -> dict[int, results.Run]:
    """{concurrency: Run} for one of the aiohttp server's handlers (time_sleep | asyncio_sleep)."""
    return {r.name.param("c"): r for r in runs if key(r).group == AIOHTTP_GROUP and key(r).kind == route}


def aiohttp_label(route: str) -> str:
    return {"time_sleep": "aiohttp handler calling `time.sleep`",
            "asyncio_sleep": "aiohttp handler awaiting `asyncio.sleep`"}.get(route, f"aiohttp {route}")


def aiohttp_check_name(c: int) -> str:
    """The check's name (stable: the guide cites it)."""
    return f"aiohttp_server: `asyncio.sleep` ÷ `time.sleep` handler, steady req/s, c:{c}"


def decide_aiohttp(runs: list[results.Run]) -> Part:
    """C3's server side in Python: an aiohttp handler that sleeps with time.sleep vs asyncio.sleep."""
    slept, awaited = aiohttp_runs(runs, "time_sleep"), aiohttp_runs(runs, "asyncio_sleep")
    if not slept or not awaited:
        return Part(verdict.INCONCLUSIVE, "no aiohttp server runs")
    d = next(iter(slept.values())).name.param("delay_ms")
    if not d:
        return Part(verdict.INCONCLUSIVE, "aiohttp server runs without a delay")
    cap = 1000.0 / d
    reasons, over = [], []
    for c, r in sorted(slept.items()) + sorted(awaited.items()):
        if not clean(r):
            reasons.append(f"{aiohttp_label(key(r).kind)} at c:{c} had errors or failed")
    for c, r in sorted(slept.items()):
        if not clean(r):
            continue
        top = max(r.values("steady_req_per_s"), default=None)
        if top is not None and top > AIOHTTP_CAP_OVER * cap:
            over.append(c)
            reasons.append(f"the {aiohttp_label('time_sleep')} served {fmt.sig(top)} req/s at c:{c}, over "
                           f"{AIOHTTP_CAP_OVER}×1/D = {fmt.sig(AIOHTTP_CAP_OVER * cap)}")
    checks = []
    for c in sorted(set(slept) & set(awaited)):
        if c is None or c < AIOHTTP_HIGH_C or not clean(slept[c]) or not clean(awaited[c]):
            continue
        checks.append(verdict.at_least(aiohttp_check_name(c),
                                       stats.paired_ratio_ci(awaited[c].values("steady_req_per_s"),
                                                             slept[c].values("steady_req_per_s")),
                                       AIOHTTP_FACTOR))
    weak = [ch for ch in checks if ch.high is not None and ch.high < AIOHTTP_REFUTE]
    if over or weak:
        word = verdict.REFUTED
    elif not checks:
        word = verdict.INCONCLUSIVE
        reasons.append(f"no error-free pair of runs at concurrency ≥ {AIOHTTP_HIGH_C}")
    else:
        word = _word(checks, reasons)
    clean_slept = [r for r in slept.values() if clean(r)]
    top = max((r.median("steady_req_per_s") or 0 for r in clean_slept), default=None)
    best_c = max((c for c, r in awaited.items() if clean(r)), default=None,
                 key=lambda c: awaited[c].median("steady_req_per_s") or 0)
    line = (f"with a {fmt.param(d)} ms delay the {aiohttp_label('time_sleep')} peaked at {fmt.sig(top)} req/s "
            f"(one thread: 1/D = {fmt.sig(cap)})")
    if best_c is not None:
        line += (f", the {aiohttp_label('asyncio_sleep')} reached "
                 f"{fmt.sig(awaited[best_c].median('steady_req_per_s'))} req/s at c:{best_c}")
    if checks:
        line += "; `asyncio.sleep` ÷ `time.sleep`: " + ", ".join(
            f"{fmt.factor_ci(ch.estimate, ch.low, ch.high)} at c:{ch.name.rsplit('c:', 1)[1]}" for ch in checks)
    return Part(word, line, reasons, checks, line)


def cpu_figure(run: results.Run) -> str:
    """'1,020 ms wall, 0.51 CPU s, 1 CPU'."""
    c = cpus(run)
    return (f"{fmt.sig(run.median('total_ms'))} ms wall, {fmt.sig(run.median('cpu_s'))} CPU s, "
            f"{fmt.param(c)} CPU{'s' if c != 1 else ''}")


def _cpu_language(runs: list[results.Run], lang: str, checks: list[verdict.Check], reasons: list[str],
                  short: dict[str, list[str]] | None = None) -> str | None:
    """Like _wait_language, for the CPU runs; short[lang] gets each offload's speed-up."""
    g = CPU_GROUPS[lang]
    on = find(runs, g, "on_loop")
    offs = [r for r in offloads(runs, g)]
    if not clean(on) or not any(clean(r) for r in offs):
        return None
    for r in [on] + offs:
        if not clean(r):
            reasons.append(f"{label(r)} had errors or failed")
            continue
        reasons.extend(bounds_broken(r))
    parts = [f"{label(on)} {cpu_figure(on)}, loop lag max {fmt.sig(on.median('loop_lag_max_us') / 1000)} ms"]
    for r in offs:
        if not clean(r):
            continue
        freed = stats.paired_ratio_ci(on.values("loop_lag_max_us"), r.values("loop_lag_max_us"))
        checks.append(verdict.at_least(lag_check_name(on, r), freed, LAG_FACTOR))
        sooner = stats.paired_ratio_ci(on.values("total_ms"), r.values("total_ms"))
        parts.append(f"{label(r)} {cpu_figure(r)}, loop lag max {fmt.sig(r.median('loop_lag_max_us') / 1000)} ms "
                     f"(on-loop total ÷ this total: {fmt.factor_ci(*sooner)})")
        if short is not None:
            short.setdefault(lang, []).append(f"{label(r)} {fmt.faster_ci(*sooner)}")
        if lang == PYTHON and key(r).kind == "process_pool":
            checks.append(verdict.at_least(total_check_name(on, r), sooner, 1.0, strict=True))
        if lang == PYTHON and key(r).kind == "to_thread":
            serial = stats.ratio_ci(per_rep(r, lambda rep: rep["total_ms"] / (rep["work_cpu_s"] * 1000)
                                            if rep.get("work_cpu_s") else None))
            checks.append(verdict.at_least(GIL_CHECK,
                                           serial, GIL_SERIAL))
    c = work_ms(on)
    return f"{lang}: {tasks(on)} tasks × {fmt.param(c)} ms of CPU work: " + "; ".join(parts)


def decide_cpu(runs: list[results.Run]) -> Part:
    checks: list[verdict.Check] = []
    reasons: list[str] = []
    short: dict[str, list[str]] = {}
    py = _cpu_language(runs, PYTHON, checks, reasons, short)
    cpp = _cpu_language(runs, CPP, checks, reasons, short)
    if py is None:
        return Part(verdict.INCONCLUSIVE, "no error-free Python CPU runs on and off the loop"
                    + (f" (the C++ mechanism: {cpp})" if cpp else ""), reasons, checks)
    on = find(runs, "py_cpu", "on_loop")
    gil = [c for c in checks if c.name == GIL_CHECK]
    others = [c for c in checks if c not in gil]
    if on.median("loop_lag_max_us") < (task_work_ms(on) or 0) * 1000:
        word = verdict.REFUTED
    elif reasons or any(c.status == verdict.FAILED for c in others):
        word = verdict.NUANCED
    else:
        word = verdict.word_from(others)
        if word == verdict.CONFIRMED and gil:
            # The loop is freed; whether to_thread also finished the work sooner decides the rest.
            word = {verdict.PASSED: verdict.NUANCED, verdict.FAILED: verdict.CONFIRMED}.get(
                gil[0].status, verdict.NOISE)
    line = py + (f". The mechanism without a GIL (C++, Asio) — {cpp}" if cpp else "")
    headline = (f"against the same work on the loop, {'; '.join(short.get(PYTHON, []))}"
                + (f" (C++, no GIL: {'; '.join(short[CPP])})" if CPP in short else ""))
    return Part(word, line, reasons, checks, headline)


def await_runs(runs: list[results.Run]) -> tuple[results.Run | None, list[results.Run]]:
    """(the no_yield run, [the sleep0 runs by K]) of the await_yield experiment."""
    stalled = find(runs, AWAIT_GROUP, "no_yield")
    yielding = sorted((r for r in runs if key(r).group == AWAIT_GROUP and key(r).kind == "sleep0"),
                      key=lambda r: r.name.param("every") or 0)
    return stalled, yielding


def await_label(run: results.Run) -> str:
    k = key(run)
    if k.kind == "no_yield":
        return "awaits that never suspend"
    every = run.name.param("every")
    return ("`asyncio.sleep(0)` after every await" if every == 1
            else f"`asyncio.sleep(0)` every {fmt.count(every)} awaits")


def await_lag_check_name(run: results.Run) -> str:
    """The check's name (stable: the guide cites it): 'await_yield: awaits that never suspend ÷
    `asyncio.sleep(0)` after every await, heartbeat lag max'."""
    return f"await_yield: awaits that never suspend ÷ {await_label(run)}, heartbeat lag max"


def _await_bounds(stalled: results.Run, yielding: list[results.Run]) -> list[str]:
    out = []
    for i, rep in enumerate(stalled.reps):
        during, lag, total = rep.get("heartbeats_during"), rep.get("loop_lag_max_us"), rep.get("total_ms")
        if during is None or during > 0:
            out.append(f"{await_label(stalled)}: repetition {i + 1}'s heartbeat woke {fmt.count(during)} times "
                       "during the loop")
        if lag is None or total is None or lag < (total - HEARTBEAT_MS) * 1000:
            out.append(f"{await_label(stalled)}: repetition {i + 1}'s heartbeat lag max is under the loop's "
                       f"duration less {fmt.param(HEARTBEAT_MS)} ms")
    for r in yielding:
        every, n = r.name.param("every"), r.name.param("awaits")
        for i, rep in enumerate(r.reps):
            if every and n and rep.get("yields") != n // every:
                out.append(f"{await_label(r)}: repetition {i + 1} yielded {fmt.count(rep.get('yields'))} times, "
                           f"not {fmt.count(n // every)}")
    return out


def decide_await(runs: list[results.Run]) -> Part:
    """Q7: does awaiting a coroutine that never suspends give the loop a turn?"""
    stalled, yielding = await_runs(runs)
    yielding = [r for r in yielding if clean(r)]
    if not clean(stalled) or not yielding:
        return Part(verdict.INCONCLUSIVE, "no error-free await_yield runs of both kinds")
    reasons = _await_bounds(stalled, yielding)
    checks = [verdict.at_least(await_lag_check_name(r),
                               stats.paired_ratio_ci(stalled.values("loop_lag_max_us"),
                                                     r.values("loop_lag_max_us")), AWAIT_LAG_FACTOR)
              for r in yielding]
    if any((rep.get("heartbeats_during") or 0) > 0 for rep in stalled.reps):
        word = verdict.REFUTED
    else:
        word = _word(checks, reasons)
    n, steps = stalled.name.param("awaits"), stalled.name.param("work_steps")
    parts = [f"{fmt.count(n)} awaits of a coroutine doing {fmt.count(steps)} steps of arithmetic: "
             f"{await_label(stalled)} took {fmt.sig(stalled.median('total_ms'))} ms, the heartbeat woke "
             f"{fmt.count(stalled.median('heartbeats_during'))} times during the loop, lag max "
             f"{fmt.sig(stalled.median('loop_lag_max_us') / 1000)} ms"]
    for r in yielding:
        price = stats.paired_ratio_ci(r.values("total_ms"), stalled.values("total_ms"))
        parts.append(f"{await_label(r)}: {fmt.sig(r.median('total_ms'))} ms ({fmt.factor_ci(*price)} the "
                     f"time), the heartbeat woke {fmt.count(r.median('heartbeats_during'))} times, lag max "
                     f"{fmt.sig(r.median('loop_lag_max_us') / 1000)} ms, p99 "
                     f"{fmt.sig((r.median('loop_lag_p99_us') or 0) / 1000)} ms")
    first = yielding[0]
    short = (f"the heartbeat woke {fmt.count(stalled.median('heartbeats_during'))} times during "
             f"{fmt.count(n)} awaits that never suspend (lag max "
             f"{fmt.sig(stalled.median('loop_lag_max_us') / 1000)} ms) and "
             f"{fmt.count(first.median('heartbeats_during'))} times with {await_label(first)} (lag max "
             f"{fmt.sig(first.median('loop_lag_max_us') / 1000)} ms)")
    return Part(word, "; ".join(parts), reasons, checks, short)


@dataclass
class Verdict(verdict.Line):
    word: str
    sentence: str  # each claim's part with its own word; .line renders '**Word**: sentence' (verdict.line)
    client: Part
    server: Part
    cpu: Part
    await_yield: Part | None = None
    aiohttp: Part | None = None

    @property
    def checks(self) -> list[verdict.Check]:
        return (self.client.checks + self.cpu.checks + (self.aiohttp.checks if self.aiohttp else [])
                + (self.await_yield.checks if self.await_yield else []))


def decide(runs: list[results.Run]) -> Verdict:
    client, server, cpu = decide_client(runs), decide_server(runs), decide_cpu(runs)
    awaits, aiohttp = decide_await(runs), decide_aiohttp(runs)
    words = [client.word, server.word, aiohttp.word, cpu.word]
    if client.word == verdict.REFUTED:
        word = verdict.REFUTED
    elif verdict.INCONCLUSIVE in words:  # a part had nothing to judge
        word = verdict.INCONCLUSIVE
    elif verdict.NOISE in words:  # a part's interval straddles its threshold
        word = verdict.NOISE
    elif all(w == verdict.CONFIRMED for w in words):
        word = verdict.CONFIRMED
    else:
        word = verdict.NUANCED
    # The heading and the index get the figure that matters per claim; every figure is in
    # the Verdict section (Part.line).
    sentence = (f"C3 {client.word}: {client.short or client.line}; C3 server side "
                f"{server.word}: {server.line}; C3 server side in Python (aiohttp_server) {aiohttp.word}: "
                f"{aiohttp.line}; C5 {cpu.word}: {cpu.short or cpu.line}.")
    if awaits.word != verdict.INCONCLUSIVE:
        sentence += f" Q7 (await_yield) {awaits.word}: {awaits.short}."
    return Verdict(word, sentence, client, server, cpu, awaits, aiohttp)
