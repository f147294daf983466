#include "ratio_ci.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

namespace bench {

double RatioCi::half_width() const {
  return std::max(high / estimate - 1, 1 - low / estimate);
}

double t975(int df) {
  // Student t quantiles, as in stats.py: df 1-30, then steps (the largest
  // tabulated df not above the actual one).
  static const std::map<int, double> table = {
      {1, 12.706}, {2, 4.303},  {3, 3.182},  {4, 2.776},  {5, 2.571},  {6, 2.447},  {7, 2.365},
      {8, 2.306},  {9, 2.262},  {10, 2.228}, {11, 2.201}, {12, 2.179}, {13, 2.160}, {14, 2.145},
      {15, 2.131}, {16, 2.120}, {17, 2.110}, {18, 2.101}, {19, 2.093}, {20, 2.086}, {21, 2.080},
      {22, 2.074}, {23, 2.069}, {24, 2.064}, {25, 2.060}, {26, 2.056}, {27, 2.052}, {28, 2.048},
      {29, 2.045}, {30, 2.042}, {40, 2.021}, {60, 2.000}, {120, 1.980}};
  auto it = table.upper_bound(std::max(df, 1));
  return std::prev(it)->second;
}

std::optional<RatioCi> ratio_ci(const std::vector<double>& ratios) {
  if (ratios.size() < 2 || std::any_of(ratios.begin(), ratios.end(),
                                       [](double r) { return !(r > 0) || !std::isfinite(r); }))
    return std::nullopt;
  std::vector<double> logs;
  for (double r : ratios) logs.push_back(std::log(r));
  const double n = static_cast<double>(logs.size());
  const double mean = std::accumulate(logs.begin(), logs.end(), 0.0) / n;
  double squares = 0;
  for (double l : logs) squares += (l - mean) * (l - mean);
  const double sd = std::sqrt(squares / (n - 1));
  const double half = t975(static_cast<int>(logs.size()) - 1) * sd / std::sqrt(n);
  return RatioCi{std::exp(mean), std::exp(mean - half), std::exp(mean + half)};
}

double median(std::vector<double> values) {
  if (values.empty()) return NAN;
  std::sort(values.begin(), values.end());
  const std::size_t m = values.size();
  return m % 2 ? values[m / 2] : (values[m / 2 - 1] + values[m / 2]) / 2;
}

std::vector<double> median_across(const std::vector<std::vector<double>>& series) {
  if (series.empty()) return {};
  std::size_t n = series.front().size();
  for (const auto& s : series) n = std::min(n, s.size());
  std::vector<double> out;
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<double> column;
    for (const auto& s : series) column.push_back(s[i]);
    out.push_back(median(std::move(column)));
  }
  return out;
}

}  // namespace bench
