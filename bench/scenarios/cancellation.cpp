// Scenario `cancellation` (claim C8): when one of N concurrent requests fails,
// what happens to the other N-1? The material says asyncio.gather "cancels the
// remaining tasks"; it does not. The server counts what the clients do:
// mockd's requests_cancelled (a client closed the connection while mockd was
// still waiting out the request's delay) and its completion timeline.
//
// Names:
//   cancellation/race/py/<gather|taskgroup|gather_return_exceptions>/fail:<status500|reset>/n:N/fail_ms:20/slow_ms:300
//   cancellation/race/cpp/<wait_for_one_error|wait_for_all>/fail:<status500|reset>/n:N/fail_ms:20/slow_ms:300
//   cancellation/semantics/py/<cancel_swallowed|shield>/cancel_after_ms:50/slow_ms:300
//   cancellation/semantics/py/unreferenced_task/k:10/slow_ms:300
//   cancellation/semantics/py/exception_never_retrieved/k:10
//
// A race: request 0 fails after fail_ms (a 500 that raise_for_status turns
// into an exception, or a connection reset), requests 1..N-1 (the siblings)
// take slow_ms. Python (bench/scenarios/python/cancellation.py, aiohttp, one
// connection per request) awaits them with asyncio.gather, a TaskGroup, or
// gather(return_exceptions=True); C++ (Boost.Asio coroutines, Beast) with an
// experimental::parallel_group waiting for_one_error (cancels the others) or
// for_all. time_to_error_ms (the manual time) runs from the start to the
// moment the caller gets the error (or, waiting for all, the results).
// Signatures: gather: requests_cancelled == 0, all N-1 siblings completed by
// the server after the error; taskgroup and wait_for_one_error:
// requests_cancelled == N-1; time to error >= fail_ms, and >= slow_ms when
// waiting for all.
//
// The semantics benchmarks count what the material gets half right: a
// cancel() swallowed by the task, shield(), a task nobody references, an
// exception nobody retrieves (see the Python script for each).
#include <unistd.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "http_get.hpp"
#include "model_benchmark.hpp"
#include "python_experiment.hpp"
#include "scenario.hpp"

