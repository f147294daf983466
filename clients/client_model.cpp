// The model registry and the measurement around a run (wall, CPU, memory).
#include "client_model.hpp"

#include <openssl/ssl.h>
#include <sys/resource.h>

#include <algorithm>
#include <map>
#include <stdexcept>

#include "curl_support.hpp"
#include "model_support.hpp"

namespace clients {
namespace {

// A function-local static, so registrars in other files can run before main
// in any order without touching an unconstructed map.
std::map<std::string, ModelFn, std::less<>>& registry() {
  static std::map<std::string, ModelFn, std::less<>> models;
  return models;
}

constexpr double kMaxOpenLoopSeconds = 1e6;  // about 11.6 days

// RFC 9110's token: what a method and a header name may be made of.
bool is_token(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos)
      return false;
  }
  return true;
}

// A header value may not end the header line early (request smuggling) nor
// hold a NUL, which libcurl's C strings would cut it at.
bool is_header_value(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// The headers that say where a message ends or where it goes, and what sets
// each instead. Given in a plan, the models disagreed: libcurl and httplib
// sent a GET's `Content-Length: 5` and then waited for a response the server
// was still reading a body for, Asio dropped it; a Host would be wrong for
// every URL of a plan but one, and a Connection would contradict `pooling`.
// So no model gets them, and all refuse them alike, here.
constexpr std::pair<std::string_view, std::string_view> kFramingHeaders[] = {
    {"Content-Length", "the body"},
    {"Transfer-Encoding", "the body"},
    {"Host", "each URL"},
    {"Connection", "the plan's pooling (--no-pool)"},
};

void check_request(const Plan& plan) {
  if (!is_token(plan.method))
    throw std::invalid_argument("method '" + plan.method + "' is not an HTTP token");
  for (const auto& [name, value] : plan.headers) {
    if (!is_token(name))
      throw std::invalid_argument("header name '" + name + "' is not an HTTP token");
    if (!is_header_value(value))
      throw std::invalid_argument("header " + name + ": the value holds a CR, LF or NUL");
  }
  for (const auto& [name, set_by] : kFramingHeaders)
    if (has_header(plan.headers, name))
      throw std::invalid_argument("header " + std::string(name) +
                                  " may not be given: every model sets it from " +
                                  std::string(set_by));
  if (plan.body.size() > kMaxRequestBodyBytes)
    throw std::invalid_argument("the request body is larger than " +
                                std::to_string(kMaxRequestBodyBytes) + " bytes");
  // A HEAD response has no body, so its expected size is 0 (parse_targets),
  // whatever a URL's bytes=N says; asking for another size could only fail.
  // libcurl would not send a HEAD's body (CURLOPT_NOBODY) where the others do.
  if (plan.method == "HEAD" && !plan.body.empty())
    throw std::invalid_argument("a HEAD request carries no body");
  if (plan.method == "HEAD" && plan.expected_bytes.value_or(0) != 0)
    throw std::invalid_argument("a HEAD response has no body: its expected size is 0, not " +
                                std::to_string(*plan.expected_bytes));
  if (plan.expected_status < 100 || plan.expected_status > 599)
    throw std::invalid_argument("the expected status must be in [100, 599], not " +
                                std::to_string(plan.expected_status));
}

std::chrono::microseconds cpu_time(const rusage& u) {
  using std::chrono::microseconds, std::chrono::seconds;
  return seconds(u.ru_utime.tv_sec) + microseconds(u.ru_utime.tv_usec) +
         seconds(u.ru_stime.tv_sec) + microseconds(u.ru_stime.tv_usec);
}

}  // namespace

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::none:
      return "none";
    case ErrorKind::connect:
      return "connect";
    case ErrorKind::read:
      return "read";
    case ErrorKind::write:
      return "write";
    case ErrorKind::timeout:
      return "timeout";
    case ErrorKind::status:
      return "status";
    case ErrorKind::body_size:
      return "body_size";
    case ErrorKind::fd_exhausted:
      return "fd_exhausted";
    case ErrorKind::other:
      return "other";
  }
  return "other";
}

ModelRegistrar::ModelRegistrar(std::string name, ModelFn fn) {
  registry().emplace(std::move(name), std::move(fn));
}

std::vector<std::string> model_names() {
  std::vector<std::string> names;
  for (const auto& [name, fn] : registry()) names.push_back(name);
  return names;
}

bool has_model(std::string_view name) {
  return registry().contains(name);
}

bool plain_get(const Plan& plan) {
  return plan.method == "GET" && plan.headers.empty() && plan.body.empty();
}

RunResult run_model(std::string_view name, const Plan& plan) {
  const auto it = registry().find(name);
  if (it == registry().end()) throw std::invalid_argument("unknown model: " + std::string(name));
  parse_targets(plan);  // throws on a bad URL before anything is measured
  if (plan.requests == 0) throw std::invalid_argument("the plan has no requests");
  if (plan.rate_per_s && !(*plan.rate_per_s > 0)) throw std::invalid_argument("rate must be > 0");
  check_request(plan);
  // Concurrency 0 starts every request at once: with a duration, that would
  // be the whole request cap.
  if (plan.duration && plan.concurrency == 0)
    throw std::invalid_argument("a timed plan needs a concurrency of at least 1");
  // Refused, not ignored: a model without it would run workers under the
  // name of a semaphore.
  if (plan.semaphore && !name.starts_with("py_aiohttp"))
    throw std::invalid_argument(std::string(name) +
                                ": a semaphore plan (asyncio.Semaphore over a gather) runs on "
                                "the aiohttp models only");
  if (plan.semaphore && plan.concurrency == 0)
    throw std::invalid_argument("a semaphore plan needs a concurrency (its permits) of at least 1");
  if (plan.duration && plan.duration->count() <= 0)
    throw std::invalid_argument("duration must be > 0");
  // The last request's due time must fit the clock (a rate of 1e-300 would
  // overflow it): an open-loop plan may last at most kMaxOpenLoopSeconds.
  if (plan.rate_per_s &&
      static_cast<double>(plan.requests) / *plan.rate_per_s > kMaxOpenLoopSeconds)
    throw std::invalid_argument("requests / rate must be at most " +
                                std::to_string(static_cast<long>(kMaxOpenLoopSeconds)) +
                                " s (an open-loop plan lasts that long)");

  // Process-wide library set-up (OpenSSL's alone takes tens of ms) is not
  // what a run measures: done once, before the clock starts.
  ensure_curl_global_init();
  OPENSSL_init_ssl(0, nullptr);

  RunResult result;
  result.model = std::string(name);
  // A timed plan's request count is only a ceiling: its samples grow as it runs.
  if (!plan.duration) result.samples.reserve(plan.requests);
  rusage before{}, after{};
  getrusage(RUSAGE_SELF, &before);
  result.started = Clock::now();
  it->second(plan, result);
  if (result.measured_by_model) return result;  // the model's own process's figures
  result.wall = Clock::now() - result.started;
  getrusage(RUSAGE_SELF, &after);
  result.cpu = cpu_time(after) - cpu_time(before);
  result.peak_rss_kib = after.ru_maxrss;
  return result;
}

}  // namespace clients
