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
    "C6": "retry", "C7": "timeouts", "C8": "cancellation", "C9": "hedging", "C10": "queue",
    "C11": "files", "C12": "streams", "C13": "middleware", "C14": "tasks",
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
]

PENDING_CLAIMS = [
    ("C6", "Retry with exponential backoff and jitter"),
    ("C7", "Timeouts bound the tail; a pool wait counts against them"),
    ("C8", "TaskGroup cancels siblings, gather does not"),
    ("C9", "`wait(FIRST_COMPLETED)` and hedged requests"),
    ("C10", "A bounded queue gives backpressure"),
    ("C11", "\"Async\" file reads run on a thread pool"),
    ("C12", "UDP echo; a chat server with a slow reader"),
    ("C13", "Middleware that times each handler"),
    ("C14", "Threads vs coroutines: memory and creation cost"),
]
