// Scenario `sync_vs_async` (claim C4): fetch K URLs that each take L = 50 ms
// on the server, sequentially (blocking_curl; asio_coro awaiting one by one)
// and concurrently (a thread per request, a pool of 32 threads, curl multi
// with every transfer at once, asio_coro gathering every request). The K
// URLs are K distinct paths `/item/<i>?delay_ms=50` on the shared mockd
// (asio engine, one thread: the delays wait on timers, so the server serves
// any number of them at once). Signature: sequential >= K*L; gathered well
// under K*L; asio_coro runs on one thread; a thread per request creates K.
//
// The sequential models run only up to K = 100 (100 x 50 ms = 5 s a
// repetition), the pool of 32 threads up to K = 100; the report extrapolates
// them beyond (K x L, ceil(K/32) x L), marked as such.
// A run that throws (e.g. a thread cannot be created) is recorded as a
// failed benchmark with the reason, never a crash.
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "http_get.hpp"
#include "model_benchmark.hpp"
#include "run_summary.hpp"
#include "scenario.hpp"

namespace bench {
namespace {

constexpr double kDelayMs = 50;
// Sequential models beyond this K would take K x 50 ms per repetition, and
// the pool of 32 threads ceil(K/32) x 50 ms (1.6 s at K = 1000, 16 s at
// 10,000): measured up to here, they keep the full grid under 4 minutes.
constexpr std::size_t kSequentialMaxK = 100;
constexpr std::size_t kPoolMaxK = 100;

struct Mode {
  const char* model;
  const char* mode;  // the name's label: how the K requests are issued
  std::size_t concurrency;
  bool sequential;
  std::size_t max_k = 0;  // 0: every K; else measured up to this K, extrapolated beyond
};

// Concurrency 0 = all at once: for threadpool_curl a thread per request, for
// curl_multi every transfer added at once, for asio_coro one coroutine per
// request (gather). Pooling stays on (each model's default session).
constexpr Mode kModes[] = {
    {"blocking_curl", "sequential", 1, true, kSequentialMaxK},
    {"asio_coro", "sequential", 1, true, kSequentialMaxK},
    {"threadpool_curl", "thread_per_request", 0, false},
    {"threadpool_curl", "pool", 32, false, kPoolMaxK},
    {"curl_multi", "gather", 0, false},
    {"asio_coro", "gather", 0, false},
};

std::string name_of(const Mode& m, std::size_t k) {
  char delay[32];
  std::snprintf(delay, sizeof delay, "%g", kDelayMs);
  return std::string("sync_vs_async/") + m.model + "/" + m.mode +
         "/c:" + std::to_string(m.concurrency) + "/k:" + std::to_string(k) + "/delay_ms:" + delay;
}

// The resident memory now (VmRSS), MiB.
double current_rss_mb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

// Like run_model_benchmark, but with one URL per request and a run that may
// throw (thread creation) recorded as a failed benchmark.
void run_fetch_all(benchmark::State& state, ScenarioContext& context, const Mode& mode,
                   std::size_t k) {
  const std::string name = name_of(mode, k);
  ServerEndpoint server;
  try {
    server = context.servers().get(false);
  } catch (const std::exception& e) {
    return skip(state, "no server: " + std::string(e.what()));
  }
  clients::Plan plan;
  plan.urls.reserve(k);
  char target[64];
  for (std::size_t i = 0; i < k; ++i) {
    std::snprintf(target, sizeof target, "/item/%zu?delay_ms=%g", i, kDelayMs);
    plan.urls.push_back(server.url + target);
  }
  plan.requests = k;  // round-robin over the K URLs: each once
  plan.concurrency = mode.concurrency;
  plan.pooling = true;
  plan.timeout = std::chrono::seconds(60);
  plan.expected_bytes = 16;  // mockd's default body

  if (!verify_once(state, name, mode.model, plan)) return;

  MeasuredRun run;
  std::string failure;
  double rss_start_mb = 0;
  for (auto _ : state) {
    try {
      run = measure_run(mode.model, plan, server, [&] {
        // Hand back what earlier runs left in malloc's arenas (10,000 threads
        // leave plenty), so the peak reflects this run; rss_start_mb says what remained.
        malloc_trim(0);
        rss_start_mb = current_rss_mb();
      });
      state.SetIterationTime(run.summary.wall_s);
    } catch (const std::exception& e) {
      failure = e.what();
      state.SkipWithError(("run failed (" + std::string(mode.model) + ", " + std::to_string(k) +
                           " requests): " + failure)
                              .c_str());
      break;
    }
  }
  if (!failure.empty()) return;
  context.spectra().add(name, run.latencies_us);

  ServerCounts server_counts;
  server_counts.add(run.stats);
  set_standard_counters(state, run.summary, server_counts, plan);
  auto& c = state.counters;
  c["rss_start_mb"] = rss_start_mb;
  c["delay_ms"] = kDelayMs;
  c["k"] = static_cast<double>(k);
  c["wall_ms"] = run.summary.wall_s * 1e3;
  c["ideal_sequential_ms"] = static_cast<double>(k) * kDelayMs;
}

void register_sync_vs_async(ScenarioContext& context) {
  const bool quick = context.options().quick;
  const std::vector<std::size_t> ks = quick ? std::vector<std::size_t>{10, 100, 1000}
                                            : std::vector<std::size_t>{10, 100, 1000, 10'000};
  for (const Mode& m : kModes)
    for (std::size_t k : ks) {
      if (m.max_k != 0 && k > m.max_k) continue;
      context.add(name_of(m, k), [&context, &m, k](benchmark::State& state) {
        run_fetch_all(state, context, m, k);
      });
    }
}

const ScenarioRegistrar registrar({"sync_vs_async", register_sync_vs_async});

}  // namespace
}  // namespace bench
