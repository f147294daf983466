"""The hedging scenario's report: the verdict rule on hand-made runs, and
scripts/report end to end on the fixture (a real quick run, trimmed)."""
import os
import unittest

from . import helpers
from report_lib import hedging, results
from report_lib import hedging_verdict as hv

TYPEERROR = "coroutine form: TypeError: Passing coroutines is forbidden, use tasks explicitly. | Python 3.11.2"


def grid(p99_never=(100, 96), p99_p95=(66, 64), load_p95=(1.05, 1.06), load_never=(1.0, 1.0),
         kept_cancelled=0, cancelled_at_server=4, label=TYPEERROR, errors=0):
    """Every benchmark of the scenario for both models, two repetitions each."""
    entries = []
    n = 500
    for model in hv.MODELS:
        for hedge in hv.HEDGES:
            p99s = p99_never if hedge == "never" else p99_p95 if hedge == "p95" else (80, 80)
            loads = load_never if hedge == "never" else load_p95 if hedge == "p95" else (1.2, 1.2)
            for i, (p99, load) in enumerate(zip(p99s, loads)):
                counters = dict(requests=n, requests_ok=n, p50_ms=11, p99_ms=p99, load=load,
                                server_requests=n * load, attempts=n * load, hedges=n * (load - 1),
                                server_cancelled=0, errors=errors if hedge == "p95" else 0)
                if hedge != "never":
                    counters["hedge_ms"] = 51
                entries.append(helpers.entry(f"hedging/hedged/{model}/hedge:{hedge}/n:{n}/c:20", i, **counters))
        for pending in ("kept", "cancelled"):
            for i in range(2):
                entries.append(helpers.entry(
                    f"hedging/first_completed/{model}/pending:{pending}/rounds:2", i, rounds=2, hosts=3,
                    requests=6, pending=4, fastest_delay_ms=20, first_min_ms=21, first_ms=22, all_done_ms=301,
                    server_requests=6, server_completed=6 if pending == "kept" else 2,
                    server_cancelled=kept_cancelled if pending == "kept" else cancelled_at_server, errors=0))
    for i in range(2):
        entries.append(helpers.entry("hedging/wait_coroutines/py_aiohttp", i, coroutine_form_raised=1 if label else 0,
                                     coroutine_form_typeerror=1 if label else 0, task_form_done=1,
                                     task_form_pending=2, hosts=3, server_requests=3, errors=0,
                                     label=label or "coroutine form: no exception | Python 3.10.0"))
    return results.group_benchmarks(entries)


class HedgingVerdictTest(unittest.TestCase):
    def test_hedging_works_but_the_material_example_raises_so_nuanced(self):
        v = hv.decide(grid())
        self.assertEqual(v.word, "nuanced", v.line)
        self.assertIn("TypeError", v.line)
        self.assertEqual(v.coroutine[0], "TypeError")
        self.assertTrue(all(c.status == "passed" for c in v.checks), [(c.name, c.status) for c in v.checks])

    def test_without_the_exception_the_rule_confirms(self):
        v = hv.decide(grid(label=""))
        self.assertEqual(v.word, "confirmed", v.line)

    def test_p99_ratio_is_paired(self):
        est, lo, hi = hv.decide(grid()).p99["py_aiohttp"]
        self.assertAlmostEqual(est, (0.66 * 64 / 96) ** 0.5, places=6)
        self.assertLess(lo, est)
        self.assertGreater(hi, est)

    def test_no_gain_in_the_tail_is_nuanced(self):
        v = hv.decide(grid(p99_p95=(99, 95)))
        self.assertEqual(v.word, "nuanced", v.line)
        self.assertIn("py_aiohttp: p99 hedged at p95 ÷ unhedged", v.reasons)

    def test_a_wide_interval_is_noise(self):
        v = hv.decide(grid(p99_p95=(50, 140), label=""))
        self.assertEqual(v.word, "inconclusive: noise", v.line)

    def test_exact_counts_decide(self):
        v = hv.decide(grid(load_never=(1.0, 1.002)))
        self.assertEqual(v.word, "nuanced")
        self.assertIn("py_aiohttp: no hedge, load", v.reasons)
        v = hv.decide(grid(cancelled_at_server=3))
        self.assertIn("asio_coro: pending cancelled: mockd's requests_cancelled = pending", v.reasons)
        v = hv.decide(grid(kept_cancelled=1))
        self.assertEqual(v.word, "nuanced")

    def test_runs_with_errors_are_left_out(self):
        v = hv.decide(grid(errors=2))
        self.assertEqual(v.word, "inconclusive")

    def test_headline_figures(self):
        r = results.Results("hedging", "/nowhere", {}, grid())
        labels = [f.label for f in hedging.headline(r)]
        self.assertEqual(labels, ["py_aiohttp: p99 hedged at p95 ÷ unhedged",
                                  "py_aiohttp: load at p95 (server requests ÷ requests)",
                                  "asio_coro: p99 hedged at p95 ÷ unhedged",
                                  "asio_coro: load at p95 (server requests ÷ requests)"])


