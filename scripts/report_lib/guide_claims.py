"""The guide's claims table: per claim, the scenario that measures it, its verdict word, the figure
that matters for the Python library the claim names and for the C++ mechanism, and one sentence to
say in an interview (with its measured values in bold). PENDING names the scenario of each claim
not in the suite yet; docs/claims.md lists the same names.
"""
from dataclasses import dataclass

from .guide_data import (blocking_server, blocking_wait, fig, joined, limits_fd, limits_peaks, plain_http,
                         rtt_cells, sva_setup, sva_wall)

# Claims and questions whose experiment is not in the suite yet: claim -> the scenario
# name its results will have (DIR/<name>/bench.json). docs/claims.md lists the same names.
PENDING = {
    "C5-await": "await_yield",
}


# --- the claims table ----------------------------------------------------------

@dataclass
class Claim:
    cid: str
    title: str
    scenario: str
    word: object          # data -> verdict word
    python: object        # data -> text or None
    cpp: object           # data -> text or None
    say: object           # data -> the sentence, with its measured values
    chart: str = None     # a chart other than the scenario's headline chart


def _word(name, part=None):
    def get(data):
        v = data.verdict(name)
        if v is None:
            return None
        return getattr(v, part).word if part else v.word
    return get


def _pooling_py(d):
    f = fig(d, "pooling", "py_aiohttp", "HTTPS")
    return f and f"aiohttp, pooled ÷ a session per request, HTTPS req/s: {f}"


def _pooling_cpp(d):
    f = fig(d, "pooling", "median of the C++ models", "HTTPS")
    return f and f"median of the C++ models, same server: {f}"


def _pooling_say(d):
    plain = plain_http(d, "py_aiohttp")
    cost = f" (aiohttp over plain HTTP: {plain})" if plain else ""
    return ("One session keeps connections open and reuses them; a session per request pays the TCP and TLS "
            f"handshakes every time, which on one machine costs CPU{cost} and on a real network round trips.")


def _rtt_py(d):
    c = rtt_cells(d, "py_aiohttp")
    return c and f"aiohttp over TLS 1.3 at RTT {c[0]}: {c[1]} a request unpooled, {c[2]} pooled"


def _rtt_cpp(d):
    c = rtt_cells(d, "asio_coro")
    return c and f"`asio_coro` at RTT {c[0]}: {c[1]} unpooled, {c[2]} pooled"


def _rtt_say(d):
    f = fig(d, "rtt", "TLS 1.3")
    tail = f" (measured: {f} added over TLS 1.3)" if f else ""
    return ("A new connection costs one round trip for TCP and one more for TLS 1.3 (two for TLS 1.2) before "
            f"the request goes out{tail}; a pooled request pays only its own.")


def _limits_py(d):
    fd, peaks = limits_fd(d, "py_aiohttp"), limits_peaks(d, "py_aiohttp")
    return joined("aiohttp without a limit under a low fd limit: ", fd and fd[0], " of ", fd and fd[1],
                  " requests failed (EMFILE), with a limit ", fd and fd[2], "; peak = min(limit, requests) in ",
                  peaks and peaks[0], " of ", peaks and peaks[1], " runs")


def _limits_cpp(d):
    fd = limits_fd(d, "asio_coro")
    return joined("`asio_coro`: ", fd and fd[0], " of ", fd and fd[1], " failed without a limit, ",
                  fd and fd[2], " with one")


def _limits_say(d):
    f = fig(d, "limits", "py_aiohttp", "semaphore")
    extra = (f" A semaphore over one shared session pools just as well (connector ÷ semaphore: {f})." if f else "")
    return ("The connector's limit (100 by default) caps connections in use; requests over it wait for a slot "
            "instead of failing with too many open files." + extra)


def _c3_py(d):
    f = fig(d, "blocking", "C3: Python")
    return f and f"`time.sleep` ÷ `asyncio.sleep`, total time: {f}"


def _c3_cpp(d):
    f = fig(d, "blocking", "C3: C++")
    return f and f"`sleep_for` on the loop ÷ a timer: {f}"


def _c3_say(d):
    w = blocking_wait(d)
    tail = (f" ({w[0]} tasks waiting {w[1]}: {w[2]} with `time.sleep`, {w[3]} with `asyncio.sleep`)" if w else "")
    return ("A blocking call holds the only thread, so the tasks' waits add up instead of overlapping" + tail
            + "; move unavoidable blocking calls to a thread.")


def _server_cpp(d):
    f = fig(d, "blocking", "C3 server")
    s = blocking_server(d)
    return joined("blocking engine, ", s and s[0], " threads: at most ", s and s[1], " (T/D = ", s and s[2],
                  "); asio ÷ blocking: ", f)


