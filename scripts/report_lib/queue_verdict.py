"""Scenario queue: which runs pair up, their ratios with 95 % confidence
intervals, and the verdict rule.

Benchmark names:
  queue/<impl>/<bounded|unbounded>/maxsize:N/consumers:C/producer_us:P/work_us:W/items:I
with impl asio_deque (C++, unbounded), asio_channel (C++, bounded) and
py_asyncio (Python asyncio.Queue, both). One producer makes an item every P µs
on a schedule; C consumers each take W µs per item.

The rule (also printed on the page; keep RULE_TEXT in step with decide()),
for each language measured (C++ and Python), error-free runs only:
- the bound holds: the bounded queue's peak depth, counted inside the queue
  operations, is at most maxsize in every repetition (exact, no interval);
- the unbounded queue grows: its peak depth ÷ (producer rate − consumer rate)
  × production time ≥ GROWTH_MIN (the rates measured in the same repetition);
- backpressure: with the bound the producer makes items at no more than
  PACE_MAX x the rate the consumers take them;
- the bound pays off: peak depth and p99 latency, unbounded ÷ bounded,
  each ≥ FACTOR_MIN, paired repetition by repetition.
confirmed when every check passes (each interval wholly on its side),
nuanced when one fails clearly, inconclusive: noise otherwise, and
inconclusive when a language's pair is missing or had errors.
"""
from dataclasses import dataclass, field

from . import fmt, stats
from . import verdict as checks_mod

LANGUAGES = ("cpp", "python")
LANGUAGE_LABEL = {"cpp": "C++ (Asio)", "python": "Python (asyncio.Queue)"}
# (unbounded impl, bounded impl) per language.
IMPLS = {"cpp": ("asio_deque", "asio_channel"), "python": ("py_asyncio", "py_asyncio")}

FACTOR_MIN = 5.0
GROWTH_MIN = 0.5
PACE_MAX = 1.25

RULE_TEXT = (
    "Error-free runs only, for each language measured (C++ with an Asio channel and a `std::deque`; "
    "Python with `asyncio.Queue`). **Confirmed** (a bounded queue gives backpressure) when (1) the bounded "
    "queue's peak depth, counted inside its put and get operations, never exceeds `maxsize` in any "
    "repetition (exact); (2) the unbounded queue's peak depth is at least "
    f"{fmt.compact(GROWTH_MIN)}x of (producer rate − consumer rate) × the producer's running time, both "
    "rates measured in the same repetition; (3) with the bound, the producer's rate ÷ the consumers' rate "
    f"stays below {fmt.compact(PACE_MAX)}x (the producer is held to the consumers' pace); (4) peak depth and "
    f"p99 latency per item, unbounded ÷ bounded, are each ≥ {fmt.compact(FACTOR_MIN)}x. Checks (2)–(4) pass "
    "only when their whole 95 % confidence interval (paired repetitions) clears the threshold. **Nuanced** "
    "when a check clearly fails; **inconclusive: noise** when none fails but an interval straddles its "
    "threshold; **inconclusive** when a language's pair is missing or had errors.")


@dataclass(frozen=True)
class Key:
    impl: str
    bounded: bool
    maxsize: int


def key(run):
    labels = run.name.labels
    return Key(labels[0] if labels else "", len(labels) > 1 and labels[1] == "bounded",
               run.name.param("maxsize", 0))


def language(run):
    return "python" if key(run).impl.startswith("py_") else "cpp"


def find(runs, lang, bounded):
    impl = IMPLS[lang][1 if bounded else 0]
    for r in runs:
        k = key(r)
        if k.impl == impl and k.bounded == bounded:
            return r
    return None


def clean(run):
    return run is not None and not run.flagged and bool(run.values("max_depth"))


def paired(a, b, counter):
    """(est, low, high) of a ÷ b in counter, paired by repetition; None when not measured."""
    ci = stats.paired_ratio_ci(a.values(counter), b.values(counter))
    return ci if ci[0] is not None else None


