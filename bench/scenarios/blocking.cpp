// Scenario `blocking` (claims C3 and C5): what a blocking call does to an
// event loop, and what sleeping handler threads do to a server.
//
// Names: blocking/client/<timer|sleep|offload>/tasks:100/wait_ms:10[/pool:T],
// blocking/cpu/<on_loop|offload>/tasks:100/cpu_ms:5[/pool:4] and
// blocking/server/<asio|blocking>/threads:<1|8>/c:<C>/delay_ms:20 (`pool:`,
// not `threads:`, at the end: Google Benchmark strips a trailing /threads:N).
//
// Client side (blocking/client/... and blocking/cpu/...): 100
// coroutines on one io_context (one thread) each wait 10 ms, or burn 5 ms of
// CPU, then make one GET to the shared mockd on a connection of their own
// (bench/event_loop.cpp). The wait is a timer (asyncio.sleep), a blocking
// sleep in the coroutine (time.sleep), or the blocking sleep on an
// asio::thread_pool of 4 or 32 threads that the coroutine awaits
// (asyncio.to_thread); the CPU burn runs on the loop or on a pool of 4. A
// heartbeat on the same loop measures how late a 1 ms timer fires, and an
// unrelated coroutine makes a request every 5 ms on one keep-alive connection.
// Signatures: sleep total >= N*D, offloaded total >= ceil(N/T)*D, timer total
// about D, lag >= D (or C) when the loop blocks.
//
// Server side (blocking/server/...): mockd --engine asio (timers, one thread)
// vs --engine blocking --threads 8 (handlers sleep), delay 20 ms, client
// asio_coro at concurrency 1..512 with a new connection per request (a
// thread-per-connection server pins a pool thread to each keep-alive
// connection, so pooled clients beyond 8 would starve, not queue).
// Signature: the blocking engine serves at most 8/20 ms = 400 requests/s and
// holds at most 8 connections at once; the asio engine scales with C.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "event_loop.hpp"
#include "http_get.hpp"
#include "latency_stats.hpp"
#include "model_benchmark.hpp"
#include "run_summary.hpp"
#include "scenario.hpp"

