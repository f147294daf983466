// The body shared by every benchmark that runs a client model against mockd:
// verify first (a primer whose every response must pass the checks, else the
// benchmark is skipped with the reason, never timed), then per repetition
// reset the server's counters, run the plan, read the counters back, and
// report the suite's counters (README: "Counters").
#pragma once

#include <benchmark/benchmark.h>

#include <string>

#include "client_model.hpp"
#include "scenario.hpp"

namespace bench {

struct ModelBenchmark {
  std::string name;    // the benchmark's name, also the key in spectra.json
  std::string model;   // a registered client model
  bool https = false;  // which mockd to use
  std::string target;  // path and query appended to the server's URL, e.g. "/?delay_ms=5"
  clients::Plan plan;  // urls and cacert are filled in from the server
};

void run_model_benchmark(benchmark::State& state, ScenarioContext& context,
                         const ModelBenchmark& spec);

// Peak resident memory since the last reset_peak_rss(), in MiB (Linux
// VmHWM); reset through /proc/self/clear_refs so each run has its own peak.
void reset_peak_rss();
double peak_rss_mb();

}  // namespace bench
