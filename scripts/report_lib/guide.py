"""DIR/GUIDE.md: the interview guide, one page to read in about ten minutes.

`scripts/report --guide DIR` reads every DIR/<scenario>/bench.json through the
scenario modules (verdict() and headline(), and the helpers of their *_verdict
modules for exact counts) and writes:

- a table of the claims: verdict word, the figure that matters for the Python
  library the claim names and for the C++ mechanism, one sentence to say, links
  to the report and its headline chart;
- the questions of the interview material in their order: a short answer, the
  measured figure behind it, a mark where the material is wrong or half-true,
  links to the chart, the runnable example and the C++ models;
- short answers to the language and API questions, which need no measurement.

Every measured value is written in **bold** and comes from the JSON; nothing
in bold is typed here (tests/report/test_guide.py recomputes each one and
fails on a bold number it cannot find, or on a figure with a unit outside
bold). A claim or question whose experiment is not in the suite yet is keyed
to a scenario name (PENDING): once DIR/<name>/bench.json exists, its row
shows that scenario's verdict word and headline figures without an edit here.

Links to repository files (examples, clients, docs) are written relative to
DIR when DIR is inside the repository, else as if DIR sat one level below its
root (results/, results-local/), so a copy of results/ gives the same page.
"""
import os
from dataclasses import dataclass, field

from . import files, fmt, index, results as results_mod, scenarios, stats
from . import blocking_verdict as bv
from . import limits_verdict as lv
from . import pooling_verdict as pv
from . import rtt_verdict as rv
from . import sync_vs_async as sva
from . import sync_vs_async_verdict as sv

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GUIDE = "GUIDE.md"

# Claims and questions whose experiment is not in the suite yet: claim -> the scenario
# name its results will have (DIR/<name>/bench.json). docs/claims.md lists the same names.
PENDING = {
    "C6": "retry", "C7": "timeouts", "C8": "cancellation", "C9": "hedging", "C10": "queue",
    "C11": "files", "C12": "chat_udp", "C13": "middleware", "C14": "threads_vs_coroutines",
    "C5-await": "await_yield",
}

HOLDS, HALF, WRONG, WORDING, MISLEADING, CONFOUNDED, BUGGY, OUTDATED = (
    "✓ holds", "⚠ half-true", "✗ wrong", "⚠ wording", "⚠ misleading", "⚠ confounded", "✗ buggy", "⚠ outdated")


def m(text):
    """A measured value, as the page shows it: bold. Only values computed from the JSON go here."""
    return f"**{text}**"


# --- the data ------------------------------------------------------------------

class Data:
    """The scenarios under DIR, each loaded once, with its verdict and headline figures."""

    def __init__(self, out_dir):
        self.dir = out_dir
        self._loaded, self._verdicts, self._figures, self.unreadable = {}, {}, {}, {}
        for name in index.scenario_dirs(out_dir):
            try:
                self._loaded[name] = results_mod.load(out_dir, name)
            except results_mod.ReportError as e:
                self.unreadable[name] = str(e)

    def has(self, name):
        return name in self._loaded and scenarios.get(name) is not None

    def present(self, name):
        """bench.json exists (whether or not a report module knows the scenario)."""
        return name in self._loaded or name in self.unreadable

    def runs(self, name):
        return self._loaded[name].runs if name in self._loaded else []

    def verdict(self, name):
        if not self.has(name):
            return None
        if name not in self._verdicts:
            self._verdicts[name] = scenarios.get(name).verdict(self._loaded[name])
        return self._verdicts[name]

    def figures(self, name):
        if not self.has(name):
            return []
        if name not in self._figures:
            self._figures[name] = scenarios.get(name).headline(self._loaded[name])
        return self._figures[name]

    def figure(self, name, *needles):
        """The first headline figure whose label contains every needle, or None."""
        return next((f for f in self.figures(name) if all(n in f.label for n in needles)), None)

    def chart(self, name, chart=None):
        """'pooling/charts/x.png' when that file exists under DIR, else None."""
        module = scenarios.get(name)
        rel = chart or (module.HEADLINE_CHART if module else None)
        if rel is None:
            return None
        path = f"{name}/{rel}"
        return path if os.path.isfile(os.path.join(self.dir, path)) else None


def fig(data, name, *needles):
    """A headline figure as the page shows it (bold, with its interval), or None."""
    f = data.figure(name, *needles)
    return m(f.text) if f is not None else None


# --- measured values per scenario (each returns None when the run lacks it) -----

