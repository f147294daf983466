// A scenario is one claim's experiment: a file under bench/ that registers
// its benchmarks (names carrying their configuration) with a static
// ScenarioRegistrar. The driver selects benchmarks by --filter before
// registering them, so servers are only started for what will run.
#pragma once

#include <benchmark/benchmark.h>

#include <functional>
#include <regex>
#include <string>
#include <vector>

#include "servers.hpp"
#include "spectra.hpp"

namespace bench {

struct RunOptions {
  bool quick = false;
  int repetitions = 10;
};

// What a scenario's registration function gets.
class ScenarioContext {
 public:
  ScenarioContext(const std::regex& filter, const RunOptions& options, ServerSet& servers,
                  Spectra& spectra, std::vector<std::string>& selected)
      : filter_(filter),
        options_(options),
        servers_(servers),
        spectra_(spectra),
        selected_(selected) {}

  const RunOptions& options() const { return options_; }
  ServerSet& servers() { return servers_; }
  Spectra& spectra() { return spectra_; }

  // Registers `fn` as benchmark `name` (manual time) if the filter selects
  // it; returns whether it did.
  bool add(const std::string& name, std::function<void(benchmark::State&)> fn);

 private:
  const std::regex& filter_;
  const RunOptions& options_;
  ServerSet& servers_;
  Spectra& spectra_;
  std::vector<std::string>& selected_;
};

struct Scenario {
  std::string name;  // first segment of its benchmark names, results/<name>/
  std::function<void(ScenarioContext&)> register_benchmarks;
};

struct ScenarioRegistrar {
  explicit ScenarioRegistrar(Scenario scenario);
};

const std::vector<Scenario>& scenarios();

// --filter: a regular expression searched in benchmark names. A scenario's
// name on its own selects exactly that scenario ("blocking" would otherwise
// also match blocking_curl benchmarks elsewhere). Throws
// std::invalid_argument for a malformed expression.
std::regex make_filter(const std::string& filter);
bool filter_selects(const std::regex& filter, const std::string& name);

}  // namespace bench
