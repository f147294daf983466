// Full latency percentile spectra per benchmark (all repetitions pooled),
// beside bench.json as spectra.json: the tail that p50/p99 counters hide.
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace bench {

class Spectra {
 public:
  // Latencies (microseconds) of one repetition's successful requests.
  void add(const std::string& benchmark, const std::vector<double>& latencies_us);
  // Writes every spectrum so far to `path` (atomically).
  void write(const std::filesystem::path& path) const;

  // The percentile points of a spectrum.
  static const std::vector<double>& points();

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::vector<double>> latencies_us_;
};

}  // namespace bench
