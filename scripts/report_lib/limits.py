"""Claim C2 (limits): the scenario module. verdict() gives the one-line
verdict for the index; page.write_page() writes charts/ and README.md under
DIR/limits/. Every figure on the page comes from the results.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import fmt, headline as hl, page, stats
from . import limits_verdict as lv

if TYPE_CHECKING:
    from . import results
    from .results import Run  # for nested functions, where a parameter named results hides the module

NAME = "limits"
TITLE = "C2 connector limits: cap simultaneous connections"
HEADLINE_CHART = "charts/limits_throughput.png"
# Where a default run's missing runs are (bench/scenarios/limits.cpp, default_grid).
REFERENCE_SWEEP = "measured by `bench --reference`, as in the committed reference"

CLAIM = (
    "A connector limit (aiohttp's `TCPConnector(limit=N)`, default 100, 0 = unlimited; "
    "`limit_per_host`, default 0 = unlimited) bounds how many connections a client has open at once. "
    "Requests beyond the limit wait for a free slot instead of failing, so gathering thousands of "
    "requests at once does not run the process out of file descriptors (\"Too many open files\"). "
    "In aiohttp the wait for a slot runs inside the connect timeout, so queueing counts against "
    "`connect`/`total`. Measured with aiohttp itself (`py_aiohttp`: one `ClientSession` on a "
    "`TCPConnector`, run by Python 3) where the run has it, and with two C++ models that show the "
    "mechanism (`asio_coro`: Asio coroutines with an aiohttp-like connector; `curl_multi`: libcurl's "
    "`CURLMOPT_MAX_TOTAL_CONNECTIONS` / `CURLMOPT_MAX_HOST_CONNECTIONS`). Every request is issued at once "
    "(the gather pattern) against the local mock server `mockd`.")


def verdict(results: results.Results) -> lv.Verdict:
    return lv.decide(results.runs)


def headline(results: results.Results) -> list[hl.Figure]:
    """The ratios the verdict decides on intervals, per model (aiohttp first): throughput ÷ the
    ideal limit ÷ delay at the largest limit the rule checks, and the connector ÷ the bound on
    requests in flight over one pooled session, req/s (labelled by the bound: `semaphore` for
    aiohttp, `workers` for the C++ models). The exact counts (peaks, fd errors) have no interval
    and are left to the verdict line."""
    runs = results.runs
    names = sorted(lv.models(runs), key=lambda m: m != lv.CLAIM_MODEL)
    out = []
    for model in names:
        checked = [(limit, r) for limit, r, ok in lv.rate_runs(runs, model) if ok and not r.errors]
        if checked:
            limit, r = checked[-1]
            out.append(hl.figure(f"`{model}` throughput ÷ (limit ÷ delay), limit:{limit}", lv.rate_factor_ci(r)))
        bound = lv.bound_of(runs, model)
        if bound:
            out.append(hl.figure(f"`{model}` connector ÷ {bound} over one session, req/s",
                                 lv.cap_rate_ci(runs, model, "connector", f"{bound}_pooled")))
    return hl.measured(out)


def sections(results: results.Results, charts_written: dict[str, list[str]], v: lv.Verdict) -> list[str]:
    """The page between its claim and its footer (see page.write_page)."""
    runs = results.runs
    return [
        "## Setup\n\n" + _setup(results),
        "## Charts\n\n" + _charts(charts_written),
        "## Verdict\n\n" + _verdict_section(runs, v),
        "## Limit per host\n\n" + _per_host(runs),
        "## Semaphore vs connector\n\n" + _cap(runs),
        "## Why it happens\n\n" + _why(runs),
        "## In an interview\n\n" + _interview(runs),
        "## Caveats\n\n" + _caveats(results),
        "## Numbers\n\n" + _numbers(results),
        "## Errors\n\n" + page.errors_section(results, expected_error),
    ]


# --- helpers ----------------------------------------------------------------

def _ok(run: results.Run | None) -> bool:
    return run is not None and not run.failed and bool(run.reps)


def _first(runs: list[results.Run], part_name: str) -> results.Run | None:
    return next((r for r in lv.part(runs, part_name) if _ok(r)), None)


def _waves(runs: list[results.Run]) -> float | None:
    """Median of requests ÷ limit over the limited sweep runs not capped at the gather's size (the
    unlimited runs' requests; a default run has none, and its one limit is far below the cap)."""
    sizes = [(lv.limit_of(r), r.median("requests")) for r in lv.part(runs, "sweep") if _ok(r)]
    most = max((n for lim, n in sizes if not lim and n), default=None)
    return stats.median([n / lim for lim, n in sizes if lim and n and (most is None or n < most)])


