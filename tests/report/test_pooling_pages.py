"""The pooling page on real data: a real quick run (fixtures/pooling_quick), real
repetitions selected so that noise decides (fixtures/pooling_noisy), and C++ with
Python rows side by side (hand-made runs, as helpers.py builds them)."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from . import REPO, helpers
from report_lib import page, pooling, results
from report_lib import pooling_verdict as pv

REPORT = os.path.join(REPO, "scripts", "report")
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def render(fixture, charts=True):
    tmp = tempfile.mkdtemp(prefix="report_pooling_test.")
    shutil.copytree(os.path.join(FIXTURES, fixture), os.path.join(tmp, "pooling"))
    args = [REPORT, "--out", tmp, "--scenario", "pooling"] + ([] if charts else ["--no-charts"])
    r = subprocess.run(args, capture_output=True, text=True, timeout=180)
    with open(os.path.join(tmp, "pooling", "README.md"), encoding="utf-8") as f:
        text = f.read()
    with open(os.path.join(tmp, "README.md"), encoding="utf-8") as f:
        index = f.read()
    return tmp, r, text, index


class QuickRunPageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp, cls.result, cls.page, cls.index = render("pooling_quick")
        cls.loaded = results.load(cls.tmp, "pooling")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_report_succeeds(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)

    def test_quick_run_says_so_on_the_page_in_the_verdict_and_in_the_index(self):
        self.assertTrue(self.loaded.quick)
        self.assertIn("> **Quick run** (`--quick`)", self.page)
        self.assertIn("Quick run (`--quick`)", pooling.verdict(self.loaded).line)
        row = [l for l in self.index.splitlines() if l.startswith("| [pooling]")][0]
        self.assertIn("Quick run", row)
        self.assertEqual(row.lower().count("quick run"), 1, row)

    def test_verdict_carries_confidence_intervals(self):
        self.assertRegex(self.page, r"> \*\*Verdict\.\*\* \w.*faster over HTTPS \(95 % CI [0-9.]+–[0-9.]+x\)")

    def test_python_absence_is_said(self):
        self.assertIn("Python peers not measured in this run", self.page)

    def test_no_fixed_spread_and_no_factor_below_one_called_faster(self):
        self.assertNotIn("±20", self.page)
        self.assertIsNone(re.search(r"\b0\.\d+x faster", self.page))
        self.assertIn("in this run the CV of req/s between repetitions was", self.page)

    def test_ephemeral_ports_reasoning_uses_the_runs_own_rate(self):
        rate, run = pooling.new_conns_per_s(self.loaded.runs)
        self.assertIsNotNone(rate)
        why = self.page.split("## Why it happens", 1)[1].split("## The nuance", 1)[0]
        self.assertIn(f"opened {pooling.fmt.sig(rate)} new connections per second", why)
        self.assertIn(f"`{run.name.text}`", why)
        self.assertIn("net.ipv4.tcp_tw_reuse", why)

    def test_every_chart_is_drawn(self):
        for stem in ("pooling_throughput", "pooling_latency", "pooling_spectrum", "pooling_connections"):
            path = os.path.join(self.tmp, "pooling", "charts", stem + ".png")
            self.assertGreater(os.path.getsize(path), 10_000, path)
            self.assertIn(f"](charts/{stem}.png)", self.page)

    def test_rtt_is_linked_not_promised(self):
        self.assertIn("[rtt](../rtt/README.md)", self.page)
        self.assertNotIn("later experiment", self.page)


class NoisyRunTest(unittest.TestCase):
    """Repetitions 0 and 1 of the reference run: real numbers, too few to decide."""

    def test_noise_makes_it_inconclusive(self):
        tmp, r, text, index = render("pooling_noisy", charts=False)
        try:
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("> **Verdict.** Inconclusive: noise: pooling is", text)
            self.assertIn("Outcome: **inconclusive: noise**. Undecided by noise:", text)
            self.assertIn("| **inconclusive** |", text)
            self.assertNotIn("Confirmed", text.split("## The claim")[0])
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class PythonRowsTest(unittest.TestCase):
    def setUp(self):
        f = {}
        for m in ("blocking_curl", "curl_multi", "asio_coro"):
            f[(m, "http")], f[(m, "https")] = 3.0, 30.0
        f[("py_aiohttp", "http")], f[("py_aiohttp", "https")] = 1.8, 9.0
        f[("py_requests", "http")], f[("py_requests", "https")] = 2.5, 12.0
        self.loaded = results.Results("pooling", "/nonexistent", {"num_cpus": 2}, helpers.pooling_runs(f))

    def test_page_shows_cpp_and_python_side_by_side(self):
        text = page.render(pooling, self.loaded, {})
        factors = text.split("## Verdict", 1)[1].split("### Signature", 1)[0]
        self.assertIn("| `asio_coro` c:32 | C++ |", factors)
        self.assertIn("| `py_aiohttp` c:32 | Python |", factors)
        self.assertIn("| py_requests (Python) |", text.split("## Numbers", 1)[1])

    def test_verdict_and_interview_quote_the_python_figures(self):
        v = pooling.verdict(self.loaded)
        self.assertIn("aiohttp (`ClientSession` reused vs one per request) 9.00x faster over HTTPS", v.line)
        self.assertIn("requests (`Session` vs `requests.get`) 12.0x faster over HTTPS", v.line)
        interview = page.render(pooling, self.loaded, {}).split("## In an interview", 1)[1].split("##", 1)[0]
        self.assertIn("an aiohttp `ClientSession` reused was 9.00x faster over HTTPS (95 % CI", interview)
        self.assertIn("The same measurement on C++ clients", interview)
        self.assertIn("30.0x over HTTPS", interview)

    def test_cpp_median_is_the_mechanism_only(self):
        self.assertAlmostEqual(pv.decide(self.loaded.runs).factors[("https", 0)], 30.0)


if __name__ == "__main__":
    unittest.main()
