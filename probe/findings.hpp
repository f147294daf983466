// Findings: each a computed rule over the Summary, tied to one of the suite's
// claims, with the figure behind it and the report page that explains it; a
// good case is said plainly too. Expectations (--expect) are checked against
// the same rules. The rules and their thresholds are listed in
// probe/README.md ("Findings"); the constants below are those thresholds.
#pragma once

#include <string>
#include <vector>

#include "options.hpp"
#include "summary.hpp"

namespace probe {

namespace rules {
// C1: "no pooling" needs this many requests, this share of them on new
// connections, and more connections opened than twice the peak open at once
// (one after another, so one could have been reused).
inline constexpr std::uint64_t kMinRequestsForPooling = 4;
inline constexpr double kNewConnectionShare = 0.9;
// C1: "pooled" needs this many requests per connection on average.
inline constexpr double kPooledRequestsPerConnection = 2.0;
// C2: more connections open at once than aiohttp's default limit.
inline constexpr std::int64_t kDefaultConnectionCap = 100;
// C6: arrivals after the failure burst needed to judge, and the peak-to-mean
// ratio (per 50 ms) from which they count as waves.
inline constexpr std::uint64_t kMinRetryArrivals = 30;
inline constexpr double kWaveRatio = 15.0;
}  // namespace rules

struct Finding {
  enum class Kind { problem, good, note };
  std::string id;     // e.g. "no-pooling"
  std::string claim;  // e.g. "C1"
  Kind kind = Kind::note;
  std::string text;    // one sentence with its figure
  std::string report;  // the report page, relative to the repository
};

// What the run's end adds to the counters.
struct RunEnd {
  bool time_limit = false;  // the program was killed at --time-limit
  double time_limit_s = 0;
};

std::vector<Finding> find_all(const Summary& summary, const RunEnd& end);

struct ExpectationResult {
  Expectation expectation;
  bool passed = false;
  std::string reason;  // the figure that decided it
};

std::vector<ExpectationResult> check_expectations(const std::vector<Expectation>& expectations,
                                                  const Summary& summary);

}  // namespace probe
