"""The cancellation scenario's report: the verdict rule on hand-made runs, and
scripts/report end to end on the fixture (a real quick run, 2 repetitions of
every benchmark, trimmed to its bench.json, series.json and run.json)."""
import os
import unittest

from . import helpers
from report_lib import cancellation, results
from report_lib import cancellation_verdict as cv

TAIL = "/fail:status500/n:10/fail_ms:20/slow_ms:300"


def race(variant, lang="py", cancelled=(0, 0), after=(9, 9), errors=0, times=(25.0, 26.0)):
    """One race benchmark, a repetition per value: server_cancelled and server_completed_after_error
    out of 9 siblings."""
    return [helpers.entry(f"cancellation/race/{lang}/{variant}{TAIL}", i, n=10, siblings=9, server_cancelled=c,
                          server_completed_after_error=a, time_to_error_ms=t, all_done_ms=310.0, errors=errors)
            for i, (c, a, t) in enumerate(zip(cancelled, after, times))]


def grid(gather_cancelled=(0, 0), gather_after=(9, 9), taskgroup_cancelled=(9, 9), errors=0):
    entries = (race("gather", cancelled=gather_cancelled, after=gather_after, errors=errors)
               + race("taskgroup", cancelled=taskgroup_cancelled, after=(0, 0))
               + race("gather_return_exceptions", after=(0, 0), times=(305.0, 307.0))
               + race("wait_for_one_error", "cpp", cancelled=(9, 9), after=(0, 0), times=(21.0, 22.0))
               + race("wait_for_all", "cpp", after=(0, 0), times=(301.0, 302.0)))
    return results.group_benchmarks(entries)


class CancellationVerdictTest(unittest.TestCase):
    def test_gather_leaving_every_sibling_running_refutes_the_claim(self):
        v = cv.decide(grid())
        self.assertEqual(v.word, "refuted", v.line)
        self.assertEqual([c.status for c in v.checks], ["passed", "passed"])
        self.assertEqual(v.contrast[0].status, "passed")
        self.assertIn("TaskGroup", v.line)

    def test_gather_cancelling_its_siblings_would_confirm_it(self):
        v = cv.decide(grid(gather_cancelled=(9, 9), gather_after=(0, 0)))
        self.assertEqual(v.word, "confirmed", v.line)

    def test_some_cancelled_is_nuanced(self):
        v = cv.decide(grid(gather_cancelled=(4, 4), gather_after=(5, 5)))
        self.assertEqual(v.word, "nuanced", v.line)

    def test_a_count_that_varies_across_the_bound_is_noise(self):
        v = cv.decide(grid(gather_cancelled=(0, 0), gather_after=(9, 5)))
        self.assertEqual(v.word, "inconclusive: noise", v.line)

    def test_runs_with_errors_decide_nothing(self):
        v = cv.decide(grid(errors=1))
        self.assertEqual(v.word, "inconclusive", v.line)

    def test_a_skipped_gather_is_inconclusive_with_the_reason(self):
        entries = [helpers.entry(f"cancellation/race/py/gather{TAIL}", error_occurred=True,
                                 error_message="/usr/bin/python3 not found")]
        v = cv.decide(results.group_benchmarks(entries))
        self.assertEqual(v.word, "inconclusive")
        self.assertIn("/usr/bin/python3 not found", v.line)

    def test_headline_figures(self):
        r = results.Results("cancellation", "/nowhere", {}, grid())
        figures = {f.label: f for f in cancellation.headline(r)}
        self.assertEqual(figures["gather: siblings completed by the server after the error"].estimate, 100.0)
        self.assertEqual(figures["gather: siblings cancelled at the server"].estimate, 0.0)
        self.assertEqual(figures["TaskGroup: siblings cancelled at the server"].estimate, 100.0)
        self.assertGreater(figures["gather(return_exceptions=True) ÷ gather: time to error"].estimate, 10)
        self.assertGreater(figures["Asio wait_for_all ÷ wait_for_one_error: time to error"].estimate, 10)


class CancellationReportTest(helpers.ReportOnFixture, unittest.TestCase):
    SCENARIO = "cancellation"

    def test_report_succeeds(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        self.assertIn("report: gather: siblings completed by the server after the error:", self.result.stdout)

    def test_page_sections(self):
        for section in ("## The claim", "## Setup", "## Charts", "## Verdict", "## The races, counted by the server",
                        "## The semantics, each as a count", "## Why it happens", "## In an interview",
                        "## Caveats", "## Errors"):
            self.assertIn(section, self.page)

    def test_the_fixture_refutes_the_claim(self):
        v = cv.decide(results.load(self.tmp, "cancellation").runs)
        self.assertEqual(v.word, "refuted", v.line)
        self.assertIn(v.line.split(":")[0], self.page)

    def test_every_semantics_count_is_as_expected(self):
        self.assertIn("as expected", self.page)
        self.assertNotIn("**differs**", self.page)

    def test_charts_are_drawn(self):
        for stem in ("cancellation_timeline", "cancellation_time_to_error"):
            path = os.path.join(self.tmp, "cancellation", "charts", stem + ".png")
            self.assertTrue(os.path.exists(path), path)


if __name__ == "__main__":
    unittest.main()
