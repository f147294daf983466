// The `blocking` scenario's quick grid run for real, checked by its
// signatures: every benchmark present (C++ and Python), no errors, every
// request seen by the server, and the bounds the mechanism guarantees.
// Blocking sleeps on one loop add up (total >= N*D, lag >= D); a pool of W
// threads needs at least ceil(N/W) rounds of D; a timer wait overlaps
// (total < N*D/5 in C++, < N*D/2 for Python's slower loop). CPU work is a
// fixed amount: its CPU time cannot be spent faster than the CPUs the
// workers may use allow (total >= work CPU time / cpus_available), and the C++
// work is exactly C of thread CPU time per task; Python's to_thread runs it
// under the GIL, one thread at a time (total >= 0.8 x its CPU time). A
// blocking server with 8 sleeping threads holds at most 8 connections and
// needs ceil(N/8) rounds of its delay, and the timer server beats it by > 3x
// at concurrency 64 (C/delay = 3200/s against 8/delay = 400/s). An asyncio
// loop awaiting a coroutine that never suspends gives its heartbeat no turn
// (0 wake-ups during the loop, lag >= the loop's duration less one tick);
// with `await asyncio.sleep(0)` every K awaits the heartbeat wakes during it
// and the loop yields exactly awaits/K times. An aiohttp handler calling
// time.sleep(D) holds the server's only thread: N requests take >= N*D and
// the steady rate stays <= 1.2/D; awaiting asyncio.sleep(D) instead serves
// > 5x more at concurrency 32 (the quick grid's highest for aiohttp).
#include <gtest/gtest.h>
#include <sched.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "bench_test_support.hpp"

namespace fs = std::filesystem;

using namespace bench_test_support;

namespace {

// The integer after `key:` in a benchmark name.
int param(const std::string& name, const std::string& key) {
  const auto at = name.find("/" + key + ":");
  return at == std::string::npos ? 0 : std::stoi(name.substr(at + key.size() + 2));
}

}  // namespace

