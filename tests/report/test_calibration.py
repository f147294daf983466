"""The calibration scenario's report: the verdict rule on hand-made runs, and
scripts/report end to end on the fixture (a real quick run: 2 repetitions of
every benchmark, nginx and wrk installed)."""
import os
import unittest

from . import helpers
from report_lib import calibration, results
from report_lib import calibration_verdict as cv

MODELS = {"blocking_curl": 1, "blocking_httplib": 1, "threads_curl": 32, "curl_multi": 32, "asio_coro": 32}


def grid(server=(1.0, 1.0), client=(1.0, 1.0), rule_client=None, errors=0, null_rates=(1e7, 1.1e7)):
    """Every benchmark of the scenario, two repetitions each. server / client: the per-repetition
    ratios of mockd to nginx (every mode) and of each model to wrk; rule_client: asio_coro's own."""
    entries = []
    for mode, proto in cv.MODES:
        base = f"calibration/server/%s/{mode}/{proto}/c:32"
        for i, ratio in enumerate(server):
            entries.append(helpers.entry(base % "nginx", i, req_per_s=10000, requests=1000, cpu_s=0.05))
            entries.append(helpers.entry(base % "mockd", i, req_per_s=10000 * ratio, requests=1000, cpu_s=0.05,
                                         conns_opened=32, server_requests=1000, errors=errors))
    for c in (1, 32):
        for i in range(len(client)):
            entries.append(helpers.entry(f"calibration/client/wrk/c:{c}", i, req_per_s=20000, requests=20000,
                                         cpu_s=0.3, conns_opened=c))
    for model, c in MODELS.items():
        ratios = rule_client if (model == "asio_coro" and rule_client) else client
        for i, ratio in enumerate(ratios):
            entries.append(helpers.entry(f"calibration/client/{model}/c:{c}", i, req_per_s=20000 * ratio,
                                         requests=5000, cpu_s=0.1, conns_opened=c))
    for i, rate in enumerate(null_rates):
        entries.append(helpers.entry("calibration/null/c:1", i, req_per_s=rate, requests=125000))
    return results.group_benchmarks(entries)


class CalibrationVerdictTest(unittest.TestCase):
    def test_harness_at_par_with_the_references_confirms(self):
        v = cv.decide(grid(server=(0.95, 1.05), client=(0.8, 0.85)))
        self.assertEqual(v.word, "confirmed", v.line)
        self.assertEqual(len(v.checks), 5)
        self.assertIn("the harness is not the limit", v.line)
        self.assertIn("HTTPS close", v.line)

    def test_a_server_far_below_nginx_is_nuanced(self):
        v = cv.decide(grid(server=(0.3, 0.32), client=(0.9, 0.92)))
        self.assertEqual(v.word, "nuanced", v.line)
        self.assertIn("mockd ÷ nginx, HTTP keep-alive", v.reasons)

    def test_asio_coro_far_below_wrk_is_nuanced_but_other_models_are_not_checked(self):
        # A thread per request at a tenth of wrk is that model's mechanism, not the harness's ceiling.
        self.assertEqual(cv.decide(grid(server=(1, 1.02), client=(0.1, 0.11), rule_client=(0.9, 0.95))).word,
                         "confirmed")
        v = cv.decide(grid(server=(1, 1.02), client=(0.9, 0.95), rule_client=(0.3, 0.31)))
        self.assertEqual(v.word, "nuanced")
        self.assertEqual(v.reasons, ["asio_coro ÷ wrk, c:32"])

    def test_a_wide_interval_across_the_floor_is_noise(self):
        v = cv.decide(grid(server=(0.2, 1.5), client=(0.9, 0.95)))
        self.assertEqual(v.word, "inconclusive: noise", v.line)

    def test_targets_are_shown_but_do_not_decide(self):
        v = cv.decide(grid(server=(0.7, 0.72), client=(0.7, 0.72)))
        self.assertEqual(v.word, "confirmed")
        self.assertTrue(all(t.status == "failed" for t in v.targets), [t.status for t in v.targets])

    def test_runs_with_errors_are_left_out(self):
        v = cv.decide(grid(errors=3))
        self.assertEqual(v.word, "inconclusive")
        self.assertIn("no error-free mockd/nginx pair", v.line)

    def test_nginx_missing_is_inconclusive_with_the_reason(self):
        why = "nginx not installed (Debian package nginx-light; scripts/setup installs it)"
        entries = [helpers.entry(f"calibration/server/{s}/keepalive/http/c:32", error_occurred=True,
                                 error_message=why) for s in ("mockd", "nginx")]
        v = cv.decide(results.group_benchmarks(entries) + grid())
        self.assertEqual(v.word, "inconclusive")
        self.assertIn("nginx-light", v.line)

    def test_ratios_pair_repetitions(self):
        v = cv.decide(grid(server=(0.5, 2.0)))
        est, lo, hi = v.server[("keepalive", "http")]
        self.assertAlmostEqual(est, 1.0)
        self.assertLess(lo, 0.5)
        self.assertGreater(hi, 2.0)

    def test_null_model_time_per_request(self):
        est, lo, hi = cv.decide(grid(null_rates=(1e7, 1e7))).null
        self.assertAlmostEqual(est, 100.0)

    def test_headline_figures(self):
        r = results.Results("calibration", "/nowhere", {}, grid(server=(0.9, 1.0)))
        labels = [f.label for f in calibration.headline(r)]
        self.assertEqual(labels[:4], [f"mockd ÷ nginx, {cv.MODE_LABEL[m]}" for m in cv.MODES])
        self.assertIn("asio_coro ÷ wrk, c:32", labels)
        self.assertIn("blocking_curl ÷ wrk, c:1", labels)
        self.assertEqual(labels[-1], "null model: bookkeeping per request")


class CalibrationReportTest(helpers.ReportOnFixture, unittest.TestCase):
    SCENARIO = "calibration"

    def test_report_succeeds(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        self.assertIn("report: mockd ÷ nginx, HTTP keep-alive:", self.result.stdout)
        self.assertIn("report: asio_coro ÷ wrk, c:32:", self.result.stdout)

    def test_page_sections(self):
        for section in ("## The claim", "## Setup", "## Charts", "## Verdict", "## Where the time goes",
                        "## Caveats", "## Numbers", "## Errors"):
            self.assertIn(section, self.page)
        self.assertIn("> **Quick run**", self.page)

    def test_verdict_is_decided_by_the_rule(self):
        fixture = results.load(self.tmp, "calibration")
        v = cv.decide(fixture.runs)
        self.assertIn(v.word, ("confirmed", "inconclusive: noise"), v.line)
        self.assertIn(v.line.split(".")[0], self.page)

    def test_every_pair_is_in_the_table(self):
        for m in cv.MODES:
            self.assertIn(f"| mockd ÷ nginx, {cv.MODE_LABEL[m]} |", self.page)
        for model, c in MODELS.items():
            self.assertIn(f"| `{model}` (C++) ÷ `wrk`, c:{c} |", self.page)

    def test_nginx_counters_are_not_shown_as_zero(self):
        row = [line for line in self.page.splitlines()
               if line.startswith("| `calibration/server/nginx/keepalive/http/c:32`")][0]
        cells = [c.strip() for c in row.split("|")]
        self.assertEqual(cells[8], "—", row)  # conns opened

    def test_chart_written(self):
        for ext in ("png", "svg"):
            path = os.path.join(self.tmp, "calibration", "charts", f"calibration_ratios.{ext}")
            self.assertGreater(os.path.getsize(path), 1000, path)


if __name__ == "__main__":
    unittest.main()
