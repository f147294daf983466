// Values over time that counters cannot hold (a server's arrivals per 10 ms,
// a queue's depth per sample), beside bench.json as series.json:
//   {"benchmarks": {"<benchmark name>": {"<key>": [numbers...]}}}
// One list per benchmark and key: a later repetition replaces an earlier one,
// so the file shows the last repetition (a chart of one run, not an average
// of runs that are not aligned in time).
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace bench {

class Series {
 public:
  void add(const std::string& benchmark, const std::string& key, std::vector<double> values);
  bool empty() const;
  // Writes every series so far to `path` (atomically).
  void write(const std::filesystem::path& path) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::map<std::string, std::vector<double>>> values_;
};

}  // namespace bench
