// Scenario `blocking` (claims C3 and C5): what a blocking call does to an
// event loop, and what sleeping handler threads do to a server.
//
// Names (`workers:`, not `threads:`, for thread pools: Google Benchmark strips
// a trailing /threads:N, and "pool" is kept for connection pooling):
//   blocking/client/<timer|sleep|offload>/tasks:100/wait_ms:10[/workers:T]
//   blocking/cpu/on_loop/tasks:100/cpu_ms:5
//   blocking/cpu/offload/tasks:100/cpu_ms:5/workers:4/cpus:<1|2>
//   blocking/py_client/<asyncio_sleep|time_sleep|to_thread>/tasks:100/wait_ms:10
//   blocking/py_cpu/<on_loop|to_thread>/tasks:100/cpu_ms:5
//   blocking/py_cpu/process_pool/tasks:100/cpu_ms:5/workers:2
//   blocking/py_await_yield/no_yield/awaits:50000/work_steps:100
//   blocking/py_await_yield/sleep0/awaits:50000/work_steps:100/every:<1|100>
//   blocking/server/<asio|blocking>/threads:<1|8>/c:<C>/delay_ms:20
//   blocking/aiohttp_server/<time_sleep|asyncio_sleep>/c:<C>/delay_ms:20
//   blocking/silent/<asio|blocking>/threads:<1|8>/silent:8/idle_timeout_ms:2000
//
// C++ client side (client/..., cpu/...): 100 coroutines on one io_context
// (one thread) each wait 10 ms, or do 5 ms of CPU work (a fixed amount: until
// the thread's own CPU time has advanced by 5 ms), then make one GET to the
// shared mockd on a connection of their own (bench/event_loop.cpp). The wait
// is a timer (asyncio.sleep's mechanism), a blocking sleep in the coroutine
// (time.sleep's), or the blocking sleep on an asio::thread_pool the coroutine
// awaits (asyncio.to_thread's); the CPU work runs on the loop or on a pool of
// 4 threads allowed one CPU (the loop's: bench pins itself to CPU 0) or two.
// A heartbeat on the same loop measures how late a 1 ms timer fires, and an
// unrelated coroutine makes a request every 5 ms on one keep-alive connection.
// Signatures: sleep total >= N*D, offloaded total >= ceil(N/T)*D, timer total
// about D, lag >= D (or C) when the loop blocks; CPU work: total >= N*C /
// the CPUs the workers may use.
//
// Python client side (py_client/..., py_cpu/...): the same experiments on one
// asyncio loop in a child /usr/bin/python3 running bench/python/event_loop.py
// (started without a shell, dies with bench, allowed every CPU). Its CPU work
// is a calibrated count of pure-Python steps, the same for every kind.
//
// Server side (blocking/server/...): mockd --engine asio (timers, one thread)
// vs --engine blocking --threads 8 (handlers sleep), delay 20 ms, client
// asio_coro at concurrency 1..512 (the reference; the default mode measures
// one, see register_blocking) with a new connection per request (a
// thread-per-connection server pins a pool thread to each keep-alive
// connection, so pooled clients beyond 8 would starve, not queue).
// Signature: the blocking engine serves at most 8/20 ms = 400 requests/s and
// holds at most 8 connections at once; the asio engine scales with C.
//
// Server side in Python (blocking/aiohttp_server/...): an aiohttp.web server
// whose handler calls time.sleep(D) against one that awaits asyncio.sleep(D),
// same client and delay. Signature: time.sleep serves at most
// 1/D requests/s (one thread); asyncio.sleep scales with C.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "event_loop.hpp"
#include "http_get.hpp"
#include "latency_stats.hpp"
#include "model_benchmark.hpp"
#include "python_experiment.hpp"
#include "python_server.hpp"
#include "run_summary.hpp"
#include "scenario.hpp"
#include "servers.hpp"
#include "source_tree.hpp"