TEST(Blocking, QuickRunMeetsTheSignatures) {
  const auto dir = fresh_dir("bench-blocking-quick");
  const std::string filter = "--filter='^blocking/' --quick";
  const auto [list_status, listing] = run(std::string(BENCH_PATH) + " " + filter + " --list");
  ASSERT_EQ(list_status, 0);
  const std::set<std::string> expected = lines_of(listing);
  // 7 C++ and 6 Python loops, 3 await_yield runs, 6 mockd and 6 aiohttp
  // server runs, 2 with silent connections
  ASSERT_EQ(expected.size(), 30u) << listing;

  // Started from another directory than the build's: the Python scripts must
  // be found wherever bench runs (a path relative to the build was not).
  const int status =
      run("cd " + dir.string() + " && " + std::string(BENCH_PATH) + " " + filter +
          " --repetitions 2 --out " + dir.string() + " >" + (dir / "stdout.txt").string() + " 2>&1")
          .first;
  ASSERT_EQ(status, 0) << read(dir / "stdout.txt");

  const auto j = nlohmann::json::parse(read(dir / "blocking" / "bench.json"));
  std::set<std::string> seen;
  std::map<std::string, std::vector<double>> rate;       // server benchmarks' req/s per repetition
  std::map<std::string, double> silent_wait;             // engine -> the real request's wait (ms)
  std::map<std::string, std::vector<double>> await_lag;  // await_yield kind -> lag max (us) per rep
  constexpr double N = 100, D = 10, C = 5;
  for (const auto& b : j["benchmarks"]) {
    if (b["run_type"] != "iteration") continue;
    std::string name = b["run_name"];
    name = name.substr(0, name.rfind("/manual_time"));
    seen.insert(name);
    ASSERT_FALSE(b.value("error_occurred", false)) << name << ": " << b.value("error_message", "");
    EXPECT_EQ(b["errors"], 0) << name;
    if (has(name, "/py_await_yield/")) {
      const double total = b["total_ms"], awaits = b["awaits"], during = b["heartbeats_during"];
      EXPECT_EQ(awaits, param(name, "awaits")) << name;
      EXPECT_GT(total, 0) << name;
      EXPECT_GT(b["startup_ms"], 0) << name;
      ASSERT_TRUE(b.contains("loop_lag_max_us")) << name << ": a heartbeat was due during the loop";
      const double lag_max = b["loop_lag_max_us"];
      if (has(name, "/no_yield/")) {
        EXPECT_EQ(b["yields"], 0) << name;
        EXPECT_EQ(during, 0) << name << ": an await that never suspends gives the loop no turn";
        // The tick pending when the loop began (due within 1 ms) wakes after it ends.
        EXPECT_GE(lag_max, (total - 1) * 1000) << name << ": the heartbeat waited out the loop";
        await_lag["no_yield"].push_back(lag_max);
      } else {
        const int every = param(name, "every");
        ASSERT_GT(every, 0) << name;
        EXPECT_EQ(b["yields"], std::floor(awaits / every)) << name << ": one sleep(0) per K awaits";
        EXPECT_GE(during, 10) << name << ": sleep(0) lets the heartbeat run during the loop";
        await_lag["sleep0/every:" + std::to_string(every)].push_back(lag_max);
      }
      continue;
    }
    if (has(name, "/aiohttp_server/")) {
      // No /stats on the aiohttp server: the client's own counts.
      const double n = b["requests"], delay = param(name, "delay_ms"), wall = b["wall_ms"];
      EXPECT_GE(n, param(name, "c")) << name;
      if (has(name, "/time_sleep/")) {
        EXPECT_GE(wall, n * delay) << name << ": time.sleep serves one request at a time";
        EXPECT_LE(b["steady_req_per_s"].get<double>(), 1.2 * 1000 / delay)
            << name << ": at most 1/delay per second";
      } else {
        EXPECT_GE(wall, std::ceil(n / param(name, "c")) * delay) << name;
      }
      rate[name].push_back(b["steady_req_per_s"]);
      continue;
    }
    EXPECT_EQ(b["server_requests"], b["requests"]) << name << ": the server saw every request";

    if (has(name, "/silent/")) {
      // mockd counts a connection at its first request: the silent ones never count.
      EXPECT_EQ(b["conns_opened"], 1) << name;
      const double wait = b["wait_ms"], idle = b["idle_timeout_ms"], settle = b["settle_ms"];
      if (has(name, "/blocking/")) {
        EXPECT_GE(wait, idle - settle - 50) << name << ": every thread held by a silent connection";
      }
      silent_wait[has(name, "/blocking/") ? "blocking" : "asio"] = wait;
      continue;
    }
    if (has(name, "/server/")) {
      const double n = b["requests"], c = param(name, "c"), delay = param(name, "delay_ms");
      const double wall = b["wall_ms"], peak = b["conns_peak"];
      EXPECT_EQ(b["conns_opened"], n) << name << ": a new connection per request";
      // Each worker waits `delay` per request, one request at a time.
      EXPECT_GE(wall, std::ceil(n / c) * delay) << name;
      if (has(name, "/blocking/")) {
        const double threads = param(name, "threads");
        EXPECT_LE(peak, threads) << name << ": a sleeping thread holds each connection";
        EXPECT_GE(wall, std::ceil(n / threads) * delay) << name << ": at most T/delay per second";
      } else if (c >= 64) {
        EXPECT_GT(peak, 8) << name << ": timers hold many connections on one thread";
      }
      rate[name].push_back(b["req_per_s"]);
      continue;
    }

    for (const char* counter :
         {"total_ms", "loop_lag_max_us", "loop_lag_p99_us", "other_p50_us", "other_p99_us",
          "tasks_ok", "task_conns", "cpu_s", "work_cpu_s", "cpus_available", "workers"})
      ASSERT_TRUE(b.contains(counter)) << name << " lacks " << counter;
    EXPECT_EQ(b["tasks_ok"], N) << name;
    EXPECT_EQ(b["task_conns"], N) << name << ": a connection per task";
    EXPECT_GE(b["other_requests"], 1) << name << ": the unrelated requests ran";
    const double total = b["total_ms"], lag_max = b["loop_lag_max_us"];
    const double work_ms = b["work_cpu_s"].get<double>() * 1000, cpus = b["cpus_available"];
    const double workers = b["workers"];
    EXPECT_GE(cpus, 1) << name;
    if (has(name, "/cpu/") || has(name, "/py_cpu/")) {
      // Nothing finishes CPU work faster than the CPUs it may use allow.
      EXPECT_GE(total, work_ms / cpus) << name << ": CPU work / CPUs";
      EXPECT_GE(b["cpu_s"].get<double>() * 1000, 0.9 * work_ms) << name << ": the process spent it";
    }
    if (has(name, "/py_")) {
      // The child unpins itself: it may use at least every CPU this test may.
      cpu_set_t own;
      ASSERT_EQ(sched_getaffinity(0, sizeof own, &own), 0);
      EXPECT_GE(cpus, CPU_COUNT(&own)) << name;
      EXPECT_GT(b["startup_ms"], 0) << name;
    }
    if (has(name, "/client/timer/")) {
      EXPECT_GE(total, D) << name;
      EXPECT_LT(total, N * D / 5) << name << ": the timer waits overlap";
    } else if (has(name, "/client/sleep/") || has(name, "/py_client/time_sleep/")) {
      EXPECT_GE(total, N * D) << name << ": blocking sleeps add up";
      EXPECT_GE(lag_max, D * 1000) << name << ": the heartbeat waits out a sleep";
    } else if (has(name, "/client/offload/") || has(name, "/py_client/to_thread/")) {
      ASSERT_GT(workers, 0) << name;
      if (has(name, "/client/")) {
        EXPECT_EQ(workers, param(name, "workers")) << name;
      }
      EXPECT_GE(total, std::ceil(N / workers) * D) << name << ": ceil(N/W) rounds of D";
    } else if (has(name, "/py_client/asyncio_sleep/")) {
      EXPECT_GE(total, D) << name;
      EXPECT_LT(total, N * D / 2) << name << ": the asyncio.sleep waits overlap";
    } else if (has(name, "/cpu/")) {
      // A fixed amount of work: C of thread CPU time per task, wherever it runs.
      EXPECT_GE(work_ms, N * C) << name;
      if (has(name, "/on_loop/")) {
        EXPECT_GE(total, N * C) << name;
        EXPECT_GE(lag_max, C * 1000) << name << ": the heartbeat waits out the CPU work";
      } else {
        EXPECT_EQ(workers, param(name, "workers")) << name;
        // The pool may use the CPUs its name says (the machine has at least 2 here).
        EXPECT_EQ(cpus, std::min<long>(param(name, "cpus"), sysconf(_SC_NPROCESSORS_ONLN))) << name;
      }
    } else if (has(name, "/py_cpu/")) {
      EXPECT_GT(b["work_iterations"], 0) << name;
      if (has(name, "/on_loop/")) {
        EXPECT_GE(lag_max, work_ms / N * 1000)
            << name << ": the heartbeat waits out one task's work";
      } else if (has(name, "/to_thread/")) {
        EXPECT_GE(total, 0.8 * work_ms) << name << ": the GIL runs the work one thread at a time";
      } else if (has(name, "/process_pool/")) {
        EXPECT_EQ(workers, 2) << name;
      }
    } else {
      ADD_FAILURE() << "unexpected benchmark " << name;
    }
  }
  EXPECT_EQ(seen, expected);
  // Timers read every connection at once: the real request does not wait
  // for the silent ones (about 1 ms against the idle timeout, here 2 s).
  ASSERT_EQ(silent_wait.size(), 2u);
  EXPECT_GT(silent_wait["blocking"], 5 * silent_wait["asio"]);

  // Timers against sleeping threads at concurrency 64: 3200/s against 400/s
  // ideally; the slowest asio repetition beats the fastest blocking one by 3x.
  const auto& asio = rate["blocking/server/asio/threads:1/c:64/delay_ms:20"];
  const auto& blocking = rate["blocking/server/blocking/threads:8/c:64/delay_ms:20"];
  ASSERT_FALSE(asio.empty());
  ASSERT_FALSE(blocking.empty());
  EXPECT_GT(*std::min_element(asio.begin(), asio.end()),
            3 * *std::max_element(blocking.begin(), blocking.end()));

  // A heartbeat that waited out the whole loop against one that ran during
  // it: the smallest no_yield lag beats the largest sleep(0) lag by 5x.
  ASSERT_EQ(await_lag.size(), 3u);
  const auto& stalled = await_lag["no_yield"];
  for (const auto& [kind, lags] : await_lag)
    if (kind != "no_yield") {
      EXPECT_GT(*std::min_element(stalled.begin(), stalled.end()),
                5 * *std::max_element(lags.begin(), lags.end()))
          << kind;
    }

  // The same mistake in an aiohttp handler: asyncio.sleep serves 32 requests
  // per delay at concurrency 32 ideally, time.sleep one.
  const auto& awaited = rate["blocking/aiohttp_server/asyncio_sleep/c:32/delay_ms:20"];
  const auto& slept = rate["blocking/aiohttp_server/time_sleep/c:32/delay_ms:20"];
  ASSERT_FALSE(awaited.empty());
  ASSERT_FALSE(slept.empty());
  EXPECT_GT(*std::min_element(awaited.begin(), awaited.end()),
            5 * *std::max_element(slept.begin(), slept.end()));

  const auto spectra = nlohmann::json::parse(read(dir / "blocking" / "spectra.json"));
  EXPECT_EQ(spectra["benchmarks"].size(), expected.size());

  expect_report(dir / "blocking",
                {"blocking_client", "blocking_cpu", "blocking_lag", "blocking_server"});
  fs::remove_all(dir);
}
