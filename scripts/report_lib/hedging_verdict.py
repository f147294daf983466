"""Scenario hedging (claim C9): which runs belong together, their figures with
95 % confidence intervals, and the verdict rule.

Benchmark names:
  hedging/first_completed/<model>/pending:<kept|cancelled>/rounds:R
      three requests at once (20, 250, 500 ms), the first answer taken, the
      other two left running or cancelled;
  hedging/hedged/<model>/hedge:<never|p50|p90|p95|p99>/n:N/c:C
      N logical requests against a lognormal server, a second copy after the
      distribution's quantile (never: no copy), first answer wins;
  hedging/wait_coroutines/py_aiohttp
      the material's asyncio.wait([coroutine, ...]) and the form with tasks.

The headline ratio is p99 hedged at p95 ÷ p99 unhedged, repetition i with
repetition i (bench runs the pair side by side, and both draw the same server
delays: the seeds depend on the repetition only). The load is mockd's
requests started ÷ the client's logical requests, per repetition; its
interval is stats.ratio_ci over the repetitions.

The rule (also printed on the page; keep RULE_TEXT in step with decide()),
error-free runs only:
- for every model measured, p99 hedged at p95 ÷ unhedged < P99_RATIO_MAX and
  the load at p95 < LOAD_MAX, each on its whole 95 % interval;
- exact server counts (no interval: counts): with no hedge the load is 1;
  every load lies in [1, 2]; first completed with the pending requests kept:
  mockd completes every request and cancels none; with them cancelled:
  mockd's requests_cancelled equals the pending count; the first answer
  never comes before the fastest host's delay.
confirmed when all pass; nuanced when a check clearly fails; inconclusive:
noise when an interval straddles its bound. A confirmed rule becomes
**nuanced** when the material's own example, asyncio.wait() given bare
coroutines, raised (TypeError on Python 3.11): the technique holds, the code
the material shows for it does not run.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeGuard

from . import fmt, stats
from . import verdict as checks_mod

if TYPE_CHECKING:
    from . import results

MODELS = ("py_aiohttp", "asio_coro")  # the material's language first
HEDGES = ("p50", "p90", "p95", "p99", "never")  # by growing hedge delay; never = no second copy
HEADLINE_HEDGE = "p95"
P99_RATIO_MAX = 0.9
LOAD_MAX = 1.15

RULE_TEXT = (
    f"Error-free runs only. For every model measured, the p99 latency with a second copy sent at the "
    f"distribution's p95 ÷ the p99 with no second copy (paired repetition by repetition, both drawing the same "
    f"server delays) must lie below {fmt.compact(P99_RATIO_MAX)}x, and the load at that hedge delay (mockd's "
    f"requests started ÷ the client's requests) below {fmt.compact(LOAD_MAX)}x, each on its whole 95 % "
    f"interval. Exact counts from mockd, in every repetition: no hedge gives a load of exactly 1; every load "
    f"lies between 1 and 2; `wait(FIRST_COMPLETED)` with the pending requests kept lets mockd complete all of "
    f"them and cancel none; with them cancelled, mockd's `requests_cancelled` equals the pending count; no "
    f"first answer comes before the fastest host's delay. **Confirmed** when every check passes, **nuanced** "
    f"when one clearly fails, **inconclusive: noise** when an interval straddles its bound. A confirmed outcome "
    f"becomes **nuanced** when the material's own code, `asyncio.wait()` given bare coroutines, raised: the "
    f"technique holds, the example does not run.")


@dataclass(frozen=True)
class Key:
    kind: str          # first_completed | hedged | wait_coroutines
    model: str | None  # None: a name too short to say
    hedge: str | None = None  # hedged: never | p50 | ...
    pending: str | None = None  # first_completed: kept | cancelled


def key(run: results.Run) -> Key:
    labels = run.name.labels
    kind = labels[0] if labels else ""
    model = labels[1] if len(labels) > 1 else None
    return Key(kind, model, run.name.param("hedge"), run.name.param("pending"))


def clean(run: results.Run | None) -> TypeGuard[results.Run]:
    return run is not None and not run.flagged and bool(run.reps)


def hedged_run(runs: list[results.Run], model: str, hedge: str) -> results.Run | None:
    return next((r for r in runs if key(r) == Key("hedged", model, hedge)), None)


def first_run(runs: list[results.Run], model: str, pending: str) -> results.Run | None:
    return next((r for r in runs if key(r) == Key("first_completed", model, None, pending)), None)


def wait_run(runs: list[results.Run]) -> results.Run | None:
    return next((r for r in runs if key(r).kind == "wait_coroutines"), None)


def models_of(runs: list[results.Run], kind: str = "hedged") -> list[str]:
    seen = {m for r in runs if key(r).kind == kind and (m := key(r).model) is not None}
    return [m for m in MODELS if m in seen] + sorted(seen - set(MODELS))


def hedges_of(runs: list[results.Run], model: str) -> list[str]:
    seen = {key(r).hedge for r in runs if key(r).kind == "hedged" and key(r).model == model}
    return [h for h in HEDGES if h in seen]


def sweep_left_out(runs: list[results.Run]) -> list[str]:
    """The hedge delays no model measured though some measured hedged runs: bench's default grid
    measures only the headline pair (p95 and never); the reference sweeps every delay. Empty for
    a full sweep."""
    measured = {h for m in models_of(runs) for h in hedges_of(runs, m)}
    return [h for h in HEDGES if h not in measured] if measured else []


def p99_ratio(runs: list[results.Run], model: str, hedge: str = HEADLINE_HEDGE) -> stats.Interval | None:
    """(est, low, high) of p99 hedged ÷ unhedged, paired; None unless both ran without errors."""
    a, b = hedged_run(runs, model, hedge), hedged_run(runs, model, "never")
    if not clean(a) or not clean(b):
        return None
    ci = stats.paired_ratio_ci(a.values("p99_ms"), b.values("p99_ms"))
    return ci if ci[0] is not None else None


def load_ci(runs: list[results.Run], model: str, hedge: str = HEADLINE_HEDGE) -> stats.Interval | None:
    """(est, low, high) of the load (server requests ÷ requests) over the repetitions."""
    r = hedged_run(runs, model, hedge)
    if not clean(r):
        return None
    ci = stats.ratio_ci(r.values("load"))
    return ci if ci[0] is not None else None


def exact(name: str, observed: Sequence[bool] | None, expected: str, note: str = "") -> checks_mod.Check:
    """A check on counts, which carry no interval: passed when every repetition matched."""
    ok = observed is not None and all(observed)
    status = checks_mod.PASSED if ok else (checks_mod.UNDECIDED if observed is None else checks_mod.FAILED)
    return checks_mod.Check(name, status, threshold=expected, unit="", note=note)


def _per_rep(run: results.Run | None, test: Callable[[results.Entry], object]) -> list[bool] | None:
    """[test(rep) for each repetition], None when the run is missing or failed."""
    if run is None or run.failed or not run.reps:
        return None
    return [bool(test(rep)) for rep in run.reps]


def count_checks(runs: list[results.Run]) -> list[checks_mod.Check]:
    checks = []
    for model in models_of(runs):
        never = hedged_run(runs, model, "never")
        if never is not None:
            checks.append(exact(f"{model}: no hedge, load", _per_rep(never, lambda r: r.get("load") == 1), "= 1"))
        per_hedge = [_per_rep(hedged_run(runs, model, h), lambda r: 1 <= r.get("load", 0) <= 2)
                     for h in hedges_of(runs, model)]
        bounded = [b for b in per_hedge if b is not None]
        if bounded:
            checks.append(exact(f"{model}: every hedge delay, load", sum(bounded, []), "in [1, 2]"))
    for model in models_of(runs, "first_completed"):
        kept, cancelled = first_run(runs, model, "kept"), first_run(runs, model, "cancelled")
        if kept is not None:
            checks.append(exact(
                f"{model}: wait(FIRST_COMPLETED), pending kept: mockd completes all, cancels none",
                _per_rep(kept, lambda r: r.get("server_cancelled") == 0
                         and r.get("server_completed") == r.get("server_requests") == r.get("requests")),
                "completed = requests, cancelled = 0"))
        if cancelled is not None:
            checks.append(exact(
                f"{model}: pending cancelled: mockd's requests_cancelled = pending",
                _per_rep(cancelled, lambda r: r.get("server_cancelled") == r.get("pending")
                         and r.get("server_requests") == r.get("requests")),
                "cancelled = pending"))
        both = [b for b in (_per_rep(x, lambda r: r.get("first_min_ms", 0) >= r.get("fastest_delay_ms", 0))
                            for x in (kept, cancelled)) if b is not None]
        if both:
            checks.append(exact(f"{model}: first answer ≥ the fastest host's delay", sum(both, []),
                                "≥ fastest delay"))
    return checks


def coroutine_form(runs: list[results.Run]) -> tuple[str, str, str] | None:
    """What the material's wait([coroutine]) did: (raised exception type or '', message, python),
    None when not measured."""
    r = wait_run(runs)
    if r is None or r.failed or not r.reps:
        return None
    label: str = next((rep["label"] for rep in r.reps if rep.get("label", "").startswith("coroutine form: ")), "")
    text, _, python = label[len("coroutine form: "):].partition(" | Python ")
    raised = r.median("coroutine_form_raised")
    if not raised:
        return "", text, python
    kind, _, message = text.partition(": ")
    return kind, message, python


@dataclass
class Verdict(checks_mod.Line):
    word: str
    sentence: str  # what was measured; .line renders '**Word**: sentence' (verdict.line)
    checks: list[checks_mod.Check] = field(default_factory=list)
    p99: dict[str, stats.Interval] = field(default_factory=dict)   # by model
    load: dict[str, stats.Interval] = field(default_factory=dict)  # by model
    coroutine: tuple[str, str, str] | None = None  # (exception type, message, python)
    reasons: list[str] = field(default_factory=list)


def decide(runs: list[results.Run]) -> Verdict:
    v = Verdict(word=checks_mod.INCONCLUSIVE, sentence="")
    checks = []
    for model in models_of(runs):
        p99, load = p99_ratio(runs, model), load_ci(runs, model)
        if p99:
            v.p99[model] = p99
            checks.append(checks_mod.below(f"{model}: p99 hedged at {HEADLINE_HEDGE} ÷ unhedged", p99,
                                           P99_RATIO_MAX))
        if load:
            v.load[model] = load
            checks.append(checks_mod.below(f"{model}: load at {HEADLINE_HEDGE}", load, LOAD_MAX))
    checks += count_checks(runs)
    v.checks = checks
    v.coroutine = coroutine_form(runs)

    if not v.p99:
        v.reasons = ["no error-free pair of hedged and unhedged runs"]
        why = sorted({r.error_message for r in runs if r.error_message is not None})  # the failed runs
        v.sentence = v.reasons[0] + (" (" + "; ".join(why) + ")" if why else "") + "."
        return v

    v.word = checks_mod.word_from(checks)
    figures = "; ".join(f"{m}: p99 {fmt.factor_ci(*v.p99[m])} of the unhedged p99 at a load of "
                        f"{_load_text(v.load.get(m))}" for m in v.p99)
    if v.word == checks_mod.CONFIRMED:
        raised = v.coroutine[0] if v.coroutine else ""
        if raised:
            v.word = checks_mod.NUANCED
            v.reasons = [f"the material's wait([coroutine]) raised {raised}"]
            v.sentence = (f"hedging at the p95 delay cuts the tail at little extra load ({figures}), and "
                          f"`asyncio.wait(FIRST_COMPLETED)` returns the first answer while cancelling nothing (mockd "
                          f"completed every pending request until the caller cancelled them). But the material's "
                          f"example does not run: `asyncio.wait()` given bare coroutines raised `{raised}` on Python "
                          f"{python_of(v) or '3.11'}; it takes tasks.")
        else:
            v.sentence = (f"hedging at the p95 delay cuts the tail at little extra load ({figures}); "
                          f"`wait(FIRST_COMPLETED)` cancels nothing by itself, as the server's counts show.")
    elif v.word == checks_mod.NUANCED:
        failed = [c for c in checks if c.status == checks_mod.FAILED]
        v.reasons = [c.name for c in failed]
        v.sentence = ("; ".join(f"{c.name} failed ({c.figure if c.estimate is not None else c.threshold})"
                                for c in failed) + f". {figures}.")
    else:
        v.sentence = f"{checks_mod.noise_text(checks)}. {figures}."
    if v.word != checks_mod.NUANCED or v.reasons[:1] != [f"the material's wait([coroutine]) raised {raised_of(v)}"]:
        if raised_of(v):
            v.sentence += (f" Apart from the rule: the material's `asyncio.wait([coroutine, ...])` raised "
                           f"`{raised_of(v)}` on Python {python_of(v) or '3.11'}.")
    return v


def raised_of(v: Verdict) -> str:
    return v.coroutine[0] if v.coroutine else ""


def python_of(v: Verdict) -> str:
    """The Python version the coroutine form ran on ('' when not recorded or not measured)."""
    return v.coroutine[2] if v.coroutine else ""


def _load_text(ci: stats.Interval | None) -> str:
    return fmt.factor_ci(*ci) if ci else "not measured"
