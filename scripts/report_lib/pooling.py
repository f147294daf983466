"""Claim C1 (pooling): the scenario module. verdict() gives the one-line
verdict for the index; page.write_page() writes charts/ and README.md under
DIR/pooling/. Every figure in the page comes from the results, so the page
is regenerated, never hand-edited.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import fmt, headline as hl, models, page, stats
from . import pooling_verdict as pv

if TYPE_CHECKING:
    from . import results
    from .results import Run  # for nested functions, where a parameter named results hides the module

NAME = "pooling"
TITLE = "C1 pooling: reuse one session, don't open one per request"
HEADLINE_CHART = "charts/pooling_throughput.png"

CLAIM = (
    "A client session (aiohttp's `ClientSession`, requests' `Session`) keeps a pool of open "
    "connections and reuses them for the next request to the same host. Opening a session per "
    "request throws the pool away, so every request pays for a new TCP connection, and over HTTPS "
    "a TLS handshake too. Here each client model runs pooled (`pool`: connections kept and reused) "
    "and unpooled (`nopool`: a new connection per request) against the local mock server `mockd`.")


# Linux defaults, used only when the run's context does not record the sysctls
# (bench records them as suite_tcp_tw_reuse and suite_ip_local_port_range when it can).
LINUX_DEFAULT_TW_REUSE = "2"
LINUX_DEFAULT_PORT_RANGE = "32768 60999"
TIME_WAIT_S = 60  # TCP_TIMEWAIT_LEN in the Linux kernel: a compile-time constant, not a sysctl


def verdict(results: results.Results) -> pv.Verdict:
    return pv.decide(results.runs)


def headline(results: results.Results) -> list[hl.Figure]:
    """The factors a reader quotes, at delay_ms:0 with their 95 % CIs: aiohttp and requests
    (pooled ÷ unpooled req/s) over HTTPS and HTTP; the same over HTTPS verified against the
    system's CA bundle (`ca_bundle:system`: what a program meets on a public HTTPS site); then F
    (median of the C++ models) over both protocols. Whatever the run did not measure error-free
    is left out."""
    runs = results.runs
    out = []
    for model, name in ((pv.AIOHTTP, "aiohttp"), (pv.REQUESTS, "requests")):
        for proto in ("https", "http"):
            p = pv.python_pair(runs, model, proto)
            if p is not None:
                out.append(hl.figure(f"{name} (`{model}`) pooled ÷ unpooled, {proto.upper()}", p.factor_ci))
    for _server, system in pv.ca_bundle_pairs(runs):
        name = {pv.AIOHTTP: "aiohttp", pv.REQUESTS: "requests"}.get(system.model)
        if name is not None:
            out.append(hl.figure(system_bundle_label(name, system.model), system.factor_ci,
                                 setup="the size of the system's CA bundle"))
    at0 = pv.pairs(runs, 0)
    for proto in ("https", "http"):
        out.append(hl.figure(f"F, median of the C++ models, pooled ÷ unpooled, {proto.upper()}",
                             pv.median_factor_ci(at0, proto)))
    return hl.measured(out)


def system_bundle_label(name: str, model: str) -> str:
    """The headline label of a pair verified against the system's CA bundle (the guide quotes it)."""
    return f"{name} (`{model}`) pooled ÷ unpooled, HTTPS, system CA bundle (`ca_bundle:system`, a public site)"


def sections(results: results.Results, charts_written: dict[str, list[str]], v: pv.Verdict) -> list[str]:
    """The page between its claim and its footer (see page.write_page)."""
    runs = results.runs
    return [
        "## Setup\n\n" + _setup(results),
        "## Charts\n\n" + _charts(charts_written),
        "## Verdict\n\n" + _verdict_section(runs, v),
        "## Why it happens\n\n" + _why(results),
        "## The nuance\n\n" + _nuance(runs),
        "## In an interview\n\n" + _interview(results, v),
        "## Caveats\n\n" + _caveats(results),
        "## Numbers\n\n" + _numbers(results),
        "## Errors\n\n" + page.errors_section(results),
    ]


# --- setup ------------------------------------------------------------------

def _conc(runs: list[results.Run]) -> dict[str, set[int]]:
    conc: dict[str, set[int]] = {}
    for r in runs:
        conc.setdefault(pv.key(r).model, set()).add(r.name.param("c"))
    return conc


