"""Scenario calibration: the harness's own ceiling. Which runs pair up, their
ratios with 95 % confidence intervals, and the verdict rule.

Benchmark names:
  calibration/server/<mockd|nginx>/<keepalive|close>/<http|https>/c:32
      asio_coro against mockd and against nginx (same body, certificate, CPU);
  calibration/client/<model|wrk>/c:<C>
      a C++ client model, and wrk with as many connections, against one mockd;
  calibration/null/c:1
      the null model: the client's bookkeeping per request, no I/O.

A server pair's ratio is mockd req/s ÷ nginx req/s; a client pair's is the
model's req/s ÷ wrk's at the same connection count; both repetition i with
repetition i (bench runs the two sides next to each other), with a 95 % CI
(stats.paired_ratio_ci).

Why a floor of SERVER_MIN and CLIENT_MIN decides whether "the harness is the
limit": every factor the suite reports is a ratio of two runs through the same
client and server. A server or client slower than the reference tools can
only cap the faster side of a ratio, so it can shrink a factor, never make
one: a harness that delivers at least half of what nginx and wrk deliver
under the same load can understate a factor by at most 2x, and every
headline factor of the suite that clears its threshold by more than that is
the mechanism's, not the harness's.

The rule (also printed on the page, keep RULE_TEXT in step with decide()),
error-free runs only; each check passes only when its whole CI clears it:
- confirmed:  mockd ÷ nginx ≥ SERVER_MIN in every mode measured (keep-alive
              and close, HTTP and HTTPS), and asio_coro ÷ wrk ≥ CLIENT_MIN at
              32 connections (asio_coro is the client of the server pairs).
- nuanced:    a check clearly failed: the harness may be the limit there.
- inconclusive: noise: none failed, an interval straddles its floor.
- inconclusive: a side missing (nginx or wrk not installed: skipped, with
              the reason quoted).
The issue's targets (mockd ≥ 1.0x nginx, asio_coro ≥ 1.0x wrk) are shown as
target checks beside the rule: they say where the harness could still gain,
not whether its figures hold. The other client models' ratios to wrk are
quoted, not checked: a thread per request, or libcurl's multi interface, is
what those models measure.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeGuard

from . import fmt, stats
from . import verdict as checks_mod

if TYPE_CHECKING:
    from . import results

SCENARIO = "calibration"
MODES = (("keepalive", "http"), ("close", "http"), ("keepalive", "https"), ("close", "https"))
MODE_LABEL = {("keepalive", "http"): "HTTP keep-alive", ("close", "http"): "HTTP close",
              ("keepalive", "https"): "HTTPS keep-alive", ("close", "https"): "HTTPS close"}
CLIENT_MODELS = ("blocking_curl", "blocking_httplib", "threads_curl", "curl_multi", "asio_coro")
RULE_CLIENT = "asio_coro"
RULE_CLIENT_C = 32

SERVER_MIN = 0.5
CLIENT_MIN = 0.5
TARGET = 1.0

RULE_TEXT = (
    f"Error-free runs only. A server ratio is mockd req/s ÷ nginx req/s under the same client (asio_coro, "
    f"32 connections), a client ratio a model's req/s ÷ wrk's with as many connections against the same "
    f"mockd; each is taken repetition i with repetition i (the two sides run next to each other) and "
    f"carries a 95 % confidence interval; a check passes only when its whole interval clears its floor. "
    f"**Confirmed** (the harness is not the limit of a measured factor) when mockd ÷ nginx ≥ {SERVER_MIN}x "
    f"in every mode measured (keep-alive and close, HTTP and HTTPS) and asio_coro ÷ wrk ≥ {CLIENT_MIN}x at "
    f"{RULE_CLIENT_C} connections; **nuanced** when one of those checks clearly fails; **inconclusive: "
    f"noise** when none fails but an interval straddles its floor; **inconclusive** when a side is missing "
    f"(nginx or wrk not installed). Why half: a server or client slower than the reference can only cap "
    f"the faster side of a ratio, never speed up the slower one, so a harness at ≥ {SERVER_MIN}x of the "
    f"reference understates a factor by at most {fmt.compact(1 / SERVER_MIN)}x and cannot create one. "
    f"The issue's targets (≥ {fmt.compact(TARGET)}x of nginx and of wrk) are shown as target checks; they "
    f"do not change the word.")


@dataclass(frozen=True)
class Key:
    side: str      # server | client | null
    who: str       # mockd | nginx | a model | wrk | null
    mode: str | None = None   # keepalive | close (server)
    proto: str | None = None  # http | https (server)
    c: int | None = None


def key(run: results.Run) -> Key:
    labels, c = run.name.labels, run.name.param("c")
    side = labels[0] if labels else ""
    if side == "server" and len(labels) >= 4:
        return Key("server", labels[1], labels[2], labels[3], c)
    if side == "client" and len(labels) >= 2:
        return Key("client", labels[1], c=c)
    return Key(side or "other", side or "other", c=c)


def clean(run: results.Run | None) -> TypeGuard[results.Run]:
    return run is not None and not run.flagged and bool(run.values("req_per_s"))


def server_run(runs: list[results.Run], who: str, mode: str, proto: str) -> results.Run | None:
    for r in runs:
        k = key(r)
        if k.side == "server" and (k.who, k.mode, k.proto) == (who, mode, proto):
            return r
    return None


def client_run(runs: list[results.Run], who: str, c: int | None = None) -> results.Run | None:
    for r in runs:
        k = key(r)
        if k.side == "client" and k.who == who and (c is None or k.c == c):
            return r
    return None


def null_run(runs: list[results.Run]) -> results.Run | None:
    return next((r for r in runs if key(r).side == "null"), None)


def client_models(runs: list[results.Run]) -> list[str]:
    """The client models measured (not wrk), in the registry's order of CLIENT_MODELS."""
    seen = {key(r).who for r in runs if key(r).side == "client" and key(r).who != "wrk"}
    return [m for m in CLIENT_MODELS if m in seen] + sorted(seen - set(CLIENT_MODELS))


