"""Claim C4 (sync vs async fetching, gather vs sequential awaits): the
scenario module. verdict() gives the index's one-line verdict; sections()
gives the page between its claim and its footer (page.write_page). Every
figure in the page comes from the results; nothing is extrapolated.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import fmt, headline as hl, models, page, stats
from . import sync_vs_async_verdict as sv

if TYPE_CHECKING:
    from . import results
    from .results import Run  # for nested functions, where a parameter named results hides the module

NAME = "sync_vs_async"
TITLE = "C4 sync vs async: fetching K URLs one by one or all at once"
HEADLINE_CHART = "charts/sync_vs_async_headline.png"
# Where a default run's missing series and K are (bench/scenarios/sync_vs_async.cpp, kDefaultGrid).
REFERENCE_SWEEP = "measured by `bench --reference`, as in the committed reference"

CLAIM = (
    "Fetching many URLs concurrently takes about as long as the slowest one; fetching them one after the "
    "other takes the sum. In asyncio terms: `await`ing K requests in a loop costs K × L, `asyncio.gather` of "
    "the same K coroutines costs about L. Here K URLs (distinct paths `/item/<i>?delay_ms=L` on one local "
    "mock server) each answer after L ms. Python clients fetch them with `requests` one by one (one Session, "
    "and `requests.get` per URL as the usual example does), with `requests` on 32 worker threads, and with "
    "`aiohttp` gathering every request on one thread. C++ clients show the mechanism: the same coroutine code "
    "(`asio_coro`) awaiting one by one or with every request in flight, blocking libcurl one by one, a thread "
    "per request, 32 worker threads, and `curl_multi` with every transfer at once.")


def verdict(results: results.Results) -> sv.Verdict:
    return sv.decide(results.runs)


def headline(results: results.Results) -> list[hl.Figure]:
    """The verdict's pairs: one by one ÷ every request in flight on one thread (wall time), per
    language, at the largest K >= MIN_K both ran error-free, with the 95 % CI."""
    if sv.delay_of(results.runs) is None:
        return []
    return hl.measured(hl.figure(f"{p.language}: `{p.sequential.id}` ÷ `{p.gathered.id}`, wall time, "
                                 f"K = {fmt.count(p.k)}", p.speedup)
                       for p in sv.headline_pairs(results.runs))


def sections(results: results.Results, charts_written: dict[str, list[str]], v: sv.Verdict) -> list[str]:
    """The page between its claim and its footer (see page.write_page)."""
    runs = results.runs
    return [
        "## Setup\n\n" + _setup(results),
        "## Headline: one thread, all at once vs one by one\n\n" + _headline(runs, v),
        "## Charts\n\n" + _charts(charts_written),
        "## Verdict\n\n" + _verdict_section(runs, v),
        "## Memory per request in flight\n\n" + _memory(runs),
        "## Why it happens\n\n" + _why(runs),
        "## In an interview\n\n" + _interview(runs, v),
        "## Caveats\n\n" + _caveats(results),
        "## Numbers\n\n" + _numbers(results),
        "## Errors\n\n" + page.errors_section(results),
    ]


def _setup(results: results.Results) -> str:
    runs = results.runs
    L = sv.delay_of(runs)
    idx = sv.index(runs)
    lines = []
    for s in sv.series_present(runs):
        measured = [k for k in sv.ks(runs) if (s.id, k) in idx]
        lines.append(f"`{s.id}` ({s.language}, c:{fmt.param(sv.c_of(runs, s))}): K = "
                     + ", ".join(fmt.count(k) for k in measured))
    missing = [s.id for s in sv.SERIES if s not in sv.series_present(runs)]
    rows = [
        ("server", "mockd's asio engine, one thread: each delay waits on a timer, so it serves any number of "
                   "delayed requests at once"),
        ("URLs", f"K distinct paths `/item/<i>?delay_ms={fmt.param(L)}`, each fetched once, plain HTTP, "
                 "16-byte bodies (status and size checked)"),
        ("series measured (language, concurrency; c:0 = all at once)", "; ".join(lines)),
        ("pooling", "on (each model's session keeps its connections; in flight at once, one connection per "
                    "request), except `py_requests/sequential_nopool`: `requests.get` per URL, a new "
                    "connection each"),
        ("memory", "C++ models run in bench's process: the run's peak RSS above the RSS at its start "
                   "(`rss_growth_mb`, peak reset and `malloc_trim` just before the run). Python models run in "
                   "a fresh `python3` child per run: its peak RSS (`rss_mb`, interpreter included), shown in "
                   "the numbers table only (see *Memory per request in flight*)"),
    ]
    if missing:
        why = (f"{REFERENCE_SWEEP}; the default run measures the series and K that the verdict, the headline "
               "figures and the interview guide read" if results.mode == "default"
               else "a model not built in is not registered, e.g. the Python models before they land")
        rows.append(("not in this run", ", ".join(f"`{m}`" for m in missing) + f" ({why})"))
    return page.setup_table(results, rows)


def _headline(runs: list[results.Run], v: sv.Verdict) -> str:
    L = sv.delay_of(runs)
    out = []
    if v.pairs:
        rows = []
        for p in v.pairs:
            est, lo, hi = p.speedup
            rows.append([p.language, fmt.count(p.k), f"`{p.sequential.id}`", fmt.ms(p.seq_ms * 1000),
                         f"`{p.gathered.id}`", fmt.ms(p.gat_ms * 1000), fmt.factor_ci(est, lo, hi)])
        out.append("Both sides measured at the same K (never an extrapolated K × L), one thread each; "
                   "speed-up = one-by-one wall ÷ all-at-once wall, paired repetitions:\n\n"
                   + fmt.table(["language", "K", "one by one", "wall", "all at once", "wall", "speed-up"], rows))
    else:
        out.append(f"No single-thread pair was measured error-free at one K ≥ {sv.MIN_K}.")
    if not any(p.language == models.PYTHON for p in v.pairs):
        out.append("**Python not measured in this run**: the Python client models were not built in (or failed), "
                   "so the figures above are C++ only; a C++ model shows the mechanism, not what a Python "
                   "library costs.")
    out.append(_pooling_confound(runs, L))
    return "\n\n".join(x for x in out if x)


def _pooling_confound(runs: list[results.Run], L: int) -> str:
    """requests.get per URL vs one Session (both one by one) vs aiohttp gathered, at the
    largest K all three ran error-free."""
    ids = sv.POOLING_CONFOUND
    common = [k for k in sv.ks(runs) if all(sv.clean(runs, sid, k) for sid in ids)]
    if not common:
        return ("The pooling confound (`requests.get` per URL vs one Session vs `aiohttp`) needs all three "
                "Python series at one K; not in this run.")
    k = common[-1]
    nopool, session, gathered = (sv.clean(runs, sid, k) for sid in ids)
    rows = []
    for r in (nopool, session, gathered):
        rows.append([f"`{sv.series_of(r).id}`", fmt.ms(sv.wall_ms(r) * 1000),
                     fmt.sig(stats.factor(sv.wall_ms(r), k * L)), fmt.count(r.median("conns_opened")),
                     fmt.sig(r.median("p50_us") / 1000 if r.median("p50_us") is not None else None)])
    extra_ms = stats.factor(sv.wall_ms(nopool) - sv.wall_ms(session), k)
    share = pooling_share(runs)
    text = (f"**The pooling confound** (K = {fmt.count(k)}): the usual example compares `requests.get` per URL "
            "(a new connection each time) with `aiohttp` (pooled, gathered), so two things change at once. "
            "Here the three are measured apart:\n\n"
            + fmt.table(["series", "wall", "÷ K × L", "connections opened", "p50 per request, ms"], rows) + "\n\n")
    if extra_ms is not None and extra_ms > 0:
        text += (f"A new connection per request cost {fmt.ms(extra_ms * 1000)} more per request than one Session "
                 "(on loopback the handshake's network cost is microseconds; the rest is client-side set-up). "
                 f"Pooling accounts for {fmt.pct(share, 0)} of the gap between `requests.get` one by one and "
                 "`aiohttp` gathered; the rest is concurrency.")
    else:
        est, lo, hi = stats.paired_ratio_ci(nopool.values("wall_ms"), session.values("wall_ms"))
        text += (f"`requests.get` per URL was not slower than one Session here ({fmt.ms(sv.wall_ms(nopool) * 1000)} vs "
                 f"{fmt.ms(sv.wall_ms(session) * 1000)}; ratio {fmt.factor_ci(est, lo, hi)}): on loopback a new "
                 "connection costs little "
                 "next to a 50 ms wait, so pooling explains none of the gap to `aiohttp` gathered; concurrency "
                 "explains all of it.")
    return text


def pooling_share(runs: list[results.Run]) -> float | None:
    """(nopool − Session) ÷ (nopool − aiohttp gathered) at the largest K all three ran: the
    part of the usual example's gap that pooling alone explains. None when not measured."""
    ids = sv.POOLING_CONFOUND
    common = [k for k in sv.ks(runs) if all(sv.clean(runs, sid, k) for sid in ids)]
    if not common:
        return None
    nopool, session, gathered = (sv.wall_ms(sv.clean(runs, sid, common[-1])) for sid in ids)
    return stats.factor(nopool - session, nopool - gathered)


