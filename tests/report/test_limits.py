"""The limits scenario's report: the verdict rule on hand-made runs, and
scripts/report end to end on the fixture (a real quick run: 2 repetitions,
limits 1, 4, 32 and unlimited, the fd, per-host and cap parts; C++ models and
py_aiohttp)."""
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
CHARTS = ("limits_throughput", "limits_latency", "limits_peak", "limits_per_host", "limits_fd", "limits_cap")


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


def cap_entries(model="asio_coro", cap=32, requests=160, pooled_opened=32, connector_peak=32):
    out = []
    modes = (("semaphore_pooled", cap, 0, pooled_opened, cap), ("semaphore_unpooled", cap, 0, requests, cap),
             ("connector", 0, cap, cap, connector_peak))
    for mode, concurrency, limit, opened, peak in modes:
        name = f"limits/{model}/cap/{mode}/cap:{cap}/delay_ms:20"
        for i in range(2):
            out.append(helpers.entry(name, i, req_per_s=1400 + 10 * i, requests=requests, limit=limit,
                                     concurrency=concurrency, cap=cap, conns_opened=opened, conns_peak=peak))
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

    def test_nuanced_when_a_host_goes_above_limit_per_host_only(self):
        # The total limit held (6 <= 12): aiohttp's per-host count covers acquired connections only.
        v = lv.decide(runs_of(sweep_entries(), fd_entries(), per_host_entries(host_peak=6)))
        self.assertEqual(v.word, "nuanced")
        self.assertIn("limit_per_host:4", v.line)

    def test_refuted_when_a_host_goes_above_the_total_limit(self):
        v = lv.decide(runs_of(sweep_entries(), fd_entries(), per_host_entries(host_peak=13)))
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

    def test_cap_three_ways_hold(self):
        v = lv.decide(runs_of(sweep_entries(), fd_entries(), cap_entries()))
        self.assertEqual(v.word, "confirmed", v.reasons)
        self.assertEqual(sum(c.name == "cap" for c in v.checks), 3)

    def test_pooled_semaphore_opening_a_connection_per_request_is_not_as_predicted(self):
        v = lv.decide(runs_of(sweep_entries(), fd_entries(), cap_entries(pooled_opened=160)))
        self.assertEqual(v.word, "nuanced")
        self.assertIn("semaphore_pooled", v.line)

    def test_connector_above_its_cap_refutes(self):
        v = lv.decide(runs_of(sweep_entries(), fd_entries(), cap_entries(connector_peak=33)))
        self.assertEqual(v.word, "refuted")

    def test_aiohttp_figure_leads_and_cpp_is_the_mechanism(self):
        v = lv.decide(runs_of(sweep_entries(), sweep_entries("py_aiohttp"), fd_entries(),
                              fd_entries("py_aiohttp", unlimited_errors=700)))
        self.assertEqual(v.word, "confirmed", v.reasons)
        self.assertTrue(v.line.startswith("Confirmed: for aiohttp itself (`py_aiohttp`)"), v.line)
        self.assertIn("The C++ models show the mechanism", v.line)
        self.assertLess(v.line.index("`py_aiohttp` 700 of 2,000"), v.line.index("`asio_coro` 1,750 of 2,000"))

    def test_without_aiohttp_the_line_says_so(self):
        v = lv.decide(runs_of(sweep_entries(), fd_entries()))
        self.assertIn("aiohttp itself was not measured", v.line)

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
        # The verdict is whatever the rule makes of the fixture (a real run), word and line.
        v = lv.decide(results.load(self.tmp, "limits").runs)
        self.assertIn(f"> **Verdict.** {v.line}", self.page)
        self.assertIn(lv.RULE_TEXT, self.page)
        # aiohttp's figures lead; the C++ models are the mechanism.
        self.assertIn("for aiohttp itself (`py_aiohttp`)", v.line)
        self.assertIn("The C++ models show the mechanism", v.line)

    def test_expected_errors_are_reported_as_expected(self):
        self.assertIn("`limits/asio_coro/fd/fd_limit:256/limit:unlimited`: 3,506 failed requests in 2 of 2 "
                      "repetitions (fd_exhausted 3,506); expected", self.page)
        self.assertIn("`limits/py_aiohttp/fd/fd_limit:256/limit:unlimited`: 1,500 failed requests in 2 of 2 "
                      "repetitions (fd_exhausted 1,500); expected", self.page)
        self.assertNotIn("**unexpected**", self.page)

    def test_fixture_numbers_reach_the_page(self):
        # Per-host section: medians of the fixture's two repetitions.
        self.assertIn("| `limits/asio_coro/per_host/limit:12/limit_per_host:4` | 15.1 ms | 20.4 ms |", self.page)
        # The cap three ways, C++ and Python side by side, marked by language.
        for model in ("`asio_coro` (C++)", "`curl_multi` (C++)", "`py_aiohttp` (Python)"):
            self.assertIn(f"- {model}: connections opened 32 (pooled semaphore), 160 (unpooled semaphore), "
                          "32 (connector)", self.page)
        self.assertIn("| `py_aiohttp` (Python) | semaphore, new connection per request | 32 | none | 160 | 32 |",
                      self.page)

    def test_failures_stand_beside_rates(self):
        # The fd-limited unlimited gather: its successful rate with the failures next to it.
        row = next(line for line in self.page.splitlines()
                   if line.startswith("| `limits/py_aiohttp/fd/fd_limit:256/limit:unlimited`"))
        self.assertIn("| Python |", row)
        self.assertIn("**1,500** (1,500) expected", row)

    def test_charts_are_written(self):
        for stem in CHARTS:
            for ext in ("png", "svg"):
                path = os.path.join(self.tmp, "limits", "charts", f"{stem}.{ext}")
                self.assertTrue(os.path.exists(path), path)
                self.assertGreater(os.path.getsize(path), 1000, path)


if __name__ == "__main__":
    unittest.main()
