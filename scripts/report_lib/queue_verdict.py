"""Scenario queue: which runs pair up, their ratios with 95 % confidence
intervals, and the verdict rule.

Benchmark names:
  queue/<impl>/<bounded|unbounded>/maxsize:N/consumers:C/producer_us:P/work_us:W/items:I
with impl asio_deque (C++, unbounded), asio_channel (C++, bounded) and
py_asyncio (Python asyncio.Queue, both). One producer makes an item every P µs
on a schedule; C consumers each take W µs per item.

The rule (also printed on the page; keep RULE_TEXT in step with decide()),
for each language measured (C++ and Python), error-free runs only. Each check
could come out otherwise on a sound machine:
- overload: without the bound the producer's rate ÷ the consumers' rate is
  at least PACE_MAX (there is something for a bound to hold back; when it is
  not, the run tests nothing and the verdict is inconclusive);
- the bound holds: the bounded queue's peak depth, counted inside the queue
  operations, equals maxsize in every repetition (exact: it filled, so put()
  had to wait, and never held more);
- backpressure: with the bound the producer's rate ÷ the consumers' rate is
  within 1/PACE_MAX–PACE_MAX (held to their pace; a put() that did not wait
  would leave it at the overload ratio);
- the unbounded queue holds the producer's lead: its peak depth ÷ (producer
  rate − consumer rate) × production time is within 1/LEAD_TOL–LEAD_TOL (the
  rates measured in the same repetition).
confirmed when every check passes (each interval wholly inside), nuanced
when one fails clearly, inconclusive: noise otherwise, and inconclusive when a
language's pair is missing or had errors.

Peak depth and p99 latency, unbounded ÷ bounded, are figures, not checks: the
unbounded peak is the producer's lead, which grows with the number of items,
against a bound fixed at maxsize, so their size is set by the run's length
(setup_ratio() derives it from the setup in the JSON).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeGuard, overload

from . import fmt, stats
from . import verdict as checks_mod

if TYPE_CHECKING:
    from . import results

LANGUAGES = ("cpp", "python")
LANGUAGE_LABEL = {"cpp": "C++ (Asio)", "python": "Python (asyncio.Queue)"}
# (unbounded impl, bounded impl) per language.
IMPLS = {"cpp": ("asio_deque", "asio_channel"), "python": ("py_asyncio", "py_asyncio")}

PACE_MAX = 1.25  # a rate ratio within 1/1.25–1.25 is "the same pace"; at least 1.25 is "outran"
# Unbounded peak ÷ the producer's lead within 1/1.5–1.5: the lead comes from the consumers' rate
# averaged over the whole run, and on a loaded machine they run slower while the producer shares
# their thread, so the peak sits a little above it; a queue that lost items, or a depth counted
# wrongly, lands far outside.
LEAD_TOL = 1.5

RULE_TEXT = (
    "Error-free runs only, for each language measured (C++ with an Asio channel and a `std::deque`; "
    "Python with `asyncio.Queue`). **Confirmed** (a bounded queue gives backpressure) when (1) without the "
    f"bound the producer's rate ÷ the consumers' rate is at least {fmt.compact(PACE_MAX)}x (it outran them: "
    "there is something to hold back); (2) the bounded queue's peak depth, counted inside its put and get "
    "operations, equals `maxsize` in every repetition (exact: it filled, so `put` had to wait, and never held "
    f"more); (3) with the bound, the producer's rate ÷ the consumers' rate lies within "
    f"{fmt.compact(1 / PACE_MAX)}–{fmt.compact(PACE_MAX)}x (held to their pace: a `put` that did not wait "
    f"would leave it at the ratio of (1)); (4) the unbounded queue's peak depth ÷ the producer's lead "
    f"((producer rate − consumer rate) × the producer's running time, both measured in the same repetition) "
    f"lies within {fmt.compact(1 / LEAD_TOL)}–{fmt.compact(LEAD_TOL)}x (it held the whole lead). Checks (1), "
    "(3) and (4) pass only when their whole 95 % confidence interval (over the repetitions) is on the rule's "
    "side. **Nuanced** when (2), (3) or (4) clearly fails; **inconclusive: noise** when none fails but an "
    "interval straddles its threshold; **inconclusive** when a language's pair is missing or had errors, or "
    "when (1) fails (the run tests nothing). Peak depth and p99 latency, unbounded ÷ bounded, are shown but "
    "not checked: the unbounded peak is the producer's lead, which grows with the number of items, against "
    "a bound fixed at `maxsize`, so their size is set by the run's length.")


@dataclass(frozen=True)
class Key:
    impl: str
    bounded: bool
    maxsize: int


def key(run: results.Run) -> Key:
    labels = run.name.labels
    return Key(labels[0] if labels else "", len(labels) > 1 and labels[1] == "bounded",
               run.name.param("maxsize", 0))


def language(run: results.Run) -> str:
    return "python" if key(run).impl.startswith("py_") else "cpp"


def find(runs: list[results.Run], lang: str, bounded: bool) -> results.Run | None:
    impl = IMPLS[lang][1 if bounded else 0]
    for r in runs:
        k = key(r)
        if k.impl == impl and k.bounded == bounded:
            return r
    return None


def clean(run: results.Run | None) -> TypeGuard[results.Run]:
    return run is not None and not run.flagged and bool(run.values("max_depth"))


def paired(a: results.Run, b: results.Run, counter: str) -> stats.Interval | None:
    """(est, low, high) of a ÷ b in counter, paired by repetition; None when not measured."""
    ci = stats.paired_ratio_ci(a.values(counter), b.values(counter))
    return ci if ci[0] is not None else None


def per_rep_ratio(run: results.Run, numerator: str, denominator: str) -> stats.Interval | None:
    """(est, low, high) of numerator ÷ denominator within each repetition; None when not measured."""
    ratios = [rep[numerator] / rep[denominator] for rep in run.reps
              if isinstance(rep.get(numerator), (int, float)) and rep.get(denominator)]
    ci = stats.ratio_ci(ratios)
    return ci if ci[0] is not None else None


@dataclass
class LanguageFigures:
    bounded_max: float | None = None   # the largest peak depth over the bounded repetitions
    bounded_min: float | None = None   # the smallest
    maxsize: int | None = None
    items: float | None = None         # items per repetition (the run's length)
    lead: float | None = None          # the unbounded producer's lead, items (median over repetitions)
    overload: stats.Interval | None = None  # unbounded producer rate ÷ consumer rate
    depth: stats.Interval | None = None     # peak depth, unbounded ÷ bounded
    p99: stats.Interval | None = None       # p99 latency, unbounded ÷ bounded
    growth: stats.Interval | None = None    # unbounded peak ÷ the producer's lead (expected depth)
    pace: stats.Interval | None = None      # bounded producer rate ÷ consumer rate
    total: stats.Interval | None = None     # total time, unbounded ÷ bounded (shown, not checked)


@dataclass
class Verdict(checks_mod.Line):
    word: str
    sentence: str  # what was measured; .line renders '**Word**: sentence' (verdict.line)
    checks: list[checks_mod.Check] = field(default_factory=list)
    figures: dict = field(default_factory=dict)  # language -> LanguageFigures
    reasons: list[str] = field(default_factory=list)


def figures_for(runs: list[results.Run], lang: str) -> LanguageFigures | None:
    u, b = find(runs, lang, False), find(runs, lang, True)
    if not clean(u) or not clean(b):
        return None
    return LanguageFigures(
        bounded_max=max(b.values("max_depth")), bounded_min=min(b.values("max_depth")), maxsize=key(b).maxsize,
        items=u.median("items") or u.name.param("items"), lead=u.median("expected_depth"),
        overload=per_rep_ratio(u, "producer_items_per_s", "consumer_items_per_s"),
        depth=paired(u, b, "max_depth"), p99=paired(u, b, "p99_ms"),
        growth=per_rep_ratio(u, "max_depth", "expected_depth"),
        pace=per_rep_ratio(b, "producer_items_per_s", "consumer_items_per_s"),
        total=paired(u, b, "total_s"))


def bound_check(lang: str, f: LanguageFigures) -> checks_mod.Check:
    status = checks_mod.PASSED if f.bounded_min == f.bounded_max == f.maxsize else checks_mod.FAILED
    peaks = fmt.count(f.bounded_max) if f.bounded_min == f.bounded_max else \
        f"{fmt.count(f.bounded_min)}–{fmt.count(f.bounded_max)}"
    return checks_mod.Check(f"{LANGUAGE_LABEL[lang]}: bounded peak depth = maxsize", status, f.bounded_max,
                            f.bounded_min, f.bounded_max, f"= {f.maxsize} items", " items",
                            f"exact: peaks {peaks} over the repetitions, counted in put/get")


def within(name: str, ci: stats.Interval, low: float, high: float, unit: str = "x") -> checks_mod.Check:
    """Passed when the whole interval lies inside (low, high); failed when it lies wholly outside;
    undecided (noise) when it straddles an end or there is none."""
    est, lo, hi = ci if ci is not None else (None, None, None)
    threshold = f"{fmt.compact(low)}–{fmt.compact(high)}{unit}"
    if est is None or lo is None or hi is None:
        return checks_mod.Check(name, checks_mod.UNDECIDED, est, lo, hi, threshold, unit, "no interval")
    if low < lo and hi < high:
        status, note = checks_mod.PASSED, ""
    elif hi <= low or lo >= high:
        status, note = checks_mod.FAILED, ""
    else:
        status, note = checks_mod.UNDECIDED, "the interval straddles an end of the range: noise"
    return checks_mod.Check(name, status, est, lo, hi, threshold, unit, note)


def overload_check(lang: str, f: LanguageFigures) -> checks_mod.Check:
    return checks_mod.at_least(f"{LANGUAGE_LABEL[lang]}: unbounded producer rate ÷ consumer rate", f.overload,
                               PACE_MAX)


def checks_for(lang: str, f: LanguageFigures) -> list[checks_mod.Check]:
    name = LANGUAGE_LABEL[lang]
    return [overload_check(lang, f), bound_check(lang, f),
            within(f"{name}: bounded producer rate ÷ consumer rate", f.pace, 1 / PACE_MAX, PACE_MAX),
            within(f"{name}: unbounded peak depth ÷ the producer's lead", f.growth, 1 / LEAD_TOL, LEAD_TOL)]


def setup_ratio(f: LanguageFigures) -> float | None:
    """The peak-depth ratio the setup implies: the unbounded producer's lead ÷ maxsize (items ÷
    items). Doubling the items doubles the lead, so the ratio measures the run's length, not the
    queue."""
    if f is None or not f.lead or not f.maxsize:
        return None
    return f.lead / f.maxsize


def length_note(f: LanguageFigures) -> str:
    """'5,000 items against maxsize 100: the lead (3,170 items) ÷ maxsize is 31.7x, and grows with the
    run', from the setup in the JSON; None when not measured."""
    ratio = setup_ratio(f)
    if ratio is None:
        return None
    return (f"{fmt.count(f.items)} items against `maxsize` {fmt.count(f.maxsize)}: the producer's lead "
            f"({fmt.sig(f.lead)} items) ÷ `maxsize` is {fmt.sig(ratio)}x, and grows with the number of items")


