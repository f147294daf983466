// Scenario `rtt` (claim C1 over a network): what pooling saves where a round
// trip costs time. bench runs in a private network namespace (rtt/) where
// the kernel delays every packet to and from this scenario's mock servers by
// RTT/2 each way, in order and without loss; the benchmarks sweep the RTT.
// Signature: unpooled, each request pays the TCP handshake (1 RTT) and the
// TLS one (1 RTT with TLS 1.3, 2 with TLS 1.2) on top of its own round trip;
// pooled, one round trip. Every client runs one request at a time
// (concurrency 1), so a request's latency counts its round trips cleanly.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "http_get.hpp"
#include "model_benchmark.hpp"
#include "private_network.hpp"
#include "run_summary.hpp"
#include "scenario.hpp"
#include "self_check.hpp"

namespace bench::rtt_scenario {
namespace {

struct Protocol {
  std::string name;  // in benchmark names
  std::string key;   // ServerSet::get_named key
  std::vector<std::string> args;
  int handshake_rtts;  // TCP + TLS round trips before the request can go
};

const std::vector<Protocol>& protocols() {
  static const std::vector<Protocol> all = {
      {"http", "rtt_http", {"--engine", "asio", "--threads", "1"}, 1},
      {"https_tls1.2",
       "rtt_tls12",
       {"--engine", "asio", "--threads", "1", "--tls", "--tls-version", "1.2"},
       3},
      {"https_tls1.3",
       "rtt_tls13",
       {"--engine", "asio", "--threads", "1", "--tls", "--tls-version", "1.3"},
       2},
  };
  return all;
}

struct RttConfig {
  std::string model;
  bool pooling = true;
  const Protocol* protocol = nullptr;
  double rtt_ms = 0;
  bool session_cache = true;
};

// Enough requests for a repetition of about `budget` seconds at the expected
// round trips per request, at least `at_least`, at most `cap`. Large RTTs
// thus run few requests per repetition: that keeps the full grid within
// minutes while every repetition still has its own median. The minimum keeps
// that median a typical request: a pooled run's first request opens the
// connection, and an unpooled curl run's first TLS session is a full one
// (the later ones resume), so the median must fall on a later request. The
// reference and quick runs keep 5; the default run, which measures only the
// largest RTT, where every request is slow, takes 3, the fewest whose median
// (the middle one) is a later request.
std::size_t requests_for(const RttConfig& c, Mode mode) {
  const bool quick = mode == Mode::quick;
  const double budget_s = quick ? 0.1 : 0.2;
  const std::size_t at_least = mode == Mode::standard ? 3 : 5;
  const std::size_t cap = quick ? 40 : 400;
  const bool tls = c.protocol->name != "http";
  const double rtts = c.pooling ? 1.0 : 1.0 + c.protocol->handshake_rtts;
  // A full TLS handshake costs ~2.2 ms of CPU here; a Python client adds its
  // own per-request overhead (requests.get builds a TLS context every call).
  const bool python = c.model.starts_with("py_");
  const double cpu_ms = ((!c.pooling && tls) ? 3.0 : 0.3) + (python ? (c.pooling ? 1.0 : 5.0) : 0);
  const double per_request_ms = rtts * c.rtt_ms + cpu_ms;
  const auto n = static_cast<std::size_t>(budget_s * 1000 / per_request_ms);
  return std::clamp<std::size_t>(n, at_least, cap);
}

std::string name_of(const RttConfig& c) {
  char rtt[32];
  std::snprintf(rtt, sizeof rtt, "%g", c.rtt_ms);
  return "rtt/" + c.model + "/" + (c.pooling ? "pool" : "nopool") + "/" + c.protocol->name +
         "/rtt_ms:" + rtt + (c.session_cache ? "" : "/session_cache:off");
}

int port_of(const std::string& url) {
  return std::stoi(url.substr(url.rfind(':') + 1));
}

// The self-check at each RTT, run once before the first benchmark at it; a
// failure (three attempts) skips every rtt benchmark that follows, with its
// message.
std::string check_emulation(ServerSet& servers, double rtt_ms) {
  static std::map<double, rtt::SelfCheck> checks;
  static std::string failure;
  if (!failure.empty()) return failure;
  if (checks.contains(rtt_ms)) return "";
  const auto& http = servers.get_named(protocols()[0].key, protocols()[0].args);
  rtt::delay_port(port_of(http.url));
  const rtt::SelfCheck check = rtt::self_check(port_of(http.url), rtt_ms);
  checks[rtt_ms] = check;
  std::cerr << "rtt: self-check " << (check.ok ? "passed: " : "FAILED: ") << check.message << "\n";
  if (!check.ok) failure = "RTT self-check failed, the rtt scenario stops here: " + check.message;
  return failure;
}

void run_rtt_benchmark(benchmark::State& state, ScenarioContext& context, const RttConfig& c,
                       clients::Plan plan, const std::string& name) {
  if (!rtt::emulation_ready())
    return skip(state, "RTT emulation unavailable: " + rtt::emulation_unavailable_reason());
  ServerEndpoint server;
  try {
    if (std::string failure = check_emulation(context.servers(), c.rtt_ms); !failure.empty())
      return skip(state, failure);
    server = context.servers().get_named(c.protocol->key, c.protocol->args);
    rtt::delay_port(port_of(server.url));
  } catch (const std::exception& e) {
    return skip(state, std::string("no server or no emulation: ") + e.what());
  }
  const auto rtt = std::chrono::microseconds(static_cast<long>(c.rtt_ms * 1000));
  const auto no_rtt = std::chrono::microseconds(0);
  plan.urls = {server.url + "/"};
  plan.cacert = server.cacert;

  // Verify before measuring, over the emulated RTT like the timed runs.
  rtt::set_rtt(rtt);
  const bool verified = verify_once(state, name, c.model, plan);
  rtt::set_rtt(no_rtt);
  if (!verified) return;

  MeasuredRun run;
  for (auto _ : state) {
    // The server's counters are read and reset without delay: they are
    // bookkeeping, not part of what is measured.
    run = measure_run(
        c.model, plan, server, [&] { rtt::set_rtt(rtt); }, [&] { rtt::set_rtt(no_rtt); });
    state.SetIterationTime(run.summary.wall_s);
  }
  context.spectra().add(name, run.latencies_us);
  ServerCounts counts;
  counts.add(run.stats);
  set_standard_counters(state, run.summary, counts, plan);
  state.counters["rtt_ms"] = c.rtt_ms;
  // Latency in round trips; undefined at RTT 0, so absent there.
  if (c.rtt_ms > 0) state.counters["p50_rtts"] = run.summary.latency_us.p50 / (c.rtt_ms * 1000);
}

// The comparison group of an unpooled run: its protocol and RTT, every model
// together, as the verdict and its headline figures take the median over
// models, repetition by repetition.
std::string group_of(const RttConfig& c) {
  char rtt[32];
  std::snprintf(rtt, sizeof rtt, "%g", c.rtt_ms);
  return "models (median) nopool/pool p50 over " + c.protocol->name + ", rtt_ms:" + rtt;
}

void register_rtt(ScenarioContext& context) {
  const Mode mode = context.options().mode;
  // The default grid holds what the verdict, its headline figures (the round
  // trips a new connection adds, per protocol) and the guide's sentences
  // read: the largest RTT (the reference's 50 ms, so the figures line up
  // with the reference's), every protocol, pooled and unpooled, and three
  // models whose median is the median of the reference's five: libcurl
  // (blocking_curl, whose TLS 1.2 sessions resume, a round trip fewer, as
  // curl_multi's do), Asio (asio_coro, which never resumes) and aiohttp
  // (py_aiohttp, the library claim C1 names, a few hundredths of a round
  // trip slower, as py_requests is). The median is then a C++ model's figure
  // in both grids. The sweep over RTTs, curl_multi, py_requests and libcurl's
  // session cache off stay in --reference; --quick keeps its own small sweep.
  const bool standard = mode == Mode::standard;
  const std::vector<double> rtts = mode == Mode::quick ? std::vector<double>{0, 20}
                                   : standard          ? std::vector<double>{50}
                                                       : std::vector<double>{0, 1, 10, 50};
  // The C++ models show the mechanism; the Python libraries the claim names
  // give the figure a reader may quote (registered when their adapter is built).
  std::vector<std::string> models = {"asio_coro", "blocking_curl"};
  if (!standard) models.push_back("curl_multi");
  for (const std::string python : {"py_aiohttp", "py_requests"})
    if (clients::has_model(python) && (!standard || python == "py_aiohttp"))
      models.push_back(python);
  std::vector<RttConfig> configs;
  for (double rtt_ms : rtts)
    for (const std::string& model : models)
      for (const auto& protocol : protocols())
        for (bool pooling : {true, false}) {
          configs.push_back({model, pooling, &protocol, rtt_ms, true});
          // What TLS session resumption saves a new connection.
          if (model == "blocking_curl" && !pooling && protocol.name != "http" && !standard)
            configs.push_back({model, pooling, &protocol, rtt_ms, false});
        }
  for (const auto& c : configs) {
    clients::Plan plan;
    plan.requests = requests_for(c, mode);
    plan.concurrency = 1;
    plan.pooling = c.pooling;
    plan.tls_session_cache = c.session_cache;
    plan.timeout = std::chrono::seconds(10);
    plan.expected_bytes = 16;  // mockd's default body
    const std::string name = name_of(c);
    context.add(
        name,
        [&context, c, plan, name](benchmark::State& state) {
          run_rtt_benchmark(state, context, c, plan, name);
        },
        static_cast<double>(plan.requests));
  }
  // Each unpooled run (session cache on, as the verdict reads) against the
  // pooled run of its model, protocol and RTT: unpooled p50 ÷ pooled p50, the
  // factor the rtt_speedup chart draws, tight when the round trips are.
  for (const auto& c : configs) {
    if (c.pooling || !c.session_cache) continue;
    RttConfig pooled = c;
    pooled.pooling = true;
    context.compare({group_of(c), name_of(c), name_of(pooled), "p50_us"});
  }
}

const ScenarioRegistrar registrar({"rtt", register_rtt});

}  // namespace
}  // namespace bench::rtt_scenario
