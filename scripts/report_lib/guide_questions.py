"""The guide's questions, in the order of the interview material: the short answer, the mark
(holds, half-true, wrong, ...), what the material says and what is true instead, the scenario that
measures it with the sentence of measured values, and links (charts, the runnable example, the C++
models). API_ANSWERS: the language and API questions, answered briefly without a measurement.
"""
from dataclasses import dataclass, field

from .guide_claims import PENDING
from .guide_data import (blocking_cpu_lag, blocking_offload, blocking_wait, fig, gather_capped, joined,
                         limits_cap, limits_fd, limits_peaks, memory_kib, plain_http, pooling_counts,
                         pooling_share, rtt_cells, sva_count, sva_run, sva_setup, sva_wall, uvloop_factor)

# The marks: ✓ the material's answer holds, ⚠ it is half-true (or worded wrongly, ...), ✗ it is wrong.
HOLDS, HALF, WRONG = "✓ holds", "⚠ half-true", "✗ wrong"
WORDING, MISLEADING, CONFOUNDED, OUTDATED = "⚠ wording", "⚠ misleading", "⚠ confounded", "⚠ outdated"
BUGGY = "✗ buggy"


# --- the questions ---------------------------------------------------------------

@dataclass
class Question:
    qid: str
    text: str
    answer: str
    mark: str = HOLDS
    material: str = ""                 # what the material says
    truth: str = ""                    # what is true instead (for a mark other than holds)
    scenario: str = None               # the scenario that measures it (or a PENDING name)
    measured: object = None            # data -> a sentence with its bold values, or None
    charts: list = field(default_factory=list)   # [(scenario, chart path)]
    examples: list = field(default_factory=list)  # file names under examples/
    cpp: list = field(default_factory=list)       # repository paths of the C++ equivalents


def _a1(d):
    c, rtt = pooling_counts(d), rtt_cells(d, "py_aiohttp")
    parts = [x for x in (
        joined("aiohttp pooled ÷ a session per request: ", fig(d, "pooling", "py_aiohttp", "HTTPS"),
               " over HTTPS, ", plain_http(d, "py_aiohttp"), " over HTTP"),
        c and f"the server counted {c[1]} connections for {c[0]} pooled requests and {c[3]} for {c[2]} unpooled",
        rtt and f"at RTT {rtt[0]} an unpooled aiohttp request over TLS 1.3 took {rtt[1]}, a pooled one {rtt[2]}",
        joined("the C++ clients gain ", fig(d, "pooling", "median of the C++ models", "HTTPS"),
               " over HTTPS on the same server: libcurl's figure, not aiohttp's")) if x]
    return "; ".join(parts) + "." if parts else None


def _a3(d):
    fd, peaks = limits_fd(d, "py_aiohttp"), limits_peaks(d, "py_aiohttp")
    unpooled, pooled = limits_cap(d, "py_aiohttp", "semaphore_unpooled"), limits_cap(d, "py_aiohttp", "connector")
    capped = gather_capped(d)
    parts = [x for x in (
        peaks and f"the server's peak equalled min(limit, requests) in {peaks[0]} of {peaks[1]} aiohttp runs",
        fd and (f"under a lowered open-file limit an unlimited gather lost {fd[0]} of {fd[1]} requests to EMFILE, "
                f"a limited one {fd[2]}"),
        joined("connector ÷ semaphore over one shared session, req/s: ", fig(d, "limits", "py_aiohttp", "semaphore")),
        unpooled and pooled and (f"a semaphore with a session per request opened {unpooled[1]} connections for "
                                 f"{unpooled[0]} requests, the connector {pooled[1]}"),
        capped and f"gathering {capped[0]} URLs with the default connector, the server saw at most {capped[1]} "
                   "connections at once") if x]
    return "; ".join(parts) + "." if parts else None


def _p1(d):
    s = sva_setup(d)
    return joined(s and s[0], " URLs of ", s and s[1], ": `requests` one by one ",
                  sva_wall(d, "py_requests/sequential"), ", `aiohttp` gathered ", sva_wall(d, "py_aiohttp/gather"),
                  " (", fig(d, "sync_vs_async", "Python:"), " faster) on ",
                  sva_count(d, "py_aiohttp/gather", "threads_created"), " thread.")