def pooling_counts(data, model="py_aiohttp", proto="https"):
    """(pooled requests, pooled connections, unpooled requests, unpooled connections) at delay 0."""
    index_ = pv.by_key(data.runs("pooling"))
    pool = index_.get(pv.Key(model, "pool", proto, 0, "on"))
    nopool = index_.get(pv.Key(model, "nopool", proto, 0, "on"))
    if pool is None or nopool is None or pool.flagged or nopool.flagged:
        return None
    return tuple(m(fmt.count(r.median(c))) for r in (pool, nopool) for c in ("requests", "conns_opened"))


def uvloop_factor(data):
    """py_aiohttp_uvloop ÷ py_aiohttp, pooled HTTPS req/s at delay 0, paired repetitions."""
    index_ = pv.by_key(data.runs("pooling"))
    uv = index_.get(pv.Key("py_aiohttp_uvloop", "pool", "https", 0, "on"))
    plain = index_.get(pv.Key("py_aiohttp", "pool", "https", 0, "on"))
    if uv is None or plain is None or uv.flagged or plain.flagged:
        return None
    return m(fmt.factor_ci(*stats.paired_ratio_ci(uv.values("req_per_s"), plain.values("req_per_s"))))


def rtt_cells(data, model, proto="https_tls1.3"):
    """(RTT ms, unpooled RTTs, pooled RTTs) of one model at the RTT the verdict uses."""
    v = data.verdict("rtt")
    if v is None or v.rtt_ms is None:
        return None
    runs = data.runs("rtt")
    un = rv.in_rtts(rv.cell(runs, model, "nopool", proto, v.rtt_ms))
    po = rv.in_rtts(rv.cell(runs, model, "pool", proto, v.rtt_ms))
    if un is None or po is None:
        return None
    return m(f"{fmt.param(v.rtt_ms)} ms"), m(f"{fmt.sig(un)} RTT"), m(f"{fmt.sig(po)} RTT")


def limits_fd(data, model):
    """(errors without a limit, requests, errors with the limit) under the lowered fd limit."""
    unl, lim = lv.fd_runs(data.runs("limits"), model)
    if unl is None or lim is None or unl.failed or lim.failed:
        return None
    return m(fmt.count(unl.median("fd_errors"))), m(fmt.count(unl.median("requests"))), m(fmt.count(lim.errors))


def limits_peaks(data, model):
    """(limited sweep runs whose server peak was min(limit, requests), limited sweep runs)."""
    v = data.verdict("limits")
    if v is None:
        return None
    peaks = [c for c in v.checks if c.part == "peak" and lv.key(c.run).model == model]
    if not peaks:
        return None
    return m(fmt.count(sum(c.holds for c in peaks))), m(fmt.count(len(peaks)))


def limits_cap(data, model, mode):
    """(requests, connections opened) of one cap run."""
    r = lv.cap_run(data.runs("limits"), model, mode)
    if r is None:
        return None
    return m(fmt.count(r.median("requests"))), m(fmt.count(r.median("conns_opened")))


def gather_capped(data):
    """aiohttp gathering the largest K with its default connector: (K, the server's peak)."""
    runs = data.runs("sync_vs_async")
    for k in reversed(sv.ks(runs)):
        r = sv.clean(runs, "py_aiohttp/gather", k)
        if r is not None:
            return m(fmt.count(k)), m(fmt.count(sv.in_flight(r)))
    return None


def sva_run(data, sid, k=None):
    """(K, the run) of a series at K (default: the K of the headline pairs)."""
    runs = data.runs("sync_vs_async")
    if k is None:
        pairs = sv.headline_pairs(runs)
        if not pairs:
            return None, None
        k = pairs[0].k
    return k, sv.clean(runs, sid, k)


def sva_wall(data, sid):
    k, r = sva_run(data, sid)
    return None if r is None else m(fmt.ms(sv.wall_ms(r) * 1000))


def sva_setup(data):
    """(K, L) of the headline pairs, bold."""
    runs = data.runs("sync_vs_async")
    pairs = sv.headline_pairs(runs)
    if not pairs:
        return None
    return m(fmt.count(pairs[0].k)), m(f"{fmt.param(sv.delay_of(runs))} ms")


def sva_count(data, sid, counter):
    k, r = sva_run(data, sid)
    return None if r is None else m(fmt.count(r.median(counter)))


def pooling_share(data):
    """The part of the usual demo's gap that pooling alone closes, in percent (never below 0 %)."""
    share = sva.pooling_share(data.runs("sync_vs_async"))
    return None if share is None else m(fmt.pct(max(share, 0.0), 0))


