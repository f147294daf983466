"""Scenario files (claim C11): which runs pair up, their ratios with 95 %
confidence intervals, the thread counts, and the verdict rule.

Benchmark names: files/<reader>/<place>/files:<N>/kib:<S>[/workers:W|/qd:Q]
  readers: sequential, thread_pool, io_uring (C++); py_plain, py_aiofiles,
           py_to_thread (Python);
  places:  tmpfs_warm, disk_warm, disk_cold.

A pair's ratio is MiB/s of the reader ÷ MiB/s of its own language's
one-thread baseline (py_plain for Python, sequential for C++), repetition i
with repetition i (bench runs the two next to each other), with a 95 % CI
(stats.paired_ratio_ci). reading_threads is an exact count per repetition:
the threads that ran read calls.

The rule (printed on the page; keep RULE_TEXT in step with decide()),
error-free runs only:
- the mechanism: py_aiofiles is asynchronous I/O only if its reads ran on the
  event loop's thread alone (reading_threads == 1 in every repetition); more
  than one thread means blocking reads handed to a thread pool.
- confirmed:  aiofiles read on one thread everywhere (no thread pool).
- refuted:    aiofiles read on several threads, and its MiB/s ÷ plain reads'
              is below 1 (whole CI) in every place and shape measured: neither
              asynchronous I/O nor faster.
- nuanced:    several threads, and faster than plain reads (whole CI above 1)
              somewhere: the pool overlaps reads long enough to be worth a
              hand-off (large files), as asyncio.to_thread does.
A cold disk's pairs are shown beside the rule, not in it: an uncached
read's speed is this machine's virtual disk more than the reader.
- inconclusive: noise: several threads, nowhere faster, some CI straddles 1.
- inconclusive: no error-free aiofiles/plain pair (aiofiles missing: the
              reason is quoted).
The C++ pairs (thread pool and io_uring ÷ sequential) are quoted beside it:
they show what a thread pool and real asynchronous file I/O (io_uring, one
thread) do without an interpreter; io_uring's thread count is checked
(== 1), not used for the word.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeGuard

from . import fmt, stats
from . import verdict as checks_mod

if TYPE_CHECKING:
    from . import results

SCENARIO = "files"
COUNTER = "mib_per_s"
PYTHON_READERS = ("py_plain", "py_aiofiles", "py_to_thread")
CPP_READERS = ("sequential", "thread_pool", "io_uring")
READERS = CPP_READERS + PYTHON_READERS
PLACES = ("tmpfs_warm", "disk_warm", "disk_cold")
# Where a read's speed is the machine's disk more than the reader's mechanism: shown beside the rule.
SETUP_PLACES = ("disk_cold",)
PLACE_LABEL = {"tmpfs_warm": "tmpfs, warm", "disk_warm": "disk, warm cache", "disk_cold": "disk, cold cache"}
READER_LABEL = {"sequential": "sequential reads", "thread_pool": "thread pool", "io_uring": "io_uring",
                "py_plain": "plain reads", "py_aiofiles": "aiofiles", "py_to_thread": "asyncio.to_thread"}
# (numerator, denominator): each reader against its own language's one-thread baseline.
PAIRS = (("py_aiofiles", "py_plain"), ("py_to_thread", "py_plain"),
         ("thread_pool", "sequential"), ("io_uring", "sequential"))
RULE_PAIR = ("py_aiofiles", "py_plain")

RULE_TEXT = (
    "Error-free runs only. A ratio is a reader's MiB/s ÷ MiB/s of its own language's one-thread baseline "
    "(plain `open().read()` for Python, sequential `read()` for C++), repetition i with repetition i, with a "
    "95 % confidence interval. The mechanism is an exact count: the threads that ran read calls. **Confirmed** "
    "(aiofiles does asynchronous file I/O) when aiofiles' reads ran on the event loop's thread alone in every "
    "repetition; otherwise its reads are blocking calls on a thread pool, and the speed decides the rest: "
    "**refuted** when aiofiles ÷ plain reads is below 1 (whole interval) in every place and file shape "
    "measured, **nuanced** when it is above 1 (whole interval) in at least one, **inconclusive: noise** when "
    "none is above 1 and an interval straddles 1; **inconclusive** without an error-free aiofiles/plain pair. "
    "Reads from a cold disk are shown beside the rule, not in it: how fast an uncached read is depends on "
    "this machine's virtual disk more than on the reader. "
    "The C++ pairs (a thread pool and io_uring ÷ sequential) are quoted, not deciding; io_uring's reading "
    "threads are checked to be exactly 1.")


@dataclass(frozen=True)
class Key:
    reader: str
    place: str
    files: int
    kib: int

    @property
    def shape(self) -> tuple[int, int]:
        return (self.files, self.kib)


def key(run: results.Run) -> Key:
    labels = run.name.labels
    return Key(labels[0] if labels else "", labels[1] if len(labels) > 1 else "",
               run.name.param("files"), run.name.param("kib"))


def shape_label(shape: tuple[int, int]) -> str:
    files, kib = shape
    size = f"{fmt.compact(kib / 1024)} MiB" if kib and kib >= 1024 else f"{fmt.compact(kib)} KiB"
    return f"{fmt.count(files)} × {size}"


def where_label(place: str, shape: tuple[int, int]) -> str:
    """'tmpfs, warm, 1,000 × 64 KiB'."""
    return f"{PLACE_LABEL.get(place, place)}, {shape_label(shape)}"


def clean(run: results.Run | None) -> TypeGuard[results.Run]:
    return run is not None and not run.flagged and bool(run.values(COUNTER))


def find(runs: list[results.Run], reader: str, place: str, shape: tuple[int, int]) -> results.Run | None:
    for r in runs:
        k = key(r)
        if (k.reader, k.place, k.shape) == (reader, place, shape):
            return r
    return None


def shapes(runs: list[results.Run]) -> list[tuple[int, int]]:
    """The file shapes measured, many small files first."""
    return sorted({key(r).shape for r in runs if key(r).files}, key=lambda s: (-s[0], s[1]))


def places(runs: list[results.Run]) -> list[str]:
    seen = {key(r).place for r in runs}
    return [p for p in PLACES if p in seen] + sorted(seen - set(PLACES))


def unmeasured(runs: list[results.Run]) -> list[tuple[str, tuple[int, int], list[str]]]:
    """[(place, shape, readers)]: the readers this run did not measure at a place and file shape
    where it measured some (bench's default grid measures only the ones its verdict, headline and
    the interview guide read; the reference measures every reader there). Empty for a full grid."""
    out = []
    for shape in shapes(runs):
        for place in places(runs):
            measured = {key(r).reader for r in runs if (key(r).place, key(r).shape) == (place, shape)}
            missing = [reader for reader in READERS if reader not in measured]
            if measured and missing:
                out.append((place, shape, missing))
    return out


def pair_ci(runs: list[results.Run], pair: tuple[str, str], place: str,
            shape: tuple[int, int]) -> stats.Interval | None:
    """(est, low, high) of numerator ÷ denominator MiB/s, paired; None unless both ran clean."""
    a, b = find(runs, pair[0], place, shape), find(runs, pair[1], place, shape)
    if not clean(a) or not clean(b):
        return None
    ci = stats.paired_ratio_ci(a.values(COUNTER), b.values(COUNTER))
    return ci if ci[0] is not None else None


def thread_counts(runs: list[results.Run], reader: str) -> list[float]:
    """Every repetition's reading_threads of `reader`'s clean runs."""
    return [v for r in runs if key(r).reader == reader and clean(r) for v in r.values("reading_threads")]


def skip_reasons(runs: list[results.Run], readers: tuple[str, ...] = READERS) -> list[str]:
    out: list[str] = []
    for r in runs:
        if r.error_message is not None and key(r).reader in readers and r.error_message not in out:  # failed
            out.append(r.error_message)
    return out


@dataclass
class ExactCheck(checks_mod.Check):
    """A check on an exact count over every repetition (no interval): '6 threads (every repetition: 6–6)'."""

    @property
    def figure(self) -> str:
        if self.estimate is None:
            return fmt.DASH
        return f"{_count_text((self.low, self.high))}{self.unit} (min–max over the repetitions)"


@dataclass
class Verdict(checks_mod.Line):
    word: str
    sentence: str  # what was measured; .line renders '**Word**: sentence' (verdict.line)
    checks: list[checks_mod.Check] = field(default_factory=list)
    ratios: dict = field(default_factory=dict)  # (pair, place, shape) -> (est, low, high)
    aiofiles_threads: tuple[float, float] | None = None             # (min, max) reading threads over the repetitions
    io_uring_threads: tuple[float, float] | None = None
    reasons: list[str] = field(default_factory=list)
    beside_rule: list[checks_mod.Check] = field(default_factory=list)  # checks of the setup's places, shown but not deciding


def _range(values: list[float]) -> tuple[float, float] | None:
    return (min(values), max(values)) if values else None


def _count_text(r: tuple[float | None, float | None]) -> str:
    lo, hi = r
    return fmt.count(lo) if lo == hi else f"{fmt.count(lo)}–{fmt.count(hi)}"


def decide(runs: list[results.Run]) -> Verdict:
    ratios = {}
    for shape in shapes(runs):
        for place in places(runs):
            for pair in PAIRS:
                ci = pair_ci(runs, pair, place, shape)
                if ci:
                    ratios[(pair, place, shape)] = ci
    v = Verdict(word=checks_mod.INCONCLUSIVE, sentence="", ratios=ratios,
                aiofiles_threads=_range(thread_counts(runs, "py_aiofiles")),
                io_uring_threads=_range(thread_counts(runs, "io_uring")))

    # Each aiofiles/plain pair is a check, and the word rests on the checks. A cold disk's pairs are
    # beside the rule, not in it.
    decided = [(p, s, checks_mod.below(f"aiofiles ÷ plain reads, {where_label(p, s)}", ci, 1.0))
               for (pair, p, s), ci in ratios.items() if pair == RULE_PAIR]
    rule = [(p, s, (c.estimate, c.low, c.high)) for p, s, c in decided if p not in SETUP_PLACES]
    checks = [c for p, _s, c in decided if p not in SETUP_PLACES]
    v.beside_rule = [c for p, _s, c in decided if p in SETUP_PLACES]
    if v.io_uring_threads:
        lo, hi = v.io_uring_threads
        status = checks_mod.PASSED if lo == hi == 1 else checks_mod.FAILED
        checks.append(ExactCheck("io_uring: reading threads, every repetition", status, hi, lo, hi, "= 1",
                                  " threads", "exact count, not an interval"))
    if v.aiofiles_threads:
        lo, hi = v.aiofiles_threads
        status = checks_mod.PASSED if lo > 1 else checks_mod.FAILED
        checks.insert(0, ExactCheck("aiofiles: reading threads, every repetition", status, lo, lo, hi, "> 1",
                                     " threads", "exact count, not an interval: more than one is a thread pool"))
    v.checks = checks

    if not rule or not v.aiofiles_threads:
        why = skip_reasons(runs, PYTHON_READERS)
        v.reasons = ["no error-free aiofiles/plain pair"]
        v.sentence = ("no error-free aiofiles/plain-reads pair"
                      + (" (" + "; ".join(why) + ")" if why else "") + ".")
        return v

    figures = "; ".join(f"{where_label(p, s)}: {fmt.times(ci[0])} ({fmt.ci(ci[1], ci[2])})" for p, s, ci in rule)
    threads = (f"aiofiles' reads ran on {_count_text(v.aiofiles_threads)} threads"
               + (f" and io_uring's on {_count_text(v.io_uring_threads)}" if v.io_uring_threads else ""))
    lo, _hi = v.aiofiles_threads
    if lo <= 1:
        v.word = checks_mod.CONFIRMED
        v.sentence = (f"{threads}: the reads did not leave the event loop's thread. aiofiles ÷ plain "
                      f"reads (MiB/s): {figures}.")
        return v
    below = [ci[2] < 1 for _p, _s, ci in rule if ci[2] is not None]
    above = [(p, s) for p, s, ci in rule if ci[1] is not None and ci[1] > 1]
    if above:
        v.word = checks_mod.NUANCED
        v.reasons = [where_label(p, s) for p, s in above]
        v.sentence = (f"not asynchronous I/O but blocking reads on a thread pool ({threads}), which "
                      f"beat plain reads only in some places ({', '.join(v.reasons)}). aiofiles ÷ plain reads "
                      f"(MiB/s): {figures}.")
    elif below and all(below) and len(below) == len(rule):
        v.word = checks_mod.REFUTED
        v.sentence = (f"aiofiles is blocking reads on a thread pool ({threads}), and slower than plain "
                      f"reads everywhere measured. aiofiles ÷ plain reads (MiB/s): {figures}.")
    else:
        v.word = checks_mod.NOISE
        v.sentence = (f"{threads} (a thread pool), but aiofiles ÷ plain reads straddles 1 "
                      f"where it is not below it: {figures}.")
    return v
