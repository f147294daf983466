"""Claim C2 (limits): the parts of the scenario, their signatures, and the
verdict rule.

Benchmark names:
  limits/<model>/sweep/limit:<N|unlimited>/delay_ms:<D>
  limits/<model>/fd/fd_limit:<F>/limit:<N|unlimited>
  limits/<model>/per_host/limit:<N>/limit_per_host:<M|unlimited>
  limits/<model>/cap/<semaphore_pooled|semaphore_unpooled|connector>/cap:<C>/delay_ms:<D>
Models: the C++ ones (asio_coro, curl_multi: the mechanism) and, when the
run has it, py_aiohttp (aiohttp itself: the claim's library).

The rule (also printed on the page; keep RULE_TEXT in step with decide()):
- peak:  every repetition of every limited sweep run has the server's peak of
         open connections equal to min(limit, requests);
- rate:  for every limit <= 32 the median req/s is within a factor 2 of the
         ideal limit / delay (the server's wait bounds each connection);
- fd:    under the lowered open-file limit the unlimited gather has
         fd-exhaustion errors in every repetition and the limited gather
         none at all;
- extra: where measured, no host's peak exceeds limit_per_host; the
         unpooled semaphore opens one connection per request, the pooled
         semaphore and the connector at most `cap` (peak at most `cap`).
Refuted when a total limit did not hold (a peak above the limit in any
limited run) or the limited gather failed under the fd limit (the claim's
two promises); a host's peak above limit_per_host (with the total limit
held) makes it nuanced, not refuted: aiohttp's per-host count covers
acquired connections only, and the server also sees the idle pooled ones;
confirmed when all four hold; nuanced otherwise; inconclusive without a
usable sweep.
"""
from dataclasses import dataclass, field

from . import fmt, models as registry, stats

SCENARIO = "limits"
CLAIM_MODEL = "py_aiohttp"  # the library the claim is about; the C++ models show the mechanism
CAP_MODES = ("semaphore_pooled", "semaphore_unpooled", "connector")
RATE_LIMIT_MAX = 32    # the throughput check covers limits up to this
RATE_FACTOR = 2.0      # ... and allows this factor either way

RULE_TEXT = (
    "**Confirmed** when (1) in every repetition of every limited sweep run the server's peak of open "
    "connections equals min(limit, requests); (2) for every limit up to "
    f"{RATE_LIMIT_MAX} the median throughput is within a factor {fmt.sig(RATE_FACTOR, 2)} of the ideal "
    "limit ÷ delay; (3) under the lowered open-file limit the unlimited gather fails with fd exhaustion "
    "in every repetition while the limited gather has no error at all; (4) where measured, no host's peak "
    "exceeds `limit_per_host`, the semaphore without pooling opens one connection per request, and the "
    "semaphore over a pooled session and the connector at most `cap` (and hold at most `cap` open). "
    "**Refuted** when a total limit did not hold (a server peak above it) or the limited gather failed "
    "under the fd limit. **Nuanced** otherwise (e.g. throughput far from limit ÷ delay, the unlimited "
    "gather did not run out of descriptors, or a host's peak above `limit_per_host` while the total limit "
    "held: the per-host count covers connections in use, the server also sees idle pooled ones). "
    "**Inconclusive** without a sweep run.")


@dataclass(frozen=True)
class Key:
    model: str
    part: str    # sweep | fd | per_host | cap
    mode: str    # cap: semaphore_pooled | semaphore_unpooled | connector; else None


def key(run):
    labels = list(run.name.labels) + [None, None, None]
    return Key(labels[0], labels[1], labels[2])


def limit_of(run, param="limit"):
    """The limit as a number, 0 for `unlimited` (the bench's spelling of none)."""
    v = run.name.param(param)
    if v in (None, "unlimited"):
        return 0
    return v if isinstance(v, (int, float)) else None


def models(runs):
    """The models in the run, C++ first, in the registry's order (report_lib/models.py)."""
    return registry.ordered({key(r).model for r in runs})


def is_python(model):
    return registry.get(model).is_python


def lang(model):
    """'`py_aiohttp` (Python)', '`asio_coro` (C++)': every row says its language."""
    return registry.get(model).table_label()


