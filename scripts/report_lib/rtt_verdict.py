"""Scenario rtt (issue 6): what a new connection costs in round trips, with
the kernel delaying every packet by RTT/2 each way (see rtt/ in the repo).

Benchmark names: rtt/<model>/<pool|nopool>/<http|https_tls1.2|https_tls1.3>
/rtt_ms:<R>[/session_cache:off]. Every model runs one request at a time, so a
request's p50 latency divided by the RTT (the `p50_rtts` counter) is the
number of round trips it paid.

The rule (also printed on the page, keep RULE_TEXT in step with decide()):
at the largest RTT of the run (at least MIN_RTT_MS), over error-free runs
with libcurl's TLS session cache on (its default), per protocol:
P = median over models of the pooled p50 in RTTs, U = the same unpooled.
- confirmed:   P < POOLED_MAX for every protocol, and U - P is at least the
               round trips a new connection must cost at the least, less
               SLACK: 1 (TCP) over HTTP, 2 (TCP + TLS) over HTTPS; a resumed
               TLS 1.2 handshake takes 1 round trip, like TLS 1.3's full one.
- refuted:     U - P < REFUTED_BELOW for every protocol: no round trips saved.
- nuanced:     anything in between.
- inconclusive: no error-free pooled/unpooled pair at such an RTT.
"""
from dataclasses import dataclass, field

from . import fmt, stats

SCENARIO = "rtt"
MODEL_ORDER = ("asio_coro", "blocking_curl", "curl_multi")
PROTOS = ("http", "https_tls1.3", "https_tls1.2")
PROTO_LABEL = {"http": "HTTP", "https_tls1.3": "HTTPS, TLS 1.3", "https_tls1.2": "HTTPS, TLS 1.2"}
# Round trips a new connection must add at the least (TCP, plus TLS).
MIN_EXTRA_RTTS = {"http": 1.0, "https_tls1.3": 2.0, "https_tls1.2": 2.0}

MIN_RTT_MS = 10
POOLED_MAX = 1.5
SLACK = 0.25
REFUTED_BELOW = 0.5

RULE_TEXT = (
    f"At the largest RTT of the run (at least {MIN_RTT_MS} ms), error-free runs, TLS session cache on: "
    f"P = median over models of the pooled p50 latency in RTTs, U = the same unpooled, per protocol. "
    f"**Confirmed** when P < {POOLED_MAX} RTT for every protocol and U − P is at least the round trips "
    f"a new connection costs at the least, less {SLACK}: 1 (TCP handshake) over HTTP, 2 (TCP + TLS "
    f"handshake; a resumed TLS 1.2 handshake takes one round trip, like a full TLS 1.3 one) over HTTPS; "
    f"**refuted** when U − P < {REFUTED_BELOW} RTT for every protocol; **nuanced** otherwise; "
    f"**inconclusive** without an error-free pair at such an RTT.")


@dataclass(frozen=True)
class Key:
    model: str
    mode: str            # pool | nopool
    proto: str           # http | https_tls1.2 | https_tls1.3
    rtt_ms: float
    session_cache: str   # on | off


def key(run):
    n = run.name
    model, mode, proto = (list(n.labels) + [None, None, None])[:3]
    return Key(model, mode, proto, n.param("rtt_ms"), str(n.param("session_cache", "on")))


def by_key(runs):
    return {key(r): r for r in runs}


def models(runs):
    present = {key(r).model for r in runs}
    return [m for m in MODEL_ORDER if m in present] + sorted(present - set(MODEL_ORDER))


def protos(runs):
    present = {key(r).proto for r in runs}
    return [p for p in PROTOS if p in present]


def rtts(runs):
    return sorted({key(r).rtt_ms for r in runs if key(r).rtt_ms is not None})


def p50_ms(run):
    """Median over repetitions of the p50 latency, in ms; None for a failed or flagged run."""
    if run is None or run.flagged:
        return None
    v = run.median("p50_us")
    return None if v is None else v / 1000


def in_rtts(run):
    """The p50 latency in round trips (median over repetitions); None at RTT 0 or for a flagged run."""
    if run is None or run.flagged or not key(run).rtt_ms:
        return None
    v = run.median("p50_rtts")
    if v is None:
        ms = p50_ms(run)
        v = None if ms is None else ms / key(run).rtt_ms
    return v


def cell(runs, model, mode, proto, rtt_ms, session_cache="on"):
    return by_key(runs).get(Key(model, mode, proto, rtt_ms, session_cache))


def speedup(runs, model, proto, rtt_ms):
    """p50 unpooled ÷ p50 pooled for one model, protocol and RTT; None unless both are clean."""
    a = p50_ms(cell(runs, model, "pool", proto, rtt_ms))
    b = p50_ms(cell(runs, model, "nopool", proto, rtt_ms))
    return b / a if a and b is not None else None


@dataclass
class Verdict:
    word: str
    line: str
    rtt_ms: float = None
    pooled: dict = field(default_factory=dict)     # proto -> P (RTTs)
    unpooled: dict = field(default_factory=dict)   # proto -> U (RTTs)
    reasons: list = field(default_factory=list)


def medians_at(runs, rtt_ms, mode, session_cache="on"):
    out = {}
    for proto in protos(runs):
        values = [in_rtts(cell(runs, m, mode, proto, rtt_ms, session_cache)) for m in models(runs)]
        out[proto] = stats.median([v for v in values if v is not None])
    return out


def decide(runs):
    usable = [r for r in rtts(runs) if r >= MIN_RTT_MS]
    if not usable:
        return Verdict("inconclusive", f"**Inconclusive**: no run at an RTT of {MIN_RTT_MS} ms or more.")
    failed = [r for r in runs if r.failed]
    if failed and len(failed) == len(runs):
        return Verdict("inconclusive", f"**Inconclusive**: every benchmark was skipped: "
                                       f"{failed[0].error_message}")
    rtt_ms = usable[-1]
    pooled, unpooled = medians_at(runs, rtt_ms, "pool"), medians_at(runs, rtt_ms, "nopool")
    both = [p for p in protos(runs) if pooled.get(p) is not None and unpooled.get(p) is not None]
    if not both:
        return Verdict("inconclusive", f"**Inconclusive**: no error-free pooled/unpooled pair at RTT "
                                       f"{fmt.param(rtt_ms)} ms.", rtt_ms)
    reasons = []
    for p in both:
        if pooled[p] >= POOLED_MAX:
            reasons.append(f"pooled {PROTO_LABEL[p]} took {fmt.sig(pooled[p])} RTT (≥ {POOLED_MAX})")
        if unpooled[p] - pooled[p] < MIN_EXTRA_RTTS[p] - SLACK:
            reasons.append(f"unpooled {PROTO_LABEL[p]} paid only {fmt.sig(unpooled[p] - pooled[p])} RTT more "
                           f"(expected at least {fmt.param(MIN_EXTRA_RTTS[p])})")
    if all(unpooled[p] - pooled[p] < REFUTED_BELOW for p in both):
        word = "refuted"
    elif reasons or len(both) < len(protos(runs)):
        word = "nuanced"
    else:
        word = "confirmed"
    parts = ", ".join(f"{fmt.sig(unpooled[p])} RTT over {PROTO_LABEL[p]}" for p in both)
    pooled_text = " / ".join(fmt.sig(pooled[p]) for p in both)
    line = (f"**{word.capitalize()}** at RTT {fmt.param(rtt_ms)} ms: without pooling each request paid "
            f"{parts}; pooled {pooled_text} RTT (p50, median over models).")
    return Verdict(word, line, rtt_ms, pooled, unpooled, reasons)
