// The counters behind mockd's /stats, in process (issue 21, items 5-7): what
// a reading shows is consistent however many threads count and reset, the
// timeline's overflow counts each kind of event on its own, and the body's
// size and the number of bodies held at once are bounded.
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "stats.hpp"

using namespace mockd;
using namespace std::chrono_literals;

namespace {

// A clock the test moves by hand.
std::atomic<std::chrono::steady_clock::rep> fake_now{0};
std::chrono::steady_clock::time_point fake_clock() {
  return std::chrono::steady_clock::time_point(
      std::chrono::steady_clock::duration(fake_now.load()));
}
void advance(std::chrono::steady_clock::duration by) {
  fake_now += by.count();
}

long sum(const nlohmann::json& list) {
  long n = 0;
  for (const auto& v : list) n += v.get<long>();
  return n;
}

}  // namespace

// Events past the timeline's 60 s: `late` counts arrivals only, so Σ started +
// late is requests_started; completions and cancellations have their own.
TEST(MockdStats, LateCountsArrivalsOnlyAndTheOtherKindsOnTheirOwn) {
  Stats stats(Uncounted::none, &fake_clock);
  stats.reset();
  for (int i = 0; i < 3; ++i) stats.request_started();
  stats.request_completed();
  advance(Stats::kTimelineBucket * Stats::kTimelineBuckets + 1s);
  for (int i = 0; i < 2; ++i) stats.request_started();
  for (int i = 0; i < 4; ++i) stats.request_completed();
  stats.request_cancelled(5ms);
  const auto s = nlohmann::json::parse(stats.to_json("test"));
  const auto& t = s["timeline"];
  EXPECT_EQ(s["requests_started"], 5);
  EXPECT_EQ(sum(t["started"]) + t["late"].get<long>(), 5);
  EXPECT_EQ(t["late"], 2);
  EXPECT_EQ(t["late_completed"], 4);
  EXPECT_EQ(t["late_cancelled"], 1);
  EXPECT_EQ(sum(t["completed"]), 1);
}

// A full timeline (an event in each of its 6,000 buckets) stays a small body:
// compact JSON, one line (indented, the same reading passed 150 KB).
TEST(MockdStats, FullTimelineIsCompactJson) {
  Stats stats(Uncounted::none, &fake_clock);
  stats.reset();
  for (std::size_t i = 0; i < Stats::kTimelineBuckets; ++i) {
    stats.request_started();
    stats.request_completed();
    advance(Stats::kTimelineBucket);
  }
  const std::string body = stats.to_json("test");
  const auto s = nlohmann::json::parse(body);
  EXPECT_EQ(s["timeline"]["started"].size(), Stats::kTimelineBuckets);
  EXPECT_EQ(body.find('\n'), body.size() - 1) << "not one line";
  EXPECT_LT(body.size(), 64u * 1024);
}

// requests_in_flight counts requests started and not yet left; its peak is
// the most at once since the last reset, and restarts at those in flight.
TEST(MockdStats, InFlightAndItsPeakFollowStartsLeavesAndResets) {
  Stats stats;
  auto read = [&stats] { return nlohmann::json::parse(stats.to_json("test")); };
  {
    RequestInFlight a(stats), b(stats), c(stats);
    a.leave();
    a.leave();  // leaving twice counts once
    auto s = read();
    EXPECT_EQ(s["requests_in_flight"], 2);
    EXPECT_EQ(s["requests_in_flight_peak"], 3);
    stats.reset();
    s = read();
    EXPECT_EQ(s["requests_in_flight"], 2);
    EXPECT_EQ(s["requests_in_flight_peak"], 2);
    RequestInFlight d(stats);
    EXPECT_EQ(read()["requests_in_flight_peak"], 3);
  }
  const auto s = read();
  EXPECT_EQ(s["requests_in_flight"], 0);
  EXPECT_EQ(s["requests_in_flight_peak"], 3);
  EXPECT_EQ(s["requests_started"], 1);  // started since the reset
}

