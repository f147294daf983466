// Scenario `middleware` (claim C13): a server middleware that times every
// handler, as the material writes it around `await handler(request)`.
//
// Two servers, each with and without the timing:
// - aiohttp (bench/scenarios/python/middleware_server.py): a web.Application
//   with the material's middleware, or with none;
// - mockd --time-handlers: the same span taken in C++ (two clock reads from
//   the parsed request to the response header), or mockd without it.
// The same client drives all four (asio_coro, 8 keep-alive connections), so
// the only difference between a pair is the middleware.
//
// Two questions, two kinds of benchmark:
// - `overhead`: what the middleware costs per request, as the server's own
//   CPU time per request (its threads' run time from /proc/<pid>/task/*/schedstat,
//   nanoseconds), with and without it, side by side in every round;
// - `span`: what the middleware measures. Sequential requests with a 20 ms
//   delay read back "handler;dur=" from Server-Timing: it must be at least
//   the delay, and the client's latency is longer again by what the
//   middleware cannot see (reading, parsing and writing the request). Two
//   ways to connect: `keep_alive` sends every request of a repetition on one
//   connection (what a pooled client does), so the client's extra time is
//   the server's work around the handler and the loopback trip;
//   `new_connection` opens one per request, so it also holds connect and
//   accept (run for the timed servers only, to show that difference).
// Signature: every span >= its delay (exact count of violations: 0); no
// errors; the timed and untimed servers answer every request; a keep-alive
// repetition opens exactly one connection, a new-connection one one per
// request.
#include <curl/curl.h>
#include <dirent.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "child_process.hpp"
#include "client_model.hpp"
#include "latency_stats.hpp"
#include "model_benchmark.hpp"
#include "python_server.hpp"
#include "scenario.hpp"
#include "servers.hpp"

namespace bench::middleware_scenario {
namespace {

using namespace std::chrono_literals;

constexpr double kSpanDelayMs = 20;
constexpr std::size_t kConcurrency = 8;

struct Server {
  const char* name;        // the name's server part
  const char* middleware;  // "none" or "timing"
};

constexpr Server kServers[] = {
    {"aiohttp", "none"},
    {"aiohttp", "timing"},
    {"mockd", "none"},
    {"mockd", "timing"},
};

bool is_aiohttp(const Server& s) {
  return std::string_view(s.name) == "aiohttp";
}

// Requests per overhead run: about a second of the slower server's work.
std::size_t overhead_requests(const Server& s, const RunOptions& options) {
  const std::size_t full = is_aiohttp(s) ? 6'000 : 60'000;
  return options.quick() ? full / 4 : full;
}

std::string overhead_name(const Server& s) {
  return std::string("middleware/") + s.name + "/" + s.middleware +
         "/overhead/c:" + std::to_string(kConcurrency) + "/delay_ms:0";
}

// How the span run's client connects: one connection for the repetition, or
// a new one per request.
enum class Connection { kKeepAlive, kNew };

const char* connection_label(Connection connection) {
  return connection == Connection::kKeepAlive ? "keep_alive" : "new_connection";
}

std::string span_name(const Server& s, Connection connection) {
  char delay[32];
  std::snprintf(delay, sizeof delay, "%g", kSpanDelayMs);
  return std::string("middleware/") + s.name + "/" + s.middleware + "/span/" +
         connection_label(connection) + "/c:1/delay_ms:" + delay;
}

// The server for `s`: an aiohttp process of this scenario's, or a mockd of
// its own (with --time-handlers for the timed one). Checked before every
// repetition: a server that exited is not restarted; the benchmark is
// skipped with the reason and the run fails (ServerSet::failures).
std::optional<ServerEndpoint> server_for(benchmark::State& state, ScenarioContext& context,
                                         const Server& s) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<PythonServer>> aiohttp;
  try {
    if (!is_aiohttp(s)) {
      std::vector<std::string> args = {"--engine", "asio", "--threads", "1"};
      if (std::string_view(s.middleware) == "timing") args.push_back("--time-handlers");
      return context.servers().get_named(std::string("middleware_mockd_") + s.middleware, args);
    }
    std::lock_guard lock(mutex);
    auto& server = aiohttp[s.middleware];
    if (server) {
      if (const auto why = server->dead()) {
        context.servers().record_failure(*why);
        skip(state, *why);
        return std::nullopt;
      }
    } else {
      server = std::make_unique<PythonServer>(
          "middleware_server.py", std::vector<std::string>{"--middleware", s.middleware},
          std::max(0, context.servers().server_cpu()),
          std::string("the aiohttp server (middleware_server.py --middleware ") + s.middleware +
              ")");
    }
    return server->endpoint();
  } catch (const std::exception& e) {
    skip(state, std::string("no server: ") + e.what());
    return std::nullopt;
  }
}

// CPU time the process `pid` has run, all its threads, in nanoseconds
// (schedstat's first field: exact, where /proc/<pid>/stat counts 10 ms ticks).
std::optional<double> process_cpu_ns(int pid) {
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  DIR* dir = opendir(tasks.c_str());
  if (!dir) return std::nullopt;
  double total = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    std::ifstream in(tasks + "/" + entry->d_name + "/schedstat");
    double ns = 0;
    if (in >> ns) total += ns;
  }
  closedir(dir);
  return total;
}

