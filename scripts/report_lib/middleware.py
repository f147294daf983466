"""Scenario middleware (claim C13): what a timing middleware measures and what
it costs. verdict() gives the one-line verdict for the index;
page.write_page() writes charts/ and README.md under DIR/middleware/ from the
shared page parts plus this module's prose. Every figure comes from the results.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import fmt, headline as hl, page
from . import middleware_verdict as mv
from .stats import Interval

if TYPE_CHECKING:
    from . import results

NAME = "middleware"
TITLE = "C13 middleware: timing every handler, and what that costs"
HEADLINE_CHART = "charts/middleware_cost.png"

CLAIM = (
    "Interview material asks where a middleware should time a request, and answers: around "
    "`await handler(request)`, taking the clock before and after. Two things follow that a reader can "
    "check. The span it reports is the handler's time, so it must be at least whatever the handler "
    "waited for, and it leaves out what happened before the handler ran (reading and parsing the "
    "request) and after (writing the response). And wrapping every request in one more coroutine is "
    "cheap next to the request itself. This scenario checks both, with the material's aiohttp middleware "
    "and with the same two clock reads in C++ (`mockd --time-handlers`), each server measured with and "
    "without its timing under the same client.")


def verdict(results: results.Results) -> mv.Verdict:
    return mv.decide(results.runs)


def headline(results: results.Results) -> list[hl.Figure]:
    """The cost ratios and costs per request with their 95 % CIs, then the span's excess over the delay."""
    v = mv.decide(results.runs)
    runs = results.runs
    return hl.measured([
        hl.figure("aiohttp: server CPU per request, timing middleware ÷ none", v.cost.get("aiohttp")),
        hl.figure("aiohttp: timing middleware's cost per request", v.cost_us.get("aiohttp"), unit=" µs"),
        hl.figure("mockd: server CPU per request, --time-handlers ÷ none", v.cost.get("mockd")),
        hl.figure("aiohttp: reported span beyond the 20 ms delay", mv.span_excess_ci(runs, "aiohttp"), unit=" ms"),
    ] + [hl.figure(f"aiohttp: client latency beyond the reported span, {mv.CONNECTION_LABEL[conn]}",
                   mv.unseen_ci(runs, "aiohttp", conn), unit=" ms") for conn in mv.CONNECTIONS])


def sections(results: results.Results, charts_written: dict[str, list[str]], v: mv.Verdict) -> list[str]:
    return [
        "## Setup\n\n" + _setup(results),
        "## Charts\n\n" + _charts(charts_written),
        "## Verdict\n\n" + page.verdict_section(mv.RULE_TEXT, v, v.checks, "middleware_verdict.py"),
        "## What the span covers\n\n" + _span_section(results.runs),
        "## Why\n\n" + _why(results.runs, v),
        "## In an interview\n\n" + _interview(results.runs, v),
        "## Caveats\n\n" + _caveats(results),
        "## Numbers\n\n" + _numbers(results),
        "## Errors\n\n" + page.errors_section(results),
    ]


def _requests(runs: list[results.Run], server: str) -> str:
    r = mv.find(runs, server, "none", "overhead")
    return fmt.count(r.median("requests")) if r is not None and r.reps else fmt.DASH


