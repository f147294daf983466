// Scenario `limits` (claim C2): a connector limit (aiohttp's
// TCPConnector(limit, limit_per_host)) caps the connections open at once,
// makes requests beyond it wait instead of fail, and so keeps a gather of
// thousands of requests under the process's open-file limit. Four parts:
//   sweep      the limit from 1 to 256 and unlimited, all requests issued at
//              once (Plan.concurrency 0), server delay 20 ms;
//   fd         the unlimited gather with RLIMIT_NOFILE lowered (fails with
//              EMFILE, errors expected) vs the same with limit 100 (no errors);
//   per_host   three mockd hosts, one slow and two fast, a total limit alone
//              vs the same total plus a per-host limit;
//   cap        the same cap three ways over the same requests: a bound on
//              the requests in flight over one shared pooled session, the
//              same bound with a new connection per request, and a
//              connector limit (every request issued at once, limit = cap).
//              The bound on requests in flight is, for aiohttp, a real
//              asyncio.Semaphore(cap) over every request gathered at once
//              (semaphore_pooled, semaphore_unpooled); the C++ models have
//              no asyncio, so theirs is `cap` workers each taking the next
//              request (workers_pooled, workers_unpooled): the same bound,
//              named for what it is.
// Models: the C++ ones (asio_coro, curl_multi) and, when it is registered,
// the Python one (py_aiohttp: aiohttp itself, run by /usr/bin/python3).
// Signature: the server-observed peak = min(limit, requests); the unpooled
// bound opens one connection per request, the pooled one and the connector
// at most `cap`; the semaphore holds at most (and with enough requests
// exactly) `cap` requests at once (in_flight_peak, counted by the model).
// --reference and --quick run every part for every model (quick with fewer
// requests and limits); the default run measures what the report's verdict,
// its headline figures and the interview guide read (see default_grid), and
// declares the connector ÷ bound pairs as comparisons.
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "client_model.hpp"
#include "latency_stats.hpp"
#include "model_benchmark.hpp"
#include "run_summary.hpp"
#include "scenario.hpp"

namespace bench::limits_scenario {
namespace {

constexpr double kSweepDelayMs = 20;
constexpr double kSlowDelayMs = 500;
constexpr double kFastDelayMs = 5;
constexpr rlim_t kFdLimit = 256;
constexpr std::size_t kFdRequests = 2000;
// Still four times the fd limit: the Python child inherits the lowered soft
// limit (it is started by the run, after the limit is lowered), so it fails the same way.
constexpr std::size_t kFdRequestsPython = 1000;
constexpr std::size_t kFdSafeLimit = 100;
constexpr std::size_t kPerHostTotal = 12;
constexpr std::size_t kPerHostLimit = 4;
constexpr std::size_t kPerHostRequests = 36;  // 12 per host
constexpr std::size_t kCap = 32;

constexpr std::size_t kRateLimitMax = 32;  // the report's throughput check covers limits up to this

const char* const kCppModels[] = {"asio_coro", "curl_multi"};
// aiohttp, the library the claim is about; registered only when the suite
// has the Python models (clients::has_model).
const char* const kPythonModels[] = {"py_aiohttp"};

std::vector<std::string> models() {
  std::vector<std::string> out(std::begin(kCppModels), std::end(kCppModels));
  for (const char* m : kPythonModels)
    if (clients::has_model(m)) out.emplace_back(m);
  return out;
}

bool is_python(const std::string& model) {
  return model.rfind("py_", 0) == 0;
}

// Python requests cost about a hundred times the CPU of the C++ ones, so the
// largest gathers are halved for it to keep each run to a second or two.
std::size_t gather_size(const std::string& model, bool quick) {
  if (quick) return 200;
  return is_python(model) ? 1000 : 2000;
}

std::string limit_text(std::size_t limit) {
  return limit == 0 ? "unlimited" : std::to_string(limit);
}

// The sweep's requests: enough for about 16 waves of `limit` (a run of some
// 300 ms), at most the gather's size (2000, the claim's gather of thousands; 1000 for
// Python); the unlimited run issues them all at once.
std::size_t sweep_requests(const std::string& model, std::size_t limit, bool quick) {
  const std::size_t most = gather_size(model, quick);
  if (limit == 0) return most;
  return std::min(most, limit * (quick ? 8 : 16));
}

// What the default run measures, and which figure or check each part carries
// (scripts/report_lib/limits*.py, guide_claims.py, guide_questions.py).
namespace default_grid {
// sweep: limit 32 only, the largest the throughput check covers: each
// model's headline throughput ÷ (limit ÷ delay) and a peak = min(limit,
// requests) check. No unlimited gather: the fd part shows what one does, and
// without it the throughput check applies at limit 32 in every run, as in
// the reference (aiohttp's unlimited gather, bound by the client's CPU, now
// and then falls below limit 32's ideal, which moves that check and its
// figure to a smaller limit, one a default run does not measure).
bool sweep(std::size_t limit) {
  return limit == kRateLimitMax;
}
// fd: the claim's library and the C++ mechanism the guide quotes.
bool fd(const std::string& model) {
  return model == "py_aiohttp" || model == "asio_coro";
}
// per_host: aiohttp's per-host limit, the check that fails (its server-side
// peak above limit_per_host) and makes the verdict nuanced.
bool per_host(const std::string& model, std::size_t limit_per_host) {
  return is_python(model) && limit_per_host != 0;
}
// cap: the connector and the pooled bound for every model (the headline
// connector ÷ bound); the unpooled semaphore, whose connections the guide quotes.
bool cap(const std::string& model, bool in_flight_bound, bool pooling) {
  return !in_flight_bound || pooling || is_python(model);
}
}  // namespace default_grid

struct HostSpec {
  std::string key;     // get_named key ("" = the shared http mockd)
  std::string target;  // path and query
};

// Lowers the soft RLIMIT_NOFILE for its lifetime and restores it after.
class FdLimit {
 public:
  explicit FdLimit(rlim_t soft) {
    if (soft == 0) return;
    if (getrlimit(RLIMIT_NOFILE, &saved_) != 0) return;
    rlimit lowered = saved_;
    lowered.rlim_cur = std::min(soft, saved_.rlim_max);
    active_ = setrlimit(RLIMIT_NOFILE, &lowered) == 0;
  }
  ~FdLimit() {
    if (active_) setrlimit(RLIMIT_NOFILE, &saved_);
  }
  FdLimit(const FdLimit&) = delete;
  FdLimit& operator=(const FdLimit&) = delete;
  bool active() const { return active_; }

