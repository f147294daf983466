// The middleware scenario's quick grid, run for real through build/bench:
// every benchmark present and error-free; each timed server reports a span
// for every answer, never shorter than the handler's delay (exact counts);
// the server's CPU per request is measured for all four servers; mockd saw
// exactly the requests the client sent; a keep-alive span run opens one
// connection, a new-connection one one per request; the report has its verdict and
// charts; and no aiohttp server is left running.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "bench_test_support.hpp"

using namespace bench_test_support;

namespace {

std::set<std::string> expected_names() {
  std::set<std::string> names;
  for (const char* server : {"aiohttp", "mockd"})
    for (const char* middleware : {"none", "timing"}) {
      const std::string base = std::string("middleware/") + server + "/" + middleware;
      names.insert(base + "/overhead/c:8/delay_ms:0");
      names.insert(base + "/span/keep_alive/c:1/delay_ms:20");
      // Connect and accept in the client's latency: only where a span is read.
      if (std::string(middleware) == "timing")
        names.insert(base + "/span/new_connection/c:1/delay_ms:20");
    }
  return names;
}

// How many middleware_server.py processes run now.
int aiohttp_servers() {
  int n = 0;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (read(entry.path() / "cmdline").find("middleware_server.py") != std::string::npos) ++n;
  }
  return n;
}

}  // namespace

TEST(Middleware, QuickRunTimesEveryHandlerAndMeasuresTheCost) {
  const auto [list_status, listing] =
      run(std::string(BENCH_PATH) + " --filter=middleware --quick --list");
  ASSERT_EQ(list_status, 0);
  ASSERT_EQ(lines_of(listing), expected_names()) << listing;

  const int servers_before = aiohttp_servers();
  const auto dir = fresh_dir("middleware-test-quick");
  const int status = run(std::string(BENCH_PATH) + " --filter=middleware --quick --out " +
                         dir.string() + " >" + (dir / "out.txt").string() + " 2>&1")
                         .first;
  ASSERT_EQ(status, 0) << read(dir / "out.txt");

  const auto j = nlohmann::json::parse(read(dir / "middleware" / "bench.json"));
  std::set<std::string> seen;
  for (const auto& b : j["benchmarks"]) {
    if (b["run_type"] != "iteration") continue;
    std::string name = b["run_name"];
    name = name.substr(0, name.rfind("/manual_time"));
    seen.insert(name);
    ASSERT_FALSE(b.value("error_occurred", false)) << name << ": " << b.value("error_message", "");
    EXPECT_EQ(b["errors"], 0) << name;
    const bool timed = has(name, "/timing/");
    if (has(name, "/overhead/")) {
      EXPECT_GT(b["server_cpu_us_per_req"].get<double>(), 0) << name;
      EXPECT_EQ(b["conns_opened_client"], 8) << name << ": 8 keep-alive connections";
      if (has(name, "/mockd/")) {
        EXPECT_EQ(b["server_requests"], b["requests"]) << name << ": mockd saw every request";
      } else {
        // The aiohttp server keeps no counters: left out, not reported as 0.
        EXPECT_FALSE(b.contains("server_requests")) << name;
      }
      continue;
    }
    // The span runs: one connection per repetition with keep-alive, one per
    // request without (exact counts from libcurl's own connection count).
    if (has(name, "/keep_alive/")) {
      EXPECT_EQ(b["conns_opened_client"], 1) << name << ": every request on one connection";
    } else {
      EXPECT_EQ(b["conns_opened_client"], b["requests"]) << name << ": a connection per request";
    }
    if (timed) {
      EXPECT_EQ(b["span_missing"], 0) << name << ": every answer carries the span";
      EXPECT_EQ(b["span_below_delay"], 0) << name << ": a span covers the handler's wait";
      EXPECT_GE(b["span_min_ms"].get<double>(), 20.0) << name;
      // The client waits at least what the handler waited.
      EXPECT_GE(b["latency_p50_ms"].get<double>(), b["span_p50_ms"].get<double>()) << name;
    } else {
      EXPECT_GE(b["latency_p50_ms"].get<double>(), 20.0) << name;
      EXPECT_FALSE(b.contains("span_p50_ms")) << name;
    }
  }
  EXPECT_EQ(seen, expected_names());
  expect_report(dir / "middleware", {"middleware_cost", "middleware_span"});
  EXPECT_EQ(aiohttp_servers(), servers_before) << "an aiohttp server outlived bench";
  fs::remove_all(dir);
}