def memory_kib(data, sid):
    slope = sv.memory_slope(data.runs("sync_vs_async"), sv.by_id(sid))
    return None if slope is None else m(f"{fmt.sig(slope.rss_per_inflight_kib)} KiB")


def blocking_run(data, group, kind):
    r = bv.find(data.runs("blocking"), group, kind)
    return r if bv.clean(r) else None


def blocking_wait(data):
    """(N, D, time.sleep total, asyncio.sleep total, loop lag max with time.sleep) in Python."""
    sleep, timer = blocking_run(data, "py_client", "time_sleep"), blocking_run(data, "py_client", "asyncio_sleep")
    if sleep is None or timer is None:
        return None
    return (m(fmt.count(bv.tasks(sleep))), m(f"{fmt.param(bv.work_ms(sleep))} ms"),
            m(fmt.ms(sleep.median("total_ms") * 1000)), m(fmt.ms(timer.median("total_ms") * 1000)),
            m(fmt.ms(sleep.median("loop_lag_max_us"))))


def blocking_offload(data):
    """(threads, to_thread(time.sleep) total, its bound ceil(N/W) × D) in Python."""
    r = blocking_run(data, "py_client", "to_thread")
    if r is None or not bv.workers(r):
        return None
    return m(fmt.count(bv.workers(r))), m(fmt.ms(r.median("total_ms") * 1000)), m(fmt.ms(bv.bound_ms(r) * 1000))


def blocking_cpu_lag(data):
    """(loop lag max with the work on the loop, with to_thread), Python."""
    on, off = blocking_run(data, "py_cpu", "on_loop"), blocking_run(data, "py_cpu", "to_thread")
    if on is None or off is None:
        return None
    return m(fmt.ms(on.median("loop_lag_max_us"))), m(fmt.ms(off.median("loop_lag_max_us")))


def blocking_server(data):
    """(threads T, the blocking engine's best steady req/s, T/D) of the server part."""
    runs = data.runs("blocking")
    blocking = {c: r for c, r in bv.server_runs(runs, "blocking").items() if bv.clean(r)}
    if not blocking:
        return None
    any_run = next(iter(blocking.values()))
    t, d = bv.key(any_run).threads, any_run.name.param("delay_ms")
    if not t or not d:
        return None
    top = max(r.median("steady_req_per_s") or 0 for r in blocking.values())
    return m(fmt.count(t)), m(f"{fmt.sig(top)} req/s"), m(f"{fmt.sig(t * 1000.0 / d)} req/s")


def joined(*parts):
    """The sentence parts that were measured, or None when one is missing (never half a claim)."""
    return None if any(p is None for p in parts) else "".join(parts)


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


def plain_http(data, model):
    """The pooling figure of a model over plain HTTP (its label ends in ', HTTP'), bold, or None."""
    f = next((x for x in data.figures("pooling") if f"`{model}`" in x.label and x.label.endswith(", HTTP")), None)
    return m(f.text) if f is not None else None


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


