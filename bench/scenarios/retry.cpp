// Scenario `retry` (claim C6): retry with exponential backoff, and add jitter
// so that many clients do not retry in step.
//
// 200 clients start together, each making one logical request against a
// mockd of this scenario's own (asio engine, one thread) that fails it with
// status 500 at `fail_rate` p. Policies: `none` (one attempt), `backoff` (up
// to k = 3 retries, the r-th after base * 2^(r-1) ms, base 100 ms) and
// `backoff_jitter` (full jitter: uniform in [0, base * 2^(r-1)]). Attempt a
// of client i asks for seed run_seed + 16 i + a, so its outcome is fixed by
// the seed: the same in every policy and in both languages within a
// repetition (paired), independent between attempts, and a new draw in the
// next repetition (run_seed changes).
//
// Names: retry/<py_aiohttp|asio_coro>/<none|backoff|backoff_jitter>/
//        clients:200/fail_rate:<p>/retries:<k>/base_ms:<base>
// py_aiohttp: one asyncio loop, one aiohttp.ClientSession, gather over the
// clients (bench/scenarios/python/retry.py, a child kept for the whole run
// and given one JSON line per repetition); the figure a candidate quotes.
// asio_coro: the same on one io_context, a coroutine and a keep-alive
// connection per client (Boost.Asio + Beast): the mechanism without Python.
// Both open their connections first (aiohttp: a warm-up request per client;
// C++: a connect per client), then mockd's counters are reset and the run
// starts: the first wave is then 200 requests, not 200 TCP handshakes.
//
// Per repetition: the client's attempts, successes, 500s, errors by kind, and
// when it sent each attempt (first attempts and retries apart, per 10 ms);
// mockd's requests_started and its arrival timeline (timeline.started, 10 ms
// buckets since the reset just before the run), kept with the Series API.
// Signature: success rate >= 1 - p^(k+1) within binomial sampling bounds;
// server requests == client attempts (exact); no retry: attempts == clients.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "http_get.hpp"
#include "model_benchmark.hpp"
#include "python_experiment.hpp"
#include "scenario.hpp"

