"""The rtt scenario's report: the verdict rule on hand-made runs, and
scripts/report end to end on the fixture (a real quick run: 2 repetitions,
RTT 0 and 20 ms, every model, mode and protocol)."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from . import helpers
from report_lib import results
from report_lib import rtt_verdict as rv

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "rtt")
CHARTS = ("rtt_latency", "rtt_speedup")


def runs(rtts_per_request, rtt_ms=20, errors=0):
    """rtts_per_request: {(model, mode, proto): p50 in round trips} -> Runs at one RTT."""
    entries = []
    for (model, mode, proto), k in rtts_per_request.items():
        name = f"rtt/{model}/{mode}/{proto}/rtt_ms:{rtt_ms}"
        for i in range(2):
            entries.append(helpers.entry(name, i, p50_us=k * rtt_ms * 1000, p50_rtts=k, rtt_ms=rtt_ms,
                                         req_per_s=1000 / (k * rtt_ms), requests=10, errors=errors))
    return results.group_benchmarks(entries)


def at_rtt0(p50_ms, protos=("http", "https_tls1.3", "https_tls1.2"), models=("asio_coro", "blocking_curl"),
            session_cache="on"):
    """Unpooled runs at RTT 0 taking p50_ms each: the request's CPU and the delayer, no sleep."""
    off = "/session_cache:off" if session_cache == "off" else ""
    return results.group_benchmarks([helpers.entry(f"rtt/{m}/nopool/{p}/rtt_ms:0{off}", i, p50_us=p50_ms * 1000,
                                                   rtt_ms=0, requests=10)
                                     for m in models for p in protos for i in range(2)])


def grid(pooled=1.03, http=2.05, tls13=3.7, tls12=4.3, models=("asio_coro", "blocking_curl")):
    cells = {}
    for m in models:
        cells[(m, "pool", "http")] = pooled
        cells[(m, "nopool", "http")] = http
        cells[(m, "pool", "https_tls1.3")] = pooled
        cells[(m, "nopool", "https_tls1.3")] = tls13
        cells[(m, "pool", "https_tls1.2")] = pooled
        cells[(m, "nopool", "https_tls1.2")] = tls12
    return cells


def tls13_expectation(run_list):
    return [e for e in rv.decide(run_list).expectations if e.subject == "unpooled HTTPS, TLS 1.3"][0]


