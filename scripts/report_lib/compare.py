"""Two results directories side by side: `scripts/report --compare A B`.

For every scenario with a bench.json in both A and B:
- each headline figure of A beside B's, matched by label (headline.py), each
  with its 95 % interval and the word of headline.agreement(): "differs" only
  when the two intervals are disjoint and the estimates are more than
  headline.PRACTICAL_GAP (5 %) apart, "agrees" otherwise, none ("—") when
  either side has no interval. It is the rule of the page's table "This run
  beside the reference", so the page and the terminal never disagree. A
  figure only one side measured is listed as such (a default run measures
  fewer rows than the reference);
- the verdict word in each;
- every verdict check whose outcome changed, by name, with both figures. A
  check only one side has is listed when it did not pass there: a verdict
  word moves away from "confirmed" only on a check that failed or stayed
  undecided, so a passed check the other side lacks explains nothing.

summary_lines() is the terminal's summary, a few lines per scenario; the end
of a bench run prints it against the committed reference
(`scripts/report --compare DIR results`). When both directories hold every
scenario the interview guide reads, it ends with the guide's words side by
side too: each claim's verdict word and each question's mark (guide.py), and
which of them changed. Only read, never written.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import between_runs, fmt, headline, index, results as results_mod, scenarios, verdict as checks_mod

# What may go wrong reading one side of one scenario (as in headline.beside_section): the
# scenario is then reported as not compared, and the others still are.
_UNREADABLE = (results_mod.ReportError, OSError, ValueError, KeyError, TypeError)
# More scenarios than this on one side only are counted, not named: `--compare DIR results`
# after a one-scenario run would otherwise name every other scenario of the reference.
_NAMED_AT_MOST = 4


@dataclass
class FigurePair:
    label: str
    a: headline.Figure | None = None  # None: not measured in A
    b: headline.Figure | None = None

    @property
    def word(self) -> str | None:
        """headline.AGREES, headline.DIFFERS, or None (one side missing, or without an interval)."""
        return headline.agreement(self.a, self.b)


@dataclass
class CheckPair:
    name: str
    a: checks_mod.Check | None = None  # None: A's verdict has no check of that name
    b: checks_mod.Check | None = None


@dataclass
class ScenarioComparison:
    scenario: str
    word_a: str | None = None
    word_b: str | None = None
    mode_a: str | None = None  # default | quick | reference, when the run says
    mode_b: str | None = None
    figures: list[FigurePair] = field(default_factory=list)  # A's order, then the figures only B has
    checks: list[CheckPair] = field(default_factory=list)    # the checks whose outcome changed
    error: str | None = None   # why the scenario could not be compared

    @property
    def verdict_same(self) -> bool:
        return self.word_a == self.word_b

    def with_word(self, word: str) -> list[FigurePair]:
        return [p for p in self.figures if p.a is not None and p.b is not None and p.word == word]

    @property
    def one_sided(self) -> list[FigurePair]:
        return [p for p in self.figures if p.a is None or p.b is None]


@dataclass
class Comparison:
    a_dir: str
    b_dir: str
    scenarios: list[ScenarioComparison]  # one per scenario in both
    only_a: list[str]                    # scenario names with a bench.json in A only
    only_b: list[str]
    guide: GuideComparison | None = None  # when both hold every scenario the guide reads


@dataclass
class GuideComparison:
    claims: list[tuple[str, str, str]]     # (claim id, word in A, word in B), every claim
    questions: list[tuple[str, str, str]]  # (question id, mark in A, mark in B), every question

    def changed(self) -> list[tuple[str, str, str]]:
        return [row for row in self.claims + self.questions if row[1] != row[2]]


def compare(a_dir: str, b_dir: str) -> Comparison:
    """Every scenario in both directories compared. Raises results.ReportError (a message for
    the user) when a directory is missing or the two have no scenario in common."""
    for which, d in (("A", a_dir), ("B", b_dir)):
        if not os.path.isdir(d):
            raise results_mod.ReportError(f"--compare: {which} ({d}) is not a directory")
    in_a, in_b = _known_scenarios(a_dir), _known_scenarios(b_dir)
    common = [name for name in in_a if name in in_b]
    if not common:
        raise results_mod.ReportError(
            f"--compare: {a_dir} and {b_dir} have no scenario in common "
            f"(A: {', '.join(in_a) or 'none'}; B: {', '.join(in_b) or 'none'})")
    return Comparison(a_dir, b_dir, [compare_scenario(name, a_dir, b_dir) for name in common],
                      [n for n in in_a if n not in in_b], [n for n in in_b if n not in in_a],
                      compare_guide(a_dir, b_dir))


def compare_guide(a_dir: str, b_dir: str) -> GuideComparison | None:
    """The guide's claim words and question marks from A beside B's, or None when either side
    lacks a scenario the guide reads (a partial run would show 'not in this run' everywhere)."""
    from . import guide, guide_claims, guide_data, guide_questions  # the guide reads every scenario
    a, b = guide_data.Data(a_dir), guide_data.Data(b_dir)
    needed = {c.scenario for c in guide_claims.CLAIMS}
    if not all(a.has(n) and b.has(n) for n in needed):
        return None
    try:
        return GuideComparison(
            [(c.cid, guide.claim_word(a, c), guide.claim_word(b, c)) for c in guide_claims.CLAIMS],
            [(q.qid, guide.question_mark(a, q), guide.question_mark(b, q)) for q in guide_questions.QUESTIONS])
    except _UNREADABLE:
        return None


def _known_scenarios(out_dir: str) -> list[str]:
    """The scenario folders holding a bench.json that the report knows how to read."""
    return [name for name in index.scenario_dirs(out_dir) if scenarios.get(name) is not None]


def compare_scenario(name: str, a_dir: str, b_dir: str) -> ScenarioComparison:
    module = scenarios.SCENARIOS[name]
    try:
        a, b = results_mod.load(a_dir, name), results_mod.load(b_dir, name)
        # The intervals the pages show: both runs' carry the scenario's spread between whole runs.
        with between_runs.active(name):
            verdict_a, verdict_b = module.verdict(a), module.verdict(b)
            figures = pair_figures(module.headline(a), module.headline(b))
    except _UNREADABLE as e:
        return ScenarioComparison(name, error=str(e))
    return ScenarioComparison(name, verdict_a.word, verdict_b.word, a.mode, b.mode, figures,
                              changed_checks(getattr(verdict_a, "checks", []), getattr(verdict_b, "checks", [])))


def pair_figures(mine: Sequence[headline.Figure], theirs: Sequence[headline.Figure]) -> list[FigurePair]:
    """FigurePairs matched by label: A's figures in A's order, then those only B has."""
    by_label = {f.label: f for f in theirs}
    pairs = [FigurePair(f.label, f, by_label.get(f.label)) for f in mine]
    labels = {f.label for f in mine}
    return pairs + [FigurePair(f.label, None, f) for f in theirs if f.label not in labels]


def changed_checks(checks_a: Sequence[checks_mod.Check], checks_b: Sequence[checks_mod.Check]) -> list[CheckPair]:
    """CheckPairs, matched by name, whose status differs; a check on one side only when it did not
    pass there (see the module's docstring)."""
    by_name = {c.name: c for c in checks_b}
    names_a = {c.name for c in checks_a}
    out = []
    for c in checks_a:
        other = by_name.get(c.name)
        if (other is None and c.status != checks_mod.PASSED) or (other is not None and other.status != c.status):
            out.append(CheckPair(c.name, c, other))
    out += [CheckPair(c.name, None, c) for c in checks_b
            if c.name not in names_a and c.status != checks_mod.PASSED]
    return out


# --- the terminal summary -------------------------------------------------------

def summary_lines(comparison: Comparison, every_figure: bool = False) -> list[str]:
    """A few lines per scenario: the verdict same or changed, how many figures agree and differ,
    then the differing figures and the changed checks (every figure with every_figure)."""
    c = comparison
    lines = [f"report: comparing A = {c.a_dir} with B = {c.b_dir}", f"report: {headline.AGREEMENT_RULE}"]
    for s in c.scenarios:
        lines += scenario_lines(s, every_figure)
    for which, names in (("A", c.only_a), ("B", c.only_b)):
        if names:
            lines.append(f"report: only in {which}, not compared: {_names(names)}")
    if len(c.scenarios) > 1:
        lines.append(total_line(c.scenarios))
    if c.guide:
        lines.append(guide_line(c.guide))
    return lines


def guide_line(g: GuideComparison) -> str:
    """The guide's words in one line: how many claims and questions kept theirs, and the others."""
    same_claims = sum(a == b for _, a, b in g.claims)
    same_questions = sum(a == b for _, a, b in g.questions)
    line = (f"report: the interview guide: claim verdicts the same in {same_claims} of {len(g.claims)}, "
            f"question marks in {same_questions} of {len(g.questions)}")
    changed = "; ".join(f'{qid} "{a}" in A, "{b}" in B' for qid, a, b in g.changed())
    return line + (f"; changed: {changed}" if changed else "")


def total_line(compared: Sequence[ScenarioComparison]) -> str:
    """The last line after a run of several scenarios: how many kept the verdict word, and which
    did not (a scenario that could not be compared counts as not the same)."""
    changed = [s.scenario for s in compared if s.error or not s.verdict_same]
    line = f"report: verdict the same in {len(compared) - len(changed)} of {len(compared)} scenarios"
    return line + (f"; not the same: {_names(changed)}" if changed else "")


def scenario_lines(s: ScenarioComparison, every_figure: bool = False) -> list[str]:
    if s.error:
        return [f"report: {s.scenario}: not compared: {s.error}"]
    modes = f" (A {s.mode_a or 'mode not recorded'}, B {s.mode_b or 'mode not recorded'})"
    # Quoted: a verdict word may hold a colon ("inconclusive: noise").
    word = (f'verdict "{s.word_a}" in both' if s.verdict_same
            else f'verdict changed: "{s.word_a}" in A, "{s.word_b}" in B')
    lines = [f"report: {s.scenario}{modes}: {word}; {_figure_counts(s)}"]
    for p in s.figures:
        if every_figure or p.word == headline.DIFFERS:
            lines.append(f"report:   {p.word or fmt.DASH}: {p.label}: {_side(p.a, 'A')}; {_side(p.b, 'B')}"
                         + (f"; {fmt.pct(headline.relative_gap(p.a, p.b))} apart"
                            if p.word and p.a is not None and p.b is not None else ""))  # a word: both sides
    for cp in s.checks:
        lines.append(f"report:   check changed: {cp.name}: {_check_side(cp.a, 'A')}; {_check_side(cp.b, 'B')}")
    return lines


def _figure_counts(s: ScenarioComparison) -> str:
    """'8 figures: 7 agree, 1 differs, 2 only in B' (the parts that are not zero)."""
    only_a = sum(p.b is None for p in s.figures)
    only_b = sum(p.a is None for p in s.figures)
    both = len(s.figures) - only_a - only_b
    agree, differ = len(s.with_word(headline.AGREES)), len(s.with_word(headline.DIFFERS))
    parts = [f"{agree} agree{'s' if agree == 1 else ''}", f"{differ} differ{'s' if differ == 1 else ''}"]
    if both - agree - differ:
        parts.append(f"{both - agree - differ} without an interval")
    parts += [f"{n} only in {which}" for which, n in (("A", only_a), ("B", only_b)) if n]
    return f"{both} figure{'' if both == 1 else 's'} in both: " + ", ".join(parts)


def _side(figure: headline.Figure | None, which: str) -> str:
    return f"{which} {figure.text}" if figure is not None else f"not in {which}"


def _check_side(check: checks_mod.Check | None, which: str) -> str:
    return f"{check.status} in {which}, {check.figure}" if check is not None else f"not checked in {which}"


def _names(names: Sequence[str]) -> str:
    if len(names) <= _NAMED_AT_MOST:
        return ", ".join(names)
    return f"{len(names)} scenarios"