# --- sections ---------------------------------------------------------------

def _setup(results: results.Results) -> str:
    runs = results.runs
    sweep_limits = sorted({lv.limit_of(r) for r in lv.part(runs, "sweep")} - {None},
                          key=lambda x: (x == 0, x))
    # Requests per limit; the Python model's largest gather is smaller, so
    # models with the same sizes share one description.
    sizes_by_model: dict[str, tuple[tuple[float, float | None], ...]] = {}
    for m in lv.models(runs):
        by_limit = {lim: r.median("requests") for lim, r in lv.sweep(runs, m) if r.values("requests")}
        if by_limit:
            sizes_by_model[m] = tuple(sorted(by_limit.items(), key=lambda kv: (kv[0] == 0, kv[0])))
    size_groups: dict[tuple[tuple[float, float | None], ...], list[str]] = {}
    for m, sizes in sizes_by_model.items():
        size_groups.setdefault(sizes, []).append(m)
    sweep_sizes_text = "; ".join(
        (f"{', '.join(f'`{m}`' for m in ms)}: " if len(size_groups) > 1 else "")
        + ", ".join(f"{'unlimited' if k == 0 else 'limit ' + fmt.count(k)}: {fmt.count(n)}" for k, n in sizes)
        for sizes, ms in size_groups.items())
    delay = next((lv.delay_ms(r) for r in lv.part(runs, "sweep") if lv.delay_ms(r)), None)
    fd = _first(runs, "fd")
    ph = _first(runs, "per_host")
    cap = _first(runs, "cap")
    rows = [
        ("client models", ", ".join(lv.lang(m) for m in lv.models(runs))),
        ("sweep", f"limit{'s' if len(sweep_limits) > 1 else ''} "
                  f"{', '.join('unlimited' if x == 0 else fmt.count(x) for x in sweep_limits)}; "
                  f"server delay {fmt.param(delay)} ms; every request issued at once (`concurrency 0`), pooled; "
                  "requests per repetition: " + sweep_sizes_text
                  + f" (about {fmt.count(_waves(runs))} waves of `limit` requests, at most the gather's size, "
                    "so a limit-1 run does not take a minute)"
                  + (f"; one limit here, the one the throughput check and the headline read: the sweep over limits "
                     f"is {REFERENCE_SWEEP}" if len([x for x in sweep_limits if x]) == 1 else "")),
    ]
    if fd is not None:
        rows.append(("too many open files",
                     f"soft `RLIMIT_NOFILE` lowered to {fmt.count(fd.name.param('fd_limit'))} around each timed run "
                     "(restored right after; a Python model's interpreter, started by the run after it is lowered, "
                     "inherits it), "
                     + ", ".join(f"{lv.lang(m)} {fmt.count(r.median('requests'))}" for m in lv.models(runs)
                                 for r in [lv.fd_runs(runs, m)[0]] if _ok(r))
                     + " requests at once, unlimited vs "
                     f"limit {', '.join(fmt.count(x) for x in sorted({lv.limit_of(r) for r in lv.part(runs, 'fd')} - {0, None}))}. "
                     "These runs are *expected* to have errors; a 20-request primer under the normal limit "
                     "checks the set-up first"))
    if ph is not None:
        per_host_limits = {lv.limit_of(r, "limit_per_host") for r in lv.part(runs, "per_host")}
        with_per_host = f"`limit_per_host` {', '.join(fmt.count(x) for x in sorted(per_host_limits - {0, None}))}"
        rows.append(("limit per host",
                     f"three mockd processes (one host each), round-robin: host 0 slow "
                     f"({fmt.param(ph.median('slow_delay_ms'))} ms), hosts 1–2 fast "
                     f"({fmt.param(ph.median('fast_delay_ms'))} ms); {fmt.count(ph.median('requests'))} requests "
                     f"at once; total limit {fmt.count(lv.limit_of(ph))} "
                     + (f"alone vs with {with_per_host}" if 0 in per_host_limits else
                        f"with {with_per_host} (the total limit alone is {REFERENCE_SWEEP})")))
    if cap is not None:
        c = fmt.count(cap.name.param("cap"))
        rows.append(("semaphore vs connector",
                     f"cap {c}, {fmt.count(cap.median('requests'))} requests, the same cap three ways: "
                     f"`semaphore_pooled` (aiohttp) = every request gathered at once, each task holding one "
                     f"of {c} permits of an `asyncio.Semaphore({c})` (`async with semaphore:`) around its "
                     f"request, over one shared `ClientSession`, no binding connector limit; "
                     f"`workers_pooled` (C++ models, which have no asyncio) = {c} workers each taking the "
                     f"next request over one pooled client: the same bound on requests in flight, not a "
                     f"semaphore; `*_unpooled` = the same with a new connection per request; `connector` = "
                     f"every request issued at once (concurrency 0), pooled, `limit` {c}"))
    return page.setup_table(results, rows)