def _charts(written: dict[str, list[str]]) -> str:
    captions = {
        "sync_vs_async_headline": "The headline K: every series' wall time at the largest K where a single-thread "
                                  "pair was measured (log axis, points: each repetition small, the median large, "
                                  "its value in ms beside it), Python above C++.",
        "sync_vs_async_wall": "Wall time of fetching K URLs vs K (log-log, measured points only), with the ideals "
                              "K × L (one by one) and L (all at once).",
        "sync_vs_async_memory": "Memory vs requests in flight (linear axes), C++ models only: each run's own "
                                "memory growth against the server's peak of open connections; the slope is the "
                                "cost of one more request in flight, labelled only where it is far above the "
                                "noise.",
        "sync_vs_async_resources": "Threads created and the connections the server had open at once, vs K "
                                   "(log-log).",
    }
    return page.charts_section(written, captions)


def _verdict_section(runs: list[results.Run], v: sv.Verdict) -> str:
    L = sv.delay_of(runs)
    out = [page.verdict_section(sv.RULE_TEXT, v, v.checks, "sync_vs_async_verdict.py")]
    ks = sv.ks(runs)
    idx = sv.index(runs)
    header = ["series", "language", "c"] + [f"K = {fmt.count(k)}" for k in ks]
    rows = []
    for s in sv.series_present(runs):
        row = [f"`{s.id}`", s.language, fmt.param(sv.c_of(runs, s))]
        for k in ks:
            run = idx.get((s.id, k))
            if run is None:
                row.append(fmt.DASH)
            elif run.failed:
                row.append("**failed**")
            else:
                w = sv.wall_ms(run)
                row.append(f"{fmt.ms(w * 1000)} ({fmt.sig(w / (k * L))} × KL, CV {fmt.pct(run.cv('wall_ms'), 0)})"
                           + (" ⚠" if run.flagged else ""))
        rows.append(row)
    rows.append(["K × L ÷ " + str(sv.GATHER_FACTOR), "", ""] + [fmt.ms(k * L / sv.GATHER_FACTOR * 1000) for k in ks])
    out.append("Median wall time of every measured run, as a fraction of K × L (the one-by-one ideal), with the CV "
               "of its repetitions (— = not measured at that K; ⚠ = failed requests):\n\n" + fmt.table(header, rows))
    sig = sv.signature(runs)
    if sig:
        broken = [x for x in sig if not x[2]]
        text = ("### Signature\n\nChecked on every error-free run: sequential wall ≥ K × L in every repetition; "
                "every gathered run (`asio_coro`, `curl_multi`, `py_aiohttp`) on one thread; a thread per request "
                "creates K threads. ")
        if not broken:
            text += f"All {len(sig)} checks hold."
        else:
            text += (f"{len(sig) - len(broken)} of {len(sig)} checks hold; **broken**:\n\n"
                     + fmt.table(["benchmark", "expected"], [(f"`{r.name.text}`", t) for r, t, _ in broken]))
        out.append(text)
    return "\n\n".join(out)