class RttVerdictTest(unittest.TestCase):
    def test_round_trips_as_expected_confirm(self):
        v = rv.decide(runs(grid()))
        self.assertEqual(v.word, "confirmed", v.line)
        self.assertAlmostEqual(v.unpooled["https_tls1.3"], 3.7)
        self.assertIn("3.70 RTT over HTTPS, TLS 1.3", v.line)

    def test_no_round_trips_saved_refutes(self):
        v = rv.decide(runs(grid(pooled=1.0, http=1.1, tls13=1.2, tls12=1.2)))
        self.assertEqual(v.word, "refuted", v.line)

    def test_tls_saving_only_one_round_trip_is_nuanced(self):
        v = rv.decide(runs(grid(tls13=2.2)))
        self.assertEqual(v.word, "nuanced")
        self.assertTrue(any("TLS 1.3" in r for r in v.reasons), v.reasons)

    def test_slow_pooled_requests_are_nuanced(self):
        self.assertEqual(rv.decide(runs(grid(pooled=1.6, http=2.8, tls13=4, tls12=5))).word, "nuanced")

    def test_runs_with_errors_are_left_out(self):
        v = rv.decide(runs(grid(), errors=3))
        self.assertEqual(v.word, "inconclusive")

    def test_small_rtt_only_is_inconclusive(self):
        self.assertEqual(rv.decide(runs(grid(), rtt_ms=1)).word, "inconclusive")

    def test_largest_rtt_decides(self):
        both = runs(grid(http=1.1, tls13=1.1, tls12=1.1), rtt_ms=10) + runs(grid(), rtt_ms=50)
        v = rv.decide(both)
        self.assertEqual((v.word, v.rtt_ms), ("confirmed", 50))

    def test_all_skipped_says_why(self):
        entry = helpers.entry("rtt/asio_coro/pool/http/rtt_ms:20", error_occurred=True,
                              error_message="RTT emulation unavailable: run as root")
        v = rv.decide(results.group_benchmarks([entry]))
        self.assertEqual(v.word, "inconclusive")
        self.assertIn("run as root", v.line)

    def test_expectation_checks_name_round_trips_above_the_textbook_but_keep_the_word(self):
        v = rv.decide(runs(grid(http=2.01, tls13=3.6, tls12=4.02)) + at_rtt0(0.2))
        self.assertEqual(v.word, "confirmed", v.line)
        status = {e.subject: e.status for e in v.expectations}
        self.assertEqual(status["unpooled HTTP"], "passed")
        self.assertEqual(status["unpooled HTTPS, TLS 1.3"], "failed")
        self.assertIn("Off the textbook count: unpooled HTTPS, TLS 1.3 3.60 RTT (expected 3)", v.line)

    def test_tolerance_comes_from_the_runs_own_time_at_rtt_0(self):
        # A request that costs 4 ms without any delay may take up to 3 × (0.03 + 4/20) RTT more at RTT 20 ms.
        slow = runs(grid(tls13=3.15), rtt_ms=20) + at_rtt0(4.0, protos=("https_tls1.3",))
        e = tls13_expectation(slow)
        self.assertEqual(e.status, "passed", e.note)
        # Without the RTT-0 runs the CPU is not measured: above 3 × the pooled excess is inconclusive, not failed.
        e = tls13_expectation(runs(grid(tls13=3.15)))
        self.assertEqual(e.status, "inconclusive", e.note)
        self.assertIn("no RTT-0 run", e.note)
        self.assertNotIn("Off the textbook count", rv.decide(runs(grid(tls13=3.15))).line)

    def test_tolerance_is_per_round_trip(self):
        # Pooled 1.03 RTT at 20 ms and 1 ms at RTT 0: each of TLS 1.3's 3 round trips may carry
        # 0.03 + 1/20 RTT, so up to 3.24 RTT passes and 3.4 RTT (a wait) fails.
        e = tls13_expectation(runs(grid(tls13=3.2)) + at_rtt0(1.0))
        self.assertEqual(e.status, "passed", e.note)
        self.assertEqual(e.threshold, "2.95–3.24 RTT")
        self.assertIn("3 round trips × (pooled excess 0.0300 RTT + RTT-0 request time 1.00 ms)", e.note)
        e = tls13_expectation(runs(grid(tls13=3.4)) + at_rtt0(1.0))
        self.assertEqual(e.status, "failed", e.note)
        # TLS 1.2 (4 round trips) gets 4 × the same per round trip; HTTP 2 ×.
        v = rv.decide(runs(grid(http=2.1, tls12=4.3)) + at_rtt0(1.0))
        status = {e.subject: (e.status, e.threshold) for e in v.expectations}
        self.assertEqual(status["unpooled HTTPS, TLS 1.2"], ("passed", "3.95–4.32 RTT"))
        self.assertEqual(status["unpooled HTTP"], ("passed", "1.95–2.16 RTT"))

    def test_a_real_wait_of_half_an_rtt_stays_beyond_the_tolerance(self):
        # The delayer holds packets for RTT/2: a write held back once costs at least that much.
        e = tls13_expectation(runs(grid(tls13=3.0 + 0.5 + 0.1)) + at_rtt0(1.0))
        self.assertEqual(e.status, "failed", e.note)

    def test_session_cache_off_uses_its_own_time_at_rtt_0(self):
        cells = grid()
        for m in ("asio_coro", "blocking_curl"):
            cells[(m, "nopool", "https_tls1.3/session_cache:off")] = 3.45
        r = runs(cells) + at_rtt0(0.5) + at_rtt0(3.0, protos=("https_tls1.3",), session_cache="off")
        e = [e for e in rv.decide(r).expectations if e.subject == "unpooled HTTPS, TLS 1.3, session_cache:off"][0]
        self.assertEqual(e.status, "passed", e.note)  # 3 × (0.03 + 3/20) = 0.54 RTT allowed
        self.assertIn("RTT-0 request time 3.00 ms", e.note)

    def test_the_floor_is_said_when_it_sets_the_tolerance(self):
        e = [e for e in rv.decide(runs(grid(pooled=1.0, http=2.01)) + at_rtt0(0.01)).expectations
             if e.subject == "unpooled HTTP"][0]
        self.assertIn("≥ 2 round trips", e.note)
        self.assertIn("the delayer's jitter", e.note)

    def test_resumed_tls12_handshakes_expect_three_round_trips(self):
        entries = []
        for m in ("asio_coro", "blocking_curl"):
            for mode, proto, k in (("pool", "https_tls1.2", 1.02), ("nopool", "https_tls1.2", 3.02)):
                for i in range(2):
                    entries.append(helpers.entry(f"rtt/{m}/{mode}/{proto}/rtt_ms:20", i, p50_us=k * 20000,
                                                 p50_rtts=k, rtt_ms=20, requests=10, tls_handshakes=10,
                                                 tls_resumed=9 if mode == "nopool" else 0))
        v = rv.decide(results.group_benchmarks(entries))
        [e] = v.expectations
        self.assertEqual((e.expected, e.status), (3, "passed"), e.note)
        self.assertIn("resumed", e.name)

    def test_noisy_repetitions_are_inconclusive(self):
        entries = []
        for m in ("asio_coro", "blocking_curl"):
            for mode, proto, ks in (("pool", "http", (1.0, 1.0)), ("nopool", "http", (1.3, 2.6))):
                for i, k in enumerate(ks):
                    entries.append(helpers.entry(f"rtt/{m}/{mode}/{proto}/rtt_ms:20", i, p50_us=k * 20000,
                                                 p50_rtts=k, rtt_ms=20, requests=10))
        v = rv.decide(results.group_benchmarks(entries))
        self.assertEqual(v.word, "inconclusive: noise", v.line)
        self.assertTrue(v.line.startswith("**Inconclusive: noise**: at RTT 20 ms, without pooling"), v.line)

    def test_speedup(self):
        r = runs(grid())
        self.assertAlmostEqual(rv.speedup(r, "asio_coro", "http", 20), 2.05 / 1.03)
        self.assertIsNone(rv.speedup(r, "curl_multi", "http", 20))


