// fetch: runs one plan on one client model against any HTTP(S) server and
// prints what hey/oha print (throughput, latency percentiles and histogram,
// connections, errors by kind, CPU, memory), or JSON with --json. Its options
// follow hey's and oha's (-n, -c, -z, -m, -H, -d, -D, -T). Exit status: 0 when
// some request succeeded, 1 when none did (or, with --fail-on-errors, when any
// failed), 2 for a bad option or a plan no model can run.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <cinttypes>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>

#include "cli_checks.hpp"
#include "cli_usage.hpp"
#include "client_model.hpp"
#include "run_summary.hpp"

namespace {

// Hard ceilings no option lifts: a run of at most a day, and at most
// kMaxRequests requests (a timed run's samples must fit in memory).
constexpr double kMaxDurationS = 86'400;
constexpr std::int64_t kMaxRequests = 100'000'000;
constexpr std::size_t kDefaultRequests = 200;    // hey's and oha's default
constexpr std::size_t kDefaultConcurrency = 50;  // hey's default (-c 50)
// The model a user coming from hey or wrk gets without asking: an event loop
// over keep-alive connections, as wrk's, and the one fetch_compare_test checks
// against wrk's figures.
constexpr const char* kDefaultModel = "asio_coro";

// A run a script should not take for a measurement: nothing succeeded, or
// anything failed under --fail-on-errors. Usage errors keep 2 (cli_usage.hpp),
// so a caller can tell a bad command line from a bad server.
constexpr int kExitRequestsFailed = 1;

// hey's and oha's duration syntax: a number with a unit (500ms, 10s, 2m, 1h),
// or plain seconds. Stored back as milliseconds.
CLI::Validator duration_in_ms() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double value = 0;
        const char* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, value);
        const std::string unit(ptr, end);
        double scale = 0;
        if (unit.empty() || unit == "s") scale = 1;
        if (unit == "ms") scale = 1e-3;
        if (unit == "m") scale = 60;
        if (unit == "h") scale = 3600;
        if (ec != std::errc() || scale == 0 || !std::isfinite(value))
          return "must be a duration such as 10s, 500ms, 2m or 30, got '" + text + "'";
        const double seconds = value * scale;
        if (!(seconds >= 0.001) || seconds > kMaxDurationS)
          return "must be between 1ms and " + std::to_string(static_cast<long>(kMaxDurationS)) +
                 "s, got " + text;
        text = std::to_string(std::llround(seconds * 1000));
        return "";
      },
      "DURATION (10s, 500ms, 2m; plain: seconds)");
}

// "Name: value" as hey and curl take it; the value loses its surrounding blanks.
std::pair<std::string, std::string> split_header(const std::string& text) {
  const auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0)
    throw CLI::ValidationError("-H", "'" + text + "' is not 'Name: value'");
  std::string value = text.substr(colon + 1);
  const auto first = value.find_first_not_of(" \t");
  value = first == std::string::npos
              ? ""
              : value.substr(first, value.find_last_not_of(" \t") - first + 1);
  return {text.substr(0, colon), value};
}

