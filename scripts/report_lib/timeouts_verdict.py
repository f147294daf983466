"""Scenario timeouts (claim C7): which runs pair up, the figures with their
95 % confidence intervals, and the verdict rule.

Benchmark names (bench/scenarios/timeouts.cpp):
  timeouts/tail/<client>/<bound>[/timeout_ms:T]/c:50/n:N/p50_ms:5/p99_ms:100
      N requests to a lognormal server; bound `none` is the same client
      without a timeout. wait_* counters cover every request, timed out or not.
  timeouts/overrun/<py_aiohttp|asio>/<bound>/timeout_ms:50/cleanup_ms:X
      a timed-out task whose cancellation handler awaits X ms; overrun_* =
      how far past the timeout control came back.
  timeouts/pool_wait/py_aiohttp/<case>/limit:L/timeout_ms:100/hold_ms:H
      requests queued for aiohttp's only connection; got_connection (client,
      trace hooks) against server_requests_seen (mockd).

The claim has two halves, so the rule has three checks (error-free runs only;
an interval check passes only when its whole 95 % CI clears the threshold):
  bounds the tail:   for every client and bound measured, the p99 wait with
                     the timeout T (geometric mean over the repetitions,
                     t-interval on the logs)
                     is below T·(1 + TAIL_SLACK). A timeout that fired late
                     or not at all fails it. It tests something only where
                     the same client's untimed p99 is above that bound (there
                     is a tail to cut): otherwise the check is undecided and
                     the verdict inconclusive. Its price, the share of
                     requests turned into timeout errors, is stated beside
                     it (a figure, not a check: it is set by the server's
                     distribution and T). (A ratio "p99 with ÷ without"
                     could not fail while the untimed p99 exceeded T.)
  not a maximum:     with the clean-up X = CLEANUP_MS (every mode measures
                     it; the largest measured when a run lacks it), so the
                     page, the index and the guide quote one overrun,
                     wait_for returns at
                     least OVERRUN_SHARE·X past the timeout (mean over the
                     repetitions of each one's median trial, t-interval);
  pool wait counts:  in every repetition of never_free, every waiter timed
                     out and mockd saw exactly the requests that got a
                     connection (one): an exact count, no interval.
Word: **nuanced** when all three pass (the timeout bounds the tail, but it
is no maximum execution time: clean-up and the pool wait are on top of what
a reader expects), and when a tail check clearly fails while timeouts did
fire (they fired late); **confirmed** when the tail check passes and the
overrun clearly fails (control comes back on time even with clean-up that
awaits); **refuted** when a tail check clearly fails and that bound never
fired; **inconclusive: noise** when an interval straddles its threshold;
**inconclusive** when a part is missing or the untimed tail is within the
bound.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeGuard

from . import fmt, stats
from . import verdict as checks_mod

if TYPE_CHECKING:
    from . import results

SCENARIO = "timeouts"
TAIL_SLACK = 0.1     # the timed p99 must stay below the timeout plus a tenth of it: a timer's firing
                     # and the client's reaction to it, never a late or missing timeout
OVERRUN_SHARE = 0.5  # overrun ≥ half the clean-up time: the clean-up shows in the caller's wait
POOL_CASE = "never_free"
CLEANUP_MS = 100  # the clean-up whose overrun the check, the verdict line and the headline quote

BOUND_LABEL = {
    "wait_for": "asyncio.wait_for",
    "timeout": "asyncio.timeout",
    "client_timeout": "aiohttp ClientTimeout(total)",
    "deadline": "Asio deadline timer",
    "curlopt_timeout": "CURLOPT_TIMEOUT_MS",
    "or_timer": "Asio `request || timer`",
    "none": "no timeout",
}

RULE_TEXT = (
    f"Error-free runs only. **Bounds the tail**: for every client and bound measured, the p99 of every "
    f"request's wait (timed out or not) with a timeout T, the geometric mean over the repetitions, is below "
    f"T + {fmt.compact(TAIL_SLACK * 100)} % (the whole 95 % CI): a timeout that fired late or not at all fails "
    f"it. The check tests something only when the same client's p99 without a timeout is above that bound; "
    f"otherwise it is undecided. Its price, the share of requests the timeout turned into errors, is given "
    f"beside it. **Not a maximum execution time**: with a clean-up of X = {fmt.compact(CLEANUP_MS)} ms (the "
    f"largest measured when a run lacks it), `asyncio.wait_for` returns at least {OVERRUN_SHARE}·X past the "
    f"timeout (the mean over "
    f"the repetitions of each repetition's median trial, whole 95 % CI). **The pool wait counts**: with "
    f"`TCPConnector(limit=1)` held past the waiters' `ClientTimeout(total)`, every waiter timed out and mockd saw "
    f"exactly the requests that got a connection, in every repetition (exact counts). **Nuanced** when all three "
    f"pass (it bounds the tail, but clean-up and queueing come on top of the number given), or when a tail "
    f"check clearly fails while its timeouts fired (they fired late); **confirmed** when the tail check passes "
    f"and the overrun check clearly fails; **refuted** when a tail check clearly fails and that bound never "
    f"fired; **inconclusive: noise** when an interval straddles its threshold; **inconclusive** when a part is "
    f"missing or an untimed tail is within the bound (nothing to cut).")


@dataclass(frozen=True)
class Key:
    part: str          # tail | overrun | pool_wait
    client: str
    bound: str         # tail/overrun: the bound; pool_wait: the case
    timeout_ms: float | None = None
    cleanup_ms: float | None = None


def key(run: results.Run) -> Key:
    labels, p = run.name.labels, run.name.param
    part = labels[0] if labels else ""
    client = labels[1] if len(labels) > 1 else ""
    bound = labels[2] if len(labels) > 2 else ""
    return Key(part, client, bound, p("timeout_ms"), p("cleanup_ms"))


def clean(run: results.Run | None) -> TypeGuard[results.Run]:
    return run is not None and not run.flagged and bool(run.reps)


def runs_of(runs: list[results.Run], part: str) -> list[results.Run]:
    return [r for r in runs if key(r).part == part]


def tail_pairs(runs: list[results.Run]) -> list[tuple[results.Run, results.Run | None]]:
    """[(with, without)] for every timed tail run, without = the same client's `none` run."""
    tails = runs_of(runs, "tail")
    out: list[tuple[results.Run, results.Run | None]] = []
    for r in tails:
        k = key(r)
        if k.bound == "none":
            continue
        base = next((b for b in tails if key(b).client == k.client and key(b).bound == "none"), None)
        out.append((r, base))
    return out


