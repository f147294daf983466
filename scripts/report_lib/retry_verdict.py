"""Scenario retry: which runs pair up, the figures with their 95 % confidence
intervals, and the verdict rule.

Benchmark names:
  retry/<client>/<policy>/clients:200/fail_rate:<p>/retries:<k>/base_ms:<base>
  client: py_aiohttp (asyncio + one aiohttp.ClientSession) | asio_coro (C++)
  policy: none (one attempt) | backoff (the r-th retry after base * 2^(r-1)) |
          backoff_jitter (full jitter: uniform in [0, base * 2^(r-1)])

Within a repetition every benchmark draws the same failures (mockd's seed is
fixed by repetition, client and attempt), so backoff and backoff_jitter are
paired on identical outcomes: they make the same attempts and differ only in
when. The headline is their ratio of peak retries per 10 ms (the busiest
10 ms bucket of retry sends), repetition i with repetition i
(stats.paired_ratio_ci).

Why a floor of WAVE_MIN (2x): "in step" means the busiest 10 ms without
jitter holds at least twice the retries it holds with jitter. Full jitter
spreads the r-th retry over base * 2^(r-1) ms, 10 buckets or more at base
100 ms, so a client that sends its retries when it means to gives a ratio far
above 2; a ratio near 1 means something else (the client's own speed, the
machine) already spread them.

The rule (keep RULE_TEXT in step with decide()), error-free runs only:
- precondition: mockd counted exactly the attempts the client made, in every
  repetition, and `none` made one attempt per client; else inconclusive.
- success: for each client and failure rate p, the success rate with k
  retries pooled over the repetitions reaches 1 - p^(k+1) within its binomial
  95 % interval (the upper end is at least the formula's value); checked for
  backoff (backoff_jitter draws the same outcomes).
- waves: peak retries per 10 ms, backoff ÷ backoff_jitter ≥ WAVE_MIN at
  fail_rate HEADLINE_P, for each client measured (whole CI above).
- confirmed: all pass; nuanced: one fails clearly (e.g. Python's loop smears
  the waves); inconclusive: noise otherwise.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeGuard

from . import fmt, stats
from . import verdict as checks_mod

if TYPE_CHECKING:
    from . import results

SCENARIO = "retry"
CLIENTS = ("py_aiohttp", "asio_coro")
POLICIES = ("none", "backoff", "backoff_jitter")
HEADLINE_P = 0.5
WAVE_MIN = 2.0
WAVE_COUNTER = "peak_retries_10ms"

RULE_TEXT = (
    "Error-free runs only. Precondition: in every repetition mockd counted exactly the attempts the client "
    "made (`server_requests` = `attempts`), and without retries each client made one attempt; otherwise "
    "**inconclusive**. Checks: (1) for each client and failure rate p, the success rate with k retries "
    "(backoff), pooled over the repetitions, reaches 1 − p^(k+1): the upper end of its binomial 95 % interval "
    "is at least that value (attempts are independent, so k + 1 failures in a row happen with probability "
    f"p^(k+1)); (2) at fail_rate {fmt.compact(HEADLINE_P)}, peak retries per 10 ms without jitter ÷ with "
    f"jitter ≥ {fmt.compact(WAVE_MIN)}x for each client, its whole 95 % interval above (paired repetitions, "
    "identical failures on both sides). **Confirmed** when all pass, **nuanced** when one fails clearly, "
    "**inconclusive: noise** when an interval straddles its threshold.")


@dataclass(frozen=True)
class Key:
    client: str
    policy: str
    p: float
    retries: int


def key(run: results.Run) -> Key:
    labels = run.name.labels
    return Key(labels[0] if labels else "", labels[1] if len(labels) > 1 else "",
               run.name.param("fail_rate"), run.name.param("retries", 0))


def find(runs: list[results.Run], client: str, policy: str, p: float) -> results.Run | None:
    for r in runs:
        k = key(r)
        if (k.client, k.policy) == (client, policy) and k.p is not None and abs(k.p - p) < 1e-9:
            return r
    return None


def clean(run: results.Run | None) -> TypeGuard[results.Run]:
    return run is not None and not run.flagged and bool(run.reps)


def rates(runs: list[results.Run]) -> list[float]:
    """The failure rates measured, ascending."""
    return sorted({key(r).p for r in runs if key(r).p is not None})


def clients(runs: list[results.Run]) -> list[str]:
    seen = {key(r).client for r in runs}
    return [c for c in CLIENTS if c in seen] + sorted(seen - set(CLIENTS))


def expected_success(p: float, k: int) -> float:
    return 1 - p ** (k + 1)


def pooled_success(run: results.Run | None) -> stats.Interval | None:
    """(estimate, low, high) of the success rate pooled over repetitions: successes ÷ clients, with the
    binomial 95 % interval (normal approximation); None without data."""
    if not clean(run):
        return None
    s, n = run.total("successes"), run.total("clients")
    if not n:
        return None
    est = s / n
    half = 1.96 * math.sqrt(max(est * (1 - est), 0.25 / n) / n)  # never a zero-width interval
    return est, max(0.0, est - half), min(1.0, est + half)


def mean_ci(run: results.Run | None, counter: str, scale: float = 1.0) -> stats.Interval | None:
    if not clean(run):
        return None
    ci = stats.mean_ci([v * scale for v in run.values(counter)])
    return ci if ci[0] is not None else None


def wave_ratio(runs: list[results.Run], client: str, p: float = HEADLINE_P) -> stats.Interval | None:
    """Peak retries per 10 ms, backoff ÷ backoff_jitter, paired; None unless both ran cleanly."""
    a, b = find(runs, client, "backoff", p), find(runs, client, "backoff_jitter", p)
    if not clean(a) or not clean(b):
        return None
    ci = stats.paired_ratio_ci(a.values(WAVE_COUNTER), b.values(WAVE_COUNTER))
    return ci if ci[0] is not None else None


def time_ratio(runs: list[results.Run], client: str, p: float = HEADLINE_P) -> stats.Interval | None:
    """Total time, backoff_jitter ÷ backoff, paired."""
    a, b = find(runs, client, "backoff_jitter", p), find(runs, client, "backoff", p)
    if not clean(a) or not clean(b):
        return None
    ci = stats.paired_ratio_ci(a.values("wall_ms"), b.values("wall_ms"))
    return ci if ci[0] is not None else None


def count_mismatches(runs: list[results.Run]) -> list[tuple[str, str]]:
    """Repetitions where mockd's count differs from the client's attempts, or `none` made more than one
    attempt per client: [(benchmark, text)]."""
    out = []
    for r in runs:
        if r.failed:
            continue
        for i, rep in enumerate(r.reps):
            attempts, seen = rep.get("attempts"), rep.get("server_requests")
            if attempts != seen:
                out.append((r.name.text, f"repetition {i + 1}: {fmt.count(seen)} at the server, "
                                         f"{fmt.count(attempts)} sent"))
            if key(r).policy == "none" and attempts != rep.get("clients"):
                out.append((r.name.text, f"repetition {i + 1}: {fmt.count(attempts)} attempts by "
                                         f"{fmt.count(rep.get('clients'))} clients without retries"))
    return out


def success_check(runs: list[results.Run], client: str, p: float) -> checks_mod.Check:
    run = find(runs, client, "backoff", p)
    ci = pooled_success(run)
    k = key(run).retries if run else 0
    q = expected_success(p, k)
    name = f"{client}: success rate with {k} retries reaches 1 − p^{k + 1}, fail_rate {fmt.compact(p)}"
    if ci is None:
        return checks_mod.Check(name, checks_mod.UNDECIDED, threshold=f"≥ {fmt.pct(q)}", unit=" %",
                                note="not measured without errors")
    est, lo, hi = ci
    status = checks_mod.PASSED if hi >= q else checks_mod.FAILED
    return checks_mod.Check(name, status, 100 * est, 100 * lo, 100 * hi,
                            f"upper end ≥ {fmt.pct(q)}", " %",
                            note=f"{fmt.count(run.total('successes'))} of {fmt.count(run.total('clients'))} "
                                 f"logical requests over {len(run.reps)} repetitions")


@dataclass
class Verdict(checks_mod.Line):
    word: str
    sentence: str  # what was measured; .line renders '**Word**: sentence' (verdict.line)
    checks: list[checks_mod.Check] = field(default_factory=list)
    waves: dict = field(default_factory=dict)  # client -> (est, low, high) at HEADLINE_P
    mismatches: list[tuple[str, str]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def decide(runs: list[results.Run]) -> Verdict:
    v = Verdict(word=checks_mod.INCONCLUSIVE, sentence="")
    v.waves = {c: wave_ratio(runs, c) for c in clients(runs)}
    v.waves = {c: ci for c, ci in v.waves.items() if ci}
    v.mismatches = count_mismatches(runs)
    if v.mismatches:
        v.reasons = [f"{n}: {t}" for n, t in v.mismatches]
        v.sentence = ("the server's count of requests differs from the client's attempts ("
                      + "; ".join(v.reasons[:3]) + "), so the load retries add is not measured.")
        return v
    if not v.waves:
        v.sentence = (f"no error-free backoff / backoff_jitter pair at fail_rate "
                      f"{fmt.compact(HEADLINE_P)}.")
        return v

    checks = []
    for c in clients(runs):
        for p in rates(runs):
            if find(runs, c, "backoff", p):
                checks.append(success_check(runs, c, p))
    for c in clients(runs):
        checks.append(checks_mod.at_least(
            f"{c}: peak retries per 10 ms, backoff ÷ backoff_jitter, fail_rate {fmt.compact(HEADLINE_P)}",
            v.waves.get(c), WAVE_MIN))
    v.checks = checks
    v.word = checks_mod.word_from(checks)

    waves = "; ".join(f"{c}: {fmt.factor_ci(*ci)}" for c, ci in v.waves.items())
    py = find(runs, "py_aiohttp", "backoff", HEADLINE_P)
    none = find(runs, "py_aiohttp", "none", HEADLINE_P)
    success = ""
    if pooled_success(py) and pooled_success(none):
        success = (f" At fail_rate {fmt.compact(HEADLINE_P)}, aiohttp's success rate rises from "
                   f"{fmt.pct(pooled_success(none)[0])} without retries to {fmt.pct(pooled_success(py)[0])} with "
                   f"{key(py).retries} (formula {fmt.pct(expected_success(HEADLINE_P, key(py).retries))}), for "
                   f"{fmt.sig(mean_ci(py, 'attempts_per_client')[0])} requests per client at the server (mean).")
    if v.word == checks_mod.CONFIRMED:
        v.sentence = (f"retries with backoff recover the failures the formula predicts, and without "
                      f"jitter the retries arrive in step: the busiest 10 ms holds {waves} the retries it holds with "
                      f"full jitter.{success}")
    elif v.word == checks_mod.NUANCED:
        failed = [c for c in checks if c.status == checks_mod.FAILED]
        v.reasons = [c.name for c in failed]
        v.sentence = ("; ".join(f"{c.name}: {c.figure}, needs {c.threshold}" for c in failed)
                      + f". Peak ratios without ÷ with jitter: {waves}.{success}")
    else:
        v.sentence = (f"{checks_mod.noise_text(checks)}. Peak ratios without ÷ with "
                      f"jitter: {waves}.{success}")
    return v