namespace bench::retry_scenario {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr int kClients = 200;
constexpr int kRetries = 3;
// Waits of 100, 200, 400 ms: each wave lands well clear of the last in 10 ms
// buckets even though Python needs tens of ms to send a wave of 200.
constexpr double kBaseMs = 100;
constexpr double kBucketMs = 10;           // mockd's timeline bucket
constexpr double kHeadlineFailRate = 0.5;  // the pair the report's headline quotes
constexpr int kSeedsPerClient = 16;
// Seeds of one repetition: clients x 16 stays below this, so repetitions never share a seed.
constexpr std::uint64_t kSeedsPerRun = 4096;
constexpr int kExpectedBytes = 16;  // mockd's default body, also on a 500
constexpr int kFailStatus = 500;    // mockd's fail_status default
constexpr auto kRequestTimeout = std::chrono::seconds(10);
constexpr auto kPythonTimeout = std::chrono::seconds(60);

enum class Policy { none, backoff, backoff_jitter };

const char* policy_name(Policy p) {
  switch (p) {
    case Policy::none:
      return "none";
    case Policy::backoff:
      return "backoff";
    case Policy::backoff_jitter:
      return "backoff_jitter";
  }
  return "none";
}

struct RetryCase {
  std::string client;  // py_aiohttp | asio_coro
  Policy policy;
  double fail_rate;
  int retries() const { return policy == Policy::none ? 0 : kRetries; }
  double base_ms() const { return policy == Policy::none ? 0 : kBaseMs; }
};

std::string name_of(const RetryCase& c) {
  char tail[128];
  std::snprintf(tail, sizeof tail, "/clients:%d/fail_rate:%g/retries:%d/base_ms:%g", kClients,
                c.fail_rate, c.retries(), c.base_ms());
  return "retry/" + c.client + "/" + policy_name(c.policy) + tail;
}

// What one run of the clients did, from the client's side, in either language.
struct Outcome {
  std::size_t attempts = 0, successes = 0,
              failed_attempts = 0;            // failed: the 500s fail_rate asks for
  std::map<std::string, std::size_t> errors;  // anything else, by kind
  std::string error_example;
  std::vector<double> first_send_ms, retry_send_ms;  // since the run's start
  double wall_ms = 0, cpu_s = 0;
};

// The wait before retry r (1, 2, ...): base * 2^(r-1), or uniform below it with full jitter.
double wait_ms(Policy policy, int retry, std::mt19937_64& rng) {
  const double cap = kBaseMs * std::pow(2.0, retry - 1);
  return policy == Policy::backoff_jitter ? std::uniform_real_distribution<double>(0, cap)(rng)
                                          : cap;
}

std::string target_of(int client, double fail_rate, std::uint64_t seed) {
  char t[128];
  std::snprintf(t, sizeof t, "/retry/%d?fail_rate=%g&seed=%llu", client, fail_rate,
                static_cast<unsigned long long>(seed));
  return t;
}

// ---- C++: one io_context, a coroutine and a keep-alive connection per client ----

struct CppRun {
  tcp::endpoint endpoint;
  std::string host;
  RetryCase c;
  std::uint64_t run_seed;
  Clock::time_point t0;
  Outcome out;
  std::vector<std::unique_ptr<beast::tcp_stream>> streams;  // one per client, opened before the run
};

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

asio::awaitable<void> one_client(CppRun& run, int i) {
  constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
  auto executor = co_await asio::this_coro::executor;
  beast::tcp_stream& stream = *run.streams[static_cast<std::size_t>(i)];
  beast::flat_buffer buffer;
  asio::steady_timer timer(executor);
  bool connected = stream.socket().is_open();
  std::mt19937_64 rng(run.run_seed * 100003 + static_cast<std::uint64_t>(i));
  Outcome& out = run.out;
  for (int attempt = 0; attempt <= run.c.retries(); ++attempt) {
    if (attempt > 0) {
      timer.expires_after(
          std::chrono::microseconds(std::llround(wait_ms(run.c.policy, attempt, rng) * 1000)));
      co_await timer.async_wait(nothrow);
    }
    const std::uint64_t seed = run.run_seed + kSeedsPerClient * static_cast<std::uint64_t>(i) +
                               static_cast<std::uint64_t>(attempt);
    (attempt > 0 ? out.retry_send_ms : out.first_send_ms).push_back(ms_since(run.t0));
    ++out.attempts;
    std::string kind;
    std::string detail;
    if (!connected) {
      stream.expires_after(kRequestTimeout);
      auto [ec] = co_await stream.async_connect(run.endpoint, nothrow);
      if (ec) {
        kind = ec == beast::error::timeout ? "timeout" : "connect";
        detail = ec.message();
      } else {
        connected = true;
        stream.socket().set_option(tcp::no_delay(true));  // as libcurl and aiohttp do
      }
    }
    if (kind.empty()) {
      http::request<http::empty_body> req{http::verb::get, target_of(i, run.c.fail_rate, seed), 11};
      req.set(http::field::host, run.host);
      stream.expires_after(kRequestTimeout);
      auto [wec, wn] = co_await http::async_write(stream, req, nothrow);
      http::response<http::string_body> res;
      if (wec) {
        kind = wec == beast::error::timeout ? "timeout" : "write";
        detail = wec.message();
      } else {
        auto [rec, rn] = co_await http::async_read(stream, buffer, res, nothrow);
        if (rec) {
          kind = rec == beast::error::timeout ? "timeout" : "read";
          detail = rec.message();
        } else {
          if (!res.keep_alive()) {
            beast::error_code ignored;
            stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
            stream.close();
            connected = false;
          }
          const int status = res.result_int();
          if (status == 200 && res.body().size() == kExpectedBytes) {
            ++out.successes;
            co_return;
          }
          if (status == kFailStatus) {
            ++out.failed_attempts;  // what fail_rate asks for: retried
            continue;
          }
          kind = status == 200 ? "body_size" : "status";
          detail = "status " + std::to_string(status) + ", " + std::to_string(res.body().size()) +
                   " bytes";
        }
      }
    }
    ++out.errors[kind];
    if (out.error_example.empty()) out.error_example = kind + ": " + detail;
    stream.close();  // start the next attempt on a new connection
    connected = false;
  }
}

double process_cpu_s() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Opens each client's connection before the run, as the Python side warms its
// pool: the run then measures retries, not 200 TCP handshakes. A connection
// that fails here is opened (and its failure counted) by the first attempt.
asio::awaitable<void> open_connection(beast::tcp_stream& stream, tcp::endpoint endpoint) {
  stream.expires_after(kRequestTimeout);
  auto [ec] = co_await stream.async_connect(endpoint, asio::as_tuple(asio::use_awaitable));
  if (ec)
    stream.close();
  else
    stream.socket().set_option(tcp::no_delay(true));
}

Outcome run_cpp(const std::string& host, std::uint16_t port, const RetryCase& c,
                std::uint64_t run_seed, const std::function<void()>& reset) {
  asio::io_context io(1);
  CppRun run{tcp::endpoint(asio::ip::make_address(host), port), host, c, run_seed, {}, {}, {}};
  for (int i = 0; i < kClients; ++i) {
    run.streams.push_back(std::make_unique<beast::tcp_stream>(io));
    asio::co_spawn(io, open_connection(*run.streams.back(), run.endpoint), asio::detached);
  }
  io.run();
  io.restart();
  reset();  // mockd counts a connection at its first request: nothing of the above shows
  const double cpu0 = process_cpu_s();
  run.t0 = Clock::now();
  for (int i = 0; i < kClients; ++i)
    asio::co_spawn(io, one_client(run, i), [&run](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        ++run.out.errors["other"];
        if (run.out.error_example.empty()) run.out.error_example = ex.what();
      }
    });
  io.run();
  run.out.wall_ms = ms_since(run.t0);
  run.out.cpu_s = process_cpu_s() - cpu0;
  return std::move(run.out);
}

