// The Python client models (clients/python/<model>.py) behind the same
// interface as the C++ ones: each run starts `python3 <model>.py` as a child
// process (no shell; it dies with us), waits for its `ready` line (imports
// done: the start-up is reported as startup_ms, outside the timed run), sends
// the plan as one JSON line, starting the clock, and reads one line back: a
// sample per request on the same CLOCK_MONOTONIC clock, and the child's own
// CPU time and peak RSS. A child that crashes, hangs or answers garbage ends
// as failed requests of kind `other` with its stderr's tail; it is always
// killed and reaped. A missing package is a std::runtime_error naming it.
#include "python_model.hpp"

#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "child_process.hpp"
#include "client_model.hpp"
#include "model_support.hpp"
#include "run_summary.hpp"
#include "source_tree.hpp"

namespace clients {
namespace {

using namespace std::chrono_literals;

// Interpreter start-up and imports; generous, the machine may be loaded.
constexpr auto kReadyTimeout = 30s;
// Beyond the longest a plan may legitimately take: process exit, result output.
constexpr auto kGrace = 5s;

// /usr/bin/python3 (Debian's, with the python3-* packages), or $CLIENTS_PYTHON.
std::string python_path() {
  if (const char* env = std::getenv("CLIENTS_PYTHON"); env && *env) return env;
  return "/usr/bin/python3";
}

// The model scripts in the source tree (set by CMake), or $CLIENTS_PYTHON_DIR
// (tests point it at fault-injecting stand-ins).
std::string script_dir() {
  if (const char* env = std::getenv("CLIENTS_PYTHON_DIR"); env && *env) return env;
  return (suite::source_dir() / "clients" / "python").string();
}

// The longest a plan can take when every request uses its whole timeout: one
// timeout per wave of requests in flight at once (a request's wait for a
// connection slot counts against its timeout), plus the grace and 2 ms per
// request for the interpreter's work outside any request (a loaded machine).
// Beyond this the child is taken to hang.
Clock::duration run_bound(const std::string& model, const Plan& plan) {
  std::size_t parallel = plan.concurrency;
  if (model == "py_requests") parallel = 1;
  if (parallel == 0) parallel = model == "py_requests_threads" ? 32 : plan.requests;
  const auto waves = (plan.requests + parallel - 1) / parallel;
  return plan.timeout * static_cast<long>(waves) + kGrace +
         std::chrono::milliseconds(2 * plan.requests);
}

std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text;
}

// Every request failed as `other`: the child gave no usable result.
void fail_all(const Plan& plan, RunResult& result, const std::string& why,
              harness::ChildProcess& child) {
  std::string tail = child.stderr_tail(300);
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == ' ')) tail.pop_back();
  const auto now = Clock::now();
  result.samples.assign(plan.requests, Sample{});
  for (std::size_t i = 0; i < plan.requests; ++i) {
    Sample& s = result.samples[i];
    s.start = s.end = now;
    s.error = ErrorKind::other;
    s.target = static_cast<std::uint32_t>(i % plan.urls.size());
  }
  note_error(result, ErrorKind::other, why + (tail.empty() ? "" : "; stderr: " + one_line(tail)));
}

ErrorKind kind_named(const std::string& name) {
  for (ErrorKind k : kErrorKinds)
    if (to_string(k) == name) return k;
  return ErrorKind::other;
}

// Fills `result` from the child's result line; throws on anything malformed.
void read_result(const Plan& plan, const std::string& line, RunResult& result) {
  const auto j = nlohmann::json::parse(line);
  const auto& rows = j.at("samples");
  if (rows.size() != plan.requests)
    throw std::runtime_error(std::to_string(rows.size()) + " samples for " +
                             std::to_string(plan.requests) + " requests");
  std::vector<Sample> samples(plan.requests);
  for (std::size_t i = 0; i < plan.requests; ++i) {
    const auto& row = rows.at(i);
    Sample& s = samples[i];
    s.start = Clock::time_point(std::chrono::nanoseconds(row.at(0).get<std::int64_t>()));
    s.end = Clock::time_point(std::chrono::nanoseconds(row.at(1).get<std::int64_t>()));
    s.latency = s.end - s.start;
    s.status = row.at(2).get<int>();
    s.body_bytes = row.at(3).get<std::uint64_t>();
    s.new_connection = row.at(4).get<bool>();
    s.error = kind_named(row.at(5).get<std::string>());
    s.target = row.at(6).get<std::uint32_t>();
  }
  result.samples = std::move(samples);
  result.connections_opened = j.at("connections_opened").get<std::size_t>();
  result.threads = j.at("threads").get<std::size_t>();
  result.cpu = std::chrono::microseconds(j.at("cpu_us").get<std::int64_t>());
  result.peak_rss_kib = j.at("peak_rss_kib").get<long>();
  for (const auto& e : j.at("error_examples")) result.error_examples.push_back(e);
  // The child sends bodies, not reasons, so every model reads a reason the
  // same way (reason_from_body). Optional: the tests' stand-in children send none.
  if (const auto it = j.find("status_bodies"); it != j.end())
    for (const auto& [status, body] : it->items())
      result.status_reasons.emplace(std::stoi(status), reason_from_body(body.get<std::string>()));
  for (const auto& [key, value] : j.at("details").items()) result.details[key] = value;
}