def _p2(d):
    s = sva_setup(d)
    return joined("at K = ", s and s[0], ": `requests.get` per URL ", sva_wall(d, "py_requests/sequential_nopool"),
                  ", one `Session` ", sva_wall(d, "py_requests/sequential"), ", `aiohttp` gathered ",
                  sva_wall(d, "py_aiohttp/gather"), ". Pooling closes ", pooling_share(d),
                  " of the gap; overlapping the waits closes the rest.")


def _p8(d):
    return joined("the same pure-Python work, on the loop ÷ `to_thread`: ",
                  fig(d, "blocking", "C5: Python", "to_thread"), " (no faster), ÷ `ProcessPoolExecutor`: ",
                  fig(d, "blocking", "C5: Python", "ProcessPoolExecutor"), "; C++ threads, no GIL, on 2 CPUs: ",
                  fig(d, "blocking", "C5: C++", "2 CPUs"), ".")


def _p14(d):
    return joined("Python work on the loop ÷ on threads: ", fig(d, "blocking", "C5: Python", "to_thread"),
                  ", ÷ in processes: ", fig(d, "blocking", "C5: Python", "ProcessPoolExecutor"), ".")


def _p9(d):
    k, r = sva_run(d, "py_requests_threads/workers")
    s = sva_setup(d)
    if r is None or s is None:
        return None
    return joined(sva_count(d, "py_requests_threads/workers", "threads_created"), " `requests` threads fetched ",
                  s[0], " URLs of ", s[1], " in ", sva_wall(d, "py_requests_threads/workers"),
                  ": their waits overlapped, the GIL did not serialize them.")


def _p10(d):
    lag = blocking_cpu_lag(d)
    return joined("loop lag max with the work on the loop ", lag and lag[0], ", with `to_thread` ", lag and lag[1],
                  "; total time, on the loop ÷ `to_thread`: ", fig(d, "blocking", "C5: Python", "to_thread"),
                  ", ÷ `ProcessPoolExecutor`: ", fig(d, "blocking", "C5: Python", "ProcessPoolExecutor"), ".")


def _p13(d):
    w = blocking_wait(d)
    return joined(w and w[0], " tasks waiting ", w and w[1], ": `time.sleep` ", w and w[2], ", `asyncio.sleep` ",
                  w and w[3], " (", fig(d, "blocking", "C3: Python"), "); the loop's heartbeat was late by up to ",
                  w and w[4], " with `time.sleep`. C++, same mechanism: ", fig(d, "blocking", "C3: C++"), ".")


def _q12(d):
    w, off = blocking_wait(d), blocking_offload(d)
    return joined(w and w[0], " `time.sleep` calls of ", w and w[1], " on the loop: ", w and w[2],
                  "; moved to `asyncio.to_thread` (", off and off[0], " threads): ", off and off[1],
                  " (bound ceil(N/threads) × D = ", off and off[2], ").")


def _q13(d):
    s = sva_setup(d)
    return joined("`aiohttp` gathering ", s and s[0], " URLs: ", sva_count(d, "py_aiohttp/gather", "threads_created"),
                  " thread, ", sva_count(d, "py_aiohttp/gather", "conns_peak"), " requests in flight at once.")


def _q15(d):
    unpooled = limits_cap(d, "py_aiohttp", "semaphore_unpooled")
    pooled = limits_cap(d, "py_aiohttp", "semaphore_pooled")
    conn = limits_cap(d, "py_aiohttp", "connector")
    return joined("the same cap on ", unpooled and unpooled[0], " requests: a semaphore with a session per request "
                  "opened ", unpooled and unpooled[1], " connections, a semaphore over one session ",
                  pooled and pooled[1], ", the connector ", conn and conn[1], ".")


def _q1(d):
    return joined("memory per request in flight: `aiohttp` ", memory_kib(d, "py_aiohttp/gather"),
                  ", `requests` on worker threads ", memory_kib(d, "py_requests_threads/workers"),
                  " (creation cost per task: not measured yet).")