def _setup(results: results.Results) -> str:
    runs = results.runs
    rows = [
        ("servers", "aiohttp (`bench/scenarios/python/middleware_server.py`: a `web.Application` answering "
                    "`GET /?delay_ms=D` with mockd's 16-byte body after `asyncio.sleep`, access log off), with "
                    "the material's middleware or with none; mockd (`--engine asio --threads 1`), with "
                    "`--time-handlers` or without. Each server is one process on the server's CPU"),
        ("the middleware", "`t0 = time.perf_counter(); response = await handler(request)`, then the span "
                           "appended to the response's `Server-Timing` as `handler;dur=<ms>`; mockd's takes "
                           "`steady_clock::now()` when the request's header is parsed and again when the "
                           "response header is built"),
        ("client", "`asio_coro`, 8 keep-alive connections (the same client for all four servers), every "
                   "response's status and 16-byte size checked"),
        ("cost", "the server's CPU time per successful request: the run time of all its threads "
                 "(`/proc/<pid>/task/*/schedstat`, nanoseconds) over the run ÷ requests; "
                 f"{_requests(runs, 'aiohttp')} requests to aiohttp and {_requests(runs, 'mockd')} to mockd per "
                 "repetition; timed and untimed run next to each other in every round"),
        ("span", "requests one after another with `delay_ms=20` from one libcurl handle; the timed server's "
                 "`handler;dur=` read back from every answer. `keep_alive`: every request of a repetition on "
                 "one connection (a pooled client's way; the client's latency beyond the span is the server's "
                 "work around the handler and the loopback trip); `new_connection` (timed servers only): a new "
                 "connection per request, so that latency also holds connect and accept"),
    ]
    return page.setup_table(results, rows)


def _charts(written: dict[str, list[str]]) -> str:
    return page.charts_section(written, {
        "middleware_cost": "The server's CPU time per request without and with the timing, for aiohttp (left) "
                           "and mockd (right): medians over the repetitions, with the range of the repetitions.",
        "middleware_span": "Where a 20 ms request's time goes, as the client saw it (medians): the delay the "
                           "handler waited, the rest of the span the middleware reported, and the client's "
                           "latency beyond the span, which the middleware does not see.",
    })


def _span_section(runs: list[results.Run]) -> str:
    rows, absent = [], []
    for server in mv.SERVERS:
        for conn in mv.CONNECTIONS:
            r = mv.find(runs, server, "timing", "span", conn)
            if r is None:
                absent.append(f"{mv.SERVER_LABEL[server]}, {mv.CONNECTION_LABEL[conn]}")
            if r is None or r.failed or not r.reps:
                continue
            below, missing, checked = mv.span_counts(r)
            unseen = mv.unseen_ci(runs, server, conn)
            rows.append([mv.SERVER_LABEL[server], mv.CONNECTION_LABEL[conn], fmt.count(checked),
                         fmt.sig(r.median("delay_ms")), fmt.sig(r.median("span_p50_ms")),
                         fmt.sig(min(r.values("span_min_ms"))), fmt.sig(r.median("latency_p50_ms")),
                         f"{fmt.sig(unseen[0])} ({fmt.ci(unseen[1], unseen[2], ' ms')})" if unseen else fmt.DASH,
                         fmt.count(below), fmt.count(missing)])
    if not rows:
        return "The span runs did not run."
    return ("Every answer of the timed servers, one request at a time (medians over repetitions; the "
            "shortest span over all of them; the client's latency beyond the span is the mean over the "
            "repetitions of each one's median difference):\n\n"
            + fmt.table(["server", "connection", "answers", "delay, ms", "span p50, ms", "shortest span, ms",
                         "client p50, ms", "client beyond the span, ms (95 % CI)", "spans < delay",
                         "spans missing"], rows)
            # The default run measures only the spans its verdict and headline read.
            + ("\n\nNot measured in this run (the quick run and the reference measure every timed server on "
               f"both kinds of connection): {'; '.join(absent)}." if absent else ""))