namespace bench::blocking_scenario {
namespace {

constexpr int kTasks = 100;
constexpr double kWaitMs = 10;
constexpr double kCpuMs = 5;
constexpr double kServerDelayMs = 20;
constexpr int kBlockingThreads = 8;

// ---- client side: one event loop --------------------------------------------

// The shared mockd's address, for the event loops (C++ and Python).
struct Address {
  std::string host;
  std::uint16_t port = 0;
};

Address address_of(const std::string& url) {  // http://HOST:PORT
  const std::string hostport = url.substr(url.find("://") + 3);
  const auto colon = hostport.rfind(':');
  Address a{hostport.substr(0, colon),
            static_cast<std::uint16_t>(std::stoi(hostport.substr(colon + 1)))};
  if (a.host.size() > 2 && a.host.front() == '[') a.host = a.host.substr(1, a.host.size() - 2);
  return a;
}

// What one run of an event loop gave, C++ or Python, and the counters
// both report (docs/scenarios.md, "Scenario `blocking`").
struct LoopRun {
  loop::Result result;
  int workers = 0;
  double server_requests = 0, conns_opened = 0;
};

// Percentiles as every other counter of the suite computes them
// (clients/latency_stats.hpp); an empty sample sets no counter.
void set_percentile(benchmark::State& state, const char* name, const std::vector<double>& v,
                    double q) {
  if (!v.empty()) state.counters[name] = clients::percentile(v, q);
}

void set_loop_counters(benchmark::State& state, const LoopRun& run, double work_ms) {
  const auto& r = run.result;
  auto& k = state.counters;
  k["total_ms"] = r.total_ms;
  if (!r.lag_us.empty()) k["loop_lag_max_us"] = *std::max_element(r.lag_us.begin(), r.lag_us.end());
  set_percentile(state, "loop_lag_p99_us", r.lag_us, 99);
  set_percentile(state, "loop_lag_p50_us", r.lag_us, 50);
  k["heartbeats"] = static_cast<double>(r.lag_us.size());
  set_percentile(state, "other_p50_us", r.other_us, 50);
  set_percentile(state, "other_p99_us", r.other_us, 99);
  k["other_requests"] = static_cast<double>(r.other_ok);
  k["tasks"] = kTasks;
  k["tasks_ok"] = static_cast<double>(r.task_ok);
  k["task_conns"] = static_cast<double>(r.task_conns);
  k["work_ms"] = work_ms;
  k["workers"] = run.workers;
  k["cpus_available"] = r.cpus_available;
  k["cpu_s"] = r.cpu_s;
  k["work_cpu_s"] = r.work_cpu_s;
  k["errors"] = static_cast<double>(r.errors);
  k["requests"] = static_cast<double>(r.task_ok + r.other_ok + r.errors);
  k["server_requests"] = run.server_requests;
  k["conns_opened"] = run.conns_opened;
  if (r.errors > 0) state.SetLabel("errors: " + r.error_example);
}

// Runs `once` per repetition between a reset and a read of the server's
// counters; the run's total is the manual time. False if it threw (the
// benchmark is then skipped with the message).
template <typename Once>
bool repeat_loop_runs(benchmark::State& state, const ServerEndpoint& server, LoopRun& run,
                      Once once) {
  for (auto _ : state) {
    try {
      harness::reset_stats(server.url);
      once();
      const auto stats = harness::fetch_stats(server.url);
      run.server_requests = stats.value("requests_total", 0.0);
      run.conns_opened = stats.value("connections_accepted", 0.0);
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      return false;
    }
    state.SetIterationTime(run.result.total_ms / 1000.0);
  }
  return true;
}

struct LoopCase {
  std::string name;
  loop::Work work;
  double work_ms;
  int workers;    // 0: no pool
  int pool_cpus;  // the CPUs the pool may use (loop::Config::pool_cpus)
  bool standard;  // in the default grid (register_blocking says why)
};

// blocking/<group>/<kind>/tasks:N/<wait_ms:D|cpu_ms:C><rest>: the names of the
// event-loop runs, C++ and Python, built in one place so the comparisons
// name the same benchmarks the cases register.
std::string loop_name(const std::string& group_kind, bool cpu, const std::string& rest = "") {
  char work[32];
  if (cpu)
    std::snprintf(work, sizeof work, "/cpu_ms:%g", kCpuMs);
  else
    std::snprintf(work, sizeof work, "/wait_ms:%g", kWaitMs);
  return "blocking/" + group_kind + "/tasks:" + std::to_string(kTasks) + work + rest;
}

// The C++ loop, in the default grid where it carries a figure the guide
// quotes (C3: sleep_for ÷ a timer; C5: the work on the loop ÷ on 4 threads
// allowed 2 CPUs); the pools of sleeps and the pool held to the loop's CPU
// are in the reference.
std::vector<LoopCase> loop_cases() {
  return {
      {loop_name("client/timer", false), loop::Work::timer, kWaitMs, 0, 0, true},
      {loop_name("client/sleep", false), loop::Work::sleep, kWaitMs, 0, 0, true},
      {loop_name("client/offload", false, "/workers:4"), loop::Work::sleep_offload, kWaitMs, 4, 0,
       false},
      {loop_name("client/offload", false, "/workers:32"), loop::Work::sleep_offload, kWaitMs, 32, 0,
       false},
      {loop_name("cpu/on_loop", true), loop::Work::cpu_on_loop, kCpuMs, 0, 0, true},
      // The pool on the loop's CPU (what the bench's pin gives it) and on two
      // CPUs (what asyncio.to_thread's threads get in an unpinned program).
      {loop_name("cpu/offload", true, "/workers:4/cpus:1"), loop::Work::cpu_offload, kCpuMs, 4, 1,
       false},
      {loop_name("cpu/offload", true, "/workers:4/cpus:2"), loop::Work::cpu_offload, kCpuMs, 4, 2,
       true},
  };
}

void run_loop_benchmark(benchmark::State& state, ScenarioContext& context, const LoopCase& c) {
  const auto found = server_or_skip(state, context, false);
  if (!found) return;
  const ServerEndpoint& server = *found;
  const Address address = address_of(server.url);
  loop::Config config;
  config.host = address.host;
  config.port = address.port;
  config.target = "/";
  config.expected_bytes = 16;
  config.tasks = kTasks;
  config.work = c.work;
  config.work_time = std::chrono::microseconds(static_cast<long>(c.work_ms * 1000));
  config.workers = c.workers;
  config.pool_cpus = c.pool_cpus;

  LoopRun run;
  run.workers = c.workers;
  if (!repeat_loop_runs(state, server, run, [&] { run.result = loop::run(config); })) return;
  context.spectra().add(c.name, run.result.lag_us);  // the loop lag spectrum
  set_loop_counters(state, run, c.work_ms);
}

// ---- client side: the Python peers -------------------------------------------

// The asyncio side's script, bench/python/event_loop.py (not __FILE__: it is
// relative to the build directory when ccache's base_dir rewrites the source
// path, so a bench started elsewhere could not find the script through it).
const std::string kPythonScript =
    (suite::source_dir() / "bench" / "python" / "event_loop.py").string();
constexpr auto kPythonTimeout = std::chrono::seconds(120);

nlohmann::json run_python(const nlohmann::json& config, double* startup_ms = nullptr) {
  return run_python_script(kPythonScript, config, kPythonTimeout, startup_ms);
}

// Why the Python peers cannot run here, or nullopt.
std::optional<std::string> python_missing() {
  return bench::python_missing(kPythonScript);
}

// How many pure-Python steps take kCpuMs of CPU time on this machine: asked
// once per bench process, so every py_cpu kind does the same work.
long python_iterations() {
  static std::optional<long> iterations;
  if (!iterations) {
    const auto answer = run_python({{"mode", "calibrate"}, {"cpu_ms", kCpuMs}});
    if (answer.contains("error") || answer.contains("skip"))
      throw std::runtime_error("calibration: " + answer.value("error", answer.value("skip", "")));
    iterations = answer.at("iterations").get<long>();
  }
  return *iterations;
}

struct PyCase {
  std::string name;
  std::string kind;  // event_loop.py's kind
  double work_ms;
  int workers;  // the process pool's size; 0: none or asyncio's default executor
};

// Every Python loop is in the default grid: they decide the client side of
// C3 and C5, and the guide quotes each (P8, P10, P13, P14, Q12).
std::vector<PyCase> py_cases() {
  return {
      {loop_name("py_client/asyncio_sleep", false), "asyncio_sleep", kWaitMs, 0},
      {loop_name("py_client/time_sleep", false), "time_sleep", kWaitMs, 0},
      {loop_name("py_client/to_thread", false), "to_thread", kWaitMs, 0},
      {loop_name("py_cpu/on_loop", true), "cpu_on_loop", kCpuMs, 0},
      {loop_name("py_cpu/to_thread", true), "cpu_to_thread", kCpuMs, 0},
      {loop_name("py_cpu/process_pool", true, "/workers:2"), "cpu_process_pool", kCpuMs, 2},
  };
}

void run_python_benchmark(benchmark::State& state, ScenarioContext& context, const PyCase& c) {
  if (const auto why = python_missing()) return skip(state, *why);
  const auto found = server_or_skip(state, context, false);
  if (!found) return;
  const ServerEndpoint& server = *found;
  const Address address = address_of(server.url);
  const bool cpu = c.kind.rfind("cpu_", 0) == 0;
  nlohmann::json config = {{"host", address.host}, {"port", address.port}, {"target", "/"},
                           {"expected_bytes", 16}, {"tasks", kTasks},      {"kind", c.kind},
                           {"work_ms", c.work_ms}, {"workers", c.workers}};
  try {
    if (cpu) config["iterations"] = python_iterations();
  } catch (const std::exception& e) {
    return skip(state, e.what());
  }

  LoopRun run;
  double startup_ms = 0;
  std::string python;
  const bool ran = repeat_loop_runs(state, server, run, [&] {
    const auto a = run_python(config, &startup_ms);
    if (a.contains("skip")) throw std::runtime_error(a["skip"].get<std::string>());
    if (a.contains("error")) throw std::runtime_error("python: " + a["error"].get<std::string>());
    auto& r = run.result;
    r.total_ms = a.at("total_ms");
    r.lag_us = a.at("lag_us").get<std::vector<double>>();
    r.other_us = a.at("other_us").get<std::vector<double>>();
    r.task_ok = a.at("task_ok");
    r.other_ok = a.at("other_ok");
    r.errors = a.at("errors");
    r.task_conns = a.at("task_conns");
    r.error_example = a.value("error_example", "");
    r.cpu_s = a.at("cpu_s");
    r.work_cpu_s = a.at("work_cpu_s");
    r.cpus_available = a.at("cpus_available");
    run.workers = a.at("workers");
    python = a.value("python", "");
  });
  if (!ran) return;
  context.spectra().add(c.name, run.result.lag_us);
  set_loop_counters(state, run, c.work_ms);
  state.counters["startup_ms"] = startup_ms;
  if (cpu)
    state.counters["work_iterations"] = static_cast<double>(config["iterations"].get<long>());
  if (run.result.errors == 0 && !python.empty()) state.SetLabel("Python " + python);
}

// ---- client side: awaits that never suspend (Python) -------------------------
//
// blocking/py_await_yield/<no_yield|sleep0>/awaits:N/work_steps:S[/every:K]:
// one asyncio loop runs a 1 ms heartbeat and a task that awaits N times a
// coroutine that does S steps of pure-Python arithmetic and returns without
// suspending (bench/scenarios/python/await_yield.py); sleep0 adds
// `await asyncio.sleep(0)` every K awaits. An await of a coroutine runs it
// inline: only a suspension gives the loop a turn. Signature: with no_yield
// the heartbeat wakes 0 times during the loop and its lag max is at least
// the loop's duration less one heartbeat; with sleep0 it wakes many times.
// The work is fixed, so sleep0's extra total time is the price of yielding.

constexpr int kAwaits = 50'000;
constexpr int kAwaitWorkSteps = 100;

struct AwaitCase {
  std::string name;
  std::string kind;  // await_yield.py's kind
  int every;         // sleep0: one asyncio.sleep(0) per `every` awaits; 0: none
  bool standard;     // in the default grid
};

// blocking/py_await_yield/<no_yield|sleep0>/awaits:N/work_steps:S[/every:K]
std::string await_name(const std::string& kind, int every) {
  return "blocking/py_await_yield/" + kind + "/awaits:" + std::to_string(kAwaits) +
         "/work_steps:" + std::to_string(kAwaitWorkSteps) +
         (every > 0 ? "/every:" + std::to_string(every) : "");
}

// The default grid has the pair the guide quotes (Q7: a sleep(0) after every
// await); a sleep(0) every 100 awaits is in the reference.
std::vector<AwaitCase> await_cases() {
  return {
      {await_name("no_yield", 0), "no_yield", 0, true},
      {await_name("sleep0", 1), "sleep0", 1, true},
      {await_name("sleep0", 100), "sleep0", 100, false},
  };
}

void run_await_benchmark(benchmark::State& state, ScenarioContext& context, const AwaitCase& c) {
  const std::string script = scenario_script("await_yield.py");
  if (const auto why = bench::python_missing(script)) return skip(state, *why);
  const nlohmann::json config = {
      {"kind", c.kind}, {"awaits", kAwaits}, {"work_steps", kAwaitWorkSteps}, {"every", c.every}};
  nlohmann::json a;
  double startup_ms = 0;
  for (auto _ : state) {
    try {
      a = run_python_script(script, config, kPythonTimeout, &startup_ms);  // throws on an error
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      return;
    }
    state.SetIterationTime(a.at("total_ms").get<double>() / 1000.0);
  }
  const auto lag_us = a.at("lag_us").get<std::vector<double>>();
  context.spectra().add(c.name, lag_us);
  auto& k = state.counters;
  k["total_ms"] = a.at("total_ms").get<double>();
  if (!lag_us.empty()) k["loop_lag_max_us"] = *std::max_element(lag_us.begin(), lag_us.end());
  set_percentile(state, "loop_lag_p99_us", lag_us, 99);
  set_percentile(state, "loop_lag_p50_us", lag_us, 50);
  k["heartbeats"] = static_cast<double>(lag_us.size());
  k["heartbeats_during"] = a.at("heartbeats_during").get<double>();
  k["yields"] = a.at("yields").get<double>();
  k["awaits"] = kAwaits;
  k["work_steps"] = kAwaitWorkSteps;
  k["every"] = c.every;
  k["ns_per_await"] = a.at("total_ms").get<double>() * 1e6 / kAwaits;
  k["startup_ms"] = startup_ms;
  k["errors"] = 0;  // no requests: a failed run is skipped with its reason
  state.SetLabel("Python " + a.value("python", std::string("?")));
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

// errors_<kind> counters for a run's failed requests; returns their total.
std::size_t error_counters(benchmark::State& state, const clients::RunSummary& summary) {
  std::size_t errors = 0;
  for (const auto& [kind, n] : summary.errors) {
    errors += n;
    state.counters["errors_" + kind] = static_cast<double>(n);
  }
  return errors;
}

// What one server sweep point measures: `url` (with its target) driven by
// asio_coro at `concurrency` with a new connection per request.
struct ServerRun {
  std::string url;
  std::size_t requests = 0;
  int concurrency = 0;
  const ServerEndpoint* stats_server = nullptr;  // a mockd to read /stats from; null: none
  // Why the server cannot serve (it exited), asked before each repetition; nullopt: it can.
  std::function<std::optional<std::string>()> dead;
};

// Runs the repetitions and sets the counters every server benchmark has; false
// if the benchmark was skipped (its reason recorded). A server that dies
// during a repetition fails its requests, which are counted as errors; one
// found dead before a repetition fails the benchmark: never a figure.
bool measure_server(benchmark::State& state, ScenarioContext& context, const std::string& name,
                    const ServerRun& s) {
  clients::Plan plan;
  plan.urls = {s.url};
  plan.requests = s.requests;
  plan.concurrency = static_cast<std::size_t>(s.concurrency);
  plan.pooling = false;
  plan.timeout = std::chrono::seconds(30);
  plan.expected_bytes = 16;

  if (!verify_once(state, name, "asio_coro", plan)) return false;

  clients::RunSummary summary;
  nlohmann::json stats;
  std::vector<double> latencies_us;
  double steady = 0;
  for (auto _ : state) {
    try {
      if (s.dead)
        if (const auto why = s.dead()) throw std::runtime_error(*why);
      if (s.stats_server) harness::reset_stats(s.stats_server->url);
      const auto result = clients::run_model("asio_coro", plan);
      if (s.stats_server) stats = harness::fetch_stats(s.stats_server->url);
      summary = clients::summarize(result);
      latencies_us.clear();
      std::vector<clients::Clock::time_point> ends;
      for (const auto& r : result.samples)
        if (r.error == clients::ErrorKind::none) {
          latencies_us.push_back(std::chrono::duration<double, std::micro>(r.latency).count());
          ends.push_back(r.end);
        }
      steady = steady_rate(std::move(ends));
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      return false;
    }
    state.SetIterationTime(summary.wall_s);
  }
  context.spectra().add(name, latencies_us);

  const std::size_t errors = error_counters(state, summary);
  auto& k = state.counters;
  k["req_per_s"] = summary.requests_per_s;
  k["steady_req_per_s"] = steady;
  k["wall_ms"] = summary.wall_s * 1000.0;
  k["p50_us"] = summary.latency_us.p50;
  k["p90_us"] = summary.latency_us.p90;
  k["p99_us"] = summary.latency_us.p99;
  k["max_us"] = summary.latency_us.max;
  k["errors"] = static_cast<double>(errors);
  if (s.stats_server) {
    k["conns_opened"] = stats.value("connections_accepted", 0.0);
    k["conns_peak"] = stats.value("connections_peak", 0.0);
    k["server_requests"] = stats.value("requests_total", 0.0);
  }
  k["cpu_s"] = summary.cpu_s;
  k["threads_created"] = static_cast<double>(summary.threads);
  k["requests"] = static_cast<double>(summary.requests);
  k["concurrency"] = s.concurrency;
  k["delay_ms"] = kServerDelayMs;
  if (errors > 0) {
    std::string label = "errors:";
    for (const auto& [kind, n] : summary.errors) label += " " + kind + "=" + std::to_string(n);
    if (!summary.error_examples.empty()) label += " (" + summary.error_examples.front() + ")";
    state.SetLabel(label);
  }
  return true;
}

std::string delay_target(const std::string& path) {
  char target[64];
  std::snprintf(target, sizeof target, "%s?delay_ms=%g", path.c_str(), kServerDelayMs);
  return target;
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
  if (!measure_server(state, context, name,
                      {server.url + delay_target("/"), c.requests, c.concurrency, &server, {}}))
    return;
  auto& k = state.counters;
  k["server_threads"] = c.threads;
  // What the mechanism allows: sleeping threads / delay, or C / delay on timers.
  const double in_flight =
      c.engine == "blocking" ? std::min(c.concurrency, c.threads) : c.concurrency;
  k["ideal_req_per_s"] = in_flight * 1000.0 / kServerDelayMs;
}

// ---- server side in Python: an aiohttp handler that sleeps ---------------------
//
// blocking/aiohttp_server/<time_sleep|asyncio_sleep>/c:<C>/delay_ms:20: one
// aiohttp.web server (bench/scenarios/python/aiohttp_server.py, one process,
// one event loop) whose handler calls time.sleep(D) or awaits
// asyncio.sleep(D), driven like the mockd engines. Signature: time.sleep
// holds the loop's only thread, so that route serves at most 1/D requests/s
// whatever the concurrency; asyncio.sleep's scales with it.

struct AiohttpCase {
  std::string route;  // time_sleep | asyncio_sleep
  int concurrency;
  std::size_t requests;
};

std::string aiohttp_name(const AiohttpCase& c) {
  char delay[32];
  std::snprintf(delay, sizeof delay, "%g", kServerDelayMs);
  return "blocking/aiohttp_server/" + c.route + "/c:" + std::to_string(c.concurrency) +
         "/delay_ms:" + delay;
}

// As server_requests_for, at the rate each route allows: 1/D for time.sleep
// (its one thread), C/D for asyncio.sleep; never fewer requests than C.
std::size_t aiohttp_requests_for(const std::string& route, int c, bool quick) {
  const double seconds = quick ? 0.2 : 0.4;
  const double in_flight = route == "time_sleep" ? 1 : c;
  auto n = static_cast<std::size_t>(std::ceil(in_flight * 1000.0 / kServerDelayMs * seconds));
  n = std::max<std::size_t>(n, static_cast<std::size_t>(c));
  return std::min<std::size_t>(n, quick ? 1000 : 4000);
}

void run_aiohttp_benchmark(benchmark::State& state, ScenarioContext& context, const AiohttpCase& c,
                           const std::string& name) {
  static std::mutex mutex;
  static std::unique_ptr<PythonServer> server;
  if (const auto why = bench::python_missing(scenario_script("aiohttp_server.py")))
    return skip(state, *why);
  try {
    std::lock_guard lock(mutex);
    if (!server)
      server = std::make_unique<PythonServer>("aiohttp_server.py", std::vector<std::string>{},
                                              std::max(0, context.servers().server_cpu()),
                                              "the aiohttp server (aiohttp_server.py)");
  } catch (const std::exception& e) {
    return skip(state, "no server: " + std::string(e.what()));
  }
  PythonServer& s = *server;
  if (!measure_server(state, context, name,
                      {s.url() + delay_target("/" + c.route), c.requests, c.concurrency, nullptr,
                       [&s] { return s.dead(); }}))
    return;
  auto& k = state.counters;
  k["server_threads"] = 1;  // the event loop's
  k["ideal_req_per_s"] = (c.route == "time_sleep" ? 1 : c.concurrency) * 1000.0 / kServerDelayMs;
}

// ---- server side: connections that send nothing ------------------------------
//
// blocking/silent/<asio|blocking>/threads:<1|8>/silent:8/idle_timeout_ms:2000:
// 8 clients (the blocking engine's thread count) connect and send nothing (a stalled client, a port
// scanner), then one real GET is timed. A thread-per-connection server has given each silent
// connection a thread that waits in read() until the idle timeout, so the real request waits for
// that long; a server of timers reads from all of them at once and answers at once. Signature: the
// blocking engine's wait
// >= the idle timeout; the asio engine's far below it.

constexpr int kSilentIdleTimeoutMs = 2000;
// Time the silent connections get to be accepted before the real request.
constexpr int kSilentSettleMs = 100;

// Connected TCP sockets that never send a byte; closed on destruction.
class SilentConnections {
 public:
  SilentConnections(const std::string& url, int count) {
    const Address a = address_of(url);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(a.port);
    if (inet_pton(AF_INET, a.host.c_str(), &addr.sin_addr) != 1)
      throw std::runtime_error("silent connections need a numeric IPv4 address: " + url);
    for (int i = 0; i < count; ++i) {
      const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0 || connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        if (fd >= 0) close(fd);
        throw std::runtime_error("could not open a silent connection to " + url);
      }
      fds_.push_back(fd);
    }
  }
  ~SilentConnections() {
    for (int fd : fds_) close(fd);
  }
  SilentConnections(const SilentConnections&) = delete;
  SilentConnections& operator=(const SilentConnections&) = delete;

 private:
  std::vector<int> fds_;
};

std::string silent_name(const std::string& engine, int threads) {
  return "blocking/silent/" + engine + "/threads:" + std::to_string(threads) +
         "/silent:" + std::to_string(kBlockingThreads) +
         "/idle_timeout_ms:" + std::to_string(kSilentIdleTimeoutMs);
}

void run_silent_benchmark(benchmark::State& state, ScenarioContext& context,
                          const std::string& engine, int threads, const std::string& name) {
  ServerEndpoint server;
  try {
    // A server of its own: the silent connections must not disturb the
    // throughput benchmarks' server.
    server = context.servers().get_named(
        "blocking-silent-" + engine, {"--engine", engine, "--threads", std::to_string(threads),
                                      "--idle-timeout-ms", std::to_string(kSilentIdleTimeoutMs)});
  } catch (const std::exception& e) {
    return skip(state, "no server: " + std::string(e.what()));
  }
  clients::Plan plan;
  plan.urls = {server.url + "/"};
  plan.requests = 1;
  plan.concurrency = 1;
  plan.timeout = std::chrono::seconds(30);
  plan.expected_bytes = 16;
  if (!verify_once(state, name, "blocking_curl", plan)) return;

  clients::RunSummary summary;
  nlohmann::json stats;
  for (auto _ : state) {
    try {
      harness::reset_stats(server.url);
      {
        SilentConnections silent(server.url, kBlockingThreads);
        // Let the server accept them and hand each to a thread (or a coroutine).
        std::this_thread::sleep_for(std::chrono::milliseconds(kSilentSettleMs));
        summary = clients::summarize(clients::run_model("blocking_curl", plan));
      }
      stats = harness::fetch_stats(server.url);
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      break;
    }
    state.SetIterationTime(summary.wall_s);
  }
  if (summary.ok > 0) context.spectra().add(name, {summary.latency_us.max});
  const std::size_t errors = error_counters(state, summary);
  auto& k = state.counters;
  k["wait_ms"] = summary.latency_us.max / 1000.0;  // the one request's latency
  k["silent"] = kBlockingThreads;
  k["server_threads"] = threads;
  k["idle_timeout_ms"] = kSilentIdleTimeoutMs;
  k["settle_ms"] = kSilentSettleMs;
  k["conns_opened"] = stats.value("connections_accepted", 0.0);
  k["server_requests"] = stats.value("requests_total", 0.0);
  k["errors"] = static_cast<double>(errors);
  k["requests"] = static_cast<double>(summary.requests);
}

// The concurrencies the server sides' headline factors are taken at, in
// every mode (blocking.py: SERVER_HEADLINE_C, AIOHTTP_HEADLINE_C): the lowest
// each verdict rule checks, so the default grid measures one pair per server
// and its factors line up with the reference's.
constexpr int kServerHeadlineC = 64;
constexpr int kAiohttpHeadlineC = 32;

void register_blocking(ScenarioContext& context) {
  const Mode mode = context.options().mode;
  const bool quick = mode == Mode::quick;
  // The default grid is what the verdict's four parts, the headline figures
  // the guide quotes and its sentences read (each case says why it is in it):
  // the event loops above, and one concurrency per server. The reference
  // sweeps the servers' concurrency, adds the C++ pools of sleeps, the CPU
  // pool held to one CPU, a sleep(0) every 100 awaits and the connections that
  // send nothing; a quick run keeps every kind at three concurrencies.
  const bool everything = mode != Mode::standard;
  for (const auto& c : loop_cases())
    if (everything || c.standard)
      context.add(c.name, [&context, c](benchmark::State& state) {
        run_loop_benchmark(state, context, c);
      });
  for (const auto& c : py_cases())
    context.add(c.name, [&context, c](benchmark::State& state) {
      run_python_benchmark(state, context, c);
    });
  for (const auto& c : await_cases())
    if (everything || c.standard)
      context.add(c.name, [&context, c](benchmark::State& state) {
        run_await_benchmark(state, context, c);
      });

  // Concurrencies per server kind: the blocking engine's cap shows from 2T =
  // 16 on, the factors the rules check from kServerHeadlineC (mockd) and
  // kAiohttpHeadlineC (aiohttp) on.
  std::vector<int> mockd_concurrencies{kServerHeadlineC};
  std::vector<int> aiohttp_concurrencies{kAiohttpHeadlineC};
  if (quick) {
    mockd_concurrencies = {1, 16, kServerHeadlineC};
    aiohttp_concurrencies = {1, 16, kAiohttpHeadlineC};
  } else if (mode == Mode::reference) {
    mockd_concurrencies = aiohttp_concurrencies = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};
  }
  for (const auto& [engine, threads] :
       std::vector<std::pair<std::string, int>>{{"asio", 1}, {"blocking", kBlockingThreads}})
    for (int concurrency : mockd_concurrencies) {
      const ServerCase c{engine, threads, concurrency,
                         server_requests_for(engine, concurrency, quick)};
      const std::string name = server_name(c);
      context.add(name, [&context, c, name](benchmark::State& state) {
        run_server_benchmark(state, context, c, name);
      });
    }
  for (const std::string route : {"time_sleep", "asyncio_sleep"})
    for (int concurrency : aiohttp_concurrencies) {
      const AiohttpCase c{route, concurrency, aiohttp_requests_for(route, concurrency, quick)};
      const std::string name = aiohttp_name(c);
      context.add(name, [&context, c, name](benchmark::State& state) {
        run_aiohttp_benchmark(state, context, c, name);
      });
    }
  // Connections that send nothing: a section of the page, in no verdict rule.
  if (everything)
    for (const auto& [engine, threads] :
         std::vector<std::pair<std::string, int>>{{"asio", 1}, {"blocking", kBlockingThreads}}) {
      const std::string name = silent_name(engine, threads);
      context.add(name, [&context, engine, threads, name](benchmark::State& state) {
        run_silent_benchmark(state, context, engine, threads, name);
      });
    }