// The whole file, refused beyond the body cap before it is read.
std::string read_body_file(const std::string& path) {
  const auto size = std::filesystem::file_size(path);
  if (size > clients::kMaxRequestBodyBytes)
    throw std::invalid_argument("-D " + path + ": larger than " +
                                std::to_string(clients::kMaxRequestBodyBytes) + " bytes");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument("-D " + path + ": cannot read it");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A line on stderr, rewritten in place, while a run lasts more than a second
// (elapsed time, requests done, their rate), only when stderr is a terminal:
// a log or a pipe gets nothing. Erased when the run ends.
class ProgressLine {
 public:
  ProgressLine(const clients::Plan& plan, const std::atomic<std::size_t>& completed)
      : plan_(plan), completed_(completed) {
    if (!isatty(STDERR_FILENO)) return;
    thread_ = std::jthread([this](std::stop_token stop) { draw_until(stop); });
  }
  ~ProgressLine() {
    if (!thread_.joinable()) return;
    thread_.request_stop();
    thread_.join();
    if (drawn_) std::fputs("\r\x1b[K", stderr);
  }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

 private:
  void draw_until(std::stop_token stop) {
    using namespace std::chrono_literals;
    const auto start = clients::Clock::now();
    std::mutex mutex;
    std::unique_lock lock(mutex);
    // Quiet for the first second: a short run needs no progress line. (The
    // waits end early when the run ends: request_stop wakes them.)
    cv_.wait_for(lock, stop, 1s, [] { return false; });
    while (!stop.stop_requested()) {
      const double elapsed = std::chrono::duration<double>(clients::Clock::now() - start).count();
      const std::size_t done = completed_.load(std::memory_order_relaxed);
      std::string text = "fetch: " + fixed(elapsed, 1) + " s";
      if (plan_.duration)
        text += " of " + fixed(std::chrono::duration<double>(*plan_.duration).count(), 1) + " s";
      // The Python models count nothing until their child reports at the end.
      if (done > 0) {
        text += ", " + std::to_string(done) + " requests";
        if (!plan_.duration) text += " of " + std::to_string(plan_.requests);
        text += ", " + fixed(static_cast<double>(done) / elapsed, 0) + " req/s";
      }
      std::fprintf(stderr, "\r%s\x1b[K", text.c_str());
      std::fflush(stderr);
      drawn_ = true;
      cv_.wait_for(lock, stop, 250ms, [] { return false; });
    }
  }
  static std::string fixed(double value, int decimals) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    return buf;
  }

  const clients::Plan& plan_;
  const std::atomic<std::size_t>& completed_;
  std::condition_variable_any cv_;
  bool drawn_ = false;  // written by the thread, read after join
  std::jthread thread_;
};

// hey's -o csv: one line per request, in request order, after a header.
// Times in seconds with microsecond digits, as hey's are in seconds; the
// offset is from the run's start (in an open loop, to when the request was
// due). `reused`: 1 over a connection the request did not open, 0 when it
// opened (or tried to open) one, empty when neither shows: no response and no
// new connection may be a failure before connecting or on a reused one.
constexpr const char* kCsvHeader = "offset_s,duration_s,status,bytes,error,reused\n";

