// Scenario `hedging` (claim C9): take the first of several answers, and
// hedged requests. Names:
//   hedging/first_completed/<asio_coro|py_aiohttp>/pending:<kept|cancelled>/rounds:R
//   hedging/hedged/<asio_coro|py_aiohttp>/hedge:<never|p50|p90|p95|p99>/n:N/c:C
//   hedging/wait_coroutines/py_aiohttp
//
// first_completed: three "hosts" (paths /host/<i>?delay_ms=20|250|500 on the
// shared mockd) are asked at once and the caller takes the first answer
// (asyncio.wait(return_when=FIRST_COMPLETED); in C++ a race over three Asio
// coroutines). The pending requests are then either left to run (wait()
// itself cancels nothing: mockd completes them) or cancelled (their
// connections closed: mockd counts them in requests_cancelled).
// Signature: time to first >= the fastest delay; kept: mockd completes all;
// cancelled: requests_cancelled == the pending count. Exact counts.
//
// hedged: N logical requests by C workers against a lognormal server
// (p50 10 ms, p99 100 ms); request i asks with seed 2i (+ a base that changes
// per repetition, the same for every hedge delay and both languages, so the
// runs compared see the same draws), and if no answer came within the hedge
// delay, a second copy with seed 2i+1; the first answer wins, the other is
// cancelled (its connection closed). The hedge delays are the distribution's
// own quantiles. Reported: p99 latency, and the load, mockd's requests
// started ÷ the client's logical requests. Signature: 1 <= load <= 2, load
// == 1 exactly with no hedge. Headline (compared side by side): p99 hedged
// at p95 ÷ p99 unhedged.
//
// wait_coroutines: the material's asyncio.wait([coroutine, ...]) raises
// TypeError on Python 3.11; the exception's type and message are recorded
// (label and counter), then the working form with tasks runs.
//
// Server counts come from mockd's /stats (requests_started,
// requests_cancelled: the asio engine). A part that cannot run is recorded
// as a failed benchmark with the reason.
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "http_get.hpp"
#include "latency_stats.hpp"
#include "model_benchmark.hpp"
#include "python_experiment.hpp"
#include "scenario.hpp"