def part(runs, name, model=None):
    return [r for r in runs if key(r).part == name and (model is None or key(r).model == model)]


def sweep(runs, model):
    """[(limit, run)] sorted by limit, unlimited (0) last."""
    out = [(limit_of(r), r) for r in part(runs, "sweep", model) if limit_of(r) is not None]
    return sorted(out, key=lambda lr: (lr[0] == 0, lr[0]))


def delay_ms(run):
    d = run.name.param("delay_ms")
    return d if isinstance(d, (int, float)) else None


def ideal_rate(limit, run):
    """limit / delay in requests per second; None for unlimited or no delay."""
    d = delay_ms(run)
    if not limit or not d:
        return None
    return limit / (d / 1000.0)


@dataclass
class Check:
    name: str       # peak | rate | fd | per_host | cap
    run: object
    holds: bool
    broken_limit: bool  # a cap exceeded (refutes the claim)
    text: str


def _usable(run):
    return run is not None and not run.failed and run.reps


def peak_checks(runs):
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
            out.append(Check("peak", r, holds, above,
                             f"`{r.name.text}`: peak {seen} over {len(got)} repetitions, "
                             f"min(limit, requests) = {fmt.count(want[0] if want else None)}"))
    return out


def rate_checks(runs):
    out = []
    for model in models(runs):
        for limit, r in sweep(runs, model):
            if not limit or limit > RATE_LIMIT_MAX or not _usable(r):
                continue
            ideal = ideal_rate(limit, r)
            f = stats.factor(r.median("req_per_s"), ideal)
            holds = f is not None and 1 / RATE_FACTOR <= f <= RATE_FACTOR and r.errors == 0
            out.append(Check("rate", r, holds, False,
                             f"`{r.name.text}`: {fmt.sig(r.median('req_per_s'))} req/s = {fmt.times(f)} "
                             f"the ideal {fmt.sig(ideal)}"))
    return out


def fd_runs(runs, model):
    """(unlimited run, limited run) of the fd part for a model; either may be None."""
    unl = lim = None
    for r in part(runs, "fd", model):
        if limit_of(r) == 0:
            unl = r
        else:
            lim = r
    return unl, lim


def fd_checks(runs):
    out = []
    for model in models(runs):
        unl, lim = fd_runs(runs, model)
        if _usable(unl):
            per_rep = unl.values("fd_errors")
            holds = bool(per_rep) and all(v > 0 for v in per_rep)
            out.append(Check("fd", unl, holds, False,
                             f"`{unl.name.text}`: fd errors per repetition "
                             f"{fmt.count(min(per_rep)) if per_rep else fmt.DASH}–"
                             f"{fmt.count(max(per_rep)) if per_rep else fmt.DASH} (expected > 0 in each)"))
        if _usable(lim):
            holds = lim.errors == 0
            out.append(Check("fd", lim, holds, not holds,
                             f"`{lim.name.text}`: {fmt.count(lim.errors)} errors in all repetitions "
                             f"(expected 0)"))
    return out


HOSTS = ("conns_peak_host0", "conns_peak_host1", "conns_peak_host2")


def per_host_checks(runs):
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
        out.append(Check("per_host", r, holds, bool(total) and any(p > total for p in peaks),
                         f"`{r.name.text}`: highest peak per host {', '.join(fmt.count(p) for p in peaks)} "
                         f"(cap {fmt.count(cap) if cap else 'none'})"))
    return out


def cap_run(runs, model, mode):
    return next((r for r in part(runs, "cap", model) if key(r).mode == mode and _usable(r)), None)


def cap_checks(runs):
    out = []
    for r in part(runs, "cap"):
        if not _usable(r):
            continue
        cap = r.name.param("cap")
        opened = r.values("conns_opened")
        peaks = r.values("conns_peak")
        requests = r.values("requests")
        if key(r).mode == "semaphore_unpooled":
            holds = bool(opened) and opened == requests
            want = "one per request"
        else:
            holds = bool(opened) and all(o <= cap for o in opened) and all(p <= cap for p in peaks)
            want = f"at most {fmt.count(cap)}, peak at most {fmt.count(cap)}"
        holds = holds and r.errors == 0
        above = key(r).mode == "connector" and any(p > cap for p in peaks)
        out.append(Check("cap", r, holds, above,
                         f"`{r.name.text}`: opened {', '.join(sorted({fmt.count(o) for o in opened}))}, "
                         f"peak {', '.join(sorted({fmt.count(p) for p in peaks}))} per repetition "
                         f"(expected {want})"))
    return out


