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
import os

from . import between_runs, fmt, index, results as results_mod, scenarios


def m(text):
    """A measured value, as the page shows it: bold. Only values computed from the JSON go here."""
    return f"**{text}**"


# --- the data ------------------------------------------------------------------

class Data:
    """The scenarios under DIR, each loaded once, with its verdict and headline figures."""

    def __init__(self, out_dir):
        self.dir = out_dir
        self._loaded, self._verdicts, self._figures, self.unreadable = {}, {}, {}, {}
        for name in index.scenario_dirs(out_dir):
            try:
                self._loaded[name] = results_mod.load(out_dir, name)
            except results_mod.ReportError as e:
                self.unreadable[name] = str(e)

    def has(self, name):
        return name in self._loaded and scenarios.get(name) is not None

    def runs(self, name):
        return self._loaded[name].runs if name in self._loaded else []

    def verdict(self, name):
        if not self.has(name):
            return None
        if name not in self._verdicts:
            with between_runs.active(name):
                self._verdicts[name] = scenarios.get(name).verdict(self._loaded[name])
        return self._verdicts[name]

    def figures(self, name):
        if not self.has(name):
            return []
        if name not in self._figures:
            with between_runs.active(name):
                self._figures[name] = scenarios.get(name).headline(self._loaded[name])
        return self._figures[name]

    def figure(self, name, *needles):
        """The first headline figure whose label contains every needle, or None."""
        return next((f for f in self.figures(name) if all(n in f.label for n in needles)), None)

    def chart(self, name, chart=None):
        """'pooling/charts/x.png' when that file exists under DIR, else None."""
        module = scenarios.get(name)
        rel = chart or (module.HEADLINE_CHART if module else None)
        if rel is None:
            return None
        path = f"{name}/{rel}"
        return path if os.path.isfile(os.path.join(self.dir, path)) else None


def figure_text(f):
    """A headline figure as the guide shows it: '6.28x (6.05–6.52)', the interval without its unit."""
    if f is None or f.estimate is None:
        return None
    if not f.has_interval:
        return f.number(f.estimate)
    return f"{f.number(f.estimate)} ({fmt.sig(f.low)}–{fmt.sig(f.high)})"


class Fig:
    """A headline figure of a scenario, found by the words of its label."""

    def __init__(self, scenario, *needles):
        self.scenario, self.needles = scenario, needles

    def text(self, data):
        t = figure_text(data.figure(self.scenario, *self.needles))
        return m(t) if t else None


class Part:
    """A value named in a headline figure's label (e.g. the clean-up a timeout figure was measured with):
    the first group of `pattern` in the label, shown bold."""

    def __init__(self, scenario, needles, pattern):
        self.scenario, self.needles, self.pattern = scenario, needles, pattern

    def text(self, data):
        import re
        f = data.figure(self.scenario, *self.needles)
        found = re.search(self.pattern, f.label) if f is not None else None
        return m(found.group(1)) if found else None


class Val:
    """A value read from a scenario's runs: compute(runs) -> the text to show, or None."""

    def __init__(self, scenario, compute):
        self.scenario, self.compute = scenario, compute

    def text(self, data):
        if not data.has(self.scenario):
            return None
        t = self.compute(data.runs(self.scenario))
        return m(t) if t is not None else None


class Line:
    """Text and values, joined; None when a value is missing (never half a sentence)."""

    def __init__(self, *parts):
        self.parts = parts

    @property
    def scenarios(self):
        return {p.scenario for p in self.parts if isinstance(p, (Fig, Val, Part))}

    def text(self, data):
        out = []
        for p in self.parts:
            t = p if isinstance(p, str) else p.text(data)
            if t is None:
                return None
            out.append(t)
        return "".join(out)


# --- small readers for Val -------------------------------------------------------

def run_of(runs, *labels, **params):
    """The one run whose name has exactly these labels and these parameter values, or None."""
    found = [r for r in runs if r.name.labels == labels and all(r.name.param(k) == v for k, v in params.items())]
    return found[0] if len(found) == 1 else None


def counter(scenario, name, *labels, show=None, exact=False, **params):
    """A Val: counter `name` of the run with these labels and parameters, its median (or, exact, the
    count every repetition has), shown with `show` (default: a count)."""
    read = every_rep if exact else median_of
    return Val(scenario, lambda runs: read(run_of(runs, *labels, **params), name, show or fmt.count))


def median_of(run, counter, show=fmt.count):
    if run is None or run.failed:
        return None
    value = run.median(counter)
    return None if value is None else show(value)


def every_rep(run, counter, show=fmt.count):
    """A count that is the same in every repetition, or None when it varies (then it is no exact count)."""
    if run is None or run.failed or not run.reps:
        return None
    values = run.values(counter)
    if len(values) != len(run.reps) or len(set(values)) != 1:
        return None
    return show(values[0])


def ms_of(value_ms):
    return fmt.ms(value_ms * 1000)
