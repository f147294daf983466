"""Claim C1 (pooling): the scenario module. verdict() gives the one-line
verdict for the index; page.write_page() writes charts/ and README.md under
DIR/pooling/. Every figure in the page comes from the results, so the page
is regenerated, never hand-edited.
"""

from . import fmt, stats
from . import pooling_verdict as pv

NAME = "pooling"
TITLE = "C1 pooling: reuse one session, don't open one per request"
HEADLINE_CHART = "charts/pooling_throughput.png"

CLAIM = (
    "A client session (aiohttp's `ClientSession`, requests' `Session`) keeps a pool of open "
    "connections and reuses them for the next request to the same host. Opening a session per "
    "request throws the pool away, so every request pays for a new TCP connection, and over HTTPS "
    "a TLS handshake too. Here each client model runs pooled (`pool`: connections kept and reused) "
    "and unpooled (`nopool`: a new connection per request) against the local mock server `mockd`.")


def verdict(results):
    return pv.decide(results.runs)


def sections(results, charts_written, v):
    """The page between its claim and its footer (see page.write_page)."""
    runs = results.runs
    return [
        "## Setup\n\n" + _setup(results),
        "## Charts\n\n" + _charts(charts_written),
        "## Verdict\n\n" + _verdict_section(runs, v),
        "## Why it happens\n\n" + _why(results),
        "## The nuance\n\n" + _nuance(runs),
        "## In an interview\n\n" + _interview(runs, v),
        "## Caveats\n\n" + _caveats(results),
        "## Numbers\n\n" + _numbers(results),
        "## Errors\n\n" + _errors(results),
    ]


# --- setup ------------------------------------------------------------------

def _setup(results):
    ctx, runs = results.ctx, results.runs
    conc = {}
    for r in runs:
        conc.setdefault(pv.key(r).model, set()).add(r.name.param("c"))
    models = ", ".join(f"`{m}` ({', '.join(f'c:{c}' for c in sorted(x for x in conc[m] if x is not None))})"
                       for m in pv.models(runs))
    # Requests per repetition, by concurrency and delay: the bench sizes runs by both.
    sizes = {}
    for r in runs:
        for n in r.values("requests"):
            sizes.setdefault((r.name.param("c"), pv.key(r).delay_ms), set()).add(n)
    requests = "; ".join(f"c:{c}, delay_ms:{fmt.param(d)}: {' / '.join(fmt.count(n) for n in sorted(ns))}"
                         for (c, d), ns in sorted(sizes.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1] or 0)))
    cache = ("on (libcurl's default: new connections may resume a TLS session); rows ending in "
             "`session_cache:off` disable it, so every new connection does a full handshake"
             if any(pv.key(r).session_cache == "off" for r in runs) else "on (libcurl's default)")
    rows = [
        ("machine", ctx("suite_machine", "not recorded")),
        ("versions", ctx("suite_versions", "not recorded")),
        ("server", ctx("suite_server", "not recorded")),
        ("command", f"`{ctx('suite_command')}`" if ctx("suite_command") else "not recorded"),
        ("run", f"{ctx('date', 'date not recorded')} on {ctx('host_name', 'an unnamed host')}, "
                f"{'**quick** (fewer requests, numbers are rough)' if results.quick else 'full'}"),
        ("client models (concurrency)", models),
        ("modes", "`pool` (connections reused), `nopool` (a new connection per request)"),
        ("protocols", ", ".join(p.upper() for p in pv.protos(runs))),
        ("server delays", ", ".join(f"{fmt.param(d)} ms" for d in pv.delays(runs))),
        ("requests per repetition", (requests + " (each run's count is in the table below)") if requests
         else "not recorded"),
        ("repetitions", f"{results.repetitions} per benchmark; medians and CV over them"),
        ("TLS session cache", cache),
    ]
    return fmt.table(["", ""], rows)


