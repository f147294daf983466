"""Scenario calibration: the harness's own ceiling. verdict() gives the
one-line verdict for the index; page.write_page() writes charts/ and
README.md under DIR/calibration/ from the shared page parts (page.py) plus
this module's prose. Every figure comes from the results.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import fmt, headline as hl, models, page
from . import calibration_verdict as cv
from .stats import Interval

if TYPE_CHECKING:
    from . import results

NAME = "calibration"
TITLE = "Calibration: the harness's own ceiling, against nginx and wrk"
HEADLINE_CHART = "charts/calibration_ratios.png"

CLAIM = (
    "Every factor this suite reports is a ratio of two runs through its own client models and its own "
    "mock server, `mockd`. A reader should not have to take on trust that neither of them is what sets "
    "the figure. So this scenario measures both against tools nobody wrote for the suite, side by side "
    "in one run: `mockd` against nginx (one process, the same 16-byte body, the same certificate) under "
    "the same client, with connections kept alive and closed, over HTTP and HTTPS; every C++ client "
    "model against `wrk` on the same mockd with as many connections; and a null model, the client's own "
    "bookkeeping per request with no network at all.")


def verdict(results: results.Results) -> cv.Verdict:
    return cv.decide(results.runs)


def headline(results: results.Results) -> list[hl.Figure]:
    """The ratios a reader quotes, with their 95 % CIs: mockd ÷ nginx per mode, each model ÷ wrk,
    then the null model's bookkeeping per request. What the run did not measure is left out."""
    v = cv.decide(results.runs)
    out = [hl.figure(f"mockd ÷ nginx, {cv.MODE_LABEL[m]}", v.server.get(m)) for m in cv.MODES]
    runs = results.runs
    for model in cv.client_models(runs):
        c = cv.key(cv.client_run(runs, model)).c
        out.append(hl.figure(f"{model} ÷ wrk, c:{c}", v.clients.get(model)))
    out.append(hl.figure("null model: bookkeeping per request", v.null, unit=" ns"))
    return hl.measured(out)


def sections(results: results.Results, charts_written: dict[str, list[str]], v: cv.Verdict) -> list[str]:
    """The page between its claim and its footer (see page.write_page)."""
    return [
        "## Setup\n\n" + _setup(results),
        "## Charts\n\n" + _charts(charts_written),
        "## Verdict\n\n" + _verdict_section(results.runs, v),
        "## Where the time goes\n\n" + _where(results.runs, v),
        "## Caveats\n\n" + _caveats(results),
        "## Numbers\n\n" + _numbers(results),
        "## Errors\n\n" + page.errors_section(results),
    ]


def _requests_range(runs: list[results.Run], side: str) -> str:
    ns = sorted({n for r in runs if cv.key(r).side == side for n in r.values("requests")})
    return " to ".join(fmt.count(n) for n in sorted({ns[0], ns[-1]})) if ns else "not recorded"


def _setup(results: results.Results) -> str:
    runs = results.runs
    cpu = {r.median("server_cpu") for r in runs if cv.key(r).side == "server" and r.median("server_cpu") is not None}
    pinned = ("both pinned to CPU " + ", ".join(fmt.count(c) for c in sorted(cpu) if c >= 0)
              if cpu and min(cpu) >= 0 else "not pinned")
    rows = [
        ("servers compared", "mockd (`--engine asio --threads 1`, a mockd of this scenario's own) and nginx "
                             "(Debian's `nginx-light`, `master_process off`: one process that serves, in the "
                             "foreground; `keepalive_requests` raised so keep-alive connections last the run, as "
                             "mockd's do; access log off), both answering any path with mockd's default 16-byte "
                             "body, both serving the same self-signed ECDSA P-256 certificate made by mockd's "
                             f"generator (TLS 1.2 and 1.3, session resumption on); {pinned}"),
        ("client of the server pairs", f"{models.get('asio_coro').table_label()} at 32 connections: `keepalive` "
                                       "reuses them, `close` opens one per request"),
        ("clients compared", ", ".join(models.get(m).table_label() for m in cv.client_models(runs))
         + " against `wrk -t1 -c<C> -d<D>s --latency` (one thread, as many connections as the model: 1 for "
           "the sequential models, 32 for the others) on the same plain-HTTP mockd, keep-alive; wrk runs on "
           "the client's CPU, as the models do, started without a shell"),
        ("null model", "`null`: per request two clock reads and a sample (status, size, latency) through the "
                       "same run and summary path as every model, no I/O"),
        ("requests per repetition", f"servers: {_requests_range(runs, 'server')}; client models: "
                                    f"{_requests_range(runs, 'client')} (wrk: whole seconds, its shortest "
                                    f"run); null model: {_requests_range(runs, 'null')}"),
    ]
    return page.setup_table(results, rows)


