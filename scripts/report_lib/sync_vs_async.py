"""Claim C4 (sync vs async fetching, gather vs sequential awaits): the
scenario module. verdict() gives the index's one-line verdict; write_page()
writes charts/ and README.md under DIR/sync_vs_async/. Every figure in the
page comes from the results.
"""

from . import fmt, stats
from . import sync_vs_async_verdict as sv

NAME = "sync_vs_async"
TITLE = "C4 sync vs async: fetching K URLs one by one or all at once"
HEADLINE_CHART = "charts/sync_vs_async_wall.png"

CLAIM = (
    "Fetching many URLs concurrently takes about as long as the slowest one; fetching them one after the "
    "other takes the sum. In asyncio terms: `await`ing K requests in a loop costs K × L, `asyncio.gather` of "
    "the same K coroutines costs about L. Here K URLs (distinct paths `/item/<i>?delay_ms=L` on one local "
    "mock server) each answer after L ms, and the client models fetch all K: sequentially (`blocking_curl`; "
    "`asio_coro` awaiting one by one, the same coroutine code with concurrency 1), with a thread per "
    "request, with a pool of 32 threads, with `curl_multi` (every transfer at once) and with `asio_coro` "
    "gathering every request (one coroutine per request on one thread).")


def verdict(results):
    return sv.decide(results.runs)


def sections(results, charts_written, v):
    """The page between its claim and its footer (see page.write_page)."""
    runs = results.runs
    return [
        "## Setup\n\n" + _setup(results),
        "## Charts\n\n" + _charts(charts_written),
        "## Verdict\n\n" + _verdict_section(runs, v),
        "## Why it happens\n\n" + _why(results),
        "## In an interview\n\n" + _interview(runs),
        "## Caveats\n\n" + _caveats(results),
        "## Numbers\n\n" + _numbers(results),
        "## Errors\n\n" + _errors(results),
    ]


def _setup(results):
    ctx, runs = results.ctx, results.runs
    L = sv.delay_of(runs)
    idx = sv.index(runs)
    lines = []
    for s in sv.series_present(runs):
        measured = [k for k in sv.ks(runs) if (s.id, k) in idx]
        c = idx[(s.id, measured[0])].name.param("c") if measured else None
        lines.append(f"`{s.id}` (c:{fmt.param(c)}): K = {', '.join(fmt.count(k) for k in measured)}")
    rows = [
        ("machine", ctx("suite_machine", "not recorded")),
        ("versions", ctx("suite_versions", "not recorded")),
        ("server", ctx("suite_server", "not recorded") + "; mockd's asio engine, one thread: each delay waits "
                   "on a timer, so it serves any number of delayed requests at once"),
        ("command", f"`{ctx('suite_command')}`" if ctx("suite_command") else "not recorded"),
        ("run", f"{ctx('date', 'date not recorded')} on {ctx('host_name', 'an unnamed host')}, "
                f"{'**quick** (smaller grid, numbers are rough)' if results.quick else 'full'}"),
        ("URLs", f"K distinct paths `/item/<i>?delay_ms={fmt.param(L)}`, each fetched once, plain HTTP, "
                 "16-byte bodies (status and size checked)"),
        ("series measured (concurrency)", "; ".join(lines)),
        ("pooling", "on: each model's session keeps its connections (a worker or the sequential loop reuses one; "
                    "`curl_multi` and gathered `asio_coro` open one per request in flight, up to K)"),
        ("extrapolated", "the sequential series beyond the largest K they ran (K × L) and the 32-thread pool "
                         "beyond its largest K (ceil(K/32) × L): ideal figures, drawn hollow and dashed, marked "
                         "in the table; a real run would take a little longer"),
        ("repetitions", f"{results.repetitions} per benchmark; medians and CV over them; wall_ms = the whole run"),
    ]
    return fmt.table(["", ""], rows)