def per_rep_ratio(run, numerator, denominator):
    """(est, low, high) of numerator ÷ denominator within each repetition; None when not measured."""
    ratios = [rep[numerator] / rep[denominator] for rep in run.reps
              if isinstance(rep.get(numerator), (int, float)) and rep.get(denominator)]
    ci = stats.ratio_ci(ratios)
    return ci if ci[0] is not None else None


@dataclass
class LanguageFigures:
    bounded_max: float = None   # the largest peak depth over the bounded repetitions
    maxsize: int = None
    depth: tuple = None         # peak depth, unbounded ÷ bounded
    p99: tuple = None           # p99 latency, unbounded ÷ bounded
    growth: tuple = None        # unbounded peak ÷ expected depth
    pace: tuple = None          # bounded producer rate ÷ consumer rate
    total: tuple = None         # total time, unbounded ÷ bounded (shown, not checked)


@dataclass
class Verdict:
    word: str
    line: str
    checks: list = field(default_factory=list)
    figures: dict = field(default_factory=dict)  # language -> LanguageFigures
    reasons: list = field(default_factory=list)


def figures_for(runs, lang):
    u, b = find(runs, lang, False), find(runs, lang, True)
    if not clean(u) or not clean(b):
        return None
    return LanguageFigures(
        bounded_max=max(b.values("max_depth")), maxsize=key(b).maxsize,
        depth=paired(u, b, "max_depth"), p99=paired(u, b, "p99_ms"),
        growth=per_rep_ratio(u, "max_depth", "expected_depth"),
        pace=per_rep_ratio(b, "producer_items_per_s", "consumer_items_per_s"),
        total=paired(u, b, "total_s"))


def bound_check(lang, f):
    status = checks_mod.PASSED if f.bounded_max <= f.maxsize else checks_mod.FAILED
    return checks_mod.Check(f"{LANGUAGE_LABEL[lang]}: bounded peak depth ≤ maxsize", status, f.bounded_max,
                            f.bounded_max, f.bounded_max, f"≤ {f.maxsize} items", " items",
                            "exact: the largest peak over the repetitions, counted in put/get")


def checks_for(lang, f):
    name = LANGUAGE_LABEL[lang]
    return [bound_check(lang, f),
            checks_mod.at_least(f"{name}: unbounded peak ÷ (rates' difference × time)", f.growth, GROWTH_MIN),
            checks_mod.below(f"{name}: bounded producer rate ÷ consumer rate", f.pace, PACE_MAX),
            checks_mod.at_least(f"{name}: peak depth, unbounded ÷ bounded", f.depth, FACTOR_MIN),
            checks_mod.at_least(f"{name}: p99 latency, unbounded ÷ bounded", f.p99, FACTOR_MIN)]


def _ratio(ci):
    return fmt.factor_ci(*ci) if ci else "not measured"


def decide(runs):
    v = Verdict(word=checks_mod.INCONCLUSIVE, line="")
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
        v.line = "**Inconclusive**: " + "; ".join(missing) + (" (" + "; ".join(why) + ")" if why else "") + "."
        return v

    v.word = checks_mod.word_from(v.checks)
    quoted = "; ".join(
        f"{LANGUAGE_LABEL[lang]}: bounded peak {f.bounded_max:g} items (`maxsize={f.maxsize}`); without the "
        f"bound the peak depth was {_ratio(f.depth)} and the p99 latency {_ratio(f.p99)} those with it; the "
        f"bounded producer ran at {_ratio(f.pace)} the consumers' rate"
        for lang, f in v.figures.items())
    if v.word == checks_mod.CONFIRMED:
        v.line = (f"**Confirmed**: with a bound the queue never held more than `maxsize` items and the producer "
                  f"was held to the consumers' pace; without one the queue grew with the rates' difference. "
                  f"{quoted}.")
    elif v.word == checks_mod.NUANCED:
        failed = [c for c in v.checks if c.status == checks_mod.FAILED]
        v.reasons = [c.name for c in failed]
        v.line = ("**Nuanced**: " + "; ".join(f"{c.name}: {c.figure}, needs {c.threshold}" for c in failed)
                  + f". {quoted}.")
    else:
        v.line = f"**Inconclusive: noise**: {checks_mod.noise_text(v.checks)}."
    return v
