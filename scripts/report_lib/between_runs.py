"""The spread between whole runs, measured over several runs of a scenario and
carried in the committed results, so that a headline figure's 95 % interval
predicts the next run, and a verdict shows that it comes out the same from run
to run.

Why: a run's interval from its own repetitions (stats.ratio_ci) covers what
varies between rounds inside one process on one warm machine. Reruns on the
same kind of machine differ by more (fresh servers and processes, the page
cache, the CPU's and the host's state, the reference's fixed mode against the
adaptive default): over three default reruns of three scenarios, 13 of 60
headline intervals did not even overlap the reference's. So the committed file
`results/between_runs.json` holds, per scenario, from the reference and
several default reruns:

- for every headline figure, how much its estimate moved between the runs; each
  page widens the figure's interval by it:

      between half width  hb = t(0.975, n - 1) * s,  s = stdev over the n runs of log(estimate)
      widened interval    exp(log est -/+ sqrt(hw^2 + hb^2)),  hw = this run's own half width (per side)

  (on the raw scale, with s the stdev of the estimates, when an estimate is not
  positive). s holds the runs' within-run noise as well as what moves between
  them, so the sum is on the safe side; t with n - 1 degrees of freedom widens
  honestly when only a few runs were measured. A figure whose estimate was the
  same in every run (an exact count) gets nothing added.
- the verdict word of every run and how each verdict check came out in each.
  A check decides on this run's own interval (did this run clear the rule?);
  whether the word holds beyond this run is what the runs show, and the page
  says it beside the checks. The tests require one word over every run.

Figures and checks are keyed by their label / name, which is stable between
runs (headline.py: "callers match figures by label"). The file is written by
`scripts/report --between-runs DIR...` from the reference and reruns; quick
runs are left out (they measure a reduced grid). It applies while a
scenario's page, CLI lines or guide entry is computed: `with
active(scenario):` sets the scenario, and headline.figure() calls widen(). A
context variable rather than a parameter because figures are built deep inside
each scenario's module; one variable read in one place beats threading a table
through fifteen modules.
"""
from __future__ import annotations

import contextlib
import contextvars
import json
import math
import os
import statistics
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, overload

from . import files, results as results_mod, stats

if TYPE_CHECKING:
    from .scenarios import Scenario

FILE_NAME = "between_runs.json"
LOG, RAW = "log", "raw"

_current: contextvars.ContextVar[Spread | None] = contextvars.ContextVar("between_runs", default=None)


# --- applying it ---------------------------------------------------------------

def path(ref_dir: str) -> str:
    return os.path.join(ref_dir, FILE_NAME)


_loaded: dict[str, tuple[tuple[int, int], dict[str, Any]]] = {}  # path -> ((mtime, size), table): the index and the guide activate every scenario in turn


def load(ref_dir: str) -> dict[str, Any]:
    """The committed table ({} when there is none or it cannot be read: intervals then cover the
    repetitions only, and the page says so). Read once per version of the file."""
    target = path(ref_dir)
    try:
        st = os.stat(target)
        stamp = (st.st_mtime_ns, st.st_size)
        if target in _loaded and _loaded[target][0] == stamp:
            return _loaded[target][1]
        with open(target, encoding="utf-8") as f:
            table = json.load(f)
    except (OSError, ValueError):
        return {}
    table = table if isinstance(table, dict) else {}
    _loaded[target] = (stamp, table)
    return table


class Spread:
    """One scenario's between-run spreads: key -> {"kind", "s", "runs"}."""

    def __init__(self, scenario: str, entry: dict[str, Any] | None) -> None:
        self.scenario = scenario
        self.runs = int(entry.get("runs", 0)) if entry else 0
        self.keys: dict[str, dict[str, Any]] = dict(entry.get("spreads", {})) if entry else {}
        self.measured: list[dict[str, Any]] = list(entry.get("measured", [])) if entry else []
        self.checks: dict[str, dict[str, int]] = dict(entry.get("outcomes", {})) if entry else {}

    def words(self) -> dict[str, int]:
        """{verdict word: runs} over the measured runs; {} when none were recorded."""
        counts: dict[str, int] = {}
        for run in self.measured:
            if run.get("word"):
                counts[run["word"]] = counts.get(run["word"], 0) + 1
        return counts

    def outcomes(self, check_name: str) -> dict[str, int]:
        """{status: runs} of the check over the measured runs; {} when it was not measured."""
        return dict(self.checks.get(check_name, {}))

    @overload
    def widen(self, key: str, ci: stats.Interval) -> stats.Interval: ...

    @overload
    def widen(self, key: str, ci: None) -> None: ...

    def widen(self, key: str, ci: stats.Interval | None) -> stats.Interval | None:
        """ci (est, low, high) widened by key's between-run spread; unchanged when the key was not
        measured between runs, its spread is zero, or ci has no interval."""
        if ci is None:
            return ci
        est, lo, hi = ci
        spread = self.keys.get(key)
        if est is None or lo is None or hi is None or not spread or not spread.get("s"):
            return ci
        t = stats.t975(int(spread["runs"]) - 1)
        if t is None:
            return ci
        hb = t * spread["s"]
        if spread["kind"] == LOG and est > 0 and lo > 0 and hi > 0:
            down, up = math.log(est / lo), math.log(hi / est)
            return (est, est * math.exp(-math.hypot(down, hb)), est * math.exp(math.hypot(up, hb)))
        if spread["kind"] == RAW:
            return (est, est - math.hypot(est - lo, hb), est + math.hypot(hi - est, hb))
        return ci


