// What every client model needs besides its HTTP library: the plan's URLs
// split into parts, the open-loop schedule, and the response checks, so all
// models judge success the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client_model.hpp"

namespace clients {

struct Target {
  std::string url;
  bool tls = false;                             // https
  std::string host;                             // without brackets for IPv6
  std::uint16_t port = 0;                       // explicit or the scheme's default
  std::string path;                             // path and query, as sent in the request line
  std::string authority;                        // host:port, IPv6 in brackets: the Host header
  std::string origin;                           // scheme://host:port, the pool key
  std::optional<std::uint64_t> expected_bytes;  // the plan's, else the URL's bytes=N
};

// Throws std::invalid_argument for a URL that is not http(s)://host[:port]/...
std::vector<Target> parse_targets(const Plan& plan);

// The `bytes=N` parameter of a URL's query, if there is one.
std::optional<std::uint64_t> bytes_param(std::string_view url);

// When request `i` is due: now for a closed loop, start + i / rate for an open
// one; and whether it is to be made at all.
class Schedule {
 public:
  Schedule(const Plan& plan, Clock::time_point start)
      : rate_(plan.rate_per_s), start_(start), requests_(plan.requests) {
    if (plan.duration) end_ = start + *plan.duration;
  }
  bool open_loop() const { return rate_.has_value(); }
  Clock::time_point due(std::size_t i) const;
  // Request `i` is within the plan: under its request count and, for a timed
  // plan, starting (or, in an open loop, due) before its end.
  bool more(std::size_t i) const;

 private:
  std::optional<double> rate_;
  Clock::time_point start_;
  std::size_t requests_;
  std::optional<Clock::time_point> end_;
};

// The plan's headers as sent: a body without a Content-Type gets
// application/octet-stream, the same from every model.
std::vector<std::pair<std::string, std::string>> request_headers(const Plan& plan);
// Whether `headers` has one named `name` (case-insensitive, as HTTP names are).
bool has_header(const std::vector<std::pair<std::string, std::string>>& headers,
                std::string_view name);

// Fills in the parts of a sample that do not depend on the library, and
// applies the checks when the transfer itself succeeded: a status other than
// expected is `status`, a wrong size `body_size`, and a request that took
// longer than the plan's timeout (a library enforcing only per-read timeouts)
// is `timeout`. `began` is when the request actually started. Counts the
// request in plan.completed.
void finish_sample(Sample& s, const Plan& plan, const Target& target, Clock::time_point began);

// Records `message` as the example of `kind` unless one is already there.
void note_error(RunResult& result, ErrorKind kind, std::string_view message);
// Merges another result's examples and status reasons (from a worker thread)
// into `result`, keeping the ones it has.
void merge_error_examples(RunResult& result, const RunResult& other);

// How much of a body a model keeps when the status is not the expected one:
// enough for a refusal's JSON (mockd's 400 names the parameter and the rule)
// without letting a large error page cost memory per request in flight.
inline constexpr std::size_t kReasonBodyBytes = 1024;
// Appends to `head` as much of `data` as fits within kReasonBodyBytes.
void keep_body_head(std::string& head, std::string_view data);
// What a refusal says about itself: a JSON object's "message" (mockd's, which
// begins with the parameter's name), "detail" or "error", else the body's
// first non-blank line. Valid UTF-8, control characters as spaces, cut to
// about 200 bytes ("..." marks a cut). Empty when the body says nothing.
std::string reason_from_body(std::string_view body);
// For a sample that failed with ErrorKind::status, records the reason its
// body's first bytes give, unless its status has one already.
void note_status_reason(RunResult& result, const Sample& s, std::string_view body_head);

// errno values that mean "out of file descriptors" (EMFILE, ENFILE).
bool is_fd_exhaustion(int err);

}  // namespace clients