def modes(runs: list[results.Run]) -> list[tuple[str, str]]:
    return [m for m in MODES if server_run(runs, "mockd", *m) or server_run(runs, "nginx", *m)]


def pair_ci(a: results.Run | None, b: results.Run | None) -> stats.Interval | None:
    """(est, low, high) of a ÷ b in req/s, paired; None unless both ran without errors."""
    if not clean(a) or not clean(b):
        return None
    ci = stats.paired_ratio_ci(a.values("req_per_s"), b.values("req_per_s"))
    return ci if ci[0] is not None else None


def server_ratio(runs: list[results.Run], mode: str, proto: str) -> stats.Interval | None:
    return pair_ci(server_run(runs, "mockd", mode, proto), server_run(runs, "nginx", mode, proto))


def wrk_for(runs: list[results.Run], model: str) -> results.Run | None:
    m = client_run(runs, model)
    return client_run(runs, "wrk", key(m).c) if m else None


def client_ratio(runs: list[results.Run], model: str) -> stats.Interval | None:
    m = client_run(runs, model)
    return pair_ci(m, wrk_for(runs, model)) if m else None


def per_request_ns(run: results.Run) -> list[float]:
    """Wall time per request (ns), per repetition: 1e9 ÷ req/s."""
    return [1e9 / v for v in run.values("req_per_s") if v] if run else []


def null_ns(runs: list[results.Run]) -> stats.Interval | None:
    """(geometric mean, low, high) ns of bookkeeping per request in the null model; None when absent."""
    r = null_run(runs)
    if not clean(r):
        return None
    # Geometric, like every ratio here: a time per request is positive, and so is its interval.
    ci = stats.ratio_ci(per_request_ns(r))
    return ci if ci[0] is not None else None


def cpu_us_per_request(run: results.Run) -> float | None:
    """The client's CPU time per request (µs), median over repetitions; None when not recorded."""
    if run is None or run.failed:
        return None
    return run.per_rep("cpu_s", "requests", scale=1e6)


def cpu_busy(run: results.Run) -> float | None:
    """The client's CPU time over the run's wall time (1.0: one core busy the whole run)."""
    if run is None or run.failed:
        return None
    shares = [rep["cpu_s"] * rep["req_per_s"] / rep["requests"] for rep in run.reps
              if isinstance(rep.get("cpu_s"), (int, float)) and rep.get("requests") and rep.get("req_per_s")]
    return stats.median(shares)


