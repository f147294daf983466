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
//   cap        the same cap as a semaphore without pooling vs a pooled
//              connector limit.
// Signature: the server-observed peak = min(limit, requests); the semaphore
// opens one connection per request, the connector `limit`.
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "http_get.hpp"
#include "latency_stats.hpp"
#include "model_benchmark.hpp"
#include "run_summary.hpp"
#include "scenario.hpp"

namespace bench {
namespace {

constexpr double kSweepDelayMs = 20;
constexpr double kSlowDelayMs = 500;
constexpr double kFastDelayMs = 5;
constexpr rlim_t kFdLimit = 256;
constexpr std::size_t kFdRequests = 2000;
constexpr std::size_t kFdSafeLimit = 100;
constexpr std::size_t kPerHostTotal = 12;
constexpr std::size_t kPerHostLimit = 4;
constexpr std::size_t kPerHostRequests = 36;  // 12 per host
constexpr std::size_t kCap = 32;

const char* const kModels[] = {"asio_coro", "curl_multi"};

std::string limit_text(std::size_t limit) {
  return limit == 0 ? "unlimited" : std::to_string(limit);
}

// The sweep's requests: enough for about 16 waves of `limit` (a run of some
// 300 ms), at most 2000 (the gather); the unlimited run issues them
// all at once.
std::size_t sweep_requests(std::size_t limit, bool quick) {
  const std::size_t most = quick ? 200 : 2000;
  if (limit == 0) return most;
  return std::min(most, limit * (quick ? 8 : 16));
}

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
// (per-host counters and server peaks) and runs that are expected to fail
// (the fd-limited gather). A primer of 20 requests under the normal fd limit
// must pass every check first, so a broken set-up is skipped, never timed;
// the timed runs then count their errors, as every run does.
struct CustomBenchmark {
  std::string name;
  std::string model;
  std::vector<HostSpec> hosts;
  std::vector<bool> slow;  // per host: counted as slow (per-host latencies)
  clients::Plan plan;
  rlim_t fd_limit = 0;  // 0: leave the process's limit alone
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

  clients::RunSummary summary;
  std::vector<nlohmann::json> stats(servers.size());
  std::vector<double> latencies_us, fast_us, slow_us;
  bool limit_applied = true;
  for (auto _ : state) {
    for (const auto& s : servers) harness::reset_stats(s.url, s.cacert);
    reset_peak_rss();
    clients::RunResult result;
    {
      FdLimit fd(spec.fd_limit);
      limit_applied = spec.fd_limit == 0 || fd.active();
      result = clients::run_model(spec.model, plan);
    }
    const double rss_mb = peak_rss_mb();
    for (std::size_t i = 0; i < servers.size(); ++i)
      stats[i] = harness::fetch_stats(servers[i].url, servers[i].cacert);
    summary = clients::summarize(result);
    summary.peak_rss_kib = static_cast<long>(rss_mb * 1024);
    state.SetIterationTime(summary.wall_s);
    latencies_us.clear();
    fast_us.clear();
    slow_us.clear();
    for (const auto& s : result.samples) {
      if (s.error != clients::ErrorKind::none) continue;
      const double us = std::chrono::duration<double, std::micro>(s.latency).count();
      latencies_us.push_back(us);
      const bool is_slow = s.target < spec.slow.size() && spec.slow[s.target];
      (is_slow ? slow_us : fast_us).push_back(us);
    }
  }
  if (!limit_applied) return skip(state, "setrlimit(RLIMIT_NOFILE) refused");
  context.spectra().add(spec.name, latencies_us);

  // Several hosts: counts are added up, and conns_peak is the sum of their
  // peaks (which need not have happened at the same moment).
  ServerCounts server;
  for (const auto& s : stats) server.add(s);
  set_standard_counters(state, summary, server, plan);
  auto& c = state.counters;
  const auto fd_errors = summary.errors.find("fd_exhausted");
  c["fd_errors"] = fd_errors == summary.errors.end() ? 0.0 : static_cast<double>(fd_errors->second);
  if (stats.size() > 1) {
    for (std::size_t i = 0; i < stats.size(); ++i) {
      c["conns_peak_host" + std::to_string(i)] = stats[i].value("connections_peak", 0.0);
      c["conns_opened_host" + std::to_string(i)] = stats[i].value("connections_accepted", 0.0);
    }
  }
  c["limit"] = static_cast<double>(plan.limit);
  c["limit_per_host"] = static_cast<double>(plan.limit_per_host);
  if (spec.fd_limit != 0) c["fd_limit"] = static_cast<double>(spec.fd_limit);
  if (!spec.slow.empty()) {
    const auto fast = clients::latency_stats(fast_us);
    const auto slow = clients::latency_stats(slow_us);
    c["fast_p50_us"] = fast.p50;
    c["fast_p99_us"] = fast.p99;
    c["slow_p50_us"] = slow.p50;
    c["slow_p99_us"] = slow.p99;
  }
}

std::string delay_query(double ms) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "/?delay_ms=%g", ms);
  return buf;
}

