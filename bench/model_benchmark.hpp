// The body shared by every benchmark that runs a client model against mockd:
// verify first (a primer whose every response must pass the checks, else the
// benchmark is skipped with the reason, never timed), then per repetition
// reset the server's counters, run the plan, read the counters back, and
// report the suite's counters (bench/README.md: "Counters").
#pragma once

#include <benchmark/benchmark.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "client_model.hpp"
#include "run_summary.hpp"
#include "scenario.hpp"

namespace bench {

struct ModelBenchmark {
  std::string name;    // the benchmark's name, also the key in spectra.json
  std::string model;   // a registered client model
  bool https = false;  // which mockd to use
  std::string target;  // path and query appended to the server's URL, e.g. "/?delay_ms=5"
  clients::Plan plan;  // urls and cacert are filled in from the server
  // Verify against the system's CA bundle with the server's certificate
  // appended (what a client verifying a public site loads), not against the
  // server's certificate alone: Python's TLS clients load the whole bundle
  // for every new SSL context, so the size of the bundle is part of the cost.
  bool system_ca_bundle = false;
};

// The server's figures for one run: one mockd's /stats, or several added up.
struct ServerCounts {
  double conns_opened = 0, conns_peak = 0, tls_handshakes = 0, tls_resumed = 0, requests = 0;
  void add(const nlohmann::json& stats);
};

// One timed run of a client model: the server's counters reset before it
// and read after it, the client's peak memory of this run alone.
struct MeasuredRun {
  clients::RunSummary summary;                 // peak_rss_kib: this run's peak
  nlohmann::json stats;                        // the (first) server's /stats after the run
  std::vector<nlohmann::json> server_stats;    // every server's /stats, in the order given
  std::vector<double> latencies_us;            // of the successful requests
  std::vector<std::uint32_t> latency_targets;  // the Plan::urls index of each of them
};

// `before_run` runs after the server's reset and before the peak-memory
// reset; `after_run` right after the run, before anything else is read.
MeasuredRun measure_run(const std::string& model, const clients::Plan& plan,
                        const ServerEndpoint& server, const std::function<void()>& before_run = {},
                        const std::function<void()>& after_run = {});

// The same against several servers (a plan whose urls span hosts): each
// one's counters reset before the run and read after it.
MeasuredRun measure_run(const std::string& model, const clients::Plan& plan,
                        const std::vector<ServerEndpoint>& servers,
                        const std::function<void()>& before_run = {},
                        const std::function<void()>& after_run = {});

// "read=3, timeout=1 (first message)": a run's errors, for labels and skip reasons.
std::string error_summary(const clients::RunSummary& summary);

// Marks a benchmark as skipped with `why` (shown in the console, the JSON and
// the report) and consumes its iteration loop, as Google Benchmark requires.
void skip(benchmark::State& state, const std::string& why);

// The shared mockd (plain HTTP or HTTPS) the scenario runs against; without
// one, nullopt with the benchmark skipped and the reason given.
std::optional<ServerEndpoint> server_or_skip(benchmark::State& state, ScenarioContext& context,
                                             bool https);

// Verify before measuring: the first time `name` runs, a primer of up to 20
// requests of `plan` must all pass the model's checks (status, size). Returns
// false, with the benchmark skipped and the reason given, when they do not;
// a configuration that fails is never timed. Also warms the server up.
bool verify_once(benchmark::State& state, const std::string& name, const std::string& model,
                 const clients::Plan& plan);

// Sets the counters every client-model benchmark reports (bench/README.md,
// "Counters"), errors by kind included, and labels a benchmark that had
// errors with them. A repetition whose every request failed is marked as
// skipped with the errors as the reason: it measured no server.
void set_standard_counters(benchmark::State& state, const clients::RunSummary& summary,
                           const ServerCounts& server, const clients::Plan& plan);

void run_model_benchmark(benchmark::State& state, ScenarioContext& context,
                         const ModelBenchmark& spec);

// Peak resident memory since the last reset_peak_rss(), in MiB (Linux
// VmHWM); reset through /proc/self/clear_refs so each run has its own peak.
void reset_peak_rss();
double peak_rss_mb();

}  // namespace bench