def q23(d):
    f = uvloop_factor(d)
    return f and f"aiohttp on uvloop ÷ on asyncio's own loop, pooled HTTPS req/s: {f}."


C = "clients/"
QUESTIONS = [
    Question("A1", "Why share one `ClientSession` across many requests, even to many hosts?",
             "The session owns the connection pool (its `TCPConnector`). A second request to the same scheme, "
             "host and port reuses an idle connection and skips the TCP handshake and, over HTTPS, the TLS one; "
             "a session per request throws the pool away every time. For hosts you call once, only the shared "
             "connector and DNS cache help.",
             HOLDS, scenario="pooling", measured=_a1,
             charts=[("pooling", "charts/pooling_throughput.png"), ("rtt", "charts/rtt_latency.png")],
             examples=["parallel_fetch.py"], cpp=[C + "asio_coro.cpp", C + "curl_multi.cpp", C + "blocking_curl.cpp"]),
    Question("A3", "What limits how many connections an aiohttp client opens at once?",
             "`TCPConnector(limit=...)`: 100 by default, 0 for none, counting connections in use (idle pooled "
             "ones do not count); `limit_per_host` (default none) per host, port and TLS. A request over the "
             "limit waits for a free connection inside its timeout; it does not fail.",
             HALF, "the connector's limit, and \"a Semaphore doesn't manage the pool efficiently\"",
             "a semaphore over one shared session pools too and is as fast; it is only wasteful with a session "
             "per request. A semaphore counts requests in flight, the connector counts connections.",
             "limits", _a3, [("limits", "charts/limits_fd.png"), ("limits", "charts/limits_cap.png")],
             ["parallel_fetch.py"], [C + "asio_coro.cpp", C + "curl_multi.cpp"]),
    Question("A2", "Where does a middleware time a handler?",
             "Around the call: `async def timing(request, handler)` reads a monotonic clock, `await "
             "handler(request)`, and records the difference in a `finally` so failures are timed too. It sees the "
             "handler and the middlewares inside it, not the time a request waited before the server read it.",
             HOLDS, scenario="middleware"),
    Question("P1", "Fetch several URLs in parallel.",
             "One `ClientSession`, one task per URL, `asyncio.gather` (or a `TaskGroup`), and a cap: the "
             "connector's limit or a semaphore. It runs on one thread: the requests are concurrent, not parallel.",
             HOLDS, scenario="sync_vs_async", measured=_p1,
             charts=[("sync_vs_async", "charts/sync_vs_async_headline.png")], examples=["parallel_fetch.py"],
             cpp=[C + "curl_multi.cpp", C + "asio_coro.cpp"]),
    Question("P2", "Compare synchronous requests with asyncio.",
             "Hold everything but concurrency equal: a `requests.Session` one by one against one `ClientSession` "
             "gathering, same URLs. One by one costs the sum of the latencies, gathered about the slowest; with "
             "n URLs the gain is at most n.",
             CONFOUNDED, "a loop of `requests.get` timed against `aiohttp` with gather",
             "`requests.get` opens a new session, hence a new connection, per call, so the demo changes pooling "
             "and concurrency at once; with three URLs the gain cannot exceed three times anyway.",
             "sync_vs_async", _p2, [("sync_vs_async", "charts/sync_vs_async_headline.png")], ["sync_vs_async.py"],
             [C + "blocking_curl.cpp", C + "asio_coro.cpp"]),
    Question("P3", "Write a small chat server on asyncio streams.",
             "Keep a set of writers; broadcast over a copy of it; never let one reader hold up the rest: write "
             "without awaiting and drop a client whose write buffer passes a bound (or give each client a bounded "
             "queue and its own writer task that awaits `drain()`).",
             BUGGY, "a broadcast loop that writes and awaits `drain()` for each client in turn",
             "one reader that stops reading stalls every broadcast; the client set can change during the awaits "
             "(RuntimeError); without `drain()` and without a bound, buffers grow without limit.",
             "streams", examples=["chat_server.py"]),
    Question("P4", "Producer and consumer with `asyncio.Queue`.",
             "`asyncio.Queue(maxsize=N)`: `put` waits while the queue is full, which slows the producer to the "
             "consumer's pace (backpressure); stop consumers with a sentinel, or `join()` then cancel them.",
             HALF, "an unbounded `Queue()`",
             "it works, but a faster producer fills memory without limit; `maxsize` is the fix.",
             "queue", examples=["producer_consumer.py"]),
    Question("P5", "A UDP echo server.",
             "Subclass `asyncio.DatagramProtocol`, answer in `datagram_received` with `transport.sendto`, and "
             "start it with `loop.create_datagram_endpoint`. UDP keeps message boundaries and may lose datagrams: "
             "clients need timeouts.",
             HALF, "a protocol class with `datagram_received`",
             "it works, but the class should derive from `DatagramProtocol`, which supplies the other callbacks.",
             "streams", examples=["udp_echo.py"]),
    Question("P6", "Read files concurrently with aiofiles.",
             "Regular files cannot be read without blocking through epoll, so aiofiles runs each call on the "
             "loop's default thread pool (`min(32, cpus + 4)` threads): the concurrency is threads. io_uring is "
             "the kernel's asynchronous path; asyncio does not use it.",
             HALF, "aiofiles reads files asynchronously",
             "it moves blocking reads to threads; per small read that adds a thread hand-off.",
             "files", examples=["read_files.py"]),
    Question("P7", "Retry a flaky call with exponential backoff.",
             "Retry only transient failures (5xx, connection errors, timeouts), double the wait each time up to a "
             "cap, add jitter (a random wait between 0 and the backoff), and bound the attempts and total time.",
             HALF, "exponential backoff without jitter",
             "it works for one client; many clients that failed together retry together, in synchronized waves.",
             "retry", examples=["retry_backoff.py"]),
    Question("P8", "asyncio or threading?",
             "Threads for blocking libraries and a modest number of concurrent waits; asyncio for many "
             "concurrent I/O waits on one thread. For CPU work in CPython neither: the GIL runs one thread's "
             "bytecode at a time; use processes or native code that releases the GIL.",
             WRONG, "threads give true parallelism for CPU tasks",
             "not in CPython: threads do not run Python bytecode in parallel.",
             "blocking", _p8, [("blocking", "charts/blocking_cpu.png")], cpp=["bench/event_loop.cpp"]),
    Question("P9", "How does asyncio avoid GIL problems for I/O?",
             "It runs one thread, so there is no lock contention or thread switching; but a thread blocked in "
             "I/O releases the GIL as well, so threads overlap I/O waits too. asyncio's real ceiling is one "
             "core of Python CPU for everything on the loop.",
             HALF, "one thread, so the GIL is no limit",
             "the GIL was never the limit for I/O-bound threads; CPU per request is.",
             "sync_vs_async", _p9, [("sync_vs_async", "charts/sync_vs_async_resources.png")],
             cpp=[C + "threads_curl.cpp"]),
    Question("P10", "Offload CPU-heavy work from the loop.",
             "`asyncio.to_thread` frees the loop from a call that releases the GIL while it blocks (I/O, sleep). "
             "Python CPU work in a thread keeps taking the GIL from the loop: the loop stays sluggish and the work "
             "finishes no sooner. Use `loop.run_in_executor` with a `ProcessPoolExecutor`.",
             HALF, "`asyncio.to_thread`", "it suits blocking I/O, not Python CPU work (its documentation says so).",
             "blocking", _p10, [("blocking", "charts/blocking_lag.png")], cpp=["bench/event_loop.cpp"]),
    Question("P11", "`gather` vs `wait`.",
             "`gather` awaits all and returns the results in order; with `return_exceptions=False` the first "
             "error reaches the caller and the other tasks keep running. `wait` takes tasks and returns (done, "
             "pending) at FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED, cancelling nothing. `TaskGroup` "
             "(3.11) cancels the rest on the first failure.",
             WRONG, "gather cancels the remaining tasks if one fails", "it cancels none of them.",
             "cancellation", examples=["taskgroup_vs_gather.py"]),
    Question("P12", "`wait(FIRST_COMPLETED)`.",
             "Wrap each coroutine in a task, `await asyncio.wait(tasks, return_when=FIRST_COMPLETED)`, use the "
             "done set, then cancel the pending tasks yourself: `wait` cancels nothing.",
             WRONG, "coroutines passed straight to `wait()`", "Python 3.11 refuses them with TypeError.",
             "hedging"),
    Question("P13", "`asyncio.sleep` vs `time.sleep`.",
             "`time.sleep` blocks the thread, and with it every task on the loop; `asyncio.sleep` suspends only "
             "the calling task on a timer.",
             HOLDS, scenario="blocking", measured=_p13, charts=[("blocking", "charts/blocking_client.png")],
             cpp=["bench/event_loop.cpp"]),
    Question("P14", "When should you avoid asyncio?",
             "CPU-bound work, code built on blocking libraries, and small scripts with little waiting. For the "
             "CPU case reach for processes.",
             HALF, "CPU-bound work: use threads or processes", "threads do not speed up Python CPU work.",
             "blocking", _p14, [("blocking", "charts/blocking_cpu.png")]),
    Question("Q12", "How does asyncio handle blocking code?",
             "It does not: you move it off the loop with `asyncio.to_thread` or `loop.run_in_executor` (default "
             "pool `min(32, cpus + 4)` threads), so only the awaiting task waits.",
             HALF, "a thread or `run_in_executor`", "right for blocking I/O; for Python CPU work use processes.",
             "blocking", _q12, [("blocking", "charts/blocking_client.png")]),
    Question("Q13", "What is `gather` for?",
             "Running several awaitables concurrently and collecting their results in order.",
             WORDING, "it parallelizes coroutines",
             "concurrency on one thread: the coroutines take turns at their awaits.",
             "sync_vs_async", _q13, [("sync_vs_async", "charts/sync_vs_async_resources.png")]),
    Question("Q15", "What is a Semaphore for?",
             "Capping how many tasks are inside a section at once, e.g. requests in flight. A connector limit caps "
             "connections instead: different counts.",
             HOLDS, scenario="limits", measured=_q15, charts=[("limits", "charts/limits_cap.png")]),
    Question("Q17", "What is `asyncio.Queue` for?",
             "Passing work between producer and consumer tasks; give it a `maxsize` for backpressure.",
             HOLDS, scenario="queue", examples=["producer_consumer.py"]),
    Question("Q19", "Timeouts.",
             "`asyncio.timeout()` (3.11) and `wait_for` cancel the work when time is up and return once the "
             "cancelled code has finished, so slow cleanup overruns them. aiohttp's `ClientTimeout(total=...)` "
             "also counts the wait for a free connection.",
             HALF, "`wait_for` sets a maximum execution time",
             "it can overrun while the cancelled task cleans up; and a pool wait can use up an aiohttp timeout "
             "before the request is sent.",
             "timeouts", examples=["timeouts.py"]),
    Question("Q22", "`asyncio.shield`.",
             "`shield(task)` keeps the inner task running when the awaiting caller is cancelled; the caller still "
             "gets `CancelledError`, cancelling the inner task directly still works, and you must keep a reference "
             "to it.",
             HALF, "it protects a task so it runs to completion",
             "only from the caller's cancellation, and only while something references it.", "cancellation"),
    Question("Q18", "Cancelling a task.",
             "`task.cancel()` asks: `CancelledError` is raised at the task's next await. Clean up in `finally` or "
             "`except` and re-raise; swallowing it breaks `TaskGroup` and `asyncio.timeout`.",
             HALF, "`cancel()` terminates the task gracefully",
             "it is a request the task can ignore, delivered only at an await.", "cancellation"),
    Question("Q9", "Exceptions in tasks.",
             "A task stores its exception; it surfaces when the task is awaited or its result read. Never read, it "
             "is only logged (\"Task exception was never retrieved\") when the task is collected, and the loop "
             "holds tasks weakly: keep references (a set plus `add_done_callback(set.discard)`) or use a "
             "`TaskGroup`.",
             MISLEADING, "`create_task` captures the exceptions of background tasks",
             "it stores them where nobody may look, and an unreferenced task can vanish.", "cancellation"),
    Question("Q7, P15", "What does `await` do?",
             "It suspends the coroutine until the awaited object is done, and gives the loop control only if it "
             "actually has to wait. Awaiting a coroutine that finishes without waiting runs it inline; a loop of "
             "such awaits starves every other task (`await asyncio.sleep(0)` yields on purpose).",
             HALF, "it pauses and lets other tasks run", "only when something really waits.",
             PENDING["C5-await"]),
    Question("Q1, Q5, Q10", "What is asyncio, how is it concurrent, what does it buy?",
             "The standard library's event loop: one thread runs many coroutines, switching only at awaits. It "
             "shines with many concurrent I/O waits; everything on the loop must avoid blocking, and all Python "
             "work shares one core.",
             HOLDS, scenario="sync_vs_async", measured=_q1,
             charts=[("sync_vs_async", "charts/sync_vs_async_memory.png")]),
]

