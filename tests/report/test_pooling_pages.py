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
        # Said once, in one wording (page.QUICK_NOTE), by the page and the index, not by the scenario.
        self.assertEqual(self.page.count("> " + page.QUICK_NOTE), 1)
        self.assertEqual(self.page.lower().count("quick run**"), 1, "the note appears once on the page")
        self.assertNotIn("quick", pooling.verdict(self.loaded).line.lower())
        row = [l for l in self.index.splitlines() if l.startswith("| [pooling]")][0]
        self.assertIn(pooling.verdict(self.loaded).line + " " + page.QUICK_NOTE + " |", row)
        self.assertEqual(row.lower().count("quick run"), 1, row)

    def test_verdict_carries_confidence_intervals(self):
        self.assertRegex(self.page, r"> \*\*Verdict\.\*\* \*\*\w+\*\*: .*Over HTTPS.* faster "
                                    r"\(95 % CI [0-9.]+–[0-9.]+x\)")

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
    """Repetitions 0 and 1 of a full run: real numbers, two repetitions. Their plain-HTTP factors
    are noise (intervals that include 1), which the old rule's 'every model gains > 1.2x over HTTP'
    turned into 'inconclusive: noise'; the claim's checks (server counts, HTTPS factors) decide."""

    def test_plain_http_noise_does_not_decide_the_word(self):
        tmp, r, text, index = render("pooling_noisy", charts=False)
        try:
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("> **Verdict.** **Confirmed**: the server counted at most one connection per worker", text)
            self.assertRegex(text, r"Over plain HTTP, a figure of this setup rather than a check \([^)]*\): "
                                   r"C\+\+ clients \(median of 5 models, the mechanism\) no difference")
            self.assertIn("Outcome: **confirmed**.", text)
            checks = text.split("Outcome:", 1)[1].split("Pooled ÷ unpooled requests/s", 1)[0]
            self.assertNotIn("over HTTP |", checks)
            self.assertIn(f"| {pv.POOLED_CONNS} | **passed** |", checks)
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
        self.assertIn("Over HTTPS, where each new connection also costs a TLS handshake, pooling is aiohttp "
                      "(`ClientSession` reused vs one per request) 9.00x faster", v.line)
        self.assertIn("requests (`Session` vs `requests.get`) 12.0x faster", v.line)
        interview = page.render(pooling, self.loaded, {}).split("## In an interview", 1)[1].split("##", 1)[0]
        self.assertIn("an aiohttp `ClientSession` reused was 9.00x faster over HTTPS (95 % CI", interview)
        self.assertIn("The same measurement on C++ clients", interview)
        self.assertIn("30.0x over HTTPS", interview)

    def test_cpp_median_is_the_mechanism_only(self):
        self.assertAlmostEqual(pv.decide(self.loaded.runs).factors[("https", 0)], 30.0)


def _pair_entries(model, proto, c, pooled_reps, unpooled_reps, delay=0, suffix=""):
    """Entries of one pooled/unpooled pair from (req_per_s, p50_us) per repetition."""
    out = []
    for mode, reps in (("pool", pooled_reps), ("nopool", unpooled_reps)):
        name = f"pooling/{model}/{mode}/{proto}/c:{c}/delay_ms:{delay}{suffix}"
        for i, (rate, p50) in enumerate(reps):
            out.append(helpers.entry(name, i, req_per_s=rate, requests=400, p50_us=p50, p99_us=3 * p50,
                                     conns_opened=c if mode == "pool" else 400))
    return out


class MeansNotP50Test(unittest.TestCase):
    """A p50 that jumps between repetitions (bimodal latency) made the page say 'saves nothing
    (unpooled p50 13.3 ms lower)' beside a 1.31x throughput gain. The time saved is a mean now
    (c ÷ req/s), and the page says which runs' p50 is bimodal."""

    def setUp(self):
        f = {}
        for m in ("blocking_curl", "curl_multi", "asio_coro"):
            f[(m, "http")], f[(m, "https")] = 3.0, 30.0
        runs = helpers.pooling_runs(f)
        # py_requests_threads, c:32: pooled 1,500 req/s with a steady p50 of 15 ms; unpooled
        # 1,150 req/s whose p50 is about 1 ms in most repetitions and 14 ms in some.
        runs += results.group_benchmarks(_pair_entries(
            "py_requests_threads", "http", 32, [(1500, 15000), (1480, 15200), (1520, 14800)],
            [(1150, 980), (1140, 14000), (1160, 950)]))
        self.loaded = results.Results("pooling", "/nonexistent", {"num_cpus": 2}, runs)
        self.page = page.render(pooling, self.loaded, {})

    def test_time_saved_is_the_mean_and_positive_when_pooling_is_faster(self):
        pair = pv.python_pair(self.loaded.runs, "py_requests_threads", "http")
        self.assertAlmostEqual(pair.saved_us, 32e6 / 1150 - 32e6 / 1500, delta=1.0)
        self.assertNotIn("saves nothing", self.page)
        self.assertIn("| `py_requests_threads` c:32 | Python | 1.30x", self.page)
        self.assertIn("6.49 ms per request (mean)", self.page)

    def test_the_bimodal_p50_is_named(self):
        self.assertIn("Means, not p50s: in 1 run(s) the p50 differs more than 2-fold between repetitions "
                      "(a bimodal latency), so a p50 difference there is noise: "
                      "`pooling/py_requests_threads/nopool/http/c:32/delay_ms:0` (950 µs–14.0 ms).", self.page)

    def test_no_bimodal_note_when_every_p50_is_steady(self):
        runs = [r for r in self.loaded.runs if "py_requests_threads" not in r.name.text]
        text = page.render(pooling, results.Results("pooling", "/nonexistent", {"num_cpus": 2}, runs), {})
        self.assertNotIn("Means, not p50s", text)


