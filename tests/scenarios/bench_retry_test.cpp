// The retry scenario's quick grid (fail_rate 0.5; no retry, backoff, backoff
// with full jitter; py_aiohttp and asio_coro) run for real through bench and
// checked by its signature: the success rate with k retries reaches
// 1 - p^(k+1) within binomial sampling bounds (4 standard deviations), mockd
// counted exactly the attempts the client made, no retry makes one attempt
// per client, identical failures across policies within a repetition, and
// the C++ clients' retries without jitter bunch into waves (the mechanism
// gives a large factor there: a fixed wait against one spread over 100 ms).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "bench_test_support.hpp"

namespace fs = std::filesystem;

using namespace bench_test_support;

namespace {

TEST(Retry, ListsEveryPolicyForBothClients) {
  const auto [status, listing] = run(std::string(BENCH_PATH) + " --filter=retry --list");
  ASSERT_EQ(status, 0);
  const std::set<std::string> names = lines_of(listing);
  // Default grid: both clients at the headline's fail_rate 0.5, three policies each.
  EXPECT_EQ(names.size(), 2u * 3) << listing;
  EXPECT_TRUE(
      names.contains("retry/py_aiohttp/none/clients:200/fail_rate:0.5/retries:0/base_ms:0"));
  EXPECT_TRUE(names.contains(
      "retry/asio_coro/backoff_jitter/clients:200/fail_rate:0.5/retries:3/base_ms:100"));
  EXPECT_FALSE(
      names.contains("retry/py_aiohttp/none/clients:200/fail_rate:0.7/retries:0/base_ms:0"));

  // The reference: both clients at fail_rate 0.3, 0.5 and 0.7.
  const auto [ref_status, ref_listing] =
      run(std::string(BENCH_PATH) + " --filter=retry --reference --list");
  ASSERT_EQ(ref_status, 0);
  const std::set<std::string> reference = lines_of(ref_listing);
  EXPECT_EQ(reference.size(), 2u * 3 * 3) << ref_listing;
  EXPECT_TRUE(reference.contains(
      "retry/asio_coro/backoff/clients:200/fail_rate:0.3/retries:3/base_ms:100"));
  EXPECT_TRUE(
      reference.contains("retry/py_aiohttp/none/clients:200/fail_rate:0.7/retries:0/base_ms:0"));
}

TEST(Retry, QuickRunMeetsTheSignature) {
  const auto dir = fresh_dir("bench-retry");
  const int status =
      run(std::string(BENCH_PATH) + " --filter=retry --quick --repetitions 2 --no-charts --out " +
          dir.string() + " >" + (dir / "stdout.txt").string() + " 2>&1")
          .first;
  ASSERT_EQ(status, 0) << read(dir / "stdout.txt");

  const auto j = nlohmann::json::parse(read(dir / "retry" / "bench.json"));
  std::set<std::string> seen;
  // Per repetition (run_seed): the attempts each benchmark made, to compare policies and clients.
  std::map<double, std::set<double>> retried_attempts;
  std::map<std::string, double> peak;  // "<client>/<policy>" -> the smallest peak over repetitions
  for (const auto& b : j["benchmarks"]) {
    if (b["run_type"] != "iteration") continue;
    std::string name = b["run_name"];
    name = name.substr(0, name.rfind("/manual_time"));
    seen.insert(name);
    ASSERT_FALSE(b.value("error_occurred", false)) << name << ": " << b.value("error_message", "");
    for (const char* counter : {"clients", "fail_rate", "retries", "attempts", "server_requests",
                                "successes", "success_rate", "failed_attempts", "errors", "wall_ms",
                                "peak_retries_10ms", "retry_attempts", "run_seed"})
      ASSERT_TRUE(b.contains(counter)) << name << " lacks " << counter;
    EXPECT_EQ(b["errors"], 0) << name << ": " << b.value("label", "");
    const double clients = b["clients"], p = b["fail_rate"], k = b["retries"];
    const double attempts = b["attempts"], successes = b["successes"];
    EXPECT_EQ(clients, 200) << name;
    EXPECT_EQ(p, 0.5) << name;
    // The server saw exactly what the client sent: every attempt, nothing more.
    EXPECT_EQ(b["server_requests"], attempts) << name;
    // Every attempt ended as a success or a 500 (no errors): the counts add up.
    EXPECT_EQ(successes + b["failed_attempts"].get<double>(), attempts) << name;
    EXPECT_EQ(b["retry_attempts"].get<double>(), attempts - clients) << name;
    const double q = 1 - std::pow(p, k + 1);
    const double floor = q - 4 * std::sqrt(q * (1 - q) / clients);
    EXPECT_GE(successes / clients, floor) << name << ": success rate below 1 - p^(k+1) - 4 sigma";
    if (has(name, "/none/")) {
      EXPECT_EQ(k, 0) << name;
      EXPECT_EQ(attempts, clients) << name << ": no retry, one attempt per client";
      EXPECT_EQ(b["peak_retries_10ms"], 0) << name;
    } else {
      EXPECT_EQ(k, 3) << name;
      EXPECT_GT(attempts, clients) << name << ": retries add load at p = 0.5";
      EXPECT_LE(attempts, clients * (k + 1)) << name;
      // A client retries only while it fails: at most k + 1 attempts, and the
      // clients that failed for good made all of them.
      EXPECT_GE(attempts, clients + (clients - successes) * k) << name;
      // Waits of 100, 200, 400 ms: the run lasts at least the first one.
      EXPECT_GE(b["wall_ms"].get<double>(), 100) << name;
      retried_attempts[b["run_seed"]].insert(attempts);
      const std::string key =
          (has(name, "/asio_coro/") ? "asio_coro/" : "py_aiohttp/") +
          std::string(has(name, "/backoff_jitter/") ? "backoff_jitter" : "backoff");
      const double v = b["peak_retries_10ms"];
      peak[key] = peak.contains(key) ? std::min(peak[key], v) : v;
    }
  }
  EXPECT_EQ(seen.size(), 6u) << "every quick benchmark reported";
  // Within a repetition both policies and both clients draw the same failures:
  // one attempt count per repetition.
  EXPECT_EQ(retried_attempts.size(), 2u);
  for (const auto& [seed, counts] : retried_attempts)
    EXPECT_EQ(counts.size(), 1u) << "run seed " << seed << ": the same failures everywhere";
  // C++ sends its first wave within milliseconds, so about half of its 200
  // clients retry together after 100 ms; full jitter spreads the same retries
  // over 100 ms (10 buckets). A generous factor of 1.5 between the busiest
  // 10 ms of each (the mechanism gives about 3).
  ASSERT_TRUE(peak.contains("asio_coro/backoff") && peak.contains("asio_coro/backoff_jitter"));
  EXPECT_GE(peak["asio_coro/backoff"], 20) << "a wave of retries";
  EXPECT_GE(peak["asio_coro/backoff"], 1.5 * peak["asio_coro/backoff_jitter"])
      << "without jitter the retries bunch";
  const auto series = nlohmann::json::parse(read(dir / "retry" / "series.json"));
  for (const auto& name : seen) {
    const auto& s = series["benchmarks"][name];
    ASSERT_TRUE(s.contains("server_started")) << name;
    double total = 0;
    for (double v : s["server_started"]) total += v;
    EXPECT_GT(total, 0) << name << ": the server's timeline has the arrivals";
  }
  expect_report(dir / "retry", {});  // --no-charts: the page, no charts
  fs::remove_all(dir);
}

}  // namespace