def _memory_rows(runs: list[results.Run]) -> list[sv.MemorySlope]:
    """The C++ series' memory slopes (sv.memory_slope gives none for Python), sound or not."""
    out = []
    for s in sv.series_present(runs):
        m = sv.memory_slope(runs, s)
        if m is not None:
            out.append(m)
    return out


def sound_memory_slopes(runs: list[results.Run]) -> list[sv.MemorySlope]:
    return [m for m in _memory_rows(runs) if m.sound]


def _python_memory(runs: list[results.Run]) -> str:
    """Why the page gives no Python figure: the child's peak RSS over every error-free Python run,
    sequential ones included, beside the wobble of one sequential run."""
    mems = [sv.memory_mb(r) for r in runs if not r.flagged and sv.series_of(r) is not None
            and sv.series_of(r).is_python]
    mems = [m for m in mems if m is not None]
    if not mems:
        return ""
    wobble = sv.memory_wobble_mb(runs, models.PYTHON)
    text = (f"No Python figure: a Python model's memory here is its child process's peak RSS, interpreter "
            f"included, which was {fmt.sig(min(mems))}–{fmt.sig(max(mems))} MiB (medians) in every Python run, "
            f"sequential ones included")
    if wobble is not None:
        text += f"; one sequential run's repetitions alone moved by {fmt.sig(wobble * 1024)} KiB"
    return (text + ". A difference of that size divided by a request count is not a cost per request. Memory "
            "per task and per thread is measured directly by the [tasks](../tasks/README.md) scenario.")


