"""Scenario rtt (claim C1 over a network): what a new connection costs in round trips, with
the kernel delaying every packet by RTT/2 each way (see rtt/ in the repo).

Benchmark names: rtt/<model>/<pool|nopool>/<http|https_tls1.2|https_tls1.3>
/rtt_ms:<R>[/session_cache:off]. Every model runs one request at a time, so a
request's p50 latency divided by the RTT (the `p50_rtts` counter) is the
number of round trips it paid.

The rule (also printed on the page, keep RULE_TEXT in step with decide()):
at the largest RTT of the run (at least MIN_RTT_MS), over error-free runs
with libcurl's TLS session cache on (its default), per protocol:
P = median over models of the pooled p50 in RTTs, U = the same unpooled,
each per repetition (repetition i of every model), so P, U and U - P carry
95 % confidence intervals (stats.ratio_ci for P, stats.mean_ci for U - P).
A check passes only when its whole interval clears its bound (verdict.py).
- confirmed:   P < POOLED_MAX for every protocol, and U - P is at least the
               round trips a new connection must cost at the least, less
               SLACK: 1 (TCP) over HTTP, 2 (TCP + TLS) over HTTPS; a resumed
               TLS 1.2 handshake takes 1 round trip, like TLS 1.3's full one.
- refuted:     the interval of U - P lies below REFUTED_BELOW for every
               protocol: no round trips saved.
- nuanced:     a check clearly failed.
- inconclusive: noise: no check failed, an interval straddles its bound.
- inconclusive: no error-free pooled/unpooled pair at such an RTT.

Expectation checks (shown, named in the verdict line when they fail, but not
changing the word: the claim is that round trips are paid, and more than the
textbook count is still paid): unpooled requests take 2 RTT over HTTP, 3
over TLS 1.3, 4 over TLS 1.2 (3 when the server counted most TLS 1.2
handshakes as resumed). The tolerance comes from the run itself, per round
trip k of the textbook count: the pooled request's excess over its 1 RTT
(what one round trip costs above the RTT here: the delayer's passes and the
wake-ups after each RTT/2 sleep) plus the unpooled request's whole p50 at
RTT 0 (its CPU with no sleep in between): tolerance = k x (pooled excess +
RTT-0 time / RTT), in RTTs. Why per round trip: the delayer's packet log
showed that what remains above the whole round trips is CPU between packets
(the TLS set-up, key exchange, signature, the response), spread over the
round trips, and each part starts from a sleep of RTT/2, so it costs more
than the same work back to back at RTT 0; the RTT-0 time once per round trip
bounds that, while a real wait in the delayer is a multiple of RTT/2 and
stays above the tolerance at the RTTs the rule checks. Without an RTT-0 run
the CPU term is not measured: a request above k x pooled excess is then
inconclusive, not failed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import fmt, models as model_registry, stats
from . import verdict as checks_mod

if TYPE_CHECKING:
    from . import results

SCENARIO = "rtt"
PROTOS = ("http", "https_tls1.3", "https_tls1.2")
PROTO_LABEL = {"http": "HTTP", "https_tls1.3": "HTTPS, TLS 1.3", "https_tls1.2": "HTTPS, TLS 1.2"}
# Round trips a new connection must add at the least (TCP, plus TLS).
MIN_EXTRA_RTTS = {"http": 1.0, "https_tls1.3": 2.0, "https_tls1.2": 2.0}

MIN_RTT_MS = 10
POOLED_MAX = 1.5
SLACK = 0.25
REFUTED_BELOW = 0.5
TEXTBOOK_RTTS = {"http": 2, "https_tls1.3": 3, "https_tls1.2": 4}
RESUMED_TLS12_RTTS = 3     # a resumed TLS 1.2 handshake takes one round trip, not two
RESUMED_MAJORITY = 0.5     # "resumed" when the server counted more than this share as resumed
MIN_TOLERANCE_RTTS = 0.05  # never tighter than this: the delayer's own jitter

RULE_TEXT = (
    f"At the largest RTT of the run (at least {MIN_RTT_MS} ms), error-free runs, TLS session cache on: "
    f"P = median over models of the pooled p50 latency in RTTs, U = the same unpooled, per protocol. "
    f"**Confirmed** when P < {POOLED_MAX} RTT for every protocol and U − P is at least the round trips "
    f"a new connection costs at the least, less {SLACK}: 1 (TCP handshake) over HTTP, 2 (TCP + TLS "
    f"handshake; a resumed TLS 1.2 handshake takes one round trip, like a full TLS 1.3 one) over HTTPS; "
    f"**refuted** when U − P < {REFUTED_BELOW} RTT for every protocol; **nuanced** when a check clearly "
    f"fails; **inconclusive: noise** when an interval straddles its bound; **inconclusive** without an "
    f"error-free pair at such an RTT. P, U and U − P are computed per repetition (median over models of "
    f"repetition i) and carry 95 % confidence intervals; a check passes only when its whole interval "
    f"clears its bound. Expectation checks (2 / 3 / 4 RTT unpooled over HTTP / TLS 1.3 / TLS 1.2, 3 for "
    f"TLS 1.2 when most handshakes were resumed) are shown and named when they fail but do not change the "
    f"word. Their tolerance is taken from the run, per round trip of the textbook count k: k × (the pooled "
    f"request's excess over its 1 RTT + the unpooled request's p50 at RTT 0 ÷ RTT): what remains above the "
    f"whole round trips is CPU between packets, each part starting from a sleep of RTT/2, so it costs more "
    f"than back to back at RTT 0, while a real wait in the delayer is a multiple of RTT/2. Without an RTT-0 "
    f"run that CPU is not measured, and a request above k × the pooled excess is inconclusive, not failed.")


@dataclass(frozen=True)
class Key:
    model: str
    mode: str            # pool | nopool
    proto: str           # http | https_tls1.2 | https_tls1.3
    rtt_ms: float
    session_cache: str   # on | off


def key(run: results.Run) -> Key:
    n = run.name
    model, mode, proto = (list(n.labels) + [None, None, None])[:3]
    return Key(model, mode, proto, n.param("rtt_ms"), str(n.param("session_cache", "on")))


def by_key(runs: list[results.Run]) -> dict[Key, results.Run]:
    return {key(r): r for r in runs}


def models(runs: list[results.Run]) -> list[str]:
    """Models present, in the registry's order (models.py), unknown ones last."""
    return model_registry.ordered({key(r).model for r in runs})


