"""Scenario tasks (claim C14): which runs pair up, the ratios with 95 %
confidence intervals, the signature checks and the verdict rule.

Benchmark names:
  tasks/cpp_thread/stack:<default|64k>/n:<N>   pthreads blocked on a futex
  tasks/cpp_coroutine/n:<N>                    Asio C++20 coroutines, one io_context
  tasks/py_thread/stack:default/n:<N>          threading.Thread on a threading.Event
  tasks/py_asyncio/n:<N>                       asyncio tasks on an asyncio.Event

Each repetition measures N and N/10 waiting tasks, each count in a fresh
process. bytes_per_task = (RSS(N) - RSS(N/10)) / (N - N/10): what one more
waiting task costs; create_ns_per_task: from the first create to the last
task waiting, / N; wake_last_us: from setting the event to the last task
running again.

Why 2x decides "much cheaper": the claim is about orders of cost, not a few
per cent; a factor under 2 is not what anyone means by "much". Every ratio
is side A ÷ side B taken repetition i with repetition i (bench runs the two
sides next to each other) with a 95 % CI (stats.paired_ratio_ci), at
HEADLINE_N tasks, the largest count both sides reach on a machine with
kernel.pid_max = 32768.

The rule (also printed on the page; keep RULE_TEXT in step with decide()),
error-free runs only (every task woke once); a check passes only when its
whole CI clears it:
- confirmed:  thread ÷ coroutine >= MUCH in RSS per task and in creation
              time per task, in C++ (default stack) and in Python.
- refuted:    every check failed clearly.
- nuanced:    some checks failed clearly.
- inconclusive: noise: none failed, an interval straddles MUCH.
- inconclusive: a side missing or with errors.
The 64 KiB-stack thread's ratio, the creation CPU-time ratios (steadier than
wall time on a loaded machine) and the wake-up latencies are quoted, not
checked: they say where the cost is, not whether the claim holds.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeGuard

from . import fmt, stats
from . import verdict as checks_mod

if TYPE_CHECKING:
    from . import results

SCENARIO = "tasks"
HEADLINE_N = 10_000
MUCH = 2.0
# Python threads are woken only up to this count (bench: kPythonThreadWakeMax).
PYTHON_WAKE_MAX = 1_000

# Every series the scenario measures, in the page's order: id -> label.
SERIES = {
    "cpp_thread": "C++ thread (default stack)",
    "cpp_thread_64k": "C++ thread (64 KiB stack)",
    "cpp_coroutine": "C++ coroutine (Asio)",
    "py_thread": "Python thread",
    "py_asyncio": "asyncio task",
}
THREAD_SERIES = ("cpp_thread", "cpp_thread_64k", "py_thread")
LANGUAGE = {"cpp_thread": "C++", "cpp_thread_64k": "C++", "cpp_coroutine": "C++", "py_thread": "Python",
            "py_asyncio": "Python"}

# The headline pairs: (label, numerator series, denominator series, counter, checked by the rule).
PAIRS = (
    ("C++ RSS per task, thread ÷ coroutine", "cpp_thread", "cpp_coroutine", "bytes_per_task", True),
    ("Python RSS per task, thread ÷ asyncio task", "py_thread", "py_asyncio", "bytes_per_task", True),
    ("C++ creation time, thread ÷ coroutine", "cpp_thread", "cpp_coroutine", "create_ns_per_task", True),
    ("Python creation time, thread ÷ asyncio task", "py_thread", "py_asyncio", "create_ns_per_task", True),
    ("C++ RSS per task, 64 KiB-stack thread ÷ coroutine", "cpp_thread_64k", "cpp_coroutine", "bytes_per_task",
     False),
    # CPU time of the creating process: what the machine's load does not stretch (wall time decides).
    ("C++ creation CPU time, thread ÷ coroutine", "cpp_thread", "cpp_coroutine", "create_cpu_ns_per_task", False),
    ("Python creation CPU time, thread ÷ asyncio task", "py_thread", "py_asyncio", "create_cpu_ns_per_task",
     False),
)

RULE_TEXT = (
    f"Error-free runs only (every task ran again once the event was set). At {fmt.count(HEADLINE_N)} waiting "
    f"tasks, each ratio is thread ÷ coroutine (C++: default-stack pthread ÷ Asio coroutine; Python: "
    f"threading.Thread ÷ asyncio task) of RSS per task, (RSS(N) − RSS(N/10)) ÷ (N − N/10) with each count "
    f"in a fresh process, and of creation time per task; each is taken repetition i with repetition i and "
    f"carries a 95 % confidence interval; a check passes only when its whole interval clears the threshold. "
    f"**Confirmed** when all four ratios (memory and creation, C++ and Python) are ≥ {fmt.compact(MUCH)}x; "
    f"**refuted** when all four clearly fail; **nuanced** when some clearly fail; **inconclusive: noise** "
    f"when none fails but an interval straddles {fmt.compact(MUCH)}x; **inconclusive** when a side is "
    f"missing or had errors. Why {fmt.compact(MUCH)}x: \"much cheaper\" claims a difference in kind; under "
    f"twice the cost nobody would say it. The 64 KiB-stack thread, the creation CPU times and the wake-up "
    f"latencies are quoted, not checked.")


@dataclass(frozen=True)
class Key:
    series: str  # one of SERIES, or the raw label for anything else
    n: int


def key(run: results.Run) -> Key:
    labels = run.name.labels
    kind = labels[0] if labels else "other"
    stack = run.name.param("stack")
    series = kind + ("_" + str(stack) if kind == "cpp_thread" and stack not in (None, "default") else "")
    return Key(series, run.name.param("n"))


def find(runs: list[results.Run], series: str, n: int) -> results.Run | None:
    for r in runs:
        k = key(r)
        if k.series == series and k.n == n:
            return r
    return None


def counts(runs: list[results.Run]) -> list[int]:
    return sorted({key(r).n for r in runs if key(r).n is not None})


def series_measured(runs: list[results.Run]) -> list[str]:
    seen = {key(r).series for r in runs}
    return [s for s in SERIES if s in seen] + sorted(seen - set(SERIES))


def clean(run: results.Run | None, counter: str) -> TypeGuard[results.Run]:
    return run is not None and not run.flagged and bool(run.values(counter))


def pair_ci(a: results.Run | None, b: results.Run | None, counter: str) -> stats.Interval | None:
    """(est, low, high) of a ÷ b in `counter`, paired; None unless both ran without errors."""
    if not clean(a, counter) or not clean(b, counter):
        return None
    ci = stats.paired_ratio_ci(a.values(counter), b.values(counter))
    return ci if ci[0] is not None else None


def value_ci(run: results.Run | None, counter: str) -> stats.Interval | None:
    """(geometric mean, low, high) of a positive counter over the repetitions; None when absent."""
    if not clean(run, counter):
        return None
    ci = stats.ratio_ci(run.values(counter))
    return ci if ci[0] is not None else None


def limit_reason(run: results.Run) -> str | None:
    """The limit that stopped a count (bench's 'limit: …' message), or None."""
    if run is not None and run.failed and "limit" in (run.error_message or ""):
        return run.error_message
    return None


@dataclass
class Signature:
    """Thread counts while the tasks wait: a coroutine kind adds none, a thread kind exactly N."""
    name: str
    expected: float
    seen: list
    ok: bool


def signatures(runs: list[results.Run]) -> list[Signature]:
    out = []
    for r in runs:
        if r.failed or not r.reps:
            continue
        k = key(r)
        expected = k.n if k.series in THREAD_SERIES else 0
        seen = r.values("threads_added")
        out.append(Signature(r.name.text, expected, seen, bool(seen) and all(v == expected for v in seen)))
    return out


@dataclass
class Verdict(checks_mod.Line):
    word: str
    sentence: str  # what was measured; .line renders '**Word**: sentence' (verdict.line)
    checks: list[checks_mod.Check] = field(default_factory=list)
    ratios: dict = field(default_factory=dict)   # pair label -> (est, low, high)
    reasons: list[str] = field(default_factory=list)
    signature_ok: bool = True


def _text(ci: stats.Interval) -> str:
    return fmt.factor_ci(*ci) if ci else "not measured"


def decide(runs: list[results.Run], n: int = HEADLINE_N) -> Verdict:
    ratios, checks, missing = {}, [], []
    for label, a, b, counter, checked in PAIRS:
        ci = pair_ci(find(runs, a, n), find(runs, b, n), counter)
        if ci:
            ratios[label] = ci
        if not checked:
            continue
        if ci:
            checks.append(checks_mod.at_least(label, ci, MUCH))
        else:
            missing.append(label)
    sig = signatures(runs)
    v = Verdict(word=checks_mod.INCONCLUSIVE, sentence="", checks=checks, ratios=ratios,
                signature_ok=all(s.ok for s in sig))
    if missing:
        why = sorted({r.error_message for r in runs if r.error_message is not None and key(r).n == n})  # failed
        v.reasons = missing
        v.sentence = (f"at {fmt.count(n)} tasks no error-free pair for "
                      + "; ".join(missing) + (" (" + "; ".join(why) + ")" if why else "") + ".")
        return v

    v.word = checks_mod.word_from(checks)
    if v.word == checks_mod.NUANCED and all(c.status == checks_mod.FAILED for c in checks):
        v.word = checks_mod.REFUTED
    figures = "; ".join(f"{label} {_text(ratios[label])}" for label, *_rest, checked in PAIRS
                        if checked and label in ratios)
    at = f"at {fmt.count(n)} waiting tasks"
    if v.word == checks_mod.CONFIRMED:
        v.sentence = (f"{at}, a thread costs at least {fmt.compact(MUCH)}x a coroutine in memory and "
                      f"in creation time, in C++ and in Python: {figures}.")
    elif v.word in (checks_mod.NUANCED, checks_mod.REFUTED):
        failed = [c for c in checks if c.status == checks_mod.FAILED]
        v.reasons = [c.name for c in failed]
        v.sentence = (f"{at}, below {fmt.compact(MUCH)}x in "
                      + "; ".join(f"{c.name}: {c.figure}" for c in failed) + f". All: {figures}.")
    else:
        v.sentence = f"{at}, {checks_mod.noise_text(checks)}."
    if not v.signature_ok:
        bad = [s.name for s in sig if not s.ok]
        v.sentence += f" Thread counts off the signature in {', '.join(bad)}: see the signature table."
    return v
