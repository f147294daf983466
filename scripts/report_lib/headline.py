"""Headline figures: the handful of numbers a reader quotes from a scenario, each
with its 95 % confidence interval, and the page section that sets a run's
figures beside the committed reference run's.

Every scenario module has headline(results) -> [Figure], in the order a reader
quotes them. A figure that was not measured in the run is left out (a default
run measures fewer models and parameters than the reference), so callers match
figures by label, never by position.

Two figures differ only when their 95 % intervals are disjoint and their
estimates are more than PRACTICAL_GAP (5 %) apart; otherwise they agree. That
is a loose test on purpose: it asks whether this machine could be measuring
the same thing as the reference, not whether the two runs are identical.
agreement() is the one place the rule lives: the page's table and
`scripts/report --compare` (compare.py) both use it.

The reference is the committed run in <repo>/results (repo = the directory
above scripts/), or SUITE_REFERENCE_DIR when set (the tests point it at their
fixtures). It is only ever read.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import between_runs, fmt, results as results_mod
from .stats import Interval

if TYPE_CHECKING:
    from .scenarios import Scenario

REFERENCE_ENV = "SUITE_REFERENCE_DIR"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AGREES, DIFFERS = "agrees", "differs"


@dataclass(frozen=True)
class Figure:
    label: str          # what it is, stable between runs: "aiohttp pooled ÷ unpooled, HTTPS"
    estimate: float
    low: float | None = None   # the 95 % interval; None without one (fewer than 2 repetitions)
    high: float | None = None
    unit: str = "x"     # appended to every number: "x" -> 6.06x, " RTT" -> 2.07 RTT
    # What in this machine's setup the figure depends on more than on the mechanism ("a cold disk's
    # read speed"), said beside it wherever it is shown; "" for a figure of the mechanism itself.
    setup: str = ""
    # False when a between-run table is active but holds no spread for this figure (measured in one
    # run only, e.g. a figure of the reference's longer grid, or a grid the table's runs did not
    # measure): its interval covers its repetitions only.
    between: bool | None = None

    @property
    def shown_label(self) -> str:
        """The label as a reader sees it: with '(depends on the setup: …)' when it does, and
        '(no spread between runs measured …)' when its interval carries none."""
        text = f"{self.label} (depends on the setup: {self.setup})" if self.setup else self.label
        if self.between is False and self.has_interval:
            text += " (no spread between runs measured for it: its interval covers this run's repetitions)"
        return text

    @property
    def has_interval(self) -> bool:
        return self.low is not None and self.high is not None

    def number(self, value: float) -> str:
        return f"{fmt.sig(value)}{self.unit}"

    @property
    def half_width(self) -> float | None:
        """The interval's larger side as a fraction of the estimate, max(high/est - 1, 1 - low/est);
        None without an interval or for an estimate that is not positive (a ratio of it means nothing)."""
        if self.low is None or self.high is None or self.estimate is None or self.estimate <= 0:
            return None
        return max(self.high / self.estimate - 1, 1 - self.low / self.estimate)

    @property
    def text(self) -> str:
        """'6.06x (95 % CI 5.81–6.32x)' or '6.06x (no interval)'."""
        if self.estimate is None:
            return fmt.DASH
        if not self.has_interval:
            return f"{self.number(self.estimate)} (no interval)"
        return f"{self.number(self.estimate)} ({fmt.ci(self.low, self.high, self.unit)})"

    @property
    def line(self) -> str:
        """'6.06x (95 % CI 5.81–6.32x, ±4.3 %)': the text with the interval's half width in percent."""
        if self.estimate is None or not self.has_interval:
            return self.text
        half = self.half_width
        spread = f", ±{fmt.pct(half)}" if half is not None else ""
        return f"{self.number(self.estimate)} ({fmt.ci(self.low, self.high, self.unit)}{spread})"


def figure(label: str, ci: Interval | None, unit: str = "x", setup: str = "") -> Figure | None:
    """A Figure from an (estimate, low, high) triple; None when nothing was measured. Within
    between_runs.active(), the interval also covers the figure's spread between whole runs."""
    est, lo, hi = between_runs.widen(label, ci) if ci is not None else (None, None, None)
    if est is None:
        return None
    return Figure(label, est, lo, hi, unit, setup, between_runs.covers(label))


def measured(figures: Iterable[Figure | None]) -> list[Figure]:
    """The figures that exist (figure() gives None for what was not measured)."""
    return [f for f in figures if f is not None]


# How far apart two estimates must be, relative to the larger, before disjoint intervals count
# as a difference. An interval covers only the noise within one run; two runs on one machine on
# different days drift by a few percent (queue's peak depth: 31.7x in the reference, 30.9x in a
# default run, intervals within ±1 % and disjoint), and the default mode aims only at ±5 % intervals
# (run.json's target_ci). A gap below that precision is not a finding; one above it is.
PRACTICAL_GAP = 0.05
AGREEMENT_RULE = (f"Two figures differ only when their 95 % confidence intervals are disjoint and their "
                  f"estimates are more than {fmt.pct(PRACTICAL_GAP, 0)} apart (of the larger one); "
                  "otherwise they agree.")


