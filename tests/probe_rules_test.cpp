// probe's rules on /stats documents made here, no process started: the
// summary's sums and derived figures, each finding firing for the wrong
// variant and not for the right one, the expectations, the retry window, the
// sparkline's rebinning, and --expect's parser. The end-to-end runs against
// real programs are in probe_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "findings.hpp"
#include "options.hpp"
#include "sparkline.hpp"
#include "summary.hpp"

namespace {

using nlohmann::json;

// A /stats document as mockd's asio engine writes it, with the figures a test sets.
json stats(std::uint64_t requests, std::uint64_t connections, std::int64_t peak,
           std::vector<std::uint64_t> started = {}) {
  if (started.empty()) started = {requests};
  return {{"engine", "asio"},
          {"connections_accepted", connections},
          {"connections_active", 0},
          {"connections_peak", peak},
          {"requests_total", requests},
          {"requests_started", requests},
          {"requests_cancelled", 0},
          {"cancelled_in_server_ms", {{"sum", 0.0}, {"max", 0.0}}},
          {"faults", {{"reset", 0}, {"empty", 0}, {"garbage", 0}}},
          {"tls_handshakes", 0},
          {"tls_resumed", 0},
          {"requests_by_status", {{"200", requests}}},
          {"since_reset_s", 1.0},
          {"timeline",
           {{"bucket_ms", 10},
            {"started", started},
            {"completed", started},
            {"cancelled", std::vector<std::uint64_t>(started.size(), 0)},
            {"late", 0}}}};
}

std::vector<std::string> ids(const std::vector<probe::Finding>& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings) out.push_back(f.id);
  return out;
}

bool has(const std::vector<probe::Finding>& findings, const std::string& id) {
  const auto all = ids(findings);
  return std::find(all.begin(), all.end(), id) != all.end();
}

// A sample as probe takes them from an older mockd (no requests_in_flight).
probe::Sample sample(double ms, std::uint64_t started, std::uint64_t answered,
                     std::uint64_t cancelled, std::uint64_t failed, std::int64_t active) {
  probe::Sample s;
  s.t_ms = ms;
  s.started = started;
  s.answered = answered;
  s.cancelled = cancelled;
  s.failed = failed;
  s.connections_active = active;
  return s;
}

probe::Summary summary_of(const json& one, const std::vector<probe::Sample>& samples = {}) {
  return probe::summarize({one}, samples);
}

TEST(ProbeRules, FailedResponsesAreStatus400AndUpAndFaults) {
  json s = stats(10, 1, 1);
  s["requests_by_status"] = {{"200", 5}, {"399", 1}, {"404", 1}, {"500", 2}};
  s["faults"]["reset"] = 1;
  EXPECT_EQ(probe::failed_responses(s), 4u);
}

TEST(ProbeRules, TwoServersAreAddedUp) {
  json http = stats(10, 10, 1, {4, 6});
  json https = stats(5, 1, 1, {5});
  https["tls_handshakes"] = 1;
  const auto m = probe::summarize({http, https}, {});
  EXPECT_EQ(m.requests_started, 15u);
  EXPECT_EQ(m.connections_opened, 11u);
  EXPECT_EQ(m.connections_peak, 2);
  EXPECT_EQ(m.servers_used, 2u);
  EXPECT_TRUE(m.tls);
  EXPECT_EQ(m.timeline.started, (std::vector<std::uint64_t>{9, 6}));
}

TEST(ProbeRules, MockdsOwnCountsAreUsedWhereItHasThem) {
  json s = stats(10, 1, 1);
  EXPECT_FALSE(summary_of(s).in_flight_peak_exact);
  s["requests_in_flight"] = 3;
  s["requests_in_flight_peak"] = 7;
  s["connections_refused"] = 2;
  s["default"] = "delay_ms=50";
  const auto m = summary_of(s);
  EXPECT_TRUE(m.in_flight_peak_exact);
  EXPECT_EQ(m.in_flight_peak, 7);
  EXPECT_EQ(m.connections_refused, 2u);
  EXPECT_EQ(m.server_default, "delay_ms=50");
  EXPECT_EQ(probe::sample_of({s}).in_flight(), 3);  // not started - answered - cancelled = 0
}

TEST(ProbeRules, ANewConnectionPerRequestOneAfterAnotherIsNoPooling) {
  const auto findings = probe::find_all(summary_of(stats(20, 20, 1)), {});
  EXPECT_TRUE(has(findings, "no-pooling"));
  EXPECT_FALSE(has(findings, "pooled"));
}