def _charts(written):
    if not written:
        return "Charts were not generated for this report (`--no-charts`)."
    captions = {
        "pooling_throughput": "Requests per second, pooled vs unpooled; the number above each pair is pooled ÷ unpooled.",
        "pooling_latency": "Latency of successful requests: p50 (solid) and p99 (pale).",
        "pooling_connections": "Connections the server accepted per 1000 requests.",
    }
    out = []
    for stem in written:
        if stem in captions:
            out.append(f"{captions[stem]}\n\n![{stem}](charts/{stem}.png)\n([SVG](charts/{stem}.svg))")
    return "\n\n".join(out)


# --- verdict ----------------------------------------------------------------

def _cv_text(fraction):
    return "CV —" if fraction is None else f"CV {fmt.pct(fraction)}"


def _verdict_section(runs, v):
    out = ["Rule (`scripts/report_lib/pooling_verdict.py`): " + pv.RULE_TEXT,
           f"Outcome: **{v.word}**." + (" " + "; ".join(v.reasons) + "." if v.reasons and v.word != "confirmed" else "")]
    columns = [(proto, d) for d in pv.delays(runs) for proto in pv.protos(runs)]
    header = ["model"] + [f"{p.upper()}, delay_ms:{fmt.param(d)}" for p, d in columns]
    rows = []
    table = {(p.model, p.proto, p.delay_ms): p for d in pv.delays(runs) for p in pv.pairs(runs, d)}
    for model in pv.models(runs):
        row = [f"`{model}`"]
        for proto, d in columns:
            pair = table.get((model, proto, d))
            if pair is None:
                row.append(fmt.DASH)
            elif pair.factor is None:
                row.append(f"excluded ({pair.why_unusable})")
            else:
                row.append(f"{fmt.times(pair.factor)} ({_cv_text(pair.factor_cv)})")
        rows.append(row)
    rows.append(["**median**"] + [f"**{fmt.times(v.factors.get(c))}** ({_cv_text(v.factors_cv.get(c))})"
                                  for c in columns])
    out.append("Pooled ÷ unpooled median requests/s, with the spread of each factor over the repetitions "
               "(CV of repetition i pooled ÷ repetition i unpooled; for the median row, of the per-repetition "
               "median over models). The medians themselves are steadier than one repetition: their "
               "uncertainty is roughly CV ÷ √repetitions.\n\n" + fmt.table(header, rows))
    out.append("### Signature: connections counted by the server\n\n" + _signature(runs))
    return "\n\n".join(out)


def _signature(runs):
    sig = pv.signature(runs)
    if not sig:
        return "No error-free run to check."
    broken = [s for s in sig if not s.holds]
    head = ("The claim's mechanism, checked on every error-free run and repetition: a pooled run opens at "
            "most one connection per worker (`conns_opened ≤ c`), an unpooled one exactly one per request "
            "(`conns_opened = requests`). ")
    if not broken:
        return head + f"It holds in all {len(sig)} runs (see the connections chart and the table below)."
    rows = [(f"`{s.run.name.text}`", s.expected, fmt.count(s.run.median("conns_opened")),
             fmt.count(s.run.median("requests"))) for s in broken]
    return (head + f"It holds in {len(sig) - len(broken)} of {len(sig)} runs; it is **broken** in these:\n\n"
            + fmt.table(["benchmark", "expected", "conns_opened (median)", "requests (median)"], rows))


# --- explanation, with figures from the data -------------------------------

def _sequential_cost_us(runs, model, proto, session_cache="on"):
    """Extra wall time per request unpooled for a sequential (c:1) model at delay 0:
    1/rate(nopool) - 1/rate(pool), in µs. One request at a time, so this is what
    a new connection costs the caller. None unless both runs are clean."""
    index = pv.by_key(runs)
    pooled = index.get(pv.Key(model, "pool", proto, 0, "on"))
    unpooled = index.get(pv.Key(model, "nopool", proto, 0, session_cache))
    if not pooled or not unpooled or pooled.flagged or unpooled.flagged:
        return None
    if pooled.name.param("c") != 1 or unpooled.name.param("c") != 1:
        return None
    rp, ru = pooled.median("req_per_s"), unpooled.median("req_per_s")
    return 1e6 / ru - 1e6 / rp if rp and ru else None