def _setup(results: results.Results) -> str:
    runs = results.runs
    conc = _conc(runs)

    def listed(names: list[str]) -> str:
        return ", ".join(f"`{m}` ({', '.join(f'c:{c}' for c in sorted(x for x in conc[m] if x is not None))})"
                         for m in names)
    names = pv.models(runs)
    py = models.python_models(names)
    # Requests per repetition, by concurrency and delay: the bench sizes runs by both.
    sizes: dict[tuple[int | None, float | None], set[float]] = {}
    for r in runs:
        for n in r.values("requests"):
            sizes.setdefault((r.name.param("c"), pv.key(r).delay_ms), set()).add(n)
    requests = "; ".join(f"c:{c}, delay_ms:{fmt.param(d)}: {' / '.join(fmt.count(n) for n in sorted(ns))}"
                         for (c, d), ns in sorted(sizes.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1] or 0)))
    cache = ("on (libcurl's default: new connections may resume a TLS session); rows ending in "
             "`session_cache:off` disable it, so every new connection does a full handshake"
             if any(pv.key(r).session_cache == "off" for r in runs) else "on (libcurl's default)")
    rows = [
        ("C++ client models (concurrency)", listed(models.cpp_models(names)) or "none"),
        ("Python client models (concurrency)", listed(py) if py else "Python peers not measured in this run"),
        ("modes", "`pool` (connections kept and reused: one client or session for all requests), `nopool` "
                  "(a new connection per request, as with a new session per request)"),
        ("protocols", _protocols_text(runs)),
        ("server delays", ", ".join(f"{fmt.param(d)} ms" for d in pv.delays(runs))),
        ("requests per repetition", (requests + " (each run's count is in the table below)") if requests
         else "not recorded"),
        ("TLS session cache", cache),
    ]
    return page.setup_table(results, rows)


def _protocols_text(runs: list[results.Run]) -> str:
    """'HTTP, HTTPS'; HTTPS alone (the default run's grid) says where plain HTTP is measured."""
    ps = pv.protos(runs)
    text = ", ".join(p.upper() for p in ps)
    if ps == ["https"]:
        text += (" only: every check of the verdict is over HTTPS, and plain HTTP, a figure of this setup "
                 "rather than a check, is measured by the quick run and the reference (`--reference`)")
    return text


def _charts(written: dict[str, list[str]]) -> str:
    return page.charts_section(written, {
        "pooling_throughput": "Requests per second, pooled vs unpooled (points, log scale; bars: min–max of the "
                              "repetitions). Above each model: pooled ÷ unpooled, and the mean time pooling saves "
                              "per request (c ÷ unpooled req/s − c ÷ pooled req/s). Python models are hollow and "
                              "in italics.",
        "pooling_latency": "Latency of successful requests in ms: p50 (filled) and p99 (hollow), per model and mode.",
        "pooling_spectrum": "Latency percentile spectrum at delay_ms:0 (from `spectra.json`): the percentile axis "
                            "is stretched towards the tail, as in HdrHistogram plots.",
        "pooling_connections": "Connections the server accepted per 1000 requests.",
    })


# --- verdict ----------------------------------------------------------------

def _verdict_section(runs: list[results.Run], v: pv.Verdict) -> str:
    out = [page.verdict_section(pv.RULE_TEXT, v, v.checks, "pooling_verdict.py")]
    columns = [(proto, d) for d in pv.delays(runs) for proto in pv.protos(runs)]
    header = ["model", "language"] + [f"{p.upper()}, delay_ms:{fmt.param(d)}" for p, d in columns]
    rows = []
    table = {(p.model, p.proto, p.delay_ms): p for d in pv.delays(runs) for p in pv.pairs(runs, d)}
    conc = _conc(runs)
    for model in pv.models(runs):
        m = models.get(model)
        cs = sorted(c for c in conc.get(model, ()) if c is not None)
        row = [f"`{model}`" + (f" c:{'/'.join(str(c) for c in cs)}" if cs else ""), m.language]
        for proto, d in columns:
            pair = table.get((model, proto, d))
            if pair is None:
                row.append(fmt.DASH)
            elif pair.factor is None:
                row.append(f"excluded ({pair.why_unusable})")
            else:
                row.append(_factor_cell(pair.factor_ci, pair.saved_us))
        rows.append(row)
    rows.append(["**F: median of the C++ models**", "C++"]
                + [_factor_cell(v.factors_ci.get(c, (None, None, None)),
                                pv.median_saved_us(pv.pairs(runs, c[1]), c[0]), bold=True) for c in columns])
    out.append("Pooled ÷ unpooled requests/s per model with its 95 % confidence interval (repetition i pooled "
               "÷ repetition i unpooled; the median row: the median over the C++ models per repetition), and the "
               "mean time pooling saves per request at the concurrency c the model ran at: c ÷ unpooled req/s − "
               "c ÷ pooled req/s (each of c workers sends its next request when the last returns, so c ÷ req/s "
               "is a request's mean time; median over paired repetitions). Where the interval includes 1 the "
               "time is noise too, and not quoted.\n\n" + fmt.table(header, rows) + _p50_note(runs))
    out.append("### Signature: connections counted by the server\n\n" + _signature(runs))
    return "\n\n".join(out)


