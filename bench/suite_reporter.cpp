#include "suite_reporter.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <regex>
#include <sstream>
#include <utility>

#include "atomic_file.hpp"
#include "ratio_ci.hpp"

namespace bench {
namespace {

// "84,605" / "1.23" / "-": a console cell.
std::string cell(double v, int decimals = 0) {
  if (std::isnan(v)) return "-";
  char buf[64];
  if (decimals > 0 || std::fabs(v) < 1000) {
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.0f", v);
  std::string digits = buf, out;
  const std::size_t lead = digits[0] == '-' ? 1 : 0;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > lead && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

SuiteReporter::SuiteReporter(std::filesystem::path json_path, std::filesystem::path spectra_path,
                             const Spectra& spectra, std::vector<std::string> order)
    : json_path_(std::move(json_path)),
      spectra_path_(std::move(spectra_path)),
      spectra_(spectra),
      order_(std::move(order)) {}

bool SuiteReporter::ReportContext(const Context& context) {
  // Google Benchmark reports the context at the start of every round; the
  // first one stands for the run.
  if (!context_) context_.emplace(context);
  return true;
}

void SuiteReporter::ReportRuns(const std::vector<Run>& runs) {
  for (const auto& r : runs)
    if (r.run_type == Run::RT_Iteration) runs_[r.run_name.function_name].push_back(r);
  write_files();
}

std::string SuiteReporter::json() const {
  std::ostringstream text;
  benchmark::JSONReporter json;
  json.SetOutputStream(&text);
  json.SetErrorStream(&std::cerr);
  if (context_) json.ReportContext(*context_);
  for (std::size_t family = 0; family < order_.size(); ++family) {
    auto it = runs_.find(order_[family]);
    if (it == runs_.end()) continue;
    // Each round reported its run as repetition 0 of 1; here they become
    // repetitions 0..n-1 of n, in the order they ran.
    std::vector<Run> reps = it->second;
    for (std::size_t i = 0; i < reps.size(); ++i) {
      reps[i].family_index = static_cast<int64_t>(family);
      reps[i].per_family_instance_index = 0;
      reps[i].repetition_index = static_cast<int64_t>(i);
      reps[i].repetitions = static_cast<int64_t>(reps.size());
    }
    json.ReportRuns(reps);
  }
  json.Finalize();
  // Google Benchmark writes NaN for an undefined value: not JSON, so strict
  // parsers would reject the file. null says the same thing.
  static const std::regex not_a_number(R"(: -?(NaN|Infinity)\b)");
  const std::string raw = text.str();
  if (raw.find("NaN") == std::string::npos && raw.find("Infinity") == std::string::npos) return raw;
  return std::regex_replace(raw, not_a_number, ": null");
}

void SuiteReporter::write_files() const {
  write_file_atomically(json_path_, json());
  spectra_.write(spectra_path_);
  if (series_ && !series_->empty()) series_->write(series_path_);
}

std::vector<double> SuiteReporter::values(const std::string& name,
                                          const std::string& counter) const {
  std::vector<double> out;
  auto it = runs_.find(name);
  if (it == runs_.end()) return out;
  for (const auto& r : it->second) {
    if (r.error_occurred) continue;
    auto c = r.counters.find(counter);
    if (c != r.counters.end()) out.push_back(c->second.value);
  }
  return out;
}

std::size_t SuiteReporter::repetitions(const std::string& name) const {
  auto it = runs_.find(name);
  return it == runs_.end() ? 0 : it->second.size();
}

bool SuiteReporter::skipped(const std::string& name) const {
  auto it = runs_.find(name);
  return it != runs_.end() && std::any_of(it->second.begin(), it->second.end(),
                                          [](const Run& r) { return r.error_occurred; });
}

double SuiteReporter::failed_requests(const std::string& name) const {
  double sum = 0;
  for (double v : values(name, "errors")) sum += v;
  return sum;
}

std::size_t SuiteReporter::benchmarks_measured() const {
  return static_cast<std::size_t>(std::count_if(order_.begin(), order_.end(), [&](const auto& n) {
    return repetitions(n) > 0 && !skipped(n);
  }));
}

std::size_t SuiteReporter::benchmarks_with_errors() const {
  return static_cast<std::size_t>(std::count_if(order_.begin(), order_.end(), [&](const auto& n) {
    return skipped(n) || failed_requests(n) > 0;
  }));
}

std::string SuiteReporter::table(bool color) const {
  std::size_t width = 9;
  for (const auto& n : order_) width = std::max(width, n.size());
  const char* bold = color ? "\033[1m" : "";
  const char* red = color ? "\033[31m" : "";
  const char* reset = color ? "\033[0m" : "";
  std::ostringstream out;
  char line[512];
  std::snprintf(line, sizeof line, "%s%-*s %5s %10s %10s %9s %9s %6s %7s%s\n", bold,
                static_cast<int>(width), "benchmark", "reps", "time ms", "req/s", "p50 ms",
                "p99 ms", "conns", "errors", reset);
  out << line;
  for (const auto& name : order_) {
    auto it = runs_.find(name);
    if (it == runs_.end()) continue;
    if (skipped(name)) {
      std::string why;
      for (const auto& r : it->second)
        if (r.error_occurred) why = r.error_message;
      out << red << name << "  skipped: " << why << reset << "\n";
      continue;
    }
    std::vector<double> ms;
    for (const auto& r : it->second) ms.push_back(r.GetAdjustedRealTime());
    const double errors = failed_requests(name);
    std::snprintf(line, sizeof line, "%-*s %5zu %10s %10s %9s %9s %6s %s%7s%s\n",
                  static_cast<int>(width), name.c_str(), it->second.size(),
                  cell(median(ms), 1).c_str(), cell(median(values(name, "req_per_s"))).c_str(),
                  cell(median(values(name, "p50_us")) / 1000, 3).c_str(),
                  cell(median(values(name, "p99_us")) / 1000, 3).c_str(),
                  cell(median(values(name, "conns_opened"))).c_str(), errors > 0 ? red : "",
                  cell(errors).c_str(), errors > 0 ? reset : "");
    out << line;
  }
  return out.str();
}

}  // namespace bench
