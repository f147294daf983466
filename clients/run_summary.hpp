// A run boiled down to what a reader compares: throughput, latency
// percentiles of the successful requests, connections, errors by kind, CPU
// and memory. Shared by the fetch tool and the bench driver, as text and JSON.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "client_model.hpp"
#include "latency_stats.hpp"

namespace clients {

// One bar of the latency histogram: requests whose latency is above the
// previous bucket's bound and at most this one's.
struct HistogramBucket {
  double upper_us = 0;
  std::size_t count = 0;
};

// hey's response-time histogram: kHistogramBuckets bounds evenly spaced from
// the fastest to the slowest latency (the first bound is the fastest, so its
// bucket holds only requests that fast). Empty for no latencies.
inline constexpr std::size_t kHistogramBuckets = 11;
std::vector<HistogramBucket> latency_histogram(const std::vector<double>& latencies_us);

// The most requests in flight at once, as the client saw them: each sample
// spans [start, end) (in an open loop, from when it was due), so one that
// ended as another began did not overlap it. Failed requests count too.
std::size_t peak_in_flight(const std::vector<Sample>& samples);

struct RunSummary {
  std::string model;
  std::size_t requests = 0, ok = 0;
  double wall_s = 0;
  // Successful requests per wall second: a failed request is not throughput
  // (a run where every connection fails would otherwise look fastest).
  double requests_per_s = 0;
  double errors_per_s = 0;                 // failed requests per wall second, shown beside it
  LatencyStats latency_us;                 // successful requests only
  std::vector<HistogramBucket> histogram;  // of the same latencies
  std::size_t connections_opened = 0;
  // peak_in_flight of the samples: at most the plan's concurrency (with -c 0,
  // every request; one waiting for a connection slot counts as in flight).
  std::size_t peak_concurrency = 0;
  std::map<std::string, std::size_t> errors;  // by ErrorKind name, non-zero only
  std::map<int, std::size_t> status_codes;    // 0: no response
  double cpu_s = 0;
  long peak_rss_kib = 0;
  std::size_t threads = 0;
  std::vector<std::string> error_examples;
  // Per unexpected status, the reason its first response's body gave
  // (mockd's 400: "delay_ms: must be ..."); statuses whose body said nothing are left out.
  std::map<int, std::string> status_reasons;
  std::optional<double> startup_ms;            // Python models: start-up, not timed
  std::map<std::string, std::string> details;  // what the model reports about itself
};

RunSummary summarize(const RunResult& result);

nlohmann::json to_json(const RunSummary& summary);
nlohmann::json to_json(const Plan& plan);

// A few lines in the manner of hey/oha, with hey's histogram; errors only
// when there are any.
std::string format_summary(const RunSummary& summary);

}  // namespace clients
