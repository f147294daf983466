"""How long each mode of each scenario takes, from the runs themselves.

bench writes DIR/<scenario>/run.json at the end of every run (mode, measuring
time, repetitions, why it stopped). `scripts/report --record-durations DIR`
merges the finished runs under DIR into results/durations.json (one entry
per scenario and mode: the latest run recorded) and writes the table to
results/DURATIONS.md, a generated page (files.write_generated), so the
durations the docs link to are measured, never typed. Without a DIR it
rewrites the page from results/durations.json alone.

Two more records sit beside it in results/whole_runs.json, both shown on the page:
- a whole run per mode, from the DIR/whole_run.json bench writes at the end of every run: its
  wall time from start to the last page (reports, guide and comparison included), recorded only
  when the run covered every scenario;
- the first result from a fresh clone (scripts/first-result --record): the build, the first
  factor on screen and the end of `scripts/bench --filter=pooling`, with an empty ccache.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any

from . import files, fmt

# results/durations.json: {scenario: {mode: entry}}, each entry a finished run's measuring time,
# repetitions, stop reason and date (JSON).
Record = dict[str, dict[str, dict[str, Any]]]

MODES = ("quick", "default", "reference")
PAGE_NAME = "DURATIONS.md"
WHOLE_RUNS_NAME = "whole_runs.json"  # {"runs": {mode: entry}, "first_result": entry}


def read_json(path: str) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def finished_runs(directory: str) -> dict[tuple[str, str], dict[str, Any]]:
    """{(scenario, mode): run.json} for the runs under directory that ended normally."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    if not os.path.isdir(directory):
        return out
    for name in sorted(os.listdir(directory)):
        run = read_json(os.path.join(directory, name, "run.json"))
        if not run or run.get("stop") in (None, "interrupted", "failed") or run.get("mode") not in MODES:
            continue
        if not isinstance(run.get("measure_s"), (int, float)):
            continue
        out[(run.get("scenario", name), run["mode"])] = run
    return out


def merge(record: Record, runs: dict[tuple[str, str], dict[str, Any]]) -> Record:
    """record: {scenario: {mode: entry}}; runs: finished_runs(). Returns the merged record."""
    merged = {s: dict(m) for s, m in record.items()}
    for (scenario, mode), run in runs.items():
        merged.setdefault(scenario, {})[mode] = {
            "measure_s": round(float(run["measure_s"]), 1),
            "repetitions_min": run.get("repetitions_min"),
            "repetitions_max": run.get("repetitions_max"),
            "stop": run.get("stop"),
            "finished": run.get("finished"),
            "command": run.get("command"),
        }
    return merged


def whole_run(directory: str) -> dict[str, Any] | None:
    """directory/whole_run.json when it records a run of every scenario, else None."""
    run = read_json(os.path.join(directory, "whole_run.json"))
    if not run or not run.get("every_scenario") or run.get("mode") not in MODES:
        return None
    if not all(isinstance(run.get(k), (int, float)) for k in ("wall_s", "measure_s")):
        return None
    return run


def merge_whole_runs(whole: dict[str, Any], directories: Iterable[str]) -> dict[str, Any]:
    merged = dict(whole)
    merged["runs"] = dict(whole.get("runs", {}))
    for d in directories:
        run = whole_run(d)
        if run:
            merged["runs"][run["mode"]] = {
                "wall_s": round(float(run["wall_s"]), 1), "measure_s": round(float(run["measure_s"]), 1),
                "scenarios": len(run.get("scenarios", [])), "finished": run.get("finished"),
                "command": run.get("command")}
    return merged


def whole_runs_section(whole: dict[str, Any]) -> str:
    """The page's lines on whole runs and on the first result ('' when neither is recorded)."""
    out = []
    runs = whole.get("runs", {})
    if runs:
        rows = [[f"`--{m}`" if m != "default" else "default", str(e.get("scenarios", "")),
                 _minutes(e["wall_s"]), _minutes(e["measure_s"]), (e.get("finished") or "")[:10],
                 f"`{e.get('command', '')}`"]
                for m in MODES if (e := runs.get(m))]
        out.append("## A whole run\n\nEvery scenario in one `build/bench` run, from its start to the last page "
                   "(measuring, reports, the guide and the comparison with the reference; not the build):\n\n"
                   + fmt.table(["mode", "scenarios", "wall time", "of which measuring", "date", "command"], rows))
    first = whole.get("first_result")
    if first:
        out.append("## From a fresh clone to the first figure\n\n"
                   "`scripts/first-result` clones the repository, empties ccache and runs "
                   f"`{first.get('command', 'scripts/bench --filter=pooling')}` as a new user would, on this "
                   f"machine ({(first.get('finished') or '')[:10]}, packages installed):\n\n"
                   + fmt.table(["step", "after"], [
                       ["the build done (mockd, bench)", _minutes(first["build_s"])],
                       ["the first pooled ÷ unpooled factor on the progress line", _minutes(first["first_factor_s"])],
                       ["pooling's table and factors", _minutes(first["table_s"])],
                       ["the report written, the run over", _minutes(first["exit_s"])]]))
    return "\n\n".join(out)


