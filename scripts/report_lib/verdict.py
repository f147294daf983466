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
A rule may refine the word (e.g. "refuted" when every check fails clearly);
word_from() gives the default: all passed -> confirmed, any clearly failed ->
nuanced, otherwise (something undecided by noise) -> inconclusive: noise.
"""
from dataclasses import dataclass

from . import fmt

PASSED, FAILED, UNDECIDED = "passed", "failed", "inconclusive"
CONFIRMED, NUANCED, REFUTED, INCONCLUSIVE = "confirmed", "nuanced", "refuted", "inconclusive"
NOISE = "inconclusive: noise"


@dataclass
class Check:
    name: str          # what is checked, in words: "every model gains > 1.2x over HTTPS"
    status: str        # PASSED | FAILED | UNDECIDED
    estimate: float = None
    low: float = None
    high: float = None
    threshold: str = ""  # the rule's bound, as text: "≥ 1.2x"
    unit: str = "x"
    note: str = ""     # why undecided, which model, ...
    expected: float = None  # for expectation checks: the value expected (e.g. 3 RTT)
    subject: str = ""       # what was measured, short: "unpooled HTTPS, TLS 1.3"

    @property
    def figure(self):
        """'37.2x (95 % CI 35.0–39.1x)' (unit 'x'), or '3.59 RTT (95 % CI 3.5–3.7 RTT)'."""
        if self.estimate is None:
            return fmt.DASH
        if self.unit == "x":
            return fmt.factor_ci(self.estimate, self.low, self.high)
        return f"{fmt.sig(self.estimate)}{self.unit} ({fmt.ci(self.low, self.high, self.unit)})"


def _status(ci, passes_low, passes_high):
    est, lo, hi = ci if ci is not None else (None, None, None)
    if est is None or lo is None or hi is None:
        return UNDECIDED
    if passes_low(lo) and passes_high(hi):
        return PASSED
    if not passes_low(lo) and not passes_high(hi):
        return FAILED
    return UNDECIDED


def at_least(name, ci, threshold, unit="x", strict=False, note=""):
    """Passed when the interval's low end is >= threshold (> when strict); failed when its
    high end is below it."""
    ok = (lambda v: v > threshold) if strict else (lambda v: v >= threshold)
    est, lo, hi = ci if ci is not None else (None, None, None)
    status = _status(ci, ok, ok)
    return Check(name, status, est, lo, hi, f"{'>' if strict else '≥'} {fmt.compact(threshold)}{unit}", unit,
                 note or (_why_undecided(lo, hi) if status == UNDECIDED else ""))


def below(name, ci, threshold, unit="x", note=""):
    """Passed when the interval's high end is < threshold; failed when its low end is >= it."""
    ok = lambda v: v < threshold  # noqa: E731
    est, lo, hi = ci if ci is not None else (None, None, None)
    status = _status(ci, ok, ok)
    return Check(name, status, est, lo, hi, f"< {fmt.compact(threshold)}{unit}", unit,
                 note or (_why_undecided(lo, hi) if status == UNDECIDED else ""))


def _why_undecided(lo, hi):
    if lo is None or hi is None:
        return "no interval (fewer than 2 paired repetitions)"
    return "the interval straddles the threshold: noise"


def word_from(checks):
    """confirmed when every check passed; nuanced when one failed clearly; otherwise
    inconclusive: noise. No checks: inconclusive."""
    if not checks:
        return INCONCLUSIVE
    if any(c.status == FAILED for c in checks):
        return NUANCED
    if all(c.status == PASSED for c in checks):
        return CONFIRMED
    return NOISE


def undecided(checks):
    return [c for c in checks if c.status == UNDECIDED]


def noise_text(checks):
    """'the HTTP factor: 1.40x (95 % CI 0.9–2.1x), threshold ≥ 1.5x': what noise left open."""
    return "; ".join(f"{c.name}: {c.figure}, threshold {c.threshold}" for c in undecided(checks))


def capitalised(word):
    return word[0].upper() + word[1:]


def quick_run_note(v, results, what=""):
    """A scenario's verdict v, its line ending in the quick run's note when the results come from
    `--quick`: ' Quick run (`--quick`): <what>, a first look.' (no what: '...: a first look.')."""
    if results.quick:
        v.line += f" Quick run (`--quick`): {what + ', ' if what else ''}a first look."
    return v