def _charts(written: dict[str, list[str]]) -> str:
    return page.charts_section(written, {
        "calibration_ratios": "Each ratio with its 95 % confidence interval, on a log axis: mockd ÷ nginx under "
                              "the same client (left), each C++ client model ÷ wrk with as many connections "
                              "(right). 1 is parity; the dashed line is the rule's floor.",
    })


def _verdict_section(runs: list[results.Run], v: cv.Verdict) -> str:
    out = [page.verdict_section(cv.RULE_TEXT, v, v.checks, "calibration_verdict.py")]
    if v.targets:
        out.append("Targets of the issue (shown, not deciding the word: where the harness could still gain):\n\n"
                   + page.checks_table(v.targets))
    rows = []
    for m in cv.MODES:
        a, b = cv.server_run(runs, "mockd", *m), cv.server_run(runs, "nginx", *m)
        if a is None and b is None:
            continue
        rows.append([f"mockd ÷ nginx, {cv.MODE_LABEL[m]}", _rate(a), _rate(b), _ratio(v.server.get(m))])
    for model in cv.client_models(runs):
        a, b = cv.client_run(runs, model), cv.wrk_for(runs, model)
        c = cv.key(a).c
        rows.append([f"{models.get(model).table_label()} ÷ `wrk`, c:{c}", _rate(a), _rate(b),
                     _ratio(v.clients.get(model))])
    if rows:
        out.append("Every pair (req/s: medians over the repetitions; the ratio is paired, repetition by "
                   "repetition):\n\n" + fmt.table(["pair", "ours, req/s", "reference, req/s", "ratio (95 % CI)"],
                                                  rows))
    return "\n\n".join(out)


def _rate(run: results.Run) -> str:
    if run is None:
        return fmt.DASH
    if run.failed:
        return f"skipped: {run.error_message}"
    return fmt.sig(run.median("req_per_s")) + (" ⚠ errors" if run.flagged else "")


def _ratio(ci: Interval) -> str:
    return fmt.factor_ci(*ci) if ci else fmt.DASH


