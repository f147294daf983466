"""Scenario cancellation: which runs answer the claim, their per-repetition
shares with 95 % confidence intervals, and the verdict rule.

Benchmark names:
  cancellation/race/<py|cpp>/<variant>/fail:<status500|reset>/n:N/fail_ms:F/slow_ms:S
      request 0 fails after F ms, the N-1 siblings take S ms; variants: py gather,
      taskgroup, gather_return_exceptions; cpp wait_for_one_error, wait_for_all;
  cancellation/semantics/py/<cancel_swallowed|shield|unreferenced_task|exception_never_retrieved>/...
      one count per behaviour (EXPECTED below).

The claim under test is the material's: "gather cancels the remaining tasks if
one fails". Each repetition of a race gives two shares of the N-1 siblings,
both counted by mockd, not by the client: cancelled at the server
(server_cancelled ÷ siblings) and completed by the server after the caller had
its error (server_completed_after_error ÷ siblings, from mockd's timeline).
Each share's 95 % CI is a t-interval over the repetitions (stats.mean_ci); a
count that is the same in every repetition has an interval of zero width.

The rule (also printed on the page; keep RULE_TEXT in step with decide()),
error-free runs of every fail:/n: configuration measured, each check passing
only when its whole interval clears its bound:
- refuted:   gather: siblings cancelled at the server < CANCELLED_NONE and
             siblings completed after the error ≥ COMPLETED_ALL. (TaskGroup's
             share cancelled ≥ COMPLETED_ALL is shown as the contrast; it does
             not change the word.)
- confirmed: gather: siblings cancelled ≥ COMPLETED_ALL (the claim holds here).
- nuanced:   anything between (some cancelled, some not).
- inconclusive: noise when an interval straddles a bound; inconclusive when no
             error-free gather run with mockd's cancellation counts exists.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeGuard

from . import fmt, stats
from . import verdict as checks_mod

if TYPE_CHECKING:
    from . import results

SCENARIO = "cancellation"
COMPLETED_ALL = 90.0   # % of the siblings
CANCELLED_NONE = 10.0  # % of the siblings
HEADLINE_FAILURE = "status500"
HEADLINE_N = 10

PY_VARIANTS = ("gather", "taskgroup", "gather_return_exceptions")
CPP_VARIANTS = ("wait_for_one_error", "wait_for_all")
VARIANT_LABEL = {
    "gather": "asyncio.gather",
    "taskgroup": "asyncio.TaskGroup",
    "gather_return_exceptions": "gather(return_exceptions=True)",
    "wait_for_one_error": "Asio parallel_group, wait_for_one_error",
    "wait_for_all": "Asio parallel_group, wait_for_all",
}
CANCELS = {"taskgroup", "wait_for_one_error"}  # the variants that cancel the siblings

# The semantics benchmarks: counter -> the count the mechanism gives (k = 10 tasks).
EXPECTED: dict[str, dict[str, int | str]] = {
    "cancel_swallowed": {"cancel_calls": 2, "swallowed": 1, "propagating_task_cancelled": 1,
                         "swallowing_task_cancelled": 0, "swallowing_task_finished": 1, "follow_up_ok": 1,
                         "server_cancelled": 2},
    "shield": {"caller_cancelled": 1, "inner_ok": 1, "inner_cancelled": 0, "server_cancelled": 0,
               "server_requests": 1},
    "unreferenced_task": {"request_tasks_ok": "k", "orphan_tasks_finished": 0, "destroyed_pending_logged": "k"},
    "exception_never_retrieved": {"ignored_failed": "k", "ignored_logged": "k", "retrieved_failed": "k",
                                  "retrieved_logged": 0},
}

RULE_TEXT = (
    f"Error-free runs only. For every race configuration measured (the failure: a 500 raised by "
    f"`raise_for_status`, or a connection reset; N requests), each repetition gives two shares of the N−1 "
    f"siblings, both counted by `mockd`: the share it saw **cancelled** (the client closed the connection "
    f"while mockd was still waiting out the delay) and the share it **completed after the caller had its "
    f"error** (its timeline of completed responses in 10 ms buckets, counting the buckets that begin at least one bucket after the caller's error time). Each "
    f"share carries a 95 % interval over the repetitions; a check passes only when its whole interval clears "
    f"its bound. The claim (\"gather cancels the remaining tasks if one fails\") is **refuted** when, under "
    f"`asyncio.gather`, the share cancelled is < {fmt.compact(CANCELLED_NONE)} % and the share completed after "
    f"the error ≥ {fmt.compact(COMPLETED_ALL)} % in every configuration; **confirmed** when gather's share "
    f"cancelled is ≥ {fmt.compact(COMPLETED_ALL)} %; **nuanced** in between; **inconclusive: noise** when an "
    f"interval straddles a bound; **inconclusive** without an error-free gather run carrying mockd's "
    f"cancellation count. TaskGroup's share cancelled (≥ {fmt.compact(COMPLETED_ALL)} % expected) is checked "
    f"as the contrast and does not change the word.")


@dataclass(frozen=True)
class Key:
    part: str          # race | semantics
    lang: str          # py | cpp
    variant: str
    failure: str | None = None
    n: int | None = None


def key(run: results.Run) -> Key:
    labels = run.name.labels
    part = labels[0] if labels else ""
    lang = labels[1] if len(labels) > 1 else ""
    variant = labels[2] if len(labels) > 2 else ""
    return Key(part, lang, variant, run.name.param("fail"), run.name.param("n"))


def races(runs: list[results.Run]) -> list[results.Run]:
    return [r for r in runs if key(r).part == "race"]


def semantics(runs: list[results.Run]) -> list[results.Run]:
    return [r for r in runs if key(r).part == "semantics"]


def configs(runs: list[results.Run]) -> list[tuple[str | None, int | None]]:
    """(failure, n) of every race configuration, the headline's first."""
    seen = {(key(r).failure, key(r).n) for r in races(runs)}
    return sorted(seen, key=lambda c: (c != (HEADLINE_FAILURE, HEADLINE_N), c[0] != HEADLINE_FAILURE, c[1] or 0))


