"""Claim C4 (sync vs async): the series, the headline pairs, memory per
request in flight, and the verdict rule.

Benchmark names: sync_vs_async/<model>/<mode>/c:<C>/k:<K>/delay_ms:<L>. A
series is one (model, mode): `sequential` (one request after another, pooled:
blocking_curl; asio_coro awaiting one by one; py_requests with one Session),
`sequential_nopool` (py_requests: requests.get per URL, a new connection each),
`thread_per_request` (threads_curl, c:0), `workers` (32 worker threads:
threads_curl, py_requests_threads), `gather` (every request in flight at
once: curl_multi, asio_coro, py_aiohttp, each on one thread). Each run fetches
K URLs, each answered after L ms. Only measured runs count: nothing is
extrapolated.

The headline pairs compare one thread with every request in flight against
one thread issuing them one by one, measured at the same K: in Python
py_aiohttp/gather vs py_requests/sequential, in C++ (the mechanism, the same
coroutine code both ways) asio_coro/gather vs asio_coro/sequential. Their
speed-ups carry a 95 % confidence interval from paired repetitions
(stats.paired_ratio_ci), so a noisy run cannot give a confident verdict.

The rule (also printed on the page, keep RULE_TEXT in step with decide()):
- inconclusive: no headline pair measured error-free at one K >= MIN_K.
- refuted:   a sequential repetition finished in less than K x L (the
             claim's arithmetic is wrong), or every headline pair's speed-up
             is clearly (whole CI) below GATHER_FACTOR.
- confirmed: every check passes: each sequential run >= K x L in every
             repetition; each headline pair's speed-up CI >= GATHER_FACTOR;
             each all-at-once run (c:0) at K >= MIN_K has K x L / wall with
             its CI >= GATHER_FACTOR (the 32 workers are bounded concurrency:
             shown, not checked); no failed run, no failed request.
- nuanced:   a check fails clearly, or a run hit a limit (failed run,
             failed requests).
- inconclusive: noise: no check failed, but a CI straddles its threshold.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import fmt, models, stats, verdict

if TYPE_CHECKING:
    from . import results

SCENARIO = "sync_vs_async"
GATHER_FACTOR = 5      # concurrent: K x L / wall >= GATHER_FACTOR (CI)
MIN_K = 100            # ... at every measured K >= MIN_K


@dataclass(frozen=True)
class Series:
    model: str
    mode: str
    how: str              # what the mode does, in words (never a Python call for a C++ model)
    marker: str | None = None    # None: the model's marker

    @property
    def id(self) -> str:
        return f"{self.model}/{self.mode}"

    @property
    def sequential(self) -> bool:
        return self.mode.startswith("sequential")

    @property
    def m(self) -> models.Model:
        return models.get(self.model)

    @property
    def language(self) -> str:
        return self.m.language

    @property
    def is_python(self) -> bool:
        return self.m.is_python

    @property
    def colour(self) -> str:
        return self.m.colour

    @property
    def style_marker(self) -> str:
        return self.marker or self.m.marker

    def label(self, c: int | None = None) -> str:
        """'asio_coro: all at once, one thread (c = all) [C++]'."""
        conc = "" if c is None else (" (c = all)" if c == 0 else f" (c = {fmt.param(c)})")
        return f"{self.model}: {self.how}{conc} [{self.language}]"


# The order of legends and tables: Python first (the claim is about Python),
# then C++; within each, one by one before concurrent.
SERIES = (
    Series("py_requests", "sequential_nopool", "requests.get per URL, one by one, no pooling", "v"),
    Series("py_requests", "sequential", "one Session, one by one"),
    Series("py_requests_threads", "workers", "32 worker threads, a Session each"),
    Series("py_aiohttp", "gather", "asyncio.gather, one ClientSession (default connector), one thread"),
    Series("blocking_curl", "sequential", "one by one"),
    Series("asio_coro", "sequential", "coroutine awaiting one by one", "D"),
    Series("threads_curl", "workers", "32 worker threads"),
    Series("threads_curl", "thread_per_request", "a thread per request", "*"),
    Series("curl_multi", "gather", "all at once, one thread"),
    Series("asio_coro", "gather", "all at once, coroutines on one thread"),
)

# (language, gathered series, sequential series): one thread with every
# request in flight vs one thread awaiting them one by one.
HEADLINE_PAIRS = (
    (models.PYTHON, "py_aiohttp/gather", "py_requests/sequential"),
    (models.CPP, "asio_coro/gather", "asio_coro/sequential"),
)
# The material's example fetches with requests.get (a new connection each
# time) and compares with aiohttp (pooled): pooling changes with concurrency.
POOLING_CONFOUND = ("py_requests/sequential_nopool", "py_requests/sequential", "py_aiohttp/gather")

RULE_TEXT = (
    f"L = the server delay of every URL; only measured runs count. Headline pairs, measured at the same K: "
    f"`py_aiohttp` gathering on one thread vs `py_requests` (one Session) one by one, and in C++ the same "
    f"coroutine code both ways (`asio_coro` all at once vs awaiting one by one). **Confirmed** when every "
    f"repetition of every sequential run takes at least K × L; each headline pair's speed-up (sequential ÷ "
    f"concurrent wall time, 95 % CI from paired repetitions) is at least {GATHER_FACTOR}x at the largest K "
    f"≥ {MIN_K} both sides ran; every run with all requests at once (c:0: gathered, a thread per request) at "
    f"K ≥ {MIN_K} has K × L ÷ wall time at least {GATHER_FACTOR}x (CI; the 32 workers are bounded concurrency, "
    f"shown but not checked); and no run or request failed. **Nuanced** when a check fails clearly or a run "
    f"hits a limit (a failed run, failed requests). **Refuted** when a sequential repetition beats K × L or "
    f"every headline speed-up is clearly under {GATHER_FACTOR}x. **Inconclusive** without a headline pair "
    f"measured error-free at one K ≥ {MIN_K}; **inconclusive: noise** when no check fails but a confidence "
    f"interval straddles its threshold.")


def series_of(run: results.Run) -> Series | None:
    labels = run.name.labels
    if len(labels) < 2:
        return None
    for s in SERIES:
        if (s.model, s.mode) == tuple(labels[:2]):
            return s
    return None


def by_id(sid: str) -> Series:
    return next((s for s in SERIES if s.id == sid), None)


def k_of(run: results.Run) -> int:
    return run.name.param("k")


def c_of(runs: list[results.Run], s: Series) -> int:
    """The series' concurrency (from its names): 0 = all at once."""
    return next((r.name.param("c") for r in runs if series_of(r) == s), None)