def _q23(d):
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
             HOLDS, scenario=PENDING["C13"]),
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
             PENDING["C12"], examples=["chat_server.py"]),
    Question("P4", "Producer and consumer with `asyncio.Queue`.",
             "`asyncio.Queue(maxsize=N)`: `put` waits while the queue is full, which slows the producer to the "
             "consumer's pace (backpressure); stop consumers with a sentinel, or `join()` then cancel them.",
             HALF, "an unbounded `Queue()`",
             "it works, but a faster producer fills memory without limit; `maxsize` is the fix.",
             PENDING["C10"], examples=["producer_consumer.py"]),
    Question("P5", "A UDP echo server.",
             "Subclass `asyncio.DatagramProtocol`, answer in `datagram_received` with `transport.sendto`, and "
             "start it with `loop.create_datagram_endpoint`. UDP keeps message boundaries and may lose datagrams: "
             "clients need timeouts.",
             HALF, "a protocol class with `datagram_received`",
             "it works, but the class should derive from `DatagramProtocol`, which supplies the other callbacks.",
             PENDING["C12"], examples=["udp_echo.py"]),
    Question("P6", "Read files concurrently with aiofiles.",
             "Regular files cannot be read without blocking through epoll, so aiofiles runs each call on the "
             "loop's default thread pool (`min(32, cpus + 4)` threads): the concurrency is threads. io_uring is "
             "the kernel's asynchronous path; asyncio does not use it.",
             HALF, "aiofiles reads files asynchronously",
             "it moves blocking reads to threads; per small read that adds a thread hand-off.",
             PENDING["C11"], examples=["read_files.py"]),
    Question("P7", "Retry a flaky call with exponential backoff.",
             "Retry only transient failures (5xx, connection errors, timeouts), double the wait each time up to a "
             "cap, add jitter (a random wait between 0 and the backoff), and bound the attempts and total time.",
             HALF, "exponential backoff without jitter",
             "it works for one client; many clients that failed together retry together, in synchronized waves.",
             PENDING["C6"], examples=["retry_backoff.py"]),
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
             PENDING["C8"], examples=["taskgroup_vs_gather.py"]),
    Question("P12", "`wait(FIRST_COMPLETED)`.",
             "Wrap each coroutine in a task, `await asyncio.wait(tasks, return_when=FIRST_COMPLETED)`, use the "
             "done set, then cancel the pending tasks yourself: `wait` cancels nothing.",
             WRONG, "coroutines passed straight to `wait()`", "Python 3.11 refuses them with TypeError.",
             PENDING["C9"]),
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
             HOLDS, scenario=PENDING["C10"], examples=["producer_consumer.py"]),
    Question("Q19", "Timeouts.",
             "`asyncio.timeout()` (3.11) and `wait_for` cancel the work when time is up; `wait_for` then waits for "
             "the cancelled task to finish. aiohttp's `ClientTimeout(total=...)` also counts the wait for a free "
             "connection.",
             HALF, "`wait_for` sets a maximum execution time",
             "it can overrun while the cancelled task cleans up; and a pool wait can use up an aiohttp timeout "
             "before the request is sent.",
             PENDING["C7"], examples=["timeouts.py"]),
    Question("Q22", "`asyncio.shield`.",
             "`shield(task)` keeps the inner task running when the awaiting caller is cancelled; the caller still "
             "gets `CancelledError`, cancelling the inner task directly still works, and you must keep a reference "
             "to it.",
             HALF, "it protects a task so it runs to completion",
             "only from the caller's cancellation, and only while something references it.", PENDING["C8"]),
    Question("Q18", "Cancelling a task.",
             "`task.cancel()` asks: `CancelledError` is raised at the task's next await. Clean up in `finally` or "
             "`except` and re-raise; swallowing it breaks `TaskGroup` and `asyncio.timeout`.",
             HALF, "`cancel()` terminates the task gracefully",
             "it is a request the task can ignore, delivered only at an await.", PENDING["C8"]),
    Question("Q9", "Exceptions in tasks.",
             "A task stores its exception; it surfaces when the task is awaited or its result read. Never read, it "
             "is only logged (\"Task exception was never retrieved\") when the task is collected, and the loop "
             "holds tasks weakly: keep references (a set plus `add_done_callback(set.discard)`) or use a "
             "`TaskGroup`.",
             MISLEADING, "`create_task` captures the exceptions of background tasks",
             "it stores them where nobody may look, and an unreferenced task can vanish.", PENDING["C8"]),
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
             HOLDS, scenario="sync_vs_async", measured=_q1, charts=[("sync_vs_async", "charts/sync_vs_async_memory.png")]),
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


# --- rendering -------------------------------------------------------------------

def _repo_prefix(out_dir):
    """How a page in out_dir reaches the repository root: relative when out_dir is inside it, else '../'."""
    real, repo = os.path.realpath(out_dir), os.path.realpath(REPO)
    if real == repo or real.startswith(repo + os.sep):
        rel = os.path.relpath(repo, real)
        return "" if rel == "." else rel + "/"
    return "../"


def _pending_text(data, name, claim):
    """The line for an experiment not in the suite, or its figures once DIR/<name>/bench.json exists."""
    if data.has(name):
        v = data.verdict(name)
        figs = "; ".join(f"{f.label}: {m(f.text)}" for f in data.figures(name))
        return f"Measured ([{name}]({name}/README.md)): {v.word}" + (f"; {figs}" if figs else "") + "."
    if data.present(name):
        return f"_Results are in `{name}/bench.json`, but no report module reads them yet._"
    return f"_Not measured yet ({CLAIM_LABEL.get(claim, claim)}): fills in from `{name}/bench.json`._"


CLAIM_LABEL = {"C5-await": "C5, an await that never suspends"}


def _claim_of(name):
    return next((c for c, s in PENDING.items() if s == name), "")