void write_csv(std::ostream& out, const clients::RunResult& r) {
  using std::chrono::duration;
  out << kCsvHeader;
  char row[160];
  for (const clients::Sample& s : r.samples) {
    const char* reused = s.new_connection ? "0" : s.status != 0 ? "1" : "";
    const std::string_view error = clients::to_string(s.error);
    const int n = std::snprintf(row, sizeof row, "%.6f,%.6f,%d,%" PRIu64 ",%.*s,%s\n",
                                duration<double>(s.start - r.started).count(),
                                duration<double>(s.latency).count(), s.status, s.body_bytes,
                                static_cast<int>(error.size()), error.data(), reused);
    out.write(row, n);
  }
  out.flush();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "fetch: make HTTP requests with one of the suite's client models and summarize them"};
  clients::Plan plan;
  std::string model = kDefaultModel;
  long timeout_ms = plan.timeout.count(), keepalive_ms = plan.keepalive_timeout.count();
  bool no_pool = false, no_session_cache = false, json = false, fail_on_errors = false;
  std::optional<double> rate;
  std::optional<std::uint64_t> expect_bytes;
  std::optional<long> duration_ms;
  std::vector<std::string> header_lines;
  std::string method = plan.method, content_type, body_file, csv_path;
  plan.requests = kDefaultRequests;
  // fetch's default only: Plan's own (1), which bench's scenarios rely on, is unchanged.
  plan.concurrency = kDefaultConcurrency;

  std::string models;
  for (const auto& name : clients::model_names()) models += (models.empty() ? "" : ", ") + name;
  // No short name: -m is the method, as in hey and oha.
  app.add_option("--model", model, "Client model: " + models)
      ->check(CLI::IsMember(clients::model_names()))
      ->capture_default_str();
  // Bounded so a typo fails here with a clear line, not in vector::reserve.
  auto* requests_opt = app.add_option("-n,--requests", plan.requests, "Number of requests")
                           ->transform(cli_checks::integer_in(1, kMaxRequests))
                           ->capture_default_str();
  app.add_option("-z,--duration", duration_ms,
                 "Send requests for this long instead of -n (10s, 500ms, 2m; plain: seconds), "
                 "then wait for those in flight")
      ->transform(duration_in_ms())
      ->excludes(requests_opt);
  app.add_option("-m,--method", method,
                 "HTTP method (HEAD: no -d, and every response's body is expected empty, "
                 "whatever bytes=N in the URL says)")
      ->capture_default_str();
  app.add_option("-H,--header", header_lines,
                 "Request header 'Name: value' (repeatable; not Content-Length, "
                 "Transfer-Encoding, Host or Connection: the body, URL and --no-pool set them)")
      ->allow_extra_args(false);
  auto* data_opt = app.add_option("-d,--data", plan.body, "Request body");
  app.add_option("-D,--data-file", body_file, "Request body from this file")
      ->check(CLI::ExistingFile)
      ->excludes(data_opt);
  app.add_option("-T,--content-type", content_type,
                 "Content-Type header (default with a body: application/octet-stream)");
  app.add_option("-c,--concurrency", plan.concurrency,
                 "Requests in flight (workers); 0: all at once, bounded by the limits. "
                 "blocking_* models always run 1")
      ->transform(cli_checks::integer_in(0, 1'000'000))
      ->capture_default_str();
  app.add_flag("--no-pool", no_pool, "A new connection for every request");
  app.add_option("--limit", plan.limit,
                 "Most connections in use at once (0: no limit; curl_multi, asio_coro)")
      ->transform(cli_checks::integer_in(0, 1'000'000))
      ->capture_default_str();
  app.add_option("--limit-per-host", plan.limit_per_host,
                 "Most connections in use per host (0: no limit)")
      ->transform(cli_checks::integer_in(0, 1'000'000))
      ->capture_default_str();
  app.add_option("--timeout-ms", timeout_ms,
                 "Per-request timeout, including waiting for a connection")
      ->check(CLI::Range(1L, 86'400'000L))
      ->capture_default_str();
  app.add_option("--keepalive-timeout-ms", keepalive_ms,
                 "Close idle pooled connections older than this (asio_coro)")
      ->check(CLI::Range(0L, 86'400'000L))
      ->capture_default_str();
  app.add_option("--rate", rate,
                 "Open loop: start this many requests per second, latency from the intended start")
      ->transform(cli_checks::number_in(0.001, 10'000'000, "per second"));
  auto* insecure = app.add_flag("-k,--insecure", plan.insecure, "Do not verify TLS certificates");
  app.add_option("--cacert", plan.cacert, "Verify TLS certificates against this PEM file")
      ->check(CLI::ExistingFile)
      ->excludes(insecure);
  app.add_flag("--no-tls-session-cache", no_session_cache,
               "curl models: no TLS session resumption");
  // Checked as text: CLI11 would take -1 (every request then fails) and wrap
  // it to 2^64-1 for the size.
  app.add_option("--expect-status", plan.expected_status, "Status every response must have")
      ->transform(cli_checks::integer_in(100, 599))
      ->capture_default_str();
  app.add_option("--expect-bytes", expect_bytes,
                 "Body size every response must have (default: bytes=N in the URL; "
                 "with -m HEAD only 0)")
      ->transform(cli_checks::integer_in(0, std::numeric_limits<std::int64_t>::max()));
  auto* json_opt = app.add_flag("--json", json, "Print the plan and the summary as JSON");
  app.add_option("--csv", csv_path,
                 "Write one line per request to FILE (-: stdout, instead of the summary), "
                 "as hey's -o csv: offset_s,duration_s,status,bytes,error,reused")
      ->type_name("FILE");
  app.add_flag("--fail-on-errors", fail_on_errors,
               "Exit 1 if any request failed (without it: exit 1 only if every request failed; "
               "2 is a bad option)");
  app.add_option("urls", plan.urls, "URLs, requested round-robin")->required();
  app.set_version_flag("--version", "fetch " + std::string(cli_usage::version));
  try {
    app.parse(argc, argv);
    for (const auto& h : header_lines) plan.headers.push_back(split_header(h));
    // Thrown here so it ends like every other usage error (cli_usage.hpp).
    if (duration_ms && plan.concurrency == 0)
      throw CLI::ValidationError(
          "-z", "needs a concurrency of at least 1 (-c 0 would start every request at once)");
    if (csv_path == "-" && json_opt->count() > 0)
      throw CLI::ValidationError("--csv -", "and --json both write to stdout: give --csv a file");
  } catch (const CLI::ParseError& e) {
    return cli_usage::exit_code(app, e, "fetch");
  }
  // Opened before the run, so a path that cannot be written is a usage error
  // at once, not after minutes of requests.
  std::ofstream csv_file;
  std::ostream* csv = nullptr;
  if (csv_path == "-") {
    csv = &std::cout;
  } else if (!csv_path.empty()) {
    csv_file.open(csv_path, std::ios::binary | std::ios::trunc);
    if (!csv_file) {
      std::cerr << "fetch: --csv " << csv_path << ": cannot write it (see --help)\n";
      return 2;
    }
    csv = &csv_file;
  }

  plan.pooling = !no_pool;
  plan.tls_session_cache = !no_session_cache;
  plan.timeout = std::chrono::milliseconds(timeout_ms);
  plan.keepalive_timeout = std::chrono::milliseconds(keepalive_ms);
  plan.rate_per_s = rate;
  plan.expected_bytes = expect_bytes;
  if (duration_ms) {
    plan.duration = std::chrono::milliseconds(*duration_ms);
    plan.requests = kMaxRequests;  // a ceiling only: the duration ends the run
  }
  // hey upper-cases the method too (-m post); HTTP methods are case-sensitive.
  std::transform(method.begin(), method.end(), method.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  plan.method = method;
  if (!content_type.empty()) plan.headers.emplace_back("Content-Type", content_type);
  std::atomic<std::size_t> completed{0};
  plan.completed = &completed;
  std::signal(SIGPIPE, SIG_IGN);  // a server that hangs up is a request error, not our death

  try {
    if (!body_file.empty()) plan.body = read_body_file(body_file);
    const auto result = [&] {
      const ProgressLine progress(plan, completed);
      return clients::run_model(model, plan);
    }();
    const auto summary = clients::summarize(result);
    if (csv) {
      write_csv(*csv, result);
      if (!*csv) throw std::runtime_error("--csv " + csv_path + ": writing failed");
    }
    if (json) {
      std::cout << nlohmann::json{{"plan", clients::to_json(plan)},
                                  {"result", clients::to_json(summary)}}
                       .dump(2)
                << "\n";
    } else if (csv != &std::cout) {  // --csv -: stdout holds the CSV alone, as hey -o csv's
      std::cout << clients::format_summary(summary);
    }
    // The output is written either way; the status and one line on stderr
    // tell a script that the figures are not a measurement of a working server.
    const std::size_t failed = summary.requests - summary.ok;
    if (summary.ok == 0) {
      std::cerr << "fetch: all " << summary.requests << " requests failed\n";
      return kExitRequestsFailed;
    }
    if (fail_on_errors && failed > 0) {
      std::cerr << "fetch: " << failed << " of " << summary.requests
                << " requests failed (--fail-on-errors)\n";
      return kExitRequestsFailed;
    }
  } catch (const std::invalid_argument& e) {
    // A plan run_model refuses (or a -D file too large) is a usage error like
    // any refused option, and ends the same way.
    std::cerr << "fetch: " << e.what() << " (see --help)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "fetch: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