def _signed_us(x):
    return fmt.DASH if x is None else f"{'+' if x >= 0 else '−'}{fmt.sig(abs(x))} µs"


def _cost_table(runs):
    rows = []
    for model in pv.models(runs):
        cells = [_sequential_cost_us(runs, model, "http"), _sequential_cost_us(runs, model, "https"),
                 _sequential_cost_us(runs, model, "https", "off")]
        if any(c is not None for c in cells):
            rows.append([f"`{model}`"] + [_signed_us(c) for c in cells])
    if not rows:
        return ""
    return ("Measured here: the extra time per request without pooling, for the sequential (c:1) models at "
            "delay_ms:0 (1 ÷ unpooled req/s − 1 ÷ pooled req/s):\n\n"
            + fmt.table(["model", "HTTP", "HTTPS", "HTTPS, session_cache:off"], rows))


def _p50_gap_us(runs, proto):
    """Median over sequential models of p50(nopool) - p50(pool) at delay 0, µs."""
    index = pv.by_key(runs)
    gaps = []
    for model in pv.models(runs):
        pooled = index.get(pv.Key(model, "pool", proto, 0, "on"))
        unpooled = index.get(pv.Key(model, "nopool", proto, 0, "on"))
        if pooled and unpooled and not pooled.flagged and not unpooled.flagged and pooled.name.param("c") == 1:
            a, b = pooled.median("p50_us"), unpooled.median("p50_us")
            if a is not None and b is not None:
                gaps.append(b - a)
    return stats.median(gaps)


def _why(results):
    runs = results.runs
    n = results.ctx("num_cpus")
    cores = f"{n} cores" if n else "cores"
    here = _cost_table(runs)
    return "\n".join([
        "- **TCP handshake**: a new connection costs a SYN / SYN-ACK / ACK round trip before the request "
        "can be sent, plus socket set-up and tear-down in both kernels. On a real network that is one "
        "extra round-trip time (RTT) per request; on loopback it is mostly CPU.",
        "- **TLS handshake**: over HTTPS a new connection also needs a TLS handshake: one more round trip "
        "(TLS 1.3; two with TLS 1.2) and, above all here, CPU for the key exchange and the certificate "
        "signature, about 2 ms of CPU per full ECDSA P-256 handshake on the 2-core machine this suite was "
        "developed on. A pooled connection pays it once; libcurl's session cache makes a new connection's "
        "handshake cheaper (resumed) but not free.",
        "- **TIME_WAIT and ephemeral ports**: the side that closes first keeps each closed connection in "
        "TIME_WAIT for 60 s; a client that opens connections faster than about 470 per second to one "
        "server port can run out of its 28,232 ephemeral ports (`EADDRNOTAVAIL`, counted as "
        "`errors_connect`).",
        f"- **One machine**: client and server run on the same {cores} "
        f"({results.ctx('suite_client', 'placement not recorded')}; server: "
        f"{results.ctx('suite_server', 'not recorded')}), so handshake CPU on either side comes straight "
        "out of throughput.",
    ]) + ("\n\n" + here if here else "")