def _server_say(d):
    return ("A server whose threads sleep in handlers serves at most threads ÷ delay requests per second; one "
            "whose waits are timers keeps scaling with concurrency.")


def _c4_py(d):
    f = fig(d, "sync_vs_async", "Python:")
    return f and f"`requests` one by one ÷ `aiohttp` gathered: {f}"


def _c4_cpp(d):
    f = fig(d, "sync_vs_async", "C++:")
    return f and f"`asio_coro` one by one ÷ all at once: {f}"


def _c4_say(d):
    s = sva_setup(d)
    tail = (f" ({s[0]} URLs of {s[1]}: {sva_wall(d, 'py_requests/sequential')} vs "
            f"{sva_wall(d, 'py_aiohttp/gather')})" if s else "")
    return ("One by one, K requests take the sum of their latencies; in flight together, about the slowest one"
            + tail + ".")


def _c5_py(d):
    tt = fig(d, "blocking", "C5: Python", "to_thread")
    pp = fig(d, "blocking", "C5: Python", "ProcessPoolExecutor")
    return joined("on the loop ÷ `to_thread`: ", tt, "; ÷ `ProcessPoolExecutor`: ", pp)


def _c5_cpp(d):
    f = fig(d, "blocking", "C5: C++", "2 CPUs")
    return f and f"on the loop ÷ 4 threads on 2 CPUs (no GIL): {f}"


def _c5_say(d):
    return ("CPU work on the loop delays every task; a thread frees the loop but, under the GIL, does not finish "
            "Python work sooner: use a process pool.")


def _figures(name, *wanted):
    """'wording: **figure**; ...' for the headline figures of `name` whose labels contain each needle
    tuple, in the wording given (a short name without numbers: the guide's prose carries none)."""
    def get(d):
        parts = []
        for wording, *needles in wanted:
            f = fig(d, name, *needles)
            if f:
                parts.append(f"{wording}: {f}")
        return "; ".join(parts) or None
    return get


def _says(text):
    return lambda d: text


