// The sync_vs_async scenario's quick grid (K = 10, 100; the concurrent models
// also 1000) run for real and checked by its signature: sequential runs take
// at least K x L, gathered ones well under K x L / 5 for K >= 20, asio_coro
// runs on one thread, a thread per request creates K threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "bench_test_support.hpp"

namespace fs = std::filesystem;

using namespace bench_test_support;

namespace {

TEST(SyncVsAsync, ListsEveryModelAndBoundsTheSequentialOnes) {
  const auto [status, listing] = run(std::string(BENCH_PATH) + " --filter=sync_vs_async --list");
  ASSERT_EQ(status, 0);
  const std::set<std::string> names = lines_of(listing);
  // The full grid: 3 concurrent series at K = 10..10,000; the 32-thread pool
  // and the 2 sequential series at K = 10 and 100.
  EXPECT_EQ(names.size(), 3u * 4 + 3 * 2) << listing;
  EXPECT_TRUE(names.contains("sync_vs_async/asio_coro/gather/c:0/k:10000/delay_ms:50"));
  EXPECT_TRUE(
      names.contains("sync_vs_async/threadpool_curl/thread_per_request/c:0/k:10000/delay_ms:50"));
  EXPECT_TRUE(names.contains("sync_vs_async/asio_coro/sequential/c:1/k:100/delay_ms:50"));
  EXPECT_FALSE(names.contains("sync_vs_async/blocking_curl/sequential/c:1/k:1000/delay_ms:50"));
  EXPECT_FALSE(names.contains("sync_vs_async/threadpool_curl/pool/c:32/k:1000/delay_ms:50"));
}

TEST(SyncVsAsync, QuickRunMeetsTheSignature) {
  const auto dir = fresh_dir("bench-sync-vs-async");
  const int status = run(std::string(BENCH_PATH) +
                         " --filter=sync_vs_async --quick --repetitions 2 --no-charts --out " +
                         dir.string() + " >" + (dir / "stdout.txt").string() + " 2>&1")
                         .first;
  ASSERT_EQ(status, 0) << read(dir / "stdout.txt");

  const auto j = nlohmann::json::parse(read(dir / "sync_vs_async" / "bench.json"));
  std::set<std::string> seen;
  for (const auto& b : j["benchmarks"]) {
    if (b["run_type"] != "iteration") continue;
    std::string name = b["run_name"];
    name = name.substr(0, name.rfind("/manual_time"));
    seen.insert(name);
    ASSERT_FALSE(b.value("error_occurred", false)) << name << ": " << b.value("error_message", "");
    for (const char* counter : {"wall_ms", "rss_mb", "threads_created", "errors", "conns_opened",
                                "conns_peak", "k", "delay_ms", "requests", "req_per_s"})
      ASSERT_TRUE(b.contains(counter)) << name << " lacks " << counter;
    EXPECT_EQ(b["errors"], 0) << name;
    const double k = b["k"], delay = b["delay_ms"], wall = b["wall_ms"];
    const double threads = b["threads_created"];
    EXPECT_EQ(b["requests"], k) << name;
    EXPECT_EQ(b["server_requests"], k) << name;
    EXPECT_EQ(delay, 50) << name;
    if (has(name, "/sequential/")) {
      EXPECT_GE(wall, k * delay) << name << ": one by one takes at least K x L";
      EXPECT_EQ(b["conns_opened"], 1) << name << ": one pooled connection";
    } else if (k >= 20) {
      // A pool of 32 threads needs ceil(K/32) rounds of L, far below K x L / 5 too.
      EXPECT_LT(wall, k * delay / 5) << name << ": concurrent takes far less than K x L";
      EXPECT_GE(wall, delay) << name << ": no run beats one delay";
    }
    if (has(name, "/gather/")) {
      // Everything in flight at once: the server sees up to K connections (pooling on).
      EXPECT_GT(b["conns_peak"].get<double>(), k / 2) << name;
    }
    if (has(name, "/asio_coro/") || has(name, "/curl_multi/") || has(name, "/blocking_curl/")) {
      EXPECT_EQ(threads, 1) << name << ": one thread";
    }
    if (has(name, "/thread_per_request/")) {
      EXPECT_EQ(threads, k) << name << ": a thread per request";
    }
    if (has(name, "/pool/")) {
      EXPECT_EQ(threads, std::min(k, 32.0)) << name;
    }
  }
  // Quick grid: sequential (2 models) and the 32-thread pool at K = 10, 100;
  // a thread per request, curl_multi and gathered asio_coro also at 1000.
  const auto count = [&](const std::string& part) {
    return std::count_if(seen.begin(), seen.end(),
                         [&](const std::string& n) { return has(n, part); });
  };
  EXPECT_EQ(count("/sequential/"), 4);
  EXPECT_EQ(count("/gather/"), 6);
  EXPECT_EQ(seen.size(), 4u + 2 + 3 + 3 + 3) << "every quick benchmark reported";
  expect_report(dir / "sync_vs_async", {});  // --no-charts: the page, no charts
  fs::remove_all(dir);
}

}  // namespace