 private:
  rlimit saved_{};
  bool active_ = false;
};

// The body for the parts run_model_benchmark cannot run: several hosts
// (per-host counters and server peaks), runs that are expected to fail
// (the fd-limited gather) and counters the model reports about itself (the
// semaphore's in_flight_peak). The timed run is the shared measure_run; the fd
// limit is lowered in its before-run hook and restored in its after-run hook
// (and by FdLimit's destructor if the run throws), so a client model that
// forks a child inside the run (the Python models) hands the lowered limit
// on to it. verify_once's primer runs under the normal limit and must pass
// every check first, so a broken set-up is skipped, never timed; the timed
// runs then count their errors, as every run does.
struct CustomBenchmark {
  std::string name;
  std::string model;
  std::vector<HostSpec> hosts;
  std::vector<bool> slow;  // per host: counted as slow (per-host latencies)
  clients::Plan plan;
  rlim_t fd_limit = 0;    // 0: leave the process's limit alone
  std::size_t limit = 0;  // the nominal limit (0: none), for the counter
};

void run_custom(benchmark::State& state, ScenarioContext& context, const CustomBenchmark& spec) {
  std::vector<ServerEndpoint> servers;
  try {
    for (std::size_t i = 0; i < spec.hosts.size(); ++i)
      servers.push_back(spec.hosts[i].key.empty()
                            ? context.servers().get(false)
                            : context.servers().get_named(spec.hosts[i].key, {}));
  } catch (const std::exception& e) {
    return skip(state, "no server: " + std::string(e.what()));
  }
  clients::Plan plan = spec.plan;
  plan.urls.clear();
  for (std::size_t i = 0; i < servers.size(); ++i)
    plan.urls.push_back(servers[i].url + spec.hosts[i].target);

  if (!verify_once(state, spec.name, spec.model, plan)) return;

  MeasuredRun run;
  bool limit_applied = true;
  for (auto _ : state) {
    std::optional<FdLimit> fd;
    run = measure_run(
        spec.model, plan, servers,
        [&] {
          if (spec.fd_limit == 0) return;
          fd.emplace(spec.fd_limit);
          limit_applied = fd->active();
        },
        [&] { fd.reset(); });
    state.SetIterationTime(run.summary.wall_s);
  }
  if (!limit_applied) return skip(state, "setrlimit(RLIMIT_NOFILE) refused");
  context.spectra().add(spec.name, run.latencies_us);

  // Several hosts: counts are added up, and conns_peak is the sum of their
  // peaks (which need not have happened at the same moment).
  ServerCounts server;
  for (const auto& s : run.server_stats) server.add(s);
  set_standard_counters(state, run.summary, server, plan);
  auto& c = state.counters;
  const auto fd_errors = run.summary.errors.find("fd_exhausted");
  c["fd_errors"] =
      fd_errors == run.summary.errors.end() ? 0.0 : static_cast<double>(fd_errors->second);
  if (run.server_stats.size() > 1) {
    for (std::size_t i = 0; i < run.server_stats.size(); ++i) {
      const auto& st = run.server_stats[i];
      c["conns_peak_host" + std::to_string(i)] = st.value("connections_peak", 0.0);
      c["conns_opened_host" + std::to_string(i)] = st.value("connections_accepted", 0.0);
    }
  }
  c["limit"] = static_cast<double>(spec.limit);
  c["limit_per_host"] = static_cast<double>(plan.limit_per_host);
  // The most requests inside the semaphore at once, as the model counted it
  // (the aiohttp models under a semaphore plan report it).
  if (const auto peak = run.summary.details.find("in_flight_peak");
      peak != run.summary.details.end())
    c["in_flight_peak"] = std::stod(peak->second);
  if (spec.fd_limit != 0) c["fd_limit"] = static_cast<double>(spec.fd_limit);
  if (!spec.slow.empty()) {
    std::vector<double> fast_us, slow_us;
    for (std::size_t i = 0; i < run.latencies_us.size(); ++i) {
      const auto target = run.latency_targets[i];
      const bool is_slow = target < spec.slow.size() && spec.slow[target];
      (is_slow ? slow_us : fast_us).push_back(run.latencies_us[i]);
    }
    const auto fast = clients::latency_stats(fast_us);
    const auto slow = clients::latency_stats(slow_us);
    c["fast_p50_us"] = fast.p50;
    c["fast_p99_us"] = fast.p99;
    c["slow_p50_us"] = slow.p50;
    c["slow_p99_us"] = slow.p99;
  }
}

std::string cap_name(const std::string& model, const std::string& mode) {
  return "limits/" + model + "/cap/" + mode + "/cap:" + std::to_string(kCap) + "/delay_ms:20";
}

std::string delay_query(double ms) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "/?delay_ms=%g", ms);
  return buf;
}