def relative_gap(a: Figure, b: Figure) -> float:
    """|a − b| ÷ the larger magnitude of the two estimates: symmetric, so comparing A with B and B
    with A give the same answer; 0 for two zeros (0 % beside 0 % is no gap)."""
    larger = max(abs(a.estimate), abs(b.estimate))
    return abs(a.estimate - b.estimate) / larger if larger else 0.0


def agreement(a: Figure | None, b: Figure | None) -> str | None:
    """'differs' when the intervals are disjoint and the estimates more than PRACTICAL_GAP apart,
    'agrees' otherwise; None when either figure is missing or has no interval."""
    if a is None or b is None or a.low is None or a.high is None or b.low is None or b.high is None:
        return None  # missing, or without an interval (has_interval)
    disjoint = a.high < b.low or b.high < a.low
    return DIFFERS if disjoint and relative_gap(a, b) > PRACTICAL_GAP else AGREES


def cli_lines(figures: Iterable[Figure]) -> list[str]:
    """One line per figure, as the report CLI prints them after its other lines."""
    return [f"report: {f.shown_label}: {f.line}" for f in figures]


# --- the reference beside this run ---------------------------------------------

def reference_dir() -> str:
    """Where the committed reference run lives: SUITE_REFERENCE_DIR, else <repo>/results."""
    return os.environ.get(REFERENCE_ENV) or os.path.join(REPO, "results")


def is_reference(results: results_mod.Results, ref_dir: str | None = None) -> bool:
    """True when this page's results are the reference's own directory."""
    ref = os.path.join(ref_dir or reference_dir(), results.scenario)
    return os.path.realpath(results.directory) == os.path.realpath(ref)


def _shown_path(path: str) -> str:
    """The reference's folder as a reader of the page should see it: relative to the repo when
    inside it ('results/pooling/'), else as given."""
    real, repo = os.path.realpath(path), os.path.realpath(REPO)
    if real == repo or real.startswith(repo + os.sep):
        return os.path.relpath(real, repo) + "/"
    return path.rstrip("/") + "/"


def _mode_text(ref: results_mod.Results) -> str:
    mode = ref.mode
    return f", a {mode} run" if mode else ""


def _machine_text(results: results_mod.Results, ref: results_mod.Results) -> str:
    """'This run's machine is not the reference's (…)' when the two runs' machine lines (cores,
    memory, OS, kernel build) differ, else ''. Hosts of the same kind differ most in speed (two
    kernel builds of one VM type ran calibration's CPU-bound null model at very different rates),
    so a reader should know before reading the table."""
    mine, theirs = results.ctx("suite_machine"), ref.ctx("suite_machine")
    if not mine or not theirs or mine == theirs:
        return ""
    return (f"This run's machine is not the reference's ({mine}): figures that rest on CPU speed, "
            f"memory or disk move with the host. ")


def beside_section(module: Scenario[Any], results: results_mod.Results, ref_dir: str | None = None) -> str | None:
    """The page section "This run beside the reference", or None when the page *is* the reference.
    A missing or unreadable reference gives one line instead of a table."""
    if is_reference(results, ref_dir):
        return None
    base = ref_dir or reference_dir()
    where = os.path.join(base, results.scenario)
    shown = _shown_path(where)
    title = "## This run beside the reference\n\n"
    if not os.path.isfile(os.path.join(where, "bench.json")):
        return title + f"No committed reference to compare with: `{shown}bench.json` does not exist."
    try:
        ref = results_mod.load(base, results.scenario)
        ref_figures = module.headline(ref)
    except (results_mod.ReportError, OSError, ValueError, KeyError, TypeError) as e:
        return title + f"The committed reference `{shown}bench.json` could not be read ({e}); nothing to compare with."
    mine = module.headline(results)
    theirs = {f.label: f for f in ref_figures}
    rows = []
    for f in mine:
        other = theirs.get(f.label)
        word = agreement(f, other)
        rows.append([f.shown_label, f.text, other.text if other else "not in the reference",
                     f"**{word}**" if word == DIFFERS else (word or fmt.DASH)])
    labels = {f.label for f in mine}
    for other in ref_figures:
        if other.label not in labels:
            rows.append([other.shown_label, "not measured in this run", other.text, fmt.DASH])
    ctx = ref.ctx
    sentence = (f"The committed reference (`{shown}`) was measured {ctx('date', 'at a date not recorded')} on "
                f"{ctx('host_name', 'an unnamed host')} ({ctx('suite_machine', 'machine not recorded')})"
                f"{_mode_text(ref)}. " + _machine_text(results, ref) + AGREEMENT_RULE)
    if not rows:
        return title + sentence + "\n\nNeither run has a headline figure to compare."
    return (title + sentence + "\n\n"
            + fmt.table(["figure", "this run (95 % CI)", "committed reference (95 % CI)", "intervals"], rows))
