"""The shared confidence-interval helpers (stats.ratio_ci, stats.paired_ratio_ci),
the verdict checks built on them (verdict.py), their formatting (fmt), and the
model registry (models.py) against every model in the committed results."""
import json
import math
import os
import unittest

from . import REPO
from report_lib import fmt, models, results, stats, verdict


class RatioCiTest(unittest.TestCase):
    def test_two_pairs_exact(self):
        # logs ln2 and 3 ln2: mean 2 ln2 (estimate 4), sd sqrt(2) ln2, t(0.975, 1) = 12.706,
        # half-width 12.706 * sqrt(2) ln2 / sqrt(2) = 12.706 ln2.
        est, lo, hi = stats.ratio_ci([2, 8])
        self.assertAlmostEqual(est, 4.0)
        self.assertAlmostEqual(lo, 4 * 2 ** -12.706)
        self.assertAlmostEqual(hi, 4 * 2 ** 12.706)

    def test_paired_three_repetitions_exact(self):
        # ratios 2, 4, 8: logs (1, 2, 3) ln2, sd ln2, t(0.975, 2) = 4.303.
        est, lo, hi = stats.paired_ratio_ci([20, 40, 80], [10, 10, 10])
        half = 4.303 / math.sqrt(3)
        self.assertAlmostEqual(est, 4.0)
        self.assertAlmostEqual(lo, 4 * 2 ** -half)
        self.assertAlmostEqual(hi, 4 * 2 ** half)

    def test_pairs_are_by_repetition_not_sorted(self):
        # The same values paired differently give a different interval: pairing matters.
        steady = stats.paired_ratio_ci([10, 20, 30], [5, 10, 15])
        shuffled = stats.paired_ratio_ci([10, 20, 30], [15, 5, 10])
        self.assertAlmostEqual(steady[1], 2.0)
        self.assertAlmostEqual(steady[2], 2.0)
        self.assertLess(shuffled[1], 1.0)

    def test_identical_ratios_give_a_point(self):
        self.assertEqual(stats.ratio_ci([3.0, 3.0, 3.0]), (3.0, 3.0, 3.0))

    def test_one_pair_has_no_interval(self):
        self.assertEqual(stats.ratio_ci([5.0]), (5.0, None, None))
        self.assertEqual(stats.ratio_ci([]), (None, None, None))

    def test_t_quantiles(self):
        self.assertEqual(stats.t975(1), 12.706)
        self.assertEqual(stats.t975(9), 2.262)
        self.assertEqual(stats.t975(45), 2.021)  # conservative: df 40's value
        self.assertIsNone(stats.t975(0))

    def test_mean_ci_exact(self):
        # mean 2, sd 1, n 3: half-width 4.303 / sqrt(3).
        m, lo, hi = stats.mean_ci([1, 2, 3])
        self.assertAlmostEqual(m, 2)
        self.assertAlmostEqual(lo, 2 - 4.303 / math.sqrt(3))
        self.assertAlmostEqual(hi, 2 + 4.303 / math.sqrt(3))

    def test_median_across(self):
        self.assertEqual(stats.median_across([[1, 10, 5], [3, 2], [2, 6, 7]]), [2, 6])


