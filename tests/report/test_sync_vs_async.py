"""The sync_vs_async report: the verdict rule on hand-made runs, the
extrapolated points, and scripts/report end to end on the fixture (a run in
which a thread per request failed at K = 10,000)."""
import os
import shutil
import subprocess
import tempfile
import unittest

from . import REPO, helpers
from report_lib import results
from report_lib import sync_vs_async_verdict as sv

REPORT = os.path.join(REPO, "scripts", "report")
FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "sync_vs_async")
L = 50

# (model, mode, c) -> {K: median wall ms}: the shape of a healthy run.
HEALTHY = {
    ("blocking_curl", "sequential", 1): {10: 505, 100: 5050},
    ("asio_coro", "sequential", 1): {10: 506, 100: 5060},
    ("threadpool_curl", "thread_per_request", 0): {10: 53, 100: 80, 1000: 250, 10000: 1200},
    ("threadpool_curl", "pool", 32): {10: 52, 100: 210, 1000: 1620},
    ("curl_multi", "gather", 0): {10: 52, 100: 64, 1000: 157, 10000: 2100},
    ("asio_coro", "gather", 0): {10: 51, 100: 55, 1000: 120, 10000: 1450},
}


def runs(table=HEALTHY, failed=(), errors=()):
    entries = []
    for (model, mode, c), by_k in table.items():
        for k, wall in by_k.items():
            name = f"sync_vs_async/{model}/{mode}/c:{c}/k:{k}/delay_ms:{L}"
            if (model, mode, k) in failed:
                entries += [helpers.entry(name, i, error_occurred=True, error_message="run failed: EAGAIN")
                            for i in range(3)]
                continue
            threads = 1 if mode in ("sequential", "gather") else (k if c == 0 else min(k, c))
            entries += [helpers.entry(name, i, wall_ms=wall, k=k, delay_ms=L, requests=k, threads_created=threads,
                                      errors=(5 if (model, mode, k) in errors else 0))
                        for i in range(3)]
    return results.group_benchmarks(entries)


class SyncVsAsyncVerdictTest(unittest.TestCase):
    def test_confirmed_on_a_healthy_run_with_the_speed_up(self):
        v = sv.decide(runs())
        self.assertEqual(v.word, "confirmed", v.line)
        self.assertTrue(v.line.startswith("Confirmed: sequential fetching took at least K × L"), v.line)
        # The largest K of asio_coro gathered (10,000) against the extrapolated 10,000 x 50 ms.
        k, factor, extrapolated = v.speedups["asio_coro/gather"]
        self.assertEqual(k, 10000)
        self.assertAlmostEqual(factor, 10000 * L / 1450)
        self.assertTrue(extrapolated)
        # The pool's largest K (1,000) has no measured sequential run either.
        pool = v.speedups["threadpool_curl/pool"]
        self.assertEqual(pool[0], 1000)
        self.assertTrue(pool[2])

    def test_nuanced_when_a_thread_per_request_fails(self):
        v = sv.decide(runs(failed={("threadpool_curl", "thread_per_request", 10000)}))
        self.assertEqual(v.word, "nuanced")
        self.assertIn("`threadpool_curl/thread_per_request` at K = 10,000 hit a limit: failed", v.line)

    def test_nuanced_when_requests_fail(self):
        v = sv.decide(runs(errors={("curl_multi", "gather", 10000)}))
        self.assertEqual(v.word, "nuanced")
        self.assertIn("15 failed requests", v.line)  # 5 in each of the 3 repetitions

    def test_nuanced_when_a_concurrent_model_misses_the_bound(self):
        table = dict(HEALTHY)
        table[("threadpool_curl", "pool", 32)] = {10: 52, 100: 2100}  # > 100 x 50 / 5 = 1000 ms
        v = sv.decide(runs(table))
        self.assertEqual(v.word, "nuanced")
        self.assertIn("`threadpool_curl/pool` at K = 100 took 2,100 ms, not under K × L / 5 = 1,000 ms", v.line)

    def test_refuted_when_sequential_beats_k_times_l(self):
        table = dict(HEALTHY)
        table[("blocking_curl", "sequential", 1)] = {10: 300, 100: 3000}
        v = sv.decide(runs(table))
        self.assertEqual(v.word, "refuted")

    def test_refuted_when_no_concurrent_model_beats_the_bound(self):
        table = {k: ({kk: kk * L for kk in v} if k[1] != "sequential" else v) for k, v in HEALTHY.items()}
        v = sv.decide(runs(table))
        self.assertEqual(v.word, "refuted")

    def test_inconclusive_without_sequential_runs(self):
        table = {k: v for k, v in HEALTHY.items() if k[1] != "sequential"}
        self.assertEqual(sv.decide(runs(table)).word, "inconclusive")


