"""The guide's claims table: each claim titled with the material's own statement, its verdict word
about that statement (guide_checks.judge over what supports and what contradicts it), one figure
for the Python library the claim names and one for the C++ mechanism, and a link to the report.

The scenario's own report may word its claim differently (the cancellation report tests "gather
cancels the remaining tasks", the streams report "awaiting drain() per client stalls everyone"); the
word here is always about the statement in the first column.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import fmt
from .guide_checks import Backing, Fails, Passes
from .guide_data import Fig, Line, Part, Val, counter, median_of

if TYPE_CHECKING:
    from . import results


def fd_count(runs: Sequence[results.Run], model: str, which: str) -> str | None:
    """Requests that failed for want of file descriptors (unlimited) or at all (limited), every repetition."""
    fd = [r for r in runs if r.name.labels[:2] == (model, "fd")]
    unl = next((r for r in fd if r.name.param("limit") == "unlimited"), None)
    lim = next((r for r in fd if r.name.param("limit") != "unlimited"), None)
    if which == "unlimited":
        errors, requests = median_of(unl, "fd_errors"), median_of(unl, "requests")
        return None if errors is None or requests is None else f"{errors} of {requests}"
    return median_of(lim, "errors")


def fd_limit(runs: Sequence[results.Run], model: str) -> str | None:
    run = next((r for r in runs if r.name.labels[:2] == (model, "fd")), None)
    return None if run is None or run.name.param("fd_limit") is None else fmt.count(run.name.param("fd_limit"))


@dataclass
class Claim:
    cid: str
    material: str        # the material's statement, as it puts it
    scenario: str        # the report it links to
    supports: tuple[Backing, ...]  # backing that holds when the statement does
    against: tuple[Backing, ...]   # backing that holds where the statement is wrong
    python: Line | None  # the figure for the Python library the claim names
    cpp: Line | None     # the figure for the C++ mechanism
    chart: str | None = None  # a chart other than the scenario's headline chart


CLAIMS = [
    Claim("C1", "One shared session pools and reuses connections", "pooling",
          (Passes("pooling", "one session reuses its connections"), Passes("pooling", "`py_aiohttp`", "HTTPS"),
           Passes("pooling", "`asio_coro`", "HTTPS")), (),
          Line("aiohttp, pooled ÷ unpooled, HTTPS: ", Fig("pooling", "py_aiohttp", "HTTPS")),
          Line("median C++ model: ", Fig("pooling", "median of the C++ models", "HTTPS"))),
    Claim("C1", "A session per request pays TCP and TLS handshakes every time", "rtt",
          (Passes("pooling", "a session per request opens a connection per request"),
           Passes("pooling", "a session per request does a TLS handshake per request"),
           Passes("rtt", "adds over HTTP "), Passes("rtt", "adds over HTTPS, TLS 1.3")), (),
          None, Line("RTTs a new TLS 1.3 connection adds: ", Fig("rtt", "TLS 1.3"))),
    Claim("C2", "A connector limit caps connections and prevents \"too many open files\"", "limits",
          (Passes("limits", "py_aiohttp/sweep", "min(limit, requests)"),
           Passes("limits", "py_aiohttp/fd", "runs out of descriptors"),
           Passes("limits", "py_aiohttp/fd", "keeps it under the fd limit")), (),
          Line("aiohttp at ", Val("limits", lambda runs: fd_limit(runs, "py_aiohttp")), " open files, failed without "
               "a limit: ", Val("limits", lambda runs: fd_count(runs, "py_aiohttp", "unlimited")), ", with one: ",
               Val("limits", lambda runs: fd_count(runs, "py_aiohttp", "limited"))),
          Line("`asio_coro`: ", Val("limits", lambda runs: fd_count(runs, "asio_coro", "unlimited")), ", ",
               Val("limits", lambda runs: fd_count(runs, "asio_coro", "limited"))), "charts/limits_fd.png"),
    Claim("C3", "`time.sleep` in a coroutine freezes the event loop", "blocking",
          (Passes("blocking", "Python `time.sleep` ÷ Python `asyncio.sleep`, total"),), (),
          Line("`time.sleep` ÷ `asyncio.sleep`: ", Fig("blocking", "C3: Python")),
          Line("`sleep_for` ÷ a timer: ", Fig("blocking", "C3: C++"))),
    Claim("C3", "`time.sleep` in a handler stalls the server", "blocking",
          (Passes("blocking", "aiohttp_server: `asyncio.sleep` ÷ `time.sleep` handler"),), (),
          Line("aiohttp, ", Part("blocking", ("C3 server, Python",), r"c:(\d+)"), " clients, `asyncio.sleep` ÷ "
               "`time.sleep` handler: ", Fig("blocking", "C3 server, Python")),
          Line("asio ÷ sleeping-thread engine, ", Part("blocking", ("C3 server:",), r"c:(\d+)"), " clients: ",
               Fig("blocking", "C3 server:")), "charts/blocking_server.png"),
    Claim("C4", "Fetching concurrently takes about the slowest request, sequentially the sum", "sync_vs_async",
          (Passes("sync_vs_async", "Python:"), Passes("sync_vs_async", "every repetition ≥ K × L")), (),
          Line("`requests` one by one ÷ `aiohttp` gathered: ", Fig("sync_vs_async", "Python:")),
          Line("`asio_coro`, same: ", Fig("sync_vs_async", "C++:"))),
    Claim("C5", "Offload CPU-heavy work from the loop with `asyncio.to_thread`", "blocking",
          (Passes("blocking", "Python `ProcessPoolExecutor(2)`, loop lag max"),),
          (Fails("blocking", "Python `asyncio.to_thread(work)`", "loop lag max"),),
          Line("loop lag max, work on the loop ", counter("blocking", "loop_lag_max_us", "py_cpu", "on_loop", show=fmt.ms), ", in `to_thread` ", counter("blocking", "loop_lag_max_us", "py_cpu", "to_thread", show=fmt.ms)),
          Line("on the loop ÷ 4 threads: ", Fig("blocking", "C5: C++", "2 CPUs")), "charts/blocking_cpu.png"),
    Claim("C6", "Retry a flaky call with exponential backoff", "retry",
          (Passes("retry", "py_aiohttp: success rate with 3 retries"),),
          (Passes("retry", "py_aiohttp: peak retries"),),
          Line("aiohttp retry peak, no jitter ÷ jitter: ", Fig("retry", "py_aiohttp: peak retries")),
          Line("`asio_coro`, same: ", Fig("retry", "asio_coro: peak retries"))),
    Claim("C7", "`wait_for` sets a maximum execution time", "timeouts",
          (Passes("timeouts", "p99 wait, py_aiohttp, asyncio.wait_for, within"),),
          (Passes("timeouts", "wait_for overrun"),),
          Line("`wait_for` overrun, clean-up ",
               Part("timeouts", ("Python asyncio.wait_for overrun",), r"clean-up (\d[\d,.]* ms)"), ": ",
               Fig("timeouts", "Python asyncio.wait_for overrun")),
          Line("Asio `||` overrun: ", Fig("timeouts", "C++ Asio"))),
    Claim("C8", "`gather` cancels the remaining tasks if one fails", "cancellation",
          (), (Passes("cancellation", "gather", "siblings cancelled at the server"),
               Passes("cancellation", "gather", "siblings completed after the error")),
          Line("siblings `gather` left running: ", Fig("cancellation", "gather: siblings completed")),
          Line("Asio, wait for all ÷ first error: ", Fig("cancellation", "Asio wait_for_all"))),
    Claim("C9", "`wait(FIRST_COMPLETED)` over coroutines returns the first result", "hedging",
          (Passes("hedging", "py_aiohttp: p99 hedged"),),
          (Passes("hedging", "py_aiohttp: wait(FIRST_COMPLETED), pending kept"),),
          Line("aiohttp p99, hedged ÷ not: ", Fig("hedging", "py_aiohttp: p99 hedged")),
          Line("`asio_coro`, same: ", Fig("hedging", "asio_coro: p99 hedged"))),
    Claim("C10", "An `asyncio.Queue()` connects producers and consumers", "queue",
          (Passes("queue", "Python (asyncio.Queue): bounded peak depth = maxsize"),),
          (Passes("queue", "Python (asyncio.Queue): unbounded peak depth ÷ the producer's lead"),),
          Line("with `maxsize`, producer ÷ consumers' rate: ",
               Fig("queue", "Python (asyncio.Queue): bounded producer rate")),
          Line("Asio channel, same: ", Fig("queue", "C++ (Asio): bounded producer rate"))),
    Claim("C11", "aiofiles reads files asynchronously", "files",
          (Fails("files", "aiofiles ÷ plain reads, tmpfs, warm, 16 × 4 MiB"),),
          (Passes("files", "aiofiles: reading threads"), Passes("files", "aiofiles ÷ plain reads, tmpfs, warm, 1,000")),
          Line("aiofiles ÷ plain reads, small cached files: ", Fig("files", "aiofiles ÷ plain reads, tmpfs, warm, 1,000")),
          Line("io_uring ÷ sequential, cold disk: ", Fig("files", "io_uring ÷ sequential reads, disk, cold cache, 1,000"))),
    Claim("C12", "A chat server broadcasts by writing and awaiting `drain()` per client", "streams",
          (), (Passes("streams", "stall: fast p99"), Passes("streams", "set: live set raises")),
          Line("fast clients' p99, `drain()` loop ÷ queues: ", Fig("streams", "fast clients' p99")),
          None),
    Claim("C13", "A middleware times a handler around `await handler(request)`", "middleware",
          (Passes("middleware", "aiohttp, timing middleware: spans"),), (),
          Line("aiohttp CPU, timed ÷ untimed: ", Fig("middleware", "aiohttp: server CPU")),
          Line("mockd, same: ", Fig("middleware", "mockd: server CPU"))),
    Claim("C14", "asyncio runs many tasks on one thread, cheaper than threads", "tasks",
          (Passes("tasks", "Python RSS per task"), Passes("tasks", "Python creation time")), (),
          Line("memory, thread ÷ task: ", Fig("tasks", "Python RSS per task, thread ÷")),
          Line("thread ÷ coroutine: ", Fig("tasks", "C++ RSS per task, thread ÷"))),
]