def _factor_cell(ci: stats.Interval, saved_us: float | None, bold: bool = False) -> str:
    """'37.2x (95 % CI …); saves 1.40 ms per request', or 'no difference (1.00x, 95 % CI …)' when
    the interval includes 1 (then the p50 difference is noise too, and not quoted)."""
    if ci is None or ci[0] is None:
        return fmt.DASH
    if fmt.includes_one(ci[1], ci[2]):
        text = fmt.faster_ci(*ci)
        return f"**{text}**" if bold else text
    head = fmt.factor_ci(*ci)
    return (f"**{head}**" if bold else head) + f"; saves {_saved(saved_us)}"


def _saved(us: float) -> str:
    """'1.21 ms per request (mean)'; a negative saving (pooled slower) reads as a cost."""
    if us is None:
        return fmt.DASH
    if us < 0:
        return f"nothing: {fmt.duration_us(-us)} more per request (mean)"
    return f"{fmt.duration_us(us)} per request (mean)"


def _p50_note(runs: list[results.Run]) -> str:
    """Why the page quotes means: the runs whose p50 jumps between repetitions, if any."""
    unstable = pv.p50_unstable(runs)
    if not unstable:
        return ""
    listed = ", ".join(f"`{r.name.text}` ({fmt.duration_us(lo)}–{fmt.duration_us(hi)})" for r, lo, hi in unstable)
    return (f"\n\nMeans, not p50s: in {len(unstable)} run(s) the p50 differs more than "
            f"{fmt.compact(pv.P50_SPREAD)}-fold between repetitions (a bimodal latency), so a p50 difference there is noise: "
            f"{listed}.")


def _signature(runs: list[results.Run]) -> str:
    sig = pv.signature(runs)
    if not sig:
        return "No error-free run to check."
    broken = [s for s in sig if not s.holds]
    head = ("The claim's mechanism, checked on every error-free run and repetition (the first three checks "
            "above): a pooled run opens at most one connection per worker (`conns_opened ≤ min(c, requests)`), "
            "an unpooled one exactly one per request (`conns_opened = requests`) and, over HTTPS, one TLS "
            "handshake per request (`tls_handshakes = requests`). ")
    if not broken:
        return head + (f"All {len(sig)} expectations hold (see the connections chart and the table below).")
    rows = [(f"`{s.run.name.text}`", s.expected, f"{s.counter} {fmt.count(s.run.median(s.counter))}",
             fmt.count(s.run.median("requests"))) for s in broken]
    return (head + f"{len(sig) - len(broken)} of {len(sig)} expectations hold; these are **broken**:\n\n"
            + fmt.table(["benchmark", "expected", "counted (median)", "requests (median)"], rows))


# --- explanation, with figures from the data -------------------------------

def _sequential_cost_us(runs: list[results.Run], model: str, proto: str, session_cache: str = "on") -> float | None:
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


def _signed(x: float | None) -> str:
    return fmt.DASH if x is None else f"{'+' if x >= 0 else '−'}{fmt.duration_us(abs(x))}"


