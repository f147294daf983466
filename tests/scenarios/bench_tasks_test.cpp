// The tasks scenario's quick grid run for real and checked by its signature:
// coroutines and asyncio tasks wait on the one thread their process started
// with (exact), threads add exactly N; every task runs again once the event
// is set; a C++ thread costs at least one 4 KiB page of stack, so at least
// twice a coroutine's RSS (a frame of a few hundred bytes); a Python thread
// (an OS thread plus its interpreter state) twice an asyncio task's. A count
// the machine cannot give is recorded as failed with the limit named.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "bench_test_support.hpp"

using namespace bench_test_support;

namespace {

const std::set<std::string> kKinds = {"tasks/cpp_thread/stack:default",
                                      "tasks/cpp_thread/stack:64k", "tasks/cpp_coroutine",
                                      "tasks/py_thread/stack:default", "tasks/py_asyncio"};

bool is_thread(const std::string& name) {
  return has(name, "_thread/");
}

TEST(Tasks, ListsEveryKindAtEveryCount) {
  const auto [status, listing] = run(std::string(BENCH_PATH) + " --filter=tasks --quick --list");
  ASSERT_EQ(status, 0);
  const std::set<std::string> names = lines_of(listing);
  // Every kind at 1,000, 10,000 and 100,000 tasks, but asyncio at 100,000 (the reference's).
  EXPECT_EQ(names.size(), kKinds.size() * 3 - 1) << listing;
  for (const auto& kind : kKinds)
    for (const char* n : {"/n:1000", "/n:10000", "/n:100000"})
      EXPECT_EQ(names.contains(kind + n), kind + n != "tasks/py_asyncio/n:100000") << kind << n;
  const auto [full_status, full] =
      run(std::string(BENCH_PATH) + " --filter=tasks --reference --list");
  ASSERT_EQ(full_status, 0);
  EXPECT_EQ(lines_of(full).size(), kKinds.size() * 3) << full;
  // The default grid: every kind at the count the verdict and the headline read, alone.
  const auto [default_status, standard] = run(std::string(BENCH_PATH) + " --filter=tasks --list");
  ASSERT_EQ(default_status, 0);
  std::set<std::string> headline;
  for (const auto& kind : kKinds) headline.insert(kind + "/n:10000");
  EXPECT_EQ(lines_of(standard), headline) << standard;
}

TEST(Tasks, QuickRunMeetsTheSignature) {
  const auto dir = fresh_dir("bench-tasks");
  const int status =
      run(std::string(BENCH_PATH) + " --filter=tasks --quick --repetitions 2 --no-charts --out " +
          dir.string() + " >" + (dir / "stdout.txt").string() + " 2>&1")
          .first;
  ASSERT_EQ(status, 0) << read(dir / "stdout.txt");

  const auto j = nlohmann::json::parse(read(dir / "tasks" / "bench.json"));
  std::map<std::string, nlohmann::json> last;  // the last repetition of each benchmark
  for (const auto& b : j["benchmarks"]) {
    if (b["run_type"] != "iteration") continue;
    std::string name = b["run_name"];
    name = name.substr(0, name.rfind("/manual_time"));
    last[name] = b;
    if (b.value("error_occurred", false)) {
      // Only a thread count can be refused, and only with the limit named.
      const std::string why = b.value("error_message", "");
      EXPECT_TRUE(is_thread(name) && has(name, "/n:100000") && has(why, "limit"))
          << name << ": " << why;
      continue;
    }
    for (const char* counter : {"n", "n_base", "bytes_per_task", "virtual_bytes_per_task",
                                "create_ns_per_task", "create_cpu_ns_per_task", "threads_before",
                                "threads_during", "threads_added", "errors", "rss_mb"})
      ASSERT_TRUE(b.contains(counter)) << name << " lacks " << counter;
    const double n = b["n"];
    EXPECT_EQ(b["n_base"].get<double>(), n / 10) << name;
    EXPECT_EQ(b["errors"], 0) << name << ": every task runs again once the event is set";
    EXPECT_GT(b["bytes_per_task"].get<double>(), 0) << name << ": memory per task is measured";
    EXPECT_GT(b["create_ns_per_task"].get<double>(), 0) << name;
    if (b.contains("woken")) {
      EXPECT_EQ(b["woken"].get<double>(), n) << name;
    }
    if (is_thread(name)) {
      EXPECT_EQ(b["threads_added"].get<double>(), n) << name << ": a thread per task";
    } else {
      // Forked from bench or a fresh interpreter: the one thread it started with, and no other.
      EXPECT_EQ(b["threads_before"], 1) << name;
      EXPECT_EQ(b["threads_during"], 1) << name << ": every coroutine on one thread";
      EXPECT_EQ(b["threads_added"], 0) << name;
    }
    if (has(name, "tasks/cpp_thread/")) {
      EXPECT_GE(b["bytes_per_task"].get<double>(), 4096) << name << ": at least a page of stack";
      EXPECT_GE(b["virtual_bytes_per_task"].get<double>(), 64 * 1024)
          << name << ": a whole stack reserved";
    }
    if (!has(name, "/py_thread/") || n <= 1000) {
      ASSERT_TRUE(b.contains("wake_last_us")) << name;
      EXPECT_GT(b["wake_last_us"].get<double>(), 0) << name;
    }
  }
  EXPECT_EQ(last.size(), kKinds.size() * 3 - 1);

  // The mechanism's floor, at the count the headline ratios use.
  const auto bytes = [&](const std::string& name) {
    const auto& b = last.at(name);
    return b.value("error_occurred", false) ? 0.0 : b["bytes_per_task"].get<double>();
  };
  const double coroutine = bytes("tasks/cpp_coroutine/n:10000");
  const double asyncio = bytes("tasks/py_asyncio/n:10000");
  ASSERT_GT(coroutine, 0);
  ASSERT_GT(asyncio, 0);
  EXPECT_GE(bytes("tasks/cpp_thread/stack:default/n:10000") / coroutine, 2.0);
  EXPECT_GE(bytes("tasks/cpp_thread/stack:64k/n:10000") / coroutine, 2.0);
  EXPECT_GE(bytes("tasks/py_thread/stack:default/n:10000") / asyncio, 2.0);
}

}  // namespace
