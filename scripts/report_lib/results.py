"""Loads one scenario's results: DIR/<scenario>/bench.json (Google Benchmark's
JSON), spectra.json and run.json, and groups the repetitions of each benchmark
into a Run.

run.json (optional: older results have none) is bench's account of the run as
a whole: {"scenario", "mode": default|quick|reference, "measure_s", "budget_s",
"target_ci", "repetitions_min", "repetitions_max", "stop":
converged|budget|cap|fixed, "finished"}. Repetitions may differ between
benchmarks (adaptive runs stop a pair once its interval is tight); pairing by
repetition index then uses the shorter side (stats.paired_ratios, median_across).

Google Benchmark writes one entry per repetition ("run_type": "iteration")
and then its own aggregates (mean, median, stddev, cv). The aggregates are
ignored: the report computes its own medians and CVs from the repetitions so
every statistic has one definition (stats.py).
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from . import stats

# One repetition's entry in bench.json: Google Benchmark's fields and the suite's counters.
Entry = dict[str, Any]


class ReportError(Exception):
    """Bad input: the message is meant for the user, without a traceback."""


# Suffixes Google Benchmark appends to a registered name; spectra.json and
# the report use the name as the suite registered it.
_GB_SUFFIX = re.compile(r"/(manual_time|real_time|process_time|"
                        r"(iterations|repeats|threads|min_time|min_warmup_time):[^/]+)$")

# Counters every run reports; errors_<kind> counters appear only when non-zero.
ERROR_KINDS = ("connect", "read", "write", "timeout", "status", "body_size", "fd_exhausted", "other")


def strip_suffixes(name: str) -> str:
    while True:
        shorter = _GB_SUFFIX.sub("", name)
        if shorter == name:
            return name
        name = shorter


def _value(text: str) -> int | float | str:
    """'32' -> 32, '2.5' -> 2.5, 'off' -> 'off'."""
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() else number


@dataclass(frozen=True)
class BenchName:
    """`pooling/asio_coro/pool/https/c:32/delay_ms:0/session_cache:off`:
    the scenario, the plain segments (labels) and the key:value segments (params)."""
    text: str
    scenario: str
    labels: tuple[str, ...]
    params: dict[str, int | float | str] = field(hash=False, compare=False)

    def param(self, key: str, default: Any = None) -> Any:
        """A key:value segment's value, a number or a word ('off'), whichever the key has (the
        caller knows which, hence Any); default when the name has no such segment."""
        return self.params.get(key, default)


def parse_name(name: str) -> BenchName:
    text = strip_suffixes(name)
    parts = text.split("/")
    if not parts[0]:
        raise ReportError(f"benchmark name without a scenario: {name!r}")
    labels: list[str] = []
    params: dict[str, int | float | str] = {}
    for part in parts[1:]:
        key, sep, value = part.partition(":")
        if sep:
            params[key] = _value(value)
        else:
            labels.append(part)
    return BenchName(text=text, scenario=parts[0], labels=tuple(labels), params=params)


@dataclass
class Run:
    """One benchmark: its repetitions' counters, or the error that stopped it."""
    name: BenchName
    reps: list[Entry] = field(default_factory=list)  # one dict of counters per repetition
    error_message: str | None = None         # set when a repetition reported error_occurred
    failed_reps: int = 0                     # repetitions that reported error_occurred
    spectrum: dict[str, Any] | None = None   # spectra.json entry: samples, percentiles

    @property
    def failed(self) -> bool:
        return self.error_message is not None

    def values(self, counter: str) -> list[float]:
        return [rep[counter] for rep in self.reps if isinstance(rep.get(counter), (int, float))]

    def median(self, counter: str) -> float | None:
        return stats.median(self.values(counter))

    def cv(self, counter: str) -> float | None:
        return stats.cv(self.values(counter))

    def total(self, counter: str) -> float:
        return sum(self.values(counter))

    def per_rep(self, numerator: str, denominator: str, scale: float = 1.0) -> float | None:
        """The median over repetitions of numerator/denominator (e.g. connections per request)."""
        ratios = [scale * r[numerator] / r[denominator] for r in self.reps
                  if isinstance(r.get(numerator), (int, float)) and r.get(denominator)]
        return stats.median(ratios)

    @property
    def errors(self) -> float:
        """Failed requests summed over all repetitions."""
        return self.total("errors")

    def errors_by_kind(self) -> dict[str, float]:
        kinds: dict[str, float] = {}
        for rep in self.reps:
            for key, value in rep.items():
                # errors_per_s is a rate beside the counts (bench writes it for every run), not a kind.
                if key.startswith("errors_") and key != "errors_per_s" and isinstance(value, (int, float)) and value:
                    kind = key[len("errors_"):]
                    kinds[kind] = kinds.get(kind, 0) + value
        return kinds

    @property
    def flagged(self) -> bool:
        """A run whose numbers should not be taken at face value."""
        return self.failed or self.errors > 0

    def percentile(self, p: float) -> float | None:
        """Latency (us) at percentile p from spectra.json, None if absent."""
        if not self.spectrum:
            return None
        for point, value in self.spectrum.get("percentiles", []):
            if abs(point - p) < 1e-9:
                return value
        return None