TEST(ProbeRules, RequestsAllAtOnceOnTheirOwnConnectionsAreNotCalledUnpooled) {
  // 50 requests in flight together need 50 connections however good the pool.
  const auto findings = probe::find_all(summary_of(stats(50, 50, 50)), {});
  EXPECT_FALSE(has(findings, "no-pooling"));
  EXPECT_FALSE(has(findings, "pooled"));
}

TEST(ProbeRules, SeveralRequestsPerConnectionArePooled) {
  const auto findings = probe::find_all(summary_of(stats(1000, 32, 32)), {});
  ASSERT_TRUE(has(findings, "pooled"));
  EXPECT_EQ(findings.front().text,
            "pooled: 1,000 requests on 32 connections (31.2 per connection)");
  EXPECT_EQ(findings.front().report, "results/pooling/README.md");
}

TEST(ProbeRules, MoreThanAHundredOpenAtOnceIsNoCap) {
  EXPECT_TRUE(has(probe::find_all(summary_of(stats(1000, 1000, 1000)), {}), "no-cap"));
  const auto capped = probe::find_all(summary_of(stats(1000, 100, 100)), {});
  EXPECT_FALSE(has(capped, "no-cap"));
  EXPECT_TRUE(has(capped, "capped"));
}

TEST(ProbeRules, ExpectationsNameTheirFigure) {
  using probe::Expectation;
  const auto m = summary_of(stats(20, 20, 1));
  const auto results = probe::check_expectations(
      {*probe::parse_expectation("pooled"), *probe::parse_expectation("max-connections=1"),
       *probe::parse_expectation("no-abandoned"), *probe::parse_expectation("jitter")},
      m);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_FALSE(results[0].passed);
  EXPECT_EQ(results[0].reason,
            "20 requests on 20 connections (1.00 per connection; pooled means at least 2)");
  EXPECT_TRUE(results[1].passed);
  EXPECT_TRUE(results[2].passed);
  EXPECT_FALSE(results[3].passed);  // no failures, so no retries to judge
  EXPECT_EQ(results[3].reason,
            "not judged: 0 arrivals after a failure burst (at least 30 are needed)");
}

TEST(ProbeRules, ParsesExpectations) {
  EXPECT_EQ(probe::parse_expectation("max-connections=32")->limit, 32);
  for (const char* bad : {"max-connections=", "max-connections=0", "max-connections=-1",
                          "max-connections=1x", "pool", "jitter=1", ""})
    EXPECT_FALSE(probe::parse_expectation(bad)) << bad;
}

// A run where 100 first attempts arrive in bucket 10, half fail, and their
// retries follow after the burst: in one bucket each (waves) or spread out.
json retry_run(bool waves) {
  std::vector<std::uint64_t> started(200, 0);
  started[10] = 100;
  if (waves) {
    started[60] = 50;
    started[160] = 25;
  } else {
    for (std::size_t i = 15; i < 65; ++i) started[i] += 1;      // 50 over 500 ms
    for (std::size_t i = 65; i < 165; i += 4) started[i] += 1;  // 25 over 1 s
  }
  json s = stats(175, 100, 100, started);
  s["requests_by_status"] = {{"200", 100}, {"500", 75}};
  return s;
}

std::vector<probe::Sample> failure_seen_at(double ms, std::uint64_t started) {
  return {sample(ms - 20, started, 0, 0, 0, 0),
          sample(ms, started, started / 2, 0, started / 2, 0)};
}

TEST(ProbeRules, RetriesInOneBucketEachAreWaves) {
  const auto m = summary_of(retry_run(true), failure_seen_at(115, 100));
  ASSERT_TRUE(m.retries);
  EXPECT_EQ(m.retries->first, 12u);  // after the burst: 50 ms of calm follow the failure's bucket
  EXPECT_EQ(m.retries->arrivals, 75u);
  EXPECT_DOUBLE_EQ(m.retries->per_failure, 1.0);
  EXPECT_EQ(m.retries->peak, 50u);
  // 75 arrivals over buckets 12..160 (149 buckets): 75 x 5 / 149 per 50 ms.
  EXPECT_NEAR(m.retries->peak_to_mean, 50.0 / (75.0 * 5 / 149), 1e-9);
  const auto findings = probe::find_all(m, {});
  EXPECT_TRUE(has(findings, "waves"));
  EXPECT_FALSE(has(findings, "spread"));
  EXPECT_FALSE(probe::check_expectations({*probe::parse_expectation("jitter")}, m)[0].passed);
}

