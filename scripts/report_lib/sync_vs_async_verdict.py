"""Claim C4 (sync vs async): the series, the extrapolated points, and the
verdict rule.

Benchmark names: sync_vs_async/<model>/<mode>/c:<C>/k:<K>/delay_ms:<L>. A
series is one (model, mode): `sequential` (blocking_curl; asio_coro awaiting
one by one), `thread_per_request` (threadpool_curl, c:0), `pool`
(threadpool_curl, c:32), `gather` (curl_multi and asio_coro, c:0). Each run
fetches K URLs, each answered after L ms.

The slow series are measured only up to a bound (the bench keeps the grid
short); beyond it the report extrapolates their ideal wall time, K x L for a
sequential one and ceil(K / c) x L for a pool of c threads, and always marks
those points as extrapolated, never as measured.

The rule (also printed on the page, keep RULE_TEXT in step with decide()):
- refuted:   a sequential run finished in less than K x L (the claim's
             arithmetic is wrong), or no concurrent series beats K x L / 5 at
             any measured K >= 100.
- confirmed: every sequential run (every repetition) takes >= K x L, and
             every concurrent series finishes every measured K >= 100 in a
             median < K x L / 5, with no failed run and no failed request.
- nuanced:   sequential >= K x L, but some concurrent series misses K x L / 5
             at some K, or hits a limit (a failed run, e.g. threads that
             cannot be created, or failed requests).
- inconclusive: no error-free sequential run or no concurrent run at K >= 100.
"""
import math
from dataclasses import dataclass, field

from . import fmt, stats

SCENARIO = "sync_vs_async"
GATHER_FACTOR = 5      # concurrent: median wall < K x L / GATHER_FACTOR
MIN_K = 100            # ... at every measured K >= MIN_K


@dataclass(frozen=True)
class Series:
    model: str
    mode: str
    label: str
    colour: str

    @property
    def id(self):
        return f"{self.model}/{self.mode}"

    @property
    def sequential(self):
        return self.mode == "sequential"


# The order of the legend and the tables: sequential first.
SERIES = (
    Series("blocking_curl", "sequential", "blocking_curl, sequential", "#d62728"),
    Series("asio_coro", "sequential", "asio_coro, awaits one by one", "#ff7f0e"),
    Series("threadpool_curl", "pool", "threadpool_curl, 32 threads", "#9467bd"),
    Series("threadpool_curl", "thread_per_request", "threadpool_curl, a thread per request", "#8c564b"),
    Series("curl_multi", "gather", "curl_multi, all at once", "#2ca02c"),
    Series("asio_coro", "gather", "asio_coro, gathered", "#1f77b4"),
)

RULE_TEXT = (
    f"L = the server delay of every URL. **Confirmed** when every repetition of every sequential run "
    f"(`blocking_curl`, and `asio_coro` awaiting one by one) takes at least K × L, and every concurrent "
    f"model (a thread per request, a pool of 32 threads, `curl_multi`, `asio_coro` gathered) finishes every "
    f"measured K ≥ {MIN_K} in a median wall time under K × L / {GATHER_FACTOR}, with no failed run and no "
    f"failed request. **Nuanced** when the sequential bound holds but some concurrent model misses "
    f"K × L / {GATHER_FACTOR} at some K or hits a limit (a failed run, e.g. threads that cannot be created, "
    f"or failed requests). **Refuted** when a sequential run beats K × L or no concurrent model beats "
    f"K × L / {GATHER_FACTOR} at any K ≥ {MIN_K}. **Inconclusive** without an error-free sequential run or "
    f"a concurrent run at K ≥ {MIN_K}. Extrapolated points never count.")


def series_of(run):
    labels = run.name.labels
    if len(labels) < 2:
        return None
    for s in SERIES:
        if (s.model, s.mode) == tuple(labels[:2]):
            return s
    return None


def k_of(run):
    return run.name.param("k")


def delay_of(runs):
    ds = sorted({r.name.param("delay_ms") for r in runs if r.name.param("delay_ms") is not None})
    return ds[0] if ds else None


def series_present(runs):
    present = {series_of(r) for r in runs} - {None}
    return [s for s in SERIES if s in present]


def ks(runs):
    return sorted({k_of(r) for r in runs if k_of(r) is not None})


def index(runs):
    """(series id, K) -> Run."""
    return {(series_of(r).id, k_of(r)): r for r in runs if series_of(r) and k_of(r) is not None}


def rss_growth_mb(run):
    """Median over repetitions of peak RSS minus the RSS at the run's start
    (older results without rss_start_mb: the peak itself)."""
    if run is None or run.failed:
        return None
    values = [rep["rss_mb"] - rep.get("rss_start_mb", 0) for rep in run.reps
              if isinstance(rep.get("rss_mb"), (int, float))]
    return stats.median(values)


def wall_ms(run):
    return None if run is None or run.failed else run.median("wall_ms")


def ideal_ms(series, k, delay_ms, run=None):
    """The wall time a series would need if every request took exactly L: K x L
    one by one, ceil(K / c) x L for c workers, L when everything runs at once."""
    if series.sequential:
        return k * delay_ms
    c = run.name.param("c") if run else (32 if series.mode == "pool" else 0)
    if series.mode == "pool" and c:
        return math.ceil(k / c) * delay_ms
    return delay_ms


@dataclass
class Point:
    series: Series
    k: int
    wall_ms: float        # median (measured) or the ideal (extrapolated)
    extrapolated: bool
    run: object = None    # the Run when measured


