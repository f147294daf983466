"""Scenario queue (claim C10): a producer faster than its consumers, with an
unbounded queue and a bounded one, in C++ (Asio) and Python (asyncio.Queue).
verdict() gives the one-line verdict; page.write_page() writes charts/ and
README.md under DIR/queue/ from the shared page parts plus this module's
prose. Every figure comes from the results (bench.json, series.json).

Imported as report_lib.queue (relative imports only), so it never shadows the
standard library's queue module.
"""
from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

from . import fmt, headline as hl, page
from . import queue_verdict as qv
from .stats import Interval

if TYPE_CHECKING:
    from . import results

NAME = "queue"
TITLE = "C10 queue: a bound gives backpressure, an unbounded queue grows"
HEADLINE_CHART = "charts/queue_depth.png"

CLAIM = (
    "Interview material on producer/consumer code with `asyncio.Queue` says the queue connects the two "
    "sides, and the better answers add `maxsize`: an unbounded queue lets a producer that outruns its "
    "consumers pile up items, and memory with them, without limit, while a bounded one makes `put` wait, "
    "so the producer slows to the consumers' pace (backpressure). The experiment: one producer that makes "
    "an item every 0.1 ms on a schedule, four consumers that each spend 1 ms per item awaiting a timer "
    "(as they would await I/O), so the producer runs at about 2.5 times the consumers' combined rate. "
    "Unbounded against `maxsize=100`, in C++ (a bounded `boost::asio::experimental::channel` and a "
    "`std::deque`) and in Python (`asyncio.Queue`), each on one thread.")


def series(results: results.Results, benchmark: str, key: str) -> list[float] | None:
    """A list from series.json (results.series when the loader has it), or None."""
    getter = getattr(results, "series", None)
    if callable(getter):
        return getter(benchmark, key)
    path = os.path.join(results.directory, "series.json")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    data = data.get("benchmarks", data) if isinstance(data, dict) else {}
    return (data.get(benchmark) or {}).get(key)


def verdict(results: results.Results) -> qv.Verdict:
    return qv.decide(results.runs)


def headline(results: results.Results) -> list[hl.Figure]:
    """Per language: the bounded producer's rate ÷ the consumers' rate (the backpressure), the
    unbounded peak ÷ the producer's lead, then peak depth and p99 latency unbounded ÷ bounded,
    labelled with the run's length that sets their size (items and maxsize from the run's name)."""
    v = qv.decide(results.runs)
    out = []
    for lang in qv.LANGUAGES:
        f = v.figures.get(lang)
        name = qv.LANGUAGE_LABEL[lang]
        length = (f" ({fmt.count(f.items)} items against maxsize {fmt.count(f.maxsize)}: grows with the run)"
                  if f else "")
        out += [hl.figure(f"{name}: bounded producer rate ÷ consumer rate", f.pace if f else None),
                hl.figure(f"{name}: unbounded peak depth ÷ the producer's lead", f.growth if f else None),
                hl.figure(f"{name}: peak depth, unbounded ÷ bounded{length}", f.depth if f else None),
                hl.figure(f"{name}: p99 latency, unbounded ÷ bounded{length}", f.p99 if f else None)]
    return hl.measured(out)


def sections(results: results.Results, charts_written: dict[str, list[str]], v: qv.Verdict) -> list[str]:
    return [
        "## Setup\n\n" + _setup(results),
        "## Charts\n\n" + _charts(charts_written),
        "## Verdict\n\n" + page.verdict_section(qv.RULE_TEXT, v, v.checks, "queue_verdict.py"),
        "## Why it happens\n\n" + _why(results, v),
        "## In an interview\n\n" + _interview(v),
        "## Caveats\n\n" + _caveats(results),
        "## Numbers\n\n" + _numbers(results),
        "## Errors\n\n" + page.errors_section(results),
    ]


def _param(results: results.Results, name: str, default: str = fmt.DASH) -> str:
    values = sorted({r.name.param(name) for r in results.runs if r.name.param(name) is not None})
    return ", ".join(fmt.count(x) for x in values) if values else default


