"""Scenario rtt (issue 6): what pooling saves when a round trip costs time.
verdict() gives the one-line verdict for the index; page.write_page() writes
charts/ and README.md under DIR/rtt/. Every figure comes from the results.
"""
from . import fmt, stats
from . import rtt_verdict as rv

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


def verdict(results):
    return rv.decide(results.runs)


def sections(results, charts_written, v):
    """The page between its claim and its footer (see page.write_page)."""
    runs = results.runs
    return [
        "## Setup\n\n" + _setup(results),
        "## Charts\n\n" + _charts(charts_written),
        "## Verdict\n\n" + _verdict_section(runs, v),
        "## Why it happens\n\n" + _why(runs, v),
        "## In an interview\n\n" + _interview(runs, v),
        "## Caveats\n\n" + _caveats(results),
        "## Numbers\n\n" + _numbers(results),
        "## Errors\n\n" + _errors(results),
    ]


def _setup(results):
    ctx, runs = results.ctx, results.runs
    sizes = {}
    for r in runs:
        for n in r.values("requests"):
            sizes.setdefault(rv.key(r).rtt_ms, set()).add(n)
    requests = "; ".join(f"RTT {fmt.param(x)} ms: {' to '.join(fmt.count(n) for n in sorted({min(ns), max(ns)}))}"
                         for x, ns in sorted(sizes.items()))
    rows = [
        ("machine", ctx("suite_machine", "not recorded")),
        ("versions", ctx("suite_versions", "not recorded")),
        ("servers", "three mockd of this scenario's own (`--engine asio --threads 1`): plain HTTP, HTTPS "
                    "limited to TLS 1.2, HTTPS limited to TLS 1.3; server delay 0"),
        ("command", f"`{ctx('suite_command')}`" if ctx("suite_command") else "not recorded"),
        ("run", f"{ctx('date', 'date not recorded')}, "
                f"{'**quick** (fewer requests, numbers are rough)' if results.quick else 'full'}"),
        ("client models", ", ".join(f"`{m}`" for m in rv.models(runs)) + ", all at concurrency 1 (one "
                          "request at a time, so a request's latency counts its round trips)"),
        ("modes", "`pool` (connections reused), `nopool` (a new connection per request); "
                  "`session_cache:off`: libcurl's TLS session cache off (blocking_curl unpooled HTTPS)"),
        ("RTTs", ", ".join(f"{fmt.param(x)} ms" for x in rv.rtts(runs))),
        ("emulation", "private network namespace; iptables sends TCP packets to and from each server port "
                      "on `lo` to an NFQUEUE; a delayer releases each RTT/2 after it arrived, in order, "
                      "without loss; self-checked before measuring (connect ≈ 1 RTT, first byte ≈ 2 RTT "
                      "new, 1 RTT reused)"),
        ("requests per repetition", (requests + "; fewer at large RTTs, so each repetition lasts about "
                                     "0.2 s (0.1 s quick), at least 5") if requests else "not recorded"),
        ("repetitions", f"{results.repetitions} per benchmark; medians and CV over them"),
    ]
    return fmt.table(["", ""], rows)


def _charts(written):
    if not written:
        return "Charts were not generated for this report (`--no-charts`)."
    captions = {
        "rtt_latency": "p50 latency per request against the RTT, one line per model and mode; the grey "
                       "lines are 1, 2, 3 and 4 round trips.",
        "rtt_speedup": "Pooled speed-up: unpooled p50 ÷ pooled p50, per model, against the RTT.",
    }
    return "\n\n".join(f"{captions[s]}\n\n![{s}](charts/{s}.png)\n([SVG](charts/{s}.svg))"
                       for s in written if s in captions)


def _verdict_section(runs, v):
    out = ["Rule (`scripts/report_lib/rtt_verdict.py`): " + rv.RULE_TEXT,
           f"Outcome: **{v.word}**." + (" " + "; ".join(v.reasons) + "." if v.reasons else "")]
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
    return "\n\n".join(out)


def _extra(runs, proto, rtt_ms, mode="nopool"):
    """Median over models of unpooled minus pooled p50, in RTTs."""
    diffs = []
    for m in rv.models(runs):
        a = rv.in_rtts(rv.cell(runs, m, "pool", proto, rtt_ms))
        b = rv.in_rtts(rv.cell(runs, m, mode, proto, rtt_ms))
        if a is not None and b is not None:
            diffs.append(b - a)
    return stats.median(diffs)


