// Google Benchmark's own --benchmark_* flags, given to bench: each one is
// either honoured through the suite's equivalent or refused with a line that
// names the suite's option (bench/README.md, "Google Benchmark's flags"). bench runs
// its benchmarks in rounds and writes its own files, so passing them through
// blindly would half-work (a filter applied per round, an output file
// truncated every round, aggregates the report cannot use).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace bench {

struct GbenchFlags {
  std::optional<std::string> filter;  // --benchmark_filter
  bool list = false;                  // --benchmark_list_tests
  std::optional<int> repetitions;     // --benchmark_repetitions
  bool json = false;                  // --benchmark_format=json: JSON on stdout, no table
  std::optional<bool> color;          // --benchmark_color; unset: when stdout is a terminal
  std::vector<std::string>
      passed;  // handed to Google Benchmark as they are (--benchmark_context, --v)
};

// Throws std::invalid_argument with the one-line reason for a refused or
// malformed flag. `args`: the arguments CLI11 left over.
GbenchFlags parse_gbench_flags(const std::vector<std::string>& args);

}  // namespace bench