// Every request issued at once (concurrency 0, aiohttp's gather), bounded
// only by `limit`; mockd's default 16-byte body checked.
clients::Plan gather(std::size_t requests, std::size_t limit) {
  clients::Plan plan;
  plan.requests = requests;
  plan.concurrency = 0;
  plan.limit = limit;
  plan.timeout = std::chrono::seconds(30);
  plan.expected_bytes = 16;
  return plan;
}

void register_limits(ScenarioContext& context) {
  const bool quick = context.options().quick;

  // Sweep: the limit from 1 to 256 and unlimited, everything issued at once.
  const std::vector<std::size_t> limits =
      quick ? std::vector<std::size_t>{1, 4, 32, 0}
            : std::vector<std::size_t>{1, 2, 4, 8, 16, 32, 64, 128, 256, 0};
  for (const std::string model : kModels)
    for (std::size_t limit : limits) {
      ModelBenchmark spec;
      spec.name = "limits/" + model + "/sweep/limit:" + limit_text(limit) + "/delay_ms:20";
      spec.model = model;
      spec.target = delay_query(kSweepDelayMs);
      spec.plan = gather(sweep_requests(limit, quick), limit);
      context.add(spec.name, [&context, spec](benchmark::State& state) {
        run_model_benchmark(state, context, spec);
        state.counters["delay_ms"] = kSweepDelayMs;
        state.counters["limit"] = static_cast<double>(spec.plan.limit);
      });
    }

  // Too many open files: the unlimited gather of 2000 under a soft
  // RLIMIT_NOFILE of 256 (errors expected), and the same with limit 100.
  for (const std::string model : kModels)
    for (std::size_t limit : {std::size_t{0}, kFdSafeLimit}) {
      CustomBenchmark spec;
      spec.name = "limits/" + model + "/fd/fd_limit:" + std::to_string(kFdLimit) +
                  "/limit:" + limit_text(limit);
      spec.model = model;
      spec.hosts = {{"", delay_query(kSweepDelayMs)}};
      spec.plan = gather(kFdRequests, limit);
      spec.fd_limit = kFdLimit;
      context.add(spec.name, [&context, spec](benchmark::State& state) {
        run_custom(state, context, spec);
        state.counters["delay_ms"] = kSweepDelayMs;
      });
    }

  // Limit per host: one slow host and two fast ones, round-robin.
  for (const std::string model : kModels)
    for (std::size_t per_host : {std::size_t{0}, kPerHostLimit}) {
      CustomBenchmark spec;
      spec.name = "limits/" + model + "/per_host/limit:" + std::to_string(kPerHostTotal) +
                  "/limit_per_host:" + limit_text(per_host);
      spec.model = model;
      spec.hosts = {{"limits_host0", delay_query(kSlowDelayMs)},
                    {"limits_host1", delay_query(kFastDelayMs)},
                    {"limits_host2", delay_query(kFastDelayMs)}};
      spec.slow = {true, false, false};
      spec.plan = gather(kPerHostRequests, kPerHostTotal);
      spec.plan.limit_per_host = per_host;
      context.add(spec.name, [&context, spec](benchmark::State& state) {
        run_custom(state, context, spec);
        state.counters["slow_delay_ms"] = kSlowDelayMs;
        state.counters["fast_delay_ms"] = kFastDelayMs;
      });
    }

  // Semaphore (concurrency bound, no pooling) vs connector (pooled limit).
  for (const std::string model : kModels)
    for (bool connector : {false, true}) {
      ModelBenchmark spec;
      spec.name = "limits/" + model + "/cap/" + (connector ? "connector" : "semaphore") +
                  "/cap:" + std::to_string(kCap) + "/delay_ms:20";
      spec.model = model;
      spec.target = delay_query(kSweepDelayMs);
      spec.plan = gather(quick ? 160 : 640, connector ? kCap : 0);
      // The semaphore: at most cap requests in flight, a new connection each.
      if (!connector) spec.plan.concurrency = kCap;
      spec.plan.pooling = connector;
      context.add(spec.name, [&context, spec](benchmark::State& state) {
        run_model_benchmark(state, context, spec);
        state.counters["delay_ms"] = kSweepDelayMs;
        state.counters["limit"] = static_cast<double>(spec.plan.limit);
        state.counters["cap"] = static_cast<double>(kCap);
      });
    }
}

const ScenarioRegistrar registrar({"limits", register_limits});

}  // namespace
}  // namespace bench