def _charts(written: dict[str, list[str]]) -> str:
    return page.charts_section(written, {
        "limits_throughput": "Successful requests per second vs limit (both axes log), with the ideal limit ÷ "
                             "delay (dashed). Python models dashed with hollow markers.",
        "limits_latency": "p99 latency (ms) vs limit, with the predicted ⌈requests ÷ limit⌉ × delay (wide grey "
                          "line). Flat by design: each limited run is sized to the same number of waves of "
                          "`limit` requests, so the last requests wait for every wave before them whatever the "
                          "limit; what it shows is that p99 is that queueing (waves × delay), not the server.",
        "limits_peak": "The server's peak of open connections vs limit; wide grey line: min(limit, requests).",
        "limits_per_host": "Fast hosts' p50 and p99 (ms, log scale, points) with a total limit alone vs a total "
                           "plus a per-host limit.",
        "limits_fd": "The gather under a lowered open-file limit: left, successful and failed requests per "
                     "repetition; right, the successful requests per second, with the share that failed "
                     "written beside each point (the unlimited run finishes fast because most requests fail).",
        "limits_cap": "The same cap three ways: connections the server accepted (left) and successful "
                      "requests per second (right), both linear. The bound on requests in flight is an "
                      "`asyncio.Semaphore` for aiohttp and workers for the C++ models.",
    })


def _verdict_section(runs: list[results.Run], v: lv.Verdict) -> str:
    out = [page.verdict_section(lv.RULE_TEXT, v, v.checks, "limits_verdict.py")]
    bound = [(m, limit, r) for m in lv.models(runs) for limit, r, checked in lv.rate_runs(runs, m) if not checked]
    if bound:
        out.append("Not checked against limit ÷ delay, because the ideal is above what the model managed with "
                   "every request in flight (its unlimited sweep run), so the client's CPU, not the server's "
                   "wait, bounds them: "
                   + "; ".join(f"`{r.name.text}`: {fmt.sig(r.median('req_per_s'))} req/s = "
                               f"{fmt.factor_ci(*lv.rate_factor_ci(r))} the ideal "
                               f"{fmt.sig(lv.ideal_rate(limit, r))}, unlimited "
                               f"{fmt.sig(lv.unlimited_rate(runs, m))} req/s" for m, limit, r in bound) + ".")
    return "\n\n".join(out)