def protos(runs: list[results.Run]) -> list[str]:
    present = {key(r).proto for r in runs}
    return [p for p in PROTOS if p in present]


def rtts(runs: list[results.Run]) -> list[float]:
    return sorted({key(r).rtt_ms for r in runs if key(r).rtt_ms is not None})


def p50_ms(run: results.Run | None) -> float | None:
    """Median over repetitions of the p50 latency, in ms; None for a failed or flagged run."""
    if run is None or run.flagged:
        return None
    v = run.median("p50_us")
    return None if v is None else v / 1000


def in_rtts(run: results.Run | None) -> float | None:
    """The p50 latency in round trips (median over repetitions); None at RTT 0 or for a flagged run."""
    if run is None or run.flagged or not key(run).rtt_ms:
        return None
    v = run.median("p50_rtts")
    if v is None:
        ms = p50_ms(run)
        v = None if ms is None else ms / key(run).rtt_ms
    return v


def cell(runs: list[results.Run], model: str, mode: str, proto: str, rtt_ms: float,
         session_cache: str = "on") -> results.Run | None:
    return by_key(runs).get(Key(model, mode, proto, rtt_ms, session_cache))


def speedup(runs: list[results.Run], model: str, proto: str, rtt_ms: float) -> float | None:
    """p50 unpooled ÷ p50 pooled for one model, protocol and RTT; None unless both are clean."""
    a = p50_ms(cell(runs, model, "pool", proto, rtt_ms))
    b = p50_ms(cell(runs, model, "nopool", proto, rtt_ms))
    return b / a if a and b is not None else None


