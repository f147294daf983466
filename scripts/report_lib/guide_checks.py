"""What the guide's words rest on: every verdict word, mark and sentence a candidate is told to say
names its backing, and tests/report/test_guide.py recomputes each one on the committed JSON.

Kinds of backing:
- `Passes(scenario, *needles)`: the checks of the scenario's verdict (verdict.Check) whose names
  contain every needle; it holds when each of them passed (its whole 95 % interval on the rule's
  side).
- `Fails(scenario, *needles)`: the same checks, held to the opposite: it holds when each of them
  failed cleanly (the whole interval on the other side). "A thread does not free the loop from
  Python CPU work" rests on the check "work on the loop ÷ `to_thread`, loop lag max ≥ 5x" failing.
- `Rule(scenario, name, compute)`: a check computed here from the scenario's runs, for what no
  verdict module checks (compute(data) -> verdict.Check, or None when the run lacks it).
- `Fact(fact_id)`: a behaviour of Python 3.11 itself, shown by a runnable snippet
  (python_facts.FACTS). The guide's test runs every snippet; rendering the page does not, so that
  `scripts/report --guide` stays fast: a fact is about the interpreter, not about a run.
- `EXPLANATION`: a language fact no snippet can show; allowed only on explanation-only answers.

A verdict word about the material's statement comes from two lists of backing: what supports the
statement and what contradicts it (judge()). confirmed: every support holds and nothing against
does; nuanced: both hold; refuted: something against holds and the support does not (or there is
none); inconclusive: a check was undecided (noise) or missing from the run.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import verdict

if TYPE_CHECKING:
    from . import guide_data, results

HOLDS, BROKEN, OPEN = "holds", "broken", "open"  # a backing's outcome: held, contradicted, undecided


@dataclass(frozen=True)
class Outcome:
    status: str   # HOLDS | BROKEN | OPEN
    detail: str   # what was found: the checks and their figures, or why nothing was


def _checks_of(data: guide_data.Data, scenario: str) -> list[verdict.Check] | None:
    v = data.verdict(scenario)
    if v is None:
        return None
    found = getattr(v, "checks", [])  # a list, or a method that gathers them (blocking)
    checks = found() if callable(found) else found
    out = list(checks) + list(getattr(v, "contrast", []) or [])
    # A verdict in parts (blocking: client, server, cpu) may keep a part's checks out of checks().
    for part in vars(v).values():
        for c in getattr(part, "checks", None) or []:
            if isinstance(c, verdict.Check) and c not in out:
                out.append(c)
    return out


def _describe(checks: Iterable[verdict.Check]) -> str:
    return "; ".join(f"{c.name}: {c.status}, {c.figure} (rule {c.threshold})" + (f", {c.note}" if c.note else "")
                     for c in checks)


@dataclass(frozen=True)
class Passes:
    scenario: str
    needles: tuple[str, ...]
    expected: str = verdict.PASSED

    def __init__(self, scenario: str, *needles: str, expected: str = verdict.PASSED) -> None:
        object.__setattr__(self, "scenario", scenario)
        object.__setattr__(self, "needles", needles)
        object.__setattr__(self, "expected", expected)

    @property
    def ref(self) -> str:
        side = "passes" if self.expected == verdict.PASSED else "fails"
        return f"{self.scenario}: check \"{' … '.join(self.needles)}\" {side}"

    def outcome(self, data: guide_data.Data) -> Outcome:
        checks = _checks_of(data, self.scenario)
        if checks is None:
            return Outcome(OPEN, f"no {self.scenario} results")
        found = [c for c in checks if all(n in c.name for n in self.needles)]
        if not found:
            return Outcome(OPEN, "no such check in this run")
        other = verdict.FAILED if self.expected == verdict.PASSED else verdict.PASSED
        if all(c.status == self.expected for c in found):
            return Outcome(HOLDS, _describe(found))
        if any(c.status == other for c in found):
            return Outcome(BROKEN, _describe(found))
        return Outcome(OPEN, _describe(found))


def Fails(scenario: str, *needles: str) -> Passes:  # noqa: N802 - reads as a kind of backing, like Passes
    return Passes(scenario, *needles, expected=verdict.FAILED)


@dataclass(frozen=True)
class Rule:
    scenario: str
    name: str
    compute: Callable[[guide_data.Data], verdict.Check | None]

    @property
    def ref(self) -> str:
        return f"{self.scenario}: rule \"{self.name}\""

    def outcome(self, data: guide_data.Data) -> Outcome:
        if not data.has(self.scenario):
            return Outcome(OPEN, f"no {self.scenario} results")
        check = self.compute(data)
        if check is None:
            return Outcome(OPEN, "not in this run")
        status = {verdict.PASSED: HOLDS, verdict.FAILED: BROKEN}.get(check.status, OPEN)
        return Outcome(status, _describe([check]))


@dataclass(frozen=True)
class Fact:
    fact_id: str

    @property
    def ref(self) -> str:
        return f"Python fact {self.fact_id}"

    def outcome(self, data: guide_data.Data) -> Outcome:
        # Rendering takes the interpreter's behaviour as the test suite verified it (see the module's
        # docstring); tests/report/test_guide.py runs each snippet through run_fact().
        return Outcome(HOLDS, "checked by its snippet in the test suite")


@dataclass(frozen=True)
class Explanation:
    why: str  # why no snippet shows it

    @property
    def ref(self) -> str:
        return f"explanation only ({self.why})"

    def outcome(self, data: guide_data.Data) -> Outcome:
        return Outcome(HOLDS, self.ref)


EXPLANATION = Explanation("a language fact with nothing to run")

# What a verdict word, mark or sentence rests on (the module's docstring).
Backing = Passes | Rule | Fact | Explanation


def run_fact(fact_id: str) -> tuple[bool, str]:
    """Runs one fact's snippet: (holds, what it observed)."""
    from . import python_facts
    fact = python_facts.FACTS.get(fact_id)
    if fact is None:
        return False, f"no fact {fact_id!r} in python_facts.FACTS"
    try:
        return True, fact.check()
    except python_facts.FactFailed as e:
        return False, str(e)