def _per_host(runs: list[results.Run]) -> str:
    rows, notes = [], []
    for m in lv.models(runs):
        total_only, with_ph = lv.fast_p99_pair(runs, m)
        for r in (total_only, with_ph):
            if not _ok(r):
                continue
            peaks = " / ".join(fmt.count(r.median(h)) for h in lv.HOSTS)
            rows.append([f"`{r.name.text}`", fmt.ms(r.median("fast_p50_us")), fmt.ms(r.median("fast_p99_us")),
                         fmt.ms(r.median("slow_p50_us")), peaks, fmt.sig(r.median("req_per_s"))])
        if _ok(total_only) and _ok(with_ph):
            f = stats.factor(total_only.median("fast_p99_us"), with_ph.median("fast_p99_us"))
            notes.append(f"{lv.lang(m)}: the fast hosts' p99 is {fmt.ms(total_only.median('fast_p99_us'))} with a total "
                         f"limit alone and {fmt.ms(with_ph.median('fast_p99_us'))} with a per-host limit "
                         f"({fmt.times(f)} lower); the slow host's p50 goes from "
                         f"{fmt.ms(total_only.median('slow_p50_us'))} to {fmt.ms(with_ph.median('slow_p50_us'))}.")
    if not rows:
        return "Not measured in this run."
    text = ("With a total limit alone, the slow host's requests keep their slots for the whole delay while "
            "the fast ones free theirs in a few ms, so after a few rounds every slot holds a slow request "
            "and the remaining fast requests queue behind them. A per-host limit reserves slots for the "
            "fast hosts (at the price of the slow host getting fewer).\n\n")
    if not any(lv.fast_p99_pair(runs, m)[0] for m in lv.models(runs)):
        text += ("This run measured the per-host limit only, for its check (no host above `limit_per_host`); "
                 f"the total limit alone, which the comparison needs, is {REFERENCE_SWEEP}.\n\n")
    text += "\n".join(f"- {n}" for n in notes) + "\n\n" if notes else ""
    return text + fmt.table(["benchmark", "fast p50", "fast p99", "slow p50",
                             "server peak host 0 / 1 / 2", "req/s"], rows)


CAP_LABELS = {
    "semaphore_pooled": "asyncio.Semaphore over one pooled session",
    "semaphore_unpooled": "asyncio.Semaphore, new connection per request",
    "workers_pooled": "workers over one pooled session",
    "workers_unpooled": "workers, new connection per request",
    "connector": "connector limit",
}


def _cap_note(runs: list[results.Run], m: str) -> str | None:
    """One model's connections opened three ways and its connector ÷ bound sentence, or None."""
    bound = lv.bound_of(runs, m)
    if bound is None:
        return None
    pooled, unpooled, conn = (lv.cap_run(runs, m, k) for k in (f"{bound}_pooled", f"{bound}_unpooled", "connector"))
    comparison = lv.cap_comparison(runs, m)
    if not (pooled and conn and comparison):
        return None
    # A default run measures the unpooled bound for aiohttp only (bench/scenarios/limits.cpp).
    unpooled_opened = (f"{fmt.count(unpooled.median('conns_opened'))} ({bound}, new connection per request), "
                       if unpooled else "")
    vs_unpooled = (f"; connector ÷ unpooled {bound} "
                   f"{fmt.factor_ci(*lv.cap_rate_ci(runs, m, 'connector', f'{bound}_unpooled'))}" if unpooled else "")
    return (f"{lv.lang(m)}: connections opened {fmt.count(pooled.median('conns_opened'))} ({bound} over one "
            f"session), {unpooled_opened}{fmt.count(conn.median('conns_opened'))} (connector); "
            f"{comparison.sentence} [check: {comparison.name}]{vs_unpooled}.")