// --max-connections: threads counting connections at once never pass the
// cap, and every attempt is either counted or refused.
TEST(MockdStats, ConnectionCapHoldsUnderThreadsCountingAtOnce) {
  Stats stats;
  constexpr int kThreads = 6, kAttempts = 2000, kCap = 3;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&stats] {
      for (int i = 0; i < kAttempts; ++i)
        if (stats.connection_counted(false, false, std::int64_t{kCap})) stats.connection_closed();
    });
  for (auto& t : threads) t.join();
  const auto s = nlohmann::json::parse(stats.to_json("test"));
  EXPECT_LE(s["connections_peak"].get<long>(), kCap);
  EXPECT_EQ(s["connections_accepted"].get<long>() + s["connections_refused"].get<long>(),
            kThreads * kAttempts);
  EXPECT_EQ(s["connections_active"], 0);
  EXPECT_TRUE(stats.connection_counted(false, false, 1));
  EXPECT_FALSE(stats.connection_counted(false, false, 1));
  EXPECT_TRUE(stats.connection_counted(false, false));  // no cap
}

// At most kMaxStatsBodies bodies are held at once; a place comes back when
// its ticket goes.
TEST(MockdStats, StatsBodyPlacesAreBounded) {
  Stats stats;
  std::vector<Stats::StatsBodyTicket> held;
  for (int i = 0; i < Stats::kMaxStatsBodies; ++i) {
    held.push_back(stats.take_stats_body_place());
    ASSERT_TRUE(held.back()) << i;
  }
  EXPECT_FALSE(stats.take_stats_body_place());
  held.pop_back();
  EXPECT_TRUE(stats.take_stats_body_place());
}

// Threads counting requests while another resets and reads: every reading
// holds the invariants (no half-done update, no half-done reset), and no
// event lands in a bucket after the reading's own time since the reset.
TEST(MockdStats, ReadingsAreConsistentWhileThreadsCountAndReset) {
  Stats stats;
  std::atomic<bool> stop{false};
  std::vector<std::thread> counters;
  for (int t = 0; t < 4; ++t)
    counters.emplace_back([&stats, &stop, t] {
      for (unsigned i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        RequestInFlight request(stats);
        if (i % 7 == 0)
          stats.fault_sent(Fault::reset);
        else
          stats.request_served(i % 3 == 0 ? 500 : 200 + t);
        stats.request_completed();
      }
    });
  int bad_total = 0, bad_started = 0, future_bucket = 0, bad_in_flight = 0;
  for (int round = 0; round < 300; ++round) {
    if (round % 2 == 0) stats.reset();
    const auto s = nlohmann::json::parse(stats.to_json("test"));
    long statuses = 0, faults = 0;
    for (const auto& [status, n] : s["requests_by_status"].items()) statuses += n.get<long>();
    for (const auto& [fault, n] : s["faults"].items()) faults += n.get<long>();
    if (s["requests_total"].get<long>() != statuses + faults) ++bad_total;
    const auto& t = s["timeline"];
    if (sum(t["started"]) + t["late"].get<long>() != s["requests_started"].get<long>())
      ++bad_started;
    const long in_flight = s["requests_in_flight"], peak = s["requests_in_flight_peak"];
    if (in_flight < 0 || in_flight > 4 || peak < in_flight || peak > 4) ++bad_in_flight;
    const double since_reset_ms = s["since_reset_s"].get<double>() * 1000;
    if (!t["started"].empty() && static_cast<double>(t["started"].size() - 1) * 10 > since_reset_ms)
      ++future_bucket;
  }
  stop = true;
  for (auto& t : counters) t.join();
  EXPECT_EQ(bad_total, 0) << "readings with requests_total != statuses + faults";
  EXPECT_EQ(bad_started, 0) << "readings with Σ started + late != requests_started";
  EXPECT_EQ(future_bucket, 0) << "readings with an event after the reading";
  EXPECT_EQ(bad_in_flight, 0) << "readings with requests in flight outside [0, peak] or above 4";
  EXPECT_EQ(nlohmann::json::parse(stats.to_json("test"))["requests_in_flight"], 0);
}