class SyncVsAsyncPointsTest(unittest.TestCase):
    def test_extrapolated_points_are_marked_and_ideal(self):
        pts = {(p.series.id, p.k): p for p in sv.points(runs())}
        seq = pts[("blocking_curl/sequential", 1000)]
        self.assertTrue(seq.extrapolated)
        self.assertEqual(seq.wall_ms, 1000 * L)
        self.assertIsNone(seq.run)
        self.assertEqual(pts[("asio_coro/sequential", 10000)].wall_ms, 10000 * L)
        pool = pts[("threadpool_curl/pool", 10000)]
        self.assertTrue(pool.extrapolated)
        self.assertEqual(pool.wall_ms, 313 * L)  # ceil(10,000 / 32) rounds of L
        measured = pts[("blocking_curl/sequential", 100)]
        self.assertFalse(measured.extrapolated)
        self.assertEqual(measured.wall_ms, 5050)

    def test_unbounded_series_are_never_extrapolated(self):
        table = dict(HEALTHY)
        table[("curl_multi", "gather", 0)] = {10: 52, 100: 64}
        keys = {(p.series.id, p.k) for p in sv.points(runs(table))}
        self.assertNotIn(("curl_multi/gather", 10000), keys)

    def test_memory_growth_subtracts_the_start_of_each_repetition(self):
        name = f"sync_vs_async/asio_coro/gather/c:0/k:1000/delay_ms:{L}"
        run, = results.group_benchmarks([helpers.entry(name, 0, rss_mb=40, rss_start_mb=30),
                                         helpers.entry(name, 1, rss_mb=52, rss_start_mb=30),
                                         helpers.entry(name, 2, rss_mb=31, rss_start_mb=20)])
        self.assertEqual(sv.rss_growth_mb(run), 11)
        old, = results.group_benchmarks([helpers.entry(name, 0, rss_mb=40)])
        self.assertEqual(sv.rss_growth_mb(old), 40)

    def test_signature_checks_threads(self):
        sig = sv.signature(runs())
        self.assertTrue(all(holds for _, _, holds in sig))
        self.assertIn("threads_created = K = 10,000", [t for _, t, _ in sig])


class SyncVsAsyncEndToEndTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="report_sva_test.")
        shutil.copytree(FIXTURE, os.path.join(cls.tmp, "sync_vs_async"))
        cls.result = subprocess.run([REPORT, "--out", cls.tmp, "--scenario", "sync_vs_async"],
                                    capture_output=True, text=True, timeout=120)
        with open(os.path.join(cls.tmp, "sync_vs_async", "README.md"), encoding="utf-8") as f:
            cls.page = f.read()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_report_succeeds_with_the_verdict(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        self.assertIn("> **Verdict.** Nuanced: sequential fetching took at least K × L (L = 50 ms), but "
                      "`threadpool_curl/thread_per_request` at K = 10,000 hit a limit", self.page)
        self.assertIn(sv.RULE_TEXT, self.page)

    def test_extrapolated_points_are_marked_in_the_tables(self):
        self.assertIn("*≥ 500,000 ms, extrapolated*", self.page)
        self.assertIn("*blocking_curl/sequential, K = 10,000: extrapolated, not measured*", self.page)
        self.assertIn("*threadpool_curl/pool, K = 10,000: extrapolated, not measured*", self.page)

    def test_memory_growth_is_in_the_table(self):
        # asio_coro gathered at K = 10,000: peak 130 MiB, 12 MiB at the start.
        self.assertRegex(self.page, r"`sync_vs_async/asio_coro/gather/c:0/k:10000/delay_ms:50` \| [^\n]*\| 130 \| 118 \|")

    def test_the_failure_is_reported_as_data(self):
        self.assertIn("**failed**: run failed (threadpool_curl, 10000 requests): Resource temporarily "
                      "unavailable", self.page)

    def test_charts_exist_as_png_and_svg(self):
        for stem in ("sync_vs_async_wall", "sync_vs_async_resources"):
            png = os.path.join(self.tmp, "sync_vs_async", "charts", stem + ".png")
            with open(png, "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n", png)
            self.assertTrue(os.path.getsize(os.path.join(self.tmp, "sync_vs_async", "charts", stem + ".svg")) > 0)
            self.assertIn(f"charts/{stem}.png", self.page)


if __name__ == "__main__":
    unittest.main()