def race_run(runs: list[results.Run], variant: str, failure: str | None = HEADLINE_FAILURE,
             n: int | None = HEADLINE_N) -> results.Run | None:
    for r in races(runs):
        k = key(r)
        if (k.variant, k.failure, k.n) == (variant, failure, n):
            return r
    return None


def clean(run: results.Run | None) -> TypeGuard[results.Run]:
    return run is not None and not run.flagged and bool(run.reps)


def share(run: results.Run | None, counter: str) -> stats.Interval | None:
    """(mean, low, high) in % of the siblings of `counter`, over the repetitions; None when absent."""
    if not clean(run):
        return None
    values = [100.0 * rep[counter] / rep["siblings"] for rep in run.reps
              if isinstance(rep.get(counter), (int, float)) and rep.get("siblings")]
    if not values:
        return None
    return stats.mean_ci(values)


def time_ci(run: results.Run | None, counter: str = "time_to_error_ms") -> stats.Interval | None:
    """(geometric mean, low, high) of a time over the repetitions (stats.ratio_ci on the values: a
    t-interval on their logs, which stays positive on a log axis); None when absent."""
    if not clean(run):
        return None
    values = run.values(counter)
    ci = stats.ratio_ci(values) if values else (None, None, None)
    return ci if ci[0] is not None else None


def time_ratio(runs: list[results.Run], slower: str, faster: str, failure: str = HEADLINE_FAILURE,
               n: int = HEADLINE_N) -> stats.Interval | None:
    """time_to_error_ms of `slower` ÷ `faster`, repetition with repetition (they ran side by side)."""
    a, b = race_run(runs, slower, failure, n), race_run(runs, faster, failure, n)
    if not (clean(a) and clean(b)):
        return None
    ci = stats.paired_ratio_ci(a.values("time_to_error_ms"), b.values("time_to_error_ms"))
    return ci if ci[0] is not None else None