// ---- Python: a child kept for the whole bench run, one JSON line per run ----

const std::string kPythonScript = scenario_script("retry.py");
constexpr const char* kPython = "/usr/bin/python3";

// A benchmark that cannot run here (not an error of the run): recorded with the reason.
struct Unavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class PythonPeer {
 public:
  // Sends one run's configuration; once the child has warmed its pool, calls
  // `reset` (mockd's counters) and lets it go; returns its answer.
  nlohmann::json run(const nlohmann::json& config, const std::function<void()>& reset) {
    if (!child_) start();
    if (!child_->write_stdin(config.dump() + "\n")) return fail("the child closed its input");
    const auto warmed = answer();
    if (!warmed.contains("warmed")) return fail("no warm-up line: " + warmed.dump());
    reset();
    if (!child_->write_stdin("go\n")) return fail("the child closed its input");
    return answer();
  }
  const std::string& versions() const { return versions_; }

 private:
  void start() {
    if (access(kPython, X_OK) != 0) throw Unavailable(std::string(kPython) + " not found");
    if (access(kPythonScript.c_str(), R_OK) != 0) throw Unavailable(kPythonScript + " not found");
    child_ =
        std::make_unique<harness::ChildProcess>(std::vector<std::string>{kPython, kPythonScript});
    const auto line = child_->read_line(Clock::now() + kPythonTimeout);
    if (!line) fail("no start-up line");
    const auto ready = nlohmann::json::parse(*line);
    if (ready.contains("skip")) {
      child_.reset();
      throw Unavailable(ready["skip"].get<std::string>());
    }
    versions_ = "Python " + ready.value("python", "?") + ", aiohttp " + ready.value("aiohttp", "?");
  }
  // The next line, parsed; a run the child reports as failed throws with its reason.
  nlohmann::json answer() {
    const auto line = child_->read_line(Clock::now() + kPythonTimeout);
    if (!line) fail("no answer within " + std::to_string(kPythonTimeout.count()) + " s");
    auto a = nlohmann::json::parse(*line);
    if (a.contains("error")) throw std::runtime_error("python: " + a["error"].get<std::string>());
    return a;
  }
  // A child that stopped answering is replaced at the next run.
  nlohmann::json fail(const std::string& why) {
    const std::string tail = child_ ? child_->stderr_tail() : "";
    child_.reset();
    throw std::runtime_error("python child: " + why + (tail.empty() ? "" : ": " + tail));
  }

  std::unique_ptr<harness::ChildProcess> child_;
  std::string versions_;
};

PythonPeer& python_peer() {
  static PythonPeer peer;  // its destructor kills the child at exit
  return peer;
}

