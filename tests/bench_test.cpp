// The bench driver: its own pieces (filter, atomic files, spectra) on known
// inputs, and the pooling scenario's quick grid run for real, checked by its
// signature: every benchmark present with every counter, no errors, and the
// server-side connection counts that pooling predicts.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "atomic_file.hpp"
#include "bench_test_support.hpp"
#include "http_get.hpp"
#include "mockd_process.hpp"
#include "scenario.hpp"
#include "spectra.hpp"

namespace fs = std::filesystem;

using namespace bench_test_support;

TEST(BenchFilter, PlainWordSelectsItsScenario) {
  const auto f = bench::make_filter("pooling");
  EXPECT_TRUE(bench::filter_selects(f, "pooling/asio_coro/pool/https/c:32/delay_ms:0"));
  EXPECT_FALSE(bench::filter_selects(f, "limits/asio_coro/limit:4"));
}

TEST(BenchFilter, ScenarioNameSelectsOnlyThatScenario) {
  // "blocking" is a scenario and a prefix of model names used elsewhere.
  const auto f = bench::make_filter("blocking");
  EXPECT_TRUE(bench::filter_selects(f, "blocking/client/timer/tasks:100/wait_ms:10"));
  EXPECT_FALSE(bench::filter_selects(f, "pooling/blocking_curl/pool/http/c:1/delay_ms:0"));
  EXPECT_TRUE(bench::filter_selects(bench::make_filter("blocking_curl"),
                                    "pooling/blocking_curl/pool/http/c:1/delay_ms:0"));
}

TEST(BenchFilter, RegexSelectsByAnyPartOfTheName) {
  const auto f = bench::make_filter("asio_coro/nopool/https");
  EXPECT_TRUE(bench::filter_selects(f, "pooling/asio_coro/nopool/https/c:32/delay_ms:5"));
  EXPECT_FALSE(bench::filter_selects(f, "pooling/asio_coro/pool/https/c:32/delay_ms:5"));
  EXPECT_TRUE(bench::filter_selects(bench::make_filter(""), "anything"));
}

TEST(BenchFilter, MalformedRegexIsRejected) {
  EXPECT_THROW(bench::make_filter("pooling("), std::invalid_argument);
}

TEST(AtomicFile, ReplacesWholeAndLeavesNoTemporary) {
  const auto dir = fresh_dir("atomic-file-test");
  const auto path = dir / "sub" / "bench.json";
  bench::write_file_atomically(path, "first");
  bench::write_file_atomically(path, "second");
  EXPECT_EQ(read(path), "second");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir / "sub"), fs::directory_iterator{}), 1);
  fs::remove_all(dir);
}

// Issue 21, item 2: a write that fails (here a file size limit; a full disk
// fails the same way) leaves no temporary beside the results and the old
// file whole.
TEST(AtomicFile, AFailedWriteLeavesNoTemporaryAndKeepsTheOldFile) {
  const auto dir = fresh_dir("atomic-file-fails");
  const auto path = dir / "bench.json";
  bench::write_file_atomically(path, "old");
  rlimit before{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &before), 0);
  const auto previous = std::signal(SIGXFSZ, SIG_IGN);  // the write fails with EFBIG instead
  rlimit small = before;
  small.rlim_cur = 16;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  EXPECT_THROW(bench::write_file_atomically(path, std::string(4096, 'x')), std::runtime_error);
  setrlimit(RLIMIT_FSIZE, &before);
  std::signal(SIGXFSZ, previous);
  EXPECT_EQ(read(path), "old");
  for (const auto& entry : fs::directory_iterator(dir))
    EXPECT_EQ(entry.path().filename(), "bench.json") << "left behind: " << entry.path();
  fs::remove_all(dir);
}

TEST(Spectra, PercentilesOfKnownValues) {
  const auto dir = fresh_dir("spectra-test");
  bench::Spectra spectra;
  std::vector<double> first, second;
  for (int i = 1; i <= 50; ++i) first.push_back(i);
  for (int i = 51; i <= 100; ++i) second.push_back(i);
  spectra.add("x", first);
  spectra.add("x", second);  // repetitions pool
  spectra.write(dir / "spectra.json");
  const auto j = nlohmann::json::parse(read(dir / "spectra.json"));
  const auto& x = j["benchmarks"]["x"];
  EXPECT_EQ(x["samples"], 100);
  std::map<double, double> at;
  for (const auto& p : x["percentiles"]) at[p[0].get<double>()] = p[1].get<double>();
  EXPECT_DOUBLE_EQ(at[0], 1);
  EXPECT_DOUBLE_EQ(at[50], 50.5);
  EXPECT_DOUBLE_EQ(at[100], 100);
  fs::remove_all(dir);
}

