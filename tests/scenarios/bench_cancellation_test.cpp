// The cancellation scenario's quick grid run for real through bench and
// checked by its signature, from the server's counts: asyncio.gather lets the
// N-1 siblings of a failed request run on (mockd cancels none and completes
// all of them after the error), a TaskGroup and Asio's wait_for_one_error
// cancel them (mockd: requests_cancelled == N-1); the error arrives no sooner
// than the failure, and no sooner than the slow requests when waiting for all.
// The semantics benchmarks' counts are exact too.
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

const std::string kTail = "/fail:status500/n:10/fail_ms:20/slow_ms:300";

TEST(Cancellation, ListsTheQuickGrid) {
  const auto [status, listing] =
      run(std::string(BENCH_PATH) + " --filter=cancellation --quick --list");
  ASSERT_EQ(status, 0);
  const std::set<std::string> names = lines_of(listing);
  EXPECT_EQ(names.size(), 5u + 4u) << listing;
  for (const char* v : {"py/gather", "py/taskgroup", "py/gather_return_exceptions",
                        "cpp/wait_for_one_error", "cpp/wait_for_all"})
    EXPECT_TRUE(names.contains("cancellation/race/" + std::string(v) + kTail)) << v;
  EXPECT_TRUE(names.contains("cancellation/semantics/py/shield/cancel_after_ms:50/slow_ms:300"));
}

TEST(Cancellation, QuickRunMeetsTheSignature) {
  const auto dir = fresh_dir("bench-cancellation");
  const int status = run(std::string(BENCH_PATH) +
                         " --filter=cancellation --quick --repetitions 2 --no-charts --out " +
                         dir.string() + " >" + (dir / "stdout.txt").string() + " 2>&1")
                         .first;
  ASSERT_EQ(status, 0) << read(dir / "stdout.txt");

  const auto j = nlohmann::json::parse(read(dir / "cancellation" / "bench.json"));
  std::map<std::string, int> reps;
  for (const auto& b : j["benchmarks"]) {
    if (b["run_type"] != "iteration") continue;
    std::string name = b["run_name"];
    name = name.substr(0, name.rfind("/manual_time"));
    ASSERT_FALSE(b.value("error_occurred", false)) << name << ": " << b.value("error_message", "");
    ++reps[name];
    EXPECT_EQ(b["errors"], 0) << name;
    auto at = [&](const char* counter) -> double {
      EXPECT_TRUE(b.contains(counter)) << name << " lacks " << counter;
      return b.value(counter, -1.0);
    };
    if (has(name, "/race/")) {
      const double n = at("n"), siblings = n - 1;
      EXPECT_EQ(n, 10) << name;
      EXPECT_EQ(at("failing_failed"), 1) << name;
      EXPECT_EQ(at("server_started"), n) << name;  // every request reached the server
      const double error_ms = at("time_to_error_ms");
      EXPECT_GE(error_ms, 20) << name;  // the failure takes fail_ms at the server
      const bool cancels = has(name, "/taskgroup/") || has(name, "/wait_for_one_error/");
      if (cancels) {
        EXPECT_EQ(at("server_cancelled"), siblings) << name;
        EXPECT_EQ(at("siblings_cancelled"), siblings) << name;
        EXPECT_EQ(at("siblings_ok"), 0) << name;
        EXPECT_EQ(at("server_completed_after_error"), 0) << name;
      } else {
        EXPECT_EQ(at("server_cancelled"), 0) << name;
        EXPECT_EQ(at("siblings_ok"), siblings) << name;
        EXPECT_GE(at("all_done_ms"), 300) << name;
      }
      if (has(name, "/py/gather/")) {
        // The caller has its error before any sibling has finished (no upper bound on
        // time: the counts say it), and the server completes every sibling after it.
        EXPECT_EQ(at("siblings_ok_after_error"), siblings) << name;
        EXPECT_EQ(at("server_completed_after_error"), siblings) << name;
      }
      if (has(name, "/gather_return_exceptions/") || has(name, "/wait_for_all/")) {
        EXPECT_GE(error_ms, 300) << name;  // waits for the slow ones
      }
    } else if (has(name, "/cancel_swallowed/")) {
      EXPECT_EQ(at("cancel_calls"), 2) << name;
      EXPECT_EQ(at("swallowed"), 1) << name;
      EXPECT_EQ(at("propagating_task_cancelled"), 1) << name;
      EXPECT_EQ(at("swallowing_task_cancelled"), 0) << name;
      EXPECT_EQ(at("swallowing_task_finished"), 1) << name;
      EXPECT_EQ(at("server_cancelled"), 2) << name;  // both slow requests abandoned
      EXPECT_EQ(at("server_requests"), 1) << name;   // the follow-up, served
    } else if (has(name, "/shield/")) {
      EXPECT_EQ(at("caller_cancelled"), 1) << name;
      EXPECT_EQ(at("inner_ok"), 1) << name;
      EXPECT_EQ(at("server_cancelled"), 0) << name;
      EXPECT_EQ(at("server_requests"), 1) << name;
      EXPECT_GE(at("caller_cancelled_ms"), 50) << name;  // cancelled after 50 ms
      EXPECT_GE(at("inner_done_ms"), 300) << name;       // the inner request ran its course
    } else if (has(name, "/unreferenced_task/")) {
      EXPECT_EQ(at("request_tasks_ok"), 10) << name;
      EXPECT_EQ(at("server_requests"), 10) << name;
      EXPECT_EQ(at("orphan_tasks_finished"), 0) << name;
      EXPECT_EQ(at("destroyed_pending_logged"), 10) << name;
    } else if (has(name, "/exception_never_retrieved/")) {
      EXPECT_EQ(at("ignored_failed"), 10) << name;
      EXPECT_EQ(at("ignored_logged"), 10) << name;
      EXPECT_EQ(at("retrieved_failed"), 10) << name;
      EXPECT_EQ(at("retrieved_logged"), 0) << name;
    } else {
      ADD_FAILURE() << "unexpected benchmark " << name;
    }
  }
  EXPECT_EQ(reps.size(), 9u);
  for (const auto& [name, n] : reps) EXPECT_EQ(n, 2) << name;

  // The server's timeline of each race is in series.json.
  const auto series = nlohmann::json::parse(read(dir / "cancellation" / "series.json"));
  EXPECT_TRUE(series["benchmarks"].contains("cancellation/race/py/gather" + kTail));
}

}  // namespace