def _memory(runs: list[results.Run]) -> str:
    slopes = _memory_rows(runs)
    sound = [m for m in slopes if m.sound]
    out = []
    if sound:
        rows = [[f"`{m.series.id}`", m.series.language, f"{fmt.count(m.k1)} → {fmt.count(m.k2)}",
                 f"{fmt.count(m.n1)} → {fmt.count(m.n2)}", f"{fmt.sig(m.mb1)} → {fmt.sig(m.mb2)}",
                 f"**{fmt.sig(m.rss_per_inflight_kib)}**"] for m in sound]
        out.append("`rss_per_inflight_kib` = (memory at K2 − memory at K1) ÷ (in flight at K2 − in flight at K1), "
                   "between the two largest error-free K: what one more request in flight costs, with the fixed "
                   "costs (libraries, the event loop) cancelled out. In flight = the server's peak of open "
                   "connections. Memory = the run's own growth (`rss_growth_mb`), C++ models only. A series is "
                   f"quoted only when its memory difference is at least {sv.MEMORY_NOISE_FACTOR}x what one "
                   f"sequential C++ run's memory moves by between its repetitions "
                   f"({fmt.sig(sound[0].wobble_mb * 1024)} KiB here).\n\n"
                   + fmt.table(["series", "language", "K", "in flight", "memory MiB", "rss_per_inflight_kib"], rows))
    noisy = [m for m in slopes if not m.sound]
    if noisy:
        wobble = noisy[0].wobble_mb
        out.append("Not quoted, within the noise (memory difference below "
                   f"{sv.MEMORY_NOISE_FACTOR}x the wobble of a sequential run"
                   + (f", {fmt.sig(wobble * 1024)} KiB" if wobble is not None else ", not measured") + "): "
                   + ", ".join(f"`{m.series.id}` ({fmt.sig((m.mb2 - m.mb1) * 1024)} KiB between K = "
                               f"{fmt.count(m.k1)} and {fmt.count(m.k2)})" for m in noisy) + ".")
    if not out and not sv.memory_sweep_measured(runs):
        out.append("No C++ per-request figure: this run measured each concurrent C++ series at one K only, and "
                   f"the figure needs two; the sweep over K is {REFERENCE_SWEEP}.")
    elif not out:
        out.append("No C++ per-request figure: no concurrent C++ series ran error-free at two K with different "
                   "numbers in flight.")
    by = {m.series.id: m.rss_per_inflight_kib for m in sound}
    coro, thread = by.get("asio_coro/gather"), by.get("threads_curl/thread_per_request")
    if coro is not None and thread is not None:
        if coro > thread:
            out.append(f"Here a coroutine in flight cost more resident memory than a thread ({fmt.sig(coro)} vs "
                       f"{fmt.sig(thread)} KiB). A thread's stack is 8 MiB of virtual memory, but only the few "
                       "pages it touches become resident (a few KiB for a blocking libcurl call), and glibc "
                       "reuses the stacks of finished threads. A coroutine's frame, its Beast buffers and its "
                       "socket state are all allocated and resident, so per request they can weigh more.")
        else:
            out.append(f"Here a coroutine in flight cost less resident memory than a thread ({fmt.sig(coro)} vs "
                       f"{fmt.sig(thread)} KiB). A thread's 8 MiB stack is virtual and mostly untouched, but "
                       "each thread still costs its touched stack pages, its TLS, its libcurl easy handle and "
                       "malloc arena traffic; a coroutine costs its frame, its buffers and its socket.")
    if "threads_curl/thread_per_request" in by:
        out.append("A thread per request creates K threads, but fewer are in flight at once (threads that start "
                   "early finish and take further URLs), so its figure is per request in flight, not per thread.")
    out += _queued(runs)
    python = _python_memory(runs)
    if python:
        out.append(python)
    return "\n\n".join(out)