def _charts(written):
    if not written:
        return "Charts were not generated for this report (`--no-charts`)."
    captions = {
        "sync_vs_async_wall": "Wall time of fetching K URLs vs K (log-log), with the ideals K × L (one by one) "
                              "and L (all at once). Hollow markers on dashed lines are extrapolated, not measured.",
        "sync_vs_async_resources": "Client memory (peak RSS above the run's start), threads created, and the "
                                   "connections the server had open at once, vs K (measured runs only).",
    }
    return "\n\n".join(f"{captions[stem]}\n\n![{stem}](charts/{stem}.png)\n([SVG](charts/{stem}.svg))"
                       for stem in written if stem in captions)


def _verdict_section(runs, v):
    L = sv.delay_of(runs)
    out = ["Rule (`scripts/report_lib/sync_vs_async_verdict.py`): " + sv.RULE_TEXT,
           f"Outcome: **{v.word}**." + (" " + "; ".join(v.reasons) + "." if v.reasons else "")]
    ks = sv.ks(runs)
    idx = sv.index(runs)
    header = ["series"] + [f"K = {fmt.count(k)}" for k in ks]
    rows = []
    for s in sv.series_present(runs):
        row = [f"`{s.id}`"]
        for k in ks:
            run = idx.get((s.id, k))
            p = next((p for p in sv.points(runs) if p.series == s and p.k == k), None)
            if run is not None and run.failed:
                row.append("**failed**")
            elif run is not None:
                w = sv.wall_ms(run)
                row.append(f"{fmt.sig(w)} ms ({fmt.sig(w / (k * L))} × KL)" + (" ⚠" if run.flagged else ""))
            elif p is not None:
                row.append(f"*≥ {fmt.sig(p.wall_ms)} ms, extrapolated*")
            else:
                row.append(fmt.DASH)
        rows.append(row)
    rows.append(["K × L / " + str(sv.GATHER_FACTOR)] + [f"{fmt.sig(k * L / sv.GATHER_FACTOR)} ms" for k in ks])
    out.append("Median wall time of each run, and as a fraction of K × L (the sequential ideal):\n\n"
               + fmt.table(header, rows))
    sp_rows = [(f"`{sid}`", fmt.count(k), fmt.times(f),
                "K × L, extrapolated" if extra else "measured `blocking_curl/sequential`")
               for sid, (k, f, extra) in v.speedups.items()]
    seq_k = _largest_clean_k(runs, "blocking_curl/sequential")
    if seq_k is not None:
        seq = _run(runs, "blocking_curl/sequential", seq_k)
        for s in sv.series_present(runs):
            r = _run(runs, s.id, seq_k)
            if not s.sequential and r is not None and v.speedups.get(s.id, (None,))[0] != seq_k:
                sp_rows.append((f"`{s.id}`", fmt.count(seq_k),
                                fmt.times(stats.factor(seq.median("wall_ms"), r.median("wall_ms"))),
                                "measured `blocking_curl/sequential`"))
    if sp_rows:
        out.append("Speed-up over sequential at each concurrent model's largest error-free K, and at the largest K "
                   "where a sequential run was measured:\n\n"
                   + fmt.table(["series", "K", "speed-up", "sequential figure"], sp_rows))
    sig = sv.signature(runs)
    if sig:
        broken = [x for x in sig if not x[2]]
        text = ("### Signature\n\nChecked on every error-free run: sequential wall ≥ K × L in every repetition; "
                "`asio_coro` runs on one thread; a thread per request creates K threads. ")
        if not broken:
            text += f"All {len(sig)} checks hold."
        else:
            text += (f"{len(sig) - len(broken)} of {len(sig)} checks hold; **broken**:\n\n"
                     + fmt.table(["benchmark", "expected"], [(f"`{r.name.text}`", t) for r, t, _ in broken]))
        out.append(text)
    return "\n\n".join(out)


def _run(runs, sid, k):
    r = sv.index(runs).get((sid, k))
    return None if r is None or r.flagged else r


def _largest_clean_k(runs, sid):
    clean = [k for k in sv.ks(runs) if _run(runs, sid, k) is not None]
    return clean[-1] if clean else None


