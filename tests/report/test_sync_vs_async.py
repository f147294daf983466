"""The sync_vs_async report: the verdict rule on hand-made runs (headline pairs
measured at one K, never extrapolated; confidence intervals; noise), memory per
request in flight, the pooling confound, and scripts/report end to end on the
fixture (a real quick run, see fixtures/sync_vs_async/make_fixture.py)."""
import os
import unittest

from . import helpers
from report_lib import results, verdict
from report_lib import sync_vs_async as page
from report_lib import sync_vs_async_verdict as sv

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "sync_vs_async")
L = 50

# (model, mode, c) -> {K: median wall ms}: the shape of a healthy run.
HEALTHY = {
    ("py_requests", "sequential_nopool", 1): {10: 560, 100: 5600},
    ("py_requests", "sequential", 1): {10: 520, 100: 5200},
    ("py_requests_threads", "workers", 32): {10: 60, 100: 230},
    ("py_aiohttp", "gather", 0): {10: 60, 100: 90, 1000: 700},
    ("blocking_curl", "sequential", 1): {10: 505, 100: 5050},
    ("asio_coro", "sequential", 1): {10: 506, 100: 5060},
    ("threads_curl", "thread_per_request", 0): {10: 53, 100: 80, 1000: 250, 10000: 1200},
    ("threads_curl", "workers", 32): {10: 52, 100: 210},
    ("curl_multi", "gather", 0): {10: 52, 100: 64, 1000: 157, 10000: 2100},
    ("asio_coro", "gather", 0): {10: 51, 100: 55, 1000: 120, 10000: 1450},
}
# Memory of a run (MiB) = BASE + PER_KIB * in flight / 1024: a known slope per series.
PER_KIB = {"asio_coro": 6, "curl_multi": 16, "threads_curl": 40, "py_aiohttp": 30, "py_requests_threads": 60}


def runs(table=HEALTHY, failed=(), errors=(), spread=None):
    """spread: {(model, mode, k): [factor per repetition]} multiplies the wall times."""
    entries = []
    for (model, mode, c), by_k in table.items():
        for k, wall in by_k.items():
            name = f"sync_vs_async/{model}/{mode}/c:{c}/k:{k}/delay_ms:{L}"
            if (model, mode, k) in failed:
                entries += [helpers.entry(name, i, error_occurred=True, error_message="run failed: EAGAIN")
                            for i in range(3)]
                continue
            threads = 1 if mode.startswith("sequential") or mode == "gather" else (k if c == 0 else min(k, c))
            peak = 1 if mode.startswith("sequential") else (k if c == 0 else min(k, c))
            mem = 2 + PER_KIB.get(model, 0) * peak / 1024
            factors = (spread or {}).get((model, mode, k), [1.0, 1.01, 1.02])
            extra = {"rss_mb": 30 + mem} if model.startswith("py_") else {"rss_growth_mb": mem}
            entries += [helpers.entry(name, i, wall_ms=wall * f, k=k, delay_ms=L, requests=k,
                                      threads_created=threads, conns_peak=peak, conns_opened=peak,
                                      errors=(5 if (model, mode, k) in errors else 0), **extra)
                        for i, f in enumerate(factors)]
    return results.group_benchmarks(entries)