@dataclass
class Verdict(checks_mod.Line):
    word: str
    sentence: str  # what was measured; .line renders '**Word**: sentence' (verdict.line)
    rtt_ms: float | None = None
    pooled: dict = field(default_factory=dict)     # proto -> P (RTTs)
    unpooled: dict = field(default_factory=dict)   # proto -> U (RTTs)
    reasons: list[str] = field(default_factory=list)
    checks: list[checks_mod.Check] = field(default_factory=list)        # rule checks (decide the word)
    expectations: list[checks_mod.Check] = field(default_factory=list)  # expectation checks (shown, named)
    saved_ci: dict = field(default_factory=dict)      # proto -> U - P (RTTs) with CI


def medians_at(runs: list[results.Run], rtt_ms: float, mode: str, session_cache: str = "on") -> dict[str, float | None]:
    out = {}
    for proto in protos(runs):
        values = [in_rtts(cell(runs, m, mode, proto, rtt_ms, session_cache)) for m in models(runs)]
        out[proto] = stats.median([v for v in values if v is not None])
    return out


def _rep_rtts(run: results.Run | None) -> list[float]:
    """p50 in RTTs per repetition; [] for a missing, failed or flagged run, or at RTT 0."""
    if run is None or run.flagged or not key(run).rtt_ms:
        return []
    values = run.values("p50_rtts")
    if not values:
        values = [v / 1000 / key(run).rtt_ms for v in run.values("p50_us")]
    return values


def per_rep_medians(runs: list[results.Run], rtt_ms: float, mode: str, proto: str,
                    session_cache: str = "on") -> list[float]:
    """Repetition i: the median over models of their i-th p50 in RTTs."""
    return stats.median_across([_rep_rtts(cell(runs, m, mode, proto, rtt_ms, session_cache))
                                for m in models(runs)])


def resumed_fraction(runs: list[results.Run], rtt_ms: float, proto: str, session_cache: str = "on") -> float | None:
    """Median over models of tls_resumed ÷ tls_handshakes on the unpooled runs; None without TLS counts."""
    fractions = []
    for m in models(runs):
        r = cell(runs, m, "nopool", proto, rtt_ms, session_cache)
        if r is None or r.flagged:
            continue
        f = stats.factor(r.median("tls_resumed"), r.median("tls_handshakes"))
        if f is not None:
            fractions.append(f)
    return stats.median(fractions)


def expected_rtts(runs: list[results.Run], rtt_ms: float, proto: str, session_cache: str = "on") -> int | None:
    """The textbook round trips of an unpooled request: TLS 1.2 resumed takes one fewer."""
    if proto == "https_tls1.2":
        f = resumed_fraction(runs, rtt_ms, proto, session_cache)
        if f is not None and f > RESUMED_MAJORITY:
            return RESUMED_TLS12_RTTS
    return TEXTBOOK_RTTS.get(proto)


def rtt0_ms(runs: list[results.Run], proto: str, session_cache: str = "on") -> float | None:
    """Median over models of the unpooled p50 at RTT 0 (ms): the request's CPU and the delayer's
    passes, with no sleep between packets; None without an error-free RTT-0 run."""
    at0 = [p50_ms(cell(runs, m, "nopool", proto, 0, session_cache)) for m in models(runs)]
    return stats.median([v for v in at0 if v is not None])


def tolerance_rtts(runs: list[results.Run], rtt_ms: float, proto: str, pooled_p: float, k: int,
                   session_cache: str = "on") -> tuple[float, float | None]:
    """(tolerance above k in RTTs at rtt_ms, RTT-0 time in ms or None): per round trip, the pooled
    request's excess over its 1 RTT plus the unpooled request's p50 at RTT 0 (see the module doc);
    at least MIN_TOLERANCE_RTTS. Without an RTT-0 run only the pooled excess is counted."""
    excess = max((pooled_p or 1.0) - 1.0, 0.0)
    cpu_ms = rtt0_ms(runs, proto, session_cache)
    per_trip = excess + (cpu_ms / rtt_ms if cpu_ms is not None else 0.0)
    return max(k * per_trip, MIN_TOLERANCE_RTTS), cpu_ms


