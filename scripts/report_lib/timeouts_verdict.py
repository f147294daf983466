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
  bounds the tail:   p99 wait with ÷ without a timeout < TAIL_MAX for every
                     client and bound measured (paired repetitions);
  not a maximum:     with the largest cleanup X measured, wait_for returns at
                     least OVERRUN_SHARE·X past the timeout (mean over the
                     repetitions of each one's median trial, t-interval);
  pool wait counts:  in every repetition of never_free, every waiter timed
                     out and mockd saw exactly the requests that got a
                     connection (one): an exact count, no interval.
Word: **nuanced** when all three pass (the timeout bounds the tail, but it
is no maximum execution time: clean-up and the pool wait are on top of what
a reader expects); **confirmed** when the tail check passes and the overrun
clearly fails (control comes back on time even with clean-up that awaits);
**refuted** when the tail check clearly fails; **inconclusive: noise** when an
interval straddles its threshold; **inconclusive** when a part is missing.
"""
from dataclasses import dataclass, field

from . import fmt, stats
from . import verdict as checks_mod

SCENARIO = "timeouts"
TAIL_MAX = 0.8       # p99 with ÷ without: the timeout must cut the tail by at least a fifth
OVERRUN_SHARE = 0.5  # overrun ≥ half the clean-up time: the clean-up shows in the caller's wait
POOL_CASE = "never_free"

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
    f"request's wait (timed out or not) with the timeout ÷ the same client's without it, paired repetition by "
    f"repetition, is below {TAIL_MAX}x (the whole 95 % CI). **Not a maximum execution time**: with the largest "
    f"clean-up X measured, `asyncio.wait_for` returns at least {OVERRUN_SHARE}·X past the timeout (the mean over "
    f"the repetitions of each repetition's median trial, whole 95 % CI). **The pool wait counts**: with "
    f"`TCPConnector(limit=1)` held past the waiters' `ClientTimeout(total)`, every waiter timed out and mockd saw "
    f"exactly the requests that got a connection, in every repetition (exact counts). **Nuanced** when all three "
    f"pass (it bounds the tail, but clean-up and queueing come on top of the number given); **confirmed** when "
    f"the tail check passes and the overrun check clearly fails; **refuted** when the tail check clearly fails; "
    f"**inconclusive: noise** when an interval straddles its threshold; **inconclusive** when a part is missing.")


@dataclass(frozen=True)
class Key:
    part: str          # tail | overrun | pool_wait
    client: str
    bound: str         # tail/overrun: the bound; pool_wait: the case
    timeout_ms: float = None
    cleanup_ms: float = None


def key(run):
    labels, p = run.name.labels, run.name.param
    part = labels[0] if labels else ""
    client = labels[1] if len(labels) > 1 else ""
    bound = labels[2] if len(labels) > 2 else ""
    return Key(part, client, bound, p("timeout_ms"), p("cleanup_ms"))


def clean(run):
    return run is not None and not run.flagged and bool(run.reps)


def runs_of(runs, part):
    return [r for r in runs if key(r).part == part]


def tail_pairs(runs):
    """[(with, without)] for every timed tail run, without = the same client's `none` run."""
    tails = runs_of(runs, "tail")
    out = []
    for r in tails:
        k = key(r)
        if k.bound == "none":
            continue
        base = next((b for b in tails if key(b).client == k.client and key(b).bound == "none"), None)
        out.append((r, base))
    return out


def tail_ratio(with_run, without_run, counter="wait_p99_ms"):
    """(est, low, high) of the p99 wait with ÷ without, paired; None unless both are error-free."""
    if not clean(with_run) or not clean(without_run):
        return None
    ci = stats.paired_ratio_ci(with_run.values(counter), without_run.values(counter))
    return ci if ci[0] is not None else None


def tail_label(run):
    k = key(run)
    return f"{k.client}, {BOUND_LABEL.get(k.bound, k.bound)}"


def timed_out_share(run):
    """Median over repetitions of timed_out ÷ requests."""
    return run.per_rep("timed_out", "requests") if run is not None else None


def overrun_runs(runs, client, bound):
    """The overrun runs of one client and bound, by clean-up time (ascending)."""
    out = [r for r in runs_of(runs, "overrun") if key(r).client == client and key(r).bound == bound]
    return sorted(out, key=lambda r: key(r).cleanup_ms or 0)


def overrun_ci(run):
    """(mean, low, high) ms past the timeout: mean over repetitions of their median trial."""
    if not clean(run):
        return None
    ci = stats.mean_ci(run.values("overrun_median_ms"))
    return ci if ci[0] is not None else None


def pool_run(runs, case):
    return next((r for r in runs_of(runs, "pool_wait") if key(r).bound == case), None)


def pool_exact(run):
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
class Verdict:
    word: str
    line: str
    checks: list = field(default_factory=list)
    tails: dict = field(default_factory=dict)     # run name -> (est, low, high)
    overruns: dict = field(default_factory=dict)  # run name -> (mean, low, high) ms
    pool: dict = field(default_factory=dict)      # case -> (holds, text)
    reasons: list = field(default_factory=list)


def decide(runs):
    v = Verdict(word=checks_mod.INCONCLUSIVE, line="")
    for w, wo in tail_pairs(runs):
        ci = tail_ratio(w, wo)
        if ci:
            v.tails[w.name.text] = ci
    for r in runs_of(runs, "overrun"):
        ci = overrun_ci(r)
        if ci:
            v.overruns[r.name.text] = ci
    for case in ("never_free", "freed_late", "no_limit"):
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
        why = sorted({r.error_message for r in runs if r.failed})
        v.reasons = missing
        v.line = "**Inconclusive**: " + "; ".join(missing) + (" (" + "; ".join(why) + ")" if why else "") + "."
        return v

    tail_checks = [checks_mod.below(f"p99 wait, {tail_label(w)} ÷ without", v.tails[w.name.text], TAIL_MAX)
                   for w, _ in pairs]
    biggest = wait_for[-1]
    x = key(biggest).cleanup_ms
    overrun_check = checks_mod.at_least(f"wait_for overrun with a {fmt.compact(x)} ms clean-up",
                                        v.overruns[biggest.name.text], OVERRUN_SHARE * x, unit=" ms")
    pool_check = checks_mod.Check(f"pool wait ({POOL_CASE}): mockd saw exactly the requests that got a connection",
                                  checks_mod.PASSED if holds else checks_mod.FAILED,
                                  threshold="exact, every repetition", unit="", note=v.pool[POOL_CASE][1])
    v.checks = tail_checks + [overrun_check, pool_check]

    tail_word = checks_mod.word_from(tail_checks)
    tail_text = "; ".join(f"{tail_label(w)} {fmt.factor_ci(*v.tails[w.name.text])}" for w, _ in pairs)
    over_text = (f"{fmt.sig(v.overruns[biggest.name.text][0])} ms "
                 f"({fmt.ci(v.overruns[biggest.name.text][1], v.overruns[biggest.name.text][2], ' ms')})")
    if tail_word == checks_mod.NUANCED:
        v.word = checks_mod.REFUTED
        v.line = f"**Refuted**: the timeout did not cut the p99 wait below {TAIL_MAX}x: {tail_text}."
    elif tail_word != checks_mod.CONFIRMED or overrun_check.status == checks_mod.UNDECIDED:
        v.word = checks_mod.NOISE
        v.line = f"**Inconclusive: noise**: {checks_mod.noise_text(v.checks)}."
    elif overrun_check.status == checks_mod.FAILED:
        v.word = checks_mod.CONFIRMED
        v.line = (f"**Confirmed**: the timeout cuts the p99 wait ({tail_text}) and control came back on time "
                  f"even with a {fmt.compact(x)} ms clean-up (overrun {over_text}).")
    elif not holds:
        v.word = checks_mod.NUANCED
        v.reasons = [pool_check.name]
        v.line = (f"**Nuanced**: the timeout cuts the p99 wait ({tail_text}), but with a {fmt.compact(x)} ms "
                  f"clean-up wait_for returned {over_text} late; the pool-wait count did not hold "
                  f"({v.pool[POOL_CASE][1]}).")
    else:
        v.word = checks_mod.NUANCED
        v.line = (f"**Nuanced**: a timeout bounds the tail (p99 wait with ÷ without: {tail_text}), but it is no "
                  f"maximum execution time: with a {fmt.compact(x)} ms clean-up that awaits, wait_for returned "
                  f"{over_text} past the timeout, and aiohttp's total timeout also runs while a request waits for "
                  f"a pooled connection (mockd saw only the request that had one).")
    return v
