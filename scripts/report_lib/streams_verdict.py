"""Scenario streams (claim C12): which runs pair up, their figures with 95 %
confidence intervals, and the verdict rule.

Benchmark names:
  streams/udp/<asio|py_asyncio>/window:W/bytes:64
      UDP echo with W datagrams in flight: round trips per second, loss;
  streams/chat/<drain_in_loop|no_drain|bounded_queue>/clients:8/pause_ms:P/msg_bytes:16384/rate:500
      the asyncio chat server with one slow reader that pauses P ms;
  streams/churn/<iterate_set|iterate_copy>/clients:8/pause_ms:P/churn_ms:10
      drain_in_loop with clients joining and leaving during broadcasts.

The rule (also printed on the page; keep RULE_TEXT in step with decide()),
runs without errors only:
- stall:   fast clients' p99 latency, drain_in_loop ÷ bounded_queue, paired
           repetition by repetition, whole 95 % CI ≥ STALL_MIN;
- memory:  the server's peak backlog for one client, no_drain ÷ bounded_queue,
           whole 95 % CI ≥ BACKLOG_MIN;
- bounded: bounded_queue delivered every line to every fast client and its
           backlog never passed its bound, in every repetition (exact);
- set:     iterating the live set raised "Set changed size during
           iteration" in every repetition, iterating a copy never (exact).
confirmed: all four pass; nuanced: one fails clearly; inconclusive: noise:
none fails, an interval straddles its threshold; inconclusive: a side
missing. The UDP figures are shown beside the rule, not part of it: the
material's UDP echo works, and what loopback loses depends on buffer sizes.
"""
from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeGuard

from . import fmt, stats
from . import verdict as checks_mod

if TYPE_CHECKING:
    from . import results

SCENARIO = "streams"
DESIGNS = ("drain_in_loop", "no_drain", "bounded_queue")
ITERATES = ("iterate_set", "iterate_copy")
UDP_IMPLS = ("asio", "py_asyncio")
UDP_PAIR_WINDOW = 64
UDP_LOSS_WINDOW = 1024
STALL_MIN = 3.0
BACKLOG_MIN = 2.0
MIB = 1024.0 * 1024.0

RULE_TEXT = (
    "Runs without errors only. **Stall**: the fast clients' p99 latency with `drain_in_loop` ÷ with "
    "`bounded_queue`, paired repetition by repetition (the two run next to each other), must be ≥ "
    f"{fmt.compact(STALL_MIN)}x over its whole 95 % confidence interval. **Memory**: the server's peak "
    "backlog for one client (its queue plus its transport's buffer, checked at every write) with `no_drain` "
    f"÷ with `bounded_queue` must be ≥ {fmt.compact(BACKLOG_MIN)}x over its whole interval. **Bounded**: "
    "`bounded_queue` delivered every line to every fast client and its backlog never passed its bound "
    "(queue_max lines + the transport's high-water mark + one line), in every repetition (exact). **Set**: "
    "walking the live set of clients raised \"Set changed size during iteration\" at least once in every "
    "repetition, walking a copy never (exact). **Confirmed** when all four pass; **nuanced** when one "
    "fails clearly; **inconclusive: noise** when none fails but an interval straddles its threshold; "
    "**inconclusive** when a side is missing. The UDP figures are reported beside the rule, not in it.")


@dataclass(frozen=True)
class Key:
    part: str        # udp | chat | churn
    variant: str     # asio / py_asyncio; a design; iterate_set / iterate_copy
    window: int | None = None


def key(run: results.Run) -> Key:
    labels = run.name.labels
    part = labels[0] if labels else ""
    variant = labels[1] if len(labels) > 1 else ""
    return Key(part, variant, run.name.param("window"))


def find(runs: list[results.Run], part: str, variant: str, window: int | None = None) -> results.Run | None:
    for r in runs:
        k = key(r)
        if k.part == part and k.variant == variant and (window is None or k.window == window):
            return r
    return None


def clean(run: results.Run | None) -> TypeGuard[results.Run]:
    return run is not None and not run.flagged and bool(run.reps)


def windows(runs: list[results.Run]) -> list[int]:
    return sorted({w for r in runs if key(r).part == "udp" and (w := key(r).window) is not None})


def paired(a: results.Run | None, b: results.Run | None, counter: str) -> stats.Interval | None:
    if not clean(a) or not clean(b):
        return None
    ci = stats.paired_ratio_ci(a.values(counter), b.values(counter))
    return ci if ci[0] is not None else None


def stall_ci(runs: list[results.Run]) -> stats.Interval | None:
    return paired(find(runs, "chat", "drain_in_loop"), find(runs, "chat", "bounded_queue"), "fast_p99_ms")


def backlog_ci(runs: list[results.Run]) -> stats.Interval | None:
    return paired(find(runs, "chat", "no_drain"), find(runs, "chat", "bounded_queue"), "backlog_peak_bytes")