def expectation_check(runs: list[results.Run], rtt_ms: float, proto: str, u_ci: stats.Interval, pooled_p: float,
                      session_cache: str = "on") -> checks_mod.Check:
    k = expected_rtts(runs, rtt_ms, proto, session_cache)
    tol, cpu_ms = tolerance_rtts(runs, rtt_ms, proto, pooled_p, k, session_cache)
    est, lo, hi = u_ci
    resumed = proto == "https_tls1.2" and k == RESUMED_TLS12_RTTS
    off = ", session_cache:off" if session_cache == "off" else ""
    name = f"unpooled {PROTO_LABEL[proto]}{off} takes {k} RTT" + (" (resumed handshakes)" if resumed else "")
    above = lo is not None and lo > k + tol
    if est is None or lo is None or hi is None:
        status = checks_mod.UNDECIDED
    elif lo >= k - MIN_TOLERANCE_RTTS and hi <= k + tol:
        status = checks_mod.PASSED
    elif hi < k - MIN_TOLERANCE_RTTS or (above and cpu_ms is not None):
        status = checks_mod.FAILED
    else:
        status = checks_mod.UNDECIDED
    excess = max((pooled_p or 1.0) - 1.0, 0.0)
    # The floor is the delayer's jitter; say so when it, not the run's figures, sets the tolerance.
    eq = "≥" if tol == MIN_TOLERANCE_RTTS else "="
    floor = f" (at least {fmt.sig(MIN_TOLERANCE_RTTS)} RTT: the delayer's jitter)" if eq == "≥" else ""
    if cpu_ms is not None:
        note = (f"tolerance from the run: +{fmt.sig(tol)} RTT ({fmt.sig(tol * rtt_ms)} ms) {eq} {k} round trips × "
                f"(pooled excess {fmt.sig(excess)} RTT + RTT-0 request time {fmt.sig(cpu_ms)} ms){floor}")
    else:
        note = (f"tolerance from the run: +{fmt.sig(tol)} RTT {eq} {k} round trips × pooled excess "
                f"{fmt.sig(excess)} RTT{floor}; no RTT-0 run, so the CPU between packets is not measured"
                + (": above it is inconclusive, not failed" if above else ""))
    if status == checks_mod.FAILED and est is not None and est > k:
        note += f"; {fmt.sig(est - k)} RTT ({fmt.sig((est - k) * rtt_ms)} ms) above {k}"
    subject = f"unpooled {PROTO_LABEL[proto]}{off}"
    return checks_mod.Check(name, status, est, lo, hi,
                            f"{fmt.sig(k - MIN_TOLERANCE_RTTS)}–{fmt.sig(k + tol)} RTT", " RTT", note, k, subject)


def python_figures(runs: list[results.Run], rtt_ms: float, protocols: list[str]) -> str:
    """' The Python libraries themselves: `py_aiohttp` (aiohttp.ClientSession) unpooled 2.05 / 3.17
    / 4.17 RTT, pooled 1.03 / …': the figure a reader of the claim quotes, beside the median."""
    out = []
    for m in models(runs):
        entry = model_registry.get(m)
        if not entry.is_python:
            continue
        cells = {mode: [in_rtts(cell(runs, m, mode, p, rtt_ms)) for p in protocols] for mode in ("nopool", "pool")}
        if any(v is None for vs in cells.values() for v in vs):
            continue
        out.append(f"`{m}` ({entry.python_api}) " + ", ".join(
            f"{'unpooled' if mode == 'nopool' else 'pooled'} " + " / ".join(fmt.sig(v) for v in vs) + " RTT"
            for mode, vs in cells.items()))
    if not out:
        return ""
    return (" The Python libraries themselves (" + " / ".join(PROTO_LABEL[p] for p in protocols) + "): "
            + "; ".join(out) + ".")