def _cap(runs: list[results.Run]) -> str:
    rows, notes = [], []
    for m in lv.models(runs):
        for mode in lv.CAP_MODES:
            r = lv.cap_run(runs, m, mode)
            if r is None:
                continue
            in_flight = r.median("in_flight_peak")
            rows.append([lv.lang(m), CAP_LABELS[mode], fmt.count(r.median("concurrency")),
                         fmt.count(in_flight) if in_flight is not None else fmt.DASH,
                         fmt.count(r.median("limit")) if r.median("limit") else "none",
                         fmt.count(r.median("conns_opened")), fmt.count(r.median("conns_peak")),
                         fmt.sig(r.median("req_per_s")), fmt.count(r.errors), fmt.pct(r.cv("req_per_s")),
                         fmt.ms(r.median("p50_us")), fmt.ms(r.median("p99_us")), fmt.sig(r.median("cpu_s"))])
        note = _cap_note(runs, m)
        if note:
            notes.append(note)
    if not rows:
        return "Not measured in this run."
    text = ("A semaphore bounds the requests in flight; a connector limit bounds the connections in use. "
            "For aiohttp the bound is a real `asyncio.Semaphore`: every request is gathered at once and each "
            "task holds a permit around its request, over one shared `ClientSession` whose connector limit "
            "never binds; \"in flight\" counts the requests inside the semaphore at once, as the model "
            "counted them. The C++ models have no asyncio: their bound is workers, each taking the next "
            "request, so their rows say workers. Whether a bound over one session opens as few connections "
            "as the connector, and which is faster, is read from the counts and ratios below (each ratio a "
            "geometric mean of the paired repetitions with its 95 % interval; the sentence comparing "
            f"throughput says \"within {fmt.pct(lv.CAP_BAND - 1, 0)}\" only when that whole interval lies "
            "within it). Latency clocks: the semaphore's and the connector's requests start at the gather, "
            "so both p99s include the wait for a permit or a slot; a worker's request starts when the worker "
            "takes it. req/s counts successful requests only.\n\n")
    text += "\n".join(f"- {n}" for n in notes) + "\n\n" if notes else ""
    return text + fmt.table(["model", "bound", "concurrency", "in flight (peak)", "limit", "conns opened",
                             "server peak", "req/s", "failed", "CV", "p50", "p99", "client CPU s"], rows)


def _why(runs: list[results.Run]) -> str:
    parts = [
        "Each open connection is a socket, and a socket is a file descriptor; a process has a soft limit "
        "on open descriptors (`ulimit -n`, `RLIMIT_NOFILE`). A gather without a limit opens one connection "
        "per request at once, so its peak is the number of requests; with a limit the connector hands out "
        "at most `limit` connections and parks the rest of the requests in a queue. Each connection then "
        "serves one request per server delay, so throughput is about limit ÷ delay until the client or the "
        "server runs out of CPU, and the last request of a gather waits about requests ÷ limit × delay."]
    for m in lv.models(runs):
        unl, lim = lv.fd_runs(runs, m)
        if _ok(unl) and _ok(lim):
            child = (" The Python interpreter is started by the run after the limit is lowered (its start-up "
                     "is not timed), so it inherits it; its own default is far above the requests, and the "
                     "20-request primer under that default passed.") if lv.is_python(m) else ""
            parts.append(
                f"{lv.lang(m)} under {fmt.count(unl.name.param('fd_limit'))} descriptors: unlimited, the "
                f"server saw a peak of {fmt.count(unl.median('conns_peak'))} connections before "
                f"`socket()`/`connect()` returned EMFILE for {fmt.count(unl.median('fd_errors'))} of "
                f"{fmt.count(unl.median('requests'))} requests (only {fmt.count(unl.median('requests') - unl.median('errors'))} "
                f"succeeded, {fmt.sig(unl.median('req_per_s'))} successful req/s); with limit "
                f"{fmt.count(lv.limit_of(lim))} all {fmt.count(lim.median('requests'))} succeeded at "
                f"{fmt.sig(lim.median('req_per_s'))} req/s (p99 {fmt.ms(lim.median('p99_us'))}: the wait)." + child)
    sw = []
    for m in lv.models(runs):
        s = dict(lv.sweep(runs, m))
        lo = next((s[k] for k in sorted(s) if k and _ok(s[k])), None)
        unl = s.get(0)
        if lo is not None and _ok(unl):
            sw.append(f"{lv.lang(m)}: limit {fmt.count(lv.limit_of(lo))} {fmt.sig(lo.median('req_per_s'))} req/s, "
                      f"unlimited {fmt.sig(unl.median('req_per_s'))} req/s "
                      f"({fmt.count(unl.median('requests'))} requests at once, server peak "
                      f"{fmt.count(unl.median('conns_peak'))})")
    if sw:
        parts.append("Across the sweep: " + "; ".join(sw) + ".")
    return "\n\n".join(parts)


