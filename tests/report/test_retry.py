"""The retry scenario's report: the verdict rule on hand-made runs, and
scripts/report end to end on the fixture (a real quick run, `bench --quick
--filter=retry`: fail_rate 0.5, 3 repetitions, with series.json)."""
import os
import unittest

from . import helpers
from report_lib import results, retry
from report_lib import retry_verdict as rv


def name(client, policy, p=0.5):
    k, base = (0, 0) if policy == "none" else (3, 100)
    return f"retry/{client}/{policy}/clients:200/fail_rate:{p}/retries:{k}/base_ms:{base}"


def grid(py_peaks=((60, 20), (62, 19), (58, 21)), cpp_peaks=((70, 20), (72, 22), (68, 21)),
         successes=186, none_successes=100, server_offset=0, p=0.5):
    """Every benchmark at fail_rate p, one entry per repetition. *_peaks: (backoff, jitter) peak retries per
    10 ms per repetition; successes: out of 200 with retries; server_offset: mockd's count minus the
    client's attempts."""
    entries = []
    for client, peaks in (("py_aiohttp", py_peaks), ("asio_coro", cpp_peaks)):
        for i, (b, j) in enumerate(peaks):
            retried = 200 + 2 * (200 - successes) + 100
            common = dict(clients=200, fail_rate=p, errors=0, run_seed=1 + 4096 * i)
            entries.append(helpers.entry(name(client, "none", p), i, attempts=200, server_requests=200,
                                         successes=none_successes, retries=0, peak_retries_10ms=0,
                                         attempts_per_client=1, wall_ms=50, **common))
            for policy, peak, wall in (("backoff", b, 800), ("backoff_jitter", j, 650)):
                entries.append(helpers.entry(name(client, policy, p), i, attempts=retried,
                                             server_requests=retried + server_offset, successes=successes,
                                             retries=3, peak_retries_10ms=peak, retry_attempts=retried - 200,
                                             attempts_per_client=retried / 200, wall_ms=wall, cpu_s=0.1,
                                             **common))
    return results.group_benchmarks(entries)


class RetryVerdictTest(unittest.TestCase):
    def test_waves_and_the_formula_confirm(self):
        v = rv.decide(grid())
        self.assertEqual(v.word, "confirmed", v.line)
        self.assertIn("in step", v.line)
        self.assertGreater(v.waves["py_aiohttp"][1], rv.WAVE_MIN)

    def test_python_smearing_the_waves_is_nuanced(self):
        v = rv.decide(grid(py_peaks=((20, 19), (21, 20), (19, 19))))
        self.assertEqual(v.word, "nuanced", v.line)
        self.assertEqual(len(v.reasons), 1)
        self.assertIn("py_aiohttp: peak retries", v.reasons[0])

    def test_success_clearly_below_the_formula_is_nuanced(self):
        # 1 - 0.5^4 = 93.75 %; 150 of 200 in every repetition is far below its binomial interval.
        v = rv.decide(grid(successes=150))
        self.assertEqual(v.word, "nuanced", v.line)
        self.assertTrue(any("success rate" in r for r in v.reasons), v.reasons)

    def test_success_a_little_below_within_sampling_passes(self):
        v = rv.decide(grid(successes=184))  # 92 %: within the binomial interval of 93.75 %
        self.assertEqual(v.word, "confirmed", v.line)

    def test_server_count_differing_from_attempts_is_inconclusive(self):
        v = rv.decide(grid(server_offset=3))
        self.assertEqual(v.word, "inconclusive")
        self.assertIn("differs from the client's attempts", v.line)

    def test_a_wide_interval_across_the_floor_is_noise(self):
        v = rv.decide(grid(py_peaks=((60, 20), (20, 20), (40, 25))))
        self.assertEqual(v.word, "inconclusive: noise", v.line)

    def test_errors_leave_a_run_out(self):
        runs = grid()
        for r in runs:
            if rv.key(r).client == "py_aiohttp" and rv.key(r).policy == "backoff":
                r.reps[0]["errors"] = 2
        v = rv.decide(runs)
        self.assertNotIn("py_aiohttp", v.waves)

    def test_headline_figures(self):
        r = results.Results("retry", "/nowhere", {}, grid())
        labels = [f.label for f in retry.headline(r)]
        self.assertEqual(labels[:2], [f"{c}: peak retries per 10 ms, backoff ÷ backoff_jitter, fail_rate 0.5"
                                      for c in rv.CLIENTS])
        self.assertIn("py_aiohttp: success rate with 3 retries (backoff), fail_rate 0.5", labels)
        success = [f for f in retry.headline(r) if f.label.startswith("py_aiohttp: success rate with 3")][0]
        self.assertAlmostEqual(success.estimate, 93.0)


class RetryReportTest(helpers.ReportOnFixture, unittest.TestCase):
    SCENARIO = "retry"

    def test_report_succeeds(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        self.assertIn("report: asio_coro: peak retries per 10 ms, backoff ÷ backoff_jitter, fail_rate 0.5:",
                      self.result.stdout)

    def test_page_sections(self):
        for section in ("## The claim", "## Setup", "## Charts", "## Verdict", "## Why it happens",
                        "## Interview answer", "## Caveats", "## Numbers", "## Errors"):
            self.assertIn(section, self.page)
        self.assertIn("> **Quick run**", self.page)

    def test_verdict_is_decided_by_the_rule(self):
        fixture = results.load(self.tmp, "retry")
        v = rv.decide(fixture.runs)
        self.assertIn(v.word, ("confirmed", "nuanced", "inconclusive: noise"), v.line)
        self.assertIn(v.line.split(":")[0], self.page)
        self.assertEqual(v.mismatches, [], "the fixture's server counts equal its attempts")

    def test_series_feed_the_timeline(self):
        fixture = results.load(self.tmp, "retry")
        started = fixture.series(name("asio_coro", "backoff"), "server_started")
        self.assertTrue(started and sum(started) > 200, started)

    def test_charts_written(self):
        for stem in ("retry_timeline", "retry_outcomes"):
            for ext in ("png", "svg"):
                path = os.path.join(self.tmp, "retry", "charts", f"{stem}.{ext}")
                self.assertGreater(os.path.getsize(path), 1000, path)


if __name__ == "__main__":
    unittest.main()
