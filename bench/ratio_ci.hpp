// The 95 % confidence interval of a ratio from paired repetitions, the same
// definition as the report's (scripts/report_lib/stats.py, ratio_ci): a
// Student t-interval on the logarithms of the per-repetition ratios, whose
// centre (the geometric mean) is the estimate. The driver uses it to decide
// when a comparison has been repeated enough.
#pragma once

#include <optional>
#include <vector>

namespace bench {

struct RatioCi {
  double estimate = 0, low = 0, high = 0;
  // The interval's larger relative distance from the estimate: 0.05 is ±5 %.
  double half_width() const;
};

// t(0.975, df) for df >= 1 (the report's table, conservative between entries).
double t975(int df);

// Nullopt with fewer than two ratios or a non-positive one.
std::optional<RatioCi> ratio_ci(const std::vector<double>& ratios);

// The median of `values` (NaN when empty): the statistic the console table,
// the cost model and the groups share.
double median(std::vector<double> values);

// The element-wise median of several series (as long as the shortest): the
// per-repetition median over a group's comparisons.
std::vector<double> median_across(const std::vector<std::vector<double>>& series);

}  // namespace bench