TEST(BenchCommandLine, RejectsBadOptions) {
  for (const char* bad :
       {"--bogus", "--filter='('", "--filter=no_such_scenario", "--repetitions=0"}) {
    EXPECT_EQ(run(std::string(BENCH_PATH) + " " + bad + " --list 2>/dev/null").first, 2) << bad;
  }
}

TEST(BenchServer, ExternalServerIsUsedInsteadOfStartingOne) {
  const auto dir = fresh_dir("bench-external-server");
  harness::MockdProcess mockd;
  const int status =
      run(std::string(BENCH_PATH) + " --server " + mockd.url() +
          " --filter=pooling/blocking_curl/pool/http --quick --repetitions 1 --no-charts --out " +
          dir.string() + " >/dev/null 2>&1")
          .first;
  ASSERT_EQ(status, 0);
  const auto j = nlohmann::json::parse(read(dir / "pooling" / "bench.json"));
  EXPECT_NE(j["context"]["suite_server"].get<std::string>().find(mockd.url()), std::string::npos);
  // The primer and the one repetition reached our server.
  EXPECT_GT(harness::fetch_stats(mockd.url())["requests_total"].get<int>(), 0);
  fs::remove_all(dir);
}

TEST(Pooling, QuickRunMeetsTheSignature) {
  const auto dir = fresh_dir("bench-pooling-quick");
  const auto [list_status, listing] =
      run(std::string(BENCH_PATH) + " --filter=pooling --quick --list");
  ASSERT_EQ(list_status, 0);
  const std::set<std::string> expected = lines_of(listing);
  ASSERT_GE(expected.size(), 20u);

  const int status =
      run(std::string(BENCH_PATH) + " --filter=pooling --quick --repetitions 2 --out " +
          dir.string() + " >" + (dir / "stdout.txt").string() + " 2>&1")
          .first;
  ASSERT_EQ(status, 0) << read(dir / "stdout.txt");

  const auto j = nlohmann::json::parse(read(dir / "pooling" / "bench.json"));
  std::set<std::string> seen;
  for (const auto& b : j["benchmarks"]) {
    if (b["run_type"] != "iteration") continue;
    std::string name = b["run_name"];
    name = name.substr(0, name.rfind("/manual_time"));
    seen.insert(name);
    ASSERT_FALSE(b.value("error_occurred", false)) << name << ": " << b.value("error_message", "");
    for (const char* counter : {"req_per_s", "p50_us", "p90_us", "p99_us", "max_us", "errors",
                                "conns_opened", "conns_peak", "cpu_s", "rss_mb", "threads_created"})
      ASSERT_TRUE(b.contains(counter)) << name << " lacks " << counter;
    EXPECT_EQ(b["errors"], 0) << name;
    const double requests = b["requests"], concurrency = b["concurrency"],
                 opened = b["conns_opened"];
    EXPECT_EQ(b["server_requests"], requests) << name;
    if (name.find("/nopool/") != std::string::npos) {
      EXPECT_EQ(opened, requests) << name << ": unpooled opens one connection per request";
    } else if (name.find("/py_requests/") != std::string::npos) {
      EXPECT_EQ(opened, 1) << name << ": one requests.Session keeps one connection";
    } else if (name.find("/blocking_") != std::string::npos) {
      EXPECT_EQ(opened, 1) << name << ": one handle or client keeps one connection";
    } else {
      // At most one connection per request in flight (or per worker). Not
      // exactly one per worker: in a short run a worker thread that started
      // after the shared counter ran out made no request and opened nothing.
      EXPECT_GE(opened, 1) << name;
      EXPECT_LE(opened, concurrency) << name << ": pooled opens at most one per request in flight";
    }
    if (name.find("/https/") != std::string::npos) {
      EXPECT_EQ(b["tls_handshakes"], opened) << name;
    }
    if (name.find("/py_") != std::string::npos) {
      // Python models: the child's start-up is reported, outside the timed run,
      // and neither requests nor aiohttp resumes TLS sessions.
      EXPECT_GT(b.value("startup_ms", 0.0), 0) << name;
      EXPECT_EQ(b["tls_resumed"], 0) << name;
    }
    if (name.find("session_cache:off") != std::string::npos) {
      EXPECT_EQ(b["tls_resumed"], 0) << name;
    }
  }
  EXPECT_EQ(seen, expected);

  const auto spectra = nlohmann::json::parse(read(dir / "pooling" / "spectra.json"));
  EXPECT_EQ(spectra["benchmarks"].size(), expected.size());

  expect_report(dir / "pooling", {"pooling_throughput", "pooling_latency", "pooling_connections"});
  EXPECT_TRUE(fs::exists(dir / "README.md")) << "the results index";
  fs::remove_all(dir);
}