def _nuance(runs):
    out = []
    gap_http = _p50_gap_us(runs, "http")
    f_http0 = pv.median_factor(pv.pairs(runs, 0), "http")
    if gap_http is not None:
        out.append(f"- **Latency vs throughput on loopback**: for one request at a time (c:1) an unpooled "
                   f"plain-HTTP request's p50 is only {fmt.sig(gap_http)} µs higher than a pooled one, yet "
                   f"the median throughput factor over plain HTTP is {fmt.times(f_http0)}: a new TCP "
                   f"connection costs CPU more than waiting time on loopback. Over a real network each new "
                   f"connection adds at least one RTT.")
    gap_https = _p50_gap_us(runs, "https")
    if gap_https is not None:
        text = (f"- **TLS costs milliseconds**: for one request at a time the unpooled HTTPS p50 is "
                f"{fmt.sig(gap_https)} µs above the pooled one.")
        concurrent = [r for r in runs if not r.flagged and r.name.param("c", 1) > 1
                      and pv.key(r) == pv.Key(pv.key(r).model, "nopool", "https", 0, "on")]
        if concurrent:
            rates = [r.median("req_per_s") for r in concurrent]
            text += (f" With {concurrent[0].name.param('c')} concurrent workers unpooled HTTPS reaches only "
                     f"{fmt.sig(min(rates))}–{fmt.sig(max(rates))} req/s: the handshakes' CPU on both sides of "
                     f"one machine caps throughput.")
        out.append(text)
    effects = [e for e in pv.cache_effects(runs) if e.factor is not None]
    for d in sorted({e.delay_ms for e in effects}):
        at = [e for e in effects if e.delay_ms == d]
        f = stats.median([e.factor for e in at])
        resumed = stats.median([e.resumed_fraction for e in at if e.resumed_fraction is not None])
        models = ", ".join(f"`{e.model}` {fmt.times(e.factor)}" for e in at)
        # Pooling against the cached-session case, on the same (curl) models.
        same = {e.model for e in at}
        pooled = stats.median([p.factor for p in pv.pairs(runs, d)
                               if p.proto == "https" and p.model in same and p.factor is not None])
        text = (f"- **libcurl's TLS session cache** (delay_ms:{fmt.param(d)}): unpooled HTTPS with the cache "
                f"on (the default) is {_as_fast(f)} with `session_cache:off` (median; {models})")
        if resumed is not None:
            text += f"; the server counted {fmt.pct(resumed)} of its handshakes as resumed"
        if f >= 1.1:
            text += ". Resumption skips the certificate exchange and signature, so a new connection is cheaper"
        else:
            text += ". Resumption saved little here: other per-connection costs dominate"
        if pooled is not None:
            text += f"; pooling beats the cached case {fmt.times(pooled)} on the same models"
        out.append(text + ".")
    for d in [d for d in pv.delays(runs) if d != 0]:
        ps = pv.pairs(runs, d)
        out.append(f"- **A slow server hides part of it**: with a {fmt.param(d)} ms server delay the factor is "
                   f"{fmt.times(pv.median_factor(ps, 'http'))} over HTTP and "
                   f"{fmt.times(pv.median_factor(ps, 'https'))} over HTTPS: the wait dominates a cheap TCP "
                   f"connection, while TLS handshakes still cost CPU the workers share.")
    return "\n".join(out) if out else "Not enough error-free pairs to quantify."


def _as_fast(f):
    """'1.93x as fast as' / '0.921x as fast as (slower than)': a factor in words, either way round."""
    return f"{fmt.times(f)} as fast as" + (" (slower than)" if f < 1 else "")


def _interview(runs, v):
    f = v.factors
    http0, https0 = f.get(("http", 0)), f.get(("https", 0))
    later = [d for d in pv.delays(runs) if d != 0]
    text = ("> Reuse one session for many requests: it keeps a pool of open connections, so only the first "
            "request to a host pays the TCP handshake and, over HTTPS, the TLS handshake. A session per "
            "request opens and closes a connection every time")
    if https0 is not None and http0 is not None:
        text += (f": on a 2-core machine against a local server that made HTTPS {fmt.times(https0)} and "
                 f"plain HTTP {fmt.times(http0)} slower in throughput")
    text += ". "
    if later:
        d = later[0]
        text += (f"With a {fmt.param(d)} ms backend the plain-HTTP gap shrinks to "
                 f"{fmt.times(f.get(('http', d)))}, but over HTTPS pooling still wins "
                 f"{fmt.times(f.get(('https', d)))}: handshakes cost CPU, not waiting. ")
    text += ("On a real network each new connection also costs round trips, and fast churn leaves sockets "
             "in TIME_WAIT until ephemeral ports run out. Create the session once, share it, close it at "
             "shutdown.")
    return text