def tail_bound(run: results.Run) -> float | None:
    """The p99 the rule allows a timed tail run: its timeout plus TAIL_SLACK of it (ms)."""
    t = key(run).timeout_ms
    return None if t is None else t * (1 + TAIL_SLACK)


def tail_p99_ci(run: results.Run) -> stats.Interval | None:
    """(geometric mean, low, high) of the p99 wait over the repetitions (ms), a t-interval on the
    logs (stats.ratio_ci: a p99's noise is multiplicative, and its interval stays positive); None
    unless error-free."""
    if not clean(run):
        return None
    ci = stats.ratio_ci(run.values("wait_p99_ms"))
    return ci if ci[0] is not None else None


def timed_out_ci(run: results.Run) -> stats.Interval | None:
    """(mean, low, high) over the repetitions of the share of requests that timed out, in percent:
    the price of the bound. None unless the run is error-free."""
    if not clean(run):
        return None
    shares = [100 * rep["timed_out"] / rep["requests"] for rep in run.reps
              if isinstance(rep.get("timed_out"), (int, float)) and rep.get("requests")]
    mean, low, high = stats.mean_ci(shares)
    if mean is None:
        return None
    # A share lies in 0–100 %: a t-interval over few repetitions can reach past either end.
    return mean, None if low is None else max(0.0, low), None if high is None else min(100.0, high)