def timed_seconds(bench_json_path: str) -> float | None:
    """The sum of a bench.json's timed runs (real_time, plus a Python model's start-up): a lower
    bound of its measuring time, for runs made before bench wrote run.json. None if unreadable."""
    data = read_json(bench_json_path)
    if not data:
        return None
    total = 0.0
    for b in data.get("benchmarks", []):
        if b.get("run_type") != "iteration" or b.get("error_occurred"):
            continue
        scale = {"ms": 1e-3, "us": 1e-6, "ns": 1e-9, "s": 1.0}.get(b.get("time_unit", "ms"), 1e-3)
        total += float(b.get("real_time", 0)) * scale + float(b.get("startup_ms", 0) or 0) / 1000
    return total


def _cell(entry: dict[str, Any] | None) -> str:
    if not entry:
        return "not recorded yet"
    if entry.get("timed_only"):
        return f"over {_minutes(entry['measure_s'])} (timed runs only; measured before `run.json`)"
    s = entry["measure_s"]
    when = (entry.get("finished") or "")[:10]
    lo, hi = entry.get("repetitions_min"), entry.get("repetitions_max")
    reps = "" if lo is None else (f"{lo}" if lo == hi else f"{lo}–{hi}")
    text = f"{_minutes(s)}"
    if reps:
        text += f", {reps} reps"
    return text + (f" ({when})" if when else "")


def _minutes(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def table(record: Record) -> str:
    rows = [[f"`{scenario}`"] + [_cell(modes.get(m)) for m in MODES] for scenario, modes in sorted(record.items())]
    return fmt.table(["scenario", "`--quick`", "default", "`--reference`"], rows)


def render_page(record: Record, whole: dict[str, Any] | None = None) -> str:
    section = whole_runs_section(whole or {})
    return ("# How long each scenario takes\n\n"
            "<!-- Generated by scripts/report --record-durations from durations.json: do not edit by hand. -->\n\n"
            "Measuring time per scenario and mode on the machine the committed results come from "
            "(2 cores), as the runs recorded it (`run.json`), excluding the build and the report:\n\n"
            + table(record) + "\n\n"
            "After a run, `scripts/report --record-durations results-local` records its `run.json` in "
            "`results/durations.json` and regenerates this page; without a directory it rewrites the page "
            "from `results/durations.json` alone.\n"
            + (f"\n{section}\n" if section else ""))


def write_page(page_path: str, record: Record, whole: dict[str, Any] | None = None) -> str:
    """Writes the generated page; refuses (files.ForeignFile) to replace a file without the marker."""
    files.write_generated(page_path, render_page(record, whole))
    return page_path


def with_reference_lower_bounds(record: Record, reference_dir: str) -> Record:
    """For a committed reference without a recorded duration, the sum of its timed runs."""
    merged = {s: dict(m) for s, m in record.items()}
    if not os.path.isdir(reference_dir):
        return merged
    for name in sorted(os.listdir(reference_dir)):
        if "reference" in merged.get(name, {}):
            continue
        seconds = timed_seconds(os.path.join(reference_dir, name, "bench.json"))
        if seconds:
            merged.setdefault(name, {})["reference"] = {"measure_s": round(seconds, 1), "timed_only": True}
    return merged


def record_durations(run_dirs: Iterable[str], record_path: str, page_path: str) -> tuple[str, Record]:
    """Merges the finished runs under run_dirs (none: nothing new) into record_path and writes the
    table to page_path; returns (page_path, record)."""
    if not files.is_generated(page_path):  # checked first, so a refusal leaves durations.json as it was
        raise files.ForeignFile(f"{page_path} was not written by scripts/report (no '{files.GENERATED_MARKER}' "
                                f"line near its top): not replacing it")
    run_dirs = list(run_dirs)  # read twice: the scenarios' runs, then the whole runs
    record = read_json(record_path) or {}
    # An entry estimated from timed runs gives way to a recorded run.
    record = {s: {m: e for m, e in modes.items() if not e.get("timed_only")} for s, modes in record.items()}
    for d in run_dirs:
        record = merge(record, finished_runs(d))
    record = with_reference_lower_bounds(record, os.path.dirname(record_path))
    files.write_text(record_path, json.dumps(record, indent=1, sort_keys=True) + "\n")
    whole_path = os.path.join(os.path.dirname(record_path), WHOLE_RUNS_NAME)
    whole = read_json(whole_path) or {}
    merged = merge_whole_runs(whole, run_dirs)
    if merged["runs"] or len(merged) > 1:  # nothing recorded yet: no file
        files.write_text(whole_path, json.dumps(merged, indent=1, sort_keys=True) + "\n")
    return write_page(page_path, record, merged), record