def _caveats(results):
    out = [
        "- Loopback: no real round-trip time, so new connections cost CPU here rather than network "
        "latency; an emulated RTT is a later experiment.",
        "- Client and server share one machine. Pinned to a core each (the default), they do not take "
        "each other's time slices, but every request crosses cores: a sequential client waits for a "
        "wake-up on the other core (tens of µs in a VM), which dilutes the cost of a new connection in "
        "the c:1 figures. Unpinned (`--no-pin`), they share both cores.",
        "- Absolute numbers vary by about ±20% between runs on this kind of machine: compare the ratios, "
        "not the single figures. The CV column shows the spread between repetitions.",
        "- `req_per_s` counts completed requests, failed ones included; runs with errors are flagged and "
        "left out of the verdict.",
        "- Figures are rounded to 3 significant digits.",
    ]
    if results.quick:
        out.insert(0, "- **Quick run**: fewer requests per repetition; treat the numbers as a smoke test.")
    return "\n".join(out)


# --- tables -----------------------------------------------------------------

def _numbers(results):
    header = ["benchmark", "req/s (median)", "CV", "p50 µs", "p99 µs", "p99.9 µs", "requests", "conns opened",
              "TLS handshakes / resumed", "errors"]
    rows = []
    for r in results.runs:
        name = f"`{r.name.text}`"
        if r.failed:
            rows.append([f"⚠ {name}", f"**failed**{_failed_reps(r)}: {r.error_message}"]
                        + [fmt.DASH] * (len(header) - 2))
            continue
        tls = (f"{fmt.count(r.median('tls_handshakes'))} / {fmt.count(r.median('tls_resumed'))}"
               if pv.key(r).proto == "https" else fmt.DASH)
        rows.append([
            f"⚠ {name}" if r.flagged else name,
            fmt.sig(r.median("req_per_s")),
            fmt.pct(r.cv("req_per_s")),
            fmt.sig(r.median("p50_us")),
            fmt.sig(r.median("p99_us")),
            fmt.sig(r.percentile(99.9)),
            fmt.count(r.median("requests")),
            fmt.count(r.median("conns_opened")),
            tls,
            f"**{fmt.count(r.errors)}**" if r.errors else "0",
        ])
    note = ("Medians over the repetitions; CV = standard deviation ÷ mean of req/s over the repetitions; "
            "p99.9 from spectra.json (all repetitions pooled); requests, conns opened and TLS counts are per "
            "repetition (connections and TLS counted by the server); errors are summed over all repetitions. "
            "⚠ marks a failed benchmark or one with errors (see Errors).")
    return note + "\n\n" + fmt.table(header, rows)


def _errors(results):
    flagged = [r for r in results.runs if r.flagged]
    if not flagged:
        return "No benchmark failed and no request failed."
    lines = []
    for r in flagged:
        if r.failed:
            lines.append(f"- `{r.name.text}`: **failed**{_failed_reps(r)}: {r.error_message}")
        else:
            kinds = r.errors_by_kind()
            detail = ", ".join(f"{k} {fmt.count(n)}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1]))
            reps = sum(1 for rep in r.reps if rep.get("errors"))
            labels = sorted({rep["label"] for rep in r.reps if rep.get("label")})
            lines.append(f"- `{r.name.text}`: {fmt.count(r.errors)} failed requests in {reps} of "
                         f"{len(r.reps)} repetitions" + (f" ({detail})" if detail else "")
                         + "".join(f"; {label}" for label in labels))
    return "\n".join(lines)


def _failed_reps(run):
    """' (2 of 5 repetitions)' when some repetitions ran: their numbers are not shown."""
    if not run.reps:
        return ""
    return f" ({run.failed_reps} of {run.failed_reps + len(run.reps)} repetitions)"