void run_overhead(benchmark::State& state, ScenarioContext& context, const Server& s) {
  const auto server = server_for(state, context, s);
  if (!server) return;
  clients::Plan plan;
  plan.urls = {server->url + "/?delay_ms=0"};
  plan.requests = overhead_requests(s, context.options());
  plan.concurrency = kConcurrency;
  plan.expected_bytes = 16;
  const std::string name = overhead_name(s);
  if (!verify_once(state, name, "asio_coro", plan)) return;

  // The aiohttp server has no /stats: no server counters to reset or read.
  const std::vector<ServerEndpoint> with_stats =
      is_aiohttp(s) ? std::vector<ServerEndpoint>{} : std::vector<ServerEndpoint>{*server};
  MeasuredRun run;
  double cpu_ns = 0;
  std::optional<double> cpu_before;
  for (auto _ : state) {
    run = measure_run(
        "asio_coro", plan, with_stats, [&] { cpu_before = process_cpu_ns(server->pid); },
        [&] {
          const auto after = process_cpu_ns(server->pid);
          cpu_ns = cpu_before && after ? *after - *cpu_before : std::nan("");
        });
    state.SetIterationTime(run.summary.wall_s);
  }
  context.spectra().add(name, run.latencies_us);
  ServerCounts counts;
  if (!is_aiohttp(s)) counts.add(run.stats);
  set_standard_counters(state, run.summary, counts, plan);
  auto& c = state.counters;
  if (is_aiohttp(s))
    for (const char* unknown :
         {"conns_opened", "conns_peak", "tls_handshakes", "tls_resumed", "server_requests"})
      c.erase(unknown);
  c["conns_opened_client"] = static_cast<double>(run.summary.connections_opened);
  // Per successful request: a failed one did not go through the handler.
  const double ok = static_cast<double>(run.summary.ok);
  c["server_cpu_us_per_req"] = ok > 0 ? cpu_ns / 1e3 / ok : std::nan("");
  c["timed"] = std::string_view(s.middleware) == "timing" ? 1 : 0;
}