@contextlib.contextmanager
def active(scenario: str, ref_dir: str | None = None) -> Iterator[Spread]:
    """Within it, headline figures of `scenario` carry the between-run spread of the committed table
    under ref_dir (default: headline.reference_dir()), and the page can say how its verdict and
    checks came out over the measured runs (current())."""
    from . import headline  # headline imports this module for widen()
    table = load(ref_dir or headline.reference_dir())
    spread = Spread(scenario, table.get("scenarios", {}).get(scenario))
    token = _current.set(spread)
    try:
        yield spread
    finally:
        _current.reset(token)


@contextlib.contextmanager
def off() -> Iterator[None]:
    """Within it, intervals cover the repetitions only (what measure() needs)."""
    token = _current.set(None)
    try:
        yield
    finally:
        _current.reset(token)


def widen(key: str, ci: stats.Interval) -> stats.Interval:
    """ci widened by the active scenario's spread for key (a headline figure's label)."""
    spread = _current.get()
    return ci if spread is None else spread.widen(key, ci)


def current() -> Spread | None:
    """The active scenario's Spread, or None outside active()."""
    return _current.get()


def covers(key: str) -> bool | None:
    """True when the active table holds a spread for key, False when a table is active but does not
    (the figure was measured in one run only), None outside active() or without a table."""
    spread = _current.get()
    if spread is None or not spread.keys:
        return None
    return key in spread.keys


def current_runs() -> int:
    """How many runs the active scenario's spreads come from (0: none, or nothing active)."""
    spread = _current.get()
    return spread.runs if spread is not None and spread.keys else 0


# --- measuring it --------------------------------------------------------------

def observe(module: Scenario[Any], results: results_mod.Results) -> tuple[dict[str, float], str, dict[str, str]]:
    """One run as the table sees it: ({headline label: estimate}, verdict word, {check name: status}),
    within-run only."""
    figures: dict[str, float] = {}
    outcomes: dict[str, str] = {}
    with off():
        for f in module.headline(results):
            if f.estimate is not None:
                figures[f.label] = f.estimate
        v = module.verdict(results)
        # The checks that decide, and those shown beside the rule (files: a cold disk's pairs).
        for c in list(getattr(v, "checks", []) or []) + list(getattr(v, "beside_rule", []) or []):
            outcomes.setdefault(c.name, c.status)
    return figures, v.word, outcomes


def spread_of(values: Sequence[float]) -> dict[str, str | float]:
    """{"kind", "s"} of one key's estimates over the runs: the stdev of their logs when every one is
    positive, else of the values themselves."""
    if all(v > 0 for v in values):
        return {"kind": LOG, "s": statistics.stdev(math.log(v) for v in values)}
    return {"kind": RAW, "s": statistics.stdev(values)}


def measure(dirs: Iterable[str]) -> dict[str, Any]:
    """The table from the runs under dirs (each a results directory, e.g. results/ and reruns):
    per scenario, the runs used (date, mode) and each key's spread over them. Quick and failed runs
    are left out; a key needs at least two runs."""
    from . import scenarios  # the scenario modules import headline, which imports this module
    table: dict[str, Any] = {"about": ("The spread between whole runs of each scenario: per headline figure, the standard "
                       "deviation of its estimate over the runs listed (of log(estimate) when kind is log); "
                       "per run, its verdict word; per verdict check, how many runs gave each outcome. "
                       "Written by scripts/report --between-runs; read by scripts/report_lib/between_runs.py."),
             "scenarios": {}}
    for name in scenarios.known():
        module = scenarios.SCENARIOS[name]
        seen: list[dict[str, Any]] = []
        per_key: dict[str, list[float]] = {}
        outcomes: dict[str, dict[str, int]] = {}
        for d in dirs:
            if not os.path.isfile(os.path.join(d, name, "bench.json")):
                continue
            try:
                loaded = results_mod.load(d, name)
            except results_mod.ReportError:
                continue
            if loaded.quick:
                continue
            figures, word, statuses = observe(module, loaded)
            seen.append({"date": loaded.ctx("date", None), "mode": loaded.mode or None, "word": word})
            for key, value in figures.items():
                per_key.setdefault(key, []).append(value)
            for key, status in statuses.items():
                counts = outcomes.setdefault(key, {})
                counts[status] = counts.get(status, 0) + 1
        if len(seen) < 2:
            continue
        spreads: dict[str, dict[str, str | float]] = {}
        for key, values in sorted(per_key.items()):
            if len(values) >= 2:
                spreads[key] = {**spread_of(values), "runs": len(values)}
        # Figures only one run measured (the reference's longer grid): no spread, and the page says so.
        one_run = sorted(key for key, values in per_key.items() if len(values) < 2)
        table["scenarios"][name] = {"runs": len(seen), "measured": seen, "spreads": spreads,
                                    "outcomes": outcomes, "one_run": one_run}
    return table


def write(dirs: Iterable[str], ref_dir: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Measures the table from dirs and writes it atomically to ref_dir/between_runs.json; returns
    (path, table, measured): a scenario with fewer than two runs under dirs keeps its committed
    entry, so reruns of one scenario update that scenario only."""
    measured = measure(dirs)
    table = {**load(ref_dir), "about": measured["about"]}
    table["scenarios"] = {**table.get("scenarios", {}), **measured["scenarios"]}
    target = path(ref_dir)
    files.write_text(target, json.dumps(table, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    return target, table, measured