def _why(runs: list[results.Run], v: mv.Verdict) -> str:
    out = []
    a_none = mv.find(runs, "aiohttp", "none", "overhead")
    m_none = mv.find(runs, "mockd", "none", "overhead")
    cost = mv.cost_text(v, "aiohttp")
    if mv.clean(a_none) and mv.clean(m_none) and cost:
        a_cpu, m_cpu = a_none.median("server_cpu_us_per_req"), m_none.median("server_cpu_us_per_req")
        out.append(f"- A request costs the untimed aiohttp server {fmt.sig(a_cpu)} µs of CPU and mockd "
                   f"{fmt.sig(m_cpu)} µs. The middleware adds {cost}. What it adds is one more coroutine "
                   "frame around the handler, two `perf_counter()` calls, formatting the span and setting a "
                   "header: Python's cost per call and per object, not a cost of timing as such.")
    if "mockd" in v.cost_us:
        lo, hi = v.cost_us["mockd"][1:]
        verdict = ("an interval that includes zero: too small for this measurement to see"
                   if lo <= 0 <= hi else "what this measurement can resolve of it")
        out.append(f"- The same span in C++ is two reads of a vDSO clock and a few bytes of header: "
                   f"{fmt.sig(v.cost_us['mockd'][0] * 1e3)} ns per request here "
                   f"({fmt.ci(lo * 1e3, hi * 1e3, unit=' ns')}), {verdict}.")
    out.append("- The span starts after aiohttp has read and parsed the request and ends before the response "
               "is written, so the client's latency is always longer; under load, the time a request waits "
               "for the event loop before its handler starts is missing from it too. A middleware measures "
               "the handler; to see what users wait, measure at the client or at a proxy in front.")
    keep, new = (mv.unseen_ci(runs, "aiohttp", conn) for conn in mv.CONNECTIONS)
    if keep and new:
        out.append(f"- On a kept-alive connection the client waited {fmt.sig(keep[0])} ms beyond aiohttp's span "
                   f"(median per repetition, mean over them); with a new connection per request "
                   f"{fmt.sig(new[0])} ms, {_more_or_less(keep, new)}.")
    return "\n".join(out)


def _more_or_less(keep: Interval, new: Interval) -> str:
    """How the new-connection figure compares with the keep-alive one, in words their intervals allow."""
    if new[1] > keep[2]:
        return "the difference being connect and accept, which a pooled client does not pay per request"
    if new[2] < keep[1]:
        return "less than on a kept-alive connection in this run"
    return "the two intervals overlap: connect and accept did not show next to the rest"


def _interview(runs: list[results.Run], v: mv.Verdict) -> str:
    cost = mv.cost_text(v, "aiohttp")
    said = f" The wrapper itself costs {cost}." if cost else ""
    return ("> Put the clock around `await handler(request)` in a middleware: it then times the handler and "
            "everything the handler awaits, for every route, in one place. It does not see the time before "
            "the handler ran (parsing, waiting for the loop) or writing the response, so it understates what "
            f"the client waits.{said}")


def _caveats(results: results.Results) -> str:
    return page.caveats(results, [
        "The cost is the server's CPU per request at 8 connections, with the server saturated; a server that "
        "idles between requests pays the same per request but never notices it.",
        "One middleware only. A stack of them (logging, authentication, compression) costs each its own "
        "coroutine frame and call; they add up per request.",
        "The `new_connection` span runs open a connection per request (a client without a session), which "
        "lengthens the client's side by connect and accept, not the span; the `keep_alive` runs are the "
        "figure to quote.",
        "CPU time from schedstat counts every thread of the server process; the aiohttp server's only other "
        "thread waits on its stdin and runs for microseconds.",
    ], counter="server_cpu_us_per_req", what="server CPU per request")


def _model_of(run: results.Run) -> tuple[str | None, int | None]:
    """The client model: asio_coro for the overhead runs; the span runs' libcurl handle is no model."""
    return ("asio_coro" if mv.parts(run)[2] == "overhead" else None), run.name.param("c")


def _server_cell(run: results.Run) -> str:
    server, middleware, _kind = mv.parts(run)
    name = mv.SERVER_NAME.get(server, server or fmt.DASH)
    return f"{name}, {'timed' if middleware == 'timing' else 'untimed'}"


def _numbers(results: results.Results) -> str:
    cols = [
        page.Column("server", _server_cell),
        page.counter_column("req/s", "req_per_s"),
        page.counter_column("server CPU µs/request", "server_cpu_us_per_req"),
        page.counter_column("p50, µs", "p50_us"),
        page.counter_column("p99, µs", "p99_us"),
        page.cv_column("server_cpu_us_per_req", "CPU cv"),
    ]
    return page.numbers_table(results, cols, model_of=_model_of,
                              note="Medians over the repetitions. The model is the client's: asio_coro drives the "
                                   "overhead runs; the span runs use one libcurl handle (no model).")