def _setup(results: results.Results) -> str:
    rows = [
        ("producer", f"one coroutine, an item every {_param(results, 'producer_us')} µs on a schedule from the "
                     "start (one that fell behind catches up at once); each item a fresh payload of "
                     f"{_bytes(results)} bytes"),
        ("consumers", f"{_param(results, 'consumers')} coroutines, each awaiting a {_param(results, 'work_us')} µs "
                      "timer per item (the consumer waiting on I/O), then checking the payload"),
        ("queues", "C++: `asio_channel`, a `boost::asio::experimental::channel` with `maxsize` slots; "
                   "`asio_deque`, a `std::deque` whose consumers wait on a timer that push cancels. "
                   "Python: `py_asyncio`, `asyncio.Queue(maxsize)` and `asyncio.Queue()` in Debian's "
                   "`/usr/bin/python3`, a child process of bench. Each on one thread."),
        ("bound", f"`maxsize` {_param(results, 'maxsize')} (0: unbounded)"),
        ("items per repetition", _param(results, "items")),
        ("depth", "counted inside the queue operations (an item counts from when the queue holds it until "
                  "a consumer takes it); the peak is exact. A sampler also records depth, queued bytes and "
                  "RSS every 10 ms (`series.json`, the last repetition)"),
        ("latency per item", "from the producer making the item (before a `put` that may wait) to a consumer "
                             "finishing it"),
    ]
    return page.setup_table(results, rows)


def _bytes(results: results.Results) -> str:
    values = sorted({r.median("item_bytes") for r in results.runs if r.median("item_bytes")})
    return ", ".join(fmt.count(v) for v in values) if values else fmt.DASH


def _charts(written: dict[str, list[str]]) -> str:
    return page.charts_section(written, {
        "queue_depth": "Queue depth (top) and the process's resident memory (bottom) over one repetition, "
                       "unbounded and bounded, C++ left and Python right. The dashed line is `maxsize`.",
        "queue_latency": "Left: latency per item, p50 and p99 (log axis; medians over the repetitions). "
                         "Right: the producer's rate and the consumers' rate in each run; with the bound the "
                         "two meet.",
    })


def _why(results: results.Results, v: qv.Verdict) -> str:
    out = []
    for lang, f in v.figures.items():
        u, b = qv.find(results.runs, lang, False), qv.find(results.runs, lang, True)
        name = qv.LANGUAGE_LABEL[lang]
        out.append(
            f"- {name}: without a bound the producer ran at {fmt.sig(u.median('producer_items_per_s'))} items/s "
            f"against the consumers' {fmt.sig(u.median('consumer_items_per_s'))}, so the queue gained the "
            f"difference for {fmt.sig(u.median('production_s'))} s and peaked at {fmt.sig(u.median('max_depth'))} "
            f"items ({fmt.sig(u.median('peak_queued_mb'))} MiB of payloads; resident memory grew "
            f"{fmt.sig(u.median('rss_growth_mb'))} MiB). The last items waited behind all of them: p99 latency "
            f"{fmt.sig(u.median('p99_ms'))} ms. With `maxsize={f.maxsize}` the producer's `put` waited whenever the "
            f"queue was full, so it made items at {fmt.sig(b.median('producer_items_per_s'))} items/s"
            f"{_paced(v, lang)}, finished {fmt.sig(b.median('producer_lag_ms'))} ms behind its schedule, and no item "
            f"waited behind more than {f.maxsize} others: p99 {fmt.sig(b.median('p99_ms'))} ms, resident memory "
            f"growth {fmt.sig(b.median('rss_growth_mb'))} MiB.")
        note = qv.length_note(f)
        if note and f.depth:
            out.append(f"- {name}: peak depth unbounded ÷ bounded was {_ratio(f.depth)}, a figure of the run, not "
                       f"of the queue: {note}. Twice the items, twice the lead; the bounded peak stays at "
                       f"`maxsize`.")
        if f.total:
            out.append(f"- {name}: the whole job took {_ratio(f.total)} as long without the bound as with it: "
                       "a bound does not make the consumers faster; it moves the waiting from the queue into "
                       "the producer, where it can slow the source down or refuse work.")
    if not out:
        return "Not measured."
    out.append("- The queue only stores the difference between two rates. Whenever the producer is faster for "
               "a while, the difference has to go somewhere: into memory (unbounded) or into the producer's "
               "waiting (bounded). A bound turns a slow consumer into a signal the producer feels at once.")
    return "\n".join(out)