namespace bench::hedging_scenario {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using Clock = std::chrono::steady_clock;
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

constexpr std::size_t kExpectedBytes = 16;  // mockd's default body
constexpr auto kRequestTimeout = std::chrono::seconds(10);
// The "hosts" of first_completed: the fastest first.
// The gaps are wide so that a cancel reaches mockd before the next host
// answers even when the client is slowed by a busy machine.
constexpr double kHostDelaysMs[] = {20, 250, 500};
// The hedged server: lognormal delays, heavy enough a tail that p99 is 10x p50.
constexpr double kP50Ms = 10, kP99Ms = 100;
constexpr std::size_t kConcurrency = 20;
// Seeds of repetition r start at r * kSeedStride: 2N seeds per run fit below it.
constexpr std::uint64_t kSeedStride = 10'000'000;

const std::string kPythonScript = scenario_script("hedging.py");
constexpr auto kPythonTimeout = std::chrono::seconds(120);

// ---- the distribution's quantiles ------------------------------------------

struct Hedge {
  const char* label;  // never | p50 | ...
  double quantile;    // 0 for never
};
constexpr Hedge kHedges[] = {
    {"never", 0}, {"p50", 0.50}, {"p90", 0.90}, {"p95", 0.95}, {"p99", 0.99}};

// The standard normal's quantile for the few probabilities used here (from
// tables: the grid is fixed, so no numerical inverse is needed).
double z_of(double q) {
  if (q == 0.50) return 0;
  if (q == 0.90) return 1.2815516;
  if (q == 0.95) return 1.6448536;
  if (q == 0.99) return 2.3263479;
  throw std::invalid_argument("no z for this quantile");
}

// mockd's lognormal (servers/response_plan.cpp): mu = ln p50, sigma from p99.
double lognormal_quantile_ms(double q) {
  const double mu = std::log(kP50Ms), sigma = (std::log(kP99Ms) - mu) / z_of(0.99);
  return std::exp(mu + sigma * z_of(q));
}

// Whole milliseconds: what the benchmark's name and both languages use.
double hedge_ms_of(const Hedge& h) {
  return std::round(lognormal_quantile_ms(h.quantile));
}

// ---- mockd's counters --------------------------------------------------------

struct ServerCount {
  double started = 0, completed = 0, cancelled = 0;
};

// Reads /stats until every request mockd started is accounted for (completed
// or cancelled; a closed connection reaches mockd a moment after the client
// moved on), or 2 s have passed. Throws when mockd lacks the counters.
ServerCount settled_count(const std::string& url) {
  const auto deadline = Clock::now() + std::chrono::seconds(2);
  for (;;) {
    const auto stats = harness::fetch_stats(url);
    if (!stats.contains("requests_started") || !stats["requests_cancelled"].is_number())
      throw std::runtime_error(
          "mockd's /stats has no requests_started / requests_cancelled (the asio engine counts "
          "them)");
    ServerCount c{stats["requests_started"].get<double>(), stats["requests_total"].get<double>(),
                  stats["requests_cancelled"].get<double>()};
    if (c.completed + c.cancelled >= c.started || Clock::now() >= deadline) return c;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void set_server_counters(benchmark::State& state, const ServerCount& c) {
  state.counters["server_requests"] = c.started;
  state.counters["server_completed"] = c.completed;
  state.counters["server_cancelled"] = c.cancelled;
}

// ---- errors, by kind --------------------------------------------------------

struct Errors {
  std::map<std::string, double> by_kind;
  std::string example;
  void add(const std::string& kind, const std::string& message) {
    by_kind[kind] += 1;
    if (example.empty()) example = kind + ": " + message;
  }
  void add(const nlohmann::json& python) {  // {"errors": {kind: n}, "error_example": ...}
    for (const auto& [kind, n] : python.at("errors").items()) by_kind[kind] += n.get<double>();
    if (example.empty()) example = python.value("error_example", "");
  }
  double total() const {
    double n = 0;
    for (const auto& [kind, count] : by_kind) n += count;
    return n;
  }
  void set_counters(benchmark::State& state) const {
    state.counters["errors"] = total();
    for (const auto& [kind, n] : by_kind) state.counters["errors_" + kind] = n;
    if (!example.empty()) state.SetLabel("errors: " + example);
  }
};

// ---- the C++ client: GETs that closing their connection cancels -------------

// One GET in flight. `done` once it ended (answered, failed or cancelled);
// whoever waits for it is woken through `wake`.
struct Attempt {
  std::unique_ptr<beast::tcp_stream> stream;
  std::shared_ptr<asio::steady_timer> wake;
  bool reused = false, done = false, ok = false, cancelled = false;
  Clock::time_point end;
};
using AttemptPtr = std::shared_ptr<Attempt>;

// Keep-alive connections to one server, reused newest first (aiohttp's
// pool); a cancelled request's connection is closed, not reused, as aiohttp
// does: HTTP/1.1 has no other way to abandon a request.
class Client {
 public:
  Client(asio::io_context& io, tcp::endpoint endpoint, std::string host)
      : io_(io), endpoint_(endpoint), host_(std::move(host)) {}

  AttemptPtr start(const std::string& target, std::shared_ptr<asio::steady_timer> wake) {
    auto a = std::make_shared<Attempt>();
    a->wake = std::move(wake);
    if (!idle_.empty()) {
      a->stream = std::move(idle_.back());
      idle_.pop_back();
      a->reused = true;
    } else {
      a->stream = std::make_unique<beast::tcp_stream>(io_);
      ++connections_opened;
    }
    ++attempts;
    asio::co_spawn(io_, run(a, target), asio::detached);
    return a;
  }

  // Closes the attempt's connection: its operations end with operation_aborted.
  void cancel(Attempt& a) {
    if (a.done || a.cancelled) return;
    a.cancelled = true;
    ++cancelled;
    beast::error_code ignored;
    a.stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
    a.stream->close();
  }

  double attempts = 0, cancelled = 0, connections_opened = 0;
  Errors errors;

 private:
  awaitable<void> run(AttemptPtr a, std::string target) {
    auto& s = *a->stream;
    if (!a->reused) {
      s.expires_after(kRequestTimeout);
      auto [ec] = co_await s.async_connect(endpoint_, nothrow);
      if (ec) co_return finish(*a, "connect", ec);
    }
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, host_);
    s.expires_after(kRequestTimeout);
    auto [wec, written] = co_await http::async_write(s, req, nothrow);
    if (wec) co_return finish(*a, "write", wec);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    auto [rec, read] = co_await http::async_read(s, buffer, res, nothrow);
    if (rec) co_return finish(*a, rec == beast::error::timeout ? "timeout" : "read", rec);
    if (res.result_int() != 200) {
      errors.add("status", "status " + std::to_string(res.result_int()) + " for " + target);
      co_return finish(*a, nullptr, {});
    }
    if (res.body().size() != kExpectedBytes) {
      errors.add("body_size", std::to_string(res.body().size()) + " bytes for " + target);
      co_return finish(*a, nullptr, {});
    }
    a->ok = true;
    if (res.keep_alive()) idle_.push_back(std::move(a->stream));
    finish(*a, nullptr, {});
  }

  // `kind` set: a failure, counted unless the attempt was cancelled on purpose.
  void finish(Attempt& a, const char* kind, beast::error_code ec) {
    if (kind && !a.cancelled) errors.add(kind, ec.message());
    a.done = true;
    a.end = Clock::now();
    a.wake->cancel();
  }

  asio::io_context& io_;
  tcp::endpoint endpoint_;
  std::string host_;
  std::vector<std::unique_ptr<beast::tcp_stream>> idle_;
};

bool any_done(const std::vector<AttemptPtr>& attempts) {
  for (const auto& a : attempts)
    if (a->done) return true;
  return false;
}

bool all_done(const std::vector<AttemptPtr>& attempts) {
  for (const auto& a : attempts)
    if (!a->done) return false;
  return true;
}

// Sleeps on `wake` until `ready(attempts)` or `deadline`; attempts cancel the
// timer when they end (one thread: none can end between the check and the wait).
awaitable<void> wait_until(asio::steady_timer& wake, const std::vector<AttemptPtr>& attempts,
                           bool (*ready)(const std::vector<AttemptPtr>&),
                           Clock::time_point deadline) {
  while (!ready(attempts) && Clock::now() < deadline) {
    wake.expires_at(deadline);
    co_await wake.async_wait(nothrow);
  }
}

tcp::endpoint endpoint_of(const std::string& url, std::string& host) {  // http://HOST:PORT
  const std::string hostport = url.substr(url.find("://") + 3);
  const auto colon = hostport.rfind(':');
  host = hostport;
  return {asio::ip::make_address(hostport.substr(0, colon)),
          static_cast<std::uint16_t>(std::stoi(hostport.substr(colon + 1)))};
}

// ---- the Python side -----------------------------------------------------------

// Why the Python side cannot run here, or nullopt.
std::optional<std::string> python_missing() {
  return bench::python_missing(kPythonScript);
}

// Runs hedging.py with `config`; its one JSON line, or throws with the reason.
nlohmann::json run_python(const nlohmann::json& config) {
  return run_python_script(kPythonScript, config, kPythonTimeout);
}

// ---- first completed -------------------------------------------------------------

std::vector<std::string> host_targets() {
  std::vector<std::string> out;
  char target[64];
  for (std::size_t i = 0; i < std::size(kHostDelaysMs); ++i) {
    std::snprintf(target, sizeof target, "/host/%zu?delay_ms=%g", i, kHostDelaysMs[i]);
    out.push_back(target);
  }
  return out;
}

struct FirstCompletedRun {
  std::vector<double> first_ms, all_ms;
  double pending = 0, fastest_won = 0;
  Errors errors;
};

FirstCompletedRun first_completed_cpp(const std::string& url, int rounds, bool cancel) {
  asio::io_context io(1);
  std::string host;
  Client client(io, endpoint_of(url, host), host);
  FirstCompletedRun run;
  auto experiment = [&]() -> awaitable<void> {
    for (int r = 0; r < rounds; ++r) {
      auto wake = std::make_shared<asio::steady_timer>(io);
      const auto start = Clock::now();
      std::vector<AttemptPtr> attempts;
      for (const auto& target : host_targets()) attempts.push_back(client.start(target, wake));
      co_await wait_until(*wake, attempts, any_done, Clock::time_point::max());
      run.first_ms.push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      if (attempts.front()->done) ++run.fastest_won;
      for (const auto& a : attempts) {
        if (a->done) continue;
        ++run.pending;
        if (cancel) client.cancel(*a);
      }
      co_await wait_until(*wake, attempts, all_done, Clock::time_point::max());
      run.all_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
  };
  asio::co_spawn(io, experiment(), asio::detached);
  io.run();
  run.errors = client.errors;
  return run;
}

FirstCompletedRun first_completed_python(const std::string& url, int rounds, bool cancel) {
  nlohmann::json urls = nlohmann::json::array();
  for (const auto& target : host_targets()) urls.push_back(url + target);
  const auto a = run_python({{"mode", "first_completed"},
                             {"urls", urls},
                             {"rounds", rounds},
                             {"cancel", cancel},
                             {"expected_bytes", kExpectedBytes}});
  FirstCompletedRun run;
  run.first_ms = a.at("first_ms").get<std::vector<double>>();
  run.all_ms = a.at("all_ms").get<std::vector<double>>();
  for (double p : a.at("pending").get<std::vector<double>>()) run.pending += p;
  for (int w : a.at("winner").get<std::vector<int>>()) run.fastest_won += w == 0 ? 1 : 0;
  run.errors.add(a);
  return run;
}

void run_first_completed(benchmark::State& state, ScenarioContext& context,
                         const std::string& model, bool cancel, int rounds) {
  if (model != "asio_coro")
    if (const auto why = python_missing()) return skip(state, *why);
  const auto found = server_or_skip(state, context, false);
  if (!found) return;
  const std::string url = found->url;
  FirstCompletedRun run;
  ServerCount server;
  for (auto _ : state) {
    try {
      harness::reset_stats(url);
      const auto start = Clock::now();
      run = model == "asio_coro" ? first_completed_cpp(url, rounds, cancel)
                                 : first_completed_python(url, rounds, cancel);
      state.SetIterationTime(std::chrono::duration<double>(Clock::now() - start).count());
      server = settled_count(url);
    } catch (const std::exception& e) {
      return state.SkipWithError(e.what());
    }
  }
  auto& c = state.counters;
  c["rounds"] = rounds;
  c["hosts"] = static_cast<double>(std::size(kHostDelaysMs));
  c["requests"] = rounds * static_cast<double>(std::size(kHostDelaysMs));
  c["fastest_delay_ms"] = kHostDelaysMs[0];
  c["middle_delay_ms"] = kHostDelaysMs[1];
  c["slowest_delay_ms"] = kHostDelaysMs[std::size(kHostDelaysMs) - 1];
  c["first_ms"] = clients::median(run.first_ms);
  c["first_min_ms"] = clients::percentile(run.first_ms, 0);
  c["first_max_ms"] = clients::percentile(run.first_ms, 100);
  c["all_done_ms"] = clients::median(run.all_ms);
  c["pending"] = run.pending;
  c["fastest_won"] = run.fastest_won;
  set_server_counters(state, server);
  run.errors.set_counters(state);
}

// ---- hedged requests ----------------------------------------------------------------

struct HedgedRun {
  std::vector<double> latencies_ms;
  double attempts = 0, hedges = 0, cancelled = 0, hedge_won = 0, wall_s = 0;
  double connections_opened = -1;  // C++ only
  Errors errors;
};

std::string lognormal_query() {
  char q[96];
  std::snprintf(q, sizeof q, "/hedged?dist=lognormal&p50_ms=%g&p99_ms=%g", kP50Ms, kP99Ms);
  return q;
}

HedgedRun hedged_cpp(const std::string& url, std::size_t n, std::optional<double> hedge_ms,
                     std::uint64_t seed_base) {
  asio::io_context io(1);
  std::string host;
  Client client(io, endpoint_of(url, host), host);
  HedgedRun run;
  run.latencies_ms.reserve(n);
  std::size_t next = 0;
  const std::string base = lognormal_query() + "&seed=";
  auto worker = [&]() -> awaitable<void> {
    for (std::size_t i = next++; i < n; i = next++) {
      auto wake = std::make_shared<asio::steady_timer>(io);
      const auto start = Clock::now();
      std::vector<AttemptPtr> attempts{
          client.start(base + std::to_string(seed_base + 2 * i), wake)};
      if (hedge_ms) {
        const auto hedge_at = start + std::chrono::round<Clock::duration>(
                                          std::chrono::duration<double, std::milli>(*hedge_ms));
        co_await wait_until(*wake, attempts, any_done, hedge_at);
        if (!any_done(attempts)) {
          attempts.push_back(client.start(base + std::to_string(seed_base + 2 * i + 1), wake));
          ++run.hedges;
        }
      }
      co_await wait_until(*wake, attempts, any_done, Clock::time_point::max());
      AttemptPtr winner;
      for (const auto& a : attempts)
        if (a->done && (!winner || a->end < winner->end)) winner = a;
      for (const auto& a : attempts)
        if (!a->done) client.cancel(*a);
      if (attempts.size() == 2 && winner == attempts[1]) ++run.hedge_won;
      if (winner->ok)
        run.latencies_ms.push_back(
            std::chrono::duration<double, std::milli>(winner->end - start).count());
    }
  };
  const auto start = Clock::now();
  for (std::size_t w = 0; w < kConcurrency; ++w) asio::co_spawn(io, worker(), asio::detached);
  io.run();
  run.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  run.attempts = client.attempts;
  run.cancelled = client.cancelled;
  run.connections_opened = client.connections_opened;
  run.errors = client.errors;
  return run;
}

HedgedRun hedged_python(const std::string& url, std::size_t n, std::optional<double> hedge_ms,
                        std::uint64_t seed_base) {
  nlohmann::json config = {{"mode", "hedged"},       {"url", url + lognormal_query()},
                           {"requests", n},          {"concurrency", kConcurrency},
                           {"seed_base", seed_base}, {"expected_bytes", kExpectedBytes}};
  config["hedge_ms"] = hedge_ms ? nlohmann::json(*hedge_ms) : nlohmann::json();
  const auto a = run_python(config);
  HedgedRun run;
  run.latencies_ms = a.at("latencies_ms").get<std::vector<double>>();
  run.attempts = a.at("attempts");
  run.hedges = a.at("hedges");
  run.cancelled = a.at("cancelled");
  run.hedge_won = a.at("hedge_won");
  run.wall_s = a.at("wall_s");
  run.errors.add(a);
  return run;
}

std::string hedged_name(const std::string& model, const Hedge& h, std::size_t n) {
  return "hedging/hedged/" + model + "/hedge:" + h.label + "/n:" + std::to_string(n) +
         "/c:" + std::to_string(kConcurrency);
}

void run_hedged(benchmark::State& state, ScenarioContext& context, const std::string& model,
                const Hedge& h, std::size_t n) {
  if (model != "asio_coro")
    if (const auto why = python_missing()) return skip(state, *why);
  const auto found = server_or_skip(state, context, false);
  if (!found) return;
  const std::string url = found->url;
  const std::optional<double> hedge_ms =
      h.quantile > 0 ? std::optional<double>(hedge_ms_of(h)) : std::nullopt;
  // Repetition r of every hedge delay and model draws the same delays:
  // the ratios compared are paired on the server's randomness too.
  static std::map<std::string, std::uint64_t> repetitions;
  const std::string name = hedged_name(model, h, n);
  HedgedRun run;
  ServerCount server;
  for (auto _ : state) {
    const std::uint64_t seed_base = kSeedStride * repetitions[name]++;
    try {
      harness::reset_stats(url);
      run = model == "asio_coro" ? hedged_cpp(url, n, hedge_ms, seed_base)
                                 : hedged_python(url, n, hedge_ms, seed_base);
      server = settled_count(url);
    } catch (const std::exception& e) {
      return state.SkipWithError(e.what());
    }
    state.SetIterationTime(run.wall_s);
  }
  context.spectra().add(name, [&] {
    std::vector<double> us;
    for (double ms : run.latencies_ms) us.push_back(ms * 1000);
    return us;
  }());
  auto& c = state.counters;
  const auto& l = run.latencies_ms;
  c["requests"] = static_cast<double>(n);
  c["requests_ok"] = static_cast<double>(l.size());
  c["concurrency"] = kConcurrency;
  c["dist_p50_ms"] = kP50Ms;
  c["dist_p99_ms"] = kP99Ms;
  if (hedge_ms) {
    c["hedge_ms"] = *hedge_ms;
    c["hedge_quantile"] = h.quantile;
  }
  if (!l.empty()) {
    c["p50_ms"] = clients::percentile(l, 50);
    c["p90_ms"] = clients::percentile(l, 90);
    c["p95_ms"] = clients::percentile(l, 95);
    c["p99_ms"] = clients::percentile(l, 99);
    c["max_ms"] = clients::percentile(l, 100);
    // The suite's console and numbers tables read latencies in µs.
    c["p50_us"] = c["p50_ms"].value * 1000;
    c["p99_us"] = c["p99_ms"].value * 1000;
  }
  c["attempts"] = run.attempts;
  c["hedges"] = run.hedges;
  c["cancelled"] = run.cancelled;
  c["hedge_won"] = run.hedge_won;
  if (run.connections_opened >= 0) c["conns_opened"] = run.connections_opened;
  c["wall_ms"] = run.wall_s * 1e3;
  c["req_per_s"] = run.wall_s > 0 ? static_cast<double>(n) / run.wall_s : 0;
  set_server_counters(state, server);
  // The load hedging adds: requests the server started per logical request.
  c["load"] = server.started / static_cast<double>(n);
  run.errors.set_counters(state);
}

// ---- the material's wait([coroutine]) ------------------------------------------------

void run_wait_coroutines(benchmark::State& state, ScenarioContext& context) {
  if (const auto why = python_missing()) return skip(state, *why);
  const auto found = server_or_skip(state, context, false);
  if (!found) return;
  const std::string url = found->url;
  nlohmann::json urls = nlohmann::json::array();
  for (const auto& target : host_targets()) urls.push_back(url + target);
  nlohmann::json answer;
  ServerCount server;
  for (auto _ : state) {
    try {
      harness::reset_stats(url);
      const auto start = Clock::now();
      answer = run_python(
          {{"mode", "wait_coroutines"}, {"urls", urls}, {"expected_bytes", kExpectedBytes}});
      state.SetIterationTime(std::chrono::duration<double>(Clock::now() - start).count());
      server = settled_count(url);
    } catch (const std::exception& e) {
      return state.SkipWithError(e.what());
    }
  }
  const std::string raised = answer.value("coroutine_form_raised", "");
  auto& c = state.counters;
  c["coroutine_form_raised"] = raised.empty() ? 0 : 1;
  c["coroutine_form_typeerror"] = raised == "TypeError" ? 1 : 0;
  c["task_form_done"] = answer.value("task_form_done", 0);
  c["task_form_pending"] = answer.value("task_form_pending", 0);
  c["hosts"] = static_cast<double>(urls.size());
  set_server_counters(state, server);
  Errors errors;
  errors.add(answer);
  errors.set_counters(state);
  // The exception is the datum: its type and message, and the Python that raised it.
  if (errors.total() == 0)
    state.SetLabel("coroutine form: " +
                   (raised.empty() ? std::string("no exception")
                                   : raised + ": " + answer.value("coroutine_form_message", "")) +
                   " | Python " + answer.value("python", "?"));
}

// ---- the grid ------------------------------------------------------------------------------

// The hedge delays a mode measures. The reference (and the quick look, with
// few requests) sweeps the distribution's quantiles: the page's tail against
// the load. The default measures the pair the verdict and the interview guide
// read, p99 hedged at p95 ÷ unhedged, and leaves the sweep to the reference.
std::vector<Hedge> hedges(Mode mode) {
  if (mode == Mode::standard) return {kHedges[0], kHedges[3]};
  return {std::begin(kHedges), std::end(kHedges)};
}

void register_hedging(ScenarioContext& context) {
  const Mode mode = context.options().mode;
  // Requests per hedged run: the reference's in every mode but quick, so
  // that the default's headline pair is the reference's by name and
  // parameters (its p99 is the tenth-worst of 1,000).
  const std::size_t n = mode == Mode::quick ? 400 : 1000;
  // First-completed rounds per repetition. Its checks are exact counts in
  // every repetition, and the rounds that keep the pending requests wait for
  // the slowest host each time; the default's repetitions give it rounds
  // enough, so it takes one per repetition.
  const int rounds = mode == Mode::reference ? 3 : mode == Mode::quick ? 2 : 1;
  const std::vector<std::string> models = {"asio_coro", "py_aiohttp"};

  // Every mode: the verdict's exact counts (both models, pending kept and
  // cancelled; the guide reads py_aiohttp's).
  for (const auto& model : models)
    for (bool cancel : {false, true}) {
      const std::string name = "hedging/first_completed/" + model +
                               "/pending:" + (cancel ? "cancelled" : "kept") +
                               "/rounds:" + std::to_string(rounds);
      context.add(name, [&context, model, cancel, rounds](benchmark::State& state) {
        run_first_completed(state, context, model, cancel, rounds);
      });
    }

  const std::vector<Hedge> measured = hedges(mode);
  for (const auto& model : models) {
    for (const Hedge& h : measured)
      context.add(
          hedged_name(model, h, n),
          [&context, model, h, n](benchmark::State& state) {
            run_hedged(state, context, model, h, n);
          },
          static_cast<double>(n));
    context.compare({model + ": p99 hedged at p95 ÷ unhedged", hedged_name(model, kHedges[3], n),
                     hedged_name(model, kHedges[0], n), "p99_ms"});
  }

  // Every mode: the material's own example, whose TypeError makes the verdict nuanced.
  context.add("hedging/wait_coroutines/py_aiohttp",
              [&context](benchmark::State& state) { run_wait_coroutines(state, context); });
}

const ScenarioRegistrar registrar({"hedging", register_hedging});

}  // namespace
}  // namespace bench::hedging_scenario
