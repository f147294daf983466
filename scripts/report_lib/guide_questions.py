"""The guide's questions, in the interview material's order: what the material answers, the one
sentence to say instead (with what it rests on), the mark, and one measured line from an experiment
about that very question (or none: explanation only).

The mark is not typed alone: each question lists what supports the material's answer and what
contradicts it (guide_checks.judge), and the test fails when the family of the typed mark (✓ ⚠ ✗)
differs from the one the checks give. API_ANSWERS: language questions answered in a sentence, each
resting on a runnable snippet (python_facts) or marked explanation-only.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import fmt
from . import cancellation_verdict as cv
from . import hedging_verdict as hv
from . import verdict
from .guide_checks import (CONFIRMED, EXPLANATION, NUANCED, REFUTED, Backing, Fact, Fails, Passes, Rule, Sentence,
                           exact, figure_at_least)
from .guide_data import Fig, Finder, Line, Part, Show, Val, counter, every_rep, median_of, ms_of, run_of

if TYPE_CHECKING:
    from . import guide_data, results

# The marks and the verdict family each belongs to.
HOLDS, HALF, WRONG = "✓ holds", "⚠ half-true", "✗ wrong"
WORDING, MISLEADING, CONFOUNDED, OUTDATED = "⚠ wording", "⚠ misleading", "⚠ confounded", "⚠ outdated"
BUGGY = "✗ buggy"
FAMILY = {HOLDS: CONFIRMED, HALF: NUANCED, WORDING: NUANCED, MISLEADING: NUANCED, CONFOUNDED: NUANCED,
          OUTDATED: NUANCED, WRONG: REFUTED, BUGGY: REFUTED}
MARK_OF = {CONFIRMED: HOLDS, NUANCED: HALF, REFUTED: WRONG}


@dataclass
class Question:
    qid: str
    text: str
    say: Sentence                  # the sentence to say in an interview
    mark: str = HOLDS
    material: str = ""             # what the material answers (shown for a mark other than holds)
    supports: tuple[Backing, ...] = ()  # backing that holds when the material's answer does
    against: tuple[Backing, ...] = ()   # backing that holds where it is wrong
    measured: Line | None = None   # one line from an experiment about this question; None: explanation only
    experiments: tuple[str, ...] = ()  # the scenarios whose experiments are about this question
    examples: list[str] = field(default_factory=list)  # file names under examples/


# --- small readers ------------------------------------------------------------------

def _blocking(kind: str, group: str) -> Finder:
    return lambda runs: run_of(runs, group, kind)


def _lag(group: str, kind: str) -> Val:
    return counter("blocking", "loop_lag_max_us", group, kind, show=fmt.ms)


def _total(group: str, kind: str) -> Val:
    return counter("blocking", "total_ms", group, kind, show=ms_of)


def _param(scenario: str, find: Finder, key: str, show: Show = fmt.param) -> Val:
    def get(runs: list[results.Run]) -> str | None:
        r = find(runs)
        return None if r is None or r.name.param(key) is None else show(r.name.param(key))
    return Val(scenario, get)


NOPOOL = "py_requests/sequential_nopool"  # requests.get per URL: a new connection each


def _sva(series: str, k: int = 100) -> Finder:
    return lambda runs: run_of(runs, *series.split("/"), k=k)


def _sva_beside(series: str, other: str) -> Finder:
    """The series' run at the largest K at which `other` ran too: a pair of series read side by side.
    The reference runs both at every K up to 100; a default run measures the pooling confound
    (`requests.get` per URL ÷ a Session) at a smaller K (bench/scenarios/sync_vs_async.cpp)."""
    def find(runs: list[results.Run]) -> results.Run | None:
        def ks(sid: str) -> set[int]:
            return {r.name.param("k") for r in runs if "/".join(r.name.labels) == sid}
        common = ks(series) & ks(other)
        return _sva(series, max(common))(runs) if common else None
    return find


def _sva_wall(series: str, beside: str | None = None) -> Val:
    find = _sva_beside(series, beside) if beside else _sva(series)
    return Val("sync_vs_async", lambda runs: median_of(find(runs), "wall_ms", ms_of))


def _semantics(variant: str) -> Finder:
    return lambda runs: next((r for r in cv.semantics(runs) if cv.key(r).variant == variant), None)


def _sem_count(variant: str, counter: str) -> Val:
    return Val("cancellation", lambda runs: every_rep(_semantics(variant)(runs), counter))


def _sem_rule(variant: str, *counters: str) -> tuple[Rule, ...]:
    """The semantics run's counts equal what the mechanism gives (cancellation_verdict.EXPECTED)."""
    def expected(counter: str) -> float | Callable[[results.Run], float]:
        want = cv.EXPECTED[variant][counter]
        if want == "k":
            return lambda run: run.name.param("k")
        assert isinstance(want, int)  # a count, or "k"
        return want
    return tuple(exact("cancellation", f"{variant}: {c} as the mechanism gives", _semantics(variant), c, expected(c))
                 for c in counters)