class SyncVsAsyncVerdictTest(unittest.TestCase):
    def test_confirmed_with_measured_pairs_python_first(self):
        v = sv.decide(runs())
        self.assertEqual(v.word, verdict.CONFIRMED, v.line)
        self.assertEqual([p.language for p in v.pairs], ["Python", "C++"])
        py, cpp = v.pairs
        # Both sides measured at K = 100: never the extrapolated 1,000 x L of aiohttp's largest K.
        self.assertEqual((py.k, py.sequential.id, py.gathered.id),
                         (100, "py_requests/sequential", "py_aiohttp/gather"))
        self.assertEqual((cpp.k, cpp.sequential.id, cpp.gathered.id),
                         (100, "asio_coro/sequential", "asio_coro/gather"))
        self.assertAlmostEqual(py.speedup[0], 5200 / 90, places=6)
        self.assertTrue(v.line.startswith("**Confirmed**: at K = 100 URLs of 50 ms: in Python, `py_requests` one by "
                                          "one took 5,250 ms, `py_aiohttp`"), v.line)
        self.assertNotIn("extrapolated", v.line)

    def test_cpp_only_says_python_was_not_measured(self):
        table = {key: by_k for key, by_k in HEALTHY.items() if not key[0].startswith("py_")}
        v = sv.decide(runs(table))
        self.assertEqual(v.word, verdict.CONFIRMED, v.line)
        self.assertIn("C++ only: the Python models were not measured in this run", v.line)

    def test_no_pair_without_a_common_measured_k(self):
        # Sequential only at K = 10: no pair at K >= 100, whatever the gathered runs did.
        table = {key: ({10: by_k[10]} if key[1].startswith("sequential") else by_k) for key, by_k in HEALTHY.items()}
        v = sv.decide(runs(table))
        self.assertEqual(v.word, verdict.INCONCLUSIVE)
        self.assertEqual(v.pairs, [])

    def test_a_huge_cv_is_not_a_confident_verdict(self):
        # aiohttp at K = 100 once 90 ms, once 2,000 ms: the speed-up's CI straddles 5x.
        v = sv.decide(runs(spread={("py_aiohttp", "gather", 100): [1.0, 22.0]}))
        self.assertEqual(v.word, verdict.NOISE, v.line)
        self.assertTrue(v.line.startswith("**Inconclusive: noise**: "), v.line)

    def test_nuanced_when_a_thread_per_request_fails(self):
        v = sv.decide(runs(failed={("threads_curl", "thread_per_request", 10000)}))
        self.assertEqual(v.word, verdict.NUANCED)
        self.assertIn("`threads_curl/thread_per_request` at K = 10,000 hit a limit: failed", v.line)

    def test_nuanced_when_requests_fail(self):
        v = sv.decide(runs(errors={("curl_multi", "gather", 10000)}))
        self.assertEqual(v.word, verdict.NUANCED)
        self.assertIn("15 failed requests", v.line)  # 5 in each of the 3 repetitions

    def test_nuanced_when_a_concurrent_model_clearly_misses_the_bound(self):
        table = dict(HEALTHY)
        table[("curl_multi", "gather", 0)] = {10: 52, 100: 2100}  # 5,000 / 2,100 = 2.4x < 5x
        v = sv.decide(runs(table))
        self.assertEqual(v.word, verdict.NUANCED)
        self.assertIn("`curl_multi/gather` at K = 100: K × L ÷ wall", v.line)

    def test_bounded_workers_are_shown_not_checked(self):
        # 32 workers take ceil(K/32) x L: bounded concurrency, not what the claim says.
        table = dict(HEALTHY)
        table[("threads_curl", "workers", 32)] = {10: 52, 100: 2100}
        v = sv.decide(runs(table))
        self.assertEqual(v.word, verdict.CONFIRMED, v.line)
        self.assertFalse([c for c in v.checks if "workers" in c.name])

    def test_refuted_when_sequential_beats_k_times_l(self):
        table = dict(HEALTHY)
        table[("blocking_curl", "sequential", 1)] = {10: 300, 100: 3000}
        self.assertEqual(sv.decide(runs(table)).word, verdict.REFUTED)

    def test_refuted_when_no_pair_beats_the_factor(self):
        table = {key: ({k: k * L for k in by_k} if not key[1].startswith("sequential") else by_k)
                 for key, by_k in HEALTHY.items()}
        self.assertEqual(sv.decide(runs(table)).word, verdict.REFUTED)