// "delay;dur=20.000, handler;dur=20.153" -> 20.153 (nullopt if absent).
std::optional<double> handler_ms(const std::string& server_timing) {
  const std::string key = "handler;dur=";
  const auto at = server_timing.find(key);
  if (at == std::string::npos) return std::nullopt;
  try {
    return std::stod(server_timing.substr(at + key.size()));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// One answer as the span run reads it.
struct SpanReply {
  long status = 0;  // 0: no response
  std::size_t body_bytes = 0;
  std::optional<std::string> server_timing;
  long connects = 0;  // connections this request opened (0 when it reused one)
};

// The span run's client: one libcurl easy handle for the whole repetition.
// libcurl keeps the handle's connection alive between requests, so with
// kKeepAlive a request's latency holds no connect or accept; kNew forces a
// fresh connection per request and closes it after (the way a test client
// without a session works). The same code both ways, so the two runs differ
// only in the connection.
class SpanClient {
 public:
  explicit SpanClient(Connection connection) : handle_(curl_easy_init(), curl_easy_cleanup) {
    if (!handle_) throw std::runtime_error("curl_easy_init failed");
    CURL* h = handle_.get();
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10'000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (connection == Connection::kNew) {
      curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
      curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
    }
  }

  SpanReply get(const std::string& url) {
    SpanReply reply;
    CURL* h = handle_.get();
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &reply);
    if (curl_easy_perform(h) != CURLE_OK) return SpanReply{};
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.status);
    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &reply.connects);
    return reply;
  }

 private:
  static std::size_t on_body(char*, std::size_t size, std::size_t n, void* out) {
    static_cast<SpanReply*>(out)->body_bytes += size * n;
    return size * n;
  }
  // Keeps the Server-Timing header's value; header names are case-insensitive.
  static std::size_t on_header(char* data, std::size_t size, std::size_t n, void* out) {
    const std::string_view line(data, size * n);
    constexpr std::string_view kName = "server-timing:";
    if (line.size() > kName.size() &&
        std::equal(kName.begin(), kName.end(), line.begin(), [](char a, char b) {
          return a == std::tolower(static_cast<unsigned char>(b));
        })) {
      std::string value(line.substr(kName.size()));
      value.erase(0, value.find_first_not_of(" \t"));
      value.erase(value.find_last_not_of("\r\n \t") + 1);
      static_cast<SpanReply*>(out)->server_timing = value;
    }
    return size * n;
  }

  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> handle_;
};

// Requests per span repetition. A span, and what the client waits beyond
// it, is a property of each request on its own (one at a time, the same
// delay), so a shorter run measures the same medians: the default runs fewer
// than the reference, which keeps its rounds short enough for the budget to
// repeat the cost pairs, whose intervals are what decide the verdict.
std::size_t span_requests(Mode mode) {
  switch (mode) {
    case Mode::quick:
      return 20;
    case Mode::standard:
      return 30;
    case Mode::reference:
      return 50;
  }
  return 50;
}