def _threads_one(series: str) -> Rule:
    return exact("sync_vs_async", f"{series}: one thread", _sva(series), "threads_created", 1)


def _wall_ratio(slow: str, fast: str, factor: float, name: str, below: bool = False) -> Rule:
    """Rule: the slow series' wall time ÷ the fast one's ≥ factor, or < factor with below (paired
    repetitions at the largest K both ran)."""
    from . import stats

    def compute(data: guide_data.Data) -> verdict.Check | None:
        runs = data.runs("sync_vs_async")
        a, b = _sva_beside(slow, fast)(runs), _sva_beside(fast, slow)(runs)
        if a is None or b is None or a.flagged or b.flagged:
            return None
        ci = stats.paired_ratio_ci(a.values("wall_ms"), b.values("wall_ms"))
        return verdict.below(name, ci, factor) if below else verdict.at_least(name, ci, factor)
    return Rule("sync_vs_async", name, compute)


def _wait_form(runs: list[results.Run]) -> str | None:
    form = hv.coroutine_form(runs)
    return form[0] if form and form[0] else None


def _uvloop_factor(runs: list[results.Run]) -> str | None:
    """py_aiohttp_uvloop ÷ py_aiohttp, pooled HTTPS req/s at delay 0, paired repetitions."""
    from . import pooling_verdict as pv, stats
    index_ = pv.by_key(runs)
    uv = index_.get(pv.Key("py_aiohttp_uvloop", "pool", "https", 0, "on"))
    plain = index_.get(pv.Key("py_aiohttp", "pool", "https", 0, "on"))
    if uv is None or plain is None or uv.flagged or plain.flagged:
        return None
    est, lo, hi = stats.paired_ratio_ci(uv.values("req_per_s"), plain.values("req_per_s"))
    return None if est is None else f"{fmt.sig(est)}x ({fmt.sig(lo)}–{fmt.sig(hi)})"


def _udp_echo_works(data: guide_data.Data) -> verdict.Check | None:
    r = run_of(data.runs("streams"), "udp", "py_asyncio", window=1, bytes=64)
    if r is None or r.failed or not r.reps:
        return None
    ok = r.errors == 0 and all(v > 0 for v in r.values("round_trips_per_s") or [0])
    return verdict.Check("asyncio UDP echo answers, window 1", verdict.PASSED if ok else verdict.FAILED,
                         threshold="no error, round trips > 0", unit="")


# --- the questions --------------------------------------------------------------

POOLED_HTTPS = Passes("pooling", "`py_aiohttp`", "HTTPS")
TLS_RTTS = Passes("rtt", "adds over HTTPS, TLS 1.3")
TO_THREAD_CPU_LAG = Fails("blocking", "Python `asyncio.to_thread(work)`", "loop lag max")
TO_THREAD_SLEEP = Passes("blocking", "Python `asyncio.to_thread(time.sleep)`")
PROCESS_POOL_LAG = Passes("blocking", "Python `ProcessPoolExecutor(2)`, loop lag max")
THREADS_NO_FASTER = Passes("blocking", "Python `asyncio.to_thread(work)`", "GIL")
GATHER_LEFT_RUNNING = Passes("cancellation", "gather", "siblings completed after the error")
TASKGROUP_CANCELS = Passes("cancellation", "TaskGroup", "siblings cancelled at the server")
SEMAPHORE_POOLS = Passes("limits", "py_aiohttp/cap/semaphore_pooled", "bounded by the cap")
CONNECTOR_CAPS = Passes("limits", "py_aiohttp/sweep", "min(limit, requests)")
QUEUE_BOUNDED = Passes("queue", "Python (asyncio.Queue): bounded peak depth = maxsize")
QUEUE_LEAD = Passes("queue", "Python (asyncio.Queue): unbounded peak depth ÷ the producer's lead")
AWAIT_STARVES = Passes("blocking", "await_yield: awaits that never suspend", "after every await")