def _ratio(ci: stats.Interval) -> str:
    return fmt.factor_ci(*ci) if ci else "not measured"


def decide(runs: list[results.Run]) -> Verdict:
    v = Verdict(word=checks_mod.INCONCLUSIVE, sentence="")
    missing = []
    for lang in LANGUAGES:
        f = figures_for(runs, lang)
        if f is None:
            u, b = find(runs, lang, False), find(runs, lang, True)
            if u is None and b is None:
                continue  # not selected in this run
            missing.append(f"no error-free {LANGUAGE_LABEL[lang]} pair")
            continue
        v.figures[lang] = f
        v.checks += checks_for(lang, f)
    if not v.figures:
        missing.append("no error-free pair of unbounded and bounded queues")
    if missing:
        why = sorted({r.error_message for r in runs if r.failed})
        v.reasons = missing
        v.sentence = "; ".join(missing) + (" (" + "; ".join(why) + ")" if why else "") + "."
        return v

    idle = [c for c in v.checks if c.name.endswith("unbounded producer rate ÷ consumer rate")
            and c.status == checks_mod.FAILED]
    if idle:
        v.reasons = [c.name for c in idle]
        v.sentence = ("the producer did not outrun the consumers, so a bound had nothing to hold "
                      "back: " + "; ".join(f"{c.name}: {c.figure}, needs {c.threshold}" for c in idle) + ".")
        return v
    v.word = checks_mod.word_from(v.checks)
    quoted = "; ".join(
        f"{LANGUAGE_LABEL[lang]}: bounded peak {f.bounded_max:g} items (`maxsize={f.maxsize}`) and the bounded "
        f"producer at {_ratio(f.pace)} the consumers' rate, against {_ratio(f.overload)} without the bound; "
        f"the unbounded peak was {_ratio(f.growth)} the producer's lead. Peak depth {_ratio(f.depth)} and p99 "
        f"latency {_ratio(f.p99)} unbounded ÷ bounded, sizes set by the run: {length_note(f)}"
        for lang, f in v.figures.items())
    if v.word == checks_mod.CONFIRMED:
        v.sentence = (f"with a bound the queue filled to `maxsize` and no further, and the producer "
                      f"was held to the consumers' pace; without one the queue held the producer's whole lead. "
                      f"{quoted}.")
    elif v.word == checks_mod.NUANCED:
        failed = [c for c in v.checks if c.status == checks_mod.FAILED]
        v.reasons = [c.name for c in failed]
        v.sentence = ("; ".join(f"{c.name}: {c.figure}, needs {c.threshold}" for c in failed)
                      + f". {quoted}.")
    else:
        v.sentence = f"{checks_mod.noise_text(v.checks)}. {quoted}."
    return v