def _queued(runs: list[results.Run]) -> list[str]:
    """A C++ series that ran a larger K at no more requests in flight (a connector limit): what the
    requests waiting for a connection cost, when that difference is far above the noise too."""
    out = []
    for m in sound_memory_slopes(runs):
        s = m.series
        for k in sv.ks(runs):
            r = sv.clean(runs, s.id, k)
            if k <= m.k2 or r is None or sv.in_flight(r) is None or sv.in_flight(r) > m.n2:
                continue
            mb = sv.memory_mb(r)
            if mb is None or mb - m.mb2 < sv.MEMORY_NOISE_FACTOR * m.wobble_mb:
                continue
            out.append(f"`{s.id}` at K = {fmt.count(k)} still had at most {fmt.count(sv.in_flight(r))} requests in "
                       f"flight, yet used {fmt.sig(mb - m.mb2)} MiB more than at K = {fmt.count(m.k2)}: "
                       f"{fmt.sig((mb - m.mb2) * 1024 / (k - m.k2))} KiB per request waiting for a connection "
                       "(gathered at once, every request's task exists from the start, queued or not).")
    return out


def _why(runs: list[results.Run]) -> str:
    L = sv.delay_of(runs)
    out = [
        "- **Waiting is not working**: each request spends L ms waiting for the server. A sequential client "
        "waits K times in a row, so its wall time is K × L plus a little per request. A concurrent client "
        "overlaps the waits: with every request in flight at once the run takes about L plus the time to "
        "start K requests and read K answers.",
        "- **Sequential awaits are still sequential**: `asio_coro` with concurrency 1 is the same coroutine "
        "code, awaiting each request before starting the next; the event loop is idle during each wait, so it "
        "costs K × L exactly like blocking code. Concurrency comes from having many awaits in flight, not from "
        "`async` itself.",
        "- **Threads vs one event loop**: a thread per request overlaps the waits too, but each thread is a "
        "kernel task that must be created and scheduled; c worker threads cap the overlap at c, so K requests "
        "take about ceil(K / c) × L. `curl_multi`, `asio_coro` and `aiohttp` keep every request as a small "
        "state machine on one thread driven by one poll loop.",
    ]
    for sid, what in (("py_aiohttp/gather", "Python"), ("asio_coro/gather", "C++")):
        k = next((k for k in reversed(sv.ks(runs)) if sv.clean(runs, sid, k)), None)
        if k is None or not L:
            continue
        g = sv.clean(runs, sid, k)
        wall, cpu = g.median("wall_ms"), g.median("cpu_s")
        share = cpu / (wall / 1000) if wall and cpu is not None else None
        out.append(f"- **Not quite L at large K ({what})**: `{sid}` fetched K = {fmt.count(k)} in "
                   f"{fmt.ms(wall * 1000)} = {fmt.sig(wall / L)} × L on one thread, using {fmt.sig(cpu)} s of "
                   f"client CPU, {fmt.pct(share, 0)} of the wall time"
                   + (": at this K the client's work per request (connections, parsing), not the server's "
                      "delay, sets the wall time." if share is not None and share >= 0.5 else "."))
    out += _connector_cap(runs)
    return "\n".join(out)


def _connector_cap(runs: list[results.Run]) -> list[str]:
    """aiohttp's gather with fewer connections in flight than requests: its connector's limit."""
    L = sv.delay_of(runs)
    capped = [k for k in sv.ks(runs) if sv.clean(runs, "py_aiohttp/gather", k)
              and sv.in_flight(sv.clean(runs, "py_aiohttp/gather", k)) < k]
    if not capped or not L:
        return []
    k = capped[-1]
    r = sv.clean(runs, "py_aiohttp/gather", k)
    n = sv.in_flight(r)
    return [f"- **aiohttp's connector caps what is in flight**: gathering K = {fmt.count(k)} requests, the server saw "
            f"at most {fmt.count(n)} connections at once. A `ClientSession` with its default `TCPConnector` holds "
            f"a limited number of connections and queues the other requests, so the batch takes about "
            f"ceil(K ÷ {fmt.count(n)}) × L = {fmt.ms(-(-k // n) * L * 1000)}; measured {fmt.ms(sv.wall_ms(r) * 1000)}. "
            "Gather does not mean unbounded: the connector's limit is the concurrency."]