  // The headline factors, side by side in every round; in the default mode
  // each group repeats until its interval is tight (a comparison whose sides
  // were not registered, a reference-only figure in the default mode, is
  // dropped). Python's time.sleep is also set against to_thread: the guide's
  // Q12 line, and the pool's bound is checked on that run.
  const auto wait = [](const std::string& group_kind) { return loop_name(group_kind, false); };
  const auto work = [](const std::string& group_kind, const std::string& rest = "") {
    return loop_name(group_kind, true, rest);
  };
  context.compare({"C3, Python: time.sleep ÷ asyncio.sleep, total", wait("py_client/time_sleep"),
                   wait("py_client/asyncio_sleep"), "total_ms"});
  context.compare({"C3, Python: time.sleep ÷ asyncio.to_thread(time.sleep), total",
                   wait("py_client/time_sleep"), wait("py_client/to_thread"), "total_ms"});
  context.compare({"C3, C++: sleep_for ÷ a timer, total", wait("client/sleep"),
                   wait("client/timer"), "total_ms"});
  context.compare({"C5, Python: work on the loop ÷ in asyncio.to_thread, total",
                   work("py_cpu/on_loop"), work("py_cpu/to_thread"), "total_ms"});
  context.compare({"C5, Python: work on the loop ÷ in ProcessPoolExecutor(2), total",
                   work("py_cpu/on_loop"), work("py_cpu/process_pool", "/workers:2"), "total_ms"});
  for (int cpus : {1, 2})
    context.compare({"C5, C++: work on the loop ÷ on 4 threads, " + std::to_string(cpus) + " CPU" +
                         (cpus > 1 ? "s" : "") + ", total",
                     work("cpu/on_loop"),
                     work("cpu/offload", "/workers:4/cpus:" + std::to_string(cpus)), "total_ms"});
  for (int every : {1, 100})
    context.compare({"Q7: heartbeat lag max, awaits that never suspend ÷ sleep(0) " +
                         (every == 1 ? std::string("after every await")
                                     : "every " + std::to_string(every) + " awaits"),
                     await_name("no_yield", 0), await_name("sleep0", every), "loop_lag_max_us"});
  const std::string at_server = "c:" + std::to_string(kServerHeadlineC);
  const std::string at_aiohttp = "c:" + std::to_string(kAiohttpHeadlineC);
  context.compare({"C3 server: asio ÷ blocking engine, steady req/s, " + at_server,
                   server_name({"asio", 1, kServerHeadlineC, 0}),
                   server_name({"blocking", kBlockingThreads, kServerHeadlineC, 0}),
                   "steady_req_per_s"});
  context.compare(
      {"C3 server, Python: aiohttp asyncio.sleep ÷ time.sleep handler, steady req/s, " + at_aiohttp,
       aiohttp_name({"asyncio_sleep", kAiohttpHeadlineC, 0}),
       aiohttp_name({"time_sleep", kAiohttpHeadlineC, 0}), "steady_req_per_s"});
}

const ScenarioRegistrar registrar({"blocking", register_blocking});

}  // namespace
}  // namespace bench::blocking_scenario