QUESTIONS = [
    Question("A1", "Why share one `ClientSession`, even across hosts?",
             Sentence("The session owns the connection pool: a repeat request to a host reuses an open connection "
                      "and skips the TCP and TLS handshakes a new session pays.",
                      POOLED_HTTPS, TLS_RTTS),
             HOLDS, supports=(POOLED_HTTPS, TLS_RTTS),
             measured=Line("aiohttp, HTTPS req/s, pooled ÷ a session per request: ",
                           Fig("pooling", "py_aiohttp", "HTTPS"), "."),
             experiments=("pooling", "rtt"), examples=["parallel_fetch.py"]),
    Question("A2", "Where does a middleware time a handler?",
             Sentence("Around `await handler(request)`, recording in `finally`; the span misses parsing and writing, "
                      "which the client still waits for.",
                      Passes("middleware", "aiohttp, timing middleware: spans"),
                      figure_at_least("middleware", ("aiohttp: client latency beyond", "keep-alive"), 0.0, strict=True)),
             HOLDS, supports=(Passes("middleware", "aiohttp, timing middleware: spans"),),
             measured=Line("client latency the span did not see, keep-alive: ",
                           Fig("middleware", "aiohttp: client latency beyond", "keep-alive"), "."),
             experiments=("middleware",)),
    Question("A3", "What limits an aiohttp client's open connections?",
             Sentence("The connector's `limit` (100 by default) caps connections in use, making extra requests "
                      "wait; a semaphore caps requests in flight, and pools too over one shared session.",
                      CONNECTOR_CAPS, SEMAPHORE_POOLS, Fact("connector_defaults")),
             HALF, "`TCPConnector(limit=N)`; a semaphore \"doesn't manage the pool efficiently\"",
             supports=(CONNECTOR_CAPS,), against=(SEMAPHORE_POOLS,),
             measured=Line("semaphore, session per request: ",
                           counter("limits", "conns_opened", "py_aiohttp", "cap", "semaphore_unpooled"),
 " connections; one shared session: ",
                           counter("limits", "conns_opened", "py_aiohttp", "cap", "semaphore_pooled"), "."),
             experiments=("limits",), examples=["parallel_fetch.py"]),
    Question("P1", "Fetch several URLs in parallel.",
             Sentence("One session, a task per URL, `gather` or a `TaskGroup`, and a cap: concurrent on one thread, "
                      "not parallel.",
                      Passes("sync_vs_async", "Python:"), _threads_one("py_aiohttp/gather")),
             HOLDS, supports=(Passes("sync_vs_async", "Python:"),),
             measured=Line("`requests` one by one ÷ `aiohttp` gathering ",
                           _param("sync_vs_async", _sva("py_aiohttp/gather"), "k", fmt.count), " URLs: ",
                           Fig("sync_vs_async", "Python:"), ", on ",
                           Val("sync_vs_async", lambda runs: every_rep(_sva("py_aiohttp/gather")(runs),
                                                                       "threads_created")), " thread."),
             experiments=("sync_vs_async",), examples=["parallel_fetch.py"]),
    Question("P2", "Compare synchronous requests with asyncio.",
             Sentence("`requests.get` opens a connection per call, so the demo mixes pooling with concurrency "
                      "(cheap on loopback HTTP, costly over HTTPS or a network); and three URLs gain three times at most.",
                      Passes("sync_vs_async", "Python:"), Passes("pooling", "`py_requests`", "HTTPS"), TLS_RTTS,
                      _wall_ratio(NOPOOL, "py_requests/sequential", 1.1,
                                  "loopback HTTP, `requests.get` ÷ a `Session`, wall time", below=True)),
             CONFOUNDED, "a loop of `requests.get` timed against `aiohttp` gathering",
             supports=(Passes("sync_vs_async", "Python:"),),
             against=(Passes("pooling", "`py_requests`", "HTTPS"),),
             measured=Line("loopback HTTP, ", _param("sync_vs_async", _sva_beside("py_requests/sequential", NOPOOL),
                                                     "k", fmt.count),
                           " URLs: ", _sva_wall(NOPOOL, "py_requests/sequential"), " with `requests.get`, ",
                           _sva_wall("py_requests/sequential", NOPOOL), " with a `Session`; over HTTPS, `Session` ÷ "
                           "`requests.get` with the system CA bundle: ", Fig("pooling", "requests", "system CA bundle"),
                           "."),
             experiments=("sync_vs_async", "pooling"), examples=["sync_vs_async.py"]),
    Question("P3", "Write a small chat server on asyncio streams.",
             Sentence("Give each client a bounded queue and a writer task, and iterate over a copy of the set: "
                      "a `drain()` per client lets one slow reader stall all, the set changes meanwhile, and one "
                      "client's reset ends the sender's session.",
                      Passes("streams", "stall: fast p99"), Passes("streams", "set: live set raises"),
                      Passes("streams", "bounded: every line delivered"), Fact("chat_reset_disconnects_sender")),
             BUGGY, "a broadcast loop that writes and awaits `drain()` for each client in turn",
             against=(Passes("streams", "stall: fast p99"), Passes("streams", "set: live set raises"),
                      Fact("chat_reset_disconnects_sender")),
             measured=Line("fast clients' p99 beside a slow reader, `drain()` loop ÷ queues: ",
                           Fig("streams", "fast clients' p99"), "."),
             experiments=("streams",), examples=["chat_server.py"]),
    Question("P4", "Producer and consumer with `asyncio.Queue`.",
             Sentence("Give it a `maxsize`: `put` then waits while it is full, holding the producer to the "
                      "consumers' pace instead of storing its whole lead.",
                      QUEUE_BOUNDED, QUEUE_LEAD),
             HALF, "an unbounded `Queue()`",
             supports=(QUEUE_BOUNDED,), against=(QUEUE_LEAD,),
             measured=Line("without `maxsize`, the queue's peak ÷ the producer's lead: ",
                           Fig("queue", "Python (asyncio.Queue): unbounded peak depth ÷ the producer's lead"), "."),
             experiments=("queue",), examples=["producer_consumer.py"]),
    Question("P5", "A UDP echo server.",
             Sentence("Subclass `asyncio.DatagramProtocol`: a bare class lacks `connection_lost` and "
                      "`error_received`, so closing or an ICMP error raises `AttributeError`; and UDP drops "
                      "datagrams, so clients need timeouts.",
                      Rule("streams", "asyncio UDP echo answers", _udp_echo_works), Fact("udp_class_without_base"),
                      figure_at_least("streams", ("UDP loss, py_asyncio",), 0.0, strict=True)),
             HALF, "a protocol class with `datagram_received`, deriving from nothing",
             supports=(Rule("streams", "asyncio UDP echo answers", _udp_echo_works),),
             against=(Fact("udp_class_without_base"),),
             measured=Line("asyncio's echo lost, ",
                           _param("streams", lambda runs: run_of(runs, "udp", "py_asyncio", window=1024, bytes=64),
                                  "window", fmt.count),
                           " in flight (socket buffers decide): ",
                           Fig("streams", "UDP loss, py_asyncio"), "."),
             experiments=("streams",), examples=["udp_echo.py"]),
    Question("P6", "Read files concurrently with aiofiles.",
             Sentence("epoll refuses regular files, so aiofiles runs each call on a thread: large reads overlap, small "
                      "cached ones lose to the hand-off; io_uring is truly asynchronous.",
                      Fact("epoll_refuses_regular_files"), Passes("files", "aiofiles: reading threads"),
                      Passes("files", "aiofiles ÷ plain reads, tmpfs, warm, 1,000"),
                      Fails("files", "aiofiles ÷ plain reads, tmpfs, warm, 16 × 4 MiB")),
             HALF, "aiofiles reads files asynchronously",
             supports=(Fails("files", "aiofiles ÷ plain reads, tmpfs, warm, 16 × 4 MiB"),),
             against=(Passes("files", "aiofiles: reading threads"),
                      Passes("files", "aiofiles ÷ plain reads, tmpfs, warm, 1,000")),
             measured=Line("aiofiles ÷ plain reads of small cached files, time: ",
                           Fig("files", "aiofiles ÷ plain reads, tmpfs, warm, 1,000"), "."),
             experiments=("files",), examples=["read_files.py"]),
    Question("P7", "Retry a flaky call with exponential backoff.",
             Sentence("Retry only transient failures (5xx, resets, timeouts), wait a random time up to a capped "
                      "exponential bound (full jitter), and bound attempts and total time; else clients retry in waves.",
                      Passes("retry", "py_aiohttp: success rate with 3 retries"),
                      Passes("retry", "py_aiohttp: peak retries")),
             HALF, "exponential backoff without jitter",
             supports=(Passes("retry", "py_aiohttp: success rate with 3 retries"),),
             against=(Passes("retry", "py_aiohttp: peak retries"),),
             measured=Line("peak of aiohttp retry arrivals, backoff ÷ with jitter: ",
                           Fig("retry", "py_aiohttp: peak retries"), "."),
             experiments=("retry",), examples=["retry_backoff.py"]),
    Question("P8", "asyncio or threading?",
             Sentence("Threads suit blocking libraries, asyncio many waits on one thread; for Python CPU work use "
                      "processes, since the GIL runs one thread's bytecode at a time.",
                      THREADS_NO_FASTER, Passes("blocking", "Python `ProcessPoolExecutor(2)`, total")),
             WRONG, "threads give true parallelism for CPU tasks",
             against=(THREADS_NO_FASTER, Passes("blocking", "Python `ProcessPoolExecutor(2)`, total")),
             measured=Line("time for the same Python work, on the loop ÷ in `to_thread`: ",
                           Fig("blocking", "C5: Python", "to_thread"), "; ÷ in 2 processes: ",
                           Fig("blocking", "C5: Python", "ProcessPoolExecutor"), "."),
             experiments=("blocking",)),
    Question("P9", "How does asyncio avoid GIL problems for I/O?",
             Sentence("Threads release the GIL while waiting on I/O, so they overlap waits too; asyncio's ceiling is "
                      "one core of Python CPU.",
                      _wall_ratio("py_requests/sequential", "py_requests_threads/workers", 5,
                                  "`requests` one by one ÷ on threads, wall time")),
             HALF, "one thread, so the GIL is no limit",
             supports=(Passes("sync_vs_async", "Python:"),),
             against=(_wall_ratio("py_requests/sequential", "py_requests_threads/workers", 5,
                                  "`requests` one by one ÷ on threads, wall time"),),
             measured=Line(Val("sync_vs_async", lambda runs: every_rep(_sva("py_requests_threads/workers")(runs),
                                                                       "threads_created")),
                           " `requests` threads fetched ",
                           _param("sync_vs_async", _sva("py_requests_threads/workers"), "k", fmt.count),
                           " URLs in ", _sva_wall("py_requests_threads/workers"), "; one thread took ",
                           _sva_wall("py_requests/sequential"), "."),
             experiments=("sync_vs_async",)),
    Question("P10", "Offload CPU-heavy work from the loop.",
             Sentence("`to_thread` frees the loop from blocking I/O and sleeps, which release the GIL, not from "
                      "Python CPU work: use a `ProcessPoolExecutor`.",
                      TO_THREAD_SLEEP, TO_THREAD_CPU_LAG, PROCESS_POOL_LAG),
             HALF, "`asyncio.to_thread`",
             supports=(TO_THREAD_SLEEP,), against=(TO_THREAD_CPU_LAG,),
             measured=Line("loop lag, CPU work on the loop ", _lag("py_cpu", "on_loop"), ", in `to_thread` ",
                           _lag("py_cpu", "to_thread"), ", in a process pool ", _lag("py_cpu", "process_pool"), "."),
             experiments=("blocking",)),
    Question("P11", "`gather` vs `wait`.",
             Sentence("`gather` raises the first exception and leaves the others running; `wait` cancels nothing; "
                      "a `TaskGroup` cancels the rest.",
                      GATHER_LEFT_RUNNING, TASKGROUP_CANCELS, Fact("gather_leaves_siblings_running"),
                      Fact("wait_cancels_nothing"), Passes("hedging", "py_aiohttp: wait(FIRST_COMPLETED), pending kept")),
             WRONG, "`gather` cancels the remaining tasks if one fails",
             against=(GATHER_LEFT_RUNNING,),
             measured=Line("siblings the server completed after `gather` raised: ",
                           Fig("cancellation", "gather: siblings completed"), "."),
             experiments=("cancellation",), examples=["taskgroup_vs_gather.py"]),
    Question("P12", "`wait(FIRST_COMPLETED)`.",
             Sentence("Pass tasks, not coroutines (3.11 refuses them), and cancel the pending ones yourself: "
                      "`wait` cancels nothing.",
                      Fact("wait_refuses_coroutines"), Fact("wait_cancels_nothing"),
                      Passes("hedging", "py_aiohttp: wait(FIRST_COMPLETED), pending kept"),
                      Passes("hedging", "py_aiohttp: pending cancelled")),
             WRONG, "coroutines passed straight to `wait()`",
             against=(Fact("wait_refuses_coroutines"),),
             measured=Line("the material's call raised ", Val("hedging", _wait_form), "; over tasks it returned ",
                           Val("hedging", lambda runs: median_of(hv.wait_run(runs), "task_form_done")), " done and ",
                           Val("hedging", lambda runs: median_of(hv.wait_run(runs), "task_form_pending")), " pending."),
             experiments=("hedging",), examples=["first_completed.py"]),
    Question("P13", "`asyncio.sleep` vs `time.sleep`.",
             Sentence("`time.sleep` blocks the thread, so every task on the loop; `asyncio.sleep` suspends only its "
                      "caller.",
                      Passes("blocking", "Python `time.sleep` ÷ Python `asyncio.sleep`, total"),
                      Passes("blocking", "Python `asyncio.sleep`: loop lag")),
             HOLDS, supports=(Passes("blocking", "Python `time.sleep` ÷ Python `asyncio.sleep`, total"),),
             measured=Line(_param("blocking", _blocking("time_sleep", "py_client"), "tasks", fmt.count),
                           " tasks waiting ", _param("blocking", _blocking("time_sleep", "py_client"), "wait_ms",
                                                     lambda v: f"{fmt.param(v)} ms"),
                           " each: ", _total("py_client", "time_sleep"), " with `time.sleep`, ",
                           _total("py_client", "asyncio_sleep"), " with `asyncio.sleep`."),
             experiments=("blocking",)),
    Question("P14", "When should you avoid asyncio?",
             Sentence("For CPU-bound work, blocking libraries and scripts with little waiting; Python CPU work needs "
                      "processes, not threads.",
                      THREADS_NO_FASTER, Passes("blocking", "Python `ProcessPoolExecutor(2)`, total")),
             HALF, "CPU-bound work: use threads or processes",
             supports=(Passes("blocking", "Python `ProcessPoolExecutor(2)`, total"),), against=(THREADS_NO_FASTER,),
             measured=Line("time for Python CPU work, on the loop ÷ in 2 processes: ",
                           Fig("blocking", "C5: Python", "ProcessPoolExecutor"), "."),
             experiments=("blocking",)),
    Question("P16", "Structured concurrency (Trio, Curio, `TaskGroup`).",
             Sentence("A scope owns its tasks: none outlives it, and a failure cancels the siblings and surfaces as "
                      "an `ExceptionGroup`; `TaskGroup` brought Trio's nurseries to asyncio.",
                      TASKGROUP_CANCELS, Fact("taskgroup_cancels_siblings")),
             HOLDS, supports=(TASKGROUP_CANCELS, Fact("taskgroup_cancels_siblings")),
             measured=Line("siblings a `TaskGroup` cancelled at the server: ",
                           Fig("cancellation", "TaskGroup: siblings cancelled"), "."),
             experiments=("cancellation",), examples=["taskgroup_vs_gather.py"]),
    Question("P17", "Blocking, non-blocking and asynchronous calls.",
             Sentence("Blocking holds the thread until done; non-blocking returns at once (`BlockingIOError`) and "
                      "leaves you to poll; asynchronous resumes you when the kernel reports readiness.",
                      Fact("nonblocking_recv_raises")),
             HOLDS, supports=(Fact("nonblocking_recv_raises"),)),
    Question("Q1, Q5, Q10", "What is asyncio, and what does it buy?",
             Sentence("An event loop runs many coroutines on one thread, switching at awaits: a waiting task is a "
                      "small heap object, a thread a stack and a kernel thread.",
                      Passes("tasks", "Python RSS per task"), Passes("tasks", "Python creation time")),
             HOLDS, supports=(Passes("tasks", "Python RSS per task"),),
             measured=Line("memory per waiting task, thread ÷ asyncio task: ",
                           Fig("tasks", "Python RSS per task, thread ÷"), "."),
             experiments=("tasks",)),
    Question("Q7, P15", "What does `await` do?",
             Sentence("It yields only if the awaited object must wait: a coroutine that never suspends runs inline, "
                      "so such awaits in a loop starve other tasks; `await asyncio.sleep(0)` yields.",
                      Fact("await_without_suspending_does_not_yield"), AWAIT_STARVES),
             HALF, "it pauses the coroutine and lets other tasks run",
             supports=(Passes("blocking", "Python `asyncio.sleep`: loop lag"),),
             against=(AWAIT_STARVES, Fact("await_without_suspending_does_not_yield")),
             measured=Line("heartbeat lag, awaits that never suspend ÷ with `sleep(0)`: ",
                           Fig("blocking", "Q7 await_yield", "after every await"), "."),
             experiments=("blocking",)),
    Question("Q9", "Exceptions in tasks.",
             Sentence("A task keeps its exception until awaited, else only logs it when collected, and the loop "
                      "holds tasks weakly: keep references or use a `TaskGroup`.",
                      *_sem_rule("exception_never_retrieved", "ignored_logged", "retrieved_logged"),
                      *_sem_rule("unreferenced_task", "orphan_tasks_finished"), Fact("unretrieved_exception_logged")),
             MISLEADING, "`create_task` captures the exceptions of background tasks",
             supports=_sem_rule("exception_never_retrieved", "retrieved_failed"),
             against=_sem_rule("exception_never_retrieved", "ignored_logged"),
             measured=Line("tasks that failed unretrieved: ",
                           _sem_count("exception_never_retrieved", "ignored_failed"),
                           "; \"Task exception was never retrieved\" logged: ",
                           _sem_count("exception_never_retrieved", "ignored_logged"), "."),
             experiments=("cancellation",)),
    Question("Q12", "How does asyncio handle blocking code?",
             Sentence("It does not: you move blocking calls to a thread (`to_thread`, `run_in_executor`), which "
                      "frees the loop from blocking I/O, not from Python CPU work.",
                      TO_THREAD_SLEEP, TO_THREAD_CPU_LAG),
             HALF, "a thread or `run_in_executor`", supports=(TO_THREAD_SLEEP,), against=(TO_THREAD_CPU_LAG,),
             measured=Line(_param("blocking", _blocking("to_thread", "py_client"), "tasks", fmt.count),
                           " `time.sleep` calls moved to `to_thread` took ", _total("py_client", "to_thread"),
                           " on ", counter("blocking", "workers", "py_client", "to_thread"),
                           " threads, against ", _total("py_client", "time_sleep"), " on the loop."),
             experiments=("blocking",)),
    Question("Q13", "What is `gather` for?",
             Sentence("Running awaitables concurrently and collecting their results in order; they take turns on one "
                      "thread, not in parallel.",
                      Passes("sync_vs_async", "Python:"), _threads_one("py_aiohttp/gather")),
             WORDING, "it parallelizes coroutines",
             supports=(Passes("sync_vs_async", "Python:"),), against=(_threads_one("py_aiohttp/gather"),),
             measured=Line("`aiohttp` gathering ", _param("sync_vs_async", _sva("py_aiohttp/gather"), "k", fmt.count),
                           " URLs: ",
                           Val("sync_vs_async", lambda runs: every_rep(_sva("py_aiohttp/gather")(runs),
                                                                       "threads_created")),
                           " thread, ",
                           Val("sync_vs_async", lambda runs: median_of(_sva("py_aiohttp/gather")(runs), "conns_peak")),
                           " requests in flight at once."),
             experiments=("sync_vs_async",)),
    Question("Q15", "What is a Semaphore for?",
             Sentence("Capping how many tasks are inside a section at once, such as requests in flight; a "
                      "connector limit caps connections.", SEMAPHORE_POOLS, CONNECTOR_CAPS),
             HOLDS, supports=(SEMAPHORE_POOLS,),
             measured=Line("requests inside an `asyncio.Semaphore` of ",
                           _param("limits", lambda runs: run_of(runs, "py_aiohttp", "cap", "semaphore_pooled"), "cap"),
                           " at its peak, with ",
                           counter("limits", "requests", "py_aiohttp", "cap", "semaphore_pooled"),
                           " tasks gathered at once: ",
                           counter("limits", "in_flight_peak", "py_aiohttp", "cap", "semaphore_pooled", exact=True), "."),
             experiments=("limits",)),
    Question("Q17", "What is `asyncio.Queue` for?",
             Sentence("Passing work between tasks; a `maxsize` makes a fast producer wait instead of filling "
                      "memory.",
                      QUEUE_BOUNDED, Passes("queue", "Python (asyncio.Queue): bounded producer rate")),
             HOLDS, supports=(QUEUE_BOUNDED,),
             measured=Line("producer ÷ consumers' rate with a bounded queue: ",
                           Fig("queue", "Python (asyncio.Queue): bounded producer rate"), "."),
             experiments=("queue",), examples=["producer_consumer.py"]),
    Question("Q18", "Cancelling a task.",
             Sentence("`cancel()` only asks: `CancelledError` arrives at the next await, and a task that swallows "
                      "it runs on; clean up in `finally` and re-raise.",
                      *_sem_rule("cancel_swallowed", "swallowed", "swallowing_task_finished"),
                      Fact("cancel_can_be_swallowed")),
             HALF, "`cancel()` terminates the task gracefully",
             supports=_sem_rule("cancel_swallowed", "propagating_task_cancelled"),
             against=_sem_rule("cancel_swallowed", "swallowing_task_finished"),
             measured=Line("of ", _sem_count("cancel_swallowed", "cancel_calls"), " `cancel()` calls, ",
                           _sem_count("cancel_swallowed", "swallowed"), " was swallowed, and its task finished normally."),
             experiments=("cancellation",)),
    Question("Q19", "Timeouts.",
             Sentence("A timeout bounds the wait before cancelling, not the work: `wait_for` returns after the "
                      "clean-up, and aiohttp's total timeout includes waiting for a pooled connection.",
                      Passes("timeouts", "wait_for overrun"), Passes("timeouts", "pool wait"),
                      Fact("wait_for_waits_for_cleanup")),
             HALF, "`wait_for` sets a maximum execution time",
             supports=(Passes("timeouts", "p99 wait, py_aiohttp, asyncio.wait_for"),),
             against=(Passes("timeouts", "wait_for overrun"),),
             measured=Line("`wait_for` returned late by ", Fig("timeouts", "Python asyncio.wait_for overrun"),
                           " when the cancelled task's clean-up took ",
                           Part("timeouts", ("Python asyncio.wait_for overrun",), r"clean-up (\d[\d,.]* ms)"), "."),
             experiments=("timeouts",), examples=["timeouts.py"]),
    Question("Q22", "`asyncio.shield`.",
             Sentence("`shield` keeps the inner task running when its caller is cancelled; the caller still gets "
                      "`CancelledError`, and the inner task needs a reference.",
                      *_sem_rule("shield", "caller_cancelled", "inner_ok", "server_cancelled"),
                      Fact("shield_caller_still_cancelled")),
             HALF, "it protects a task from cancellation so it runs to completion",
             supports=_sem_rule("shield", "inner_ok", "server_cancelled"),
             against=_sem_rule("shield", "caller_cancelled"),
             measured=Line("caller cancelled: ", _sem_count("shield", "caller_cancelled"), "; inner request completed: ",
                           _sem_count("shield", "inner_ok"), "; cancelled at the server: ",
                           _sem_count("shield", "server_cancelled"), "."),
             experiments=("cancellation",)),
]