def delay_of(runs: list[results.Run]) -> int | None:
    ds = sorted({r.name.param("delay_ms") for r in runs if r.name.param("delay_ms") is not None})
    return ds[0] if ds else None


def series_present(runs: list[results.Run]) -> list[Series]:
    present = {series_of(r) for r in runs} - {None}
    return [s for s in SERIES if s in present]


def ks(runs: list[results.Run]) -> list[int]:
    return sorted({k_of(r) for r in runs if k_of(r) is not None})


def index(runs: list[results.Run]) -> dict[tuple[str, int], results.Run]:
    """(series id, K) -> Run."""
    return {(series_of(r).id, k_of(r)): r for r in runs if series_of(r) and k_of(r) is not None}


def clean(runs: list[results.Run], sid: str, k: int) -> results.Run | None:
    """The error-free run of a series at K, or None."""
    r = index(runs).get((sid, k))
    return None if r is None or r.flagged else r


def wall_ms(run: results.Run) -> float | None:
    return None if run is None or run.failed else run.median("wall_ms")


# --- memory ------------------------------------------------------------------

def run_memory_mb(rep: results.Entry) -> float | None:
    """One repetition's memory of its own, MiB: `rss_growth_mb` (the run's peak above the
    RSS at its start, C++ models in bench's process), else rss_mb − rss_start_mb, else
    rss_mb (a Python model's child process: its whole peak, interpreter included; the
    difference between two K cancels the interpreter out)."""
    if isinstance(rep.get("rss_growth_mb"), (int, float)):
        return rep["rss_growth_mb"]
    if isinstance(rep.get("rss_mb"), (int, float)):
        return rep["rss_mb"] - rep.get("rss_start_mb", 0)
    return None