class SyncVsAsyncMeasuresTest(unittest.TestCase):
    def test_memory_per_request_in_flight_is_the_slope_between_two_k(self):
        rs = runs()
        for sid, kib in (("asio_coro/gather", 6), ("threads_curl/thread_per_request", 40)):
            m = sv.memory_slope(rs, sv.by_id(sid))
            self.assertAlmostEqual(m.rss_per_inflight_kib, kib, places=6, msg=sid)
            self.assertTrue(m.sound, sid)
        # The two largest K: 1,000 and 10,000 for asio_coro.
        m = sv.memory_slope(rs, sv.by_id("asio_coro/gather"))
        self.assertEqual((m.k1, m.k2), (1000, 10000))
        self.assertIsNone(sv.memory_slope(rs, sv.by_id("py_requests/sequential")))

    def test_no_python_memory_per_request(self):
        # A Python child's peak RSS (interpreter included) moved by a few tens of KiB in every run,
        # sequential ones included: "aiohttp 0.378 KiB, requests threads 1.45 KiB" per request in
        # flight was that wobble divided by a request count.
        rs = runs()
        for sid in ("py_aiohttp/gather", "py_requests_threads/workers"):
            self.assertIsNone(sv.memory_slope(rs, sv.by_id(sid)), sid)

    def test_a_cpp_slope_within_the_wobble_of_a_sequential_run_is_not_quoted(self):
        rs = runs()
        # One sequential C++ run whose memory moves by 1 MiB between repetitions: the 22 requests
        # in flight that threads_curl/workers adds (about 0.86 MiB at 40 KiB) are within 10x of it.
        seq = [r for r in rs if r.name.text.startswith("sync_vs_async/asio_coro/sequential/c:1/k:100/")][0]
        for i, rep_ in enumerate(seq.reps):
            rep_["rss_growth_mb"] = 2 + i * 0.5
        self.assertAlmostEqual(sv.memory_wobble_mb(rs, "C++"), 1.0)
        self.assertFalse(sv.memory_slope(rs, sv.by_id("threads_curl/workers")).sound)
        self.assertTrue(sv.memory_slope(rs, sv.by_id("asio_coro/gather")).sound)  # 52.7 MiB apart
        text = page._memory(rs)
        self.assertIn("Not quoted, within the noise", text)
        self.assertIn("`threads_curl/workers` (", text)
        self.assertNotIn("| `threads_curl/workers` |", text)
        self.assertIn("| `asio_coro/gather` | C++ |", text)

    def test_run_memory_prefers_the_runs_own_growth(self):
        self.assertEqual(sv.run_memory_mb({"rss_growth_mb": 3, "rss_mb": 90, "rss_start_mb": 80}), 3)
        self.assertEqual(sv.run_memory_mb({"rss_mb": 90, "rss_start_mb": 80}), 10)
        self.assertEqual(sv.run_memory_mb({"rss_mb": 40}), 40)

    def test_pooling_share_of_the_gap(self):
        # (5,600 − 5,200) ÷ (5,600 − 90) at K = 100.
        self.assertAlmostEqual(page.pooling_share(runs()), 400 / 5510)
        table = {key: by_k for key, by_k in HEALTHY.items() if key[1] != "sequential_nopool"}
        self.assertIsNone(page.pooling_share(runs(table)))

    def test_pooling_that_did_not_help_is_said_so(self):
        table = dict(HEALTHY)
        table[("py_requests", "sequential_nopool", 1)] = {10: 515, 100: 5150}  # faster than the Session
        rs = runs(table)
        self.assertLess(page.pooling_share(rs), 0)
        text = page._pooling_confound(rs, L)
        self.assertIn("was not slower than one Session here", text)
        self.assertNotIn("-", text.split("\n")[-1].split("ratio")[0])  # no negative cost in words

    def test_signature_checks_threads(self):
        sig = sv.signature(runs())
        self.assertTrue(all(holds for _, _, holds in sig))
        texts = [(r.name.text, t) for r, t, _ in sig]
        self.assertIn(("sync_vs_async/py_aiohttp/gather/c:0/k:1000/delay_ms:50", "threads_created = 1"), texts)
        self.assertIn("threads_created = K = 10,000", [t for _, t in texts])