class RttReportTest(helpers.ReportOnFixture, unittest.TestCase):
    SCENARIO = "rtt"

    def test_report_succeeds(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)

    def test_fixture_confirms_in_round_trips(self):
        self.assertIn("> **Verdict.** **Confirmed**: at RTT 20 ms, without pooling", self.page)
        self.assertIn("without pooling each request paid", self.page)

    def test_page_sections(self):
        for section in ("## The claim", "## Setup", "## Charts", "## Verdict", "## Why it happens",
                        "## In an interview", "## Caveats", "## Numbers", "## Errors"):
            self.assertIn(section, self.page)
        self.assertIn("no loss", self.page.lower().replace("without loss", "no loss"))

    def test_every_benchmark_in_the_table(self):
        loaded = results.load(self.tmp, "rtt")
        self.assertEqual(len(loaded.runs), 40)
        for r in loaded.runs:
            self.assertIn(f"`{r.name.text}`", self.page)

    def test_rule_and_expectation_tolerances_are_stated(self):
        self.assertIn(rv.RULE_TEXT, self.page)
        # The fixture has RTT-0 runs: each expectation says its tolerance per round trip.
        self.assertRegex(self.page, r"\| unpooled HTTPS, TLS 1\.3 takes 3 RTT \| \*\*\w+\*\* \| .* \| tolerance from the "
                                    r"run: \+[0-9.]+ RTT \([0-9.]+ ms\) = 3 round trips × \(pooled excess [0-9.]+ RTT "
                                    r"\+ RTT-0 request time [0-9.]+ ms\)")

    def test_time_saved_beside_the_factor(self):
        self.assertIn("### What pooling saves per request", self.page)
        self.assertRegex(self.page, r"\| HTTPS, TLS 1\.3 \| [0-9.]+x; saves [0-9.]+ ms \|")
        self.assertIn("time saved per request", self.page)
        self.assertNotIn("±20", self.page)

    def test_charts_written(self):
        for stem in CHARTS:
            for kind in ("png", "svg"):
                path = os.path.join(self.tmp, "rtt", "charts", f"{stem}.{kind}")
                self.assertTrue(os.path.getsize(path) > 1000, path)
            self.assertIn(f"charts/{stem}.png", self.page)