Outcome run_python(const std::string& url, const RetryCase& c, std::uint64_t run_seed,
                   const std::function<void()>& reset) {
  const nlohmann::json config = {
      {"url", url},
      {"clients", kClients},
      {"fail_rate", c.fail_rate},
      {"retries", c.retries()},
      {"base_ms", c.base_ms()},
      {"policy", policy_name(c.policy)},
      {"run_seed", run_seed},
      {"expected_bytes", kExpectedBytes},
      {"fail_status", kFailStatus},
      {"timeout_s", std::chrono::duration<double>(kRequestTimeout).count()}};
  const auto a = python_peer().run(config, reset);
  Outcome out;
  out.attempts = a.at("attempts");
  out.successes = a.at("successes");
  out.failed_attempts = a.at("failed_attempts");
  out.errors = a.at("errors").get<std::map<std::string, std::size_t>>();
  out.error_example = a.value("example", "");
  out.first_send_ms = a.at("first_send_ms").get<std::vector<double>>();
  out.retry_send_ms = a.at("retry_send_ms").get<std::vector<double>>();
  out.wall_ms = a.at("wall_ms");
  out.cpu_s = a.at("cpu_s");
  return out;
}

// ---- the benchmark ----------------------------------------------------------

// Counts per 10 ms bucket of times in ms (bucket i covers [10 i, 10 i + 10)), as mockd's timeline.
std::vector<double> per_bucket(const std::vector<double>& times_ms) {
  std::vector<double> buckets;
  for (double t : times_ms) {
    const auto i = static_cast<std::size_t>(std::max(0.0, t) / kBucketMs);
    if (i >= buckets.size()) buckets.resize(i + 1, 0);
    buckets[i] += 1;
  }
  return buckets;
}

double max_of(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
}

std::vector<double> json_list(const nlohmann::json& stats, const char* key) {
  const auto& t = stats.value("timeline", nlohmann::json::object());
  return t.contains(key) && t[key].is_array() ? t[key].get<std::vector<double>>()
                                              : std::vector<double>{};
}

void set_counters(benchmark::State& state, const RetryCase& c, const Outcome& out,
                  const nlohmann::json& stats, std::uint64_t run_seed) {
  auto& k = state.counters;
  const double n = kClients, p = c.fail_rate;
  const double expected = 1 - std::pow(p, c.retries() + 1);  // every attempt independent
  const auto retries = per_bucket(out.retry_send_ms);
  const auto started = json_list(stats, "started");
  std::size_t errors = 0;
  for (const auto& [kind, count] : out.errors) {
    errors += count;
    k["errors_" + kind] = static_cast<double>(count);
  }
  k["clients"] = n;
  k["fail_rate"] = p;
  k["retries"] = c.retries();
  k["base_ms"] = c.base_ms();
  k["run_seed"] = static_cast<double>(run_seed);
  k["attempts"] = static_cast<double>(out.attempts);
  k["requests"] = static_cast<double>(out.attempts);
  k["retry_attempts"] = static_cast<double>(out.retry_send_ms.size());
  k["successes"] = static_cast<double>(out.successes);
  k["failed_attempts"] = static_cast<double>(out.failed_attempts);
  k["errors"] = static_cast<double>(errors);
  k["success_rate"] = static_cast<double>(out.successes) / n;
  k["expected_success_rate"] = expected;
  // The signature's floor: 4 binomial standard deviations below 1 - p^(k+1).
  k["success_floor"] = expected - 4 * std::sqrt(expected * (1 - expected) / n);
  k["attempts_per_client"] = static_cast<double>(out.attempts) / n;
  k["wall_ms"] = out.wall_ms;
  k["cpu_s"] = out.cpu_s;
  // How long the client took to send its first wave: what spreads the failures before any jitter.
  if (!out.first_send_ms.empty())
    k["first_wave_ms"] = *std::max_element(out.first_send_ms.begin(), out.first_send_ms.end()) -
                         *std::min_element(out.first_send_ms.begin(), out.first_send_ms.end());
  k["peak_retries_10ms"] = max_of(retries);
  k["peak_retry_share"] = out.retry_send_ms.empty()
                              ? 0
                              : max_of(retries) / static_cast<double>(out.retry_send_ms.size());
  // mockd's count: requests whose header it parsed since the reset (requests_total on an older
  // mockd).
  k["server_requests"] = stats.contains("requests_started") && stats["requests_started"].is_number()
                             ? stats["requests_started"].get<double>()
                             : stats.value("requests_total", 0.0);
  k["server_peak_10ms"] = max_of(started);
  k["server_timeline_late"] = stats.value("timeline", nlohmann::json::object()).value("late", 0.0);
  k["conns_opened"] = stats.value("connections_accepted", 0.0);
  if (errors > 0) state.SetLabel("errors: " + out.error_example);
}

