// The timeouts scenario's quick grid run for real through build/bench and
// checked by its signature: a timed-out request waited at least the
// timeout; a run without a timeout timed nothing out; with a clean-up that
// awaits X ms, control came back at least X ms past the timeout (Python's
// wait_for and timeout(), Asio's `||`); in the pool-wait cases mockd saw
// exactly the requests that got a connection, and with the connection held
// past the deadline every waiter timed out. Only lower bounds on time: the
// machine is shared.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "bench_test_support.hpp"

namespace fs = std::filesystem;

using namespace bench_test_support;

namespace {

TEST(Timeouts, ListsEveryPart) {
  const auto [status, listing] = run(std::string(BENCH_PATH) + " --filter=timeouts --list --quick");
  ASSERT_EQ(status, 0);
  const std::set<std::string> names = lines_of(listing);
  // 8 tail runs, 3 clean-up times (quick) for wait_for and for Asio plus
  // timeout() at 50 ms, 3 pool-wait cases.
  EXPECT_EQ(names.size(), 8u + 3 + 1 + 3 + 3) << listing;
  EXPECT_TRUE(names.contains(
      "timeouts/tail/py_aiohttp/wait_for/timeout_ms:50/c:10/n:200/p50_ms:5/p99_ms:100"));
  EXPECT_TRUE(names.contains("timeouts/tail/curl_multi/none/c:10/n:200/p50_ms:5/p99_ms:100"));
  EXPECT_TRUE(names.contains("timeouts/overrun/asio/or_timer/timeout_ms:50/cleanup_ms:100"));
  EXPECT_TRUE(names.contains(
      "timeouts/pool_wait/py_aiohttp/never_free/limit:1/timeout_ms:100/hold_ms:150"));
}

TEST(Timeouts, TheDefaultListsWhatTheVerdictAndTheGuideRead) {
  const auto [status, listing] = run(std::string(BENCH_PATH) + " --filter=timeouts --list");
  ASSERT_EQ(status, 0);
  const std::set<std::string> names = lines_of(listing);
  // 8 tail runs, the checked 100 ms clean-up for wait_for and for Asio plus timeout() at 50 ms,
  // the checked pool-wait case; the clean-up sweep and the other cases are the reference's.
  EXPECT_EQ(names.size(), 8u + 2 + 1 + 1) << listing;
  EXPECT_TRUE(names.contains("timeouts/overrun/py_aiohttp/wait_for/timeout_ms:50/cleanup_ms:100"));
  EXPECT_TRUE(names.contains("timeouts/overrun/asio/or_timer/timeout_ms:50/cleanup_ms:100"));
  EXPECT_FALSE(names.contains("timeouts/overrun/asio/or_timer/timeout_ms:50/cleanup_ms:50"));
  EXPECT_TRUE(names.contains(
      "timeouts/pool_wait/py_aiohttp/never_free/limit:1/timeout_ms:100/hold_ms:150"));
  EXPECT_FALSE(
      names.contains("timeouts/pool_wait/py_aiohttp/no_limit/limit:0/timeout_ms:100/hold_ms:150"));
}

TEST(Timeouts, QuickRunMeetsTheSignature) {
  const auto dir = fresh_dir("bench-timeouts");
  const int status = run(std::string(BENCH_PATH) +
                         " --filter=timeouts --quick --repetitions 2 --no-charts --out " +
                         dir.string() + " >" + (dir / "stdout.txt").string() + " 2>&1")
                         .first;
  ASSERT_EQ(status, 0) << read(dir / "stdout.txt");

  const auto j = nlohmann::json::parse(read(dir / "timeouts" / "bench.json"));
  std::map<std::string, int> parts;
  for (const auto& b : j["benchmarks"]) {
    if (b["run_type"] != "iteration") continue;
    std::string name = b["run_name"];
    name = name.substr(0, name.rfind("/manual_time"));
    ASSERT_FALSE(b.value("error_occurred", false)) << name << ": " << b.value("error_message", "");
    EXPECT_EQ(b["errors"], 0) << name << ": " << b.value("label", "");
    const double timeout = b["timeout_ms"];

    if (has(name, "/tail/")) {
      ++parts["tail"];
      const double requests = b["requests"], ok = b["ok"], timed_out = b["timed_out"];
      EXPECT_EQ(requests, 200) << name;
      EXPECT_EQ(ok + timed_out, requests) << name << ": every request ended one way or the other";
      if (has(name, "/none/")) {
        EXPECT_EQ(timed_out, 0) << name << ": nothing to time out";
      } else if (timed_out > 0) {
        EXPECT_GE(b["timed_out_min_ms"].get<double>(), timeout * 0.98)
            << name << ": a request timed out no earlier than its timeout";
      }
      if (has(name, "/none/")) {
        // A timed-out request may never have been sent: only runs without a
        // timeout must have reached mockd in full.
        EXPECT_EQ(b["server_requests_started"], requests) << name << ": mockd saw every request";
      }
    } else if (has(name, "/overrun/")) {
      ++parts["overrun"];
      const double trials = b["trials"], cleanup = b["cleanup_ms"];
      EXPECT_EQ(b["timed_out"], trials) << name << ": every trial timed out";
      EXPECT_EQ(b["cleanup_before_return"], trials)
          << name << ": control came back only after the clean-up";
      // Lower bound only: at least the clean-up past the timeout.
      EXPECT_GE(b["overrun_min_ms"].get<double>(), cleanup * 0.98)
          << name << ": the caller waited for the clean-up too";
    } else if (has(name, "/pool_wait/")) {
      ++parts["pool_wait"];
      const double got = b["got_connection"], seen = b["server_requests_seen"];
      EXPECT_EQ(got, b["expected_connections"]) << name;
      EXPECT_EQ(seen, got) << name << ": mockd saw exactly the requests that got a connection";
      if (has(name, "/never_free/")) {
        EXPECT_EQ(b["timed_out"], b["waiters"]) << name << ": every waiter timed out in the queue";
        EXPECT_EQ(seen, 1) << name << ": only the holder reached mockd";
        EXPECT_GE(b["waiter_min_ms"].get<double>(), timeout * 0.98) << name;
      } else if (has(name, "/freed_late/")) {
        EXPECT_EQ(b["timed_out"], 1) << name << ": 60 ms queued + 60 ms served > 100 ms";
        EXPECT_EQ(b["server_requests_cancelled"], 1) << name << ": mockd saw the waiter leave";
      } else {
        EXPECT_EQ(b["timed_out"], 0) << name << ": without a cap nobody queues";
      }
    }
  }
  // Two repetitions of each benchmark.
  EXPECT_EQ(parts["tail"], 8 * 2);
  EXPECT_EQ(parts["overrun"], 7 * 2);
  EXPECT_EQ(parts["pool_wait"], 3 * 2);
  expect_report(dir / "timeouts", {});  // --no-charts: the page, no charts
  fs::remove_all(dir);
}

}  // namespace
