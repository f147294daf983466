#include "cost_model.hpp"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>

#include "ratio_ci.hpp"

namespace bench {
namespace {

// "pooling/x/pool/http/c:1/delay_ms:0/manual_time" -> the registered name.
std::string registered_name(std::string name) {
  const std::string suffix = "/manual_time";
  if (name.size() > suffix.size() && name.ends_with(suffix))
    name.resize(name.size() - suffix.size());
  return name;
}

}  // namespace

CostModel::CostModel(const std::filesystem::path& reference) {
  std::ifstream in(reference);
  if (!in) return;
  try {
    const auto doc = nlohmann::json::parse(in);
    std::map<std::string, std::vector<double>> seconds, requests, startup;
    for (const auto& b : doc.at("benchmarks")) {
      if (b.value("run_type", "") != "iteration" || b.value("error_occurred", false)) continue;
      const std::string name = registered_name(b.value("run_name", ""));
      // real_time is in the benchmark's time unit (ms for every suite benchmark).
      seconds[name].push_back(b.value("real_time", 0.0) / 1000);
      requests[name].push_back(b.value("requests", 0.0));
      startup[name].push_back(b.value("startup_ms", 0.0) / 1000);
    }
    for (const auto& [name, s] : seconds) {
      const double start = median(startup[name]);
      reference_[name] = {median(s) + start, median(requests[name]), start};  // s is never empty
    }
  } catch (const std::exception&) {
    reference_.clear();  // an estimate, never a reason to fail
  }
}

void CostModel::measured(const std::string& name, double seconds) {
  // A benchmark's first run against what the reference promised for it.
  if (auto it = reference_estimate_.find(name);
      it != reference_estimate_.end() && !measured_.contains(name)) {
    speed_measured_ += seconds;
    speed_estimated_ += it->second;
  }
  measured_[name].push_back(seconds);
  measured_sum_ += seconds;
  ++measured_count_;
}

double CostModel::expected(const BenchmarkEntry& entry) const {
  if (auto it = measured_.find(entry.name); it != measured_.end())
    return std::accumulate(it->second.begin(), it->second.end(), 0.0) /
           static_cast<double>(it->second.size());
  if (auto it = reference_.find(entry.name); it != reference_.end()) {
    const Reference& r = it->second;
    const double estimate =
        entry.requests > 0 && r.requests > 0
            ? (r.seconds - r.startup_s) * entry.requests / r.requests + r.startup_s
            : r.seconds;
    reference_estimate_[entry.name] = estimate;
    return estimate * speed();
  }
  if (measured_count_ > 0) return measured_sum_ / static_cast<double>(measured_count_);
  return 0.5;
}

double CostModel::speed() const {
  // Half a second of evidence before trusting it; never more than 4x either way.
  if (speed_estimated_ <= 0 || speed_measured_ < 0.5) return 1.0;
  return std::clamp(speed_measured_ / speed_estimated_, 0.25, 4.0);
}

std::optional<double> recorded_duration(const std::filesystem::path& durations,
                                        const std::string& scenario, const std::string& mode) {
  std::ifstream in(durations);
  if (!in) return std::nullopt;
  try {
    const auto doc = nlohmann::json::parse(in);
    const double s = doc.at(scenario).at(mode).at("measure_s").get<double>();
    if (s > 0) return s;
  } catch (const std::exception&) {
    // an estimate, never a reason to fail
  }
  return std::nullopt;
}

}  // namespace bench