// Repetition i of every benchmark draws the same outcomes (run_seed), so the
// policies and the languages are compared on identical failures.
std::uint64_t next_run_seed(const std::string& name) {
  static std::map<std::string, std::uint64_t> runs;
  return 1 + kSeedsPerRun * runs[name]++;
}

void run_retry(benchmark::State& state, ScenarioContext& context, const RetryCase& c,
               const std::string& name) {
  ServerEndpoint server;
  try {
    // Its own mockd: no other scenario's request may show in its arrival timeline.
    server = context.servers().get_named("retry", {"--engine", "asio", "--threads", "1"});
  } catch (const std::exception& e) {
    return skip(state, "no server: " + std::string(e.what()));
  }
  const std::string hostport = server.url.substr(server.url.find("://") + 3);
  const std::string host = hostport.substr(0, hostport.rfind(':'));
  const auto port = static_cast<std::uint16_t>(std::stoi(hostport.substr(hostport.rfind(':') + 1)));

  Outcome out;
  nlohmann::json stats;
  std::uint64_t run_seed = 0;
  for (auto _ : state) {
    try {
      run_seed = next_run_seed(name);
      const auto reset = [&server] { harness::reset_stats(server.url); };
      // Both reset mockd's counters once their connections are open.
      out = c.client == "asio_coro" ? run_cpp(host, port, c, run_seed, reset)
                                    : run_python(server.url, c, run_seed, reset);
      stats = harness::fetch_stats(server.url);
    } catch (const std::exception& e) {  // Unavailable too: recorded with the reason
      state.SkipWithError(e.what());
      return;
    }
    state.SetIterationTime(out.wall_ms / 1000.0);
  }
  set_counters(state, c, out, stats, run_seed);
  auto& series = context.series();
  series.add(name, "server_started", json_list(stats, "started"));
  series.add(name, "server_completed", json_list(stats, "completed"));
  series.add(name, "client_first", per_bucket(out.first_send_ms));
  series.add(name, "client_retries", per_bucket(out.retry_send_ms));
  if (c.client != "asio_coro" && state.counters["errors"] == 0)
    state.SetLabel(python_peer().versions());
}

void register_retry(ScenarioContext& context) {
  const Mode mode = context.options().mode;
  // Every figure, check and sentence the default run reads is at
  // kHeadlineFailRate, in both languages; the other failure rates (the
  // success formula's sweep) are the reference's. A short round matters
  // here: Python's peak ratio spreads widely from one repetition to the
  // next, and only many rounds within the budget clear its check.
  const std::vector<double> rates = mode == Mode::reference
                                        ? std::vector<double>{0.3, 0.5, 0.7}
                                        : std::vector<double>{kHeadlineFailRate};
  for (const char* client : {"py_aiohttp", "asio_coro"}) {
    for (double p : rates) {
      for (Policy policy : {Policy::none, Policy::backoff, Policy::backoff_jitter}) {
        const RetryCase c{client, policy, p};
        const std::string name = name_of(c);
        context.add(name, [&context, c, name](benchmark::State& state) {
          run_retry(state, context, c, name);
        });
      }
      // Only the headline pair steers the repetitions; the other rates ride along.
      if (p != kHeadlineFailRate) continue;
      char label[96];
      std::snprintf(label, sizeof label, "%s, fail_rate %g: backoff ÷ backoff_jitter", client, p);
      context.compare({label, name_of({client, Policy::backoff, p}),
                       name_of({client, Policy::backoff_jitter, p}), "peak_retries_10ms"});
    }
  }
  // The check reads the whole interval of aiohttp's peak ratio against 2x,
  // and a peak (a maximum over 10 ms bins) moves a lot from one repetition to
  // the next: six repetitions, all the suite's 25 s allowed in one default
  // run, left it undecided. A round costs about 3 s, so 35 s buy about three
  // more.
  context.default_budget(35);
}

const ScenarioRegistrar registrar({"retry", register_retry});

}  // namespace
}  // namespace bench::retry_scenario
