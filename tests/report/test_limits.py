"""The limits scenario's report: the verdict rule on hand-made runs, and
scripts/report end to end on the fixture (a real quick run: 2 repetitions,
limits 1, 4, 32 and unlimited, the fd, per-host and cap parts)."""
import os
import shutil
import subprocess
import tempfile
import unittest

from . import REPO, helpers
from report_lib import limits_verdict as lv
from report_lib import results

REPORT = os.path.join(REPO, "scripts", "report")
FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "limits")
CHARTS = ("limits_throughput", "limits_latency", "limits_peak", "limits_per_host", "limits_fd_cap")


def sweep_entries(model="asio_coro", limits=(1, 4, 32, 0), delay=20, rate_factor=0.95, peak=None, errors=0):
    out = []
    for limit in limits:
        requests = 2000 if limit == 0 else limit * 16
        name = f"limits/{model}/sweep/limit:{limit or 'unlimited'}/delay_ms:{delay}"
        rate = (limit or 500) / (delay / 1000) * rate_factor
        for i in range(2):
            out.append(helpers.entry(name, i, req_per_s=rate, requests=requests, limit=limit, concurrency=0,
                                     conns_opened=min(limit or requests, requests),
                                     conns_peak=peak(limit, requests) if peak else min(limit or requests, requests),
                                     errors=errors, p50_us=1e4, p99_us=2e4))
    return out


def fd_entries(model="asio_coro", unlimited_errors=1750, limited_errors=0):
    out = []
    for limit, errors in ((0, unlimited_errors), (100, limited_errors)):
        name = f"limits/{model}/fd/fd_limit:256/limit:{limit or 'unlimited'}"
        for i in range(2):
            e = helpers.entry(name, i, req_per_s=4000, requests=2000, limit=limit, errors=errors, fd_errors=errors,
                              conns_peak=min(limit or 248, 248), conns_opened=min(limit or 248, 248))
            if errors:
                e["errors_fd_exhausted"] = errors
            out.append(e)
    return out


def per_host_entries(model="asio_coro", host_peak=4):
    out = []
    for per_host, fast_p99 in ((0, 5e5), (4, 1.6e4)):
        name = f"limits/{model}/per_host/limit:12/limit_per_host:{per_host or 'unlimited'}"
        peaks = (12, 4, 5) if not per_host else (host_peak, 4, 4)
        for i in range(2):
            out.append(helpers.entry(name, i, req_per_s=60, requests=36, limit=12, limit_per_host=per_host,
                                     fast_p50_us=1.1e4, fast_p99_us=fast_p99, slow_p50_us=5e5,
                                     conns_peak_host0=peaks[0], conns_peak_host1=peaks[1],
                                     conns_peak_host2=peaks[2], conns_peak=sum(peaks), conns_opened=sum(peaks)))
    return out


def runs_of(*entry_lists):
    return results.group_benchmarks([e for lst in entry_lists for e in lst])


class LimitsVerdictTest(unittest.TestCase):
    def test_confirmed_when_every_signature_holds(self):
        v = lv.decide(runs_of(sweep_entries(), sweep_entries("curl_multi"), fd_entries(), per_host_entries()))
        self.assertEqual(v.word, "confirmed", v.reasons)
        self.assertIn("in 6 of 6 limited sweep runs", v.line)
        self.assertIn("0.950x–0.950x the ideal", v.line)
        self.assertIn("`asio_coro` 1,750 of 2,000 vs 0", v.line)

    def test_refuted_when_a_limit_is_exceeded(self):
        v = lv.decide(runs_of(sweep_entries(peak=lambda limit, n: (limit + 1) if limit else n), fd_entries()))
        self.assertEqual(v.word, "refuted")

    def test_refuted_when_the_limited_gather_fails_under_the_fd_limit(self):
        v = lv.decide(runs_of(sweep_entries(), fd_entries(limited_errors=3)))
        self.assertEqual(v.word, "refuted")
        self.assertIn("limit:100", v.line)

    def test_refuted_when_a_per_host_limit_is_exceeded(self):
        v = lv.decide(runs_of(sweep_entries(), fd_entries(), per_host_entries(host_peak=6)))
        self.assertEqual(v.word, "refuted")

    def test_nuanced_when_throughput_is_far_from_limit_over_delay(self):
        v = lv.decide(runs_of(sweep_entries(rate_factor=0.3), fd_entries()))
        self.assertEqual(v.word, "nuanced")
        self.assertIn("Not as predicted", v.line)

    def test_nuanced_when_the_unlimited_gather_does_not_run_out(self):
        v = lv.decide(runs_of(sweep_entries(), fd_entries(unlimited_errors=0)))
        self.assertEqual(v.word, "nuanced")

    def test_nuanced_without_fd_runs(self):
        v = lv.decide(runs_of(sweep_entries()))
        self.assertEqual(v.word, "nuanced")
        self.assertIn("fd-limited runs were not measured", "; ".join(v.reasons))

    def test_inconclusive_without_a_sweep(self):
        self.assertEqual(lv.decide(runs_of(fd_entries())).word, "inconclusive")

    def test_names_parse_into_parts(self):
        r = runs_of(fd_entries())[0]
        self.assertEqual(lv.key(r).part, "fd")
        self.assertEqual(lv.limit_of(r), 0)
        self.assertEqual(r.name.param("fd_limit"), 256)


class LimitsReportEndToEndTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="report_limits_test.")
        shutil.copytree(FIXTURE, os.path.join(cls.tmp, "limits"))
        cls.result = subprocess.run([REPORT, "--out", cls.tmp, "--scenario", "limits"], capture_output=True,
                                    text=True, timeout=120)
        with open(os.path.join(cls.tmp, "limits", "README.md"), encoding="utf-8") as f:
            cls.page = f.read()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_report_succeeds_with_a_verdict_and_its_rule(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        self.assertIn("> **Verdict.** Confirmed:", self.page)
        self.assertIn(lv.RULE_TEXT, self.page)

    def test_expected_errors_are_reported_as_expected(self):
        self.assertIn("`limits/asio_coro/fd/fd_limit:256/limit:unlimited`: 3,506 failed requests in 2 of 2 "
                      "repetitions (fd_exhausted 3,506); expected", self.page)
        self.assertNotIn("**unexpected**", self.page)

    def test_fixture_numbers_reach_the_page(self):
        # Per-host section: medians of the fixture's two repetitions.
        self.assertIn("| `limits/asio_coro/per_host/limit:12/limit_per_host:4` | 10.7 ms | 16.0 ms |", self.page)
        self.assertIn("connections opened 160 (semaphore) vs 32 (connector)", self.page)

    def test_charts_are_written(self):
        for stem in CHARTS:
            for ext in ("png", "svg"):
                path = os.path.join(self.tmp, "limits", "charts", f"{stem}.{ext}")
                self.assertTrue(os.path.exists(path), path)
                self.assertGreater(os.path.getsize(path), 1000, path)


if __name__ == "__main__":
    unittest.main()