def _interview(runs: list[results.Run], v: sv.Verdict) -> str:
    text = ("> Awaiting requests one by one in a loop is still sequential: K requests of L ms take K × L. "
            "Concurrency comes from putting them in flight together, with `asyncio.gather` (or a TaskGroup) "
            "or threads, and then the batch takes roughly the slowest request. ")
    py = next((p for p in v.pairs if p.language == models.PYTHON), None)
    cpp = next((p for p in v.pairs if p.language == models.CPP), None)
    if py:
        text += (f"Measured here in Python: {fmt.count(py.k)} URLs of {fmt.param(sv.delay_of(runs))} ms took "
                 f"{fmt.ms(py.seq_ms * 1000)} with a `requests` Session one by one and {fmt.ms(py.gat_ms * 1000)} "
                 "with `aiohttp` and `asyncio.gather` on one thread. ")
    if cpp:
        text += (f"A C++ coroutine client shows the same mechanism: {fmt.ms(cpp.seq_ms * 1000)} awaiting one by one, "
                 f"{fmt.ms(cpp.gat_ms * 1000)} with every request in flight. ")
    share = pooling_share(runs)
    if share is not None:
        text += ("Don't credit the speed-up to connection reuse: switching `requests.get` per URL to one Session "
                 + (f"closed {fmt.pct(share, 0)} of the gap to `aiohttp` here" if share > 0 else
                    "closed none of the gap to `aiohttp` here") + "; overlapping the waits did the rest. ")
    text += ("At thousands of requests, bound the "
             "concurrency (a semaphore, the connector limit) to spare the server and your file descriptors.")
    capped = _connector_cap(runs)
    if capped:
        text += (" `aiohttp`'s default connector already bounds it: see *Why it happens*, the batch then takes "
                 "K ÷ limit rounds of L.")
    if v.word != "confirmed" and v.reasons:
        text += " (Here: " + "; ".join(v.reasons) + ".)"
    return text


def _caveats(results: results.Results) -> str:
    return page.caveats(results, [
        "Loopback, one machine: no network round trips, so connection set-up costs CPU here rather than "
        "latency; over a real network a new connection per request costs round trips too.",
        "Nothing is extrapolated: a series is compared only at the K it ran. The one-by-one series stop at "
        "K = 100 (5 s a repetition), the 32 workers at 100, Python's gather at 1,000.",
        "A gathered run with pooling on opens up to K connections at once (client and server file "
        "descriptors); real code should bound that concurrency.",
        "Every request is delayed the same L; with spread-out delays the gathered time is the slowest one.",
        "Python's memory in the numbers table is a child process's peak (interpreter included), C++'s the "
        "growth of bench's own process: the two are not comparable, and only C++ slopes far above the noise "
        "are quoted as memory per request.",
    ], counter="wall_ms", what="wall time")


def _numbers(results: results.Results) -> str:
    L = sv.delay_of(results.runs)

    def per_kl(run: Run) -> str:
        k = sv.k_of(run)
        return fmt.sig(stats.factor(run.median("wall_ms"), k * L) if k and L else None)

    columns = [
        page.Column("c", lambda r: fmt.param(r.name.param("c"))),
        page.Column("wall ms (median)", lambda r: fmt.sig(r.median("wall_ms"))),
        page.cv_column("wall_ms", "CV"),
        page.Column("÷ K × L", per_kl),
        page.counter_column("p50 ms", "p50_us", scale=1e-3),
        page.Column("memory MiB", lambda r: fmt.sig(sv.memory_mb(r))),
        page.counter_column("threads", "threads_created", show=fmt.count),
        page.counter_column("conns opened", "conns_opened", show=fmt.count),
        page.counter_column("conns peak (server)", "conns_peak", show=fmt.count),
        page.counter_column("CPU s", "cpu_s"),
    ]
    note = ("Medians over the repetitions; CV of wall time; ÷ K × L = wall ÷ the one-by-one ideal; memory = the "
            "run's own growth (C++: `rss_growth_mb`) or the Python child's peak (`rss_mb`); threads and "
            "connections per repetition (connections counted by the server); errors summed over all "
            "repetitions. ⚠ marks a failed benchmark or one with errors.")
    return page.numbers_table(results, columns, note=note)