def memory_mb(run: results.Run | None) -> float | None:
    if run is None or run.failed:
        return None
    return stats.median([run_memory_mb(rep) for rep in run.reps])


def in_flight(run: results.Run | None) -> float | None:
    """Requests in flight at once: the server's peak of open connections (every request in
    flight holds one: distinct URLs, one connection each until it is answered)."""
    return None if run is None or run.failed else run.median("conns_peak")


# A memory difference is quoted only when it is at least this many times the wobble of a
# sequential run's memory (see memory_wobble_mb): below that it is noise divided by a count.
MEMORY_NOISE_FACTOR = 10


def memory_wobble_mb(runs: list[results.Run], language: str) -> float | None:
    """How much the memory of one sequential run (one request in flight, whatever K) moves
    between its repetitions, MiB: the largest max − min over the error-free sequential runs of
    that language. None without one."""
    spreads = []
    for r in runs:
        s = series_of(r)
        if s is None or not s.sequential or s.language != language or r.flagged:
            continue
        mem = [m for m in (run_memory_mb(rep) for rep in r.reps) if m is not None]
        if len(mem) > 1:
            spreads.append(max(mem) - min(mem))
    return max(spreads) if spreads else None


@dataclass
class MemorySlope:
    series: Series
    k1: int
    k2: int
    n1: float            # requests in flight at K1, K2 (server conns_peak)
    n2: float
    mb1: float           # the run's own memory at K1, K2, MiB
    mb2: float
    wobble_mb: float | None = None  # memory_wobble_mb of the series' language

    @property
    def rss_per_inflight_kib(self) -> float:
        return (self.mb2 - self.mb1) * 1024 / (self.n2 - self.n1)

    @property
    def sound(self) -> bool:
        """The difference is far above what a sequential run's memory wobbles by (and a wobble
        was measured): only then is the per-request figure more than noise ÷ a count."""
        return self.wobble_mb is not None and self.mb2 - self.mb1 >= MEMORY_NOISE_FACTOR * self.wobble_mb


def memory_sweep_measured(runs: list[results.Run]) -> bool:
    """Whether a concurrent C++ series was measured at two K at all (failed or not): what a memory
    slope needs. A default run measures one K per series and leaves the sweep to the reference."""
    return any(len({k_of(r) for r in runs if series_of(r) == s}) >= 2
               for s in series_present(runs) if not s.sequential and not s.is_python)


def memory_slope(runs: list[results.Run], s: Series) -> MemorySlope | None:
    """rss_per_inflight_kib: (memory at K2 − memory at K1) ÷ (in flight at K2 − at K1), KiB,
    between the two largest in-flight counts among the error-free runs (each at the smallest K
    that reached it: a connector limit can hold a larger K at the same count): what one more
    request in flight costs, without the fixed costs a single run's figure carries. None for
    the sequential series (always 1 in flight), for the Python series, or without two such runs.

    Python series: their memory is the child process's peak RSS, interpreter included, which
    moves by a few tens of KiB between runs, sequential ones included; a difference of that size
    divided by a request count is no per-request figure (the `tasks` scenario measures memory per
    task and per thread directly). C++ slopes carry `sound` (see MEMORY_NOISE_FACTOR)."""
    if s.sequential or s.is_python:
        return None
    first = {}  # in flight -> (K, memory), the smallest K reaching it
    for k in ks(runs):
        r = clean(runs, s.id, k)
        n, mb = in_flight(r), memory_mb(r)
        if r is not None and n is not None and mb is not None and n not in first:
            first[n] = (k, mb)
    if len(first) < 2:
        return None
    n1, n2 = sorted(first)[-2:]
    (k1, mb1), (k2, mb2) = first[n1], first[n2]
    return MemorySlope(s, k1, k2, n1, n2, mb1, mb2, memory_wobble_mb(runs, s.language))


