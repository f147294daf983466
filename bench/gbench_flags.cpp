#include "gbench_flags.hpp"

#include <map>
#include <stdexcept>

#include "integer_check.hpp"

namespace bench {
namespace {

// Refused flags and the suite's way to the same end.
const std::map<std::string, std::string>& refused() {
  static const std::map<std::string, std::string> why = {
      {"benchmark_out", "bench writes bench.json under --out DIR/<scenario>/"},
      {"benchmark_out_format",
       "bench writes Google Benchmark's JSON to --out DIR/<scenario>/bench.json"},
      {"benchmark_min_time", "a repetition is one full run of a plan; use --repetitions"},
      {"benchmark_min_warmup_time",
       "every benchmark verifies (and warms) its server before it is timed"},
      {"benchmark_enable_random_interleaving",
       "bench interleaves the sides of each comparison itself, round by round"},
      {"benchmark_report_aggregates_only",
       "the reports need every repetition, so bench.json keeps them all; the console already shows "
       "one "
       "line per benchmark"},
      {"benchmark_display_aggregates_only",
       "the console already shows one line per benchmark (medians)"},
      {"benchmark_counters_tabular",
       "the console shows fixed columns; every counter is in bench.json"},
      {"benchmark_time_unit", "times are in milliseconds"},
      {"benchmark_perf_counters", "bench reports the client's CPU time (cpu_s) instead"},
  };
  return why;
}

bool truth(const std::string& flag, const std::string& value) {
  if (value.empty() || value == "true" || value == "yes" || value == "1") return true;
  if (value == "false" || value == "no" || value == "0") return false;
  throw std::invalid_argument(flag + ": expected true or false, got '" + value + "'");
}

}  // namespace

GbenchFlags parse_gbench_flags(const std::vector<std::string>& args) {
  GbenchFlags flags;
  for (const auto& arg : args) {
    if (arg.rfind("--v=", 0) == 0) {
      flags.passed.push_back(arg);
      continue;
    }
    if (arg.rfind("--benchmark_", 0) != 0)
      throw std::invalid_argument("unknown option " + arg + " (see --help)");
    const auto eq = arg.find('=');
    const std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    const bool has_value = eq != std::string::npos;
    const std::string value = has_value ? arg.substr(eq + 1) : "";
    const std::string flag = "--" + name;
    if (auto it = refused().find(name); it != refused().end())
      throw std::invalid_argument(flag + " is not supported: " + it->second);
    if (name == "benchmark_filter") {
      if (!has_value) throw std::invalid_argument(flag + " needs a value: " + flag + "=REGEX");
      flags.filter = value;
    } else if (name == "benchmark_list_tests") {
      flags.list = truth(flag, value);
    } else if (name == "benchmark_repetitions") {
      if (!has_value) throw std::invalid_argument(flag + " needs a value: " + flag + "=N");
      if (const std::string error =
              cli_checks::integer_error(value, 1, 1000, cli_checks::integer_range(1, 1000));
          !error.empty())
        throw std::invalid_argument(flag + ": " + error);
      flags.repetitions = std::stoi(value);
    } else if (name == "benchmark_format") {
      if (value == "json")
        flags.json = true;
      else if (value != "console")
        throw std::invalid_argument(
            flag + ": console or json (bench.json is always written), got '" + value + "'");
    } else if (name == "benchmark_color") {
      if (value == "auto")
        flags.color.reset();
      else
        flags.color = truth(flag, value);
    } else if (name == "benchmark_context") {
      flags.passed.push_back(arg);
    } else {
      throw std::invalid_argument("unknown Google Benchmark option " + flag + " (see --help)");
    }
  }
  return flags;
}

}  // namespace bench