def _links(data, prefix, q):
    out = []
    for name, chart in q.charts:
        if data.chart(name, chart):
            out.append(f"[chart: {os.path.splitext(os.path.basename(chart))[0]}]({name}/{chart})")
    if q.scenario and data.has(q.scenario):
        out.append(f"[report]({q.scenario}/README.md)")
    for ex in q.examples:
        out.append(f"example [`{ex}`]({prefix}examples/{ex})")
    for path in q.cpp:
        out.append(f"C++ [`{os.path.basename(path)}`]({prefix}{path})")
    return " · ".join(out)


def _claims_table(data):
    rows = []
    for c in CLAIMS:
        if not data.has(c.scenario):
            rows.append([f"{c.cid} {c.title}", "not in this run", fmt.DASH, fmt.DASH, fmt.DASH, fmt.DASH])
            continue
        chart = data.chart(c.scenario, c.chart)
        link = f"[report]({c.scenario}/README.md)" + (f", [chart]({chart})" if chart else "")
        rows.append([f"{c.cid} {c.title}", c.word(data) or fmt.DASH, c.python(data) or "not measured in Python",
                     c.cpp(data) or fmt.DASH, c.say(data), link])
    for cid, title in PENDING_CLAIMS:
        name = PENDING[cid]
        if data.has(name):
            v = data.verdict(name)
            figs = data.figures(name)
            chart = data.chart(name)
            rows.append([f"{cid} {title}", v.word, "; ".join(f"{f.label}: {m(f.text)}" for f in figs) or fmt.DASH,
                         fmt.DASH, fmt.DASH,
                         f"[report]({name}/README.md)" + (f", [chart]({chart})" if chart else "")])
        else:
            rows.append([f"{cid} {title}", "not in the suite yet", fmt.DASH, fmt.DASH, fmt.DASH,
                         f"fills in from `{name}/bench.json`"])
    return fmt.table(["claim", "verdict", "Python (the library the claim names)", "C++ (the mechanism)",
                      "say in an interview", "report"], rows)


def _question(data, prefix, q):
    lines = [f"### {q.qid} · {q.text} {q.mark}", "", q.answer]
    if q.mark != HOLDS:
        lines += ["", f"> **{q.mark.split(' ', 1)[1].capitalize()}.** The material: {q.material}. In fact, {q.truth}"]
    if q.scenario in PENDING.values():
        lines += ["", _pending_text(data, q.scenario, _claim_of(q.scenario))]
    elif q.scenario:
        text = q.measured(data) if data.has(q.scenario) and q.measured else None
        lines += ["", f"Measured ({q.scenario}): {text}" if text else
                  f"_Not in this run: `{q.scenario}/bench.json` lacks the runs._"]
    links = _links(data, prefix, q)
    if links:
        lines += ["", links]
    return "\n".join(lines)


def render(out_dir):
    data = Data(out_dir)
    prefix = _repo_prefix(out_dir)
    parts = [
        "# The interview guide",
        "<!-- Generated by scripts/report --guide: do not edit by hand. -->",
        "One page to read before an interview about sync and async I/O in Python. Every **bold** figure is "
        "computed from the `bench.json` files in this directory by the scenario's report module (factors with "
        "their 95 % confidence interval from paired repetitions, counts exact); none is typed by hand. Marks: "
        f"{HOLDS}, {HALF} (or wording, misleading, confounded, outdated), {WRONG} (or buggy). The claims in "
        f"full: [the catalogue]({prefix}docs/claims.md); runnable answers: [examples]({prefix}examples/README.md).",
        "## The claims",
        _claims_table(data),
        "## The questions, in the material's order",
    ]
    parts += [_question(data, prefix, q) for q in QUESTIONS]
    api = ["## Language and API questions\n"]
    api += [f"- *{qid} · {title}.* {text}" for qid, title, text in API_ANSWERS]
    uv = _q23(data) if data.has("pooling") else None
    api.append(f"- *Q23 · A custom event loop* ({OUTDATED}). The material subclasses a loop policy and calls "
               "`set_event_loop`; now you pass `loop_factory` to `asyncio.Runner` (3.11; `asyncio.run` takes it "
               "from 3.12), e.g. uvloop's." + (f" Measured (pooling): {uv}" if uv else ""))
    parts.append("\n".join(api))
    if data.unreadable:
        parts.append("Unreadable results: " + "; ".join(f"`{n}`: {e}" for n, e in sorted(data.unreadable.items())))
    return "\n\n".join(parts) + "\n"


def write(out_dir):
    """Writes out_dir/GUIDE.md; returns its path."""
    path = os.path.join(out_dir, GUIDE)
    files.write_text(path, render(out_dir))
    return path