CLAIMS = [
    Claim("C1", "One session pools connections", "pooling", _word("pooling"), _pooling_py, _pooling_cpp,
          _pooling_say),
    Claim("C1", "…and on a network each new connection costs round trips", "rtt", _word("rtt"), _rtt_py,
          _rtt_cpp, _rtt_say),
    Claim("C2", "A connector limit caps connections", "limits", _word("limits"), _limits_py, _limits_cpp,
          _limits_say, "charts/limits_fd.png"),
    Claim("C3", "`time.sleep` freezes the loop", "blocking", _word("blocking", "client"), _c3_py, _c3_cpp,
          _c3_say),
    Claim("C3", "A server of sleeping threads caps at threads ÷ delay", "blocking", _word("blocking", "server"),
          lambda d: None, _server_cpp, _server_say, "charts/blocking_server.png"),
    Claim("C4", "Concurrent fetching takes the slowest, sequential the sum", "sync_vs_async",
          _word("sync_vs_async"), _c4_py, _c4_cpp, _c4_say),
    Claim("C5", "CPU work blocks the loop; offload it", "blocking", _word("blocking", "cpu"), _c5_py, _c5_cpp,
          _c5_say, "charts/blocking_cpu.png"),
    Claim("C6", "Retry with exponential backoff and jitter", "retry", _word("retry"),
          _figures("retry", ("aiohttp, success rate with 3 retries", "py_aiohttp: success rate with 3 retries"),
                   ("server requests per client", "py_aiohttp: server requests per client"),
                   ("peak of retry arrivals, backoff ÷ with jitter", "py_aiohttp: peak retries")),
          _figures("retry", ("`asio_coro`, peak of retry arrivals, backoff ÷ with jitter", "asio_coro: peak retries")),
          _says("Retries turn a failure rate p into p to the power of the attempts, at the cost of more requests; "
                "clients that failed together retry together, in waves, unless each wait is drawn at random "
                "(full jitter).")),
    Claim("C7", "Timeouts bound the tail; a pool wait counts against them", "timeouts", _word("timeouts"),
          _figures("timeouts", ("p99 with `asyncio.wait_for` ÷ without", "py_aiohttp, asyncio.wait_for"),
                   ("`wait_for` returns late by its awaited clean-up", "Python asyncio.wait_for overrun"),
                   ("requests mockd saw while the pool slot never freed", "pool wait (never_free)")),
          _figures("timeouts", ("`asio_coro` p99 with a deadline ÷ without", "asio_coro, Asio deadline"),
                   ("Asio `||` overrun", "C++ Asio")),
          _says("A timeout bounds how long the caller waits, not how long the work runs: the cancelled task unwinds "
                "first, and aiohttp's total timeout also counts the wait for a pooled connection.")),
    Claim("C8", "TaskGroup cancels siblings, gather does not", "cancellation", _word("cancellation"),
          _figures("cancellation", ("`gather`: siblings the server completed after the error",
                                    "gather: siblings completed"),
                   ("`TaskGroup`: siblings cancelled at the server", "TaskGroup: siblings cancelled")),
          _figures("cancellation", ("`wait_for_all` ÷ `wait_for_one_error`, time to error", "Asio wait_for_all")),
          _says("`gather` raises the first exception but leaves the other tasks running to the end; a `TaskGroup` "
                "cancels them and waits for them to finish.")),
    Claim("C9", "`wait(FIRST_COMPLETED)` and hedged requests", "hedging", _word("hedging"),
          _figures("hedging", ("aiohttp p99, hedged at the p95 ÷ unhedged", "py_aiohttp: p99 hedged"),
                   ("its extra load", "py_aiohttp: load at p95")),
          _figures("hedging", ("`asio_coro` p99, hedged ÷ unhedged", "asio_coro: p99 hedged"),
                   ("its extra load", "asio_coro: load at p95")),
          _says("`wait()` returns on the first result and cancels nothing: cancel the rest yourself, and pass tasks, "
                "not coroutines. A second copy sent at about the p95 cuts the tail for a few percent more load.")),
    Claim("C10", "A bounded queue gives backpressure", "queue", _word("queue"),
          _figures("queue", ("`asyncio.Queue`, peak depth unbounded ÷ bounded", "Python (asyncio.Queue): peak depth"),
                   ("p99 latency unbounded ÷ bounded", "Python (asyncio.Queue): p99 latency")),
          _figures("queue", ("Asio channel, peak depth unbounded ÷ bounded", "C++ (Asio): peak depth")),
          _says("Without `maxsize`, `put` never waits, so a fast producer piles its lead into memory and every item "
                "waits behind the backlog; with it, `await put()` holds the producer to the consumers' pace.")),
    Claim("C11", "\"Async\" file reads run on a thread pool", "files", _word("files"),
          _figures("files", ("aiofiles ÷ plain reads, cached small files", "aiofiles ÷ plain reads, tmpfs"),
                   ("on a cold disk", "aiofiles ÷ plain reads, disk, cold")),
          _figures("files", ("io_uring ÷ sequential, cold disk", "io_uring ÷ sequential reads, disk, cold"),
                   ("thread pool ÷ sequential, cold disk", "thread pool ÷ sequential reads, disk, cold")),
          _says("A regular file is always ready to epoll, so aiofiles runs every read on the default thread pool: "
                "it keeps the loop free and pays off only for slow reads; io_uring is the real asynchronous "
                "interface.")),
    Claim("C12", "UDP echo; a chat server with a slow reader", "streams", _word("streams"),
          _figures("streams", ("fast clients' p99, `drain()` in the loop ÷ a queue per client", "fast clients' p99"),
                   ("backlog per client, no `drain()` ÷ a queue per client", "server backlog peak")),
          _figures("streams", ("UDP round trips, Asio ÷ asyncio", "UDP round trips")),
          _says("Awaiting `drain()` per client in the broadcast ties everyone to the slowest reader; dropping it "
                "lets memory grow instead. Give each client a bounded queue and a writer task, and iterate over a "
                "copy of the client set.")),
    Claim("C13", "Middleware that times each handler", "middleware", _word("middleware"),
          _figures("middleware", ("server CPU per request, timing middleware ÷ none", "aiohttp: server CPU"),
                   ("client latency the span does not see", "aiohttp: client latency beyond")),
          _figures("middleware", ("mockd, the same span in C++ ÷ none", "mockd: server CPU")),
          _says("Around `await handler(request)` the middleware times the handler and what it awaits; it misses "
                "parsing, queueing for the loop and writing the response, which the client still waits for. Its "
                "own cost is a few microseconds of Python per request: visible only next to a handler that does "
                "almost nothing.")),
    Claim("C14", "Threads vs coroutines: memory and creation cost", "tasks", _word("tasks"),
          _figures("tasks", ("memory per waiting task, thread ÷ asyncio task", "Python RSS per task, thread ÷"),
                   ("creation time", "Python creation time")),
          _figures("tasks", ("memory per waiting task, thread ÷ Asio coroutine", "C++ RSS per task, thread ÷"),
                   ("creation time", "C++ creation time")),
          _says("A waiting thread costs its touched stack pages, kernel memory and a system call to create; a "
                "coroutine is a heap frame on one thread, so tens of thousands cost little.")),
]

# Claims of the catalogue whose scenario is not written yet: (claim, title), shown as
# "not in the suite yet" until DIR/<PENDING[claim]>/bench.json exists. None at present: every
# claim C1-C14 has a row in CLAIMS (the one experiment still missing, C5's await that never
# suspends, is a question's, not a claim's row).
PENDING_CLAIMS = []
