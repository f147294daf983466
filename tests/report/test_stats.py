import unittest

from report_lib import fmt, stats


class MedianTest(unittest.TestCase):
    def test_even_count_averages_the_middle_two(self):
        self.assertEqual(stats.median([1, 2, 3, 4]), 2.5)

    def test_odd_count_takes_the_middle(self):
        self.assertEqual(stats.median([5, 1, 3]), 3)

    def test_nothing_measured_is_none(self):
        self.assertIsNone(stats.median([]))
        self.assertIsNone(stats.median([None]))


class CvTest(unittest.TestCase):
    def test_cv_is_sample_stddev_over_mean(self):
        # mean 5, sample stddev sqrt(((−3)²+(−1)²+1²+3²)/3) = sqrt(20/3)
        self.assertAlmostEqual(stats.cv([2, 4, 6, 8]), (20 / 3) ** 0.5 / 5)

    def test_identical_repetitions_have_zero_cv(self):
        self.assertEqual(stats.cv([7, 7, 7]), 0)

    def test_one_repetition_has_no_cv(self):
        self.assertIsNone(stats.cv([7]))

    def test_percent(self):
        self.assertEqual(stats.percent(0.25), 25)
        self.assertIsNone(stats.percent(None))


class FactorTest(unittest.TestCase):
    def test_factor_and_missing_sides(self):
        self.assertEqual(stats.factor(38, 2), 19)
        self.assertIsNone(stats.factor(1, 0))
        self.assertIsNone(stats.factor(None, 2))

    def test_geomean_of_reciprocal_ratios_is_one(self):
        self.assertAlmostEqual(stats.geomean([2, 0.5]), 1.0)


class FormatTest(unittest.TestCase):
    def test_three_significant_digits(self):
        self.assertEqual(fmt.sig(38.24), "38.2")
        self.assertEqual(fmt.sig(1.6), "1.60")
        self.assertEqual(fmt.sig(32123), "32,100")
        self.assertEqual(fmt.sig(0.0123), "0.0123")
        self.assertEqual(fmt.sig(999.7), "1,000")
        self.assertEqual(fmt.sig(None), fmt.DASH)

    def test_factor_percent_and_axis(self):
        self.assertEqual(fmt.times(38.24), "38.2x")
        self.assertEqual(fmt.pct(0.021), "2.1 %")
        self.assertEqual(fmt.compact(8.0), "8")
        self.assertEqual(fmt.axis(20000), "20k")
        self.assertEqual(fmt.param(5), "5")
        self.assertEqual(fmt.param(2.5), "2.5")


if __name__ == "__main__":
    unittest.main()