def tail_check(with_run: results.Run, without_run: results.Run | None) -> checks_mod.Check:
    """The tail check of one timed run: its p99 below its timeout plus TAIL_SLACK, decided only
    where the untimed p99 was above that bound."""
    bound = tail_bound(with_run)
    name = f"p99 wait, {tail_label(with_run)}, within the {fmt.compact(key(with_run).timeout_ms)} ms timeout " \
           f"+ {fmt.compact(TAIL_SLACK * 100)} %"
    untimed = without_run.median("wait_p99_ms") if without_run is not None and clean(without_run) else None
    if untimed is not None and bound is not None and untimed <= bound:
        return checks_mod.Check(name, checks_mod.UNDECIDED, *(tail_p99_ci(with_run) or (None,) * 3),
                                threshold=f"< {fmt.compact(bound)} ms", unit=" ms",
                                note=f"the untimed p99 ({fmt.sig(untimed)} ms) is within the bound: nothing to cut")
    assert bound is not None  # a timed run has a timeout
    return checks_mod.below(name, tail_p99_ci(with_run), bound, unit=" ms")


def tail_label(run: results.Run) -> str:
    k = key(run)
    return f"{k.client}, {BOUND_LABEL.get(k.bound, k.bound)}"


def overrun_runs(runs: list[results.Run], client: str, bound: str) -> list[results.Run]:
    """The overrun runs of one client and bound, by clean-up time (ascending)."""
    out = [r for r in runs_of(runs, "overrun") if key(r).client == client and key(r).bound == bound]
    return sorted(out, key=lambda r: key(r).cleanup_ms or 0)


def overrun_ci(run: results.Run) -> stats.Interval | None:
    """(mean, low, high) ms past the timeout: mean over repetitions of their median trial."""
    if not clean(run):
        return None
    ci = stats.mean_ci(run.values("overrun_median_ms"))
    return ci if ci[0] is not None else None


POOL_CASES = ("never_free", "freed_late", "no_limit")
SWEPT = (("py_aiohttp", "wait_for"), ("asio", "or_timer"))  # the overruns measured at several clean-up times


def cleanup_sweep_left_out(runs: list[results.Run]) -> bool:
    """True when the run measured overruns but none of the swept bounds at more than one clean-up
    time: bench's default grid measures only the clean-up the check reads; the reference sweeps."""
    counts = [len(overrun_runs(runs, client, bound)) for client, bound in SWEPT]
    return any(counts) and max(counts) <= 1


def pool_cases_left_out(runs: list[results.Run]) -> list[str]:
    """The pool-wait cases not measured in a run that measured some (bench's default grid measures
    only the one the check reads); empty for every case or none."""
    measured = {key(r).bound for r in runs_of(runs, "pool_wait")}
    return [c for c in POOL_CASES if c not in measured] if measured else []


def pool_run(runs: list[results.Run], case: str) -> results.Run | None:
    return next((r for r in runs_of(runs, "pool_wait") if key(r).bound == case), None)


def pool_exact(run: results.Run | None) -> tuple[bool | None, str]:
    """(holds, text): every repetition had got_connection == server_requests_seen == expected and,
    when the mechanism says none gets through, every waiter timed out."""
    if run is None or run.failed or not run.reps:
        return None, "not measured"
    bad = []
    for i, rep in enumerate(run.reps):
        got, seen, want = rep.get("got_connection"), rep.get("server_requests_seen"), rep.get("expected_connections")
        waiters, timed = rep.get("waiters"), rep.get("timed_out")
        if got != seen or got != want:
            bad.append(f"repetition {i + 1}: {fmt.count(got)} got a connection, mockd saw {fmt.count(seen)}, "
                       f"expected {fmt.count(want)}")
        elif key(run).bound == POOL_CASE and timed != waiters:
            bad.append(f"repetition {i + 1}: {fmt.count(timed)} of {fmt.count(waiters)} waiters timed out")
    if bad:
        return False, "; ".join(bad)
    rep = run.reps[0]
    return True, (f"{fmt.count(rep.get('got_connection'))} got a connection and mockd saw "
                  f"{fmt.count(rep.get('server_requests_seen'))}, in all {len(run.reps)} repetitions")


