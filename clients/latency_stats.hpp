// Order statistics for latencies (and any other sample of numbers): the
// percentiles hey, oha and wrk print, computed the same way everywhere in the
// suite so numbers from the fetch tool and the bench driver agree.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace clients {

// The q-th percentile (0 <= q <= 100) of sorted values, interpolating
// linearly between the two nearest ranks (numpy's default), so
// percentile({1, 2, 3, 4}, 50) = 2.5. NaN for no values.
double percentile_sorted(std::span<const double> sorted, double q);
double percentile(std::vector<double> values, double q);
double median(std::vector<double> values);

struct LatencyStats {
  std::size_t count = 0;
  double min = 0, mean = 0, stddev = 0;  // population standard deviation
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
};

// All zeros for no values. Units are the caller's (the suite uses microseconds).
LatencyStats latency_stats(std::vector<double> values);

}  // namespace clients
