#include "findings.hpp"

#include "format.hpp"

namespace probe {
namespace {

constexpr const char* kPooling = "results/pooling/README.md";
constexpr const char* kLimits = "results/limits/README.md";
constexpr const char* kRetry = "results/retry/README.md";
constexpr const char* kTimeouts = "results/timeouts/README.md";
constexpr const char* kCancellation = "results/cancellation/README.md";

std::string plural(std::uint64_t n, const std::string& one, const std::string& many) {
  return thousands(n) + " " + (n == 1 ? one : many);
}

// C1, the wrong variant: nearly every request came on a new connection, and
// connections were opened one after another, not all at once.
bool no_pooling(const Summary& m) {
  const auto requests = static_cast<double>(m.requests_started);
  return m.requests_started >= rules::kMinRequestsForPooling &&
         static_cast<double>(m.connections_opened) >= rules::kNewConnectionShare * requests &&
         static_cast<std::int64_t>(m.connections_opened) > 2 * m.connections_peak;
}

// C1, the right one: connections carried several requests each on average.
bool pooled(const Summary& m) {
  return m.connections_opened > 0 &&
         m.requests_per_connection() >= rules::kPooledRequestsPerConnection;
}

bool no_cap(const Summary& m) {
  return m.connections_peak > rules::kDefaultConnectionCap;
}

bool retries_judged(const Summary& m) {
  return m.retries && m.retries->arrivals >= rules::kMinRetryArrivals;
}

bool waves(const Summary& m) {
  return retries_judged(m) && m.retries->peak_to_mean >= rules::kWaveRatio;
}

// C8: after the first failed response no new request arrived, yet requests
// that were in flight then went on to be answered.
bool left_running(const Summary& m) {
  return m.after_failure && m.after_failure->started_after == 0 &&
         m.after_failure->answered_after > 0;
}

// C8, the other way: nothing new and nothing answered after the failure, and
// the server saw requests abandoned.
bool cut_off(const Summary& m) {
  return m.after_failure && m.after_failure->started_after == 0 &&
         m.after_failure->answered_after == 0 && m.requests_cancelled.value_or(0) > 0;
}

std::string tls_part(const Summary& m) {
  if (!m.tls) return "";
  return ", " +
         plural(m.tls_handshakes - m.tls_resumed, "full TLS handshake", "full TLS handshakes") +
         (m.tls_resumed ? " and " + thousands(m.tls_resumed) + " resumed" : "");
}

}  // namespace

std::vector<Finding> find_all(const Summary& m, const RunEnd& end) {
  using Kind = Finding::Kind;
  std::vector<Finding> out;
  if (no_pooling(m))
    out.push_back({"no-pooling", "C1", Kind::problem,
                   "a new connection for every request: no pooling (" +
                       plural(m.requests_started, "request", "requests") + " on " +
                       plural(m.connections_opened, "connection", "connections") + ", at most " +
                       thousands(m.connections_peak) + " open at once" + tls_part(m) + ")",
                   kPooling});
  else if (pooled(m))
    out.push_back({"pooled", "C1", Kind::good,
                   "pooled: " + plural(m.requests_started, "request", "requests") + " on " +
                       plural(m.connections_opened, "connection", "connections") + " (" +
                       fixed(m.requests_per_connection(), 1) + " per connection" + tls_part(m) +
                       ")",
                   kPooling});

  if (no_cap(m))
    out.push_back({"no-cap", "C2", Kind::problem,
                   thousands(m.connections_peak) +
                       " connections open at once: no cap (aiohttp's default limit is " +
                       std::to_string(rules::kDefaultConnectionCap) + ")",
                   kLimits});
  else if (m.connections_peak >= 2 &&
           m.requests_started > static_cast<std::uint64_t>(rules::kDefaultConnectionCap))
    out.push_back({"capped", "C2", Kind::good,
                   "at most " + thousands(m.connections_peak) + " connections open at once for " +
                       plural(m.requests_started, "request", "requests"),
                   kLimits});

  if (retries_judged(m)) {
    const auto& r = *m.retries;
    const std::string figure = thousands(r.arrivals) + " arrivals after the failure burst, " +
                               fixed(r.per_failure, 2) + " per failed response; the busiest " +
                               "50 ms held " + thousands(r.peak) + ", " + fixed(r.peak_to_mean, 1) +
                               "x the mean";
    if (waves(m))
      out.push_back({"waves", "C6", Kind::problem,
                     "retries arrive in waves: backoff without jitter (" + figure + ")", kRetry});
    else
      out.push_back({"spread", "C6", Kind::good,
                     "arrivals after failures are spread out, no waves (" + figure + ")", kRetry});
  }

  if (left_running(m))
    out.push_back(
        {"left-running", "C8", Kind::problem,
         "requests left running at the server after the program stopped waiting: " +
             plural(m.after_failure->answered_after, "request was", "requests were") +
             " answered after a request failed, and no new request came (gather does not cancel "
             "its other tasks; TaskGroup does)",
         kCancellation});
  else if (cut_off(m))
    out.push_back({"cut-off", "C8", Kind::good,
                   "after a request failed, the program's other requests were cancelled at the "
                   "server and none ran on (" +
                       plural(*m.requests_cancelled, "request", "requests") +
                       " abandoned mid-delay)",
                   kCancellation});

  if (end.time_limit && m.last_running && m.last_running->in_flight() > 0)
    out.push_back({"no-timeout", "C7", Kind::problem,
                   plural(static_cast<std::uint64_t>(m.last_running->in_flight()), "request was",
                          "requests were") +
                       " still waiting at the server when the time limit (" +
                       fixed(end.time_limit_s, 1) +
                       " s) stopped the program: nothing gave up on them (no client timeout?)",
                   kTimeouts});
  else if (m.requests_cancelled.value_or(0) > 0 && !cut_off(m))
    out.push_back({"gave-up", "C7", Kind::note,
                   plural(*m.requests_cancelled, "request", "requests") +
                       " abandoned by the client mid-delay, after at most " +
                       fixed(m.cancelled_max_ms, 0) +
                       " ms in the server: a client timeout or a cancelled task",
                   kTimeouts});
  return out;
}

std::vector<ExpectationResult> check_expectations(const std::vector<Expectation>& expectations,
                                                  const Summary& m) {
  using K = Expectation::Kind;
  std::vector<ExpectationResult> out;
  for (const auto& e : expectations) {
    ExpectationResult r{e, false, {}};
    switch (e.kind) {
      case K::pooled:
        r.passed = pooled(m);
        r.reason = plural(m.requests_started, "request", "requests") + " on " +
                   plural(m.connections_opened, "connection", "connections") + " (" +
                   fixed(m.requests_per_connection(), 2) +
                   " per connection; pooled means at least " +
                   fixed(rules::kPooledRequestsPerConnection, 0) + ")";
        break;
      case K::max_connections:
        r.passed = m.connections_peak <= e.limit;
        r.reason = "at most " + thousands(m.connections_peak) + " connections open at once";
        break;
      case K::no_abandoned:
        r.passed = m.requests_cancelled.has_value() && *m.requests_cancelled == 0;
        r.reason = m.requests_cancelled ? plural(*m.requests_cancelled, "request", "requests") +
                                              " abandoned mid-delay"
                                        : "mockd could not count abandoned requests";
        break;
      case K::jitter:
        if (!retries_judged(m)) {
          r.reason =
              "not judged: " + thousands(m.retries ? m.retries->arrivals : std::uint64_t{0}) +
              " arrivals after a failure burst (at least " +
              std::to_string(rules::kMinRetryArrivals) + " are needed)";
        } else {
          r.passed = !waves(m);
          r.reason = "peak-to-mean " + fixed(m.retries->peak_to_mean, 1) +
                     " after the failure burst; waves from " + fixed(rules::kWaveRatio, 0);
        }
        break;
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace probe