class WallChartTest(unittest.TestCase):
    """sync_vs_async_wall: the one-by-one series all lie on K × L, so each needs its own x."""

    def test_series_at_one_k_are_a_marker_apart(self):
        import math
        from report_lib import sync_vs_async_charts as sc
        present = sv.series_present(runs())
        offsets = sc._wall_offsets(present)
        for group in ([s for s in present if s.sequential], [s for s in present if not s.sequential]):
            xs = sorted(math.log10(offsets[s.id]) for s in group)
            for a, b in zip(xs, xs[1:]):
                self.assertGreaterEqual(b - a, sc.WALL_OFFSET_DECADES - 1e-9)

    def test_requests_get_per_url_is_drawn_apart_from_the_session(self):
        from report_lib import sync_vs_async_charts as sc
        nopool, session = sc._style(sv.by_id("py_requests/sequential_nopool")), sc._style(sv.by_id("py_requests/sequential"))
        self.assertNotEqual(nopool["linestyle"], session["linestyle"])


class SyncVsAsyncEndToEndTest(helpers.ReportOnFixture, unittest.TestCase):
    SCENARIO = "sync_vs_async"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.results = results.load(FIXTURE.rsplit(os.sep, 1)[0], "sync_vs_async")

    def test_report_succeeds_with_the_verdict_of_the_rule(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        v = sv.decide(self.results.runs)
        self.assertIn("> **Verdict.** " + v.line, self.page)
        self.assertIn(sv.RULE_TEXT, self.page)

    def test_the_headline_is_a_measured_pair(self):
        self.assertIn("| C++ | 100 | `asio_coro/sequential` |", self.page)
        self.assertNotIn("extrapolated K × L,", self.page)

    def test_memory_per_request_in_flight_is_reported(self):
        self.assertIn("## Memory per request in flight", self.page)
        self.assertRegex(self.page, r"\| `asio_coro/gather` \| C\+\+ \| [^\n]*\| \*\*[0-9.]+\*\* \|")

    def test_no_python_kib_per_request(self):
        memory = self.page.split("## Memory per request in flight", 1)[1].split("\n## ", 1)[0]
        self.assertNotRegex(memory, r"\| `py_[a-z_]+/[a-z_]+` \| Python \|")
        self.assertIn("No Python figure: a Python model's memory here is its child process's peak RSS", memory)
        self.assertIn("[tasks](../tasks/README.md)", memory)
        self.assertNotRegex(self.page, r"KiB with `aiohttp`|KiB with `requests`")
        self.assertNotIn("per request waiting for a connection", self.page)

    def test_charts_exist_as_png_and_svg(self):
        for stem in ("sync_vs_async_headline", "sync_vs_async_wall", "sync_vs_async_memory",
                     "sync_vs_async_resources"):
            png = os.path.join(self.tmp, "sync_vs_async", "charts", stem + ".png")
            with open(png, "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n", png)
            self.assertTrue(os.path.getsize(os.path.join(self.tmp, "sync_vs_async", "charts", stem + ".svg")) > 0)
            self.assertIn(f"charts/{stem}.png", self.page)



# The default mode's grid (bench/scenarios/sync_vs_async.cpp, kDefaultGrid): the headline pairs and the
# runs with every request at once at K = 100, requests on 32 threads there, and the pooling confound at
# K = 10. The sweep over K is the reference's.
DEFAULT_GRID = tuple(f"sync_vs_async/{series}/delay_ms:{L}" for series in (
    "asio_coro/sequential/c:1/k:100", "threads_curl/thread_per_request/c:0/k:100", "curl_multi/gather/c:0/k:100",
    "asio_coro/gather/c:0/k:100", "py_requests/sequential/c:1/k:10", "py_requests/sequential/c:1/k:100",
    "py_requests/sequential_nopool/c:1/k:10", "py_requests_threads/workers/c:32/k:100",
    "py_aiohttp/gather/c:0/k:10", "py_aiohttp/gather/c:0/k:100"))


class DefaultGridTest(unittest.TestCase):
    """What the default grid carries: the verdict and both headline pairs at K = 100, the guide's
    requests.get ÷ Session rule at the K where both ran; no memory slope, said so."""

    def default_runs(self):
        return [r for r in runs() if r.name.text in DEFAULT_GRID]

    def test_the_verdict_and_both_pairs_are_measured(self):
        v = sv.decide(self.default_runs())
        self.assertEqual(v.word, sv.decide(runs()).word, v.line)
        self.assertEqual([(p.language, p.k) for p in v.pairs], [("Python", 100), ("C++", 100)])

    def test_no_memory_slope_and_the_page_says_where_it_is(self):
        rs = self.default_runs()
        self.assertTrue(sv.memory_sweep_measured(runs()))
        self.assertFalse(sv.memory_sweep_measured(rs))
        text = page._memory(rs)
        self.assertIn("at one K only", text)
        self.assertIn("`bench --reference`", text)

    def test_the_pooling_confound_is_read_where_all_three_ran(self):
        self.assertIn("**The pooling confound** (K = 10)", page._pooling_confound(self.default_runs(), L))
        self.assertIn("**The pooling confound** (K = 100)", page._pooling_confound(runs(), L))

    def test_the_guide_reads_requests_get_beside_a_session_where_both_ran(self):
        from report_lib import guide_questions as gq
        for rs, k in ((self.default_runs(), 10), (runs(), 100)):
            for series, other in ((gq.NOPOOL, "py_requests/sequential"), ("py_requests/sequential", gq.NOPOOL)):
                self.assertEqual(gq._sva_beside(series, other)(rs).name.param("k"), k, (series, k))
        self.assertIsNone(gq._sva_beside(gq.NOPOOL, "py_requests/sequential")(
            [r for r in runs() if "sequential_nopool" not in r.name.text]))


class SyncVsAsyncDefaultGridEndToEndTest(helpers.ReportOnDefaultGrid, unittest.TestCase):
    SCENARIO = "sync_vs_async"
    DEFAULT_GRID = DEFAULT_GRID

    def test_report_succeeds_with_the_verdict_of_the_rule(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        v = sv.decide(results.load(self.tmp, "sync_vs_async").runs)
        self.assertIn("> **Verdict.** " + v.line, self.page)
        self.assertIn("| C++ | 100 | `asio_coro/sequential` |", self.page)

    def test_what_is_left_to_the_reference_is_said_so(self):
        setup = next(line for line in self.page.splitlines() if line.startswith("| not in this run |"))
        self.assertIn("`blocking_curl/sequential`, `threads_curl/workers` (measured by `bench --reference`", setup)
        self.assertNotIn("not built in", setup)
        memory = self.page.split("## Memory per request in flight", 1)[1].split("\n## ", 1)[0]
        self.assertIn("at one K only", memory)

    def test_no_memory_chart_without_a_sweep(self):
        charts = os.path.join(self.tmp, "sync_vs_async", "charts")
        self.assertFalse(os.path.exists(os.path.join(charts, "sync_vs_async_memory.png")))
        self.assertNotIn("charts/sync_vs_async_memory.png", self.page)
        for stem in ("sync_vs_async_headline", "sync_vs_async_wall", "sync_vs_async_resources"):
            self.assertTrue(os.path.exists(os.path.join(charts, stem + ".png")), stem)
            self.assertIn(f"charts/{stem}.png", self.page)


if __name__ == "__main__":
    unittest.main()