@dataclass(frozen=True)
class Sentence:
    """A sentence the guide states as fact (typically the one to say in an interview), with what it
    rests on. Its text carries no figure: figures are bold and come from the JSON."""
    text: str
    backing: tuple[Backing, ...]

    def __init__(self, text: str, *backing: Backing) -> None:
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "backing", backing)


# --- verdict words about the material's statement ------------------------------------

CONFIRMED, NUANCED, REFUTED, INCONCLUSIVE = verdict.CONFIRMED, verdict.NUANCED, verdict.REFUTED, verdict.INCONCLUSIVE


def judge(data: guide_data.Data, supports: Sequence[Backing],
          against: Sequence[Backing]) -> tuple[str, list[tuple[Backing, Outcome]]]:
    """The verdict word about a statement: (word, [(backing, outcome)] that decided it)."""
    sup = [(b, b.outcome(data)) for b in supports]
    ag = [(b, b.outcome(data)) for b in against]
    every = sup + ag
    if not every or any(o.status == OPEN for _, o in every):
        return INCONCLUSIVE, every
    supported = bool(sup) and all(o.status == HOLDS for _, o in sup)
    contradicted = any(o.status == HOLDS for _, o in ag)
    if supported and not contradicted:
        return CONFIRMED, every
    if supported and contradicted:
        return NUANCED, every
    if contradicted:
        return REFUTED, every
    return NUANCED, every  # a support broke, nothing against held: the statement is off, not false


# --- rules the guide computes itself ---------------------------------------------------

def figure_at_least(scenario: str, needles: tuple[str, ...], threshold: float, name: str | None = None,
                    strict: bool = False) -> Rule:
    """A Rule on a headline figure's interval: passes when its low end is ≥ threshold (> when strict)."""
    def compute(data: guide_data.Data) -> verdict.Check | None:
        f = data.figure(scenario, *needles)
        if f is None:
            return None
        return verdict.at_least(name or f.label, (f.estimate, f.low, f.high), threshold, unit=f.unit, strict=strict)
    return Rule(scenario, f"{name or ' … '.join(needles)} {'>' if strict else '≥'} {threshold:g}", compute)


def exact(scenario: str, name: str, find: Callable[[list[results.Run]], results.Run | None], counter: str,
          expected: float | Callable[[results.Run], float]) -> Rule:
    """A Rule on an exact count: passes when the run's counter equals `expected` in every repetition
    (expected may be a function of the run, e.g. its task count), fails when it differs in any."""
    def compute(data: guide_data.Data) -> verdict.Check | None:
        run = find(data.runs(scenario))
        if run is None or run.failed or not run.reps:
            return None
        want = expected(run) if callable(expected) else expected
        values = run.values(counter)
        ok = len(values) == len(run.reps) and all(v == want for v in values)
        shown = ", ".join(sorted({f"{v:g}" for v in values})) or "none"
        return verdict.Check(name, verdict.PASSED if ok else verdict.FAILED, threshold=f"= {want:g}",
                             unit="", note=f"{counter}: {shown} over {len(run.reps)} repetitions")
    return Rule(scenario, name, compute)