def _where(runs: list[results.Run], v: cv.Verdict) -> str:
    """Where the time goes, from the run's own counters: the client's CPU per request and how busy
    it kept its core, against wrk's, and the null model's share of a request."""
    out = []
    rows = []
    for who in cv.client_models(runs) + ["wrk"]:
        for r in [x for x in runs if cv.key(x).side == "client" and cv.key(x).who == who]:
            us, busy = cv.cpu_us_per_request(r), cv.cpu_busy(r)
            if us is None:
                continue
            rows.append([f"`{who}`", f"c:{cv.key(r).c}", fmt.sig(r.median("req_per_s")), fmt.sig(us),
                         fmt.pct(busy) if busy is not None else fmt.DASH])
    if rows:
        out.append("The client's CPU time per request and its share of the run's wall time (100 % = one core "
                   "busy all the time; wrk's from `getrusage(RUSAGE_CHILDREN)`, the models' from the run):\n\n"
                   + fmt.table(["client", "connections", "req/s", "CPU µs per request", "CPU busy"], rows))
    a, w = cv.client_run(runs, cv.RULE_CLIENT), cv.wrk_for(runs, cv.RULE_CLIENT)
    a_us, w_us = cv.cpu_us_per_request(a), cv.cpu_us_per_request(w)
    if a_us is not None and w_us is not None:
        out.append(f"- At {cv.RULE_CLIENT_C} connections `{cv.RULE_CLIENT}` spends {fmt.sig(a_us)} µs of CPU per "
                   f"request and wrk {fmt.sig(w_us)} µs: the client's own work is "
                   f"{fmt.times(a_us / w_us)} wrk's. With client and server pinned to one core each, the "
                   f"slower of the two sets the rate; a client at {fmt.pct(cv.cpu_busy(a))} CPU busy is "
                   + ("the bottleneck." if (cv.cpu_busy(a) or 0) > 0.9
                      else "not the only limit: it waits on the server part of the time, or, on a shared "
                           "machine, for its CPU."))
    if v.null and a is not None and not a.failed and a.median("req_per_s"):
        per_request_ns = 1e9 / a.median("req_per_s")
        out.append(f"- The null model's bookkeeping costs {fmt.sig(v.null[0])} ns per request "
                   f"({fmt.ci(v.null[1], v.null[2], ' ns')}), {fmt.pct(v.null[0] / per_request_ns)} of "
                   f"`{cv.RULE_CLIENT}`'s {fmt.sig(per_request_ns / 1000)} µs per request: the suite's own "
                   f"accounting (timestamps, samples) is not what limits a model.")
    tls = [(m, cv.server_run(runs, "mockd", *m)) for m in cv.MODES if m[1] == "https"]
    for m, r in tls:
        if r is not None and not r.failed and r.median("tls_handshakes") is not None and r.median("requests"):
            out.append(f"- mockd, {cv.MODE_LABEL[m]}: {fmt.count(r.median('tls_handshakes'))} TLS handshakes "
                       f"({fmt.count(r.median('tls_resumed'))} resumed) for {fmt.count(r.median('requests'))} "
                       f"requests, as counted by the server.")
    keep, close = v.server.get(("keepalive", "http")), v.server.get(("close", "http"))
    if keep and close:
        nearer = abs(close[0] - 1) < abs(keep[0] - 1)
        out.append(f"- Over HTTP, mockd ÷ nginx is {fmt.times(keep[0])} with keep-alive and {fmt.times(close[0])} "
                   f"with a connection per request. A closed connection costs both servers the same kernel work "
                   f"(accept, the TCP handshake, teardown), which "
                   + ("dilutes the difference between their request paths: the `close` ratio sits nearer 1."
                      if nearer else "here does not bring the two nearer: the difference is in the connection "
                      "handling itself."))
    return "\n".join(out) if out else "Not measured."


def _caveats(results: results.Results) -> str:
    items = [
        "nginx and wrk are the references because they are what a reader would reach for, not because they "
        "are the fastest possible: a ratio above 1 means the harness is at least as fast as they are here.",
        "wrk takes whole seconds (`-d1s` at the shortest), the client models about 0.3 s of requests; req/s "
        "compares them, and the repetitions alternate sides.",
        "wrk and the client models count differently: wrk counts the responses completed within its "
        "duration and times latency from each request's write; the models time the whole run and every "
        "request. Both give req/s of successful requests.",
        "nginx's server-side counters (connections, TLS handshakes) are not available (it has no `/stats`): "
        "shown as —, never as 0.",
        "Skipped, with the reason, when nginx or wrk is not installed (`scripts/setup` installs both).",
    ]
    return page.caveats(results, items, counter="req_per_s", what="req/s")


def _model_of(run: results.Run) -> tuple[str | None, int | None]:
    k = cv.key(run)
    if k.side == "server":
        return "asio_coro", k.c
    if k.side == "client" and k.who != "wrk":
        return k.who, k.c
    return None, k.c


def _numbers(results: results.Results) -> str:
    columns = [
        page.counter_column("req/s", "req_per_s"),
        page.cv_column("req_per_s", "CV of req/s"),
        page.counter_column("p50 ms", "p50_us", scale=1e-3),
        page.counter_column("p99 ms", "p99_us", scale=1e-3),
        page.counter_column("requests", "requests", fmt.count),
        page.counter_column("conns opened", "conns_opened", fmt.count),
        page.counter_column("TLS handshakes", "tls_handshakes", fmt.count),
        page.counter_column("client CPU s", "cpu_s"),
    ]
    note = ("Medians over the repetitions; CV = standard deviation ÷ mean of req/s over the repetitions; "
            "the model column is the client that ran (asio_coro for the server pairs; — for wrk and the "
            "null model); connections and TLS handshakes as counted by mockd (— for nginx, which has no "
            "counters). ⚠ marks a failed benchmark or one with errors.")
    return page.numbers_table(results, columns, model_of=_model_of, note=note)