def _interview(runs: list[results.Run]) -> str:
    said = ("\"A connector limit caps the connections in use at once; aiohttp's default is 100 in total and "
            "unlimited per host. Only connections handed out to requests count: idle ones kept in the pool "
            "do not (aiohttp's connector counts acquired connections). Requests over the limit wait for a "
            "slot, so a big `gather` neither opens thousands of sockets nor hits 'Too many open files'. "
            "Throughput is then about limit ÷ latency, and the wait counts against the connect/total timeout, "
            "so a too-small limit shows up as timeouts. With one slow host, add `limit_per_host` so it cannot "
            "take every slot. A semaphore is a different bound: it limits the requests in flight, not the "
            "connections.")
    measured = _interview_semaphore(runs)
    return said + (" " + measured if measured else "") + "\""


def _interview_semaphore(runs: list[results.Run]) -> str:
    """What the aiohttp cap runs showed about a semaphore over one session, only as far as they show it."""
    m = lv.CLAIM_MODEL
    pooled, unpooled, conn = (lv.cap_run(runs, m, k) for k in ("semaphore_pooled", "semaphore_unpooled", "connector"))
    comparison = lv.cap_comparison(runs, m)
    if not (pooled and unpooled and conn and comparison):
        return ""
    opened = (pooled.median("conns_opened"), unpooled.median("conns_opened"), conn.median("conns_opened"))
    requests = fmt.count(pooled.median("requests"))
    pools = opened[0] <= conn.name.param("cap")
    text = (f"Measured with {requests} requests: an `asyncio.Semaphore` over one shared session opened "
            f"{fmt.count(opened[0])} connections, the connector {fmt.count(opened[2])}, a semaphore with a session "
            f"per request {fmt.count(opened[1])}")
    text += ("; the shared session pools under the semaphore too. " if pools else
             "; the shared session did not keep it within the cap. ")
    s = comparison.sentence
    return text + s[0].upper() + s[1:] + "."