@dataclass
class Verdict(checks_mod.Line):
    word: str
    sentence: str  # what was measured; .line renders '**Word**: sentence' (verdict.line)
    checks: list[checks_mod.Check] = field(default_factory=list)
    tails: dict = field(default_factory=dict)     # run name -> (mean, low, high) p99 wait with the timeout, ms
    shares: dict = field(default_factory=dict)    # run name -> (mean, low, high) % of requests timed out
    overruns: dict = field(default_factory=dict)  # run name -> (mean, low, high) ms
    pool: dict = field(default_factory=dict)      # case -> (holds, text)
    reasons: list[str] = field(default_factory=list)


def decide(runs: list[results.Run]) -> Verdict:
    v = Verdict(word=checks_mod.INCONCLUSIVE, sentence="")
    for w, wo in tail_pairs(runs):
        ci, share = tail_p99_ci(w), timed_out_ci(w)
        if ci and share and clean(wo):
            v.tails[w.name.text] = ci
            v.shares[w.name.text] = share
    for r in runs_of(runs, "overrun"):
        ci = overrun_ci(r)
        if ci:
            v.overruns[r.name.text] = ci
    for case in POOL_CASES:
        run = pool_run(runs, case)
        if run is not None:
            v.pool[case] = pool_exact(run)

    missing = []
    pairs = tail_pairs(runs)
    if not pairs or len(v.tails) < len(pairs):
        missing.append("a tail pair had errors, failed or is missing")
    wait_for = [r for r in overrun_runs(runs, "py_aiohttp", "wait_for") if r.name.text in v.overruns]
    if not wait_for or not (key(wait_for[-1]).cleanup_ms or 0) > 0:
        missing.append("no error-free wait_for overrun with a clean-up")
    holds = v.pool.get(POOL_CASE, (None, ""))[0]
    if holds is None:
        missing.append(f"the pool wait case {POOL_CASE} was not measured")
    if missing:
        why = sorted({r.error_message for r in runs if r.error_message is not None})  # the failed runs
        v.reasons = missing
        v.sentence = "; ".join(missing) + (" (" + "; ".join(why) + ")" if why else "") + "."
        return v

    tail_checks = [tail_check(w, wo) for w, wo in pairs]
    flat = [c.note for c in tail_checks if c.status == checks_mod.UNDECIDED and "nothing to cut" in c.note]
    if flat:
        v.checks = tail_checks
        v.reasons = ["an untimed tail is within the bound"]
        v.sentence = ("the server's tail did not reach past the timeout, so the tail check tests "
                      f"nothing ({flat[0]}).")
        return v
    biggest = checked_overrun(wait_for)
    x = key(biggest).cleanup_ms
    assert x is not None  # an overrun run has a clean-up time
    overrun_check = checks_mod.at_least(f"wait_for overrun with a {fmt.compact(x)} ms clean-up",
                                        v.overruns[biggest.name.text], OVERRUN_SHARE * x, unit=" ms")
    pool_check = checks_mod.Check(f"pool wait ({POOL_CASE}): mockd saw exactly the requests that got a connection",
                                  checks_mod.PASSED if holds else checks_mod.FAILED,
                                  threshold="exact, every repetition", unit="", note=v.pool[POOL_CASE][1])
    v.checks = tail_checks + [overrun_check, pool_check]

    tail_word = checks_mod.word_from(tail_checks)
    tail_text = price_text(v, pairs)
    over_text = (f"{fmt.sig(v.overruns[biggest.name.text][0])} ms "
                 f"({fmt.ci(v.overruns[biggest.name.text][1], v.overruns[biggest.name.text][2], ' ms')})")
    if tail_word == checks_mod.NUANCED:
        late = [c for c, (w, _) in zip(tail_checks, pairs) if c.status == checks_mod.FAILED]
        never = [w for c, (w, _) in zip(tail_checks, pairs)
                 if c.status == checks_mod.FAILED and v.shares[w.name.text][0] == 0]
        names = "; ".join(f"{c.name.split(', within')[0]} {c.figure}" for c in late)
        if never:
            v.word = checks_mod.REFUTED
            v.sentence = (f"{', '.join(tail_label(w) for w in never)} never timed out and its p99 wait "
                          f"stayed past the timeout + {fmt.compact(TAIL_SLACK * 100)} %: {names}.")
        else:
            v.word = checks_mod.NUANCED
            v.reasons = [c.name for c in late]
            v.sentence = (f"the timeouts fired, but late: the p99 wait went past the timeout "
                          f"+ {fmt.compact(TAIL_SLACK * 100)} % ({names}); {tail_text}.")
    elif tail_word != checks_mod.CONFIRMED or overrun_check.status == checks_mod.UNDECIDED:
        v.word = checks_mod.NOISE
        v.sentence = f"{checks_mod.noise_text(v.checks)}; {tail_text}."
    elif overrun_check.status == checks_mod.FAILED:
        v.word = checks_mod.CONFIRMED
        v.sentence = (f"the timeout bounds the tail ({tail_text}) and control came back on time "
                      f"even with a {fmt.compact(x)} ms clean-up (overrun {over_text}).")
    elif not holds:
        v.word = checks_mod.NUANCED
        v.reasons = [pool_check.name]
        v.sentence = (f"the timeout bounds the tail ({tail_text}), but with a {fmt.compact(x)} ms "
                      f"clean-up wait_for returned {over_text} late; the pool-wait count did not hold "
                      f"({v.pool[POOL_CASE][1]}).")
    else:
        v.word = checks_mod.NUANCED
        v.sentence = (f"a timeout bounds the tail ({tail_text}), but it is no "
                      f"maximum execution time: with a {fmt.compact(x)} ms clean-up that awaits, wait_for returned "
                      f"{over_text} past the timeout, and aiohttp's total timeout also runs while a request waits for "
                      f"a pooled connection (mockd saw only the request that had one).")
    return v


