#include "spectra.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "atomic_file.hpp"
#include "latency_stats.hpp"

namespace bench {

const std::vector<double>& Spectra::points() {
  static const std::vector<double> p = {0,  10, 20, 30, 40,   50,    60, 70,
                                        80, 90, 95, 99, 99.9, 99.99, 100};
  return p;
}

void Spectra::add(const std::string& benchmark, const std::vector<double>& latencies_us) {
  std::lock_guard lock(mutex_);
  auto& all = latencies_us_[benchmark];
  all.insert(all.end(), latencies_us.begin(), latencies_us.end());
}

void Spectra::write(const std::filesystem::path& path) const {
  nlohmann::json benchmarks = nlohmann::json::object();
  {
    std::lock_guard lock(mutex_);
    for (const auto& [name, values] : latencies_us_) {
      std::vector<double> sorted = values;
      std::sort(sorted.begin(), sorted.end());
      nlohmann::json pts = nlohmann::json::array();
      if (!sorted.empty())
        for (double p : points()) pts.push_back({p, clients::percentile_sorted(sorted, p)});
      benchmarks[name] = {{"samples", sorted.size()}, {"unit", "us"}, {"percentiles", pts}};
    }
  }
  write_file_atomically(path, nlohmann::json{{"benchmarks", benchmarks}}.dump(1) + "\n");
}

}  // namespace bench
