// Scenario `sync_vs_async` (claim C4): fetch K URLs that each take L = 50 ms
// on the server, one after another (blocking_curl; asio_coro awaiting one by
// one; Python requests with one Session, and with requests.get per URL) and
// concurrently (a thread per request, 32 worker threads in C++ and in Python,
// curl multi with every transfer at once, asio_coro and Python aiohttp
// gathering every request on one thread). The K URLs are K distinct paths
// `/item/<i>?delay_ms=50` on the shared mockd (asio engine, one thread: the
// delays wait on timers, so the server serves any number of them at once).
// Signature: sequential >= K*L; gathered well under K*L; asio_coro and
// py_aiohttp run on one thread; a thread per request creates K.
//
// The sequential series and the 32 workers run only up to K = 100 (100 x 50 ms
// = 5 s a repetition), the Python gather up to 1,000 (a repetition stays
// within a few seconds); nothing is extrapolated beyond what ran. That sweep
// over K is --reference's (and --quick's, at K <= 1,000); the default run
// measures only what the report's verdict, its headline figures and the
// interview guide read (kDefaultGrid), and declares its pairs as
// comparisons, so each stops repeating once its interval is tight.
// The Python series are registered only when their models are
// (clients::has_model), so a build without them lists none.
// A run that throws (e.g. a thread cannot be created) is recorded as a
// failed benchmark with the reason, never a crash.
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "client_model.hpp"
#include "http_get.hpp"
#include "model_benchmark.hpp"
#include "run_summary.hpp"
#include "scenario.hpp"

namespace bench::sync_vs_async_scenario {
namespace {

constexpr double kDelayMs = 50;
// Sequential series beyond this K would take K x 50 ms per repetition (50 s at
// 1,000), and 32 workers ceil(K/32) x 50 ms (16 s at 10,000). K = 100 is the
// largest K where a sequential run and a gathered one are both measured: the
// headline compares them there.
constexpr std::size_t kSequentialMaxK = 100;
constexpr std::size_t kWorkersMaxK = 100;
// Python's gather: about 1 s of interpreter CPU per 1,000 requests on one
// thread, so 10,000 would take tens of seconds a repetition.
constexpr std::size_t kPythonGatherMaxK = 1000;

struct Mode {
  const char* model;
  const char* mode;  // the name's label: how the K requests are issued
  std::size_t concurrency;
  bool pooling = true;    // false: a new connection per request (requests.get per URL)
  std::size_t max_k = 0;  // 0: every K; else measured up to this K only
};

// Concurrency 0 = all at once: for threads_curl a thread per request, for
// curl_multi every transfer added at once, for asio_coro one coroutine per
// request, for py_aiohttp asyncio.gather over one ClientSession. Pooling stays
// on (each model's default session) except in `sequential_nopool`, the
// material's example of requests.get per URL, so that the pooling confound
// (pooling and concurrency changed together) is visible on its own.
constexpr Mode kModes[] = {
    {"blocking_curl", "sequential", 1, true, kSequentialMaxK},
    {"asio_coro", "sequential", 1, true, kSequentialMaxK},
    {"threads_curl", "thread_per_request", 0},
    {"threads_curl", "workers", 32, true, kWorkersMaxK},
    {"curl_multi", "gather", 0},
    {"asio_coro", "gather", 0},
    {"py_requests", "sequential", 1, true, kSequentialMaxK},
    {"py_requests", "sequential_nopool", 1, false, kSequentialMaxK},
    {"py_requests_threads", "workers", 32, true, kWorkersMaxK},
    {"py_aiohttp", "gather", 0, true, kPythonGatherMaxK},
};

// The default run's grid: what each (series, K) carries in the report
// (scripts/report_lib/sync_vs_async*.py) and the guide (guide_questions.py).
// A one-by-one run at K = 100 takes 5 s, so only those a figure needs run.
struct GridPoint {
  const char* model;
  const char* mode;
  std::size_t k;
};
// The report's headline K (MIN_K there): the smallest K at which a pair is
// compared, and the only one at which both sides of every pair run.
constexpr std::size_t kHeadlineK = 100;
// requests.get per URL against one Session costs the same per request at any
// K (a connection's set-up beside a 50 ms wait), so the pooling confound is
// measured where one by one takes 0.5 s instead of 5 s.
constexpr std::size_t kConfoundK = 10;
constexpr GridPoint kDefaultGrid[] = {
    // The headline pairs, one thread one by one vs all at once: Python (the
    // verdict's and the guide's figure), and C++ with the same coroutine code
    // both ways. Their one-by-one runs carry the check "at least K x L".
    {"py_requests", "sequential", kHeadlineK},
    {"py_aiohttp", "gather", kHeadlineK},
    {"asio_coro", "sequential", kHeadlineK},
    {"asio_coro", "gather", kHeadlineK},
    // The guide's question on threads: requests on 32 threads vs one by one.
    {"py_requests_threads", "workers", kHeadlineK},
    // Every request at once, the other C++ ways: the checks "K x L / wall"
    // and the signatures (one thread; a thread per request creates K).
    {"threads_curl", "thread_per_request", kHeadlineK},
    {"curl_multi", "gather", kHeadlineK},
    // The pooling confound (the page's table and the guide's "requests.get ÷
    // a Session" rule): the three Python series at one K.
    {"py_requests", "sequential_nopool", kConfoundK},
    {"py_requests", "sequential", kConfoundK},
    {"py_aiohttp", "gather", kConfoundK},
};

bool in_default_grid(const Mode& m, std::size_t k) {
  for (const GridPoint& p : kDefaultGrid)
    if (std::string_view(p.model) == m.model && std::string_view(p.mode) == m.mode && p.k == k)
      return true;
  return false;
}

// The Python models (clients/python_model.cpp) run /usr/bin/python3 as a child.
bool python_model(const Mode& m) {
  return std::string_view(m.model).starts_with("py_");
}

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
  const auto found = server_or_skip(state, context, false);
  if (!found) return;
  const ServerEndpoint& server = *found;
  clients::Plan plan;
  plan.urls.reserve(k);
  char target[64];
  for (std::size_t i = 0; i < k; ++i) {
    std::snprintf(target, sizeof target, "/item/%zu?delay_ms=%g", i, kDelayMs);
    plan.urls.push_back(server.url + target);
  }
  plan.requests = k;  // round-robin over the K URLs: each once
  plan.concurrency = mode.concurrency;
  plan.pooling = mode.pooling;
  plan.timeout = std::chrono::seconds(60);
  plan.expected_bytes = 16;  // mockd's default body