def _why(results):
    runs = results.runs
    L = sv.delay_of(runs)
    ks = sv.ks(runs)
    out = [
        "- **Waiting is not working**: each request spends L ms waiting for the server. A sequential client "
        "waits K times in a row, so its wall time is K × L plus a little per request. A concurrent client "
        "overlaps the waits: with every request in flight at once the run takes about L plus the time to "
        "start K requests and read K answers.",
        "- **Threads vs coroutines**: a thread per request overlaps the waits too, but each thread is a kernel "
        "object with its own stack (8 MiB of virtual memory here, mostly untouched) that must be created and "
        "scheduled. A fixed pool of c threads caps the overlap: K requests take about ceil(K / c) × L. "
        "`curl_multi` and gathered `asio_coro` keep every request as a small state machine on one thread, "
        "driven by one poll loop (`curl_multi_poll`; asio's epoll reactor).",
        "- **Sequential awaits are still sequential**: `asio_coro` with concurrency 1 is the same coroutine "
        "code, awaiting each request before starting the next; the event loop is idle during each wait, so it "
        "costs K × L exactly like blocking code. Concurrency comes from having many awaits in flight "
        "(gather), not from `async` itself.",
    ]
    g_k = _largest_clean_k(runs, "asio_coro/gather")
    if g_k is not None and L:
        g = _run(runs, "asio_coro/gather", g_k)
        wall, cpu = g.median("wall_ms"), g.median("cpu_s")
        out.append(f"- **Not quite L at large K**: gathered `asio_coro` fetched K = {fmt.count(g_k)} in "
                   f"{fmt.sig(wall)} ms = {fmt.sig(wall / L)} × L. It opened "
                   f"{fmt.count(g.median('conns_opened'))} connections (the server, one thread on timers, had up "
                   f"to {fmt.count(g.median('conns_peak'))} open at once) and used {fmt.sig(cpu)} s of client CPU "
                   f"on its one thread, {fmt.pct(cpu / (wall / 1000) if wall and cpu is not None else None, 0)} "
                   "of the wall time"
                   + (": at this K setting up connections and parsing answers on the client, not the server's "
                      "delay, sets the wall time." if wall and cpu and cpu / (wall / 1000) >= 0.5 else "."))
    t_k = _largest_clean_k(runs, "threadpool_curl/thread_per_request")
    if t_k is not None:
        t = _run(runs, "threadpool_curl/thread_per_request", t_k)
        text = (f"- **A thread per request at K = {fmt.count(t_k)}**: {fmt.count(t.median('threads_created'))} "
                f"threads, peak RSS {fmt.sig(t.median('rss_mb'))} MiB, {fmt.sig(t.median('wall_ms'))} ms.")
        opened, threads = t.median("conns_opened"), t.median("threads_created")
        if opened is not None and threads and opened < threads:
            text += (f" The threads take requests from a shared counter, and the server accepted only "
                     f"{fmt.count(opened)} connections (median): threads that started early finished a request and took "
                     "the next before the last threads were running, so creating the threads took longer than "
                     "one request.")
        out.append(text)
    out += _fd_limit(runs)
    return "\n".join(out)


def _fd_limit(runs):
    """A thread per request that ran out of file descriptors: what the data shows."""
    out = []
    for r in runs:
        s = sv.series_of(r)
        if s is None or s.mode != "thread_per_request" or r.failed:
            continue
        fd = r.total("errors_fd_exhausted")
        if not fd:
            continue
        bad = [rep for rep in r.reps if rep.get("errors_fd_exhausted")]
        opened = max(rep.get("conns_opened", 0) for rep in bad)
        out.append(
            f"- **A thread per request runs out of file descriptors at K = {fmt.count(sv.k_of(r))}**: in "
            f"{len(bad)} of {len(r.reps)} repetitions {fmt.count(fd)} requests in all failed with `fd_exhausted` "
            f"(EMFILE), while the server accepted at most {fmt.count(opened)} connections in one repetition. The "
            "open-file limit here is 20,000, and each thread's libcurl easy handle holds its socket plus, in "
            "libcurl 7.88, the wake-up socket pair of the private multi handle `curl_easy_perform` uses: "
            "3 descriptors per thread in flight (counted in /proc/self/fd during a transfer with this libcurl), so roughly 20,000 ÷ 3 concurrent requests fit. Whether a "
            "repetition hits it depends on how many threads are alive at once (early threads that finish take "
            "further requests). The single-threaded models need one descriptor per connection.")
    return out