def _cost_table(runs: list[results.Run]) -> str:
    rows = []
    for model in pv.models(runs):
        cells = [_sequential_cost_us(runs, model, "http"), _sequential_cost_us(runs, model, "https"),
                 _sequential_cost_us(runs, model, "https", "off")]
        if any(c is not None for c in cells):
            rows.append([models.get(model).table_label()] + [_signed(c) for c in cells])
    if not rows:
        return ""
    return ("Measured here: the extra time per request without pooling, for the sequential (c:1) models at "
            "delay_ms:0 (1 ÷ unpooled req/s − 1 ÷ pooled req/s; one request at a time, so this is what a new "
            "connection costs the caller):\n\n"
            + fmt.table(["model", "HTTP", "HTTPS", "HTTPS, session_cache:off"], rows))


def _cpp_pairs_at0(runs: list[results.Run], proto: str, sequential: bool) -> list[pv.Pair]:
    """The C++ models' error-free pairs at delay 0 over one protocol: the sequential (c:1) ones or the
    concurrent ones."""
    return [p for p in pv.pairs(runs, 0) if p.proto == proto and not p.python and p.factor is not None
            and ((p.pooled.name.param("c") or 1) == 1) == sequential]


def _mean_cost_us(runs: list[results.Run], proto: str) -> float | None:
    """Median over the sequential C++ models of the mean extra time per request unpooled, µs."""
    return stats.median([_sequential_cost_us(runs, p.model, proto) for p in _cpp_pairs_at0(runs, proto, True)])


def new_conns_per_s(runs: list[results.Run]) -> tuple[float | None, results.Run | None]:
    """The fastest error-free unpooled run's new connections per second, (rate, run):
    conns_opened ÷ the repetition's wall time (requests ÷ req_per_s), median over repetitions."""
    best: tuple[float | None, results.Run | None] = (None, None)
    for r in runs:
        if r.flagged or pv.key(r).mode != "nopool":
            continue
        rates = [rep["conns_opened"] * rep["req_per_s"] / rep["requests"] for rep in r.reps
                 if rep.get("requests") and rep.get("req_per_s") and rep.get("conns_opened") is not None]
        rate = stats.median(rates)
        if rate is not None and (best[0] is None or rate > best[0]):
            best = (rate, r)
    return best


def _ports_text(results: results.Results) -> str:
    ctx = results.ctx
    tw_reuse = ctx("suite_tcp_tw_reuse")
    port_range = ctx("suite_ip_local_port_range")
    recorded = tw_reuse is not None
    tw_reuse = str(tw_reuse if recorded else LINUX_DEFAULT_TW_REUSE).strip()
    low, high = (int(x) for x in str(port_range or LINUX_DEFAULT_PORT_RANGE).split())
    ports = high - low + 1
    ceiling = ports / TIME_WAIT_S
    source = ("as recorded by this run" if recorded else
              "Linux's default; this run's context does not record the sysctl")
    text = (f"- **TIME_WAIT and ephemeral ports**: the side that closes a connection first keeps it in "
            f"TIME_WAIT for {TIME_WAIT_S} s. With the {fmt.count(ports)} ephemeral ports of "
            f"`net.ipv4.ip_local_port_range` ({low}–{high}{'' if port_range else ', the default'}), a client "
            f"that could not reuse a port in TIME_WAIT would run out above {fmt.sig(ceiling)} new connections "
            f"per second to one server address and port (`EADDRNOTAVAIL`, counted as `errors_connect`).")
    rate, run = new_conns_per_s(results.runs)
    if rate is not None:
        text += (f" This run opened {fmt.sig(rate)} new connections per second without a single error "
                 f"(`{run.name.text}`, server-counted connections ÷ wall time)")
        if rate > ceiling:
            text += (f": {fmt.times(rate / ceiling)} that ceiling. It can, because `net.ipv4.tcp_tw_reuse` is "
                     f"{tw_reuse} ({source})"
                     + (": a new outgoing connection on loopback may take a port still in TIME_WAIT (the "
                        "timestamps option tells old segments from new ones)." if tw_reuse == "2" else
                        ": a new outgoing connection may take a port still in TIME_WAIT." if tw_reuse == "1" else
                        ", which does not allow reuse; the ports must have been freed another way (the server "
                        "closing first keeps TIME_WAIT on its side).")
                     + " Against a remote server the default (2) does not apply, and the ceiling does.")
        else:
            text += ", below that ceiling."
    return text