class DefaultGridTest(unittest.TestCase):
    """bench's default grid (bench/scenarios/hedging.cpp) measures the headline pair, p95 and never."""

    def default_runs(self):
        return [r for r in grid() if hv.key(r).kind != "hedged" or hv.key(r).hedge in ("p95", "never")]

    def test_the_sweep_left_out_is_named(self):
        self.assertEqual(hv.sweep_left_out(grid()), [])
        self.assertEqual(hv.sweep_left_out(self.default_runs()), ["p50", "p90", "p99"])

    def test_the_default_grid_keeps_the_verdict_and_the_headline(self):
        full, default = hv.decide(grid()), hv.decide(self.default_runs())
        self.assertEqual(default.word, full.word)
        r = results.Results("hedging", "/nowhere", {}, self.default_runs())
        self.assertEqual([f.label for f in hedging.headline(r)],
                         [f.label for f in hedging.headline(results.Results("hedging", "/nowhere", {}, grid()))])

    def test_the_page_says_where_the_sweep_is(self):
        r = results.Results("hedging", "/nowhere", {}, self.default_runs())
        self.assertIn("`bench --reference` sweeps every hedge delay", hedging._charts(r, {}))
        self.assertNotIn("--reference", hedging._charts(results.Results("hedging", "/nowhere", {}, grid()), {}))


class HedgingReportTest(helpers.ReportOnFixture, unittest.TestCase):
    SCENARIO = "hedging"

    def test_report_succeeds(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)

    def test_page_has_the_verdict_and_sections(self):
        v = hv.decide(results.load(self.tmp, "hedging").runs)
        self.assertIn(f"> **Verdict.** **{v.word[0].upper() + v.word[1:]}", self.page)
        for heading in ("## Setup", "## Charts", "## Verdict", "## Hedged requests: tail and load",
                        "## First completed: what happens to the others", "## The material's `wait([coroutine, ...])`",
                        "## Why it happens", "## In an interview", "## Caveats", "## Numbers", "## Errors"):
            self.assertIn(heading, self.page)

    def test_exact_counts_hold_in_the_fixture(self):
        v = hv.decide(results.load(self.tmp, "hedging").runs)
        counts = [c for c in v.checks if c.unit == ""]
        self.assertEqual(len(counts), 10, [c.name for c in counts])
        self.assertTrue(all(c.status == "passed" for c in counts), [(c.name, c.status) for c in counts])

    def test_the_exception_is_shown_from_the_data(self):
        self.assertIn("raised `TypeError`", self.page)
        self.assertIn("Passing coroutines is forbidden", self.page)

    def test_charts_written(self):
        for stem in ("hedging_p99", "hedging_first_completed"):
            for ext in ("png", "svg"):
                path = os.path.join(self.tmp, "hedging", "charts", f"{stem}.{ext}")
                self.assertTrue(os.path.getsize(path) > 1000, path)


if __name__ == "__main__":
    unittest.main()
