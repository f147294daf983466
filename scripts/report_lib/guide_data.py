"""The guide's data: every scenario under DIR loaded once with its verdict and headline figures, and
the pieces a line of the guide is made of.

A measured value is bold on the page (m()), since bold is what marks a value computed from the JSON
and what tests/report/test_guide.py checks. Two kinds of value:
- Fig: a scenario's headline figure (its module's headline()), shown as the estimate and its 95 %
  interval, "6.28x (6.05–6.52)";
- Val: a count or a median read from the runs by a small function (an exact count needs no
  interval).
A Line joins text and values; when one value is missing from the run the whole line is, so a page
never shows half a sentence. Each value knows its scenario, which is how the test checks that a
question quotes only figures from an experiment about that question.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from . import between_runs, fmt, index, results as results_mod, scenarios

if TYPE_CHECKING:
    from . import headline, verdict

# show(value) -> the text of a measured value (fmt.count, fmt.param, ...).
Show = Callable[[float], str]
# find(runs) -> the one run a value or a rule reads, or None when the run lacks it.
Finder = Callable[[list[results_mod.Run]], results_mod.Run | None]


def m(text: str) -> str:
    """A measured value, as the page shows it: bold. Only values computed from the JSON go here."""
    return f"**{text}**"


# --- the data ------------------------------------------------------------------

class Data:
    """The scenarios under DIR, each loaded once, with its verdict and headline figures."""

    def __init__(self, out_dir: str) -> None:
        self.dir = out_dir
        self._loaded: dict[str, results_mod.Results] = {}
        self._verdicts: dict[str, verdict.Line] = {}
        self._figures: dict[str, list[headline.Figure]] = {}
        self.unreadable: dict[str, str] = {}
        for name in index.scenario_dirs(out_dir):
            try:
                self._loaded[name] = results_mod.load(out_dir, name)
            except results_mod.ReportError as e:
                self.unreadable[name] = str(e)

    def has(self, name: str) -> bool:
        return name in self._loaded and scenarios.get(name) is not None

    def runs(self, name: str) -> list[results_mod.Run]:
        return self._loaded[name].runs if name in self._loaded else []

    def verdict(self, name: str) -> verdict.Line | None:
        if not self.has(name):
            return None
        if name not in self._verdicts:
            with between_runs.active(name):
                self._verdicts[name] = scenarios.SCENARIOS[name].verdict(self._loaded[name])
        return self._verdicts[name]

    def figures(self, name: str) -> list[headline.Figure]:
        if not self.has(name):
            return []
        if name not in self._figures:
            with between_runs.active(name):
                self._figures[name] = scenarios.SCENARIOS[name].headline(self._loaded[name])
        return self._figures[name]

    def figure(self, name: str, *needles: str) -> headline.Figure | None:
        """The first headline figure whose label contains every needle, or None."""
        return next((f for f in self.figures(name) if all(n in f.label for n in needles)), None)

    def chart(self, name: str, chart: str | None = None) -> str | None:
        """'pooling/charts/x.png' when that file exists under DIR, else None."""
        module = scenarios.get(name)
        rel = chart or (module.HEADLINE_CHART if module else None)
        if rel is None:
            return None
        path = f"{name}/{rel}"
        return path if os.path.isfile(os.path.join(self.dir, path)) else None


def figure_text(f: headline.Figure | None) -> str | None:
    """A headline figure as the guide shows it: '6.28x (6.05–6.52)', the interval without its unit."""
    if f is None or f.estimate is None:
        return None
    if not f.has_interval:
        return f.number(f.estimate)
    return f"{f.number(f.estimate)} ({fmt.sig(f.low)}–{fmt.sig(f.high)})"


class Fig:
    """A headline figure of a scenario, found by the words of its label."""

    def __init__(self, scenario: str, *needles: str) -> None:
        self.scenario, self.needles = scenario, needles

    def text(self, data: Data) -> str | None:
        t = figure_text(data.figure(self.scenario, *self.needles))
        return m(t) if t else None


class Part:
    """A value named in a headline figure's label (e.g. the clean-up a timeout figure was measured with):
    the first group of `pattern` in the label, shown bold."""

    def __init__(self, scenario: str, needles: tuple[str, ...], pattern: str) -> None:
        self.scenario, self.needles, self.pattern = scenario, needles, pattern

    def text(self, data: Data) -> str | None:
        import re
        f = data.figure(self.scenario, *self.needles)
        found = re.search(self.pattern, f.label) if f is not None else None
        return m(found.group(1)) if found else None


class Val:
    """A value read from a scenario's runs: compute(runs) -> the text to show, or None."""

    def __init__(self, scenario: str, compute: Callable[[list[results_mod.Run]], str | None]) -> None:
        self.scenario, self.compute = scenario, compute

    def text(self, data: Data) -> str | None:
        if not data.has(self.scenario):
            return None
        t = self.compute(data.runs(self.scenario))
        return m(t) if t is not None else None


class Line:
    """Text and values, joined; None when a value is missing (never half a sentence)."""

    def __init__(self, *parts: str | Fig | Part | Val) -> None:
        self.parts = parts

    @property
    def scenarios(self) -> set[str]:
        return {p.scenario for p in self.parts if isinstance(p, (Fig, Val, Part))}

    def text(self, data: Data) -> str | None:
        out: list[str] = []
        for p in self.parts:
            t = p if isinstance(p, str) else p.text(data)
            if t is None:
                return None
            out.append(t)
        return "".join(out)


# --- small readers for Val -------------------------------------------------------

def run_of(runs: Sequence[results_mod.Run], *labels: str, **params: float | str) -> results_mod.Run | None:
    """The one run whose name has exactly these labels and these parameter values, or None."""
    found = [r for r in runs if r.name.labels == labels and all(r.name.param(k) == v for k, v in params.items())]
    return found[0] if len(found) == 1 else None


def counter(scenario: str, name: str, *labels: str, show: Show | None = None, exact: bool = False,
            **params: float | str) -> Val:
    """A Val: counter `name` of the run with these labels and parameters, its median (or, exact, the
    count every repetition has), shown with `show` (default: a count)."""
    read = every_rep if exact else median_of
    return Val(scenario, lambda runs: read(run_of(runs, *labels, **params), name, show or fmt.count))


def median_of(run: results_mod.Run | None, counter: str, show: Show = fmt.count) -> str | None:
    if run is None or run.failed:
        return None
    value = run.median(counter)
    return None if value is None else show(value)


def every_rep(run: results_mod.Run | None, counter: str, show: Show = fmt.count) -> str | None:
    """A count that is the same in every repetition, or None when it varies (then it is no exact count)."""
    if run is None or run.failed or not run.reps:
        return None
    values = run.values(counter)
    if len(values) != len(run.reps) or len(set(values)) != 1:
        return None
    return show(values[0])


def ms_of(value_ms: float) -> str:
    return fmt.ms(value_ms * 1000)