  if (!verify_once(state, name, mode.model, plan)) return;

  MeasuredRun run;
  std::string failure;
  double rss_start_mb = 0;
  for (auto _ : state) {
    try {
      // A Python model's rss_mb is its child's own peak (measure_run keeps it).
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
  if (!python_model(mode)) {
    // This run's own growth: its peak (VmHWM reset just before it) above the
    // RSS at its start, not the process's peak carried over from earlier
    // runs. A Python model runs in a child process that bench's RSS does not
    // include: no growth of ours to report for it.
    c["rss_start_mb"] = rss_start_mb;
    c["rss_growth_mb"] = run.summary.peak_rss_kib / 1024.0 - rss_start_mb;
  }
  c["delay_ms"] = kDelayMs;
  c["k"] = static_cast<double>(k);
  c["wall_ms"] = run.summary.wall_s * 1e3;
  c["ideal_sequential_ms"] = static_cast<double>(k) * kDelayMs;
}

// The pairs the report divides, wall time one ÷ the other, repetition by
// repetition: each side by side in every round and, in the default mode,
// repeated until its interval is tight. Kept only where both sides run.
void declare_comparisons(ScenarioContext& context, const std::vector<std::size_t>& ks) {
  const auto name = [](const char* model, const char* mode, std::size_t c, std::size_t k) {
    return name_of(Mode{model, mode, c}, k);
  };
  const std::string at_headline = ", K = " + std::to_string(kHeadlineK);
  // The headline figures.
  context.compare({"Python: requests one by one ÷ aiohttp gathered" + at_headline,
                   name("py_requests", "sequential", 1, kHeadlineK),
                   name("py_aiohttp", "gather", 0, kHeadlineK), "wall_ms"});
  context.compare({"C++: asio_coro one by one ÷ gathered" + at_headline,
                   name("asio_coro", "sequential", 1, kHeadlineK),
                   name("asio_coro", "gather", 0, kHeadlineK), "wall_ms"});
  // The guide's rules: requests one by one ÷ on 32 threads, and requests.get
  // per URL ÷ one Session (read at the largest K where both ran).
  context.compare({"Python: requests one by one ÷ 32 threads" + at_headline,
                   name("py_requests", "sequential", 1, kHeadlineK),
                   name("py_requests_threads", "workers", 32, kHeadlineK), "wall_ms"});
  for (std::size_t k : ks)
    context.compare({"Python: requests.get per URL ÷ one Session, K = " + std::to_string(k),
                     name("py_requests", "sequential_nopool", 1, k),
                     name("py_requests", "sequential", 1, k), "wall_ms"});
}

void register_sync_vs_async(ScenarioContext& context) {
  const bench::Mode mode = context.options().mode;
  // Quick keeps its own sweep (K up to 1,000): tests/bench_sync_vs_async_test.cpp
  // checks the signature on it.
  const std::vector<std::size_t> ks = mode == bench::Mode::quick
                                          ? std::vector<std::size_t>{10, 100, 1000}
                                          : std::vector<std::size_t>{10, 100, 1000, 10'000};
  for (const Mode& m : kModes) {
    if (!clients::has_model(m.model)) continue;  // the Python models, until they are built in
    for (std::size_t k : ks) {
      if (m.max_k != 0 && k > m.max_k) continue;
      if (mode == bench::Mode::standard && !in_default_grid(m, k)) continue;
      context.add(name_of(m, k), [&context, &m, k](benchmark::State& state) {
        run_fetch_all(state, context, m, k);
      });
    }
  }
  declare_comparisons(context, ks);
}

const ScenarioRegistrar registrar({"sync_vs_async", register_sync_vs_async});

}  // namespace
}  // namespace bench::sync_vs_async_scenario