def price_text(v: Verdict, pairs: list[tuple[results.Run, results.Run | None]]) -> str:
    """'with a 50 ms timeout the p99 wait was 50.1–51.2 ms over the 5 bounds, and 3.6–3.9 % of requests
    were turned into timeout errors': the tail figure and its price, as ranges over the bounds."""
    names = [w.name.text for w, _ in pairs if w.name.text in v.tails]
    if not names:
        return "no tail measured"
    p99s = [v.tails[n][0] for n in names]
    shares = [v.shares[n][0] for n in names]
    timeouts = sorted({t for w, _ in pairs if (t := key(w).timeout_ms) is not None})  # timed: every one
    over = f"over the {len(names)} bounds" if len(names) > 1 else f"with {tail_label(pairs[0][0])}"
    return (f"with a {'/'.join(fmt.compact(t) for t in timeouts)} ms timeout the p99 wait was "
            f"{_range(p99s)} ms {over}, at the price of {_range(shares)} % of requests turned into timeout "
            f"errors")


def _range(values: list[float]) -> str:
    lo, hi = min(values), max(values)
    return fmt.sig(lo) if fmt.sig(lo) == fmt.sig(hi) else f"{fmt.sig(lo)}–{fmt.sig(hi)}"


def checked_overrun(overruns: list[results.Run]) -> results.Run:
    """Of overrun runs sorted by clean-up, the one with CLEANUP_MS (every mode measures it), else
    the largest."""
    return next((r for r in overruns if key(r).cleanup_ms == CLEANUP_MS), overruns[-1])