def growth_ci(runs: list[results.Run]) -> stats.Interval | None:
    """no_drain's backlog growth, MiB per second of the slow reader's pause (mean, 95 % CI)."""
    r = find(runs, "chat", "no_drain")
    if not clean(r):
        return None
    ci = stats.mean_ci([v / MIB for v in r.values("backlog_growth_bytes_per_s")])
    return ci if ci[0] is not None else None


def udp_ratio_ci(runs: list[results.Run], window: int = UDP_PAIR_WINDOW) -> stats.Interval | None:
    return paired(find(runs, "udp", "asio", window), find(runs, "udp", "py_asyncio", window), "round_trips_per_s")


def loss_ci(runs: list[results.Run], impl: str, window: int = UDP_LOSS_WINDOW) -> stats.Interval | None:
    r = find(runs, "udp", impl, window)
    if not clean(r):
        return None
    ci = stats.mean_ci(r.values("loss_pct"))
    return ci if ci[0] is not None else None


def bounded_reps(run: results.Run) -> tuple[int, int]:
    """(repetitions where every fast client got every line and the backlog stayed within its bound, all)."""
    ok = 0
    for rep in run.reps:
        delivered = rep.get("fast_received") == rep.get("fast_expected") and rep.get("fast_expected", 0) > 0
        within = rep.get("backlog_peak_bytes", float("inf")) <= rep.get("backlog_bound_bytes", -1)
        ok += delivered and within
    return ok, len(run.reps)


def exact_check(name: str, passed: bool, figure_text: str, threshold: str) -> checks_mod.Check:
    """A check on exact counts (no interval): the counts go in its note."""
    return checks_mod.Check(name, checks_mod.PASSED if passed else checks_mod.FAILED, threshold=threshold,
                            unit="", note=figure_text)


@dataclass
class Verdict(checks_mod.Line):
    word: str
    sentence: str  # what was measured; .line renders '**Word**: sentence' (verdict.line)
    checks: list[checks_mod.Check] = field(default_factory=list)
    stall: stats.Interval | None = None
    backlog: stats.Interval | None = None
    growth: stats.Interval | None = None
    reasons: list[str] = field(default_factory=list)


def decide(runs: list[results.Run]) -> Verdict:
    checks, missing = [], []
    stall, backlog, growth = stall_ci(runs), backlog_ci(runs), growth_ci(runs)
    if stall:
        checks.append(checks_mod.at_least("stall: fast p99, drain_in_loop ÷ bounded_queue", stall, STALL_MIN))
    else:
        missing.append("drain_in_loop or bounded_queue")
    if backlog:
        checks.append(checks_mod.at_least("memory: backlog peak, no_drain ÷ bounded_queue", backlog, BACKLOG_MIN))
    else:
        missing.append("no_drain")
    bq = find(runs, "chat", "bounded_queue")
    if clean(bq):
        ok, n = bounded_reps(bq)
        checks.append(exact_check("bounded: every line delivered, backlog ≤ bound", ok == n,
                                  f"{ok} of {n} repetitions", "every repetition"))
    s, c = find(runs, "churn", "iterate_set"), find(runs, "churn", "iterate_copy")
    if clean(s) and clean(c):
        raised = sum(1 for v in s.values("set_errors") if v >= 1)
        never = all(v == 0 for v in c.values("set_errors"))
        checks.append(exact_check(
            "set: live set raises, copy never", raised == len(s.reps) and never,
            f"set: {fmt.count(s.total('set_errors'))} errors ({raised} of {len(s.reps)} repetitions); "
            f"copy: {fmt.count(c.total('set_errors'))}", "≥ 1 per repetition / 0"))
    else:
        missing.append("the churn pair")
    word = checks_mod.word_from(checks)
    if missing and word != checks_mod.NUANCED:
        word = checks_mod.INCONCLUSIVE
    failed = [ch.name for ch in checks if ch.status == checks_mod.FAILED]
    if word == checks_mod.CONFIRMED:
        assert stall is not None and backlog is not None  # confirmed: nothing was missing
        sentence = (f"one reader that stops reading stalls every other client of a broadcast that "
                    f"awaits `drain()` per client: the fast clients' p99 latency is {fmt.factor_ci(*stall)} "
                    f"that of a bounded queue per client; writing without `drain()` lets the backlog grow instead "
                    f"({fmt.factor_ci(*backlog)} the bounded design's peak"
                    + (f", {fmt.sig(growth[0])} MiB per second of pause" if growth else "")
                    + "); and walking the live client set while awaiting fails when clients come and go, "
                      "walking a copy does not.")
    elif word == checks_mod.NUANCED:
        sentence = "checks that failed clearly: " + ", ".join(failed) + "."
    elif word == checks_mod.NOISE:
        sentence = checks_mod.noise_text(checks) + "."
    else:
        sentence = ("not measured or not error-free: " + ", ".join(missing) + "."
                    if missing else "nothing to judge.")
    return Verdict(word, sentence, checks, stall, backlog, growth, failed)