class PlainHttpNuanceTest(unittest.TestCase):
    """'p50 only 0.0835 µs higher' was a p50 difference of two sequential clients whose throughput
    factors include 1: now the mean per request, and the word comes from the factors' intervals."""

    def render(self, blocking_rates):
        entries = []
        for m in ("blocking_curl", "blocking_httplib"):
            entries += _pair_entries(m, "http", 1, [(r, 100.0) for r in blocking_rates[0]],
                                     [(r, 100.0) for r in blocking_rates[1]])
            entries += _pair_entries(m, "https", 1, [(9000, 100.0)] * 3, [(900, 1000.0)] * 3)
        entries += _pair_entries("asio_coro", "http", 32, [(100000, 300.0)] * 3, [(25000, 1200.0)] * 3)
        entries += _pair_entries("asio_coro", "https", 32, [(80000, 400.0)] * 3, [(1600, 20000.0)] * 3)
        loaded = results.Results("pooling", "/nonexistent", {"num_cpus": 2}, results.group_benchmarks(entries))
        text = page.render(pooling, loaded, {})
        return text.split("## The nuance", 1)[1].split("\n- ", 2)[1]

    def test_no_difference_when_the_sequential_factors_include_one(self):
        nuance = self.render(([9100, 9000, 8900], [9000, 8950, 9050]))
        self.assertNotIn("p50", nuance)
        self.assertIn("which the repetitions do not tell apart from no difference", nuance)
        self.assertIn("pooling gains `asio_coro` 4.00x", nuance)
        self.assertIn("the verdict quotes the factor and does not test it", nuance)

    def test_a_cost_when_the_sequential_factors_clear_one(self):
        nuance = self.render(([10000, 10100, 9900], [5000, 5050, 4950]))
        self.assertIn("a new connection per request added `blocking_curl` +100 µs", nuance)
        self.assertNotIn("do not tell apart", nuance)


class SystemBundleHeadlineTest(unittest.TestCase):
    """The case a candidate meets on a public HTTPS site: requests.get vs Session verified against
    the system's CA bundle, as a headline figure with its own label."""

    def test_label_and_figure_from_the_ca_bundle_pair(self):
        f = {("blocking_curl", "http"): 1.0, ("blocking_curl", "https"): 8.0,
             ("py_requests", "http"): 1.3, ("py_requests", "https"): 4.0}
        runs = helpers.pooling_runs(f)
        name = "pooling/py_requests/%s/https/c:1/delay_ms:0/ca_bundle:system"
        runs += results.group_benchmarks(helpers.reps(name % "pool", [36000] * 3)
                                         + helpers.reps(name % "nopool", [1000] * 3))
        figures = pooling.headline(results.Results("pooling", "/nonexistent", {}, runs))
        label = pooling.system_bundle_label("requests", "py_requests")
        self.assertEqual(label, "requests (`py_requests`) pooled ÷ unpooled, HTTPS, system CA bundle "
                                "(`ca_bundle:system`, a public site)")
        [fig] = [x for x in figures if x.label == label]
        self.assertAlmostEqual(fig.estimate, 36.0)
        # The plain one-certificate figure keeps its label and comes first (the guide picks the first match).
        labels = [x.label for x in figures]
        self.assertLess(labels.index("requests (`py_requests`) pooled ÷ unpooled, HTTPS"), labels.index(label))

    def test_the_committed_reference_has_it(self):
        loaded = results.load(os.path.join(REPO, "results"), "pooling")
        labels = [x.label for x in pooling.headline(loaded)]
        self.assertIn(pooling.system_bundle_label("requests", "py_requests"), labels)


class ChartLabelTest(unittest.TestCase):
    def test_long_model_names_break_at_their_last_underscore(self):
        from report_lib import pooling_charts
        self.assertEqual(pooling_charts._short("py_requests_threads"), "py_requests_\nthreads")
        self.assertEqual(pooling_charts._short("py_aiohttp"), "py_aiohttp")


if __name__ == "__main__":
    unittest.main()
