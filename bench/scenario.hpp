// A scenario is one claim's experiment: a file under bench/scenarios/ that
// registers its benchmarks (names carrying their configuration) with a
// static ScenarioRegistrar, and declares which of them are compared. The
// driver selects benchmarks by --filter, then runs them in rounds (see
// schedule.hpp), so servers are only started for what will run.
#pragma once

#include <benchmark/benchmark.h>

#include <functional>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "series.hpp"
#include "servers.hpp"
#include "spectra.hpp"

namespace bench {

// How much a run measures (bench/README.md, "Modes").
enum class Mode {
  quick,      // a first look: a reduced grid, few requests, 3 repetitions
  standard,   // the default: the claim's headline grid, repetitions until its intervals are tight
  reference,  // the long grid behind the committed results, 10 repetitions of everything
};

const char* mode_name(Mode mode);  // "quick", "default", "reference"

struct RunOptions {
  Mode mode = Mode::standard;
  bool quick() const { return mode == Mode::quick; }
};

// One registered benchmark: its name and body. `requests` (0: not a request
// count) lets the driver predict its cost from the committed reference run.
struct BenchmarkEntry {
  std::string name;
  std::function<void(benchmark::State&)> body;
  double requests = 0;
};

// Two benchmarks compared by the ratio numerator ÷ denominator of a counter,
// repetition i with repetition i: the driver runs them side by side in every
// round and, in the default mode, repeats them until the group's interval is
// tight. Comparisons of one `group` (e.g. every C++ model over HTTPS) run the
// same number of repetitions, and the group is tight when the 95 % interval
// of its per-repetition median ratio (the report's headline figure) is.
struct Comparison {
  std::string group;  // a label for the console: "C++ models over HTTPS, delay 0"
  std::string numerator, denominator;
  std::string counter = "req_per_s";
};

// What a scenario's registration function gets.
class ScenarioContext {
 public:
  ScenarioContext(const std::regex& filter, const RunOptions& options, ServerSet& servers,
                  Spectra& spectra)
      : filter_(filter), options_(options), servers_(servers), spectra_(spectra) {}

  const RunOptions& options() const { return options_; }
  ServerSet& servers() { return servers_; }
  Spectra& spectra() { return spectra_; }
  // This scenario's values over time (series.json beside its bench.json).
  Series& series() { return series_; }

  // Registers `body` as benchmark `name` (manual time) if the filter selects
  // it; returns whether it did.
  bool add(const std::string& name, std::function<void(benchmark::State&)> body,
           double requests = 0);
  // Declares a comparison; kept only when the filter selected both sides.
  void compare(Comparison comparison);

  const std::vector<BenchmarkEntry>& benchmarks() const { return benchmarks_; }
  const std::vector<Comparison>& comparisons() const { return comparisons_; }

  // The default mode's budget for this scenario, when its verdict needs more
  // rounds than the suite's budget allows (a noisy group a check reads);
  // --budget on the command line still decides for every scenario.
  void default_budget(double seconds) { default_budget_s_ = seconds; }
  std::optional<double> default_budget() const { return default_budget_s_; }

 private:
  const std::regex& filter_;
  const RunOptions& options_;
  ServerSet& servers_;
  Spectra& spectra_;
  Series series_;
  std::vector<BenchmarkEntry> benchmarks_;
  std::vector<Comparison> comparisons_;
  std::optional<double> default_budget_s_;
};

struct Scenario {
  std::string name;  // first segment of its benchmark names, <out>/<name>/
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