def _why(results: results.Results) -> str:
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
        "signature (the HTTPS, `session_cache:off` column below is that cost as one caller sees it). A "
        "pooled connection pays it once; libcurl's session cache makes a new connection's handshake cheaper "
        "(resumed) but not free. The handshake is the same OpenSSL work whichever language calls it.",
        _ports_text(results),
        f"- **One machine**: client and server run on the same {cores} "
        f"({results.ctx('suite_client', 'placement not recorded')}; server: "
        f"{results.ctx('suite_server', 'not recorded')}), so handshake CPU on either side comes straight "
        "out of throughput.",
    ]) + ("\n\n" + here if here else "")


def _nuance(runs: list[results.Run]) -> str:
    out = []
    out.extend(_plain_http_nuance(runs))
    gap_https = _mean_cost_us(runs, "https")
    if gap_https is not None:
        text = (f"- **TLS costs milliseconds**: one request at a time (c:1, C++ models), an unpooled HTTPS "
                f"request takes {fmt.duration_us(gap_https)} longer on average (1 ÷ unpooled req/s − 1 ÷ pooled "
                f"req/s, the median over the models).")
        concurrent = [r for r in runs if not r.flagged and (r.name.param("c") or 1) > 1
                      and not models.get(pv.key(r).model).is_python
                      and pv.key(r) == pv.Key(pv.key(r).model, "nopool", "https", 0, "on")]
        if concurrent:
            rates = [r.median("req_per_s") for r in concurrent]
            text += (f" With {concurrent[0].name.param('c')} concurrent workers unpooled HTTPS reaches only "
                     f"{fmt.sig(min(rates))}–{fmt.sig(max(rates))} req/s: the handshakes' CPU on both sides of "
                     f"one machine caps throughput.")
        out.append(text)
    out.extend(_ca_bundle_nuance(runs))
    effects = [e for e in pv.cache_effects(runs) if e.factor is not None]
    for d in sorted({e.delay_ms for e in effects}):
        at = [e for e in effects if e.delay_ms == d]
        f = stats.median([e.factor for e in at])
        resumed = stats.median([e.resumed_fraction for e in at if e.resumed_fraction is not None])
        listed = ", ".join(f"`{e.model}` {fmt.times(e.factor)}" for e in at)
        # Pooling against the cached-session case, on the same (curl) models.
        same = {e.model for e in at}
        pooled = stats.median([p.factor for p in pv.pairs(runs, d)
                               if p.proto == "https" and p.model in same and p.factor is not None])
        text = (f"- **libcurl's TLS session cache** (delay_ms:{fmt.param(d)}): unpooled HTTPS with the cache "
                f"on (the default) is {_as_fast(f)} with `session_cache:off` (median; {listed})")
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
        out.append(f"- **A slow server hides part of it**: with a {fmt.param(d)} ms server delay the C++ median "
                   f"shows {fmt.faster_ci(*pv.median_factor_ci(ps, 'http'), where=' over HTTP')} and "
                   f"{fmt.faster_ci(*pv.median_factor_ci(ps, 'https'), where=' over HTTPS')}: the wait "
                   f"dominates a cheap TCP connection, while TLS handshakes still cost CPU the workers share.")
    py = [p for p in pv.pairs(runs, 0) if p.python and p.factor is not None]
    cpp_https = pv.median_factor_ci(pv.pairs(runs, 0), "https")
    if py and cpp_https[0] is not None:
        https_py = [p for p in py if p.proto == "https"]
        if https_py:
            listed = ", ".join(f"`{p.model}` {fmt.times(p.factor)}" for p in https_py)
            out.append(f"- **Python's own overhead hides part of it**: over HTTPS the Python models gain {listed} "
                       f"against {fmt.times(cpp_https[0])} for the C++ median. The handshake is the same OpenSSL "
                       f"work in both; a Python request also pays the interpreter's per-request cost, pooled or "
                       f"not, so the ratio is smaller (the mean times saved per request are in the factor "
                       f"table).")
    return "\n".join(out) if out else "Not enough error-free pairs to quantify."