def _why(runs, v):
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
    textbook = {"http": 2, "https_tls1.3": 3, "https_tls1.2": 4}
    if v.rtt_ms:
        for proto in rv.protos(runs):
            u = v.unpooled.get(proto)
            if u is not None and u - textbook[proto] >= 0.25:
                out.append(f"- {rv.PROTO_LABEL[proto]} unpooled took {fmt.sig(u)} RTT at RTT {fmt.param(v.rtt_ms)} "
                           f"ms, {fmt.sig(u - textbook[proto])} RTT ({fmt.sig((u - textbook[proto]) * v.rtt_ms)} ms) "
                           f"more than the textbook {textbook[proto]}. That is more than a handshake's CPU, so it "
                           f"is waiting: one side holding a write until an acknowledgement comes back (Nagle's "
                           f"algorithm, delayed ACKs) would do it; the cause was not isolated here.")
    out.append("- Small fractions above a whole number of round trips are CPU: a full TLS handshake costs about "
               "2 ms of CPU on this kind of machine (see RTT 0, where only CPU remains).")
    return "\n".join(out)


def _interview(runs, v):
    if not v.unpooled:
        return "> Not enough data for an answer."
    parts = ", ".join(f"{fmt.sig(v.unpooled[p])} over {rv.PROTO_LABEL[p]}" for p in v.unpooled
                      if v.unpooled[p] is not None)
    pooled = stats.median([x for x in v.pooled.values() if x is not None])
    return (f"> On a network, each new connection costs round trips before the request can even be sent: the "
            f"TCP handshake, then TLS. With a {fmt.param(v.rtt_ms)} ms round trip, a request on a fresh "
            f"connection took {parts} round trips at the median, and a request on a pooled connection "
            f"{fmt.sig(pooled)}. Cross-region, that is hundreds of milliseconds per request: reuse the "
            f"session and its connection pool, don't open one per request.")


def _caveats(results):
    out = [
        "- The emulation delays every packet by the same RTT/2, first in first out: no loss, no jitter, no "
        "bandwidth limit (no serialisation delay, no slow-start effect beyond what the round trips impose), "
        "so large bodies and congestion are not modelled. Requests here are small (16-byte bodies).",
        "- Packets pass through a user-space delayer: a few tens of microseconds each on top of the RTT; "
        "at RTT 0 they pass through it undelayed, so RTT 0 is loopback plus that cost.",
        "- One request at a time: concurrency would overlap round trips and hide them in throughput, which "
        "is the pooling scenario's subject.",
        "- Needs root or CAP_NET_ADMIN (a network namespace and iptables); without it the benchmarks are "
        "skipped with the reason, never faked.",
        "- Figures are rounded to 3 significant digits.",
    ]
    if results.quick:
        out.insert(0, "- **Quick run**: few requests per repetition; treat the numbers as a smoke test.")
    return "\n".join(out)


def _numbers(results):
    header = ["benchmark", "p50 ms", "p50 RTTs", "CV of p50", "p99 ms", "req/s", "requests", "conns opened",
              "TLS handshakes / resumed", "errors"]
    rows = []
    for r in results.runs:
        name = f"`{r.name.text}`"
        if r.failed:
            rows.append([f"⚠ {name}", f"**failed**: {r.error_message}"] + [fmt.DASH] * (len(header) - 2))
            continue
        p50, p99 = r.median("p50_us"), r.median("p99_us")
        tls = (f"{fmt.count(r.median('tls_handshakes'))} / {fmt.count(r.median('tls_resumed'))}"
               if rv.key(r).proto != "http" else fmt.DASH)
        rows.append([f"⚠ {name}" if r.flagged else name,
                     fmt.sig(None if p50 is None else p50 / 1000), fmt.sig(r.median("p50_rtts")),
                     fmt.pct(r.cv("p50_us")), fmt.sig(None if p99 is None else p99 / 1000),
                     fmt.sig(r.median("req_per_s")), fmt.count(r.median("requests")),
                     fmt.count(r.median("conns_opened")), tls,
                     f"**{fmt.count(r.errors)}**" if r.errors else "0"])
    note = ("Medians over the repetitions; CV = standard deviation ÷ mean of p50 over the repetitions; "
            "connections and TLS counts per repetition, counted by the server. ⚠ marks a failed benchmark "
            "or one with errors.")
    return note + "\n\n" + fmt.table(header, rows)


def _errors(results):
    flagged = [r for r in results.runs if r.flagged]
    if not flagged:
        return "No benchmark failed and no request failed."
    lines = []
    for r in flagged:
        if r.failed:
            lines.append(f"- `{r.name.text}`: **failed**: {r.error_message}")
        else:
            kinds = ", ".join(f"{k} {fmt.count(n)}" for k, n in sorted(r.errors_by_kind().items()))
            lines.append(f"- `{r.name.text}`: {fmt.count(r.errors)} failed requests ({kinds})")
    return "\n".join(lines)