def _passed(v: qv.Verdict, name: str) -> bool:
    return any(c.name == name and c.status == qv.checks_mod.PASSED for c in v.checks)


def _paced(v: qv.Verdict, lang: str) -> str:
    """', the consumers' pace' when the backpressure check passed for that language, else ''."""
    held = _passed(v, f"{qv.LANGUAGE_LABEL[lang]}: bounded producer rate ÷ consumer rate")
    return ", the consumers' pace" if held else ""


def _ratio(ci: Interval) -> str:
    return fmt.factor_ci(*ci) if ci else "not measured"


def _interview(v: qv.Verdict) -> str:
    lang = "python" if "python" in v.figures else next(iter(v.figures), None)
    f = v.figures.get(lang)
    # A figure goes beside the sentence only when its check passed: never one that contradicts it.
    lead = (f" (here the peak was {_ratio(f.growth)} that lead)"
            if f and _passed(v, f"{qv.LANGUAGE_LABEL[lang]}: unbounded peak depth ÷ the producer's lead") else "")
    pace = f" (here {_ratio(f.pace)} their rate)" if f and _paced(v, lang) else ""
    return ("\"An `asyncio.Queue()` without `maxsize` never makes `put` wait, so a producer faster than its "
            f"consumers fills memory with its whole lead{lead}, which grows for as long as it runs, and every "
            "item waits behind the backlog. With `maxsize`, `await queue.put()` waits while the queue is full: "
            f"the producer runs at the consumers' pace{pace}, memory stays bounded, latency stays short. "
            "The bound does not add capacity; "
            "it moves the waiting to the producer, where I can decide to slow down, shed load or time out.\"")


def _caveats(results: results.Results) -> str:
    items = [
        "Consumers wait on timers, not on real I/O: a 1 ms timer takes a little longer than 1 ms (timer "
        "slack, wake-ups on a shared machine), so the consumers' measured rate sits below the nominal one; "
        "the rule uses the rates measured in each repetition.",
        "Peak depth is counted in the queue's own operations and is exact; the depth and memory curves are "
        "samples every 10 ms of the last repetition only.",
        "Resident memory is the process's: bench's for C++, a fresh Python child's for Python. The allocator "
        "keeps memory freed by earlier runs, so C++'s curve starts to rise only once bench's heap has used "
        "up what earlier repetitions left, and understates the queued bytes; no curve falls when the queue "
        "drains. The exact memory held is the queued payloads (peak depth × item size, the peak MiB "
        "queued column).",
        "The producer keeps its schedule by catching up after a wait; a producer that instead waited a fixed "
        "interval after each item would simply run slower and show less growth.",
    ]
    return page.caveats(results, items, counter="max_depth", what="peak depth")


def _numbers(results: results.Results) -> str:
    columns = [
        page.counter_column("maxsize", "maxsize", fmt.count),
        page.counter_column("peak depth", "max_depth", fmt.count),
        page.counter_column("expected growth", "expected_depth"),
        page.counter_column("peak MiB queued", "peak_queued_mb"),
        page.counter_column("RSS growth MiB", "rss_growth_mb"),
        page.counter_column("producer items/s", "producer_items_per_s"),
        page.counter_column("consumer items/s", "consumer_items_per_s"),
        page.counter_column("producer lag ms", "producer_lag_ms"),
        page.counter_column("p50 ms", "p50_ms"),
        page.counter_column("p99 ms", "p99_ms"),
        page.counter_column("total s", "total_s"),
        page.counter_column("threads", "threads", fmt.count),
    ]
    note = ("Medians over the repetitions. Expected growth = (producer rate − consumer rate) × the "
            "producer's running time, per repetition. ⚠ marks a failed benchmark or one with errors "
            "(items lost or corrupted).")
    return page.numbers_table(results, columns, note=note)