void run_span(benchmark::State& state, ScenarioContext& context, const Server& s,
              Connection connection) {
  const auto server = server_for(state, context, s);
  if (!server) return;
  char target[64];
  std::snprintf(target, sizeof target, "/?delay_ms=%g", kSpanDelayMs);
  const std::string url = server->url + target;
  const std::size_t requests = span_requests(context.options().mode);

  std::vector<double> span_ms, latency_ms;
  std::size_t errors = 0, missing = 0, below_delay = 0;
  long connects = 0;
  double wall_s = 0;
  for (auto _ : state) {
    span_ms.clear();
    latency_ms.clear();
    errors = missing = below_delay = 0;
    connects = 0;
    // A new client per repetition: its first request opens the connection.
    SpanClient client(connection);
    const auto started = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < requests; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      const auto reply = client.get(url);
      const double elapsed_ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      connects += reply.connects;
      if (reply.status != 200 || reply.body_bytes != 16) {
        ++errors;
        continue;
      }
      latency_ms.push_back(elapsed_ms);
      const auto span = reply.server_timing ? handler_ms(*reply.server_timing) : std::nullopt;
      if (!span) {
        ++missing;
        continue;
      }
      span_ms.push_back(*span);
      if (*span < kSpanDelayMs) ++below_delay;
    }
    wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    state.SetIterationTime(wall_s);
  }
  auto median = [](const std::vector<double>& v) { return clients::percentile(v, 50); };
  auto& c = state.counters;
  const bool timed = std::string_view(s.middleware) == "timing";
  c["requests"] = static_cast<double>(requests);
  c["errors"] = static_cast<double>(errors);
  if (errors) c["errors_status"] = static_cast<double>(errors);
  c["delay_ms"] = kSpanDelayMs;
  c["conns_opened_client"] = static_cast<double>(connects);
  c["latency_p50_ms"] = median(latency_ms);
  c["timed"] = timed ? 1 : 0;
  if (timed) {
    // Every answer of a timed server must carry the span: one without is an
    // error of the middleware, counted, not skipped.
    c["span_missing"] = static_cast<double>(missing);
    c["span_below_delay"] = static_cast<double>(below_delay);
    c["span_p50_ms"] = median(span_ms);
    c["span_min_ms"] =
        span_ms.empty() ? std::nan("") : *std::min_element(span_ms.begin(), span_ms.end());
    // What the client waited beyond what the middleware saw.
    c["unseen_p50_ms"] = median(latency_ms) - median(span_ms);
  }
  if (errors || (timed && missing))
    state.SetLabel("errors: " + std::to_string(errors) +
                   ", spans missing: " + std::to_string(missing));
  // No answer at all: nothing was measured (the server went away).
  if (errors == requests)
    state.SkipWithError(("every request of this repetition failed (" + std::to_string(errors) +
                         " of " + std::to_string(requests) + ")")
                            .c_str());
}

void register_middleware(ScenarioContext& context) {
  // The default measures what the verdict, the headline and the guide read:
  // the four overhead runs (the cost checks), each timed server's keep-alive
  // span (the span checks; aiohttp's is the guide's) and aiohttp's span on a
  // new connection per request (a headline figure). The untimed servers'
  // spans (a latency without a span to read) and mockd's on new connections
  // are in the quick run and the reference: each would add another span run
  // to every round.
  const bool standard = context.options().mode == Mode::standard;
  for (const Server& s : kServers) {
    context.add(
        overhead_name(s), [&context, &s](benchmark::State& st) { run_overhead(st, context, s); },
        static_cast<double>(overhead_requests(s, context.options())));
  }
  // Their request count lets the ETA scale the reference's time to this run's.
  const auto span_count = static_cast<double>(span_requests(context.options().mode));
  for (const Server& s : kServers)
    if (!standard || std::string_view(s.middleware) == "timing")
      context.add(
          span_name(s, Connection::kKeepAlive),
          [&context, &s](benchmark::State& st) {
            run_span(st, context, s, Connection::kKeepAlive);
          },
          span_count);
  // New connection per request: only where a span is read, to show what
  // connect and accept add to the client's side of it.
  for (const Server& s : kServers)
    if (std::string_view(s.middleware) == "timing" && (!standard || is_aiohttp(s)))
      context.add(
          span_name(s, Connection::kNew),
          [&context, &s](benchmark::State& st) { run_span(st, context, s, Connection::kNew); },
          span_count);
  // The headline: each server's CPU per request with the middleware ÷ without,
  // the two runs side by side in every round.
  context.compare({"aiohttp: timing middleware vs none", overhead_name(kServers[1]),
                   overhead_name(kServers[0]), "server_cpu_us_per_req"});
  context.compare({"mockd: --time-handlers vs none", overhead_name(kServers[3]),
                   overhead_name(kServers[2]), "server_cpu_us_per_req"});
  // aiohttp's CPU ratio is read against a threshold (under 1.25x), and the
  // server's CPU time per request moves by 10-20 % between repetitions on
  // this shared machine: in one default run of four, the suite's 25 s left it
  // four repetitions and an interval too wide to decide. Rounds after the
  // fourth hold only the four overhead runs, so 10 s more buy about three.
  context.default_budget(35);
}

const ScenarioRegistrar registrar({"middleware", register_middleware});

}  // namespace
}  // namespace bench::middleware_scenario