def _plain_http_nuance(runs: list[results.Run]) -> list[str]:
    """Plain HTTP on loopback as a figure of the setup: what the sequential C++ models pay per request
    (a mean; whether it is told apart from no difference is their factors' intervals), and what the
    concurrent ones gain."""
    sequential, concurrent = _cpp_pairs_at0(runs, "http", True), _cpp_pairs_at0(runs, "http", False)
    if not sequential and not concurrent:
        return []
    text = (f"- **Plain HTTP on loopback is a figure of this setup, not a test of the claim**: "
            f"{pv.PLAIN_HTTP_SETUP.replace('see the rtt scenario', 'see [rtt](../rtt/README.md)')}.")
    if sequential:
        costs = ", ".join(f"`{p.model}` {_signed(_sequential_cost_us(runs, p.model, 'http'))}" for p in sequential)
        factors = ", ".join(f"`{p.model}` {fmt.faster_ci(*p.factor_ci)}" for p in sequential)
        if all(fmt.includes_one(*p.factor_ci[1:]) for p in sequential):
            text += (f" One request at a time (c:1, C++ models) a new connection per request changed the mean "
                     f"time per request by {costs} (1 ÷ unpooled req/s − 1 ÷ pooled req/s), which the "
                     f"repetitions do not tell apart from no difference: {factors}.")
        else:
            text += (f" One request at a time (c:1, C++ models) a new connection per request added {costs} to "
                     f"the mean time per request (1 ÷ unpooled req/s − 1 ÷ pooled req/s): {factors}.")
    if concurrent:
        c = concurrent[0].pooled.name.param("c")
        if all(p.factor_ci[1] is not None and p.factor_ci[1] > 1 for p in concurrent):
            factors = ", ".join(f"`{p.model}` {fmt.times(p.factor)}" for p in concurrent)
            text += (f" With {c} concurrent workers the same connections, set up and torn down on both sides of "
                     f"one machine, cost throughput: pooling gains {factors}.")
        else:
            factors = ", ".join(f"`{p.model}` {fmt.faster_ci(*p.factor_ci)}" for p in concurrent)
            text += f" With {c} concurrent workers pooling is {factors}."
    text += (" How much depends on how fast this machine connects, so the verdict quotes the factor and "
             "does not test it.")
    return [text]


def _ca_bundle_nuance(runs: list[results.Run]) -> list[str]:
    """What a Python session per request pays to load its CA file: the same pair measured
    against mockd's one certificate and against the system bundle (`ca_bundle:system`)."""
    out = []
    for server, system in pv.ca_bundle_pairs(runs):
        if server is None or system.factor is None or server.factor is None:
            continue
        api = models.get(system.model).python_api or system.model
        slower = stats.factor(server.unpooled.median("req_per_s"), system.unpooled.median("req_per_s"))
        out.append(
            f"- **The CA bundle is loaded per session** (`{system.model}`, {api}): verified against the "
            f"system's CA bundle with mockd's certificate appended, as verifying a public site does, a "
            f"session per request managed {fmt.sig(system.unpooled.median('req_per_s'))} req/s, "
            f"{fmt.times(slower)} fewer than against mockd's certificate alone "
            f"({fmt.sig(server.unpooled.median('req_per_s'))} req/s): each new session builds a TLS "
            f"context and parses the whole bundle. Pooling gains {fmt.factor_ci(*system.factor_ci)} with "
            f"the system bundle, {fmt.factor_ci(*server.factor_ci)} with the one certificate; the first "
            f"is what a program talking to a public API sees.")
    return out


def _as_fast(f: float) -> str:
    """'1.93x as fast as' / '0.921x as fast as (slower than)': a factor in words, either way round."""
    return f"{fmt.times(f)} as fast as" + (" (slower than)" if f < 1 else "")