class ChecksTest(unittest.TestCase):
    def test_interval_above_threshold_passes(self):
        c = verdict.at_least("HTTPS factor", (37.2, 35.0, 39.1), 1.2)
        self.assertEqual(c.status, verdict.PASSED)
        self.assertEqual(c.figure, "37.2x (95 % CI 35.0–39.1x)")

    def test_interval_straddling_threshold_is_noise(self):
        c = verdict.at_least("HTTP factor", (1.6, 1.1, 2.3), 1.5)
        self.assertEqual(c.status, verdict.UNDECIDED)
        self.assertEqual(verdict.word_from([c]), verdict.NOISE)
        self.assertIn("HTTP factor: 1.60x (95 % CI 1.10–2.30x), threshold ≥ 1.5x", verdict.noise_text([c]))

    def test_interval_below_threshold_fails(self):
        c = verdict.at_least("HTTP factor", (1.2, 1.1, 1.3), 1.5)
        self.assertEqual(c.status, verdict.FAILED)
        self.assertEqual(verdict.word_from([c, verdict.at_least("x", (9, 8, 10), 2)]), verdict.NUANCED)

    def test_noisy_repetitions_are_inconclusive(self):
        # A loaded machine: the median factor is above 1.5 but repetitions swing 61 %.
        pooled, unpooled = [3000, 1000, 2600], [1000, 1100, 1300]
        ci = stats.paired_ratio_ci(pooled, unpooled)
        self.assertGreater(ci[0], 1.5)
        self.assertGreater(stats.cv(stats.paired_ratios(pooled, unpooled)), 0.5)
        self.assertEqual(verdict.at_least("factor", ci, 1.5).status, verdict.UNDECIDED)

    def test_below(self):
        self.assertEqual(verdict.below("pooled RTT", (1.02, 1.0, 1.05), 1.5, unit=" RTT").status, verdict.PASSED)
        self.assertEqual(verdict.below("pooled RTT", (2.0, 1.8, 2.2), 1.5, unit=" RTT").status, verdict.FAILED)

    def test_no_interval_is_undecided(self):
        self.assertEqual(verdict.at_least("f", (5.0, None, None), 1.2).status, verdict.UNDECIDED)


class FormatCiTest(unittest.TestCase):
    def test_factor_ci(self):
        self.assertEqual(fmt.factor_ci(37.24, 35.01, 39.13), "37.2x (95 % CI 35.0–39.1x)")
        self.assertEqual(fmt.factor_ci(5.0, None, None), "5.00x (no CI: one repetition)")

    def test_no_difference_when_the_interval_includes_one(self):
        self.assertEqual(fmt.faster_ci(0.997, 0.98, 1.01), "no difference (0.997x, 95 % CI 0.980–1.01x)")
        self.assertEqual(fmt.faster_ci(0.997, 0.98, 1.01, " over HTTP"),
                         "no difference over HTTP (0.997x, 95 % CI 0.980–1.01x)")
        self.assertTrue(fmt.faster_ci(3.47, 3.1, 3.9).startswith("3.47x faster"))
        self.assertIn("slower", fmt.faster_ci(0.8, 0.7, 0.9))

    def test_durations(self):
        self.assertEqual(fmt.duration_us(830), "830 µs")
        self.assertEqual(fmt.duration_us(1420), "1.42 ms")


class RegistryTest(unittest.TestCase):
    def test_every_model_in_the_committed_results_is_registered(self):
        # Scenarios whose names start with the client model (<scenario>/<model>/...); blocking's
        # names describe tasks, not models. Any py_* segment anywhere is a Python model too.
        root = os.path.join(REPO, "results")
        seen = set()
        for scenario in MODEL_FIRST:
            path = os.path.join(root, scenario, "bench.json")
            if not os.path.isfile(path):
                continue
            with open(path, encoding="utf-8") as f:
                for e in json.load(f)["benchmarks"]:
                    name = results.parse_name(e.get("run_name") or e["name"])
                    if name.labels:
                        seen.add(name.labels[0])
                    seen.update(l for l in name.labels if l.startswith("py_"))
        self.assertTrue(seen)
        self.assertEqual(sorted(n for n in seen if n not in models.MODELS), [])

    def test_unknown_model_still_shows_grey_and_last(self):
        m = models.get("mystery")
        self.assertEqual(m.colour, models.UNKNOWN_COLOUR)
        self.assertEqual(models.ordered(["mystery", "asio_coro", "py_aiohttp"]), ["asio_coro", "py_aiohttp", "mystery"])

    def test_python_models_are_marked(self):
        m = models.get("py_aiohttp")
        self.assertTrue(m.is_python)
        self.assertEqual(m.label(32), "py_aiohttp c:32 (Python)")
        self.assertEqual(m.line_style()["linestyle"], "--")
        self.assertEqual(m.line_style()["markerfacecolor"], "white")
        self.assertEqual(models.get("asio_coro").table_label(32), "`asio_coro` c:32 (C++)")

    def test_colours_and_markers_tell_models_apart(self):
        colours = [m.colour for m in models.MODELS.values()]
        self.assertEqual(len(colours), len(set(colours)))


MODEL_FIRST = ("pooling", "rtt", "limits", "sync_vs_async")


if __name__ == "__main__":
    unittest.main()
