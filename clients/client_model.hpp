// The one seam every client model implements: a Plan (what to request, how
// concurrently, with which connection rules) goes in, one Sample per request
// comes out. Models register themselves by name (ModelRegistrar at the end of
// each model's file), so a scenario can run any model with any plan.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace clients {

using Clock = std::chrono::steady_clock;

struct Plan {
  std::vector<std::string> urls;  // requests go round-robin over these
  // How many requests; with `duration` set, the most there may be (samples
  // are then added as requests start, not allocated up front).
  std::size_t requests = 1;
  // A timed run (hey -z): no request starts after start + duration (open loop:
  // none is due after it). Needs a concurrency of at least 1.
  std::optional<std::chrono::milliseconds> duration;
  // The request every URL gets. A body without a Content-Type header is sent
  // as application/octet-stream by every model (libcurl would otherwise say
  // form-urlencoded). HEAD responses are read without a body.
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;  // in order, repeats allowed
  std::string body;
  // Requests in flight at once (workers for the thread pool). 0 = all of them
  // at once, bounded only by the connection limits (aiohttp's gather pattern);
  // the sequential models always run 1.
  std::size_t concurrency = 1;
  // How `concurrency` C is enforced: false, C workers each taking the next
  // request; true (the aiohttp models only), every request gathered at once,
  // each waiting for one of C permits of an asyncio.Semaphore around its
  // request (its latency then includes that wait, as a connector slot's does).
  bool semaphore = false;
  bool pooling = true;  // false: a new connection for every request
  // Connection caps, as aiohttp's TCPConnector(limit, limit_per_host); 0 = none.
  // A request over the cap waits for a slot, and the wait counts against its timeout.
  std::size_t limit = 0;
  std::size_t limit_per_host = 0;
  std::chrono::milliseconds timeout{30'000};  // whole request, including queueing
  std::chrono::milliseconds keepalive_timeout{
      15'000};  // idle pooled connections older than this are closed
  // Open loop (wrk2): request i is due at start + i / rate, and its latency is
  // measured from then, so a stalled client cannot hide queueing delay.
  std::optional<double> rate_per_s;
  // TLS: verify against cacert (empty: the system store) unless insecure.
  std::string cacert;
  bool insecure = false;
  bool tls_session_cache = true;  // curl models: CURLOPT_SSL_SESSIONID_CACHE
  // Checks applied to every response. Unset expected_bytes: take `bytes=N`
  // from each URL's query if present, else do not check the size.
  int expected_status = 200;
  std::optional<std::uint64_t> expected_bytes;
  // If set, incremented once per finished request (C++ models; fetch's
  // progress line reads it from another thread). Not part of the plan's JSON.
  std::atomic<std::size_t>* completed = nullptr;
};

// The largest request body a plan may send.
inline constexpr std::size_t kMaxRequestBodyBytes = 16u << 20;
// Whether a plan asks for anything but a plain GET without headers or body
// (the Python models run only those).
bool plain_get(const Plan& plan);

enum class ErrorKind {
  none,
  connect,
  read,
  write,
  timeout,
  status,
  body_size,
  fd_exhausted,
  other
};
inline constexpr ErrorKind kErrorKinds[] = {
    ErrorKind::none,      ErrorKind::connect,      ErrorKind::read,
    ErrorKind::write,     ErrorKind::timeout,      ErrorKind::status,
    ErrorKind::body_size, ErrorKind::fd_exhausted, ErrorKind::other};
std::string_view to_string(ErrorKind kind);

struct Sample {
  Clock::time_point start;  // when the request was due (open loop) or began
  Clock::time_point end;
  Clock::duration latency{};  // end - start
  int status = 0;             // 0: no response
  std::uint64_t body_bytes = 0;
  bool new_connection = false;  // this request opened a connection
  ErrorKind error = ErrorKind::none;
  std::uint32_t target = 0;  // index into Plan::urls
};

struct RunResult {
  std::string model;
  std::vector<Sample> samples;  // one per request, in request order
  Clock::time_point started;
  Clock::duration wall{};
  std::chrono::microseconds cpu{};  // user + system, getrusage(RUSAGE_SELF) delta
  long peak_rss_kib = 0;            // ru_maxrss: the process's peak so far
  std::size_t threads = 0;          // threads that ran requests (the caller's counts)
  std::size_t connections_opened = 0;
  // The first message seen for each error kind, e.g. "read: Connection reset by peer".
  std::vector<std::string> error_examples;
  // For each unexpected status, the reason the first such response gave in
  // its body (reason_from_body in model_support.hpp), e.g. 400 -> "delay_ms:
  // must be ...". One per status, so it stays small however long the run.
  std::map<int, std::string> status_reasons;
  // Set by a model that runs the requests in a process of its own (the Python
  // models): it measured started, wall, cpu and peak_rss_kib there, and
  // run_model keeps them instead of measuring the caller.
  bool measured_by_model = false;
  // Interpreter start-up and imports, before the timed run (Python models only).
  std::optional<double> startup_ms;
  // What a model reports about itself, e.g. effective_limit, library versions.
  std::map<std::string, std::string> details;
};

// What a model fills in: samples, threads, connections_opened, error_examples
// (and, when it measures itself, measured_by_model and the figures above).
using ModelFn = std::function<void(const Plan&, RunResult&)>;

// A static object of this type in a model's file registers it under `name`.
struct ModelRegistrar {
  ModelRegistrar(std::string name, ModelFn fn);
};

std::vector<std::string> model_names();  // sorted
bool has_model(std::string_view name);

// Runs `plan` on the named model and measures wall time, CPU and memory around
// it. Throws std::invalid_argument for an unknown model or an unusable plan
// (no URLs, a URL that does not parse, a method that is not an HTTP token, a
// header with a bad name or a CR/LF in its value, a body over
// kMaxRequestBodyBytes, a timed plan with concurrency 0, a semaphore plan for a model other than
// aiohttp's or with concurrency 0), std::runtime_error when a model cannot
// run at all (a Python model whose package is missing); a failing request is
// never thrown.
RunResult run_model(std::string_view name, const Plan& plan);

}  // namespace clients