def _interview(results: results.Results, v: pv.Verdict) -> str:
    runs = results.runs
    n = results.ctx("num_cpus")
    machine = f"a {n}-core machine" if n else "one machine"
    ci = v.factors_ci
    https0, http0 = ci.get(("https", 0)), ci.get(("http", 0))
    aio = {p: pv.python_pair(runs, pv.AIOHTTP, p) for p in pv.PROTOS}
    req = {p: pv.python_pair(runs, pv.REQUESTS, p) for p in pv.PROTOS}
    text = ("> Reuse one session for many requests: it keeps a pool of open connections, so only the first "
            "request to a host pays the TCP handshake and, over HTTPS, the TLS handshake. A session per "
            "request opens and closes a connection every time. ")
    py_parts = []
    for label, byproto in (("an aiohttp `ClientSession` reused", aio),
                           ("a requests `Session` against `requests.get`", req)):
        got = [(p, byproto[p]) for p in ("https", "http") if byproto[p] is not None and byproto[p].factor is not None]
        if got:
            py_parts.append(f"{label} was " + " and ".join(
                f"{fmt.faster_ci(*pair.factor_ci, where=' over ' + proto.upper())}, saving "
                f"{_saved(pair.saved_us)}" for proto, pair in got))
    if py_parts:
        text += f"Measured against a local server on {machine}: " + "; ".join(py_parts) + ". "
        if https0 and https0[0] is not None:
            text += (f"The same measurement on C++ clients, without an interpreter in the way, gives "
                     f"{fmt.times(https0[0])} over HTTPS: the handshake is the same OpenSSL work, and Python's "
                     f"per-request overhead hides part of it. ")
    elif https0 and https0[0] is not None and http0 and http0[0] is not None:
        text += (f"In C++ clients built to mirror those sessions (the Python libraries were not measured in "
                 f"this run), pooling was {fmt.times(https0[0])} faster over HTTPS and {fmt.times(http0[0])} "
                 f"over plain HTTP against a local server on {machine}. ")
    later = [d for d in pv.delays(runs) if d != 0]
    if later:
        d = later[0]
        text += (f"With a {fmt.param(d)} ms backend the plain-HTTP gap "
                 + ("disappears" if fmt.includes_one(*ci.get(("http", d), (None, None, None))[1:])
                    else f"shrinks to {fmt.times(ci.get(('http', d), (None,))[0])}")
                 + f", but over HTTPS pooling still wins {fmt.times(ci.get(('https', d), (None,))[0])}: "
                   f"handshakes cost CPU, not waiting. ")
    bundle = [(system.model, system) for _server, system in pv.ca_bundle_pairs(runs) if system.factor is not None]
    if bundle:
        text += ("Verified against the system's CA bundle, as a public API needs, every new session also parses "
                 "the whole bundle: there pooling was "
                 + "; ".join(f"{fmt.factor_ci(*p.factor_ci)} for `{m}`" for m, p in bundle) + ". ")
    text += ("On a real network each new connection also costs round trips (see [rtt](../rtt/README.md)). "
             "Create the session once, share it, close it at shutdown.")
    return text


def _caveats(results: results.Results) -> str:
    items = [
        "Loopback: no real round-trip time, so new connections cost CPU here rather than network latency; "
        "the [rtt](../rtt/README.md) scenario measures what they cost over an emulated network round trip.",
        "Client and server share one machine. Pinned to a core each (the default), they do not take each "
        "other's time slices, but every request crosses cores: a sequential client waits for a wake-up on "
        "the other core (tens of µs in a VM), which dilutes the cost of a new connection in the c:1 "
        "figures. Unpinned (`--no-pin`), they share both cores.",
        "`req_per_s` counts successful requests only; failed ones are counted beside it (`errors`), and "
        "runs with errors are flagged and left out of the verdict.",
        "Python models (`py_*`) run as a Python process driven by bench; their figures include the "
        "interpreter's per-request cost. C++ figures are the mechanism's, never a Python call's.",
    ]
    return page.caveats(results, items, counter="req_per_s", what="req/s")


# --- tables -----------------------------------------------------------------

def _numbers(results: results.Results) -> str:
    def tls(r: Run) -> str:
        if pv.key(r).proto != "https":
            return fmt.DASH
        return f"{fmt.count(r.median('tls_handshakes'))} / {fmt.count(r.median('tls_resumed'))}"
    columns = [
        page.counter_column("req/s (median)", "req_per_s"),
        page.cv_column("req_per_s", "CV"),
        page.counter_column("p50 ms", "p50_us", scale=1e-3),
        page.counter_column("p99 ms", "p99_us", scale=1e-3),
        page.Column("p99.9 ms", lambda r: fmt.sig(None if r.percentile(99.9) is None else r.percentile(99.9) / 1000)),
        page.counter_column("requests", "requests", fmt.count),
        page.counter_column("conns opened", "conns_opened", fmt.count),
        page.Column("TLS handshakes / resumed", tls),
    ]
    note = ("Medians over the repetitions; CV = standard deviation ÷ mean of req/s over the repetitions; "
            "p99.9 from spectra.json (all repetitions pooled); requests, conns opened and TLS counts are per "
            "repetition (connections and TLS counted by the server); errors are summed over all repetitions. "
            "⚠ marks a failed benchmark or one with errors (see Errors).")
    return page.numbers_table(results, columns, note=note)
