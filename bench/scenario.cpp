#include "scenario.hpp"

#include <algorithm>
#include <stdexcept>

namespace bench {
namespace {

std::vector<Scenario>& registry() {
  static std::vector<Scenario> all;
  return all;
}

}  // namespace

const char* mode_name(Mode mode) {
  switch (mode) {
    case Mode::quick:
      return "quick";
    case Mode::standard:
      return "default";
    case Mode::reference:
      return "reference";
  }
  return "default";
}

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

bool ScenarioContext::add(const std::string& name, std::function<void(benchmark::State&)> body,
                          double requests) {
  if (!filter_selects(filter_, name)) return false;
  benchmarks_.push_back({name, std::move(body), requests});
  return true;
}

void ScenarioContext::compare(Comparison comparison) {
  auto selected = [&](const std::string& name) {
    return std::any_of(benchmarks_.begin(), benchmarks_.end(),
                       [&](const BenchmarkEntry& b) { return b.name == name; });
  };
  if (selected(comparison.numerator) && selected(comparison.denominator))
    comparisons_.push_back(std::move(comparison));
}

}  // namespace bench