def skip_reasons(runs: list[results.Run]) -> list[str]:
    """The distinct reasons benchmarks were skipped (e.g. nginx not installed), in order."""
    out: list[str] = []
    for r in runs:
        if r.error_message is not None and r.error_message not in out:  # failed
            out.append(r.error_message)
    return out


@dataclass
class Verdict(checks_mod.Line):
    word: str
    sentence: str  # what was measured; .line renders '**Word**: sentence' (verdict.line)
    checks: list[checks_mod.Check] = field(default_factory=list)   # the rule's checks (decide the word)
    targets: list = field(default_factory=list)  # the targets (shown, do not decide)
    server: dict = field(default_factory=dict)   # (mode, proto) -> (est, low, high)
    clients: dict = field(default_factory=dict)  # model -> (est, low, high)
    null: stats.Interval | None = None                   # ns per request (mean, low, high)
    reasons: list[str] = field(default_factory=list)


def _ratio_text(ci: stats.Interval | None) -> str:
    return fmt.factor_ci(*ci) if ci else "not measured"


def decide(runs: list[results.Run]) -> Verdict:
    measured = {m: server_ratio(runs, *m) for m in MODES}
    server = {m: ci for m, ci in measured.items() if ci}
    clients = {m: client_ratio(runs, m) for m in client_models(runs)}
    clients = {m: ci for m, ci in clients.items() if ci}
    v = Verdict(word=checks_mod.INCONCLUSIVE, sentence="", server=server, clients=clients, null=null_ns(runs))

    checks, targets = [], []
    for m in MODES:
        if m in server:
            checks.append(checks_mod.at_least(f"mockd ÷ nginx, {MODE_LABEL[m]}", server[m], SERVER_MIN))
            targets.append(checks_mod.at_least(f"target: mockd ÷ nginx, {MODE_LABEL[m]}", server[m], TARGET))
    rule_client = clients.get(RULE_CLIENT)
    if rule_client:
        label = f"{RULE_CLIENT} ÷ wrk, c:{RULE_CLIENT_C}"
        checks.append(checks_mod.at_least(label, rule_client, CLIENT_MIN))
        targets.append(checks_mod.at_least(f"target: {label}", rule_client, TARGET))
    v.checks, v.targets = checks, targets

    missing = []
    if not server:
        missing.append("no error-free mockd/nginx pair")
    elif len(server) < len(modes(runs)):
        missing.append("a mockd/nginx pair had errors or was skipped")
    if not rule_client:
        missing.append(f"no error-free {RULE_CLIENT}/wrk pair")
    if missing:
        why = skip_reasons(runs)
        v.reasons = missing
        v.sentence = ("; ".join(missing)
                      + (" (" + "; ".join(why) + ")" if why else "") + ".")
        return v

    v.word = checks_mod.word_from(checks)
    figures = "; ".join(f"mockd {_ratio_text(server[m])} nginx's rate, {MODE_LABEL[m]}" for m in MODES if m in server)
    client_text = f"{RULE_CLIENT} {_ratio_text(rule_client)} wrk's at {RULE_CLIENT_C} connections"
    if v.word == checks_mod.CONFIRMED:
        v.sentence = (f"the harness is not the limit. Under the same client, {figures}; against the "
                      f"same mockd, {client_text}: at least {SERVER_MIN}x of the reference tools everywhere, so a "
                      f"measured factor is the mechanism's, not the harness's.")
    elif v.word == checks_mod.NUANCED:
        failed = "; ".join(f"{c.name}: {c.figure}" for c in checks if c.status == checks_mod.FAILED)
        v.reasons = [c.name for c in checks if c.status == checks_mod.FAILED]
        v.sentence = (f"below {SERVER_MIN}x of the reference tool in {failed}: there the harness may "
                      f"cap a measured factor. {figures}; {client_text}.")
    else:
        settled = [c.name for c in checks if c.status == checks_mod.PASSED]
        v.sentence = (checks_mod.noise_text(checks)
                      + (f"; passed: {', '.join(settled)}" if settled else "") + ".")
    return v