# --- the verdict -------------------------------------------------------------

@dataclass
class Pair:
    language: str
    gathered: Series
    sequential: Series
    k: int
    seq_run: results.Run
    gat_run: results.Run
    speedup: stats.Interval  # sequential wall ÷ gathered wall, paired

    @property
    def seq_ms(self) -> float:
        return wall_ms(self.seq_run)

    @property
    def gat_ms(self) -> float:
        return wall_ms(self.gat_run)


def headline_pairs(runs: list[results.Run]) -> list[Pair]:
    """Each headline pair at the largest K >= MIN_K where both sides ran error-free."""
    out = []
    for language, gid, sid in HEADLINE_PAIRS:
        common = [k for k in ks(runs) if k >= MIN_K and clean(runs, gid, k) and clean(runs, sid, k)]
        if not common:
            continue
        k = common[-1]
        seq, gat = clean(runs, sid, k), clean(runs, gid, k)
        out.append(Pair(language, by_id(gid), by_id(sid), k, seq, gat,
                        stats.paired_ratio_ci(seq.values("wall_ms"), gat.values("wall_ms"))))
    return out


@dataclass
class Verdict(verdict.Line):
    word: str
    sentence: str  # what was measured; .line renders '**Word**: sentence' (verdict.line)
    reasons: list[str] = field(default_factory=list)
    checks: list[verdict.Check] = field(default_factory=list)
    pairs: list = field(default_factory=list)


class BoundCheck(verdict.Check):
    """A check against a physical bound that must hold in every repetition: its figure is
    the worst repetition, not an interval."""

    @property
    def figure(self) -> str:
        return fmt.DASH if self.estimate is None else f"{fmt.sig(self.estimate)}{self.unit} (fastest repetition)"


def _sequential_check(run: results.Run, L: int) -> BoundCheck:
    k = k_of(run)
    fastest = min(run.values("wall_ms"), default=None)
    ratio = None if fastest is None else fastest / (k * L)
    ok = ratio is not None and ratio >= 1
    return BoundCheck(f"`{series_of(run).id}` at K = {fmt.count(k)}: every repetition ≥ K × L",
                      verdict.PASSED if ok else verdict.FAILED, ratio, None, None, "≥ 1 × K × L", " × K × L",
                      "a lower bound every repetition must meet, no interval needed")


def _concurrent_check(run: results.Run, L: int) -> verdict.Check:
    k = k_of(run)
    ci = stats.ratio_ci([k * L / w for w in run.values("wall_ms") if w])
    return verdict.at_least(f"`{series_of(run).id}` at K = {fmt.count(k)}: K × L ÷ wall", ci, GATHER_FACTOR)


def _pair_check(p: Pair) -> verdict.Check:
    return verdict.at_least(f"{p.language}: `{p.sequential.id}` ÷ `{p.gathered.id}` at K = {fmt.count(p.k)}",
                            p.speedup, GATHER_FACTOR)


def pair_text(p: Pair) -> str:
    est, lo, hi = p.speedup
    return (f"`{p.sequential.model}` one by one took {fmt.sig(p.seq_ms)} ms, `{p.gathered.model}` with every "
            f"request in flight on one thread {fmt.sig(p.gat_ms)} ms: {fmt.factor_ci(est, lo, hi)} faster")


