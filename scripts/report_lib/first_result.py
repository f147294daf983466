"""scripts/first-result: how long a new user waits for the first figure, measured as they would meet it.

It clones the repository into a temporary folder, points ccache at an empty cache, and runs the
README's main job, `scripts/bench --filter=pooling`, under a pseudo-terminal (so the progress line
is drawn as on a user's screen), stamping the moments a user sees:

- build_s: the build is over and measuring starts (the first "round 1" line);
- first_factor_s: the progress line first shows a pooled ÷ unpooled factor ("factor so far");
- table_s: pooling's table and factors are printed ("pooling: measured for");
- exit_s: the run is over (report written, comparison printed).

`--record` stores them in results/whole_runs.json ("first_result") and regenerates
results/DURATIONS.md, so the README's build time is a measurement with its command, never typed.
The machine should be otherwise idle: a build beside it makes the figure say more about the
neighbour than about the suite.
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import pty
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import NoReturn

from . import durations, files

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMMAND = ["scripts/bench", "--filter=pooling"]

# What the screen shows at each moment, in the order a run shows them.
MARKS = (("build_s", "pooling: round 1,"), ("first_factor_s", "factor so far"),
         ("table_s", "pooling: measured for"))


def marks_from(chunks: Iterable[tuple[float, str]]) -> dict[str, float]:
    """{mark: seconds} for the first chunk of output holding each mark's text. A text split across
    two chunks is found too: each chunk is searched with the tail of the one before."""
    found: dict[str, float] = {}
    tail = ""
    for at, text in chunks:
        window = tail + text
        for mark, needle in MARKS:
            if mark not in found and needle in window:
                found[mark] = at
        tail = window[-64:]
    return found


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one clear line and exit 2, as every tool here
        print(f"first-result: {message}", file=sys.stderr)
        sys.exit(2)


def _die_with_parent() -> None:
    """In the child: SIGKILL when first-result goes, so no bench outlives it (prctl PR_SET_PDEATHSIG)."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


def run(source: str, work: str, time_limit_s: float, log_path: str | None) -> tuple[dict[str, float], int]:
    """Clones source into work, runs the main job there with an empty ccache; (marks, exit status)."""
    clone = os.path.join(work, "clone")
    subprocess.run(["git", "clone", "-q", source, clone], check=True)
    env = dict(os.environ, CCACHE_DIR=os.path.join(work, "ccache"))
    started = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:  # the child: the clone's own script, no shell
        try:
            _die_with_parent()
            os.chdir(clone)
            os.execve(os.path.join(clone, COMMAND[0]), COMMAND + ["--out", os.path.join(work, "out")], env)
        finally:
            os._exit(127)
    chunks: list[tuple[float, str]] = []
    log = open(log_path, "w", encoding="utf-8") if log_path else None
    try:
        while time.monotonic() - started < time_limit_s:
            ready, _, _ = select.select([fd], [], [], 1.0)
            if not ready:
                continue
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            at = time.monotonic() - started
            text = data.decode(errors="replace")
            chunks.append((at, text))
            if log:
                log.write(f"[{at:7.1f}] {text.replace(chr(13), chr(10))}")
        else:
            os.kill(pid, signal.SIGKILL)
    finally:
        if log:
            log.close()
    _, status = os.waitpid(pid, 0)
    found = marks_from(chunks)
    found["exit_s"] = time.monotonic() - started
    return found, os.waitstatus_to_exitcode(status)


def record(found: dict[str, float], results_dir: str) -> None:
    """Stores the marks as first_result in results_dir/whole_runs.json and regenerates the page."""
    path = os.path.join(results_dir, durations.WHOLE_RUNS_NAME)
    whole = durations.read_json(path) or {}
    entry: dict[str, float | str] = {k: round(v, 1) for k, v in found.items()}
    entry["command"] = " ".join(COMMAND)
    entry["finished"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S%z")
    whole["first_result"] = entry
    files.write_text(path, json.dumps(whole, indent=1, sort_keys=True) + "\n")
    durations.record_durations([], os.path.join(results_dir, "durations.json"),
                               os.path.join(results_dir, durations.PAGE_NAME))


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="scripts/first-result",
                     description="Times `scripts/bench --filter=pooling` from a fresh clone with an empty ccache.")
    parser.add_argument("--source", default=REPO, help="the repository to clone (default: this one)")
    parser.add_argument("--record", action="store_true",
                        help="store the figures in results/whole_runs.json and regenerate results/DURATIONS.md")
    parser.add_argument("--time-limit", type=float, default=1800.0, help="seconds before the run is killed")
    parser.add_argument("--log", help="write the timestamped screen output to this file")
    args = parser.parse_args(argv)
    if not 0 < args.time_limit <= 86_400:
        parser.error("--time-limit: must be in (0, 86400] seconds")
    with tempfile.TemporaryDirectory(prefix="first-result.") as work:
        found, status = run(args.source, work, args.time_limit, args.log)
    missing = [mark for mark, _ in MARKS if mark not in found]
    for mark, seconds in found.items():
        print(f"first-result: {mark} {seconds:.1f}")
    if status != 0 or missing:
        print(f"first-result: the run exited {status}" + (f"; never shown: {', '.join(missing)}" if missing else ""),
              file=sys.stderr)
        return 1
    if args.record:
        record(found, os.path.join(REPO, "results"))
        print("first-result: recorded in results/whole_runs.json and results/DURATIONS.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