namespace bench::cancellation_scenario {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr double kFailMs = 20;
constexpr double kSlowMs = 300;
constexpr double kCancelAfterMs = 50;
constexpr int kSemanticsTasks = 10;
constexpr std::size_t kBodyBytes = 16;  // mockd's default body
// mockd counts a close as soon as it reads the EOF; this lets it do so before
// the counters are read.
constexpr auto kSettle = std::chrono::milliseconds(50);

const std::string kScript = scenario_script("cancellation.py");
constexpr auto kPythonTimeout = std::chrono::seconds(60);

std::string num(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

struct Address {
  std::string host;
  std::uint16_t port = 0;
};

Address address_of(const std::string& url) {  // http://HOST:PORT
  const std::string hostport = url.substr(url.find("://") + 3);
  const auto colon = hostport.rfind(':');
  return {hostport.substr(0, colon),
          static_cast<std::uint16_t>(std::stoi(hostport.substr(colon + 1)))};
}

// ---- what a race gave, from either language ------------------------------------

struct RaceCase {
  std::string lang;  // py | cpp
  std::string
      variant;  // gather | taskgroup | gather_return_exceptions | wait_for_one_error | wait_for_all
  std::string failure;  // status500 | reset
  int n;
};

std::string race_name(const RaceCase& c) {
  return "cancellation/race/" + c.lang + "/" + c.variant + "/fail:" + c.failure +
         "/n:" + std::to_string(c.n) + "/fail_ms:" + num(kFailMs) + "/slow_ms:" + num(kSlowMs);
}

std::string fail_target(const std::string& failure) {
  return "/?delay_ms=" + num(kFailMs) + (failure == "reset" ? "&fault=reset" : "&status=500");
}

struct RaceRun {
  double error_ms = 0, all_done_ms = 0, failure_seen_ms = 0;
  int siblings_ok = 0, siblings_ok_after_error = 0, siblings_cancelled = 0, siblings_pending = 0;
  int failing_failed = 0;             // 1: request 0 failed as planned
  std::map<std::string, int> errors;  // unexpected failures of siblings, by kind
  nlohmann::json stats;               // mockd's /stats after the run
};

// ---- C++: Asio coroutines in a parallel group --------------------------------------

enum class Outcome { pending, ok, cancelled, status, body_size, read, connect, other };

const char* kind_of(Outcome o) {
  switch (o) {
    case Outcome::status:
      return "status";
    case Outcome::body_size:
      return "body_size";
    case Outcome::read:
      return "read";
    case Outcome::connect:
      return "connect";
    default:
      return "other";
  }
}

struct RequestRecord {
  Outcome outcome = Outcome::pending;
  double end_ms = -1;
};

// One GET on a connection of its own; a status other than 200 or a wrong size
// throws, as raise_for_status would. Records how it ended, then rethrows, so
// the group sees the failure.
asio::awaitable<void> one_request(tcp::endpoint endpoint, std::string target, RequestRecord& rec,
                                  Clock::time_point t0) {
  Outcome phase = Outcome::connect;
  auto finish = [&](Outcome o) {
    rec.outcome = o;
    rec.end_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  };
  try {
    beast::tcp_stream stream(co_await asio::this_coro::executor);
    co_await stream.async_connect(endpoint, asio::use_awaitable);
    phase = Outcome::read;
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, endpoint.address().to_string());
    co_await http::async_write(stream, req, asio::use_awaitable);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    co_await http::async_read(stream, buffer, res, asio::use_awaitable);
    if (res.result_int() != 200) {
      finish(Outcome::status);
      throw std::runtime_error("status " + std::to_string(res.result_int()));
    }
    if (res.body().size() != kBodyBytes) {
      finish(Outcome::body_size);
      throw std::runtime_error("body of " + std::to_string(res.body().size()) + " bytes");
    }
    finish(Outcome::ok);
  } catch (const boost::system::system_error& e) {
    // The group's cancellation reaches the pending operation as operation_aborted;
    // the socket closes as the coroutine unwinds, which mockd counts.
    finish(e.code() == asio::error::operation_aborted ? Outcome::cancelled : phase);
    throw;
  } catch (const std::runtime_error&) {
    if (rec.outcome == Outcome::pending) finish(Outcome::other);
    throw;
  }
}

RaceRun run_cpp_race(const ServerEndpoint& server, const RaceCase& c) {
  const Address a = address_of(server.url);
  const tcp::endpoint endpoint(asio::ip::make_address(a.host), a.port);
  const std::string slow = "/?delay_ms=" + num(kSlowMs);
  asio::io_context io(1);
  std::vector<RequestRecord> records(static_cast<std::size_t>(c.n));
  RaceRun run;

  harness::reset_stats(server.url);
  const auto t0 = Clock::now();
  using Op = decltype(asio::co_spawn(io, std::declval<asio::awaitable<void>>(), asio::deferred));
  std::vector<Op> ops;
  for (int i = 0; i < c.n; ++i)
    ops.push_back(asio::co_spawn(
        io, one_request(endpoint, i == 0 ? fail_target(c.failure) : slow, records[i], t0),
        asio::deferred));
  auto group = asio::experimental::make_parallel_group(std::move(ops));
  // The group calls back once every operation has finished (the cancelled
  // ones included): that is when the caller has its error.
  auto done = [&](std::vector<std::size_t>, std::vector<std::exception_ptr>) {
    run.error_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  };
  if (c.variant == "wait_for_one_error")
    group.async_wait(asio::experimental::wait_for_one_error(), done);
  else
    group.async_wait(asio::experimental::wait_for_all(), done);
  io.run();
  run.all_done_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  std::this_thread::sleep_for(kSettle);
  run.stats = harness::fetch_stats(server.url);

  run.failing_failed = records[0].outcome != Outcome::ok && records[0].outcome != Outcome::pending;
  run.failure_seen_ms = records[0].end_ms;
  for (int i = 1; i < c.n; ++i) {
    const auto& r = records[i];
    if (r.outcome == Outcome::ok) {
      ++run.siblings_ok;
      if (r.end_ms >= run.error_ms) ++run.siblings_ok_after_error;
    } else if (r.outcome == Outcome::cancelled) {
      ++run.siblings_cancelled;
    } else if (r.outcome == Outcome::pending) {
      ++run.siblings_pending;
    } else {
      ++run.errors[kind_of(r.outcome)];
    }
  }
  return run;
}

// ---- Python: one child per repetition ------------------------------------------------

std::optional<std::string> python_missing() {
  return bench::python_missing(kScript);
}

// Runs the script with `config`; its one JSON line, or throws with the reason.
nlohmann::json run_python(const nlohmann::json& config) {
  return run_python_script(kScript, config, kPythonTimeout);
}

nlohmann::json python_config(const ServerEndpoint& server, const std::string& kind) {
  const Address a = address_of(server.url);
  return {{"kind", kind},         {"host", a.host},        {"port", a.port},
          {"fail_ms", kFailMs},   {"slow_ms", kSlowMs},    {"cancel_after_ms", kCancelAfterMs},
          {"k", kSemanticsTasks}, {"failure", "status500"}};
}

RaceRun run_py_race(const ServerEndpoint& server, const RaceCase& c) {
  auto config = python_config(server, c.variant);
  config["n"] = c.n;
  config["failure"] = c.failure;
  const auto a = run_python(config);
  RaceRun run;
  const auto& k = a.at("counts");
  const auto& t = a.at("times_ms");
  run.error_ms = t.at("error");
  run.all_done_ms = t.at("all_done");
  run.failure_seen_ms = t.at("failure_seen");
  run.siblings_ok = k.at("siblings_ok");
  run.siblings_ok_after_error = k.at("siblings_ok_after_error");
  run.siblings_cancelled = k.at("siblings_cancelled");
  run.siblings_pending = k.at("siblings_pending");
  run.failing_failed =
      k.value("failing_outcome_ok", 0) == 0 && k.value("failing_outcome_pending", 0) == 0;
  for (const auto& [key, value] : k.items())
    if (key.rfind("errors_", 0) == 0) run.errors[key.substr(7)] = value.get<int>();
  run.stats = a.at("stats");
  return run;
}

// ---- counters -------------------------------------------------------------------------

// mockd's counters that only its asio engine keeps (null otherwise, absent in
// an older mockd): set only when present, never as a 0 that reads as "none".
void set_if_number(benchmark::State& state, const char* name, const nlohmann::json& j) {
  if (j.is_number()) state.counters[name] = j.get<double>();
}

// Requests the server completed (a response fully written) in the buckets that
// begin one bucket or more after `error_ms`: the work done for a caller that
// had already got its error. The margin of a bucket keeps the failing
// response, finished just before the caller saw it, out when the two clocks'
// origins differ by a fraction of a millisecond. -1 when mockd keeps no timeline.
double completed_after(const nlohmann::json& stats, double error_ms) {
  const auto it = stats.find("timeline");
  if (it == stats.end() || !it->is_object() || !it->contains("completed")) return -1;
  const double bucket = it->value("bucket_ms", 10.0);
  double n = 0;
  const auto& completed = (*it)["completed"];
  for (std::size_t i = 0; i < completed.size(); ++i)
    if (static_cast<double>(i) * bucket >= error_ms + bucket) n += completed[i].get<double>();
  return n;
}

std::vector<double> timeline_of(const nlohmann::json& stats, const char* key) {
  const auto it = stats.find("timeline");
  if (it == stats.end() || !it->is_object() || !it->contains(key)) return {};
  return (*it)[key].get<std::vector<double>>();
}

void add_timeline_series(ScenarioContext& context, const std::string& name,
                         const nlohmann::json& stats) {
  for (const char* key : {"started", "completed", "cancelled"}) {
    auto values = timeline_of(stats, key);
    if (!values.empty())
      context.series().add(name, std::string("timeline_") + key, std::move(values));
  }
}

void set_server_counters(benchmark::State& state, const nlohmann::json& stats) {
  auto& k = state.counters;
  k["server_requests"] = stats.value("requests_total", 0.0);
  k["conns_opened"] = stats.value("connections_accepted", 0.0);
  set_if_number(state, "server_started", stats.value("requests_started", nlohmann::json()));
  set_if_number(state, "server_cancelled", stats.value("requests_cancelled", nlohmann::json()));
  const auto in_server = stats.value("cancelled_in_server_ms", nlohmann::json());
  if (in_server.is_object()) {
    set_if_number(state, "cancelled_in_server_ms_sum", in_server.value("sum", nlohmann::json()));
    set_if_number(state, "cancelled_in_server_ms_max", in_server.value("max", nlohmann::json()));
  }
  const auto timeline = stats.value("timeline", nlohmann::json());
  if (timeline.is_object())
    set_if_number(state, "timeline_late", timeline.value("late", nlohmann::json()));
}

void run_race_benchmark(benchmark::State& state, ScenarioContext& context, const RaceCase& c,
                        const std::string& name) {
  if (c.lang == "py")
    if (const auto why = python_missing()) return skip(state, *why);
  const auto found = server_or_skip(state, context, false);
  if (!found) return;
  const ServerEndpoint server = *found;

  RaceRun run;
  for (auto _ : state) {
    try {
      run = c.lang == "py" ? run_py_race(server, c) : run_cpp_race(server, c);
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      return;
    }
    state.SetIterationTime(run.error_ms / 1000.0);
  }
  add_timeline_series(context, name, run.stats);

  auto& k = state.counters;
  k["n"] = c.n;
  k["siblings"] = c.n - 1;
  k["fail_ms"] = kFailMs;
  k["slow_ms"] = kSlowMs;
  k["time_to_error_ms"] = run.error_ms;
  k["all_done_ms"] = run.all_done_ms;
  k["failure_seen_ms"] = run.failure_seen_ms;
  k["failing_failed"] = run.failing_failed;
  k["siblings_ok"] = run.siblings_ok;
  k["siblings_ok_after_error"] = run.siblings_ok_after_error;
  k["siblings_cancelled"] = run.siblings_cancelled;
  k["siblings_pending"] = run.siblings_pending;
  set_server_counters(state, run.stats);
  const double after = completed_after(run.stats, run.error_ms);
  if (after >= 0) k["server_completed_after_error"] = after;
  // The planned failure is the experiment, not an error; anything else is.
  int errors = run.failing_failed ? 0 : 1;
  std::string label;
  for (const auto& [kind, n] : run.errors) {
    errors += n;
    k["errors_" + kind] = n;
    label += " " + kind + "=" + std::to_string(n);
  }
  k["errors"] = errors;
  if (!run.failing_failed) label += " (the failing request did not fail)";
  if (errors > 0) state.SetLabel("errors:" + label);
}

// ---- the semantics ---------------------------------------------------------------------

struct SemanticsCase {
  std::string kind;
  std::string name;
};

std::vector<SemanticsCase> semantics_cases() {
  const std::string p = "cancellation/semantics/py/";
  const std::string cancel = "/cancel_after_ms:" + num(kCancelAfterMs) + "/slow_ms:" + num(kSlowMs);
  const std::string k = "/k:" + std::to_string(kSemanticsTasks);
  return {
      {"cancel_swallowed", p + "cancel_swallowed" + cancel},
      {"shield", p + "shield" + cancel},
      {"unreferenced_task", p + "unreferenced_task" + k + "/slow_ms:" + num(kSlowMs)},
      {"exception_never_retrieved", p + "exception_never_retrieved" + k},
  };
}

void run_semantics_benchmark(benchmark::State& state, ScenarioContext& context,
                             const SemanticsCase& c) {
  if (const auto why = python_missing()) return skip(state, *why);
  const auto found = server_or_skip(state, context, false);
  if (!found) return;
  const ServerEndpoint server = *found;
  nlohmann::json answer;
  for (auto _ : state) {
    try {
      answer = run_python(python_config(server, c.kind));
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      return;
    }
    // The experiment's length: its last recorded moment.
    double last_ms = 0;
    for (const auto& [key, value] : answer.at("times_ms").items())
      if (value.is_number()) last_ms = std::max(last_ms, value.get<double>());
    state.SetIterationTime(last_ms / 1000.0);
  }
  // Every count and time the script reports, under its own name.
  for (const auto& [key, value] : answer.at("counts").items())
    if (value.is_number()) state.counters[key] = value.get<double>();
  for (const auto& [key, value] : answer.at("times_ms").items())
    if (value.is_number()) state.counters[key + "_ms"] = value.get<double>();
  set_server_counters(state, answer.at("stats"));
  add_timeline_series(context, c.name, answer.at("stats"));
  state.counters["errors"] =
      0;  // every request of these is either planned to fail or counted above
  state.SetLabel("Python " + answer.value("python", std::string("?")) + ", aiohttp " +
                 answer.value("aiohttp", std::string("?")));
}

void register_cancellation(ScenarioContext& context) {
  const bool reference = context.options().mode == Mode::reference;
  // The headline configuration (a 500 among 10) in every mode: every figure,
  // check and sentence of the default run reads it or the semantics. A batch
  // of 100 and a connection reset as the failure, which show that the answer
  // does not depend on either, are the reference's.
  const std::vector<std::pair<std::string, int>> configs =
      reference ? std::vector<std::pair<std::string, int>>{{"status500", 10},
                                                           {"status500", 100},
                                                           {"reset", 10}}
                : std::vector<std::pair<std::string, int>>{{"status500", 10}};
  const std::vector<std::pair<std::string, std::string>> variants = {
      {"py", "gather"},
      {"py", "taskgroup"},
      {"py", "gather_return_exceptions"},
      {"cpp", "wait_for_one_error"},
      {"cpp", "wait_for_all"}};
  for (const auto& [failure, n] : configs) {
    std::map<std::string, std::string> names;
    for (const auto& [lang, variant] : variants) {
      const RaceCase c{lang, variant, failure, n};
      const std::string name = race_name(c);
      names[variant] = name;
      context.add(
          name,
          [&context, c, name](benchmark::State& state) {
            run_race_benchmark(state, context, c, name);
          },
          n);
    }
    // Waiting for all against giving up at the first error, side by side.
    const std::string config = ", fail:" + failure + ", n:" + std::to_string(n);
    context.compare({"Python: gather(return_exceptions) / gather, time to error" + config,
                     names["gather_return_exceptions"], names["gather"], "time_to_error_ms"});
    context.compare({"C++: wait_for_all / wait_for_one_error, time to error" + config,
                     names["wait_for_all"], names["wait_for_one_error"], "time_to_error_ms"});
  }
  for (const auto& c : semantics_cases())
    context.add(c.name, [&context, c](benchmark::State& state) {
      run_semantics_benchmark(state, context, c);
    });
}

const ScenarioRegistrar registrar({"cancellation", register_cancellation});

}  // namespace
}  // namespace bench::cancellation_scenario
