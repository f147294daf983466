"""Verdicts assembled from named checks, each decided on a 95 % confidence
interval (stats.ratio_ci / stats.paired_ratio_ci), so noise never passes for
a finding.

A check compares an interval with a threshold:
- passed:       the whole interval is on the rule's side of the threshold;
- failed:       the whole interval is on the other side;
- inconclusive: the interval straddles the threshold (noise), or there is
                no interval (one repetition, no data).

How a scenario's rule uses it (pooling_verdict.py and rtt_verdict.py do):

    from . import stats, verdict
    est, lo, hi = stats.paired_ratio_ci(pooled.values("req_per_s"), unpooled.values("req_per_s"))
    checks = [verdict.at_least("HTTPS factor", (est, lo, hi), 1.2),
              verdict.below("pooled round trips", (p, p_lo, p_hi), 1.5, unit=" RTT")]
    word = verdict.word_from(checks)     # confirmed / nuanced / inconclusive
    if word == verdict.NOISE: line = verdict.noise_line(checks, figure_text)

and hands the checks to page.verdict_section() for the page's checks table.

The verdict line (the page's heading, the index's row, the CLI) has one format,
made here and nowhere else: the word in bold, a colon, the sentence:

    **Confirmed**: <sentence>

A scenario's Verdict gives the data, `word` (one of WORDS) and `sentence` (what
was measured, lower case unless it opens with a name; qualifiers such as "at
RTT 50 ms" belong in it), and inherits `line` from Line, which renders them with
line(). A quick run's note is not part of it: the page and the index add it
(page.QUICK_NOTE).
A rule may refine the word (e.g. "refuted" when every check fails clearly);
word_from() gives the default: all passed -> confirmed, any clearly failed ->
nuanced, otherwise (something undecided by noise) -> inconclusive: noise.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from . import fmt
from .stats import Interval

PASSED, FAILED, UNDECIDED = "passed", "failed", "inconclusive"
CONFIRMED, NUANCED, REFUTED, INCONCLUSIVE = "confirmed", "nuanced", "refuted", "inconclusive"
NOISE = "inconclusive: noise"
# Every word a verdict can have, in the order of the rule texts.
WORDS = (CONFIRMED, NUANCED, REFUTED, NOISE, INCONCLUSIVE)


def line(word: str, sentence: str) -> str:
    """The verdict line, the one format every scenario's verdict is shown in:
    '**Confirmed**: <sentence>' ('**Inconclusive: noise**: …' for NOISE)."""
    if word not in WORDS:
        raise ValueError(f"not a verdict word: {word!r} (one of {', '.join(WORDS)})")
    return f"**{capitalised(word)}**: {sentence}"


class Worded(Protocol):
    """Anything with a verdict word: a scenario's Verdict, or a part of one (blocking_verdict.Part)."""

    @property
    def word(self) -> str: ...


class Line:
    """Base of every scenario's Verdict: it holds `word` and `sentence`, and its `line` is
    rendered by line(), read-only, so no scenario formats its verdict line itself."""

    word: str      # one of WORDS
    sentence: str  # what was measured

    @property
    def line(self) -> str:
        return line(self.word, self.sentence)


@dataclass
class Check:
    name: str          # what is checked, in words: "every model gains > 1.2x over HTTPS"
    status: str        # PASSED | FAILED | UNDECIDED
    estimate: float | None = None
    low: float | None = None
    high: float | None = None
    threshold: str = ""  # the rule's bound, as text: "≥ 1.2x"
    unit: str = "x"
    note: str = ""     # why undecided, which model, ...
    expected: float | None = None  # for expectation checks: the value expected (e.g. 3 RTT)
    subject: str = ""       # what was measured, short: "unpooled HTTPS, TLS 1.3"

    @property
    def figure(self) -> str:
        """'37.2x (95 % CI 35.0–39.1x)' (unit 'x'), or '3.59 RTT (95 % CI 3.5–3.7 RTT)'."""
        if self.estimate is None:
            return fmt.DASH
        if self.unit == "x":
            return fmt.factor_ci(self.estimate, self.low, self.high)
        return f"{fmt.sig(self.estimate)}{self.unit} ({fmt.ci(self.low, self.high, self.unit)})"


def _status(ci: Interval | None, passes_low: Callable[[float], bool], passes_high: Callable[[float], bool]) -> str:
    est, lo, hi = ci if ci is not None else (None, None, None)
    if est is None or lo is None or hi is None:
        return UNDECIDED
    if passes_low(lo) and passes_high(hi):
        return PASSED
    if not passes_low(lo) and not passes_high(hi):
        return FAILED
    return UNDECIDED


def at_least(name: str, ci: Interval | None, threshold: float, unit: str = "x", strict: bool = False,
             note: str = "") -> Check:
    """Passed when the interval's low end is >= threshold (> when strict); failed when its
    high end is below it."""
    ok = (lambda v: v > threshold) if strict else (lambda v: v >= threshold)
    est, lo, hi = ci if ci is not None else (None, None, None)
    status = _status(ci, ok, ok)
    return Check(name, status, est, lo, hi, f"{'>' if strict else '≥'} {fmt.compact(threshold)}{unit}", unit,
                 note or (_why_undecided(lo, hi) if status == UNDECIDED else ""))


def below(name: str, ci: Interval | None, threshold: float, unit: str = "x", note: str = "") -> Check:
    """Passed when the interval's high end is < threshold; failed when its low end is >= it."""
    ok = lambda v: v < threshold  # noqa: E731
    est, lo, hi = ci if ci is not None else (None, None, None)
    status = _status(ci, ok, ok)
    return Check(name, status, est, lo, hi, f"< {fmt.compact(threshold)}{unit}", unit,
                 note or (_why_undecided(lo, hi) if status == UNDECIDED else ""))


def _why_undecided(lo: float | None, hi: float | None) -> str:
    if lo is None or hi is None:
        return "no interval (fewer than 2 paired repetitions)"
    return "the interval straddles the threshold: noise"


def word_from(checks: Iterable[Check]) -> str:
    """confirmed when every check passed; nuanced when one failed clearly; otherwise
    inconclusive: noise. No checks: inconclusive."""
    if not checks:
        return INCONCLUSIVE
    if any(c.status == FAILED for c in checks):
        return NUANCED
    if all(c.status == PASSED for c in checks):
        return CONFIRMED
    return NOISE


def undecided(checks: Iterable[Check]) -> list[Check]:
    return [c for c in checks if c.status == UNDECIDED]


def noise_text(checks: Iterable[Check]) -> str:
    """'the HTTP factor: 1.40x (95 % CI 0.9–2.1x), threshold ≥ 1.5x': what noise left open."""
    return "; ".join(f"{c.name}: {c.figure}, threshold {c.threshold}" for c in undecided(checks))


def capitalised(word: str) -> str:
    return word[0].upper() + word[1:]