def _caveats(results: results.Results) -> str:
    waves = _waves(results.runs)
    out = [
        "Loopback on one machine, client and server pinned to different cores (see the setup): no network "
        "round trip, so a new connection costs CPU only (the [rtt](../rtt/README.md) scenario measures what "
        "it costs over an emulated round trip).",
        f"The sweep sizes its runs by the limit (about {fmt.count(waves)} waves of `limit` requests) rather "
        "than always the full gather, so a limit-1 run takes a fraction of a second instead of a minute; "
        "the unlimited run issues the full gather. So p99 stays near waves × delay across the limits.",
        "The fd-limited runs lower only the soft limit of the bench process itself (mockd keeps its own), "
        "and the process already holds some descriptors (server pipes, libraries), so fewer than the limit "
        "are left for connections.",
        "The server's peak is sampled by mockd; in the per-host part `conns_peak` is the sum of the three "
        "hosts' peaks, which need not have happened at the same moment.",
        "`curl_multi` maps the limits onto libcurl's own queue (`CURLMOPT_MAX_TOTAL_CONNECTIONS`); "
        "`asio_coro` implements aiohttp's connector semantics itself. Neither is aiohttp: the claim's "
        "figures are `py_aiohttp`'s where the run has it.",
        "The Python model runs in a child interpreter per run; its sweep is sized to at most "
        "1,000 requests (full run) because each Python request costs far more CPU than a C++ one, so its "
        "throughput can fall short of limit ÷ delay once the client's CPU is the bound (the rule then leaves "
        "the run unchecked: its ideal is above the model's own unlimited-gather throughput).",
    ]
    if any(lv.is_python(m) for m in lv.models(results.runs)):
        out.append("`py_aiohttp` reads a plan's limit 0 as aiohttp's default (100), so its `unlimited` runs "
                   "and its semaphore runs are given a limit equal to their number of requests, which never "
                   "binds (as `TCPConnector(limit=0)` would not).")
        out.append("The C++ models' bound on requests in flight is workers, not a semaphore (they have no "
                   "asyncio): their `workers_*` rows show the same bound's connection counts, not "
                   "`asyncio.Semaphore`'s cost.")
    over = [r for r in lv.part(results.runs, "per_host") if _ok(r) and lv.limit_of(r, "limit_per_host")
            and any(max(r.values(h) or [0]) > lv.limit_of(r, "limit_per_host") for h in lv.HOSTS)]
    if over:
        out.append(
            "A host's server-side peak went above `limit_per_host` in "
            + ", ".join(f"`{r.name.text}` ({lv.lang(lv.key(r).model)}; highest per host "
                        f"{' / '.join(fmt.count(max(r.values(h))) for h in lv.HOSTS)})" for r in over)
            + ". aiohttp's connector counts the connections acquired by requests; the server counts every "
            "open socket, idle pooled ones and ones being closed included. aiohttp's hand-over of a freed "
            "slot to a waiting request is known to race (aiohttp issue #4936), and `py_aiohttp` counts new "
            "connections with a `TraceConfig`, for which aiohttp 3.8 awaits `on_connection_create_end` "
            "after taking the new connection's placeholder off its count: another window. The total limit, "
            "which keeps the process under its open-file limit, held.")
    return page.caveats(results, out, counter="req_per_s", what="successful req/s")


def _numbers(results: results.Results) -> str:
    def ms_of(counter: str) -> page.Column:
        return page.counter_column(f"{counter[:-3]} ms", counter, scale=1e-3)

    def fd_cell(run: Run) -> str:
        return fmt.count(run.total("fd_errors")) if run.values("fd_errors") else fmt.DASH
    columns = [
        page.counter_column("req/s (successful, median)", "req_per_s"),
        page.cv_column("req_per_s", "CV"),
        ms_of("p50_us"), ms_of("p99_us"),
        page.Column("p99.9 ms", lambda r: fmt.sig(None if r.percentile(99.9) is None else r.percentile(99.9) / 1000)),
        page.counter_column("requests", "requests", fmt.count),
        page.counter_column("conns opened", "conns_opened", fmt.count),
        page.counter_column("server peak", "conns_peak", fmt.count),
        page.Column("fd errors", fd_cell),
    ]
    note = ("Medians over the repetitions; req/s counts successful requests only, and the failed requests "
            "(errors and, of them, fd exhaustion: summed over all repetitions) stand beside it; CV = standard "
            "deviation ÷ mean of req/s; p99.9 from spectra.json (successful requests of all repetitions "
            "pooled); requests, connections and peak per repetition (counted by the server; in the per-host "
            "part the sum over the three hosts). ⚠ marks a failed benchmark or unexpected errors; the "
            "fd-limited unlimited gathers' errors are expected.")
    return page.numbers_table(results, columns, note=note, expected=expected_error)


def expected_error(run: results.Run, kind: str) -> str | None:
    """Why an error kind is expected in this run (for page.errors_section / numbers_table), else None:
    the unlimited gather under a lowered open-file limit is meant to run out of descriptors."""
    if lv.key(run).part == "fd" and lv.limit_of(run) == 0 and kind == "fd_exhausted":
        return "no connector limit under a lowered open-file limit: the point of this run"
    return None