class RttOneRttReportTest(unittest.TestCase):
    """A run of one RTT, as the default grid measures (the verdict's RTT, session cache on): the
    fixture cut to RTT 20 ms without session_cache:off. No chart against the RTT is drawn from one
    point; the page says where the sweep is."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="report_rtt_one_rtt_test.")
        os.makedirs(os.path.join(cls.tmp, "rtt"))
        with open(os.path.join(FIXTURE, "bench.json"), encoding="utf-8") as f:
            bench = json.load(f)
        keep = [b for b in bench["benchmarks"] if "/rtt_ms:20/" in b["name"] and "session_cache" not in b["name"]]
        bench["benchmarks"] = keep
        with open(os.path.join(cls.tmp, "rtt", "bench.json"), "w", encoding="utf-8") as f:
            json.dump(bench, f)
        cls.result = subprocess.run([helpers.REPORT, "--out", cls.tmp, "--scenario", "rtt"], capture_output=True,
                                    text=True, timeout=120)
        with open(os.path.join(cls.tmp, "rtt", "README.md"), encoding="utf-8") as f:
            cls.page = f.read()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_report_succeeds_with_the_same_verdict(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        self.assertIn("> **Verdict.** **Confirmed**: at RTT 20 ms, without pooling", self.page)

    def test_no_chart_against_the_rtt_from_one_point(self):
        charts = os.path.join(self.tmp, "rtt", "charts")
        self.assertTrue(os.path.exists(os.path.join(charts, "rtt_latency.png")))
        self.assertFalse(os.path.exists(os.path.join(charts, "rtt_speedup.png")))
        self.assertNotIn("charts/rtt_speedup.png", self.page)
        self.assertIn("p50 latency per request at RTT 20 ms, one point per model and mode", self.page)
        self.assertIn("No chart of what pooling saves against the RTT: this run measured one, 20 ms; "
                      "the sweep over RTTs", self.page)
        self.assertRegex(self.page, r"\| HTTPS, TLS 1\.3 \| [0-9.]+x; saves [0-9.]+ ms \|")

    def test_setup_says_what_the_run_left_out(self):
        self.assertIn("| RTTs | 20 ms: the RTT the verdict reads, and no other; the sweep over RTTs, with every "
                      "model, is in the committed reference", self.page)
        self.assertIn("| modes | `pool` (connections reused), `nopool` (a new connection per request) |", self.page)


class RttLatencyChartTest(unittest.TestCase):
    """rtt_latency drawn from the fixture, its figure kept instead of saved: no 0 tick on the
    latency axis, and the k RTT labels outside the panels, where no point covers them."""

    def setUp(self):
        from unittest import mock
        from report_lib import charts, rtt_charts
        loaded = results.load(os.path.dirname(FIXTURE), "rtt")
        with mock.patch.object(charts, "save", lambda fig, _dir, _stem: fig):
            self.fig = rtt_charts.latency(loaded, None)
        self.fig.canvas.draw()

    def tearDown(self):
        import matplotlib.pyplot as plt
        plt.close(self.fig)

    def test_latency_axis_is_log_without_a_zero_tick(self):
        for ax in self.fig.axes:
            self.assertEqual(ax.get_yscale(), "log")
            self.assertGreater(ax.get_ylim()[0], 0)
            self.assertNotIn("0", [t.get_text() for t in ax.get_yticklabels() if t.get_visible()])

    def test_rtt_labels_sit_right_of_the_axes(self):
        for ax in self.fig.axes:
            labels = [t for t in ax.texts if t.get_text().endswith(" RTT")]
            self.assertEqual([t.get_text() for t in labels], ["1 RTT", "2 RTT", "3 RTT", "4 RTT"])
            right = ax.get_window_extent().x1
            for t in labels:
                self.assertGreaterEqual(t.get_window_extent().x0, right, t.get_text())


if __name__ == "__main__":
    unittest.main()
