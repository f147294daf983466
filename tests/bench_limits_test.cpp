// The limits scenario (claim C2), its quick grid run for real and checked by
// its signature: the server's peak of open connections equals min(limit,
// requests); the unlimited gather under a lowered open-file limit fails with
// fd exhaustion while the limited one does not; a per-host limit holds on
// every host; a bound on requests in flight without pooling opens one
// connection per request, over a pooled session (aiohttp: an
// asyncio.Semaphore; C++: workers) and a connector at most `cap`. And its
// default grid, listed: what the report's verdict and headline and the guide read.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "bench_test_support.hpp"
#include "client_model.hpp"

namespace fs = std::filesystem;

using namespace bench_test_support;

namespace {

using Reps = std::multimap<std::string, nlohmann::json>;  // benchmark name -> its repetitions

void check_every_benchmark(const fs::path& dir, const std::set<std::string>& expected,
                           const Reps& reps) {
  std::set<std::string> seen;
  for (const auto& [name, b] : reps) {
    seen.insert(name);
    ASSERT_FALSE(b.value("error_occurred", false)) << name << ": " << b.value("error_message", "");
    for (const char* counter :
         {"req_per_s", "p50_us", "p99_us", "errors", "conns_opened", "conns_peak", "cpu_s",
          "rss_mb", "threads_created", "requests", "concurrency", "limit"})
      ASSERT_TRUE(b.contains(counter)) << name << " lacks " << counter;
    // Only the fd-limited unlimited gather is expected to fail.
    if (!(has(name, "/fd/") && has(name, "limit:unlimited"))) {
      EXPECT_EQ(b["errors"], 0) << name;
      EXPECT_EQ(b["server_requests"], b["requests"]) << name;
    }
  }
  EXPECT_EQ(seen, expected);
  const auto spectra = nlohmann::json::parse(read(dir / "limits" / "spectra.json"));
  EXPECT_EQ(spectra["benchmarks"].size(), expected.size());
  expect_report(dir / "limits", {"limits_throughput", "limits_latency", "limits_peak"});
}

void check_peaks(const Reps& reps) {
  int sweeps = 0;
  double largest_limit = 0;
  for (const auto& [name, b] : reps)
    if (has(name, "/sweep/")) largest_limit = std::max(largest_limit, b["limit"].get<double>());
  for (const auto& [name, b] : reps) {
    if (!has(name, "/sweep/")) continue;
    ++sweeps;
    const double limit = b["limit"], requests = b["requests"], peak = b["conns_peak"];
    EXPECT_EQ(b["concurrency"], 0) << name << ": all requests issued at once";
    if (limit > 0) {
      EXPECT_EQ(peak, std::min(limit, requests)) << name;
      EXPECT_EQ(b["conns_opened"], std::min(limit, requests)) << name << ": pooled";
    } else if (requests <= 256) {
      EXPECT_EQ(peak, requests) << name << ": unlimited, every request at once";
    } else {
      EXPECT_GE(peak, largest_limit) << name;
    }
  }
  EXPECT_GE(sweeps, 8);
}

void check_fd(const Reps& reps) {
  int unlimited = 0, limited = 0;
  for (const auto& [name, b] : reps) {
    if (!has(name, "/fd/")) continue;
    EXPECT_EQ(b["fd_limit"], 256) << name;
    if (has(name, "limit:unlimited")) {
      ++unlimited;
      // The process's own soft limit is far above the requests (the primer
      // passed under it), so for a Python model forked inside the run these
      // errors, and a server peak below the lowered limit, show that the
      // child inherited the lowered limit.
      EXPECT_GT(b["fd_errors"], 0) << name << ": EMFILE expected";
      EXPECT_EQ(b["errors_fd_exhausted"], b["fd_errors"]) << name;
      // Every descriptor the process could open went to a connection at most.
      EXPECT_LT(b["conns_peak"], 256) << name;
    } else {
      ++limited;
      EXPECT_EQ(b["errors"], 0) << name;
      EXPECT_EQ(b["fd_errors"], 0) << name;
      EXPECT_EQ(b["conns_peak"], b["limit"]) << name;
    }
  }
  EXPECT_GE(unlimited, 2);
  EXPECT_GE(limited, 2);
}

void check_per_host(const Reps& reps) {
  int runs = 0;
  for (const auto& [name, b] : reps) {
    if (!has(name, "/per_host/")) continue;
    ++runs;
    const double limit = b["limit"], per_host = b["limit_per_host"];
    double sum = 0;
    for (const char* host : {"conns_peak_host0", "conns_peak_host1", "conns_peak_host2"}) {
      ASSERT_TRUE(b.contains(host)) << name;
      const double peak = b[host];
      sum += peak;
      EXPECT_GE(peak, 1) << name << " " << host;
      EXPECT_LE(peak, limit) << name << " " << host;
      if (per_host > 0) {
        // aiohttp counts the connections requests have acquired; the server
        // also sees idle pooled ones and ones being closed, and aiohttp's
        // hand-over of a freed slot races (the report flags a host above
        // limit_per_host). Its total limit is the bound checked above; the
        // C++ models must hold the per-host limit exactly.
        if (!has(name, "/py_")) {
          EXPECT_LE(peak, per_host) << name << " " << host;
        }
      }
    }
    EXPECT_EQ(b["conns_peak"], sum) << name;
    for (const char* counter : {"fast_p50_us", "fast_p99_us", "slow_p50_us"})
      EXPECT_TRUE(b.contains(counter)) << name;
    // The slow host waits 500 ms, so its requests take at least that.
    EXPECT_GE(b["slow_p50_us"], 500'000) << name;
    // With a total limit alone the slow host fills every slot.
    if (per_host == 0) {
      EXPECT_EQ(b["conns_peak_host0"], limit) << name;
    }
  }
  EXPECT_GE(runs, 4);
}

// The same cap three ways: a bound on requests in flight over a shared
// pooled session reuses its connections (at most `cap`), the same bound
// without pooling opens one per request, a connector limit holds at most
// `cap` open. The bound is a real asyncio.Semaphore for aiohttp (every
// request gathered at once, at most and exactly `cap` inside it, as the
// model counted) and `cap` workers for the C++ models.
void check_cap(const Reps& reps) {
  std::map<std::string, int> runs;  // mode -> benchmarks
  for (const auto& [name, b] : reps) {
    if (!has(name, "/cap/")) continue;
    const double cap = b["cap"];
    const bool python = has(name, "/py_");
    EXPECT_GE(b["conns_opened"], 1) << name;
    EXPECT_LE(b["conns_peak"], cap) << name;
    if (has(name, "/connector/")) {
      ++runs["connector"];
      EXPECT_LE(b["conns_opened"], cap) << name;
      EXPECT_EQ(b["limit"], cap) << name;
      EXPECT_EQ(b["concurrency"], 0) << name;
      EXPECT_FALSE(b.contains("in_flight_peak")) << name;
      continue;
    }
    const std::string bound = python ? "semaphore" : "workers";
    ASSERT_TRUE(has(name, "/" + bound + "_pooled/") || has(name, "/" + bound + "_unpooled/"))
        << name << ": a Python model's bound is a semaphore, a C++ model's workers";
    EXPECT_EQ(b["concurrency"], cap) << name;
    EXPECT_EQ(b["limit"], 0) << name;
    if (python) {
      ASSERT_TRUE(b.contains("in_flight_peak")) << name;
      EXPECT_EQ(b["in_flight_peak"], cap) << name << ": asyncio.Semaphore(cap) over more requests";
    }
    if (has(name, "_unpooled/")) {
      ++runs[bound + "_unpooled"];
      EXPECT_EQ(b["conns_opened"], b["requests"]) << name << ": one connection per request";
    } else {
      ++runs[bound + "_pooled"];
      EXPECT_LE(b["conns_opened"], cap) << name << ": the shared session pools";
    }
  }
  EXPECT_GE(runs["connector"], 2);
  EXPECT_GE(runs["workers_pooled"], 2);
  EXPECT_GE(runs["workers_unpooled"], 2);
}

// The Python model, when the suite has it, runs in every part.
void check_python_rows(const std::set<std::string>& expected) {
  bool python = false;
  for (const auto& name : expected) python |= has(name, "/py_aiohttp/");
  if (!python) {
    // Not a skip: the C++ rows were checked; say that these were not.
    std::printf("py_aiohttp is not registered in this build: its limits rows were not run\n");
    return;
  }
  for (const char* part : {"/sweep/", "/fd/", "/per_host/", "/cap/"}) {
    int n = 0;
    for (const auto& name : expected) n += has(name, "/py_aiohttp/") && has(name, part);
    EXPECT_GE(n, 2) << part;
  }
  // Its cap compares a real asyncio.Semaphore with the connector.
  for (const char* mode : {"/cap/semaphore_pooled/", "/cap/semaphore_unpooled/", "/cap/connector/"})
    EXPECT_TRUE(std::any_of(expected.begin(), expected.end(), [&](const std::string& name) {
      return has(name, "/py_aiohttp/") && has(name, mode);
    })) << mode;
}

}  // namespace

TEST(Limits, DefaultGridIsWhatTheReportAndTheGuideRead) {
  const auto [status, listing] = run(std::string(BENCH_PATH) + " --filter=limits --list");
  ASSERT_EQ(status, 0);
  const std::set<std::string> names = lines_of(listing);
  // Every model: limit 32 of the sweep (the throughput check's largest limit,
  // the headline), the connector and the pooled bound (the headline's ratio).
  // The fd part for asio_coro and aiohttp (the guide's figures); aiohttp's
  // per-host limit and its unpooled semaphore (the guide's connection count).
  std::set<std::string> expected = {"limits/asio_coro/sweep/limit:32/delay_ms:20",
                                    "limits/curl_multi/sweep/limit:32/delay_ms:20",
                                    "limits/asio_coro/fd/fd_limit:256/limit:unlimited",
                                    "limits/asio_coro/fd/fd_limit:256/limit:100",
                                    "limits/asio_coro/cap/workers_pooled/cap:32/delay_ms:20",
                                    "limits/asio_coro/cap/connector/cap:32/delay_ms:20",
                                    "limits/curl_multi/cap/workers_pooled/cap:32/delay_ms:20",
                                    "limits/curl_multi/cap/connector/cap:32/delay_ms:20"};
  if (clients::has_model("py_aiohttp"))
    expected.insert({"limits/py_aiohttp/sweep/limit:32/delay_ms:20",
                     "limits/py_aiohttp/fd/fd_limit:256/limit:unlimited",
                     "limits/py_aiohttp/fd/fd_limit:256/limit:100",
                     "limits/py_aiohttp/per_host/limit:12/limit_per_host:4",
                     "limits/py_aiohttp/cap/semaphore_pooled/cap:32/delay_ms:20",
                     "limits/py_aiohttp/cap/semaphore_unpooled/cap:32/delay_ms:20",
                     "limits/py_aiohttp/cap/connector/cap:32/delay_ms:20"});
  EXPECT_EQ(names, expected) << listing;
}

TEST(Limits, QuickRunMeetsTheSignature) {
  const auto dir = fresh_dir("bench-limits-quick");
  const auto [list_status, listing] =
      run(std::string(BENCH_PATH) + " --filter=limits --quick --list");
  ASSERT_EQ(list_status, 0);
  const std::set<std::string> expected = lines_of(listing);
  ASSERT_GE(expected.size(), 16u);

  const int status =
      run(std::string(BENCH_PATH) + " --filter=limits --quick --repetitions 2 --out " +
          dir.string() + " >" + (dir / "stdout.txt").string() + " 2>&1")
          .first;
  ASSERT_EQ(status, 0) << read(dir / "stdout.txt");
  Reps reps;
  const auto j = nlohmann::json::parse(read(dir / "limits" / "bench.json"));
  for (const auto& b : j["benchmarks"]) {
    if (b["run_type"] != "iteration") continue;
    std::string name = b["run_name"];
    reps.emplace(name.substr(0, name.rfind("/manual_time")), b);
  }
  {
    SCOPED_TRACE("every benchmark, its counters, the report");
    check_every_benchmark(dir, expected, reps);
  }
  {
    SCOPED_TRACE("sweep: server peak = min(limit, requests)");
    check_peaks(reps);
  }
  {
    SCOPED_TRACE("fd-limited gather");
    check_fd(reps);
  }
  {
    SCOPED_TRACE("limit per host");
    check_per_host(reps);
  }
  {
    SCOPED_TRACE("semaphore or workers (pooled, unpooled) vs connector");
    check_cap(reps);
  }
  fs::remove_all(dir);
  check_python_rows(expected);
}