def config_label(failure: str | None, n: int | None) -> str:
    return f"{'a 500' if failure == 'status500' else 'a reset'}, N = {n}"


@dataclass
class Verdict(checks_mod.Line):
    word: str
    sentence: str  # what was measured; .line renders '**Word**: sentence' (verdict.line)
    checks: list[checks_mod.Check] = field(default_factory=list)
    contrast: list[checks_mod.Check] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def semantics_checks(runs: list[results.Run]) -> list[tuple[results.Run, str, float, list[float]]]:
    """[(benchmark, counter, expected, measured values)] for every semantics count."""
    out: list[tuple[results.Run, str, float, list[float]]] = []
    for r in semantics(runs):
        expected = EXPECTED.get(key(r).variant, {})
        k = r.name.param("k")
        for counter, want in expected.items():
            count = k if want == "k" else int(want)  # "k": the run's task count
            out.append((r, counter, count, r.values(counter)))
    return out


def decide(runs: list[results.Run]) -> Verdict:
    v = Verdict(word=checks_mod.INCONCLUSIVE, sentence="")
    for failure, n in configs(runs):
        where = config_label(failure, n)
        g = race_run(runs, "gather", failure, n)
        cancelled, after = share(g, "server_cancelled"), share(g, "server_completed_after_error")
        if cancelled and cancelled[0] is not None:
            v.checks.append(checks_mod.below(f"gather, {where}: siblings cancelled at the server", cancelled,
                                             CANCELLED_NONE, unit=" %"))
        if after and after[0] is not None:
            v.checks.append(checks_mod.at_least(f"gather, {where}: siblings completed after the error", after,
                                                COMPLETED_ALL, unit=" %"))
        t = share(race_run(runs, "taskgroup", failure, n), "server_cancelled")
        if t and t[0] is not None:
            v.contrast.append(checks_mod.at_least(f"TaskGroup, {where}: siblings cancelled at the server", t,
                                                  COMPLETED_ALL, unit=" %"))
    if not v.checks:
        v.reasons = ["no error-free gather run with mockd's cancellation counts"]
        why = sorted({f"{r.name.text}: {r.error_message}" for r in races(runs) if r.failed})
        v.sentence = ("no error-free `asyncio.gather` run with mockd's cancellation counts"
                      + (" (" + "; ".join(why) + ")" if why else "") + ".")
        return v

    cancel_checks = [c for c in v.checks if "cancelled" in c.name]
    if cancel_checks and all(c.status == checks_mod.FAILED and c.low is not None and c.low >= COMPLETED_ALL
                             for c in cancel_checks):  # (a failed check has an interval)
        v.word = checks_mod.CONFIRMED
    else:
        word = checks_mod.word_from(v.checks)
        v.word = checks_mod.REFUTED if word == checks_mod.CONFIRMED else word

    head = v.checks[:2]
    figures = "; ".join(f"{c.name}: {c.figure}" for c in head)
    contrast = (f" Under a TaskGroup instead, {v.contrast[0].figure.split(' (')[0]} of the siblings were "
                f"cancelled at the server." if v.contrast else "")
    if v.word == checks_mod.REFUTED:
        v.sentence = (f"when one request fails, `asyncio.gather` raises at once but cancels nothing; "
                      f"the server went on to finish the other requests ({figures}).{contrast}")
    elif v.word == checks_mod.CONFIRMED:
        v.sentence = f"gather's siblings were cancelled at the server ({figures})."
    elif v.word == checks_mod.NUANCED:
        failed = [c for c in v.checks if c.status == checks_mod.FAILED]
        v.reasons = [c.name for c in failed]
        v.sentence = ("; ".join(f"{c.name}: {c.figure}, needs {c.threshold}" for c in failed)
                      + f".{contrast}")
    else:
        v.sentence = f"{checks_mod.noise_text(v.checks)}."
    return v
