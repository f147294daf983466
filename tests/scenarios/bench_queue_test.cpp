// The queue scenario's quick grid run for real through bench and checked by
// its signature: the bounded queue never holds more than maxsize items
// (exact, counted in its operations); the unbounded one grows by at least
// half of (producer rate − consumer rate) × the producer's running time; with
// the bound the producer is held near the consumers' rate; every item made
// is consumed once, intact; everything runs on one thread.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "bench_test_support.hpp"

namespace fs = std::filesystem;

using namespace bench_test_support;

namespace {

const char* const kNames[] = {
    "queue/asio_deque/unbounded/maxsize:0/consumers:4/producer_us:100/work_us:1000/items:5000",
    "queue/asio_channel/bounded/maxsize:100/consumers:4/producer_us:100/work_us:1000/items:5000",
    "queue/py_asyncio/unbounded/maxsize:0/consumers:4/producer_us:100/work_us:1000/items:5000",
    "queue/py_asyncio/bounded/maxsize:100/consumers:4/producer_us:100/work_us:1000/items:5000",
};

TEST(Queue, ListsBoundedAndUnboundedInBothLanguages) {
  const auto [status, listing] = run(std::string(BENCH_PATH) + " --filter=queue --quick --list");
  ASSERT_EQ(status, 0);
  const std::set<std::string> names = lines_of(listing);
  EXPECT_EQ(names.size(), 4u) << listing;
  for (const char* name : kNames) EXPECT_TRUE(names.contains(name)) << name << "\n" << listing;
}

TEST(Queue, QuickRunMeetsTheSignature) {
  const auto dir = fresh_dir("bench-queue");
  const int status =
      run(std::string(BENCH_PATH) + " --filter=queue --quick --repetitions 2 --out " +
          dir.string() + " >" + (dir / "stdout.txt").string() + " 2>&1")
          .first;
  ASSERT_EQ(status, 0) << read(dir / "stdout.txt");

  const auto j = nlohmann::json::parse(read(dir / "queue" / "bench.json"));
  std::set<std::string> seen;
  for (const auto& b : j["benchmarks"]) {
    if (b["run_type"] != "iteration") continue;
    std::string name = b["run_name"];
    name = name.substr(0, name.rfind("/manual_time"));
    seen.insert(name);
    ASSERT_FALSE(b.value("error_occurred", false)) << name << ": " << b.value("error_message", "");
    for (const char* counter :
         {"items", "maxsize", "produced", "consumed", "max_depth", "expected_depth", "errors",
          "producer_items_per_s", "consumer_items_per_s", "production_s", "total_s", "p50_ms",
          "p99_ms", "rss_growth_mb", "threads"})
      ASSERT_TRUE(b.contains(counter)) << name << " lacks " << counter;
    const double items = b["items"], maxsize = b["maxsize"], max_depth = b["max_depth"];
    EXPECT_EQ(b["errors"], 0) << name << ": every item consumed once, intact";
    EXPECT_EQ(b["produced"], items) << name;
    EXPECT_EQ(b["consumed"], items) << name;
    EXPECT_EQ(b["threads"], 1) << name << ": producer and consumers share one thread";
    const double producer = b["producer_items_per_s"], consumer = b["consumer_items_per_s"];
    // 4 consumers x 1 ms cannot take more than 4,000 items/s, whatever the machine does.
    EXPECT_LE(consumer, 4000 * 1.02) << name;
    if (has(name, "/bounded/")) {
      EXPECT_EQ(maxsize, 100) << name;
      EXPECT_LE(max_depth, maxsize) << name << ": the bound holds, counted in put/get";
      EXPECT_GE(max_depth, maxsize / 2) << name << ": the producer did fill the queue";
      // Backpressure: the producer (scheduled at 10,000/s) is held near the consumers' rate.
      EXPECT_LT(producer, consumer * 1.5) << name;
      // The producer cannot finish before the consumers have taken all but maxsize items.
      EXPECT_GE(b["production_s"].get<double>(), (items - maxsize - 8) / 4000) << name;
    } else {
      EXPECT_EQ(maxsize, 0) << name;
      const double expected = b["expected_depth"];
      EXPECT_GT(expected, 0) << name << ": the producer outran the consumers";
      EXPECT_GE(max_depth, 0.5 * expected)
          << name << ": grows with (producer rate - consumer rate) x time";
      // No bound: the producer keeps (roughly) its schedule of 10,000 items/s.
      EXPECT_GT(producer, 2 * consumer) << name;
      EXPECT_GE(max_depth, 10 * 100) << name << ": far beyond what the bound allows";
    }
  }
  EXPECT_EQ(seen.size(), 4u) << "every quick benchmark reported";

  // The sampler's series are there for every benchmark, with equal lengths.
  const auto series = nlohmann::json::parse(read(dir / "queue" / "series.json"));
  const auto& all = series.contains("benchmarks") ? series["benchmarks"] : series;
  for (const char* name : kNames) {
    ASSERT_TRUE(all.contains(name)) << name;
    const auto& s = all[name];
    ASSERT_TRUE(s.contains("t_ms") && s.contains("depth") && s.contains("rss_mb")) << name;
    EXPECT_GT(s["t_ms"].size(), 10u) << name;
    EXPECT_EQ(s["t_ms"].size(), s["depth"].size()) << name;
    if (has(name, "/bounded/")) {
      for (const auto& d : s["depth"]) {
        EXPECT_LE(d.get<double>(), 100) << name;
      }
    }
  }
  expect_report(dir / "queue", {"queue_depth", "queue_latency"});
  fs::remove_all(dir);
}

}  // namespace