def points(runs):
    """Every series at every K of the grid: measured where a run exists, else
    extrapolated for the series that have a bound (sequential, pool)."""
    L = delay_of(runs)
    idx = index(runs)
    out = []
    for s in series_present(runs):
        for k in ks(runs):
            run = idx.get((s.id, k))
            if run is not None:
                out.append(Point(s, k, wall_ms(run), False, run))
            elif L is not None and (s.sequential or s.mode == "pool"):
                c = next((r.name.param("c") for (sid, _), r in idx.items() if sid == s.id), None)
                ideal = k * L if s.sequential else math.ceil(k / (c or 32)) * L
                out.append(Point(s, k, ideal, True))
    return out


@dataclass
class Verdict:
    word: str
    line: str
    reasons: list = field(default_factory=list)
    speedups: dict = field(default_factory=dict)  # series id -> (K, factor, against extrapolated?)


def _largest_k_speedup(runs, s):
    """Sequential (blocking_curl) wall ÷ this series' wall at the largest K the
    series measured; the sequential figure is extrapolated (K x L) when not measured."""
    L = delay_of(runs)
    idx = index(runs)
    measured = [(k, idx[(s.id, k)]) for k in ks(runs) if (s.id, k) in idx and not idx[(s.id, k)].flagged]
    if not measured or L is None:
        return None
    k, run = measured[-1]
    seq = idx.get(("blocking_curl/sequential", k))
    seq_ms, extrapolated = (wall_ms(seq), False) if seq is not None and not seq.flagged else (k * L, True)
    return k, stats.factor(seq_ms, wall_ms(run)), extrapolated


def decide(runs):
    L = delay_of(runs)
    idx = index(runs)
    sequential = [r for r in runs if series_of(r) and series_of(r).sequential and not r.flagged]
    concurrent = [r for r in runs if series_of(r) and not series_of(r).sequential]
    big = [r for r in concurrent if k_of(r) is not None and k_of(r) >= MIN_K]
    if L is None or not sequential or not [r for r in big if not r.flagged]:
        return Verdict("inconclusive", "Inconclusive: no error-free sequential run, or no concurrent run at "
                                       f"K ≥ {MIN_K}.")
    reasons = []
    too_fast = [r for r in sequential if min(r.values("wall_ms"), default=math.inf) < k_of(r) * L]
    for r in too_fast:
        reasons.append(f"`{r.name.text}` took {fmt.sig(min(r.values('wall_ms')))} ms < K × L = "
                       f"{fmt.sig(k_of(r) * L)} ms")
    bound = {r.name.text: k_of(r) * L / GATHER_FACTOR for r in big}
    beats = [r for r in big if not r.flagged and wall_ms(r) is not None and wall_ms(r) < bound[r.name.text]]
    misses = [r for r in big if not r.flagged and r not in beats]
    limits = [r for r in concurrent if r.flagged]
    speedups = {}
    for s in series_present(runs):
        if not s.sequential:
            sp = _largest_k_speedup(runs, s)
            if sp:
                speedups[s.id] = sp
    best = max(speedups.items(), key=lambda kv: (kv[1][0], kv[1][1] or 0), default=None)

    def speed_text():
        if not best:
            return ""
        sid, (k, f, extra) = best
        return (f" At K = {fmt.count(k)} `{sid}` is {fmt.times(f)} faster than sequential"
                + (" (against the extrapolated K × L, not a measured sequential run)" if extra else "") + ".")

    if too_fast or not beats:
        if not beats:
            reasons.append(f"no concurrent model beats K × L / {GATHER_FACTOR} at K ≥ {MIN_K}")
        return Verdict("refuted", "Refuted: " + "; ".join(reasons) + ".", reasons, speedups)
    for r in misses:
        reasons.append(f"`{series_of(r).id}` at K = {fmt.count(k_of(r))} took {fmt.sig(wall_ms(r))} ms, not under "
                       f"K × L / {GATHER_FACTOR} = {fmt.sig(bound[r.name.text])} ms")
    for r in limits:
        kinds = ", ".join(f"{k} {fmt.count(n)}" for k, n in sorted(r.errors_by_kind().items()))
        why = (f"failed ({r.error_message})" if r.failed
               else f"{fmt.count(r.errors)} failed requests" + (f" ({kinds})" if kinds else ""))
        reasons.append(f"`{series_of(r).id}` at K = {fmt.count(k_of(r))} hit a limit: {why}")
    seq_ks = sorted({k_of(r) for r in sequential})
    head = (f"sequential fetching took at least K × L (L = {fmt.param(L)} ms; measured up to K = "
            f"{fmt.count(seq_ks[-1])}), and every concurrent model finished each K ≥ {MIN_K} in under "
            f"K × L / {GATHER_FACTOR}.")
    if not reasons:
        return Verdict("confirmed", "Confirmed: " + head + speed_text(), reasons, speedups)
    return Verdict("nuanced",
                   f"Nuanced: sequential fetching took at least K × L (L = {fmt.param(L)} ms), but "
                   + "; ".join(reasons) + "." + speed_text(), reasons, speedups)


def signature(runs):
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
        if s.model == "asio_coro":
            out.append((r, "threads_created = 1", threads == 1))
        if s.mode == "thread_per_request":
            out.append((r, f"threads_created = K = {fmt.count(k)}", threads == k))
    return out
