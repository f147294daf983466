"""The tasks scenario's report: the verdict rule on hand-made runs, and
scripts/report end to end on the fixture (a real quick run, trimmed: 2
repetitions of every benchmark; the thread kinds at 100,000 stopped by this
machine's kernel.pid_max)."""
import os
import unittest

from . import helpers
from report_lib import results, tasks
from report_lib import tasks_verdict as tv


NAMES = {
    "cpp_thread": "tasks/cpp_thread/stack:default/n:%d",
    "cpp_thread_64k": "tasks/cpp_thread/stack:64k/n:%d",
    "cpp_coroutine": "tasks/cpp_coroutine/n:%d",
    "py_thread": "tasks/py_thread/stack:default/n:%d",
    "py_asyncio": "tasks/py_asyncio/n:%d",
}
# Typical figures per task: RSS bytes, creation ns.
BASE = {"cpp_thread": (12000, 20000), "cpp_thread_64k": (11000, 18000), "cpp_coroutine": (400, 200),
        "py_thread": (16000, 80000), "py_asyncio": (1200, 4000)}
THREADS = ("cpp_thread", "cpp_thread_64k", "py_thread")


def grid(scale=None, n=10000, errors=0, threads_added=None):
    """Every series at n, two repetitions each. scale: {series: (factor rep 0, factor rep 1)} applied to
    that series' bytes and creation time."""
    entries = []
    for series, name in NAMES.items():
        b, c = BASE[series]
        for i, f in enumerate((scale or {}).get(series, (1.0, 1.0))):
            added = n if series in THREADS else 0
            if threads_added and series in threads_added:
                added = threads_added[series]
            entries.append(helpers.entry(name % n, i, bytes_per_task=b * f, create_ns_per_task=c * f,
                                         create_cpu_ns_per_task=c * f, wake_last_us=1000.0, n=n,
                                         threads_before=1, threads_during=1 + added, threads_added=added,
                                         errors=errors, rss_mb=100))
    return results.group_benchmarks(entries)


class TasksVerdictTest(unittest.TestCase):
    def test_threads_far_costlier_confirms(self):
        v = tv.decide(grid())
        self.assertEqual(v.word, "confirmed", v.line)
        self.assertEqual(len(v.checks), 4)
        self.assertIn("C++ RSS per task, thread ÷ coroutine 30.0x", v.line)
        self.assertTrue(v.signature_ok)

    def test_the_64k_thread_is_quoted_not_checked(self):
        v = tv.decide(grid(scale={"cpp_thread_64k": (0.03, 0.031)}))
        self.assertEqual(v.word, "confirmed", v.line)
        self.assertIn("C++ RSS per task, 64 KiB-stack thread ÷ coroutine", v.ratios)

    def test_cheap_threads_are_nuanced(self):
        # C++ threads as cheap to create as coroutines: one check fails clearly.
        v = tv.decide(grid(scale={"cpp_thread": (0.01, 0.0101)}))
        self.assertEqual(v.word, "nuanced", v.line)
        self.assertIn("C++ RSS per task, thread ÷ coroutine", v.reasons)

    def test_every_check_failing_refutes(self):
        v = tv.decide(grid(scale={"cpp_thread": (0.01, 0.0101), "py_thread": (0.01, 0.0101)}))
        self.assertEqual(v.word, "refuted", v.line)

    def test_a_wide_interval_across_the_threshold_is_noise(self):
        # Python's thread ÷ asyncio ratios 1x and 26x: the interval straddles 2x.
        v = tv.decide(grid(scale={"py_thread": (0.075, 2.0)}))
        self.assertEqual(v.word, "inconclusive: noise", v.line)

    def test_runs_with_errors_are_left_out(self):
        v = tv.decide(grid(errors=3))
        self.assertEqual(v.word, "inconclusive")
        self.assertIn("no error-free pair", v.line)

    def test_a_limit_is_quoted_when_a_side_is_missing(self):
        why = "limit: 10000 threads not attempted: kernel.pid_max (thread IDs, machine-wide) = 3000"
        runs = [r for r in grid() if tv.key(r).series != "cpp_thread"]
        runs += results.group_benchmarks([helpers.entry(NAMES["cpp_thread"] % 10000, error_occurred=True,
                                                        error_message=why)])
        v = tv.decide(runs)
        self.assertEqual(v.word, "inconclusive")
        self.assertIn("kernel.pid_max", v.line)
        self.assertEqual(tv.limit_reason(tv.find(runs, "cpp_thread", 10000)), why)

    def test_signature_flags_a_coroutine_on_extra_threads(self):
        v = tv.decide(grid(threads_added={"cpp_coroutine": 1}))
        self.assertFalse(v.signature_ok)
        self.assertIn("Thread counts off the signature", v.line)

    def test_series_keys(self):
        runs = grid()
        self.assertEqual(tv.series_measured(runs), list(tv.SERIES))
        self.assertEqual(tv.key(tv.find(runs, "cpp_thread_64k", 10000)).n, 10000)

    def test_headline_figures(self):
        r = results.Results("tasks", "/nowhere", {}, grid())
        labels = [f.label for f in tasks.headline(r)]
        self.assertEqual(labels[0], "C++ RSS per task, thread ÷ coroutine, n:10000")
        self.assertIn("RSS per task, C++ coroutine (Asio), n:10000", labels)


class DefaultGridTest(unittest.TestCase):
    """The default grid measures the headline count alone (bench/scenarios/tasks.cpp)."""

    def test_the_headline_count_alone_gives_every_figure(self):
        figures = tasks.headline(results.Results("tasks", "", {}, grid()))
        self.assertEqual(len(figures), len(tv.PAIRS) + len(tv.SERIES))
        self.assertTrue(all(f.label.endswith(f", n:{tv.HEADLINE_N}") for f in figures))

    def test_the_page_says_where_the_other_counts_are(self):
        text = tasks._limits(grid())
        self.assertIn("This run measured one count; the reference run (`bench --reference`) measures the others.",
                      text)
        both = grid() + grid(n=1000)
        self.assertNotIn("measures the others", tasks._limits(both))


class TasksReportTest(helpers.ReportOnFixture, unittest.TestCase):
    SCENARIO = "tasks"

    def test_report_succeeds(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        self.assertIn("report: C++ RSS per task, thread ÷ coroutine, n:10000:", self.result.stdout)

    def test_page_sections(self):
        for section in ("## The claim", "## Setup", "## Charts", "## Verdict", "## Why it happens",
                        "## In an interview", "## How far each count got", "## Signature", "## Caveats",
                        "## Numbers", "## Errors"):
            self.assertIn(section, self.page)
        self.assertIn("> **Quick run**", self.page)

    def test_verdict_is_decided_by_the_rule(self):
        fixture = results.load(self.tmp, "tasks")
        v = tv.decide(fixture.runs)
        self.assertIn(v.word, ("confirmed", "inconclusive: noise"), v.line)
        self.assertTrue(v.signature_ok, v.line)
        self.assertIn(v.line.split(":")[0], self.page)

    def test_the_limit_that_stopped_a_count_is_shown(self):
        fixture = results.load(self.tmp, "tasks")
        limited = [r for r in fixture.runs if tv.limit_reason(r)]
        for r in limited:
            self.assertIn(r.error_message, self.page)

    def test_charts_written(self):
        for stem in ("tasks_bytes_per_task", "tasks_creation", "tasks_wake"):
            for ext in ("png", "svg"):
                path = os.path.join(self.tmp, "tasks", "charts", f"{stem}.{ext}")
                self.assertGreater(os.path.getsize(path), 1000, path)


if __name__ == "__main__":
    unittest.main()