namespace bench {
namespace {

constexpr int kTasks = 100;
constexpr double kWaitMs = 10;
constexpr double kCpuMs = 5;
constexpr double kServerDelayMs = 20;
constexpr int kBlockingThreads = 8;

// The value below which `q` of the sorted values fall (nearest rank).
double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(q / 100.0 * static_cast<double>(v.size())));
  return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

// ---- client side: one event loop -------------------------------------------

struct LoopCase {
  std::string name;
  loop::Work work;
  double work_ms;
  int pool_threads;  // 0: no pool
};

std::vector<LoopCase> loop_cases() {
  const std::string tail = "/tasks:" + std::to_string(kTasks);
  char wait[32], cpu[32];
  std::snprintf(wait, sizeof wait, "/wait_ms:%g", kWaitMs);
  std::snprintf(cpu, sizeof cpu, "/cpu_ms:%g", kCpuMs);
  return {
      {"blocking/client/timer" + tail + wait, loop::Work::timer, kWaitMs, 0},
      {"blocking/client/sleep" + tail + wait, loop::Work::sleep, kWaitMs, 0},
      {"blocking/client/offload" + tail + wait + "/pool:4", loop::Work::sleep_offload, kWaitMs, 4},
      {"blocking/client/offload" + tail + wait + "/pool:32", loop::Work::sleep_offload, kWaitMs,
       32},
      {"blocking/cpu/on_loop" + tail + cpu, loop::Work::cpu_on_loop, kCpuMs, 0},
      {"blocking/cpu/offload" + tail + cpu + "/pool:4", loop::Work::cpu_offload, kCpuMs, 4},
  };
}

void run_loop_benchmark(benchmark::State& state, ScenarioContext& context, const LoopCase& c) {
  ServerEndpoint server;
  try {
    server = context.servers().get(false);
  } catch (const std::exception& e) {
    return skip(state, "no server: " + std::string(e.what()));
  }
  // http://HOST:PORT
  const std::string hostport = server.url.substr(server.url.find("://") + 3);
  const auto colon = hostport.rfind(':');
  loop::Config config;
  config.host = hostport.substr(0, colon);
  if (config.host.size() > 2 && config.host.front() == '[')
    config.host = config.host.substr(1, config.host.size() - 2);
  config.port = static_cast<std::uint16_t>(std::stoi(hostport.substr(colon + 1)));
  config.target = "/";
  config.expected_bytes = 16;
  config.tasks = kTasks;
  config.work = c.work;
  config.work_time = std::chrono::microseconds(static_cast<long>(c.work_ms * 1000));
  config.pool_threads = c.pool_threads;

  loop::Result result;
  double server_requests = 0, conns_opened = 0;
  for (auto _ : state) {
    try {
      harness::reset_stats(server.url);
      result = loop::run(config);
      const auto stats = harness::fetch_stats(server.url);
      server_requests = stats.value("requests_total", 0.0);
      conns_opened = stats.value("connections_accepted", 0.0);
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      break;
    }
    state.SetIterationTime(result.total_ms / 1000.0);
  }
  context.spectra().add(c.name, result.lag_us);  // the loop lag spectrum
  auto& k = state.counters;
  k["total_ms"] = result.total_ms;
  k["loop_lag_max_us"] =
      result.lag_us.empty() ? 0 : *std::max_element(result.lag_us.begin(), result.lag_us.end());
  k["loop_lag_p99_us"] = percentile(result.lag_us, 99);
  k["loop_lag_p50_us"] = percentile(result.lag_us, 50);
  k["heartbeats"] = static_cast<double>(result.lag_us.size());
  k["other_p50_us"] = percentile(result.other_us, 50);
  k["other_p99_us"] = percentile(result.other_us, 99);
  k["other_requests"] = static_cast<double>(result.other_ok);
  k["tasks"] = kTasks;
  k["tasks_ok"] = static_cast<double>(result.task_ok);
  k["task_conns"] = static_cast<double>(result.task_conns);
  k["work_ms"] = c.work_ms;
  k["pool_threads"] = c.pool_threads;
  k["errors"] = static_cast<double>(result.errors);
  k["requests"] = static_cast<double>(result.task_ok + result.other_ok + result.errors);
  k["server_requests"] = server_requests;
  k["conns_opened"] = conns_opened;
  k["threads_created"] = c.pool_threads;  // besides the loop's own thread
  if (result.errors > 0) state.SetLabel("errors: " + result.error_example);
}

// ---- server side: timers vs sleeping threads ---------------------------------

struct ServerCase {
  std::string engine;  // asio | blocking
  int threads;
  int concurrency;
  std::size_t requests;
};

std::string server_name(const ServerCase& c) {
  char delay[32];
  std::snprintf(delay, sizeof delay, "%g", kServerDelayMs);
  return "blocking/server/" + c.engine + "/threads:" + std::to_string(c.threads) +
         "/c:" + std::to_string(c.concurrency) + "/delay_ms:" + delay;
}

// About 0.4 s per run at the rate the mechanism allows (C/delay for timers,
// min(C, 8)/delay for the blocking pool), never fewer requests than workers,
// and at most 4000 (the asio engine is CPU-bound before C/delay at high C).
// The blocking engine's runs at C > 6 also pay about 1 s of SYN retransmission
// (cpp-httplib listens with a backlog of 5), which the request count does not
// change, so they get no more requests than that.
std::size_t server_requests_for(const std::string& engine, int c, bool quick) {
  const double seconds = quick ? 0.2 : 0.4;
  const double in_flight = engine == "blocking" ? std::min(c, kBlockingThreads) : c;
  const double rate = in_flight * 1000.0 / kServerDelayMs;
  auto n = static_cast<std::size_t>(std::ceil(rate * seconds));
  n = std::max<std::size_t>(n, static_cast<std::size_t>(c));
  return std::min<std::size_t>(n, quick ? 1000 : 4000);
}

// Completions per second over the middle half of the run (between the 25th
// and the 75th percentile of completion times): the rate once every worker
// is running, without the start-up ramp and the stragglers.
double steady_rate(std::vector<clients::Clock::time_point> ends) {
  if (ends.size() < 8) return 0;
  std::sort(ends.begin(), ends.end());
  const std::size_t a = ends.size() / 4, b = ends.size() * 3 / 4;
  const double s = std::chrono::duration<double>(ends[b] - ends[a]).count();
  return s > 0 ? static_cast<double>(b - a) / s : 0;
}

void run_server_benchmark(benchmark::State& state, ScenarioContext& context, const ServerCase& c,
                          const std::string& name) {
  ServerEndpoint server;
  try {
    server = context.servers().get_named(
        "blocking-" + c.engine, {"--engine", c.engine, "--threads", std::to_string(c.threads)});
  } catch (const std::exception& e) {
    return skip(state, "no server: " + std::string(e.what()));
  }
  clients::Plan plan;
  char target[64];
  std::snprintf(target, sizeof target, "/?delay_ms=%g", kServerDelayMs);
  plan.urls = {server.url + target};
  plan.requests = c.requests;
  plan.concurrency = static_cast<std::size_t>(c.concurrency);
  plan.pooling = false;
  plan.timeout = std::chrono::seconds(30);
  plan.expected_bytes = 16;

  if (!verify_once(state, name, "asio_coro", plan)) return;

  clients::RunSummary summary;
  nlohmann::json stats;
  std::vector<double> latencies_us;
  double steady = 0;
  for (auto _ : state) {
    try {
      harness::reset_stats(server.url);
      const auto result = clients::run_model("asio_coro", plan);
      stats = harness::fetch_stats(server.url);
      summary = clients::summarize(result);
      latencies_us.clear();
      std::vector<clients::Clock::time_point> ends;
      for (const auto& s : result.samples)
        if (s.error == clients::ErrorKind::none) {
          latencies_us.push_back(std::chrono::duration<double, std::micro>(s.latency).count());
          ends.push_back(s.end);
        }
      steady = steady_rate(std::move(ends));
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      break;
    }
    state.SetIterationTime(summary.wall_s);
  }
  context.spectra().add(name, latencies_us);

  std::size_t errors = 0;
  for (const auto& [kind, n] : summary.errors) {
    errors += n;
    state.counters["errors_" + kind] = static_cast<double>(n);
  }
  auto& k = state.counters;
  k["req_per_s"] = summary.requests_per_s;
  k["steady_req_per_s"] = steady;
  k["wall_ms"] = summary.wall_s * 1000.0;
  k["p50_us"] = summary.latency_us.p50;
  k["p90_us"] = summary.latency_us.p90;
  k["p99_us"] = summary.latency_us.p99;
  k["max_us"] = summary.latency_us.max;
  k["errors"] = static_cast<double>(errors);
  k["conns_opened"] = stats.value("connections_accepted", 0.0);
  k["conns_peak"] = stats.value("connections_peak", 0.0);
  k["server_requests"] = stats.value("requests_total", 0.0);
  k["cpu_s"] = summary.cpu_s;
  k["threads_created"] = static_cast<double>(summary.threads);
  k["requests"] = static_cast<double>(summary.requests);
  k["concurrency"] = c.concurrency;
  k["delay_ms"] = kServerDelayMs;
  k["server_threads"] = c.threads;
  // What the mechanism allows: sleeping threads / delay, or C / delay on timers.
  const double in_flight =
      c.engine == "blocking" ? std::min(c.concurrency, c.threads) : c.concurrency;
  k["ideal_req_per_s"] = in_flight * 1000.0 / kServerDelayMs;
  if (errors > 0) {
    std::string label = "errors:";
    for (const auto& [kind, n] : summary.errors) label += " " + kind + "=" + std::to_string(n);
    if (!summary.error_examples.empty()) label += " (" + summary.error_examples.front() + ")";
    state.SetLabel(label);
  }
}

void register_blocking(ScenarioContext& context) {
  const bool quick = context.options().quick;
  for (const auto& c : loop_cases())
    context.add(c.name,
                [&context, c](benchmark::State& state) { run_loop_benchmark(state, context, c); });

  const std::vector<int> concurrencies =
      quick ? std::vector<int>{1, 16, 64} : std::vector<int>{1, 2, 4, 8, 16, 32, 64, 128, 256, 512};
  for (const auto& [engine, threads] :
       std::vector<std::pair<std::string, int>>{{"asio", 1}, {"blocking", kBlockingThreads}})
    for (int concurrency : concurrencies) {
      const ServerCase c{engine, threads, concurrency,
                         server_requests_for(engine, concurrency, quick)};
      const std::string name = server_name(c);
      context.add(name, [&context, c, name](benchmark::State& state) {
        run_server_benchmark(state, context, c, name);
      });
    }
}

const ScenarioRegistrar registrar({"blocking", register_blocking});

}  // namespace
}  // namespace bench