# Language questions: (id, title, a sentence with what it rests on).
API_ANSWERS = [
    ("Q2, Q20", "Coroutines", Sentence("Calling an `async def` returns a coroutine; nothing runs until it is awaited "
                                       "or made a task.", EXPLANATION)),
    ("Q3", "The event loop", Sentence("Runs ready tasks and callbacks, waits on sockets and timers; one per thread.",
                                      EXPLANATION)),
    ("Q4", "`async with`", Sentence("Awaits `__aenter__` and `__aexit__`: sessions, locks, `TaskGroup`.",
                                    EXPLANATION)),
    ("Q6", "Sync vs async", Sentence("Synchronous code holds its thread while waiting; asynchronous code lends it "
                                     "to other tasks.", EXPLANATION)),
    ("Q8", "Futures", Sentence("A result set later and awaited; a Task is a Future driving a coroutine.",
                               EXPLANATION)),
    ("Q11", "`async for`", Sentence("Awaits `__anext__` per item: streamed bodies, async generators.", EXPLANATION)),
    ("Q14, P18", "`create_task` vs `gather`", Sentence(
        "`create_task` schedules one coroutine (keep the task); `gather` wraps several and collects results.",
        EXPLANATION)),
    ("Q16", "Streams", Sentence("A reader and writer per connection; `await drain()` after writing, "
                                "`await wait_closed()` after closing.", EXPLANATION)),
    ("Q21", "`asyncio.Event`", Sentence("`set()` wakes every waiter; from another thread use "
                                        "`loop.call_soon_threadsafe`.", EXPLANATION)),
    ("Q24", "Async generators", Sentence("`async def` with `yield`, read with `async for`.", EXPLANATION)),
    ("P", "`await` outside `async def`", Sentence(
        "A `SyntaxError`, not a missing loop; `python -m asyncio` allows top-level `await`.",
        Fact("await_outside_async_is_syntax_error"))),
    ("P", "`asyncio.run` vs `await`", Sentence(
        "`asyncio.run` is the synchronous entry point and refuses a running loop.", Fact("run_refuses_running_loop"))),
    ("P", "New in 3.11", Sentence("`TaskGroup`, `asyncio.timeout()`, `Runner`, `except*`; `wait()` refuses "
                                  "coroutines.", Fact("wait_refuses_coroutines"), Fact("runner_takes_loop_factory"))),
]

# Q23, the custom event loop: the material's recipe is outdated.
Q23 = Question("Q23", "A custom event loop",
               Sentence("Pass a `loop_factory` to `asyncio.Runner` (3.11; `asyncio.run` takes it from 3.12), for "
                        "example uvloop's.", Fact("runner_takes_loop_factory")),
               OUTDATED, "subclass `asyncio.AbstractEventLoop` and install it with `set_event_loop`",
               supports=(Fact("runner_takes_loop_factory"),), against=(Fact("runner_takes_loop_factory"),),
               measured=Line("aiohttp on uvloop ÷ on asyncio's loop, pooled HTTPS req/s: ",
                             Val("pooling", _uvloop_factor), "."),
               experiments=("pooling",))