def decide(runs: list[results.Run]) -> Verdict:
    L = delay_of(runs)
    pairs = headline_pairs(runs) if L is not None else []
    if not pairs:
        return Verdict(verdict.INCONCLUSIVE,
                       f"no single-thread pair (gathered vs one by one) measured error-free at one "
                       f"K ≥ {MIN_K}.")
    sequential = [r for r in runs if series_of(r) and series_of(r).sequential and not r.flagged]
    # The claim is about every request in flight at once (c:0); 32 workers are bounded
    # concurrency (ceil(K/32) x L), shown beside them but not what the claim says.
    all_at_once = [r for r in runs if series_of(r) and not series_of(r).sequential and r.name.param("c") == 0]
    big = [r for r in all_at_once if not r.flagged and k_of(r) is not None and k_of(r) >= MIN_K]
    checks = ([_pair_check(p) for p in pairs] + [_sequential_check(r, L) for r in sequential]
              + [_concurrent_check(r, L) for r in big])
    reasons = []
    for c in checks:
        if c.status == verdict.FAILED:
            reasons.append(f"{c.name}: {c.figure}, needs {c.threshold}")
    for r in [r for r in runs if series_of(r) and r.flagged]:
        kinds = ", ".join(f"{k} {fmt.count(n)}" for k, n in sorted(r.errors_by_kind().items()))
        why = (f"failed ({r.error_message})" if r.failed
               else f"{fmt.count(r.errors)} failed requests" + (f" ({kinds})" if kinds else ""))
        reasons.append(f"`{series_of(r).id}` at K = {fmt.count(k_of(r))} hit a limit: {why}")

    only_cpp = not any(p.language == models.PYTHON for p in pairs)
    if len({p.k for p in pairs}) == 1:
        lead = f"at K = {fmt.count(pairs[0].k)} URLs of {fmt.param(L)} ms: " + "; ".join(
            f"in {p.language}, " + pair_text(p) for p in pairs)
    else:
        lead = "; ".join(f"at K = {fmt.count(p.k)} URLs of {fmt.param(L)} ms, in {p.language}, " + pair_text(p)
                         for p in pairs)
    if only_cpp:
        lead = "(C++ only: the Python models were not measured in this run) " + lead
    seq_broken = [c for c in checks if c.status == verdict.FAILED and "K × L" in c.threshold]
    pair_checks = checks[:len(pairs)]
    if seq_broken or all(c.status == verdict.FAILED for c in pair_checks):
        return Verdict(verdict.REFUTED, "; ".join(reasons) + ".", reasons, checks, pairs)
    word = verdict.word_from(checks)
    if word == verdict.CONFIRMED and reasons:
        word = verdict.NUANCED
    if word == verdict.CONFIRMED:
        sentence = (f"{lead}. Every sequential run took at least K × L and every run at "
                    f"K ≥ {MIN_K} with every request at once stayed under K × L ÷ {GATHER_FACTOR}.")
    elif word == verdict.NUANCED:
        sentence = f"{lead}; but " + "; ".join(reasons) + "."
    else:
        sentence = (f"{lead}; but the repetitions spread too far to decide: "
                    + verdict.noise_text(checks) + ".")
    return Verdict(word, sentence, reasons, checks, pairs)


def signature(runs: list[results.Run]) -> list[tuple[results.Run, str, bool]]:
    """Mechanism checks on error-free runs: (run, text, holds)."""
    L = delay_of(runs)
    out = []
    for r in runs:
        s = series_of(r)
        if s is None or r.flagged or L is None:
            continue
        k = k_of(r)
        threads = r.median("threads_created")
        if s.sequential:
            out.append((r, f"wall ≥ K × L = {fmt.sig(k * L)} ms in every repetition",
                        min(r.values("wall_ms"), default=0) >= k * L))
        if s.mode == "gather":
            out.append((r, "threads_created = 1", threads == 1))
        if s.mode == "thread_per_request":
            out.append((r, f"threads_created = K = {fmt.count(k)}", threads == k))
    return out