def decide(runs: list[results.Run]) -> Verdict:
    usable = [r for r in rtts(runs) if r >= MIN_RTT_MS]
    if not usable:
        return Verdict("inconclusive", f"no run at an RTT of {MIN_RTT_MS} ms or more.")
    failed = [r for r in runs if r.failed]
    if failed and len(failed) == len(runs):
        return Verdict("inconclusive", f"every benchmark was skipped: {failed[0].error_message}")
    rtt_ms = usable[-1]
    pooled, unpooled = medians_at(runs, rtt_ms, "pool"), medians_at(runs, rtt_ms, "nopool")
    both = [p for p in protos(runs) if pooled.get(p) is not None and unpooled.get(p) is not None]
    if not both:
        return Verdict("inconclusive", f"no error-free pooled/unpooled pair at RTT {fmt.param(rtt_ms)} ms.",
                       rtt_ms)
    checks, expectations, saved_ci, reasons = [], [], {}, []
    for p in both:
        p_reps = per_rep_medians(runs, rtt_ms, "pool", p)
        u_reps = per_rep_medians(runs, rtt_ms, "nopool", p)
        p_ci = stats.ratio_ci(p_reps)
        d_ci = stats.mean_ci([u - q for u, q in zip(u_reps, p_reps)])
        saved_ci[p] = d_ci
        checks.append(checks_mod.below(f"pooled {PROTO_LABEL[p]} p50", p_ci, POOLED_MAX, unit=" RTT"))
        checks.append(checks_mod.at_least(f"round trips a new connection adds over {PROTO_LABEL[p]} (U − P)",
                                          d_ci, MIN_EXTRA_RTTS[p] - SLACK, unit=" RTT"))
        expectations.append(expectation_check(runs, rtt_ms, p, stats.mean_ci(u_reps), pooled[p]))
        off = per_rep_medians(runs, rtt_ms, "nopool", p, "off")
        if off and p != "http":
            expectations.append(expectation_check(runs, rtt_ms, p, stats.mean_ci(off), pooled[p], "off"))
    for c in checks:
        if c.status == checks_mod.FAILED:
            reasons.append(f"{c.name}: {c.figure}, needs {c.threshold}")
    if all(saved_ci[p][2] is not None and saved_ci[p][2] < REFUTED_BELOW for p in both):
        word = checks_mod.REFUTED
    else:
        word = checks_mod.word_from(checks)
        if word == checks_mod.CONFIRMED and len(both) < len(protos(runs)):
            word = checks_mod.NUANCED
            reasons.append("not every protocol has an error-free pair")
    parts = ", ".join(f"{fmt.sig(unpooled[p])} RTT over {PROTO_LABEL[p]}" for p in both)
    pooled_text = " / ".join(fmt.sig(pooled[p]) for p in both)
    saved = ", ".join(f"{fmt.sig(saved_ci[p][0])} RTT ({fmt.ci(saved_ci[p][1], saved_ci[p][2], ' RTT')})"
                      for p in both)
    sentence = (f"at RTT {fmt.param(rtt_ms)} ms, without pooling each request paid "
                f"{parts}; pooled {pooled_text} RTT (p50, median over models); a new connection added {saved}."
                + python_figures(runs, rtt_ms, both))
    if word == checks_mod.NOISE:
        sentence += " Undecided by noise: " + checks_mod.noise_text(checks) + "."
    elif reasons:
        sentence += " " + checks_mod.capitalised("; ".join(reasons)) + "."
    off_textbook = [e for e in expectations if e.status == checks_mod.FAILED]
    if off_textbook:
        sentence += (" Off the textbook count: " + "; ".join(f"{e.subject} {fmt.sig(e.estimate)} RTT (expected "
                                                              f"{e.expected})" for e in off_textbook) + ".")
    return Verdict(word, sentence, rtt_ms, pooled, unpooled, reasons, checks, expectations, saved_ci)
