#include "scenario.hpp"

#include <stdexcept>

namespace bench {
namespace {

std::vector<Scenario>& registry() {
  static std::vector<Scenario> all;
  return all;
}

}  // namespace

ScenarioRegistrar::ScenarioRegistrar(Scenario scenario) {
  registry().push_back(std::move(scenario));
}

const std::vector<Scenario>& scenarios() {
  return registry();
}

std::regex make_filter(const std::string& filter) {
  for (const auto& scenario : scenarios())
    if (filter == scenario.name) return std::regex("^" + filter + "/");
  try {
    return std::regex(filter.empty() ? std::string(".") : filter, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw std::invalid_argument("--filter: not a regular expression: " + filter + " (" + e.what() +
                                ")");
  }
}

bool filter_selects(const std::regex& filter, const std::string& name) {
  return std::regex_search(name, filter);
}

bool ScenarioContext::add(const std::string& name, std::function<void(benchmark::State&)> fn) {
  if (!filter_selects(filter_, name)) return false;
  selected_.push_back(name);
  // One iteration per repetition and the repetition count come from flags
  // the driver passes to Google Benchmark (--benchmark_min_time=0,
  // --benchmark_repetitions): set here, they would be appended to every name.
  benchmark::RegisterBenchmark(name.c_str(), std::move(fn))
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
  return true;
}

}  // namespace bench
