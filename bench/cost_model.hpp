// What each benchmark is expected to cost, for the ETA: its own repetitions
// once it has run; before that, the committed reference run's time for it
// (per request, scaled to this run's request count, and by how this machine
// compared with the reference on the benchmarks measured so far); else the
// mean of what this scenario's benchmarks cost so far.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "scenario.hpp"

namespace bench {

class CostModel {
 public:
  // Reads `reference` (a bench.json) if it exists; a missing or unreadable
  // file only makes the first estimates rougher.
  explicit CostModel(const std::filesystem::path& reference);

  void measured(const std::string& name, double seconds);
  double expected(const BenchmarkEntry& entry) const;
  // How much slower (> 1) or faster this machine runs the benchmarks measured
  // so far than the reference estimated, applied to those not yet measured:
  // a loaded or slower machine would otherwise see its ETA grow round by round.
  double speed() const;

 private:
  struct Reference {
    double seconds = 0;   // median time of one repetition, with a Python model's start-up
    double requests = 0;  // its request count, 0 if it has none
    double startup_s = 0;
  };
  std::map<std::string, Reference> reference_;
  mutable std::map<std::string, double> reference_estimate_;  // what expected() said before a run
  double speed_measured_ = 0, speed_estimated_ = 0;
  std::map<std::string, std::vector<double>> measured_;
  double measured_sum_ = 0;
  std::size_t measured_count_ = 0;
};

// How long `scenario` took to measure in `mode` ("quick", "default",
// "reference") when last recorded in `durations` (results/durations.json,
// written by scripts/report --record-durations); nullopt if not recorded.
// The prior for the ETA before a scenario's own repetitions can tell.
std::optional<double> recorded_duration(const std::filesystem::path& durations,
                                        const std::string& scenario, const std::string& mode);

}  // namespace bench