TEST(ProbeRules, RetriesSpreadOutAreNotWaves) {
  const auto m = summary_of(retry_run(false), failure_seen_at(115, 100));
  ASSERT_TRUE(m.retries);
  EXPECT_EQ(m.retries->arrivals, 75u);
  EXPECT_LT(m.retries->peak_to_mean, probe::rules::kWaveRatio);
  const auto findings = probe::find_all(m, {});
  EXPECT_TRUE(has(findings, "spread"));
  EXPECT_FALSE(has(findings, "waves"));
  EXPECT_TRUE(probe::check_expectations({*probe::parse_expectation("jitter")}, m)[0].passed);
}

TEST(ProbeRules, FirstAttemptsResumingAfterAPauseStayInTheBurst) {
  // 100 first attempts, a 90 ms pause, 60 more first attempts; 30 failed and
  // were retried later, one per bucket. The 60 cannot be retries of 30 failures.
  std::vector<std::uint64_t> started(200, 0);
  started[10] = 100;
  started[20] = 60;
  for (std::size_t i = 100; i < 130; ++i) started[i] = 1;
  json s = stats(190, 160, 160, started);
  s["requests_by_status"] = {{"200", 160}, {"503", 30}};
  const auto m = summary_of(s, failure_seen_at(115, 100));
  ASSERT_TRUE(m.retries);
  EXPECT_EQ(m.retries->burst_last, 20u);
  EXPECT_EQ(m.retries->arrivals, 30u);
  EXPECT_DOUBLE_EQ(m.retries->per_failure, 1.0);
}

TEST(ProbeRules, AnswersAfterAFailureWithNothingNewAreLeftRunning) {
  json s = stats(20, 20, 20);
  s["requests_by_status"] = {{"200", 19}, {"500", 1}};
  // The failure was seen while 19 requests were in flight; they were answered later.
  const std::vector<probe::Sample> samples = {sample(100, 20, 0, 0, 0, 20),
                                              sample(120, 20, 1, 0, 1, 20)};
  const auto m = summary_of(s, samples);
  ASSERT_TRUE(m.after_failure);
  EXPECT_EQ(m.after_failure->in_flight, 19);
  EXPECT_EQ(m.after_failure->answered_after, 19u);
  const auto findings = probe::find_all(m, {});
  EXPECT_TRUE(has(findings, "left-running"));
  EXPECT_FALSE(has(findings, "cut-off"));
}

TEST(ProbeRules, CancelledAfterAFailureIsCutOff) {
  json s = stats(1, 20, 20);
  s["requests_started"] = 20;
  s["requests_by_status"] = {{"500", 1}};
  s["requests_cancelled"] = 19;
  const std::vector<probe::Sample> samples = {sample(120, 20, 1, 19, 1, 1)};
  const auto findings = probe::find_all(summary_of(s, samples), {});
  EXPECT_TRUE(has(findings, "cut-off"));
  EXPECT_FALSE(has(findings, "left-running"));
  EXPECT_FALSE(has(findings, "gave-up"));
}

TEST(ProbeRules, NewRequestsAfterAFailureAreNotLeftRunning) {
  // A retrying client: its other requests are answered, but new ones come too.
  json s = stats(30, 1, 1);
  s["requests_by_status"] = {{"200", 29}, {"500", 1}};
  const std::vector<probe::Sample> samples = {sample(120, 20, 11, 0, 1, 1)};
  EXPECT_FALSE(has(probe::find_all(summary_of(s, samples), {}), "left-running"));
}

TEST(ProbeRules, RequestsInFlightAtTheTimeLimitMeanNoTimeout) {
  json s = stats(0, 5, 5);
  s["requests_started"] = 5;
  const std::vector<probe::Sample> samples = {sample(5000, 5, 0, 0, 0, 5)};
  const auto m = summary_of(s, samples);
  EXPECT_TRUE(has(probe::find_all(m, {true, 5}), "no-timeout"));
  EXPECT_FALSE(has(probe::find_all(m, {false, 5}), "no-timeout"));
}

TEST(ProbeRules, SparklineRebinsToTheWidthOnALogScale) {
  // Height: ceil(8 x ln(1 + count) / ln(1 + full)), 1 to 8.
  const auto s = probe::sparkline({1, 0, 8}, 10);
  EXPECT_EQ(s.line, "▃ █");  // 8 x ln 2 / ln 9 = 2.5
  EXPECT_EQ(s.buckets_per_column, 1u);
  const auto r = probe::sparkline({1, 1, 0, 0, 4, 4, 2, 0, 0, 0}, 5);
  EXPECT_EQ(r.buckets_per_column, 2u);
  EXPECT_EQ(r.column_max, 8u);
  EXPECT_EQ(r.line, "▄ █▄ ");  // columns 2, 0, 8, 2, 0
  // On a scale shared with a taller line.
  EXPECT_EQ(probe::sparkline({1, 0, 8}, 10, 16).line, "▂ ▇");
}

}  // namespace
