// The sync_vs_async scenario's quick grid (K = 10, 100; the concurrent models
// also 1000) run for real and checked by its signature: sequential runs take
// at least K x L, concurrent ones well under K x L / 5 for K >= 100, the
// gathered ones (asio_coro, curl_multi, py_aiohttp) run on one thread, a
// thread per request creates K threads. The Python series are expected
// exactly when their models are built in (clients::has_model). The full grid
// (--reference) and the default one are checked by their listings.
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
#include "client_model.hpp"

namespace fs = std::filesystem;

using namespace bench_test_support;

namespace {

// The Python models land separately: their series are listed only when built in.
bool python_models() {
  return clients::has_model("py_requests") && clients::has_model("py_requests_threads") &&
         clients::has_model("py_aiohttp");
}

TEST(SyncVsAsync, ListsEveryModelAndBoundsTheSequentialOnes) {
  const auto [status, listing] =
      run(std::string(BENCH_PATH) + " --filter=sync_vs_async --reference --list");
  ASSERT_EQ(status, 0);
  const std::set<std::string> names = lines_of(listing);
  // The full grid: 3 concurrent C++ series at K = 10..10,000; 32 workers and
  // the 2 sequential C++ series at K = 10 and 100; in Python, 2 sequential
  // series and 32 workers at K = 10 and 100, aiohttp gathered at 10..1,000.
  const std::size_t python = python_models() ? 3 * 2 + 3 : 0;
  EXPECT_EQ(names.size(), 3u * 4 + 3 * 2 + python) << listing;
  EXPECT_TRUE(names.contains("sync_vs_async/asio_coro/gather/c:0/k:10000/delay_ms:50"));
  EXPECT_TRUE(
      names.contains("sync_vs_async/threads_curl/thread_per_request/c:0/k:10000/delay_ms:50"));
  EXPECT_TRUE(names.contains("sync_vs_async/asio_coro/sequential/c:1/k:100/delay_ms:50"));
  EXPECT_FALSE(names.contains("sync_vs_async/blocking_curl/sequential/c:1/k:1000/delay_ms:50"));
  EXPECT_FALSE(names.contains("sync_vs_async/threads_curl/workers/c:32/k:1000/delay_ms:50"));
  EXPECT_EQ(names.contains("sync_vs_async/py_requests/sequential_nopool/c:1/k:100/delay_ms:50"),
            python_models());
  EXPECT_EQ(names.contains("sync_vs_async/py_aiohttp/gather/c:0/k:1000/delay_ms:50"),
            python_models());
  EXPECT_FALSE(names.contains("sync_vs_async/py_aiohttp/gather/c:0/k:10000/delay_ms:50"));
}

TEST(SyncVsAsync, DefaultGridIsWhatTheReportAndTheGuideRead) {
  const auto [status, listing] = run(std::string(BENCH_PATH) + " --filter=sync_vs_async --list");
  ASSERT_EQ(status, 0);
  const std::set<std::string> names = lines_of(listing);
  const auto name = [](const std::string& series) {
    return "sync_vs_async/" + series + "/delay_ms:50";
  };
  // The C++ headline pair and the other ways of every request at once, at K = 100.
  std::set<std::string> expected = {
      name("asio_coro/sequential/c:1/k:100"), name("asio_coro/gather/c:0/k:100"),
      name("threads_curl/thread_per_request/c:0/k:100"), name("curl_multi/gather/c:0/k:100")};
  // The Python headline pair and requests on 32 threads at K = 100; the pooling
  // confound (requests.get per URL, one Session, aiohttp) at K = 10.
  if (python_models())
    expected.insert({name("py_requests/sequential/c:1/k:100"), name("py_aiohttp/gather/c:0/k:100"),
                     name("py_requests_threads/workers/c:32/k:100"),
                     name("py_requests/sequential_nopool/c:1/k:10"),
                     name("py_requests/sequential/c:1/k:10"), name("py_aiohttp/gather/c:0/k:10")});
  EXPECT_EQ(names, expected) << listing;
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
    const bool python = has(name, "/py_");
    if (!python) {
      EXPECT_TRUE(b.contains("rss_growth_mb")) << name << ": memory of the run itself";
    }
    if (has(name, "/sequential")) {
      EXPECT_GE(wall, k * delay) << name << ": one by one takes at least K x L";
      // Pooled: one connection for the whole run; requests.get per URL: one per request.
      EXPECT_EQ(b["conns_opened"], has(name, "/sequential_nopool/") ? k : 1) << name;
      if (!has(name, "/sequential_nopool/")) {
        EXPECT_EQ(b["conns_peak"], 1) << name << ": one request at a time";
      }
    } else if (k >= 100) {
      // 32 workers need ceil(K/32) rounds of L, far below K x L / 5 too.
      EXPECT_LT(wall, k * delay / 5) << name << ": concurrent takes far less than K x L";
      EXPECT_GE(wall, delay) << name << ": no run beats one delay";
    }
    if (has(name, "/gather/")) {
      // Everything in flight at once: the server sees up to K connections
      // (pooling on); aiohttp's default connector holds at most 100 (its limit).
      EXPECT_GT(b["conns_peak"].get<double>(), (python ? std::min(k, 100.0) : k) / 2) << name;
      EXPECT_EQ(threads, 1) << name << ": one thread";
    }
    if (!python && has(name, "/sequential/")) {
      EXPECT_EQ(threads, 1) << name << ": one thread";
    }
    if (has(name, "/thread_per_request/")) {
      EXPECT_EQ(threads, k) << name << ": a thread per request";
    }
    if (has(name, "/threads_curl/workers/")) {
      EXPECT_EQ(threads, std::min(k, 32.0)) << name;
    }
  }
  // Quick grid: sequential (2 C++ series, 2 Python) and 32 workers (C++,
  // Python) at K = 10, 100; a thread per request, curl_multi, asio_coro and
  // py_aiohttp gathered also at 1000.
  const auto count = [&](const std::string& part) {
    return std::count_if(seen.begin(), seen.end(),
                         [&](const std::string& n) { return has(n, part); });
  };
  const bool py = python_models();
  EXPECT_EQ(count("/sequential"), py ? 8 : 4);
  EXPECT_EQ(count("/gather/"), py ? 9 : 6);
  EXPECT_EQ(count("/workers/"), py ? 4 : 2);
  EXPECT_EQ(seen.size(), 4u + 2 + 3 + 3 + 3 + (py ? 4 + 2 + 3 : 0))
      << "every quick benchmark reported";
  expect_report(dir / "sync_vs_async", {});  // --no-charts: the page, no charts
  fs::remove_all(dir);
}

}  // namespace