API_ANSWERS = [
    ("Q2, Q20", "Coroutines", "An `async def` function returns a coroutine object when called; nothing runs until it "
                              "is awaited or wrapped in a task, and it can suspend at each `await`."),
    ("Q3", "The event loop", "It runs ready callbacks and tasks, waits on sockets (epoll) and timers, one loop per "
                             "thread; `asyncio.run` creates one and closes it."),
    ("Q4, P", "`async with`, async context managers", "`__aenter__` and `__aexit__` are awaited: sessions, "
                                                       "responses, locks, `TaskGroup`, `asyncio.timeout`."),
    ("Q6", "Sync vs async", "Synchronous code holds its thread while it waits; asynchronous code hands the thread to "
                            "other tasks while it waits. It helps only where there is waiting."),
    ("Q8", "Futures", "An `asyncio.Future` is a result set later (`set_result`, `set_exception`) that can be "
                      "awaited; a Task is a Future driving a coroutine. `concurrent.futures.Future` is the thread "
                      "pool's kind; `asyncio.wrap_future` bridges them."),
    ("Q11, P", "`async for`, async iterators", "`__anext__` is awaited for each item: a streamed response body, "
                                                "lines from a stream, an async generator."),
    ("Q14", "Tasks", "`asyncio.create_task(coro)` schedules the coroutine to run concurrently and returns a Task; "
                     "keep a reference and await it for its result."),
    ("Q16", "`start_server`, `open_connection`", "The streams API: `start_server(callback, host, port)` calls back "
                                                 "with a (reader, writer) pair per connection; `open_connection` "
                                                 "returns one. `write`, then `await drain()` for flow control; "
                                                 "`close()` and `await wait_closed()`."),
    ("Q21", "`asyncio.Event`", "`set()` wakes every waiter, `wait()` blocks until set, `clear()` resets. Not "
                               "thread-safe: from another thread use `loop.call_soon_threadsafe(event.set)`."),
    ("Q24", "Async generators", "An `async def` with `yield`, consumed with `async for`; `aclose()` runs its "
                                "cleanup."),
    ("P", "`await` outside `async def`", "A SyntaxError from the grammar, not a missing loop; `python -m asyncio` "
                                         "starts a REPL that accepts top-level `await`."),
    ("P", "`asyncio.run` vs `await`", "`asyncio.run(main())` is the synchronous entry point: a new loop, the "
                                      "coroutine run to the end, leftover tasks cancelled, the loop closed; it "
                                      "refuses to run inside a running loop. Inside coroutines you `await`."),
    ("P", "Coroutine, task, future", "The coroutine is the suspended function; a task schedules it on the loop; a "
                                     "future is the bare result placeholder a task is built on."),
    ("P", "New in Python 3.11", "`TaskGroup`, `asyncio.timeout()`, `asyncio.Runner`, `ExceptionGroup` with "
                                "`except*`, `Task.uncancel()`, and `wait()` refusing bare coroutines."),
]