@dataclass
class Results:
    scenario: str
    directory: str
    context: dict[str, Any]
    runs: list[Run]  # in the order bench.json lists them
    run: dict[str, Any] | None = None  # run.json, when bench wrote one
    # series.json "benchmarks": {benchmark name: {key: [values]}}
    series_data: dict[str, dict[str, list[float]]] | None = None

    def series(self, benchmark: str, key: str) -> list[float] | None:
        """A benchmark's values over time from series.json (its last repetition), None if absent."""
        return (self.series_data or {}).get(strip_suffixes(benchmark), {}).get(key)

    def ctx(self, key: str, default: Any = None) -> Any:
        """A field of bench.json's context (JSON: text, numbers, lists); default when absent."""
        return self.context.get(key, default)

    @property
    def repetitions(self) -> int | float | str | None:
        """The repetitions the context states (suite_repetitions, as bench wrote it), else the most
        any benchmark measured; None without repetitions."""
        stated = self.ctx("suite_repetitions")
        if stated:
            return _value(stated)
        counts = [len(r.reps) for r in self.runs if r.reps]
        return max(counts) if counts else None

    @property
    def repetitions_label(self) -> int | float | str | None:
        """'10', or '4–10' when an adaptive run repeated its benchmarks unequally: for footers."""
        counts = self.repetition_counts
        if counts and counts[0] != counts[-1]:
            return f"{counts[0]}–{counts[-1]}"
        return self.repetitions

    def run_info(self, key: str, default: Any = None) -> Any:
        """A field of run.json; default without run.json or the field."""
        return (self.run or {}).get(key, default)

    @property
    def repetition_counts(self) -> list[int]:
        """Repetitions measured per benchmark, failed benchmarks left out (sorted)."""
        return sorted(len(r.reps) for r in self.runs if r.reps and not r.failed)

    @property
    def mode(self) -> str | None:
        """default | quick | reference, from run.json or the context (suite_mode); 'quick' for an
        older quick run (suite_quick); None when the run does not say."""
        mode = self.run_info("mode") or self.ctx("suite_mode")
        if mode:
            return str(mode)
        return "quick" if str(self.ctx("suite_quick", "")).lower() in ("true", "1", "yes") else None

    @property
    def quick(self) -> bool:
        return self.mode == "quick" or str(self.ctx("suite_quick", "")).lower() in ("true", "1", "yes")


def first_median(runs: list[Run], counter: str, default: float | None = None) -> float | None:
    """The median of `counter` in the first of `runs` that has one: a setting the runs share (a
    delay, a client count) read from whichever run reported it; default when none did."""
    for r in runs:
        v = r.median(counter)
        if v is not None:
            return v
    return default


def _read_json(path: str, what: str) -> Any:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise ReportError(f"{what} not found: {path}") from None
    except json.JSONDecodeError as e:
        raise ReportError(f"{what} is not valid JSON: {path}: {e}") from None


def group_benchmarks(entries: Iterable[Entry]) -> list[Run]:
    """Google Benchmark entries -> Runs in first-seen order (aggregates ignored)."""
    runs: dict[str, Run] = {}
    for entry in entries:
        if entry.get("run_type") == "aggregate":
            continue
        raw = entry.get("run_name") or entry.get("name")
        if not raw:
            raise ReportError(f"benchmark entry without a name: {entry!r:.200}")
        name = parse_name(raw)
        run = runs.setdefault(name.text, Run(name=name))
        if entry.get("error_occurred"):
            run.error_message = entry.get("error_message") or "error (no message)"
            run.failed_reps += 1
        else:
            run.reps.append(entry)
    return list(runs.values())


def load(out_dir: str, scenario: str) -> Results:
    directory = os.path.join(out_dir, scenario)
    bench = _read_json(os.path.join(directory, "bench.json"), "bench.json")
    if not isinstance(bench, dict) or not isinstance(bench.get("benchmarks"), list):
        raise ReportError(f"{directory}/bench.json has no \"benchmarks\" list")
    runs = group_benchmarks(bench["benchmarks"])
    if not runs:
        raise ReportError(f"{directory}/bench.json lists no benchmarks")
    others = sorted({r.name.scenario for r in runs} - {scenario})
    if others:
        raise ReportError(f"{directory}/bench.json holds benchmarks of other scenarios: {', '.join(others)}")

    # spectra.json is optional: a report without it loses only the p99.9 column.
    spectra_path = os.path.join(directory, "spectra.json")
    spectra = _read_json(spectra_path, "spectra.json") if os.path.exists(spectra_path) else {}
    for run in runs:
        run.spectrum = spectra.get("benchmarks", {}).get(run.name.text)

    # run.json is optional too (older results have none); an unreadable one is an error, as for
    # spectra.json, rather than a setup table that silently says less.
    run_path = os.path.join(directory, "run.json")
    run_info = _read_json(run_path, "run.json") if os.path.exists(run_path) else None
    if run_info is not None and not isinstance(run_info, dict):
        raise ReportError(f"{run_path} is not a JSON object")
    # series.json: only scenarios that record values over time write one.
    series_path = os.path.join(directory, "series.json")
    series_data = _read_json(series_path, "series.json") if os.path.exists(series_path) else {}
    if not isinstance(series_data, dict) or not isinstance(series_data.get("benchmarks", {}), dict):
        raise ReportError(f"{series_path} has no \"benchmarks\" object")
    return Results(scenario=scenario, directory=directory, context=bench.get("context", {}), runs=runs,
                   run=run_info, series_data=series_data.get("benchmarks", {}))
