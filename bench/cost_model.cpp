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
    if (entry.requests > 0 && r.requests > 0)
      return (r.seconds - r.startup_s) * entry.requests / r.requests + r.startup_s;
    return r.seconds;
  }
  if (measured_count_ > 0) return measured_sum_ / static_cast<double>(measured_count_);
  return 0.5;
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