def _interview(runs):
    L = sv.delay_of(runs)
    v = sv.decide(runs)
    text = ("> Awaiting requests one by one in a loop is still sequential: K requests of L ms take K × L. "
            "Concurrency comes from putting them in flight together, with `asyncio.gather` (or a TaskGroup), "
            "threads, or curl multi, and then the batch takes roughly the slowest request. ")
    k100 = [k for k in sv.ks(runs) if k == 100]
    if k100 and L:
        seq = _run(runs, "blocking_curl/sequential", 100)
        gat = _run(runs, "asio_coro/gather", 100)
        if seq and gat:
            text += (f"Measured here: 100 URLs of {fmt.param(L)} ms took {fmt.sig(seq.median('wall_ms'))} ms one by "
                     f"one and {fmt.sig(gat.median('wall_ms'))} ms gathered on one thread. ")
    text += ("Threads work too, but each costs a stack and a kernel task, and a bounded pool of c threads "
             "takes K / c × L; a coroutine is a small heap frame on one thread. At thousands of requests, bound the concurrency "
             "(a semaphore, the connector limit) to spare the server and your file descriptors.")
    if v.word == "nuanced":
        text += " (Here: " + "; ".join(v.reasons) + ".)"
    return text


def _caveats(results):
    out = [
        "- Loopback, one machine: no network round trips, so connection set-up costs CPU here rather than "
        "latency. Client and server are pinned to a core each unless `--no-pin`.",
        "- Extrapolated points are the ideal K × L (or ceil(K/32) × L), a lower bound on a real run; they are "
        "drawn hollow and marked in the tables, and the verdict never uses them.",
        "- A gathered run with pooling on opens up to K connections at once (client and server file "
        "descriptors; the open-file limit here is 20,000); real code should bound that concurrency.",
        "- Every request is delayed the same L; with spread-out delays the gathered time is the slowest one.",
        "- Absolute numbers vary by about ±20% between runs on this kind of machine.",
    ]
    if results.quick:
        out.insert(0, "- **Quick run**: a smaller grid; treat the numbers as a smoke test.")
    return "\n".join(out)


def _numbers(results):
    runs = results.runs
    L = sv.delay_of(runs)
    header = ["benchmark", "wall ms (median)", "CV", "÷ K × L", "p50 µs", "peak RSS MiB", "RSS growth MiB", "threads",
              "conns opened", "conns peak (server)", "CPU s", "errors"]
    rows = []
    for r in runs:
        name = f"`{r.name.text}`"
        if r.failed:
            rows.append([f"⚠ {name}", f"**failed**: {r.error_message}"] + [fmt.DASH] * (len(header) - 2))
            continue
        k = sv.k_of(r)
        w = r.median("wall_ms")
        rows.append([f"⚠ {name}" if r.flagged else name, fmt.sig(w), fmt.pct(r.cv("wall_ms")),
                     fmt.sig(stats.factor(w, k * L) if k and L else None), fmt.sig(r.median("p50_us")),
                     fmt.sig(r.median("rss_mb")), fmt.sig(sv.rss_growth_mb(r)), fmt.count(r.median("threads_created")),
                     fmt.count(r.median("conns_opened")), fmt.count(r.median("conns_peak")),
                     fmt.sig(r.median("cpu_s")), f"**{fmt.count(r.errors)}**" if r.errors else "0"])
    for p in sv.points(runs):
        if p.extrapolated:
            rows.append([f"*{p.series.id}, K = {fmt.count(p.k)}: extrapolated, not measured*",
                         f"*≥ {fmt.sig(p.wall_ms)}*", fmt.DASH, f"*{fmt.sig(p.wall_ms / (p.k * L))}*"]
                        + [fmt.DASH] * (len(header) - 4))
    note = ("Medians over the repetitions; CV of wall time; ÷ K × L = wall ÷ the sequential ideal; RSS growth = peak "
            "RSS during the run − RSS at its start (`rss_start_mb`, after `malloc_trim`); threads and "
            "connections per repetition (connections counted by the server); errors summed over all repetitions. "
            "⚠ marks a failed benchmark or one with errors; italic rows are extrapolated ideals, not measurements.")
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
