"""Scenario rtt: what pooling saves when a round trip costs time (claim C1
over a network). verdict() gives the one-line verdict for the index;
page.write_page() writes charts/ and README.md under DIR/rtt/, from the
shared page parts (page.py) plus this module's prose. Every figure comes
from the results.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import fmt, headline as hl, models, page, stats
from . import rtt_verdict as rv

if TYPE_CHECKING:
    from . import results
    from .results import Run  # for nested functions, where a parameter named results hides the module

NAME = "rtt"
TITLE = "RTT: on a real network every new connection costs round trips"
HEADLINE_CHART = "charts/rtt_latency.png"

CLAIM = (
    "On loopback a round trip takes microseconds, so the saving from pooling shows up mostly as CPU. "
    "On a real network every handshake costs round trips: a new TCP connection one (SYN, SYN-ACK) before "
    "the request can go, TLS 1.3 one more, TLS 1.2 two more. A pooled connection pays them once. Here the "
    "kernel really delays the packets: bench runs the clients and the mock servers in a private network "
    "namespace where every packet to or from the servers' ports waits RTT/2, and the benchmarks sweep the "
    "RTT.")


def verdict(results: results.Results) -> rv.Verdict:
    return rv.decide(results.runs)


def headline(results: results.Results) -> list[hl.Figure]:
    """What the verdict line quotes with an interval: the round trips a new connection adds
    (U − P, median over models, per repetition) per protocol at the largest RTT the rule uses."""
    v = rv.decide(results.runs)
    if v.rtt_ms is None:
        return []
    return hl.measured(hl.figure(f"round trips a new connection adds, {rv.PROTO_LABEL[p]}, RTT {fmt.param(v.rtt_ms)} ms",
                                 v.saved_ci.get(p), unit=" RTT")
                       for p in rv.PROTOS if p in v.saved_ci)


def sections(results: results.Results, charts_written: dict[str, list[str]], v: rv.Verdict) -> list[str]:
    """The page between its claim and its footer (see page.write_page)."""
    runs = results.runs
    return [
        "## Setup\n\n" + _setup(results),
        "## Charts\n\n" + _charts(results, charts_written),
        "## Verdict\n\n" + _verdict_section(runs, v),
        "## Why it happens\n\n" + _why(runs, v),
        "## In an interview\n\n" + _interview(runs, v),
        "## Caveats\n\n" + _caveats(results),
        "## Numbers\n\n" + _numbers(results),
        "## Errors\n\n" + page.errors_section(results),
    ]


def _setup(results: results.Results) -> str:
    ctx, runs = results.ctx, results.runs
    sizes: dict[float, set[float]] = {}
    for r in runs:
        for n in r.values("requests"):
            sizes.setdefault(rv.key(r).rtt_ms, set()).add(n)
    requests = "; ".join(f"RTT {fmt.param(x)} ms: {' to '.join(fmt.count(n) for n in sorted({min(ns), max(ns)}))}"
                         for x, ns in sorted(sizes.items()))
    fewest = min((n for ns in sizes.values() for n in ns), default=None)
    session_cache_off = any(rv.key(r).session_cache == "off" for r in runs)
    rows = [
        ("servers", "three mockd of this scenario's own (`--engine asio --threads 1`): plain HTTP, HTTPS "
                    "limited to TLS 1.2, HTTPS limited to TLS 1.3; server delay 0"),
        ("client models", ", ".join(models.get(m).table_label() for m in rv.models(runs)) + ", all at "
                          "concurrency 1 (one request at a time, so a request's latency counts its round trips)"),
        ("modes", "`pool` (connections reused), `nopool` (a new connection per request)"
                  + ("; `session_cache:off`: libcurl's TLS session cache off (blocking_curl unpooled HTTPS)"
                     if session_cache_off else "")),
        ("RTTs", ", ".join(f"{fmt.param(x)} ms" for x in rv.rtts(runs))
                 + (f": the RTT the verdict reads, and no other; {SWEEP_NOTE}" if one_rtt(results) else "")),
        ("emulation", "private network namespace; iptables sends TCP packets to and from each server port "
                      "on `lo` to an NFQUEUE; a delayer releases each RTT/2 after it arrived, in order, "
                      "without loss; self-checked before measuring (connect ≈ 1 RTT, first byte ≈ 2 RTT "
                      "new, 1 RTT reused)"),
        ("requests per repetition", (requests + "; fewer at large RTTs, so each repetition lasts about "
                                     f"0.2 s (0.1 s quick), at least {fmt.count(fewest)}")
                                    if requests and fewest is not None else "not recorded"),
    ]
    return page.setup_table(results, rows)


# A run that measured one RTT (the default grid measures the verdict's and no other) says where the
# sweep over RTTs is, rather than drawing a trend from one point.
SWEEP_NOTE = ("the sweep over RTTs, with every model, is in the committed reference, `results/rtt/README.md` "
              "(measured by `bench --reference`)")


def one_rtt(results: results.Results) -> bool:
    """True for a run that measured a single RTT (the default grid), not a sweep."""
    return len(rv.rtts(results.runs)) == 1


def _charts(results: results.Results, written: dict[str, list[str]]) -> str:
    x = rv.rtts(results.runs)[0] if one_rtt(results) else None
    text = page.charts_section(written, {
        "rtt_latency": ("p50 latency per request against the RTT, one line per model and mode; the grey "
                        "lines are 1, 2, 3 and 4 round trips." if x is None else
                        f"p50 latency per request at RTT {fmt.param(x)} ms, one point per model and mode; the "
                        f"grey lines are 1, 2, 3 and 4 round trips."),
        "rtt_speedup": "What pooling saves, against the RTT: the factor (unpooled p50 ÷ pooled p50, top) "
                       "falls as the RTT grows, while the time saved per request (unpooled p50 − pooled "
                       "p50, bottom) grows with it: pooling matters more on a real network, not less.",
    })
    if written and x is not None:
        text += (f"\n\nNo chart of what pooling saves against the RTT: this run measured one, {fmt.param(x)} ms; "
                 f"{SWEEP_NOTE}. At {fmt.param(x)} ms, the factor and the time saved are in the table "
                 f"\"What pooling saves per request\" under the verdict.")
    return text


def _verdict_section(runs: list[results.Run], v: rv.Verdict) -> str:
    out = [page.verdict_section(rv.RULE_TEXT, v, v.checks, "rtt_verdict.py")]
    if v.expectations:
        out.append("Expectation checks (shown, not deciding the word): an unpooled request's round trips "
                   "against the textbook count k, with a tolerance taken from this run: k × (the pooled request's "
                   "excess over its 1 RTT + the unpooled request's p50 at RTT 0 ÷ RTT), since the CPU between "
                   "packets is spread over the round trips and each part starts from a sleep of RTT/2.\n\n"
                   + page.checks_table(v.expectations))
    xs = [x for x in rv.rtts(runs) if x > 0]
    rows = []
    for model in rv.models(runs):
        for mode, cache in (("pool", "on"), ("nopool", "on"), ("nopool", "off")):
            cells = [rv.in_rtts(rv.cell(runs, model, mode, p, x, cache)) for p in rv.protos(runs) for x in xs]
            if any(c is not None for c in cells):
                label = f"`{model}` {mode}" + (", session_cache:off" if cache == "off" else "")
                rows.append([label] + [fmt.sig(c) for c in cells])
    header = ["model, mode"] + [f"{rv.PROTO_LABEL[p]}, RTT {fmt.param(x)} ms" for p in rv.protos(runs) for x in xs]
    out.append("p50 latency in round trips (p50 ÷ RTT; median over repetitions):\n\n" + fmt.table(header, rows))
    out.append("### What pooling saves per request\n\n" + _saved_table(runs))
    resumed = _resumed_table(runs)
    if resumed:
        out.append("### TLS session resumption: resumed vs full handshakes\n\n" + resumed)
    return "\n\n".join(out)


def saved_ms(runs: list[results.Run], model: str, proto: str, rtt_ms: float) -> float | None:
    """Unpooled p50 − pooled p50 (ms) for one model, protocol and RTT; None unless both are clean."""
    a = rv.p50_ms(rv.cell(runs, model, "pool", proto, rtt_ms))
    b = rv.p50_ms(rv.cell(runs, model, "nopool", proto, rtt_ms))
    return None if a is None or b is None else b - a


def _saved_table(runs: list[results.Run]) -> str:
    xs = rv.rtts(runs)
    rows = []
    for proto in rv.protos(runs):
        cells = []
        for x in xs:
            f = stats.median([rv.speedup(runs, m, proto, x) for m in rv.models(runs)
                              if rv.speedup(runs, m, proto, x) is not None])
            d = stats.median([saved_ms(runs, m, proto, x) for m in rv.models(runs)
                              if saved_ms(runs, m, proto, x) is not None])
            cells.append(fmt.DASH if f is None else f"{fmt.times(f)}; saves {fmt.sig(d)} ms")
        rows.append([rv.PROTO_LABEL[proto]] + cells)
    return ("Median over models of the factor (unpooled p50 ÷ pooled p50) and of the time saved per request "
            "(unpooled p50 − pooled p50). The factor shrinks as the RTT grows because both sides pay the "
            "request's own round trip; the time saved grows with every round trip a new connection costs.\n\n"
            + fmt.table(["protocol"] + [f"RTT {fmt.param(x)} ms" for x in xs], rows))


def _resumed_table(runs: list[results.Run]) -> str:
    """Per TLS protocol and RTT > 0: unpooled with the cache on (server-counted resumed share, RTTs)
    against session_cache:off (full handshakes), for the models that ran both."""
    rows = []
    for proto in [p for p in rv.protos(runs) if p != "http"]:
        for x in [x for x in rv.rtts(runs) if x > 0]:
            for m in rv.models(runs):
                on = rv.cell(runs, m, "nopool", proto, x, "on")
                off = rv.cell(runs, m, "nopool", proto, x, "off")
                if on is None or off is None or on.flagged or off.flagged:
                    continue
                share = stats.factor(on.median("tls_resumed"), on.median("tls_handshakes"))
                rows.append([rv.PROTO_LABEL[proto], f"{fmt.param(x)} ms", f"`{m}`", fmt.pct(share),
                             fmt.sig(rv.in_rtts(on)), fmt.sig(rv.in_rtts(off)),
                             fmt.sig(None if rv.in_rtts(off) is None or rv.in_rtts(on) is None
                                     else rv.in_rtts(off) - rv.in_rtts(on))])
    if not rows:
        return ""
    return ("Unpooled requests with libcurl's TLS session cache on (the default; the server counts the "
            "resumed handshakes) against `session_cache:off` (every handshake full). A resumed TLS 1.2 "
            "handshake saves a round trip; a resumed TLS 1.3 one saves CPU, not round trips.\n\n"
            + fmt.table(["protocol", "RTT", "model", "resumed (cache on)", "RTTs, cache on", "RTTs, cache off",
                         "difference (RTT)"], rows))


def _extra(runs: list[results.Run], proto: str, rtt_ms: float, mode: str = "nopool") -> float | None:
    """Median over models of unpooled minus pooled p50, in RTTs."""
    diffs = []
    for m in rv.models(runs):
        a = rv.in_rtts(rv.cell(runs, m, "pool", proto, rtt_ms))
        b = rv.in_rtts(rv.cell(runs, m, mode, proto, rtt_ms))
        if a is not None and b is not None:
            diffs.append(b - a)
    return stats.median(diffs)


def _why(runs: list[results.Run], v: rv.Verdict) -> str:
    out = [
        "- **TCP**: `connect()` returns after the SYN has gone out and the SYN-ACK come back: one round "
        "trip before the request can be sent. The request and its response are one more.",
        "- **TLS 1.3**: ClientHello and ServerHello...Finished take one more round trip; the request goes "
        "with the client's Finished. **TLS 1.2**: two more round trips (hello exchange, then key exchange "
        "and Finished); a resumed TLS 1.2 session needs one.",
        "- **Pooled**: the connection and its TLS session are already there: one round trip per request.",
    ]
    if v.rtt_ms:
        for proto in rv.protos(runs):
            e = _extra(runs, proto, v.rtt_ms)
            if e is not None:
                out.append(f"- Measured at RTT {fmt.param(v.rtt_ms)} ms, {rv.PROTO_LABEL[proto]}: a new connection "
                           f"added {fmt.sig(e)} RTT to the median request (median over models).")
        resumed = [r for r in runs if not r.flagged and rv.key(r).mode == "nopool" and rv.key(r).rtt_ms == v.rtt_ms
                   and (r.median("tls_resumed") or 0) > 0]
        if resumed:
            names = ", ".join(f"`{r.name.text}`" for r in resumed)
            out.append(f"- TLS sessions were resumed (server count) in {names}; a resumed TLS 1.3 handshake "
                       f"still takes its round trip, so the cache saves CPU there, not round trips.")
    off = [e for e in v.expectations if e.status == "failed" and e.estimate is not None]
    if off and v.rtt_ms:
        listed = "; ".join(f"{e.subject} {fmt.sig(e.estimate)} RTT, expected {e.expected} "
                           f"({fmt.sig((e.estimate - e.expected) * v.rtt_ms)} ms more)" for e in off)
        out.append(f"- Beyond the tolerance this run allows (per round trip, the pooled excess plus the "
                   f"request's own time at RTT 0; see the expectation checks), at RTT {fmt.param(v.rtt_ms)} ms: "
                   f"{listed}. Time "
                   f"beyond a handshake's CPU is waiting: one side holding a write until an acknowledgement "
                   f"comes back (Nagle's algorithm, delayed ACKs) would do it.")
    at0 = stats.median([rv.p50_ms(rv.cell(runs, m, "nopool", p, 0)) for m in rv.models(runs)
                        for p in rv.protos(runs) if p != "http"
                        and rv.p50_ms(rv.cell(runs, m, "nopool", p, 0)) is not None])
    if at0 is not None:
        out.append(f"- Small fractions above a whole number of round trips are CPU: at RTT 0, where only CPU "
                   f"and the delayer remain, an unpooled HTTPS request took {fmt.sig(at0)} ms at the median.")
    return "\n".join(out)


def _interview(runs: list[results.Run], v: rv.Verdict) -> str:
    if not v.unpooled:
        return "> Not enough data for an answer."
    parts = ", ".join(f"{fmt.sig(v.unpooled[p])} over {rv.PROTO_LABEL[p]}" for p in v.unpooled
                      if v.unpooled[p] is not None)
    pooled = stats.median([x for x in v.pooled.values() if x is not None])
    saved = stats.median([saved_ms(runs, m, p, v.rtt_ms) for m in rv.models(runs) for p in rv.protos(runs)
                          if p != "http" and saved_ms(runs, m, p, v.rtt_ms) is not None])
    text = (f"> On a network, each new connection costs round trips before the request can even be sent: the "
            f"TCP handshake, then TLS. With a {fmt.param(v.rtt_ms)} ms round trip, a request on a fresh "
            f"connection took {parts} round trips at the median, and a request on a pooled connection "
            f"{fmt.sig(pooled)}")
    if saved is not None:
        text += f": pooling saved {fmt.sig(saved)} ms per HTTPS request"
    return text + (". The speed-up factor looks smaller than on loopback, but the time saved is far larger. "
                   "Cross-region, that is hundreds of milliseconds per request: reuse the session and its "
                   "connection pool, don't open one per request.")


def _caveats(results: results.Results) -> str:
    items = [
        "The emulation delays every packet by the same RTT/2, first in first out: no loss, no jitter, no "
        "bandwidth limit (no serialisation delay, no slow-start effect beyond what the round trips impose), "
        "so large bodies and congestion are not modelled. Requests here are small (16-byte bodies).",
        "Packets pass through a user-space delayer: a few tens of microseconds each on top of the RTT; "
        "at RTT 0 they pass through it undelayed, so RTT 0 is loopback plus that cost.",
        "One request at a time: concurrency would overlap round trips and hide them in throughput, which "
        "is the [pooling](../pooling/README.md) scenario's subject.",
        "Needs root or CAP_NET_ADMIN (a network namespace and iptables); without it the benchmarks are "
        "skipped with the reason, never faked.",
    ]
    return page.caveats(results, items, counter="p50_us", what="p50")


def _numbers(results: results.Results) -> str:
    def tls(r: Run) -> str:
        if rv.key(r).proto == "http":
            return fmt.DASH
        return f"{fmt.count(r.median('tls_handshakes'))} / {fmt.count(r.median('tls_resumed'))}"
    columns = [
        page.counter_column("p50 ms", "p50_us", scale=1e-3),
        page.counter_column("p50 RTTs", "p50_rtts"),
        page.cv_column("p50_us", "CV of p50"),
        page.counter_column("p99 ms", "p99_us", scale=1e-3),
        page.counter_column("req/s", "req_per_s"),
        page.counter_column("requests", "requests", fmt.count),
        page.counter_column("conns opened", "conns_opened", fmt.count),
        page.Column("TLS handshakes / resumed", tls),
    ]
    note = ("Medians over the repetitions; CV = standard deviation ÷ mean of p50 over the repetitions; "
            "connections and TLS counts per repetition, counted by the server. ⚠ marks a failed benchmark "
            "or one with errors.")
    return page.numbers_table(results, columns, note=note)