void run_python_model(const std::string& model, const Plan& plan, RunResult& result) {
  if (plan.rate_per_s)
    throw std::invalid_argument(model + ": the Python models run closed-loop only (no rate)");
  // Refused, not ignored: a run that silently sent plain GETs would be
  // compared with one that did not.
  if (!plain_get(plan))
    throw std::invalid_argument(model +
                                ": the Python models send GET without extra headers or a body "
                                "only (no method, headers or body)");
  if (plan.duration)
    throw std::invalid_argument(model +
                                ": the Python models run a number of requests, not a duration");
  const std::string script = script_dir() + "/" + model + ".py";
  const auto launched = Clock::now();
  harness::ChildProcess child({python_path(), script});

  const auto ready_line = child.read_line(launched + kReadyTimeout);
  const auto ready_at = Clock::now();
  nlohmann::json ready;
  try {
    if (ready_line) ready = nlohmann::json::parse(*ready_line);
  } catch (const std::exception&) {
  }
  if (!ready.is_object()) {
    child.kill();
    const auto status = child.exit_status();
    throw std::runtime_error(
        model + ": " + python_path() + " " + script + " did not start" +
        (status == 127 ? " (cannot run " + python_path() + ": install python3)" : "") +
        (ready_line ? ", it printed: " + ready_line->substr(0, 200) : "") +
        "; stderr: " + one_line(child.stderr_tail(300)));
  }
  if (!ready.value("ready", false)) {
    child.kill();
    throw std::runtime_error(model + " needs the Debian package " +
                             ready.value("missing", std::string("?")) + " for " + python_path() +
                             " (" + ready.value("error", std::string()) + ")");
  }
  result.measured_by_model = true;
  result.startup_ms = std::chrono::duration<double, std::milli>(ready_at - launched).count();
  if (ready.contains("versions"))
    for (const auto& [name, version] : ready["versions"].items())
      result.details[name + "_version"] = version.get<std::string>();

  const std::string plan_line = to_json(plan).dump() + "\n";
  result.started = Clock::now();  // the timed run starts with the plan
  const auto deadline = result.started + run_bound(model, plan);
  const bool sent = child.write_stdin(plan_line);
  child.close_stdin();
  const auto line = sent ? child.read_line(deadline) : std::nullopt;
  result.wall = Clock::now() - result.started;

  if (!line) {
    const bool exited = child.wait_until(Clock::now() + 100ms);
    child.kill();
    const auto status = child.exit_status();
    fail_all(plan, result,
             exited ? "the Python child exited (status " + std::to_string(status.value_or(-1)) +
                          ") without a result"
                    : "the Python child gave no result within " +
                          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                             deadline - result.started)
                                             .count()) +
                          " s and was killed",
             child);
    return;
  }
  try {
    read_result(plan, *line, result);
  } catch (const std::exception& e) {
    child.kill();
    fail_all(plan, result,
             "unreadable result from the Python child (" + std::string(e.what()) + ")", child);
    return;
  }
  if (!child.wait_until(Clock::now() + kGrace)) child.kill();
}

ModelFn python_model(std::string name) {
  return [model = std::move(name)](const Plan& plan, RunResult& result) {
    run_python_model(model, plan, result);
  };
}

// Named like their C++ counterparts; the scripts are clients/python/<name>.py.
const ModelRegistrar py_requests("py_requests", python_model("py_requests"));
const ModelRegistrar py_requests_threads("py_requests_threads",
                                         python_model("py_requests_threads"));
const ModelRegistrar py_aiohttp("py_aiohttp", python_model("py_aiohttp"));
const ModelRegistrar py_aiohttp_uvloop("py_aiohttp_uvloop", python_model("py_aiohttp_uvloop"));

}  // namespace

std::map<std::string, std::string> python_versions() {
  std::map<std::string, std::string> out;
  for (const char* name : {"python", "aiohttp", "requests", "urllib3", "uvloop"})
    out[std::string(name) + "_version"] = "missing";
  try {
    harness::ChildProcess child({python_path(), script_dir() + "/model_protocol.py"});
    if (const auto line = child.read_line(Clock::now() + kReadyTimeout)) {
      const auto versions = nlohmann::json::parse(*line);
      for (const auto& [name, version] : versions.items())
        out[name + "_version"] = version.get<std::string>();
    }
  } catch (const std::exception&) {
    // No interpreter, or no answer: everything stays "missing".
  }
  return out;
}

}  // namespace clients