// Every request issued at once (concurrency 0, aiohttp's gather), bounded
// only by `limit` (0: none); mockd's default 16-byte body checked. The
// Python aiohttp adapter reads plan limit 0 as aiohttp's default (100), so
// "none" is passed to it as a limit of `requests`, which never binds: as
// TCPConnector(limit=0) would, every request gets its connection at once.
// The benchmark's `limit` counter and name stay 0 / unlimited.
clients::Plan gather(const std::string& model, std::size_t requests, std::size_t limit) {
  clients::Plan plan;
  plan.requests = requests;
  plan.concurrency = 0;
  plan.limit = limit == 0 && is_python(model) ? requests : limit;
  plan.timeout = std::chrono::seconds(30);
  plan.expected_bytes = 16;
  return plan;
}

void register_limits(ScenarioContext& context) {
  const bool quick = context.options().quick();
  const bool standard = context.options().mode == Mode::standard;

  // Sweep: the limit from 1 to 256 and unlimited, everything issued at once.
  const std::vector<std::size_t> limits =
      quick ? std::vector<std::size_t>{1, 4, 32, 0}
            : std::vector<std::size_t>{1, 2, 4, 8, 16, 32, 64, 128, 256, 0};
  for (const std::string& model : models())
    for (std::size_t limit : limits) {
      if (standard && !default_grid::sweep(limit)) continue;
      ModelBenchmark spec;
      spec.name = "limits/" + model + "/sweep/limit:" + limit_text(limit) + "/delay_ms:20";
      spec.model = model;
      spec.target = delay_query(kSweepDelayMs);
      spec.plan = gather(model, sweep_requests(model, limit, quick), limit);
      context.add(spec.name, [&context, spec, limit](benchmark::State& state) {
        run_model_benchmark(state, context, spec);
        state.counters["delay_ms"] = kSweepDelayMs;
        state.counters["limit"] = static_cast<double>(limit);
      });
    }

  // Too many open files: the unlimited gather of 2000 under a soft
  // RLIMIT_NOFILE of 256 (errors expected), and the same with limit 100.
  for (const std::string& model : models())
    for (std::size_t limit : {std::size_t{0}, kFdSafeLimit}) {
      if (standard && !default_grid::fd(model)) continue;
      CustomBenchmark spec;
      spec.name = "limits/" + model + "/fd/fd_limit:" + std::to_string(kFdLimit) +
                  "/limit:" + limit_text(limit);
      spec.model = model;
      spec.hosts = {{"", delay_query(kSweepDelayMs)}};
      spec.plan = gather(model, is_python(model) ? kFdRequestsPython : kFdRequests, limit);
      spec.fd_limit = kFdLimit;
      spec.limit = limit;
      context.add(spec.name, [&context, spec](benchmark::State& state) {
        run_custom(state, context, spec);
        state.counters["delay_ms"] = kSweepDelayMs;
      });
    }

  // Limit per host: one slow host and two fast ones, round-robin.
  for (const std::string& model : models())
    for (std::size_t per_host : {std::size_t{0}, kPerHostLimit}) {
      if (standard && !default_grid::per_host(model, per_host)) continue;
      CustomBenchmark spec;
      spec.name = "limits/" + model + "/per_host/limit:" + std::to_string(kPerHostTotal) +
                  "/limit_per_host:" + limit_text(per_host);
      spec.model = model;
      spec.hosts = {{"limits_host0", delay_query(kSlowDelayMs)},
                    {"limits_host1", delay_query(kFastDelayMs)},
                    {"limits_host2", delay_query(kFastDelayMs)}};
      spec.slow = {true, false, false};
      spec.plan = gather(model, kPerHostRequests, kPerHostTotal);
      spec.plan.limit_per_host = per_host;
      spec.limit = kPerHostTotal;
      context.add(spec.name, [&context, spec](benchmark::State& state) {
        run_custom(state, context, spec);
        state.counters["slow_delay_ms"] = kSlowDelayMs;
        state.counters["fast_delay_ms"] = kFastDelayMs;
      });
    }

  // The same cap three ways. A bound on the requests in flight (aiohttp: an
  // asyncio.Semaphore over a gather of every request; C++: `cap` workers),
  // over a pooled session it reuses its connections, without pooling it
  // opens one per request. A connector limit bounds the connections in use
  // while every request is issued at once.
  struct CapMode {
    const char* name;
    bool in_flight_bound, pooling;
  };
  const CapMode cap_modes[] = {
      {"pooled", true, true}, {"unpooled", true, false}, {"connector", false, true}};
  for (const std::string& model : models())
    for (const CapMode& mode : cap_modes) {
      if (standard && !default_grid::cap(model, mode.in_flight_bound, mode.pooling)) continue;
      const std::string bound = is_python(model) ? "semaphore_" : "workers_";
      const std::string mode_name = mode.in_flight_bound ? bound + mode.name : mode.name;
      CustomBenchmark spec;
      spec.name = cap_name(model, mode_name);
      spec.model = model;
      spec.hosts = {{"", delay_query(kSweepDelayMs)}};
      spec.limit = mode.in_flight_bound ? 0 : kCap;
      spec.plan = gather(model, quick ? 160 : 640, spec.limit);
      spec.plan.concurrency = mode.in_flight_bound ? kCap : 0;
      spec.plan.semaphore = mode.in_flight_bound && is_python(model);
      spec.plan.pooling = mode.pooling;
      context.add(spec.name, [&context, spec](benchmark::State& state) {
        run_custom(state, context, spec);
        state.counters["delay_ms"] = kSweepDelayMs;
        state.counters["cap"] = static_cast<double>(kCap);
      });
    }
  // The headline's connector ÷ the bound over one pooled session, req/s: side
  // by side in every round, each model's figure quoted by itself.
  for (const std::string& model : models()) {
    const std::string bound = is_python(model) ? "semaphore" : "workers";
    context.compare({model + ": connector ÷ " + bound + " over one session",
                     cap_name(model, "connector"), cap_name(model, bound + "_pooled")});
  }
}

const ScenarioRegistrar registrar({"limits", register_limits});

}  // namespace
}  // namespace bench::limits_scenario
