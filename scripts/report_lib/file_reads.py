"""Scenario files (claim C11): "async" file libraries such as aiofiles read
files asynchronously. verdict() gives the one-line verdict for the index;
page.write_page() writes charts/ and README.md under DIR/files/ from the shared
page parts (page.py) plus this module's prose. Every figure comes from the
results.

The module is file_reads, not files, because report_lib/files.py is the
atomic-write helper every page uses; NAME is the scenario's name, "files". Its charts are
file_reads_charts (page.write_page imports <report module>_charts).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import fmt, headline as hl, page
from . import file_reads_verdict as fv
from .stats import Interval

if TYPE_CHECKING:
    from . import results

NAME = "files"
TITLE = "C11 files: what \"async\" file reads are made of"
HEADLINE_CHART = "charts/files_ratios.png"

CLAIM = (
    "Interview material presents `aiofiles` as the way to read files \"asynchronously\" from asyncio: open "
    "and read many files concurrently with `await`, and the event loop stays free while the disk works. "
    "The catch is in the operating system: regular files have no readiness. `epoll` refuses them "
    "(`epoll_ctl` fails with EPERM, so asyncio's `loop.add_reader` on a file raises `PermissionError`) and "
    "`select`/`poll` report them always ready, even when a `read()` would wait on the disk. So "
    "there is nothing for an event loop to wait on, and aiofiles hands each `open`, `read` and `close` to "
    "the loop's default thread pool instead. This scenario reads the same files every way side by side: "
    "in Python plain `open().read()` in a loop, `aiofiles` gathered, and `asyncio.to_thread` gathered; in "
    "C++ sequential `read()`, a thread pool the size of Python's default executor, and io_uring (the "
    "kernel interface that does complete file reads asynchronously, driven by one thread). It counts the "
    "threads that ran the reads, and checks every file's size and checksum. Files sit on tmpfs (memory) "
    "and on the machine's disk, with the page cache warm or dropped.")


def verdict(results: results.Results) -> fv.Verdict:
    return fv.decide(results.runs)


# A cold read's speed is the virtual disk's and its host's cache's, not the reader's mechanism.
COLD_DISK = "the speed of this machine's disk for uncached reads"


def headline(results: results.Results) -> list[hl.Figure]:
    """The three ratios the issue asks for, per place of the many-small-files shape (the material's
    case): aiofiles ÷ plain reads, thread pool ÷ sequential, io_uring ÷ sequential, MiB/s, each with its
    95 % CI; then the same for the large-file shape where it was measured."""
    runs = results.runs
    v = fv.decide(runs)
    out = []
    for shape in fv.shapes(runs):
        for place in fv.places(runs):
            for pair in (fv.RULE_PAIR, ("thread_pool", "sequential"), ("io_uring", "sequential")):
                ci = v.ratios.get((pair, place, shape))
                label = (f"{fv.READER_LABEL[pair[0]]} ÷ {fv.READER_LABEL[pair[1]]}, "
                         f"{fv.where_label(place, shape)}")
                out.append(hl.figure(label, ci, setup=COLD_DISK if place == "disk_cold" else ""))
    return hl.measured(out)


def sections(results: results.Results, charts_written: dict[str, list[str]], v: fv.Verdict) -> list[str]:
    """The page between its claim and its footer (see page.write_page)."""
    return [
        "## Setup\n\n" + _setup(results),
        "## Charts\n\n" + _charts(charts_written, results.runs),
        "## Verdict\n\n" + _verdict_section(results.runs, v),
        "## Why\n\n" + _why(results.runs, v),
        "## In an interview\n\n" + _interview(results.runs, v),
        "## Caveats\n\n" + _caveats(results),
        "## Numbers\n\n" + _numbers(results),
        "## Errors\n\n" + _errors(results),
    ]


def _median(run: results.Run | None, counter: str) -> float | None:
    return None if run is None or run.failed else run.median(counter)


def _setup(results: results.Results) -> str:
    runs = results.runs
    fs_names = sorted({(fv.key(r).place, (r.reps[0].get("label") or "").split(",")[0].split(";")[0])
                       for r in runs if r.reps})
    filesystems = "; ".join(f"{fv.PLACE_LABEL.get(p, p)}: {name or 'not recorded'}" for p, name in fs_names
                            if p in fv.PLACE_LABEL) or "not recorded"
    pool = next((r for r in runs if fv.key(r).reader == "thread_pool"), None)
    ring = next((r for r in runs if fv.key(r).reader == "io_uring"), None)
    shapes = ", ".join(fv.shape_label(s) for s in fv.shapes(runs))
    rows = [
        ("files", f"{shapes} (pseudo-random bytes, different in every file), written once per bench process "
                  "with `fdatasync`, removed at its exit"),
        ("places", "`tmpfs_warm`: /dev/shm (tmpfs: the files are in memory); `disk_warm`: /var/tmp on the "
                   "machine's disk, every page read into the page cache before each repetition; `disk_cold`: "
                   "the same files with their pages dropped before each repetition (`posix_fadvise(DONTNEED)` "
                   f"per file, checked with `mincore`). File systems seen: {filesystems}"),
        ("C++ readers (in bench)", "`sequential`: `open`, `read` until the size, `close`, file after file on one "
                                   "thread; `thread_pool`: "
                                   + (f"{fmt.count(pool.name.param('workers'))} threads" if pool else "W threads")
                                   + " (Python's default executor size, min(32, CPUs + 4)) taking the next file "
                                     "from a shared counter; `io_uring`: one thread opens each file and keeps "
                                   + (f"{fmt.count(ring.name.param('qd'))}" if ring else "Q")
                                   + " reads in flight on a ring (liburing), reaping completions and resubmitting "
                                     "short reads"),
        ("Python readers (one child `/usr/bin/python3`, kept for the run)",
         "`py_plain`: `with open(p, 'rb') as f: f.read()` file after file; `py_aiofiles`: `async with "
         "aiofiles.open(p, 'rb') as f: await f.read()` for every file, `asyncio.gather`ed; `py_to_thread`: "
         "`asyncio.to_thread(read_file, p)` for every file, gathered. A fresh loop per repetition "
         "(`asyncio.run`), so the default executor starts its threads inside the timed run"),
        ("CPUs", "readers allowed " + _cpus_text(runs) + " (bench pins itself to CPU 0; while a C++ reader runs, "
                 "its thread and the threads it starts may use every online CPU, and the Python child allows "
                 "itself every CPU at start, so no pool is squeezed onto one core)"),
        ("timed", "from the first open to the last byte (C++: in bench; Python: `time.perf_counter` in the "
                  "child, without the interpreter's start-up); sizes and Adler-32 checksums are checked after "
                  "the clock stops"),
        ("reading threads", "C++: the distinct thread ids that ran a read; Python: the threads whose `rchar` in "
                            "`/proc/self/task/<tid>/io` (bytes read, kept by the kernel per thread) grew by at "
                            "least one file during the run. io_uring's own kernel workers (`iou-wrk`) are "
                            "counted apart"),
    ]
    return page.setup_table(results, rows)


def _cpus_text(runs: list[results.Run]) -> str:
    counts = sorted({c for r in runs for c in r.values("cpus_allowed")})
    return " to ".join(fmt.count(c) for c in counts) + " CPUs" if counts else "a number of CPUs not recorded"


def partial_grid_text(runs: list[results.Run]) -> str:
    """What a run that left readers out (bench's default grid) did not measure, and where that is
    measured; '' for a full grid."""
    missing = fv.unmeasured(runs)
    if not missing:
        return ""
    where = "; ".join(f"{fv.where_label(p, s)}: {', '.join(f'`{r}`' for r in readers)}" for p, s, readers in missing)
    return (f"This run measured the readers its verdict, headline figures and the interview guide read, not every "
            f"reader at every place (bench's default grid). Not measured here: {where}. `bench --reference` "
            f"measures every reader at every place and file shape, as the committed reference (`results/files/`) "
            f"does.")


def _charts(written: dict[str, list[str]], runs: list[results.Run]) -> str:
    partial = partial_grid_text(runs)
    return (partial + "\n\n" if partial else "") + page.charts_section(written, {
        "files_ratios": "Each reader's MiB/s ÷ its own language's one-thread baseline, with the 95 % confidence "
                        "interval, on a log axis, per place; one panel per file shape. Above 1 is faster than "
                        "reading one file after another.",
        "files_throughput": "MiB/s of every reader (median over the repetitions, bars: min–max), per place; "
                            "C++ filled, Python hollow. Compare within a language: the Python readers pay the "
                            "interpreter on every call.",
        "files_threads": "Threads that ran read calls (median over the repetitions), per reader; io_uring's "
                         "kernel workers stacked, hatched.",
    })


def _verdict_section(runs: list[results.Run], v: fv.Verdict) -> str:
    out = [page.verdict_section(fv.RULE_TEXT, v, v.checks, "file_reads_verdict.py")]
    if v.beside_rule:
        out.append(f"Beside the rule (depends on the setup: {COLD_DISK}): "
                   + "; ".join(f"{c.name}: {c.figure}" for c in v.beside_rule) + ".")
    rows = []
    for shape in fv.shapes(runs):
        for place in fv.places(runs):
            for pair in fv.PAIRS:
                a, b = fv.find(runs, pair[0], place, shape), fv.find(runs, pair[1], place, shape)
                if a is None or b is None:  # a side not measured here (the default grid): no pair
                    continue
                ci = v.ratios.get((pair, place, shape))
                rows.append([f"{fv.READER_LABEL[pair[0]]} ÷ {fv.READER_LABEL[pair[1]]}",
                             fv.where_label(place, shape), _rate(a), _rate(b),
                             fmt.factor_ci(*ci) if ci else fmt.DASH])
    if rows:
        out.append("Every pair (MiB/s: medians over the repetitions; the ratio is paired, repetition by "
                   "repetition):\n\n" + fmt.table(["pair", "where", "reader, MiB/s", "baseline, MiB/s",
                                                   "ratio (95 % CI)"], rows))
    return "\n\n".join(out)


def _rate(run: results.Run | None) -> str:
    if run is None:
        return fmt.DASH
    if run.failed:
        return f"skipped: {run.error_message}"
    return fmt.sig(run.median(fv.COUNTER)) + (" ⚠ errors" if run.flagged else "")


def _ratio_words(ci: Interval) -> str:
    return fmt.faster_ci(*ci) if ci else "not measured"


def _why(runs: list[results.Run], v: fv.Verdict) -> str:
    out = []
    if v.aiofiles_threads:
        lo, hi = v.aiofiles_threads
        aio = next((r for r in runs if fv.key(r).reader == "py_aiofiles" and fv.clean(r)), None)
        workers = _median(aio, "workers")
        out.append(f"- **aiofiles is a thread pool.** Its reads ran on {fv._count_text(v.aiofiles_threads)} "
                   f"threads per run" + (f", the default executor's {fmt.count(workers)} workers" if workers else "")
                   + ": each `await f.read()` is `loop.run_in_executor(None, f.read)`, a blocking `read()` on a "
                     "worker thread, and so are `open` and `close`, three hand-offs per file. The loop stays "
                     "free, as with `asyncio.to_thread`, but nothing is asynchronous below the pool.")
    out.append("- **Why not epoll.** The readiness APIs asyncio's loop waits on cannot say when a file read "
               "would not block: `epoll` refuses a regular file outright (`epoll_ctl` fails with EPERM; "
               "`loop.add_reader` on it raises `PermissionError`), and `select`/`poll` report it always "
               "readable, though a `read()` on it may still sleep on the disk. Sockets and pipes have "
               "readiness; files do not.")
    if v.io_uring_threads:
        kernel_workers = []
        for r in runs:
            k = fv.key(r)
            if k.reader == "io_uring" and fv.clean(r) and r.values("kernel_workers"):
                per_run = fv._range(r.values("kernel_workers"))
                assert per_run is not None  # values: checked above
                kernel_workers.append(f"{fv.where_label(k.place, k.shape)}: {fv._count_text(per_run)}")
        out.append(f"- **What asynchronous file I/O looks like.** io_uring's reads ran on "
                   f"{fv._count_text(v.io_uring_threads)} thread of ours: one thread submits many reads and reaps "
                   f"their completions, the kernel does the waiting. Where the kernel cannot start a read without "
                   f"blocking, it hands it to a worker thread of its own (`iou-wrk`); workers per run: "
                   + ("; ".join(kernel_workers) if kernel_workers else "not recorded")
                   + ". Python's asyncio has no io_uring file API, and aiofiles does not use one.")
    lines = []
    for shape in fv.shapes(runs):
        for place in fv.places(runs):
            parts = []
            for pair in fv.PAIRS:
                ci = v.ratios.get((pair, place, shape))
                if ci:
                    parts.append(f"{fv.READER_LABEL[pair[0]]} {_ratio_words(ci)}")
            if parts:
                lines.append(f"  - {fv.where_label(place, shape)}: " + "; ".join(parts) + ".")
    if lines:
        out.append("- **When concurrency pays.** Against each language's one-thread baseline:\n" + "\n".join(lines)
                   + "\n  A pool pays only when a read lasts longer than handing it over: aiofiles makes three "
                     "hand-offs per file (open, read, close), `to_thread` one, and in Python each ends by taking "
                     "the GIL back. A read of a small cached file is a short copy; a large file, or a read that "
                     "waits on the device, is long, and `read()` releases the GIL while it runs, so reads in "
                     "flight overlap, on several cores or at the device. io_uring overlaps them from one thread.")
    return "\n".join(out)


def _compared(ci: Interval) -> str | None:
    """'slower than', 'faster than' or 'no different from' plain reads, by the whole interval."""
    if ci is None or ci[1] is None or ci[2] is None:
        return None
    return "slower than" if ci[2] < 1 else "faster than" if ci[1] > 1 else "not measurably different from"


def _interview(runs: list[results.Run], v: fv.Verdict) -> str:
    text = ("> \"Regular files have no readiness: epoll refuses them (`loop.add_reader` on a file raises "
            "PermissionError) and select reports them always ready, so an event loop has nothing to "
            "wait on. aiofiles runs each open, read and close in the loop's default thread pool, like "
            "`asyncio.to_thread`: that keeps the loop responsive, but it is blocking I/O on threads, not "
            "asynchronous I/O. A pool only helps when each read is long, large files or a cold disk; for many small cached files the hand-offs cost more than the reads. Real asynchronous file "
            "I/O on Linux is io_uring, which Python's asyncio does not use.\"")
    said = []
    for (pair, place, shape), ci in v.ratios.items():
        if pair != fv.RULE_PAIR:
            continue
        words = _compared(ci)
        if words:
            said.append(f"{fv.where_label(place, shape)}: aiofiles was {words} plain reads "
                        f"({fmt.times(ci[0])}, {fmt.ci(ci[1], ci[2])})")
    threads = fv._count_text(v.aiofiles_threads) if v.aiofiles_threads else None
    if not said and not threads:
        return text
    return (text + "\n\nMeasured here" + (f": aiofiles read on {threads} threads" if threads else "")
            + ("; " + "; ".join(said) if said else "") + ".")


def _caveats(results: results.Results) -> str:
    items = [
        "\"Cold\" means this guest's page cache held none of the files' pages (checked with `mincore` before "
        "each repetition, column \"cached before\"). The disk is a virtual disk: the host below it may still "
        "cache its blocks, so a cold read here can be faster than one from a physical disk. The file system's "
        "metadata (directories, inodes) stays cached. `echo 1 > /proc/sys/vm/drop_caches` would drop more, "
        "but for every process on a shared machine; it is not used.",
        "tmpfs has no cold case: its pages are the files.",
        "Python and C++ figures are never divided by each other: each reader is compared with its own "
        "language's baseline. The Python readers allocate a new `bytes` per file; the C++ ones read into one "
        "buffer touched before the clock starts.",
        "The thread pool and the default executor start their threads inside the timed run, as a program "
        "would once; a long-lived pool would save that.",
        "Files are opened by path every time; io_uring's opens are plain `open()` calls on its one thread "
        "(only the reads go through the ring).",
    ]
    return page.caveats(results, items, counter=fv.COUNTER, what="MiB/s")


def _model_of(run: results.Run) -> tuple[None, None]:
    return None, None


def _numbers(results: results.Results) -> str:
    columns = [
        page.counter_column("MiB/s", "mib_per_s"),
        page.cv_column("mib_per_s", "CV of MiB/s"),
        page.counter_column("wall ms", "wall_ms"),
        page.counter_column("files ok", "files_ok", fmt.count),
        page.counter_column("reading threads", "reading_threads", fmt.count),
        page.counter_column("iou-wrk workers", "kernel_workers", fmt.count),
        page.counter_column("CPU s", "cpu_s"),
        page.counter_column("cached before", "resident_before_pct", lambda x: fmt.DASH if x is None
                            else f"{fmt.sig(x)} %"),
    ]
    note = ("Medians over the repetitions; CV = standard deviation ÷ mean of MiB/s over the repetitions; "
            "\"cached before\": the share of the files' pages in the page cache when the run started; CPU s: "
            "the process's CPU time during the run (bench for C++, the Python child for Python). ⚠ marks a "
            "failed benchmark or one with errors.")
    return page.numbers_table(results, columns, model_of=_model_of, note=note)


def _errors(results: results.Results) -> str:
    flagged = [r for r in results.runs if r.flagged]
    if not flagged:
        return "No benchmark failed and every file read had the right size and checksum."
    lines = []
    for r in flagged:
        if r.failed:
            lines.append(f"- `{r.name.text}`: **failed**{page.failed_reps(r)}: {r.error_message}")
            continue
        kinds = ", ".join(f"{k} {fmt.count(n)}" for k, n in sorted(r.errors_by_kind().items()))
        labels = sorted({rep["label"] for rep in r.reps if rep.get("label")})
        lines.append(f"- `{r.name.text}`: {fmt.count(r.errors)} files failed ({kinds})"
                     + "".join(f"; {label}" for label in labels))
    return "\n".join(lines)