def cap_rate_ci(runs, model, mode_a, mode_b):
    """req/s of mode_a ÷ mode_b for a model: (estimate, low, high) from paired repetitions."""
    a, b = cap_run(runs, model, mode_a), cap_run(runs, model, mode_b)
    if a is None or b is None:
        return None, None, None
    return stats.paired_ratio_ci(a.values("req_per_s"), b.values("req_per_s"))


def all_checks(runs):
    return peak_checks(runs) + rate_checks(runs) + fd_checks(runs) + per_host_checks(runs) + cap_checks(runs)


def fast_p99_pair(runs, model):
    """(total-only run, per-host run) of the per-host part for a model."""
    total_only = per_host = None
    for r in part(runs, "per_host", model):
        if limit_of(r, "limit_per_host"):
            per_host = r
        else:
            total_only = r
    return total_only, per_host


@dataclass
class Verdict:
    word: str
    line: str
    checks: list = field(default_factory=list)
    reasons: list = field(default_factory=list)


def _fd_summary(runs, model_list):
    parts = []
    for model in model_list:
        unl, lim = fd_runs(runs, model)
        if _usable(unl) and _usable(lim):
            parts.append(f"`{model}` {fmt.count(unl.median('fd_errors'))} of "
                         f"{fmt.count(unl.median('requests'))} vs {fmt.count(lim.median('fd_errors'))}")
    return "; ".join(parts)


def _figures(runs, checks, model_list):
    """'the server's peak … in 6 of 6 limited sweep runs, throughput …, fd …' for these models."""
    peaks = [c for c in checks if c.name == "peak" and key(c.run).model in model_list]
    rates = [stats.factor(c.run.median("req_per_s"), ideal_rate(limit_of(c.run), c.run))
             for c in checks if c.name == "rate" and key(c.run).model in model_list]
    rates = [f for f in rates if f is not None]
    text = (f"the server's peak of open connections equalled min(limit, requests) in "
            f"{sum(c.holds for c in peaks)} of {len(peaks)} limited sweep runs")
    if rates:
        text += (f", throughput was {fmt.times(min(rates))}–{fmt.times(max(rates))} the ideal limit ÷ delay "
                 f"for limits ≤ {RATE_LIMIT_MAX}")
    fd = _fd_summary(runs, model_list)
    if fd:
        text += (", and under the lowered fd limit the unlimited gather lost requests to EMFILE while the "
                 f"limited one did not ({fd})")
    return text


def decide(runs):
    checks = all_checks(runs)
    if not any(c.name == "peak" for c in checks):
        return Verdict("inconclusive", "Inconclusive: no usable limited sweep run.", checks,
                       ["no usable sweep run"])
    broken = [c for c in checks if c.broken_limit]
    failing = [c for c in checks if not c.holds]
    reasons = [c.text for c in failing]
    if broken:
        word = "refuted"
    elif not failing and any(c.name == "fd" for c in checks):
        word = "confirmed"
    else:
        word = "nuanced"
        if not any(c.name == "fd" for c in checks):
            reasons.append("the fd-limited runs were not measured")

    all_models = models(runs)
    claim = [m for m in all_models if m == CLAIM_MODEL]
    cpp = [m for m in all_models if not is_python(m)]
    if claim:
        line = (f"{word.capitalize()}: for aiohttp itself (`{CLAIM_MODEL}`), "
                + _figures(runs, checks, claim) + ". ")
        if cpp:
            line += "The C++ models show the mechanism: " + _figures(runs, checks, cpp) + "."
    else:
        line = (f"{word.capitalize()} for the C++ models that mirror aiohttp's connector (aiohttp itself was "
                f"not measured in this run): " + _figures(runs, checks, all_models) + ".")
    if word != "confirmed" and reasons:
        line += " Not as predicted: " + "; ".join(reasons[:3]) + ("; …" if len(reasons) > 3 else "") + "."
    return Verdict(word, line, checks, reasons)
