"""Claim C2 (limits): the parts of the scenario, their signatures, and the
verdict rule, as named checks (verdict.py) for page.verdict_section.

Benchmark names:
  limits/<model>/sweep/limit:<N|unlimited>/delay_ms:<D>
  limits/<model>/fd/fd_limit:<F>/limit:<N|unlimited>
  limits/<model>/per_host/limit:<N>/limit_per_host:<M|unlimited>
  limits/<model>/cap/<bound>_<pooled|unpooled>|connector>/cap:<C>/delay_ms:<D>
    where <bound> is `semaphore` for py_aiohttp (a real asyncio.Semaphore(C)
    over every request gathered at once; in_flight_peak counts the requests
    inside it) and `workers` for the C++ models (C workers, no asyncio).
Models: the C++ ones (asio_coro, curl_multi: the mechanism) and, when the
run has it, py_aiohttp (aiohttp itself: the claim's library).

Two kinds of check. Where the signature is an exact count (the server's
peak, connections opened, errors) the check is exact and needs no interval:
it holds in every repetition or it does not (CountCheck). Where the headline
is a ratio (throughput against limit / delay, the connector against the
semaphore or workers over one pooled session) the check is decided on the 95 % CI of the
paired repetitions (stats.ratio_ci) and may be undecided by noise.

The rule (also printed on the page; keep RULE_TEXT in step with decide()):
- peak:  every repetition of every limited sweep run has the server's peak of
         open connections equal to min(limit, requests), without errors;
- rate:  for every limit <= 32 whose ideal limit / delay the client can reach
         (at most the model's own unlimited-gather throughput: above it the
         client's CPU, not the server's wait, is the bound), the CI of
         req/s / (limit / delay) lies within a factor 2 either way;
- fd:    under the lowered open-file limit the unlimited gather has
         fd-exhaustion errors in every repetition and the limited gather
         none at all;
- extra: where measured, no host's peak exceeds limit_per_host; the
         unpooled bound (semaphore or workers) opens one connection per
         request, the pooled bound and the connector at most `cap` (peak at
         most `cap`); the semaphore holds exactly `cap` requests at its peak;
         and the connector is not faster than the bound over one pooled
         session by CAP_RATE_MAX or more (CI of the paired req/s ratio).
The page's sentence comparing the connector with the bound is worded by
cap_comparison() from the same ratio's CI: within CAP_BAND either way, one
of them faster (the interval wholly on one side of 1), or not resolved.
Refuted when a total limit did not hold (a peak above the limit in any
limited run) or the limited gather failed under the fd limit (the claim's
two promises); a host's peak above limit_per_host (with the total limit
held) makes it nuanced, not refuted: aiohttp's per-host count covers
acquired connections only, and the server also sees the idle pooled ones.
Otherwise verdict.word_from: confirmed when every check passed (and the fd
part was measured), nuanced when one failed clearly, inconclusive: noise
when none failed but an interval straddles its bound; inconclusive without
a usable sweep.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import fmt, models as registry, stats, verdict

if TYPE_CHECKING:
    from . import results

SCENARIO = "limits"
CLAIM_MODEL = "py_aiohttp"  # the library the claim is about; the C++ models show the mechanism
# A bound on requests in flight: a real asyncio.Semaphore (aiohttp) or workers (C++, no asyncio).
BOUNDS = ("semaphore", "workers")
CAP_MODES = ("semaphore_pooled", "semaphore_unpooled", "workers_pooled", "workers_unpooled", "connector")
RATE_LIMIT_MAX = 32    # the throughput check covers limits up to this
RATE_FACTOR = 2.0      # ... and allows this factor either way
CAP_RATE_MAX = 1.25    # connector ÷ pooled bound (semaphore or workers) req/s must stay below this
CAP_BAND = 1.10        # the comparison's wording: "within 10 %" when the CI lies inside 1 / CAP_BAND–CAP_BAND

RULE_TEXT = (
    "**Confirmed** when (1) in every repetition of every limited sweep run the server's peak of open "
    "connections equals min(limit, requests) (an exact count); (2) for every limit up to "
    f"{RATE_LIMIT_MAX} the 95 % CI of the throughput ÷ the ideal limit ÷ delay lies within a factor "
    f"{fmt.sig(RATE_FACTOR, 2)} either way, where the client can reach that ideal at all (it is at most "
    "the model's own unlimited-gather throughput; above it the client's CPU, not the server's wait, is the "
    "bound, and the run is listed but not checked); (3) under the lowered open-file limit the unlimited "
    "gather fails with fd exhaustion in every repetition while the limited gather has no error at all; "
    "(4) where measured, no host's peak exceeds `limit_per_host`; the bound on requests in flight (for "
    "aiohttp an `asyncio.Semaphore(cap)` over every request gathered at once, for the C++ models `cap` "
    "workers) opens one connection per request without pooling, and at most `cap` over one pooled session, "
    "as the connector does (each holding at most `cap` open); the semaphore holds exactly `cap` requests at "
    "its peak; and the connector is not faster than the bound over one pooled session "
    f"by {fmt.compact(CAP_RATE_MAX)}x or more (95 % CI of connector ÷ bound req/s below "
    f"{fmt.compact(CAP_RATE_MAX)}x). "
    "**Refuted** when a total limit did not hold (a server peak above it) or the limited gather failed "
    "under the fd limit. **Nuanced** when a check clearly fails otherwise (e.g. throughput far from "
    "limit ÷ delay, the unlimited gather did not run out of descriptors, or a host's peak above "
    "`limit_per_host` while the total limit held: the per-host count covers connections in use, the server "
    "also sees idle pooled ones), or when the fd part was not measured. **Inconclusive: noise** when no "
    "check fails but an interval straddles its bound. **Inconclusive** without a sweep run. Counts are "
    "exact checks (every repetition); ratios are geometric means of the paired repetitions' ratios with "
    "their 95 % CI.")


@dataclass(frozen=True)
class Key:
    model: str
    part: str    # sweep | fd | per_host | cap
    mode: str    # cap: one of CAP_MODES; else None


def key(run: results.Run) -> Key:
    labels = list(run.name.labels) + [None, None, None]
    return Key(labels[0], labels[1], labels[2])


def limit_of(run: results.Run, param: str = "limit") -> float | None:
    """The limit as a number, 0 for `unlimited` (the bench's spelling of none)."""
    v = run.name.param(param)
    if v in (None, "unlimited"):
        return 0
    return v if isinstance(v, (int, float)) else None


def models(runs: list[results.Run]) -> list[str]:
    """The models in the run, C++ first, in the registry's order (report_lib/models.py)."""
    return registry.ordered({key(r).model for r in runs})


def is_python(model: str) -> bool:
    return registry.get(model).is_python


def lang(model: str) -> str:
    """'`py_aiohttp` (Python)', '`asio_coro` (C++)': every row says its language."""
    return registry.get(model).table_label()


def part(runs: list[results.Run], name: str, model: str | None = None) -> list[results.Run]:
    return [r for r in runs if key(r).part == name and (model is None or key(r).model == model)]


def sweep(runs: list[results.Run], model: str) -> list[tuple[float, results.Run]]:
    """[(limit, run)] sorted by limit, unlimited (0) last."""
    out = [(limit_of(r), r) for r in part(runs, "sweep", model) if limit_of(r) is not None]
    return sorted(out, key=lambda lr: (lr[0] == 0, lr[0]))


def delay_ms(run: results.Run) -> float | None:
    d = run.name.param("delay_ms")
    return d if isinstance(d, (int, float)) else None


def ideal_rate(limit: float, run: results.Run) -> float | None:
    """limit / delay in requests per second; None for unlimited or no delay."""
    d = delay_ms(run)
    if not limit or not d:
        return None
    return limit / (d / 1000.0)


@dataclass
class LimitsCheck(verdict.Check):
    """A verdict.Check that knows its part and run. `counted` set: an exact-count check,
    whose figure is the count itself (no interval: it holds in every repetition or not)."""
    part: str = ""          # peak | rate | fd | per_host | cap | cap_rate
    run: results.Run | None = None
    refutes: bool = False   # failing it breaks one of the claim's two promises
    counted: str = ""

    @property
    def figure(self) -> str:
        if self.counted:
            return self.counted
        return super().figure

    @property
    def holds(self) -> bool:
        return self.status == verdict.PASSED


def _count_check(part: str, run: results.Run, name: str, holds: bool, counted: str, needs: str, refutes: bool = False,
                 note: str = "") -> LimitsCheck:
    return LimitsCheck(name, verdict.PASSED if holds else verdict.FAILED, threshold=needs, unit="",
                       note=note or "exact count, every repetition", part=part, run=run,
                       refutes=refutes and not holds, counted=counted)


def _tagged(check: verdict.Check, part: str, run: results.Run) -> LimitsCheck:
    """A verdict.at_least / below result, tagged with its part and run."""
    return LimitsCheck(**vars(check), part=part, run=run)


def _within(name: str, ci: stats.Interval, low: float, high: float, note: str = "") -> verdict.Check:
    """Passed when the whole interval lies in [low, high]; failed when it lies wholly outside;
    otherwise (straddling a bound, or no interval) undecided."""
    est, lo, hi = ci if ci is not None else (None, None, None)
    if est is None or lo is None or hi is None:
        status = verdict.UNDECIDED
    elif low <= lo and hi <= high:
        status = verdict.PASSED
    elif hi < low or lo > high:
        status = verdict.FAILED
    else:
        status = verdict.UNDECIDED
    if not note and status == verdict.UNDECIDED:
        note = ("no interval (fewer than 2 paired repetitions)" if lo is None or hi is None
                else "the interval straddles a bound: noise")
    return verdict.Check(name, status, est, lo, hi, f"{fmt.compact(low)}–{fmt.compact(high)}x", "x", note)


def _usable(run: results.Run | None) -> bool | list[results.Entry]:
    return run is not None and not run.failed and run.reps


def _short(run: results.Run) -> str:
    """The benchmark name without the scenario: 'asio_coro/sweep/limit:4/delay_ms:20'."""
    return run.name.text.split("/", 1)[-1]


def peak_checks(runs: list[results.Run]) -> list[LimitsCheck]:
    out = []
    for model in models(runs):
        for limit, r in sweep(runs, model):
            if limit == 0 or not _usable(r):
                continue
            want = [min(limit, rep["requests"]) for rep in r.reps if "requests" in rep]
            got = r.values("conns_peak")
            holds = bool(got) and all(g == w for g, w in zip(got, want)) and r.errors == 0
            above = any(g > limit for g in got)
            seen = ", ".join(fmt.count(g) for g in sorted(set(got)))
            counted = f"peak {seen} in {len(got)} repetitions" + (f", {fmt.count(r.errors)} errors" if r.errors else "")
            out.append(_count_check("peak", r, f"`{_short(r)}`: server's peak = min(limit, requests)", holds,
                                    counted, f"= {fmt.count(want[0] if want else None)} in every repetition, "
                                             "no error", refutes=above))
    return out


def unlimited_rate(runs: list[results.Run], model: str) -> float | None:
    """The model's unlimited-gather throughput (median req/s), the most its client managed with
    every request in flight: a limit whose ideal is above it is bound by the client's CPU."""
    r = dict(sweep(runs, model)).get(0)
    return r.median("req_per_s") if _usable(r) and not r.errors else None


def rate_runs(runs: list[results.Run], model: str) -> list[tuple[float, results.Run, bool]]:
    """[(limit, run, checked)] for the limited sweep runs up to RATE_LIMIT_MAX; checked is False
    when the ideal limit ÷ delay is above the model's unlimited-gather throughput (CPU-bound)."""
    ceiling = unlimited_rate(runs, model)
    out = []
    for limit, r in sweep(runs, model):
        if not limit or limit > RATE_LIMIT_MAX or not _usable(r):
            continue
        ideal = ideal_rate(limit, r)
        out.append((limit, r, ceiling is None or ideal is None or ideal <= ceiling))
    return out


def rate_factor_ci(run: results.Run) -> stats.Interval:
    """req/s ÷ (limit ÷ delay) per repetition: (estimate, low, high)."""
    ideal = ideal_rate(limit_of(run), run)
    if not ideal:
        return None, None, None
    return stats.ratio_ci([v / ideal for v in run.values("req_per_s")])


def rate_checks(runs: list[results.Run]) -> list[LimitsCheck]:
    out = []
    for model in models(runs):
        for limit, r, checked in rate_runs(runs, model):
            if not checked:
                continue
            name = f"`{_short(r)}`: req/s ÷ ideal {fmt.sig(ideal_rate(limit, r))} (limit ÷ delay)"
            if r.errors:
                out.append(_count_check("rate", r, name, False, f"{fmt.count(r.errors)} errors",
                                        "no error", note="a run with errors is not measured clean"))
                continue
            out.append(_tagged(_within(name, rate_factor_ci(r), 1 / RATE_FACTOR, RATE_FACTOR), "rate", r))
    return out


def fd_runs(runs: list[results.Run], model: str) -> tuple[results.Run | None, results.Run | None]:
    """(unlimited run, limited run) of the fd part for a model; either may be None."""
    unl = lim = None
    for r in part(runs, "fd", model):
        if limit_of(r) == 0:
            unl = r
        else:
            lim = r
    return unl, lim


def fd_checks(runs: list[results.Run]) -> list[LimitsCheck]:
    out = []
    for model in models(runs):
        unl, lim = fd_runs(runs, model)
        if _usable(unl):
            per_rep = unl.values("fd_errors")
            holds = bool(per_rep) and all(v > 0 for v in per_rep)
            counted = (f"fd errors {fmt.count(min(per_rep))}–{fmt.count(max(per_rep))} per repetition"
                       if per_rep else "no fd errors counted")
            out.append(_count_check("fd", unl, f"`{_short(unl)}`: runs out of descriptors", holds, counted,
                                    "> 0 fd errors in every repetition"))
        if _usable(lim):
            holds = lim.errors == 0
            out.append(_count_check("fd", lim, f"`{_short(lim)}`: the limit keeps it under the fd limit", holds,
                                    f"{fmt.count(lim.errors)} errors in {len(lim.reps)} repetitions",
                                    "0 errors", refutes=True))
    return out


HOSTS = ("conns_peak_host0", "conns_peak_host1", "conns_peak_host2")


def per_host_checks(runs: list[results.Run]) -> list[LimitsCheck]:
    out = []
    for r in part(runs, "per_host"):
        if not _usable(r):
            continue
        per_host = limit_of(r, "limit_per_host")
        total = limit_of(r)
        peaks = [max(r.values(h)) for h in HOSTS if r.values(h)]
        cap = per_host or total
        holds = bool(peaks) and (not cap or all(p <= cap for p in peaks)) and r.errors == 0
        # Only a host above the total limit breaks the claim; above limit_per_host alone is not as predicted.
        which = "limit_per_host" if per_host else "the total limit"
        out.append(_count_check("per_host", r, f"`{_short(r)}`: no host above {which}", holds,
                                f"highest peak per host {' / '.join(fmt.count(p) for p in peaks)}"
                                + (f", {fmt.count(r.errors)} errors" if r.errors else ""),
                                f"≤ {fmt.count(cap)} per host" if cap else "no cap",
                                refutes=bool(total) and any(p > total for p in peaks)))
    return out


def cap_run(runs: list[results.Run], model: str, mode: str) -> results.Run | None:
    return next((r for r in part(runs, "cap", model) if key(r).mode == mode and _usable(r)), None)


def bound_of(runs: list[results.Run], model: str) -> str | None:
    """'semaphore' (aiohttp: asyncio.Semaphore) or 'workers' (C++), as the model's cap runs are
    named; None without a cap run."""
    modes = {key(r).mode for r in part(runs, "cap", model)}
    return next((b for b in BOUNDS if f"{b}_pooled" in modes or f"{b}_unpooled" in modes), None)


def bound_mode(runs: list[results.Run], model: str, pooled: bool = True) -> str | None:
    """The model's cap mode for its bound on requests in flight: 'semaphore_pooled', 'workers_unpooled', …"""
    bound = bound_of(runs, model)
    return bound and f"{bound}_{'pooled' if pooled else 'unpooled'}"


def bound_phrase(bound: str, cap: float | None = None) -> str:
    """What the bound is, in words: 'asyncio.Semaphore(32)' / '32 workers'."""
    c = fmt.count(cap) if cap else "N"
    return f"`asyncio.Semaphore({c})`" if bound == "semaphore" else f"{c} workers"


def cap_checks(runs: list[results.Run]) -> list[LimitsCheck]:
    out = []
    for r in part(runs, "cap"):
        if not _usable(r):
            continue
        cap = r.name.param("cap")
        mode = key(r).mode or ""
        opened = r.values("conns_opened")
        peaks = r.values("conns_peak")
        requests = r.values("requests")
        if mode.endswith("_unpooled"):
            holds = bool(opened) and opened == requests
            want = "opened = requests (one per request)"
            name = "one connection per request"
        else:
            holds = bool(opened) and all(o <= cap for o in opened) and all(p <= cap for p in peaks)
            want = f"opened ≤ {fmt.count(cap)}, peak ≤ {fmt.count(cap)}"
            name = "connections bounded by the cap"
        counted = (f"opened {', '.join(sorted({fmt.count(o) for o in opened}))}, peak "
                   f"{', '.join(sorted({fmt.count(p) for p in peaks}))} per repetition")
        if mode.startswith("semaphore_"):
            # The semaphore itself, counted inside it by the model: exactly `cap` at once.
            in_flight = r.values("in_flight_peak")
            holds = holds and bool(in_flight) and all(n == min(cap, q) for n, q in zip(in_flight, requests))
            want += f", {fmt.count(cap)} requests inside the semaphore at its peak"
            name += f", {fmt.count(cap)} requests inside the semaphore"
            counted += (f"; inside the semaphore at most {', '.join(sorted({fmt.count(n) for n in in_flight}))}"
                        if in_flight else "; no in_flight_peak counted")
        holds = holds and r.errors == 0
        above = mode == "connector" and any(p > cap for p in peaks)
        out.append(_count_check("cap", r, f"`{_short(r)}`: {name}", holds,
                                counted + (f", {fmt.count(r.errors)} errors" if r.errors else ""),
                                want + ", no error", refutes=above))
    return out


def cap_rate_ci(runs: list[results.Run], model: str, mode_a: str, mode_b: str) -> stats.Interval:
    """req/s of mode_a ÷ mode_b for a model: (estimate, low, high) from paired repetitions."""
    a, b = cap_run(runs, model, mode_a), cap_run(runs, model, mode_b)
    if a is None or b is None or a.errors or b.errors:
        return None, None, None
    return stats.paired_ratio_ci(a.values("req_per_s"), b.values("req_per_s"))


def cap_rate_name(model: str, bound: str) -> str:
    """The check's name, e.g. '`py_aiohttp` (Python): connector ÷ semaphore over one session, req/s'."""
    return f"{lang(model)}: connector ÷ {bound} over one session, req/s"


def cap_rate_checks(runs: list[results.Run]) -> list[LimitsCheck]:
    """The connector ÷ the bound on requests in flight (semaphore or workers) over one pooled
    session, req/s, per model: rule (4) asks that the connector is not clearly faster."""
    out = []
    for model in models(runs):
        bound = bound_of(runs, model)
        conn = cap_run(runs, model, "connector")
        if bound is None or conn is None or cap_run(runs, model, f"{bound}_pooled") is None:
            continue
        ci = cap_rate_ci(runs, model, "connector", f"{bound}_pooled")
        out.append(_tagged(verdict.below(cap_rate_name(model, bound), ci, CAP_RATE_MAX), "cap_rate", conn))
    return out


WITHIN, CONNECTOR_FASTER, BOUND_FASTER, UNRESOLVED = "within", "connector faster", "bound faster", "unresolved"


@dataclass
class CapComparison:
    """Connector ÷ bound (semaphore or workers) over one pooled session, req/s, with its 95 % CI,
    and the one sentence its interval allows (outcome):
    - within:           the interval lies inside 1 / CAP_BAND – CAP_BAND;
    - connector faster: otherwise, the interval lies wholly above 1;
    - bound faster:     otherwise, the interval lies wholly below 1;
    - unresolved:       otherwise (it crosses 1 and leaves the band), or no interval."""
    model: str
    bound: str
    cap: float
    estimate: float
    low: float
    high: float

    @property
    def name(self) -> str:
        return cap_rate_name(self.model, self.bound)

    @property
    def outcome(self) -> str:
        est, lo, hi = self.estimate, self.low, self.high
        if est is None or lo is None or hi is None:
            return UNRESOLVED
        if 1 / CAP_BAND <= lo and hi <= CAP_BAND:
            return WITHIN
        if lo > 1:
            return CONNECTOR_FASTER
        if hi < 1:
            return BOUND_FASTER
        return UNRESOLVED

    @property
    def sentence(self) -> str:
        what = bound_phrase(self.bound, self.cap)
        band = fmt.pct(CAP_BAND - 1, 0)
        ratio = f"connector ÷ {self.bound} {fmt.factor_ci(self.estimate, self.low, self.high)}"
        if self.outcome == WITHIN:
            return (f"over one session, the connector limit and {what} were within {band} of each other in "
                    f"throughput ({ratio})")
        if self.outcome == CONNECTOR_FASTER:
            return f"over one session, the connector limit was faster than {what}: {ratio}"
        if self.outcome == BOUND_FASTER:
            inverse = fmt.factor_ci(1 / self.estimate, 1 / self.high, 1 / self.low)
            return f"over one session, {what} was faster than the connector limit: {self.bound} ÷ connector {inverse}"
        if self.estimate is None:
            return f"over one session, the connector limit and {what} were not compared (no clean pair of runs)"
        return (f"over one session, this run does not tell the connector limit and {what} apart: {ratio}, "
                f"an interval that crosses 1 and reaches beyond {band} either way")


def cap_comparison(runs: list[results.Run], model: str) -> CapComparison | None:
    """The model's CapComparison, or None without its connector and pooled-bound runs."""
    bound = bound_of(runs, model)
    conn = cap_run(runs, model, "connector")
    if bound is None or conn is None or cap_run(runs, model, f"{bound}_pooled") is None:
        return None
    return CapComparison(model, bound, conn.name.param("cap"),
                         *cap_rate_ci(runs, model, "connector", f"{bound}_pooled"))


def all_checks(runs: list[results.Run]) -> list[LimitsCheck]:
    return (peak_checks(runs) + rate_checks(runs) + fd_checks(runs) + per_host_checks(runs) + cap_checks(runs)
            + cap_rate_checks(runs))


def fast_p99_pair(runs: list[results.Run], model: str) -> tuple[results.Run | None, results.Run | None]:
    """(total-only run, per-host run) of the per-host part for a model."""
    total_only = per_host = None
    for r in part(runs, "per_host", model):
        if limit_of(r, "limit_per_host"):
            per_host = r
        else:
            total_only = r
    return total_only, per_host


@dataclass
class Verdict(verdict.Line):
    word: str
    sentence: str  # what was measured; .line renders '**Word**: sentence' (verdict.line)
    checks: list[LimitsCheck] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def _fd_summary(runs: list[results.Run], model_list: list[str]) -> str:
    parts = []
    for model in model_list:
        unl, lim = fd_runs(runs, model)
        if _usable(unl) and _usable(lim):
            parts.append(f"`{model}` {fmt.count(unl.median('fd_errors'))} of "
                         f"{fmt.count(unl.median('requests'))} vs {fmt.count(lim.median('fd_errors'))}")
    return "; ".join(parts)


def _figures(runs: list[results.Run], checks: list[LimitsCheck], model_list: list[str]) -> str:
    """'the server's peak … in 6 of 6 limited sweep runs, throughput …, fd …' for these models."""
    peaks = [c for c in checks if c.part == "peak" and key(c.run).model in model_list]
    rates = [rate_factor_ci(c.run)[0] for c in checks if c.part == "rate" and key(c.run).model in model_list]
    rates = [f for f in rates if f is not None]
    text = (f"the server's peak of open connections equalled min(limit, requests) in "
            f"{sum(c.holds for c in peaks)} of {len(peaks)} limited sweep runs")
    if rates:
        span = fmt.times(min(rates)) if fmt.times(min(rates)) == fmt.times(max(rates)) else \
            f"{fmt.times(min(rates))}–{fmt.times(max(rates))}"
        text += f", throughput was {span} the ideal limit ÷ delay for limits ≤ {RATE_LIMIT_MAX}"
    bound = [(m, limit, r) for m in model_list for limit, r, checked in rate_runs(runs, m) if not checked]
    if bound:
        text += (" (" + ", ".join(f"limit {fmt.count(limit)}: {fmt.times(rate_factor_ci(r)[0])}" for _m, limit, r in bound)
                 + ", not checked: its ideal is above the model's unlimited-gather throughput, so the client's CPU is the "
                 "bound)")
    fd = _fd_summary(runs, model_list)
    if fd:
        text += (", and under the lowered fd limit the unlimited gather lost requests to EMFILE while the "
                 f"limited one did not ({fd})")
    return text


def _listed(items: list[str], most: int = 3) -> str:
    return "; ".join(items[:most]) + ("; …" if len(items) > most else "")


def decide(runs: list[results.Run]) -> Verdict:
    checks = all_checks(runs)
    if not any(c.part == "peak" for c in checks):
        return Verdict(verdict.INCONCLUSIVE, "no usable limited sweep run.", checks,
                       ["no usable sweep run"])
    failing = [c for c in checks if c.status == verdict.FAILED]
    reasons = [f"{c.name}: {c.figure}, needs {c.threshold}" for c in failing]
    if any(c.refutes for c in checks):
        word = verdict.REFUTED
    else:
        word = verdict.word_from(checks)
    if not any(c.part == "fd" for c in checks):
        reasons.append("the fd-limited runs were not measured")
        if word == verdict.CONFIRMED:
            word = verdict.NUANCED

    all_models = models(runs)
    claim = [m for m in all_models if m == CLAIM_MODEL]
    cpp = [m for m in all_models if not is_python(m)]
    if claim:
        sentence = f"for aiohttp itself (`{CLAIM_MODEL}`), " + _figures(runs, checks, claim) + ". "
        if cpp:
            sentence += "The C++ models show the mechanism: " + _figures(runs, checks, cpp) + "."
    else:
        sentence = ("for the C++ models that mirror aiohttp's connector (aiohttp itself was not measured in "
                    "this run), " + _figures(runs, checks, all_models) + ".")
    sentence = sentence.rstrip()
    if word == verdict.NOISE:
        undecided = verdict.undecided(checks)
        sentence += " Undecided by noise: " + _listed([f"{c.name}: {c.figure}, needs {c.threshold}"
                                                        for c in undecided]) + "."
    if word != verdict.CONFIRMED and reasons:
        sentence += " Not as predicted: " + _listed(reasons) + "."
    return Verdict(word, sentence, checks, reasons)
