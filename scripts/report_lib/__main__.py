"""Command line: python -m report_lib --out DIR --scenario NAME [--no-charts], or
python -m report_lib --record-durations [DIR ...] (results/DURATIONS.md: durations.py), or
python -m report_lib --guide DIR (DIR/GUIDE.md, the interview guide: guide.py), or
python -m report_lib --between-runs DIR [DIR ...] (results/between_runs.json: between_runs.py), or
python -m report_lib --compare A B [--every-figure] (two runs side by side: compare.py).
Prints the page's path, the index's path, the verdict line, then one line per
headline figure: 'report: <label>: 6.06x (95 % CI 5.81–6.32x, ±4.3 %)'.
Bad input ends with a one-line message on stderr and exit status 2."""
from __future__ import annotations

import argparse
import os
import signal
import sys
import types
from typing import NoReturn

from . import between_runs, compare, durations, files, guide, headline, index, page, results, scenarios

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/report",
                                     description="Writes DIR/NAME/README.md (+ charts) and the index DIR/README.md.")
    parser.add_argument("--out", metavar="DIR", help="results directory (holds NAME/bench.json)")
    parser.add_argument("--scenario", metavar="NAME", help="one of: " + ", ".join(scenarios.known()))
    parser.add_argument("--no-charts", action="store_true", help="skip the charts (matplotlib not needed)")
    parser.add_argument("--record-durations", nargs="*", metavar="DIR",
                        help="merge the finished runs' run.json under each DIR into results/durations.json "
                             "and write its table to results/DURATIONS.md (no DIR: rewrite the page from "
                             "results/durations.json alone)")
    parser.add_argument("--between-runs", nargs="+", metavar="DIR",
                        help="measure how far each headline figure and verdict check moves between whole runs "
                             "(the reference results/ and reruns: DIR holds NAME/bench.json) and write "
                             "results/between_runs.json, which widens every page's intervals by it")
    parser.add_argument("--guide", metavar="DIR",
                        help="write DIR/GUIDE.md, the interview guide, from every DIR/NAME/bench.json")
    parser.add_argument("--compare", nargs=2, metavar=("A", "B"),
                        help="print every scenario in both results directories side by side: headline figures, "
                             "verdict words and the checks that changed")
    parser.add_argument("--every-figure", action="store_true",
                        help="with --compare: every figure side by side, not only those that differ")
    args = parser.parse_args(argv)
    if args.compare:
        try:
            found = compare.compare(*args.compare)
        except results.ReportError as e:
            return _fail(str(e))
        print("\n".join(compare.summary_lines(found, every_figure=args.every_figure)))
        return 0
    if args.guide:
        if not os.path.isdir(args.guide):
            return _fail(f"--guide {args.guide}: no such directory")
        try:
            print(f"report: {guide.write(args.guide)}")
        except files.ForeignFile as e:
            return _fail(str(e))
        return 0
    if args.between_runs:
        missing = [d for d in args.between_runs if not os.path.isdir(d)]
        if missing:
            return _fail(f"--between-runs {missing[0]}: no such directory")
        target, _table, measured = between_runs.write(args.between_runs, os.path.join(REPO, "results"))
        if not measured["scenarios"]:
            return _fail("--between-runs: no scenario has two or more non-quick runs under those directories")
        for name, entry in sorted(measured["scenarios"].items()):
            print(f"report: {name}: {len(entry['spreads'])} headline figures over {entry['runs']} runs")
        print(f"report: {target}")
        return 0
    if args.record_durations is not None:
        missing = [d for d in args.record_durations if not os.path.isdir(d)]
        if missing:
            return _fail(f"--record-durations {missing[0]}: no such directory")
        try:
            page_path, record = durations.record_durations(
                args.record_durations, os.path.join(REPO, "results", "durations.json"),
                os.path.join(REPO, "results", durations.PAGE_NAME))
        except files.ForeignFile as e:
            return _fail(str(e))
        print(f"report: durations of {sum(len(m) for m in record.values())} runs in results/durations.json "
              f"and {os.path.relpath(page_path, REPO)}")
        return 0
    if not args.out or not args.scenario:
        return _fail("--out and --scenario are required (or --record-durations DIR)")

    module = scenarios.get(args.scenario)
    if module is None:
        return _fail(f"unknown scenario '{args.scenario}' (known: {', '.join(scenarios.known())})")
    if not os.path.isdir(args.out):
        return _fail(f"--out {args.out}: no such directory")
    # Both pages checked before either is written, so a refusal leaves nothing half done.
    for path in (os.path.join(args.out, args.scenario, "README.md"), os.path.join(args.out, "README.md")):
        if not files.is_generated(path):
            return _fail(f"{path} was not written by scripts/report (no '{files.GENERATED_MARKER}' line near "
                         f"its top): not replacing it; give --out a folder of its own")
    try:
        loaded = results.load(args.out, args.scenario)
        written = page.write_page(module, loaded, charts=not args.no_charts)
        idx = index.write(args.out)
    except (results.ReportError, files.ForeignFile) as e:
        return _fail(str(e))
    with between_runs.active(args.scenario):
        print(f"report: {written}\nreport: {idx}\nreport: {page.verdict_line(module.verdict(loaded), loaded)}")
        # The figures a reader quotes, one line each with its interval: bench shows them at the end of a run.
        figures = module.headline(loaded)
        if any(f.between for f in figures):
            # The verdict line above quotes this run's own intervals; say what these ones cover.
            print(f"report: headline figures; each interval also covers the spread between whole runs "
                  f"({between_runs.current_runs()} runs, results/{between_runs.FILE_NAME}):")
        for line in headline.cli_lines(figures):
            print(line)
    return 0


def _fail(message: str) -> int:
    print(f"report: {message}", file=sys.stderr)
    return 2


def _exit_on_sigterm(signum: int, _frame: types.FrameType | None) -> NoReturn:
    # bench stops the report with SIGTERM (Ctrl-C on bench): raised as an exit, so the
    # atomic writes' clean-up (files.py) removes a half-written page or chart first.
    sys.exit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    sys.exit(main())
