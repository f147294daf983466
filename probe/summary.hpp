// What mockd saw, reduced to the figures probe reports: counts summed over
// the servers, connections, TLS handshakes, requests in flight, the arrival
// timeline, and what followed the first failed response. Computed from
// /stats documents and the samples taken while the program ran, nothing else,
// so a test can feed it documents of its own.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace probe {

// A response counts as failed when its status is 400 or more, or when mockd
// sent a fault (reset, empty, garbage) instead of one.
std::uint64_t failed_responses(const nlohmann::json& stats);

// One reading of the counters, summed over the servers.
struct Sample {
  double t_ms = 0;  // since the reset, on the first server's clock
  std::uint64_t started = 0, answered = 0, cancelled = 0, failed = 0;
  std::int64_t connections_active = 0;
  std::optional<std::int64_t> in_flight_counted;  // mockd's requests_in_flight, where it has one
  // Inside the server now: mockd's own count, else arrived and neither
  // answered nor cancelled.
  std::int64_t in_flight() const {
    if (in_flight_counted) return *in_flight_counted;
    return static_cast<std::int64_t>(started) - static_cast<std::int64_t>(answered) -
           static_cast<std::int64_t>(cancelled);
  }
};
Sample sample_of(const std::vector<nlohmann::json>& stats);

struct Timeline {
  int bucket_ms = 10;
  std::vector<std::uint64_t> started, completed, cancelled;  // per bucket, summed
  std::uint64_t late = 0;                                    // arrivals past the timeline's 60 s
};

// The first failed response and what the server saw after it.
struct AfterFailure {
  double seen_ms = 0;      // the first sample that showed a failed response
  std::size_t bucket = 0;  // its timeline bucket
  std::int64_t in_flight = 0;
  // From that sample to the end of the run.
  std::uint64_t started_after = 0, answered_after = 0, cancelled_after = 0;
};

// The arrivals after the failure burst (the busy stretch in which the first
// failure was seen, up to 50 ms of calm), where retries land.
struct RetryWindow {
  std::size_t burst_first = 0, burst_last = 0;  // buckets
  std::size_t first = 0, last = 0;              // buckets; empty when first > last
  std::uint64_t arrivals = 0;
  double per_failure = 0;  // arrivals / failed responses
  std::uint64_t peak = 0;  // the most arrivals in any 50 ms of the window
  double mean = 0;         // arrivals per 50 ms of the window on average
  double peak_to_mean = 0;
};

struct Summary {
  std::size_t servers = 0;
  std::size_t servers_used = 0;  // of those, servers that saw a connection
  bool tls = false;              // the program used the HTTPS server
  std::uint64_t requests_started = 0, requests_answered = 0, failed = 0;
  std::optional<std::uint64_t> requests_cancelled;  // null: the engine cannot count them
  std::map<int, std::uint64_t> by_status;
  std::map<std::string, std::uint64_t> faults;
  std::uint64_t connections_opened = 0;
  std::int64_t connections_peak = 0;  // with two servers used, the sum of their peaks
  std::optional<std::uint64_t> connections_refused;  // over mockd's --max-connections
  std::string server_default;  // the request parameters mockd applies by default
  std::uint64_t tls_handshakes = 0, tls_resumed = 0;
  std::int64_t in_flight_peak = 0;
  bool in_flight_peak_exact = false;  // from mockd's own counter, not from samples
  double cancelled_max_ms = 0, cancelled_mean_ms = 0;
  Timeline timeline;
  std::optional<AfterFailure> after_failure;
  std::optional<RetryWindow> retries;
  // The last sample taken while the program ran, and what happened after it
  // (its sockets closing cancel the requests it left in flight).
  std::optional<Sample> last_running;
  std::uint64_t cancelled_after_end = 0;
  std::uint64_t answered_after_end = 0;

  double requests_per_connection() const {
    return connections_opened
               ? static_cast<double>(requests_started) / static_cast<double>(connections_opened)
               : 0.0;
  }
};

// `finals`: /stats of each server after the run; `samples`: those taken while
// the program ran, oldest first.
Summary summarize(const std::vector<nlohmann::json>& finals, const std::vector<Sample>& samples);

}  // namespace probe
